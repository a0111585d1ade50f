"""Versions of prompts: SemVer 2.0.0, the semantic canonical form of a document, and the
comparison of two versions of one document classified as breaking, minor or patch.

The canonical form is what the model receives (messages, variables, tools, output schema,
model and its settings) as parsed data: comments, key order, quoting and whitespace outside
strings are gone, so a reformatted file compares equal. Message text is compared exactly:
whitespace inside it changes the tokens the model reads. `version`, `description`, `tags`,
`changelog` and `metadata` are not sent to the model and are left out.

The classes follow the rule catalogue (PL703), like OpenAPI breaking-change tools: what
forces callers (variables), consumers of the output (output schema) or tool implementations
(tools) to change is breaking; an addition they may ignore is minor; wording is a patch.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from promptlint.model import Document, Node, Span

Level = Literal["breaking", "minor", "patch"]
LEVELS: tuple[Level, ...] = ("patch", "minor", "breaking")  # in increasing order

# semver.org's own regular expression for SemVer 2.0.0
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    @classmethod
    def parse(cls, text: str | None) -> Version | None:
        match = _SEMVER.match(text or "")
        if match is None:
            return None
        pre = tuple(match.group(4).split(".")) if match.group(4) else ()
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre, match.group(5) or "")

    def key(self) -> tuple[Any, ...]:
        """Precedence per SemVer §11: a pre-release sorts before its release, numeric identifiers
        numerically and before alphanumeric ones; build metadata does not count."""
        identifiers = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, identifiers)

    def bump(self, level: Level) -> Version:
        """The smallest version after this one that a change of `level` allows. Below 1.0.0
        (SemVer §4) a breaking change takes a minor bump and anything else a patch."""
        if self.major == 0:
            level = "minor" if level == "breaking" else "patch"
        if level == "breaking":
            return Version(self.major + 1, 0, 0)
        if level == "minor":
            return Version(self.major, self.minor + 1, 0)
        if self.prerelease:  # 1.2.0-rc.1 -> 1.2.0 is already later
            return Version(self.major, self.minor, self.patch)
        return Version(self.major, self.minor, self.patch + 1)

    def satisfies(self, base: Version, level: Level) -> bool:
        """Whether this version is a large enough step up from `base` for a change of `level`.
        Pre-releases of one version promise nothing to each other (2.0.0-rc.1 -> 2.0.0-rc.2 may
        break); otherwise the MAJOR.MINOR.PATCH must reach the required one (2.0.0-rc.1 does)."""
        if self.key() <= base.key():
            return False
        core = (self.major, self.minor, self.patch)
        if base.prerelease and core == (base.major, base.minor, base.patch):
            return True
        required = base.bump(level)
        return core >= (required.major, required.minor, required.patch)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")


def document_version(document: Document) -> tuple[str | None, Version | None]:
    """The version a document declares, as written (`1.10` stays `1.10` although YAML reads a
    number) and parsed: None when absent, and no Version when it is not SemVer."""
    node = document.metadata.version
    if node is None or node.kind != "scalar" or node.value is None:
        return None, None
    text = node.value if isinstance(node.value, str) else \
        document.source.text[node.span.start:node.span.end].strip()
    return text, Version.parse(text)


# --- the canonical form -------------------------------------------------------------------------


def canonical(document: Document) -> dict[str, Any]:
    """What the model receives, as plain data with sorted keys once serialised."""
    model = document.metadata.model
    return {
        "id": _plain(document.metadata.id),
        "model": document.metadata.model_name or _plain(model),
        "settings": _settings(document),
        "extends": [_plain(node) for node in document.metadata.extends],
        "messages": [{"role": message.role, "content": message.text.value} for message in document.messages],
        "variables": {name: _variable(document, name) for name in _variable_names(document)},
        "tools": {_tool_key(tool): tool_definition(tool) for tool in document.tools},
        "output": None if document.output is None else {
            "format": document.output.format, "schema": document.output.schema.plain()},
    }


def canonical_json(document: Document) -> str:
    return json.dumps(canonical(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def tool_definition(tool: Any) -> dict[str, Any]:
    """A tool as the model sees it: name, description and argument schema (PL705 pins this)."""
    return {"name": tool.name or None, "ref": tool.ref,
            "description": tool.description.value if tool.description is not None else None,
            "parameters": tool.parameters.plain() if tool.parameters is not None else None}


def _tool_key(tool: Any) -> str:
    return tool.name or f"$ref:{tool.ref}"


def _plain(node: Node | None) -> Any:
    return None if node is None else node.plain()


def _settings(document: Document) -> Any:
    """Sampling and request settings: native `model:` details, Prompty `model.parameters`,
    Dotprompt `config`."""
    root = document.root
    if root is None or root.kind != "mapping":
        return None
    if document.format == "dotprompt":
        return _plain(root.get("config"))
    model = root.get("model")
    if model is None or model.kind != "mapping":
        return None
    if document.format == "prompty":
        options = model.get("parameters") or model.get("options")
        plain = _plain(options)
        return {key: value for key, value in plain.items() if key != "tools"} if isinstance(plain, dict) else plain
    plain = model.plain()
    return {key: value for key, value in plain.items() if key not in ("name", "id")}


def _variable_names(document: Document) -> list[str]:
    if document.declares_variables:
        return sorted(document.variables)
    return sorted({use.name for use in document.variable_uses()} | set(document.variables))


def _variable(document: Document, name: str) -> dict[str, Any]:
    variable = document.variables.get(name)
    spec = _variable_spec(document, name)
    default = spec.get("default") if spec is not None else None
    required_node = spec.get("required") if spec is not None else None
    required = required_node.value if required_node is not None and isinstance(required_node.value, bool) \
        else default is None
    type_node = spec.get("type") if spec is not None else None
    if document.format == "dotprompt":
        required, type_value = _picoschema(document, name)
    else:
        type_value = _plain(type_node)
    return {
        "trust": variable.trust if variable is not None else "unknown",
        "max_tokens": variable.max_tokens if variable is not None else None,
        "type": type_value,
        "required": required,
        "default": _plain(default),
    }


def _variable_spec(document: Document, name: str) -> Node | None:
    root = document.root
    if root is None or root.kind != "mapping":
        return None
    declared = root.get("variables") or root.get("inputs")
    if declared is None:
        return None
    if declared.kind == "mapping":
        spec = declared.get(name)
        return spec if spec is not None and spec.kind == "mapping" else None
    for item in declared.elements():  # a list of {name: ..., type: ...}
        item_name = item.get("name")
        if item_name is not None and item_name.string() == name:
            return item
    return None


_PICO_KEY = re.compile(r"^([A-Za-z_]\w*)(\?)?(?:\((.*)\))?$")


def _picoschema(document: Document, name: str) -> tuple[bool, Any]:
    """Dotprompt: `name?: type` is optional, and so is a name with an `input.default`."""
    root = document.root
    data = root.get("input") if root is not None else None
    schema = data.get("schema") if data is not None else None
    defaults = data.get("default") if data is not None else None
    has_default = defaults is not None and defaults.get(name) is not None
    for key, value in schema.items() if schema is not None else ():
        match = _PICO_KEY.match(key)
        if match and match.group(1) == name:
            return not match.group(2) and not has_default, value.plain()
    return not has_default, None


# --- the comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    level: Level
    path: str  # where, as `variables.locale` or `messages[2].content`
    message: str  # what, for people: "variable 'locale' removed"
    new_span: Span | None = None  # the changed element in the new version, where it has one
    old_span: Span | None = None
    diff: str | None = None  # a unified text diff, for changed message text

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "path": self.path, "message": self.message, "diff": self.diff,
                "line": self.new_span.start_line if self.new_span else None,
                "old_line": self.old_span.start_line if self.old_span else None}


@dataclass
class Comparison:
    changes: list[Change] = field(default_factory=list)

    @property
    def level(self) -> Level | None:
        """The largest class of change, or None when what the model receives did not change."""
        if not self.changes:
            return None
        return max((change.level for change in self.changes), key=LEVELS.index)

    def of(self, level: Level) -> list[Change]:
        return [change for change in self.changes if change.level == level]


def compare(old: Document, new: Document) -> Comparison:
    """Every difference in what the model receives, classified."""
    before, after = canonical(old), canonical(new)
    changes: list[Change] = []
    if before["id"] != after["id"]:
        changes.append(Change("breaking", "id", f"id changed from '{before['id']}' to '{after['id']}' (code that "
                              "loads the prompt by id no longer finds it)", _span(new.metadata.id),
                              _span(old.metadata.id)))
    changes += _model_changes(old, new, before, after)
    changes += _message_changes(old, new)
    changes += _variable_changes(old, new, before["variables"], after["variables"])
    changes += _tool_changes(old, new)
    changes += _output_changes(old, new)
    covered = {change.path.split(".")[0].split("[")[0] for change in changes}
    for section in before:  # a difference no specific comparison names is still a change
        if before[section] != after[section] and section not in covered:
            changes.append(Change("patch", section, f"{section} changed"))
    return Comparison(changes)


def _span(node: Node | None) -> Span | None:
    return None if node is None else (node.key_span or node.span)


def model_family(name: str | None) -> str | None:
    """Provider and tokenizer from the model registry, else the name's leading word (gpt, claude)."""
    if not name:
        return None
    from promptlint.tokens import model_registry

    info = model_registry().lookup(name)
    if info is not None:
        return f"{info.provider}/{info.encoding}"
    match = re.match(r"[a-z]+", name.lower().rsplit("/", 1)[-1])
    return match.group() if match else name.lower()


