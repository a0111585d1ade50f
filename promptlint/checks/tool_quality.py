"""Tool schemas as providers accept them and models read them (PL210-PL219).

Tools are read from every format that defines them with a JSON Schema (OpenAI, Anthropic, MCP,
native inline); Dotprompt tools are bare names of tools defined in code and Prompty 2 tools
list their own parameters, so only the rules that apply to a name or a description see them.

A parameters schema of `{}` (or one holding only `$schema`) is the "no arguments" schema
real servers ship: valid, nothing to describe, nothing open to report (PL212 stays quiet on
an object without properties); only strict mode (PL213) still wants it closed and typed.

An open object reported by PL212 or PL213 carries a fix that writes `"additionalProperties":
false` into it (`promptlint.schema_edits`): unsafe for PL212 (a closed object rejects arguments
that validated before), safe for PL213 (the API rejects the schema as it stands).

`schema_nodes` walks every subschema of a schema (properties, items, branches, `$defs`) once;
`metaschema_errors` validates a schema against its `$schema` (default draft 2020-12), each
error located at its key. The output-schema rules (PL240-PL242) use both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from promptlint.context import CheckContext
from promptlint.findings import Applicability, Finding, Fix, Related
from promptlint.model import Document, Node, Span, Tool
from promptlint.schema_prefilter import plainly_valid
from promptlint.tool_schema import MAX_SCHEMA_DEPTH, Parameter, tool_parameters

SCHEMA_PROVIDERS = ("openai", "anthropic", "mcp", "native")
# keys whose value is a schema, a list of schemas, or a map of name -> schema
_SCHEMA_VALUED = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                  "unevaluatedItems", "unevaluatedProperties", "additionalItems")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def schema_tools(document: Document) -> list[Tool]:
    """Tools defined here with a JSON Schema for their arguments."""
    return [tool for tool in document.tools if tool.provider in SCHEMA_PROVIDERS and tool.ref is None]


def tool_where(tool: Tool) -> Span:
    return tool.name_span or tool.span


def tool_label(tool: Tool) -> str:
    return f"tool '{tool.name}'" if tool.name else "a tool without a name"


def parameters_span(tool: Tool) -> Span:
    if tool.parameters is None:
        return tool_where(tool)
    return tool.parameters.key_span or tool.parameters.span


# --- walking a schema ------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaNode:
    node: Node
    pointer: str  # JSON pointer inside the schema ("" for the root)
    parent: SchemaNode | None
    via: str  # the key that holds it: "", "properties", "items", "anyOf", "$defs", ...
    depth: int  # object nesting: 0 for the root

    @property
    def span(self) -> Span:
        return self.node.key_span or self.node.span


def schema_nodes(root: Node) -> list[SchemaNode]:
    """Every subschema of `root` (a mapping) in document order, each once."""
    found: list[SchemaNode] = []
    if root.kind != "mapping":
        return found
    stack: list[SchemaNode] = [SchemaNode(root, "", None, "", 0)]
    while stack:
        current = stack.pop()
        found.append(current)
        if len(found) > 20000 or current.depth > MAX_SCHEMA_DEPTH:
            continue
        children: list[SchemaNode] = []
        is_object = bool(object_types(current.node))
        for key, value in current.node.items():
            pointer = f"{current.pointer}/{_escape(key)}"
            if key in _SCHEMA_VALUED and value.kind == "mapping":
                children.append(SchemaNode(value, pointer, current, key, current.depth))
            elif key in ("items", *_SCHEMA_LISTS) and value.kind == "sequence":
                children.extend(SchemaNode(item, f"{pointer}/{index}", current, key, current.depth)
                                for index, item in enumerate(value.elements()) if item.kind == "mapping")
            elif key in _SCHEMA_MAPS and value.kind == "mapping":
                deeper = current.depth + 1 if key in ("properties", "patternProperties") and is_object else \
                    current.depth
                children.extend(SchemaNode(child, f"{pointer}/{_escape(name)}", current, key, deeper)
                                for name, child in value.items() if child.kind == "mapping")
        stack.extend(reversed(children))
    return found


def object_types(schema: Node) -> bool:
    """Whether a schema describes an object: `type: object` (or a list with it), or properties without a type."""
    kind = schema.get("type")
    if kind is None:
        properties = schema.get("properties")
        return properties is not None and properties.kind == "mapping"
    values = [kind.value] if kind.kind == "scalar" else [item.value for item in kind.elements()]
    return "object" in values


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def property_names(schema: Node) -> list[str]:
    properties = schema.get("properties")
    return [name for name, _node in properties.items()] if properties is not None else []


def _closed(schema: Node) -> bool:
    for key in ("additionalProperties", "unevaluatedProperties"):
        node = schema.get(key)
        if node is not None and node.value is False:
            return True
    return False


# --- metaschema validation (PL215, PL240) -----------------------------------------------------


@dataclass(frozen=True)
class SchemaError:
    span: Span
    message: str
    where: str  # "/properties/unit/type"


def metaschema_errors(schema: Node) -> list[SchemaError]:
    """Errors of `schema` against the metaschema its `$schema` names (draft 2020-12 by default)."""
    plain = schema.plain()
    if not isinstance(plain, (dict, bool)):
        return [SchemaError(schema.key_span or schema.span, "a schema must be an object (or a boolean)", "")]
    declared = plain.get("$schema") if isinstance(plain, dict) else None
    if (declared is None or declared in DRAFT_2020_12) and plainly_valid(plain):
        return []  # surely valid under 2020-12: the full validator (about 2 ms a tool) has nothing to say
    import jsonschema  # only files with tool schemas need it: a one-file run of a prompt does not pay for it

    validator_class: Any = jsonschema.Draft202012Validator
    if isinstance(declared, str):
        validator_class = jsonschema.validators.validator_for({"$schema": declared},
                                                              default=jsonschema.Draft202012Validator)
    found: list[SchemaError] = []
    reported: set[tuple[int, str]] = set()
    try:
        errors = sorted(_meta_validator(validator_class).iter_errors(plain),
                        key=lambda error: list(map(str, error.absolute_path)))
    except Exception as problem:  # a metaschema that cannot run (a broken $schema): say so, do not crash
        return [SchemaError(schema.key_span or schema.span, f"cannot be checked: {problem}", "")]
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "uniqueItems" and path and path[-1] == "required":
            continue  # duplicate names in `required` are PL214's
        shown = _shown(error)
        node = schema.find(path)
        span = node.key_span or node.span
        if node is schema:
            span = schema.key_span or schema.span
        where = "/" + "/".join(_escape(str(part)) for part in path) if path else "the root"
        if (span.start, shown) in reported:
            continue  # the 2020-12 metaschema reaches a subschema by several vocabularies
        reported.add((span.start, shown))
        found.append(SchemaError(span, shown, where))
    return found


DRAFT_2020_12 = ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#")


@lru_cache(maxsize=16)
def _meta_validator(validator_class: Any) -> Any:
    """A validator for a metaschema, built once per draft."""
    return validator_class(validator_class.META_SCHEMA)


def _shown(error: Any) -> str:  # a jsonschema ValidationError
    if error.context:
        from jsonschema.exceptions import best_match

        deepest = best_match(error.context)
        if deepest is not None:
            error = deepest
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."


# --- PL210 tool-description-missing -----------------------------------------------------------


def _humanised(name: str) -> str:
    return " ".join(word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name))


def tool_description_missing(document: Document, context: CheckContext) -> Iterator[Finding]:
    minimum = int(context.options.get("min-length") or 20)
    for tool in document.tools:
        if tool.provider == "dotprompt" or tool.ref is not None or not _callable_prompty(tool):
            continue  # a bare name (the tool is defined in code), or an OpenAPI/MCP/file tool of Prompty
        label = tool_label(tool)
        description = tool.description
        text = description.value.strip() if description is not None else ""
        if not text:
            yield context.finding(
                tool_where(tool),
                f"{label} has no description; the model picks tools by their descriptions: say what it does, "
                "when to use it and what it returns")
        elif _humanised(text) == _humanised(tool.name) and tool.name:
            assert description is not None
            yield context.finding(
                description.span(),
                f"the description of {label} only repeats its name; say what it does, when to use it and what "
                "it returns")
        elif len(text) < minimum:
            assert description is not None
            yield context.finding(
                description.span(),
                f"the description of {label} is {len(text)} characters (fewer than {minimum}); say what it does, "
                "when to use it and what it returns")


def _callable_prompty(tool: Tool) -> bool:
    """Prompty 2 tools of `kind: function` describe themselves; `openapi`, `mcp` and other kinds
    take their operations' descriptions from elsewhere (the specification, the server)."""
    if tool.provider != "prompty" or tool.node is None:
        return True
    kind = tool.node.get("kind")
    return kind is None or kind.value == "function"


