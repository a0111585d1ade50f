"""Tools as the model sees them: one walk of each tool's parameter schema, and what each tool
can do. Shared analyses for the tool-schema rules (PL2xx); rules ask, never walk themselves.

`tool_parameters(tool)` yields every parameter at any depth (nested objects, arrays, `items`,
`anyOf`/`oneOf`/`allOf`, local `$ref` into `$defs`/`definitions`, cycles bounded), each with
its JSON pointer, the span of its key, its types, constraints and description.

`capabilities(tool)` classes a tool from its name, its description and its MCP annotations:
`read-only`, `write`, `destructive`, `money`, `sends-out`, `runs-code`, `private-data`,
`untrusted-source`, each with the evidence it rests on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from promptlint.model import Node, Span, Text, Tool

MAX_SCHEMA_DEPTH = 64
CONSTRAINT_KEYS = ("enum", "const", "pattern", "format", "maxLength", "maximum", "exclusiveMaximum", "maxItems",
                   "minimum", "minLength", "maxProperties")


@dataclass(frozen=True)
class Parameter:
    tool: Tool
    name: str  # the property name ("" for the parameters object itself)
    pointer: str  # JSON pointer inside the parameters schema: /properties/filter/properties/sql
    schema: Node
    span: Span  # the property's key, else the schema
    types: tuple[str, ...]  # JSON types it allows ("" entries never: empty when untyped)
    constraints: dict[str, Any]  # plain values of enum, const, pattern, format, maxLength, ...
    description: Text | None
    required: bool  # listed in its parent's `required`
    depth: int  # 0 for top-level properties

    @property
    def constrained(self) -> bool:
        """Bound to vetted values: an enum, a const, or a pattern."""
        return any(key in self.constraints for key in ("enum", "const", "pattern"))


def tool_parameters(tool: Tool) -> list[Parameter]:
    if tool.parameters is None or tool.parameters.kind != "mapping":
        return []
    found: list[Parameter] = []
    _walk(tool, tool.parameters, tool.parameters, "", 0, set(), found)
    return found


def _walk(tool: Tool, schema: Node, root: Node, pointer: str, depth: int, seen: set[int],
          found: list[Parameter]) -> None:
    for part, _depth, part_pointer in schema_parts(schema, root, seen, depth, pointer):
        properties = part.get("properties")
        required = part.get("required")
        names = {node.string() for node in required.elements()} if required is not None else set()
        for name, child in properties.items() if properties is not None else ():
            if child.kind != "mapping":
                continue
            child_pointer = f"{part_pointer}/properties/{_escape(name)}"
            merged = _merged(child, root)
            found.append(Parameter(
                tool=tool, name=name, pointer=child_pointer, schema=child, span=child.key_span or child.span,
                types=_types(merged), constraints=_constraints(merged), description=_description(merged),
                required=name in names, depth=depth,
            ))
            if depth < MAX_SCHEMA_DEPTH:
                _walk(tool, child, root, child_pointer, depth + 1, seen, found)


def schema_parts(schema: Node, root: Node, seen: set[int], depth: int = 0,
                 pointer: str = "") -> Iterator[tuple[Node, int, str]]:
    """`schema` and the schemas it is made of (a local `$ref`, `anyOf`/`oneOf`/`allOf` branches,
    `items`), each not seen before, with its depth and JSON pointer: the one walk every rule shares."""
    if schema.kind != "mapping" or id(schema) in seen or depth > MAX_SCHEMA_DEPTH:
        return
    seen.add(id(schema))
    yield schema, depth, pointer
    reference = schema.get("$ref")
    target = resolve_pointer(reference.string(), root) if reference is not None else None
    if target is not None and reference is not None:
        yield from schema_parts(target, root, seen, depth + 1, (reference.string() or "#")[1:])
    for key in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(key)
        for index, branch in enumerate(branches.elements() if branches is not None else ()):
            yield from schema_parts(branch, root, seen, depth + 1, f"{pointer}/{key}/{index}")
    items = schema.get("items")
    if items is not None:
        if items.kind == "sequence":  # older drafts: a list of schemas
            for index, item in enumerate(items.elements()):
                yield from schema_parts(item, root, seen, depth + 1, f"{pointer}/items/{index}")
        else:
            yield from schema_parts(items, root, seen, depth + 1, f"{pointer}/items")


def _merged(schema: Node, root: Node) -> list[Node]:
    """A parameter's schema and those it is made of, for its types, constraints and description."""
    return [part for part, _depth, _pointer in schema_parts(schema, root, set())]


def _types(parts: list[Node]) -> tuple[str, ...]:
    types: list[str] = []
    for part in parts:
        node = part.get("type")
        values = [node.value] if node is not None and node.kind == "scalar" else \
            [item.value for item in node.elements()] if node is not None else []
        types.extend(str(value) for value in values if isinstance(value, str) and value not in types)
    return tuple(types)


def _constraints(parts: list[Node]) -> dict[str, Any]:
    constraints: dict[str, Any] = {}
    for part in parts:
        for key in CONSTRAINT_KEYS:
            node = part.get(key)
            if node is not None and key not in constraints:
                constraints[key] = node.plain()
    return constraints