def _model_changes(old: Document, new: Document, before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes = []
    where_new, where_old = _span(new.metadata.model), _span(old.metadata.model)
    if before["model"] != after["model"]:
        old_family, new_family = model_family(_name(before["model"])), model_family(_name(after["model"]))
        if old_family != new_family and old_family is not None and new_family is not None:
            changes.append(Change("breaking", "model", f"model changed to another family: {before['model']} → "
                                  f"{after['model']}", where_new, where_old))
        else:
            changes.append(Change("minor", "model", f"model changed: {before['model']} → {after['model']}",
                                  where_new, where_old))
    if before["settings"] != after["settings"]:
        changes.append(Change("patch", "settings", "model settings changed: " + _dict_delta(
            before["settings"], after["settings"]), where_new, where_old))
    if before["extends"] != after["extends"]:
        changes.append(Change("patch", "extends", "the layers it extends changed"))
    return changes


def _name(model: Any) -> str | None:
    return model if isinstance(model, str) else None


def _dict_delta(before: Any, after: Any) -> str:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return f"{before!r} → {after!r}"
    keys = sorted(set(before) | set(after))
    return ", ".join(f"{key}: {before.get(key)!r} → {after.get(key)!r}" for key in keys
                     if before.get(key) != after.get(key))


def _message_changes(old: Document, new: Document) -> list[Change]:
    before = [(message.role, message.text.value) for message in old.messages]
    after = [(message.role, message.text.value) for message in new.messages]
    changes = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            old_message, new_message = old.messages[i1 + offset], new.messages[j1 + offset]
            role = f"role {old_message.role} → {new_message.role}, " if old_message.role != new_message.role else ""
            diff = "".join(difflib.unified_diff(
                old_message.text.value.splitlines(keepends=True), new_message.text.value.splitlines(keepends=True),
                "before", "after", lineterm="\n"))
            changes.append(Change("patch", f"messages[{j1 + offset}].content",
                                  f"{role}{new_message.label} (message {j1 + offset + 1}) changed",
                                  new_message.span, old_message.span, diff))
        for index in range(i1 + paired, i2):
            changes.append(Change("patch", f"messages[{index}]", f"{old.messages[index].label} (message {index + 1} "
                                  "before) removed", None, old.messages[index].span))
        for index in range(j1 + paired, j2):
            changes.append(Change("patch", f"messages[{index}]", f"{new.messages[index].label} (message {index + 1}) "
                                  "added", new.messages[index].span))
    return changes


def _variable_changes(old: Document, new: Document, before: dict[str, dict[str, Any]],
                      after: dict[str, dict[str, Any]]) -> list[Change]:
    def new_span(name: str) -> Span | None:
        return new.variables[name].span if name in new.variables else None

    def old_span(name: str) -> Span | None:
        return old.variables[name].span if name in old.variables else None

    changes = []
    removed = [name for name in before if name not in after]
    added = [name for name in after if name not in before]
    for name in removed:
        # one removed and one added with the same declaration: a rename, named as one
        twin = next((other for other in added if after[other] == before[name]), None) if len(removed) == 1 else None
        if twin is not None:
            added.remove(twin)
            changes.append(Change("breaking", f"variables.{twin}", f"variable '{name}' renamed to '{twin}' (callers "
                                  "must pass the new name)", new_span(twin), old_span(name)))
        else:
            changes.append(Change("breaking", f"variables.{name}", f"variable '{name}' removed (callers that pass it "
                                  "must change)", None, old_span(name)))
    for name in added:
        if after[name]["required"]:
            changes.append(Change("breaking", f"variables.{name}", f"new required variable '{name}' (every caller "
                                  "must now pass it; give it a default to make it optional)", new_span(name)))
        else:
            changes.append(Change("minor", f"variables.{name}", f"new optional variable '{name}'", new_span(name)))
    for name in before:
        if name not in after or before[name] == after[name]:
            continue
        was, now = before[name], after[name]
        where = (new_span(name), old_span(name))
        if now["required"] and not was["required"]:
            changes.append(Change("breaking", f"variables.{name}", f"variable '{name}' is now required", *where))
        elif was["required"] and not now["required"]:
            changes.append(Change("minor", f"variables.{name}", f"variable '{name}' is now optional", *where))
        if was["type"] != now["type"]:
            changes.append(Change("breaking", f"variables.{name}", f"variable '{name}' type changed: "
                                  f"{was['type']} → {now['type']}", *where))
        rest = [key for key in ("trust", "max_tokens", "default") if was[key] != now[key]]
        if rest:
            changes.append(Change("patch", f"variables.{name}", f"variable '{name}': " + ", ".join(
                f"{key} {was[key]} → {now[key]}" for key in rest), *where))
    return changes


def _tool_changes(old: Document, new: Document) -> list[Change]:
    before = {_tool_key(tool): tool for tool in old.tools}
    after = {_tool_key(tool): tool for tool in new.tools}
    changes = []
    for name, tool in before.items():
        if name not in after:
            changes.append(Change("breaking", f"tools.{name}", f"tool '{name}' removed (the model can no longer call "
                                  "it; code that dispatches on its name breaks)", None, tool.name_span or tool.span))
    for name, tool in after.items():
        if name not in before:
            changes.append(Change("minor", f"tools.{name}", f"new tool '{name}'", tool.name_span or tool.span))
            continue
        was = before[name]
        if tool_definition(was) == tool_definition(tool):
            continue
        where = (tool.name_span or tool.span, was.name_span or was.span)
        if (was.description.value if was.description else None) != (
                tool.description.value if tool.description else None):
            changes.append(Change("patch", f"tools.{name}.description", f"tool '{name}' description changed", *where))
        old_schema = was.parameters.plain() if was.parameters is not None else {}
        new_schema = tool.parameters.plain() if tool.parameters is not None else {}
        if old_schema != new_schema:
            found = _parameter_changes(name, old_schema, new_schema, where)
            changes += found or [Change("patch", f"tools.{name}.parameters", f"tool '{name}' parameters changed",
                                        *where)]
    return changes


def _properties(schema: Any) -> dict[str, Any]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _required(schema: Any) -> set[str]:
    required = schema.get("required") if isinstance(schema, dict) else None
    return {item for item in required if isinstance(item, str)} if isinstance(required, list) else set()


def _types(schema: Any) -> Any:
    value = schema.get("type") if isinstance(schema, dict) else None
    return sorted(value) if isinstance(value, list) else value


def _parameter_changes(tool: str, before: Any, after: Any, where: tuple[Span | None, Span | None]) -> list[Change]:
    changes = []
    old_properties, new_properties = _properties(before), _properties(after)
    old_required, new_required = _required(before), _required(after)
    for name in old_properties:
        if name not in new_properties:
            changes.append(Change("breaking", f"tools.{tool}.parameters.{name}",
                                  f"tool '{tool}': parameter '{name}' removed", *where))
    for name in new_properties:
        path = f"tools.{tool}.parameters.{name}"
        if name not in old_properties:
            level: Level = "breaking" if name in new_required else "minor"
            kind = "required" if name in new_required else "optional"
            changes.append(Change(level, path, f"tool '{tool}': new {kind} parameter '{name}'", *where))
            continue
        if name in new_required and name not in old_required:
            changes.append(Change("breaking", path, f"tool '{tool}': parameter '{name}' made required", *where))
        if _types(old_properties[name]) != _types(new_properties[name]):
            changes.append(Change("breaking", path, f"tool '{tool}': parameter '{name}' type changed: "
                                  f"{_types(old_properties[name])} → {_types(new_properties[name])}", *where))
        elif old_properties[name] != new_properties[name] or (name in old_required) != (name in new_required):
            changes.append(Change("patch", path, f"tool '{tool}': parameter '{name}' changed", *where))
    return changes


def _output_changes(old: Document, new: Document) -> list[Change]:
    if old.output is None and new.output is None:
        return []
    new_span = new.output.span if new.output else None
    old_span = old.output.span if old.output else None
    if old.output is None:
        return [Change("minor", "output", "output schema added", new_span)]
    if new.output is None:
        return [Change("breaking", "output", "output schema removed (consumers that parse the output break)",
                       None, old_span)]
    changes = []
    if old.output.format != new.output.format:
        changes.append(Change("breaking", "output.format", f"output format changed: {old.output.format} → "
                              f"{new.output.format}", new_span, old_span))
    changes += _schema_changes("output", old.output.schema.plain(), new.output.schema.plain(), (new_span, old_span))
    if not changes and old.output.schema.plain() != new.output.schema.plain():
        changes.append(Change("patch", "output.schema", "output schema wording changed", new_span, old_span))
    return changes


def _schema_changes(path: str, before: Any, after: Any, where: tuple[Span | None, Span | None]) -> list[Change]:
    """Output as its consumers read it: a field they read that goes away, changes type, may now be
    missing or takes a value they do not handle breaks them; a field or constraint more does not."""
    if not isinstance(before, dict) or not isinstance(after, dict) or before == after:
        return []
    changes = []
    if _types(before) != _types(after):
        changes.append(Change("breaking", path, f"{path}: type changed {_types(before)} → {_types(after)}", *where))
    old_enum, new_enum = before.get("enum"), after.get("enum")
    if isinstance(old_enum, list) and isinstance(new_enum, list):
        added = [value for value in new_enum if value not in old_enum]
        removed = [value for value in old_enum if value not in new_enum]
        if added:
            changes.append(Change("breaking", path, f"{path}: new enum value(s) {added} (consumers that handle "
                                  "every value break)", *where))
        if removed:
            changes.append(Change("minor", path, f"{path}: enum value(s) {removed} no longer produced", *where))
    old_properties, new_properties = _properties(before), _properties(after)
    old_required, new_required = _required(before), _required(after)
    for name, schema in old_properties.items():
        field_path = f"{path}.{name}"
        if name not in new_properties:
            changes.append(Change("breaking", field_path, f"output field '{field_path}' removed", *where))
            continue
        if name in old_required and name not in new_required:
            changes.append(Change("breaking", field_path, f"output field '{field_path}' may now be missing", *where))
        elif name in new_required and name not in old_required:
            changes.append(Change("minor", field_path, f"output field '{field_path}' is now always present", *where))
        changes += _schema_changes(field_path, schema, new_properties[name], where)
    for name in new_properties:
        if name not in old_properties:
            changes.append(Change("minor", f"{path}.{name}", f"new output field '{path}.{name}'", *where))
    changes += _schema_changes(f"{path}[]", before.get("items"), after.get("items"), where)
    return changes


# --- `promptlint diff` ----------------------------------------------------------------------------


def diff_report(old: Document, new: Document, old_label: str, new_label: str) -> dict[str, Any]:
    """The semantic diff of two versions of a prompt, with the bump it requires and whether the
    new version makes it (`bump_ok`: None when the versions are content hashes, as Dotprompt's)."""
    comparison = compare(old, new)
    (old_text, old_version), (new_text, new_version) = document_version(old), document_version(new)
    level = comparison.level
    required = old_version.bump(level) if level is not None and old_version is not None else None
    bump_ok: bool | None
    if old_version is None or new_version is None:
        hashed = new.format == "dotprompt" and new_text is not None
        bump_ok = None if hashed else level is None
        verdict = ("the versions are content hashes (Dotprompt): no bump to check" if hashed else
                   "no change of what the model receives" if level is None else
                   "cannot check the bump: " + ("the old" if old_version is None else "the new") +
                   " version is missing or not SemVer")
    elif level is None:
        bump_ok = new_version.key() >= old_version.key()
        verdict = "no change of what the model receives" + ("" if bump_ok else "; but the version went backwards")
    else:
        bump_ok = new_version.satisfies(old_version, level)
        verdict = (f"{level} change: requires {required}; the version is {new_version}"
                   + (" (enough)" if bump_ok else " (not enough)"))
    return {
        "old": {"label": old_label, "version": old_text},
        "new": {"label": new_label, "version": new_text},
        "level": level,
        "required_version": str(required) if required is not None else None,
        "bump_ok": bump_ok,
        "verdict": verdict,
        # breaking first: what a reviewer must act on
        "changes": [change.as_json() for change in sorted(comparison.changes, key=lambda c: -LEVELS.index(c.level))],
    }