# --- PL211 parameter-description-missing ------------------------------------------------------

_SELF_DESCRIBING = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[ _.-][A-Za-z0-9]+)*")


def self_describing_enum(values: Any) -> bool:
    """An enum of at least two values that are words (`celsius`, `dry-run`), not codes (`a`, `1`)."""
    if not isinstance(values, list) or len(values) < 2:
        return False
    return all(isinstance(value, str) and len(value) >= 2 and _SELF_DESCRIBING.fullmatch(value) for value in values)


def _self_evident(constraints: dict[str, Any], allow_enum: bool) -> bool:
    """A `const` or a one-value enum (nothing for the model to choose), or an enum of words."""
    values = constraints.get("enum")
    if "const" in constraints or (isinstance(values, list) and len(values) == 1):
        return True
    return allow_enum and self_describing_enum(values)


def _undescribed(tool: Tool, allow_enum: bool) -> Iterator[Parameter]:
    for parameter in tool_parameters(tool):
        if parameter.description is not None and parameter.description.value.strip():
            continue
        if not _self_evident(parameter.constraints, allow_enum):
            yield parameter


def parameter_description_missing(document: Document, context: CheckContext) -> Iterator[Finding]:
    allow_enum = context.options.get("allow-enum-without-description", True) is not False
    for tool in schema_tools(document):
        for parameter in _undescribed(tool, allow_enum):
            yield context.finding(
                parameter.span,
                f"parameter '{parameter.name}' of {tool_label(tool)} has no description; say what it means, "
                "its unit or format and an example")
    from promptlint.checks.output_schema import output_schemas

    for schema, label in output_schemas(document):
        pseudo = Tool(name="output", span=schema.span, provider="native", parameters=schema)
        for parameter in _undescribed(pseudo, allow_enum):
            yield context.finding(
                parameter.span,
                f"property '{parameter.name}' of the {label} has no description; say what the model should put "
                "in it")