def _description(parts: list[Node]) -> Text | None:
    for part in parts:
        node = part.get("description")
        if node is not None and node.text is not None:
            return node.text
    return None


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def resolve_pointer(reference: str | None, root: Node) -> Node | None:
    """The node a local JSON Pointer reference (`#/$defs/Name`) names; None for any other."""
    if reference is None or not (reference == "#" or reference.startswith("#/")):
        return None  # remote references are never fetched
    node = root
    for token in reference[2:].split("/") if reference != "#" else ():
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if node.kind == "sequence" and token.isascii() and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
        else:
            found = node.get(token)
            if found is None:
                return None
            node = found
    return node


# --- what a tool can do ------------------------------------------------------------------------------

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
CLASSES: dict[str, frozenset[str]] = {
    "destructive": frozenset({"delete", "remove", "drop", "truncate", "destroy", "purge", "wipe", "overwrite",
                              "revoke", "reset", "terminate", "kill", "erase", "uninstall", "rm", "deprovision"}),
    "write": frozenset({"create", "update", "set", "insert", "upsert", "patch", "rename", "move", "write", "edit",
                        "add", "modify", "save", "put", "commit", "push", "merge", "apply", "deploy", "install"}),
    "money": frozenset({"pay", "payment", "charge", "refund", "transfer", "purchase", "order", "invoice", "payout",
                        "withdraw", "buy"}),
    "sends-out": frozenset({"send", "email", "mail", "post", "publish", "notify", "message", "sms", "tweet",
                            "upload", "share", "webhook", "http", "request", "reply", "forward", "invite",
                            "comment", "slack"}),
    "runs-code": frozenset({"exec", "execute", "run", "eval", "evaluate", "shell", "bash", "command", "script",
                            "python", "code", "terminal", "spawn", "subprocess", "interpreter"}),
    "private-data": frozenset({"customer", "customers", "user", "users", "account", "accounts", "inbox",
                               "calendar", "contacts", "contact", "crm", "db", "database", "drive", "record",
                               "records", "file", "files", "email", "emails", "message", "messages", "document",
                               "documents", "secret", "secrets", "credential", "credentials", "table", "sql",
                               "repository", "repo", "issue", "ticket", "invoice", "payment", "employee"}),
    "untrusted-source": frozenset({"browse", "fetch", "scrape", "crawl", "download", "web", "url", "search",
                                   "read_url", "webpage", "page", "rss", "inbox", "email", "issue", "comments"}),
}
READ_VERBS = frozenset({"get", "list", "read", "search", "find", "fetch", "query", "lookup", "describe", "show",
                        "view", "retrieve", "count", "check", "inspect", "browse", "download"})


@dataclass(frozen=True)
class Capabilities:
    classes: frozenset[str]
    evidence: dict[str, str] = field(default_factory=dict)  # class -> why
    read_only: bool = False  # by annotation, or by a name that only reads
    annotations: dict[str, Any] = field(default_factory=dict)

    def __contains__(self, item: str) -> bool:
        return item in self.classes


def words(text: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(text)]


def capabilities(tool: Tool) -> Capabilities:
    """The classes of a tool: from its name's words, then its description's first sentence;
    MCP annotations overrule the words (`readOnlyHint: true` is neither write nor destructive)."""
    name_words = words(tool.name)
    description = tool.description.value if tool.description is not None else ""
    first = re.split(r"(?<=[.!?])\s|\n\n", description.strip(), maxsplit=1)[0] if description else ""
    sentence_words = words(first)
    annotations = tool.annotations.plain() if tool.annotations is not None and tool.annotations.kind == "mapping" \
        else {}
    classes: set[str] = set()
    evidence: dict[str, str] = {}
    for name, vocabulary in CLASSES.items():
        hit = next((word for word in name_words if word in vocabulary), None)
        if hit is not None:
            classes.add(name)
            evidence[name] = f"the name '{tool.name}' says '{hit}'"
            continue
        verb = sentence_words[0] if sentence_words else ""
        if name in ("destructive", "write", "money", "sends-out", "runs-code") and verb in vocabulary:
            classes.add(name)
            evidence[name] = f"its description starts with '{verb}'"
        elif name in ("private-data", "untrusted-source") and any(word in vocabulary for word in sentence_words):
            word = next(word for word in sentence_words if word in vocabulary)
            classes.add(name)
            evidence[name] = f"its description mentions '{word}'"
    read_only = bool(name_words) and name_words[0] in READ_VERBS and not classes & {"destructive", "write", "money"}
    if annotations.get("readOnlyHint") is True:
        read_only = True
        classes -= {"destructive", "write"}
        evidence["read-only"] = "annotation readOnlyHint: true"
    if annotations.get("destructiveHint") is True and annotations.get("readOnlyHint") is not True:
        classes.add("destructive")
        evidence.setdefault("destructive", "annotation destructiveHint: true")
    if annotations.get("openWorldHint") is True:
        classes.add("untrusted-source")
        evidence.setdefault("untrusted-source", "annotation openWorldHint: true")
    if read_only:
        classes.add("read-only")
        evidence.setdefault("read-only", f"the name '{tool.name}' only reads")
    return Capabilities(frozenset(classes), evidence, read_only, annotations)