# --- PL212 open-object-schema -----------------------------------------------------------------


def is_strict(tool: Tool) -> bool:
    """OpenAI `function.strict: true` (or `strict` beside the name in the flat and legacy forms).
    Anthropic's strict tool use has rules of its own, which the OpenAI subset would misjudge."""
    node = tool.node
    if node is None or node.kind != "mapping" or tool.provider not in ("openai", "native"):
        return False
    function = node.get("function")
    holder = function if function is not None and function.kind == "mapping" else node
    strict = holder.get("strict")
    return strict is not None and strict.value is True


def open_object_schema(document: Document, context: CheckContext) -> Iterator[Finding]:
    found: list[tuple[Node, Span, str, bool]] = []  # (object, where, message, whether closing it is a fix)
    for tool in schema_tools(document):
        if tool.parameters is None or tool.parameters.kind != "mapping" or is_strict(tool):
            continue  # strict tools: PL213 reports it as an error
        for item in schema_nodes(tool.parameters):
            schema = item.node
            if item.via == "allOf" or not object_types(schema) or _closed(schema):
                continue  # allOf parts are closed (or not) by the schema that combines them
            if not property_names(schema) and schema.get("additionalProperties") is None:
                continue  # no properties: the "no arguments" schema, or a free-form map by design
            extra = schema.get("additionalProperties")
            if schema.get("patternProperties") is not None or (extra is not None and extra.kind == "mapping"):
                continue  # a map whose values are typed: open on purpose
            where = "the parameters object" if item.pointer == "" else f"the object at '{item.pointer}'"
            # closing an object without properties would leave it accepting only {}: no fix for that
            found.append((schema, item.span if item.pointer else parameters_span(tool),
                          f"{where} of {tool_label(tool)} accepts properties nobody declared "
                          + ("(additionalProperties: true)" if extra is not None else "(no additionalProperties)")
                          + "; add \"additionalProperties\": false so the arguments can be validated",
                          bool(property_names(schema)) and not tool.schema_summary))
    # unsafe: a closed object rejects arguments that validated before
    fixes = _closing_fixes(document, [schema for schema, _span, _message, fixable in found if fixable], "unsafe")
    for schema, span, message, fixable in found:
        yield context.finding(span, message, fixes=fixes.get(id(schema), ()) if fixable else ())


def _closing_fixes(document: Document, objects: list[Node], applicability: Applicability) -> dict[int, tuple[Fix, ...]]:
    """The fix that closes each object schema (by `id`), where its text allows one (`schema_edits`)."""
    if not objects:
        return {}
    from promptlint.schema_edits import closing_edits, description

    return {key: (Fix(description(edit), (edit,), applicability),)
            for key, edit in closing_edits(document, objects).items()}


# --- PL213 strict-schema-unsupported ----------------------------------------------------------

UNSUPPORTED_OPENAI_2025 = ("allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
                           "patternProperties", "unevaluatedProperties", "propertyNames", "minProperties",
                           "maxProperties", "unevaluatedItems", "contains", "minContains", "maxContains",
                           "uniqueItems", "prefixItems", "default", "minLength", "maxLength")


def strict_problems(root: Node, options: dict[str, Any]) -> Iterator[tuple[Span, str]]:
    """Why OpenAI strict mode (structured outputs) rejects `root`, each at its key."""
    for span, problem, _open in _strict_problems(root, options):
        yield span, problem


def _strict_problems(root: Node, options: dict[str, Any]) -> Iterator[tuple[Span, str, Node | None]]:
    """`strict_problems`, each with the object schema that `"additionalProperties": false` would
    put right (None for the other problems)."""
    unsupported = set(options.get("unsupported-keywords") or UNSUPPORTED_OPENAI_2025)
    max_depth = int(options.get("max-depth") or 10)
    max_properties = int(options.get("max-properties") or 5000)
    max_enum_values = int(options.get("max-enum-values") or 1000)
    root_span = root.key_span or root.span
    if root.kind != "mapping":
        yield root_span, "the schema is not an object", None
        return
    kind = root.get("type")
    if kind is None or kind.value != "object":
        yield root_span, ("the root must be {\"type\": \"object\", \"properties\": {...}, \"required\": [...], "
                          "\"additionalProperties\": false}"), None
    branches = root.get("anyOf")
    if branches is not None:
        yield branches.key_span or root_span, "the root must not be anyOf", None
    total_properties = enum_values = 0
    deepest: SchemaNode | None = None
    for item in schema_nodes(root):
        schema = item.node
        for key, value in schema.items():
            if key in unsupported and not (key == "patternProperties" and value.kind == "mapping"
                                           and not value.value):
                yield value.key_span or value.span, f"'{key}' is not supported in strict mode", None
        enum = schema.get("enum")
        if enum is not None:
            enum_values += len(enum.elements())
            strings = [value for value in enum.plain() or [] if isinstance(value, str)]
            if len(strings) > 250 and sum(map(len, strings)) > 15000:
                yield enum.key_span or enum.span, (f"an enum of {len(strings)} strings totalling "
                                                   f"{sum(map(len, strings))} characters (over 15,000)"), None
        if item.depth > max_depth and (deepest is None or item.depth > deepest.depth):
            deepest = item
        if not object_types(schema):
            continue
        names = property_names(schema)
        total_properties += len(names)
        extra = schema.get("additionalProperties")
        if extra is None or extra.value is not False:
            yield item.span, ("an object needs \"additionalProperties\": false"
                              + (f" ('{item.pointer}')" if item.pointer else "")), schema
        required = schema.get("required")
        listed = {node.string() for node in required.elements()} if required is not None else set()
        missing = [name for name in names if name not in listed]
        if missing:
            place = required.key_span or required.span if required is not None else item.span
            yield place, ("every property must be in \"required\" (make optional ones nullable: "
                          "\"type\": [\"string\", \"null\"]); missing: " + ", ".join(missing)), None
    if deepest is not None:
        yield deepest.span, f"objects nest {deepest.depth} levels deep (at most {max_depth})", None
    if total_properties > max_properties:
        yield root_span, f"{total_properties} properties in all (at most {max_properties})", None
    if enum_values > max_enum_values:
        yield root_span, f"{enum_values} enum values in all (at most {max_enum_values})", None


def strict_schema_unsupported(document: Document, context: CheckContext) -> Iterator[Finding]:
    found: list[tuple[Span, str, Node | None]] = []  # (where, message, the object closing it fixes)
    for tool in schema_tools(document):
        if not is_strict(tool):
            continue
        if tool.parameters is None:
            found.append((tool_where(tool), f"{tool_label(tool)} is strict but has no parameters schema; give it "
                          "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false, "
                          "\"required\": []}", None))
            continue
        found.extend((span, f"{tool_label(tool)} is strict (strict: true) but {problem}; the API rejects the schema",
                      None if tool.schema_summary else schema)
                     for span, problem, schema in _strict_problems(tool.parameters, context.options))
    from promptlint.checks.output_schema import strict_output

    output = strict_output(document)
    if output is not None:
        schema, label = output
        found.extend((span, f"the {label} is strict but {problem}; the API rejects the schema", node)
                     for span, problem, node in _strict_problems(schema, context.options))
    # safe: the API rejects the schema as it stands, so closing the object changes nothing that works
    fixes = _closing_fixes(document, [node for _span, _message, node in found if node is not None], "safe")
    for span, message, node in found:
        yield context.finding(span, message, fixes=fixes.get(id(node), ()) if node is not None else ())


# --- PL214 required-property-undefined --------------------------------------------------------


def _known_names(item: SchemaNode, root: Node) -> tuple[set[str], list[str], bool]:
    """Names `item` declares (with its branches, $ref and, for a branch, its parent), patterns,
    and whether additional properties are explicitly allowed."""
    from promptlint.tool_schema import resolve_pointer

    names: set[str] = set()
    patterns: list[str] = []
    explicit_extra = False
    visited: set[int] = set()

    def gather(schema: Node, depth: int) -> None:
        nonlocal explicit_extra
        if id(schema) in visited or depth > 8 or schema.kind != "mapping":
            return
        visited.add(id(schema))
        names.update(property_names(schema))
        pattern_node = schema.get("patternProperties")
        patterns.extend(name for name, _node in pattern_node.items()) if pattern_node is not None else None
        extra = schema.get("additionalProperties")
        if extra is not None and (extra.value is True or extra.kind == "mapping"):
            explicit_extra = True
        reference = schema.get("$ref")
        target = resolve_pointer(reference.string(), root) if reference is not None else None
        if target is not None:
            gather(target, depth + 1)
        elif reference is not None:
            explicit_extra = True  # a remote reference: we cannot know what it declares
        for key in ("allOf", "anyOf", "oneOf"):
            branches = schema.get(key)
            for branch in branches.elements() if branches is not None else ():
                gather(branch, depth + 1)

    gather(item.node, 0)
    parent = item.parent
    while parent is not None and item.via in ("allOf", "anyOf", "oneOf", "then", "else", "if", "not"):
        gather(parent.node, 0)
        item, parent = parent, parent.parent
    return names, patterns, explicit_extra


def required_property_undefined(document: Document, context: CheckContext) -> Iterator[Finding]:
    from promptlint.checks.output_schema import output_schemas

    schemas = [(tool.parameters, f"the parameters of {tool_label(tool)}") for tool in schema_tools(document)
               if tool.parameters is not None and tool.parameters.kind == "mapping"]
    schemas += [(schema, label) for schema, label in output_schemas(document) if schema.kind == "mapping"]
    for root, label in schemas:
        for item in schema_nodes(root):
            required = item.node.get("required")
            if required is None or required.kind != "sequence":
                continue
            names, patterns, explicit_extra = _known_names(item, root)
            seen: set[str] = set()
            for entry in required.elements():
                name = entry.string()
                if name is None:
                    continue
                if name in seen:
                    yield context.finding(entry.span, f"'{name}' is listed twice in \"required\" of {label}; "
                                                      "list each property once")
                    continue
                seen.add(name)
                if name in names or explicit_extra or any(_search(pattern, name) for pattern in patterns):
                    continue
                hint = _closest(name, names)
                yield context.finding(
                    entry.span,
                    f"'{name}' is required in {label} but is not a property"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + "; define it under \"properties\" or remove it from \"required\"")


def _search(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True  # a pattern we cannot read might allow it


def _closest(name: str, names: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return found[0] if found else None


# --- PL215 invalid-json-schema ----------------------------------------------------------------


def invalid_json_schema(document: Document, context: CheckContext) -> Iterator[Finding]:
    for tool in schema_tools(document):
        if tool.parameters is None:
            continue
        for error in metaschema_errors(tool.parameters):
            yield context.finding(error.span, f"the parameters of {tool_label(tool)} are not a valid JSON Schema "
                                              f"at {error.where}: {error.message}")


# --- PL216 invalid-tool-name ------------------------------------------------------------------

NAME_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "openai": (re.compile(r"[a-zA-Z0-9_-]{1,64}"), "OpenAI accepts 1-64 letters, digits, '_' and '-'"),
    "anthropic": (re.compile(r"[a-zA-Z0-9_-]{1,64}"), "Anthropic accepts 1-64 letters, digits, '_' and '-'"),
    "mcp": (re.compile(r"[a-zA-Z0-9_.-]{1,128}"),
            "the MCP specification allows 1-128 ASCII letters, digits, '_', '-' and '.'"),
}


def invalid_tool_name(document: Document, context: CheckContext) -> Iterator[Finding]:
    for tool in schema_tools(document):
        provider = tool.provider if tool.provider in NAME_RULES else "openai"
        pattern, rule = NAME_RULES[provider]
        if tool.name_span is None or not tool.name:
            yield context.finding(tool.span, f"a tool has no name; {rule}")
            continue
        if pattern.fullmatch(tool.name):
            continue
        suggestion = re.sub(r"[^a-zA-Z0-9_-]+" if provider != "mcp" else r"[^a-zA-Z0-9_.-]+", "_",
                            tool.name).strip("_")[: 64 if provider != "mcp" else 128]
        yield context.finding(
            tool.name_span,
            f"tool name '{tool.name}' " + ("breaks the MCP naming guidance: " if provider == "mcp" else "is rejected: ")
            + rule + (f"; rename it, e.g. '{suggestion}'" if suggestion and suggestion != tool.name else ""),
            severity="warning" if provider == "mcp" else None)


# --- PL217 duplicate-or-shadowed-tool ---------------------------------------------------------


def _folded(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", name).casefold()


def duplicate_or_shadowed_tool(document: Document, context: CheckContext) -> Iterator[Finding]:
    first_exact: dict[str, Tool] = {}
    first_folded: dict[str, Tool] = {}
    for tool in document.tools:
        if tool.ref is not None or not tool.name:
            continue
        where = tool_where(tool)
        earlier = first_exact.get(tool.name)
        if earlier is not None:
            yield context.finding(
                where, f"tool '{tool.name}' is defined twice in this tool set; the model cannot tell which one "
                       "it calls: remove one or give each a unique, namespaced name",
                (Related(document.path, tool_where(earlier), f"'{earlier.name}' is first defined here"),))
            continue
        first_exact[tool.name] = tool
        folded = _folded(tool.name)
        earlier = first_folded.get(folded)
        if earlier is not None:
            yield context.finding(
                where, f"tool '{tool.name}' differs from '{earlier.name}' only in case or separators; one shadows "
                       "the other: merge them or give them distinct names",
                (Related(document.path, tool_where(earlier), f"'{earlier.name}' is defined here"),),
                severity="warning")
            continue
        first_folded[folded] = tool


# --- PL218 enum-in-prose ----------------------------------------------------------------------

_VALUE = r"[`'\"]?[A-Za-z0-9][\w-]*[`'\"]?"
_QUOTED = r"[`'\"][A-Za-z0-9][\w -]*[`'\"]"
ENUM_IN_PROSE = re.compile(
    rf"(?i)\b(?:one\s+of(?:\s+the\s+following(?:\s+values)?)?|possible\s+values(?:\s+are)?|allowed\s+values"
    rf"(?:\s+are)?|valid\s+values(?:\s+are)?|accepted\s+values(?:\s+are)?|options\s+are)\s*[:(]?\s*"
    rf"(?P<values>{_VALUE}(?:\s*(?:,|\bor\b|\|)\s*(?:or\s+)?{_VALUE}){{1,}})"
    rf"|\b(?:must\s+be|either)\s*:?\s*(?P<quoted>{_QUOTED}(?:\s*(?:,|\bor\b|\|)\s*(?:or\s+)?{_QUOTED}){{1,}})")
_STOP = frozenset({"a", "an", "the", "this", "that", "these", "those", "more", "them", "its", "their"})


def listed_values(description: str) -> tuple[int, int, list[str]] | None:
    """(start, end, values) of a list of allowed values written in prose, or None."""
    for match in ENUM_IN_PROSE.finditer(description):
        group = "values" if match.group("values") else "quoted"
        text = match.group(group)
        values = [value.strip("`'\" ") for value in re.split(r"\s*(?:,|\bor\b|\|)\s*", text)]
        values = [value for value in values if value and value.lower() != "or"]
        if len(values) < 2 or any(value.lower() in _STOP for value in values):
            continue
        return match.start(group), match.end(group), values
    return None


def enum_in_prose(document: Document, context: CheckContext) -> Iterator[Finding]:
    for tool in schema_tools(document):
        if tool.schema_summary:
            continue  # a registry listing cannot state an enum
        for parameter in tool_parameters(tool):
            if parameter.description is None or "enum" in parameter.constraints or \
                    "const" in parameter.constraints:
                continue
            if parameter.types and "string" not in parameter.types:
                continue
            found = listed_values(parameter.description.value)
            if found is None:
                continue
            start, end, values = found
            shown = ", ".join(f'"{value}"' for value in values[:8])
            where = "in its \"items\": " if "array" in parameter.types else ""
            yield context.finding(
                parameter.description.span(start, end),
                f"parameter '{parameter.name}' of {tool_label(tool)} lists its values in prose; declare them "
                f"{where}\"enum\": [{shown}]")


# --- PL219 too-many-tools ---------------------------------------------------------------------


def too_many_tools(document: Document, context: CheckContext) -> Iterator[Finding]:
    maximum = int(context.options.get("max-tools") or 20)
    tools = document.tools
    if len(tools) <= maximum:
        return
    span = tools[maximum].name_span or tools[maximum].span
    root = document.root
    if root is not None:
        holder = root.get("result") if root.get("result") is not None else root
        for key in ("tools", "functions"):
            listed = holder.get(key) if holder is not None else None
            if listed is not None and listed.key_span is not None:
                span = listed.key_span
                break
    yield context.finding(
        span, f"{len(tools)} tools in one tool set (more than {maximum}); models choose worse among many tools: "
              "load a task-specific subset, or route first")
