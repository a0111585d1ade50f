"""The rule registry: one YAML definition per rule under `rules/` (shipped in the wheel as
`promptlint.rules`), plus rule packs that other packages register under the entry-point
group `promptlint.rules`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from promptlint.findings import Severity

ID_PATTERN = re.compile(r"^[A-Z]{1,4}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
FAMILIES = ("documents", "injection", "tool-schemas", "layers", "tokens", "abstention", "hygiene", "versioning")
ENTRY_POINT_GROUP = "promptlint.rules"
_REQUIRED = ("id", "name", "family", "severity", "summary", "description", "fix-hint")
_KNOWN = set(_REQUIRED) | {"precision", "security-severity", "tags", "references", "enabled", "check", "match",
                           "produced-by", "options", "given", "message", "scope", "collect"}
SCOPES = ("file", "project")


class RuleDefinitionError(Exception):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    family: str
    severity: Severity
    summary: str
    description: str
    fix_hint: str  # prose advice for people; a finding's `fixes` are edits
    precision: str = "high"
    security_severity: str | None = None
    tags: tuple[str, ...] = ()
    references: tuple[dict[str, str], ...] = ()
    enabled: bool = True  # False: opt-in, enabled only when selected
    check: str | None = None  # "module:function"
    # "file": check(document, context) per file; "project": once per run over what
    # collect(document, context) gathered from each file (see promptlint/project.py)
    scope: str = "file"
    collect: str | None = None  # "module:function", project rules only
    given: tuple[str, ...] = ()  # declarative rules: what text to look at
    match: dict[str, Any] | None = None  # declarative rules: the patterns
    message: str | None = None
    produced_by_engine: bool = False
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: str = ""

    @property
    def fix_first_line(self) -> str:
        return self.fix_hint.strip().splitlines()[0] if self.fix_hint.strip() else ""

    def default_options(self) -> dict[str, Any]:
        return {name: spec.get("default") for name, spec in self.options.items()}


def rule_from_mapping(data: dict[str, Any], origin: str) -> Rule:
    """Validate one definition; every mistake names the rule file and the key."""
    if not isinstance(data, dict):
        raise RuleDefinitionError(f"{origin}: a rule definition must be a mapping")
    if "fix" in data and "fix-hint" not in data:
        raise RuleDefinitionError(f"{origin}: 'fix' is now called 'fix-hint' (prose advice; fixes are edits)")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise RuleDefinitionError(f"{origin}: missing key(s) {', '.join(missing)}")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise RuleDefinitionError(f"{origin}: unknown key(s) {', '.join(unknown)}")
    rule_id, name = str(data["id"]), str(data["name"])
    if not ID_PATTERN.match(rule_id):
        raise RuleDefinitionError(f"{origin}: id '{rule_id}' must be letters then three digits, like PL101")
    if not NAME_PATTERN.match(name):
        raise RuleDefinitionError(f"{origin}: name '{name}' must be kebab-case")
    if data["severity"] not in ("error", "warning", "note"):
        raise RuleDefinitionError(f"{origin}: severity must be error, warning or note")
    if rule_id.startswith("PL") and data["family"] not in FAMILIES:
        raise RuleDefinitionError(f"{origin}: family must be one of {', '.join(FAMILIES)}")
    implementations = [key for key in ("check", "match", "produced-by") if data.get(key)]
    if len(implementations) != 1:
        raise RuleDefinitionError(f"{origin}: give exactly one of 'check' (module:function), 'match' "
                                  "(declarative patterns) or 'produced-by: engine'")
    if "match" in data and not data.get("given"):
        raise RuleDefinitionError(f"{origin}: a declarative rule needs 'given' (what text to match)")
    scope = data.get("scope", "file")
    if scope not in SCOPES:
        raise RuleDefinitionError(f"{origin}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if (scope == "project") != bool(data.get("collect")) or (scope == "project" and not data.get("check")):
        raise RuleDefinitionError(f"{origin}: a project rule gives both 'collect' and 'check' (module:function); "
                                  "a file rule gives no 'collect'")
    for key in ("check", "collect"):
        if data.get(key) is not None and not re.fullmatch(r"[\w.]+:\w+", str(data[key])):
            raise RuleDefinitionError(f"{origin}: '{key}' must be 'module:function', not {data[key]!r}")
    given = data.get("given") or []
    given = [given] if isinstance(given, str) else list(given)
    if data.get("match") is not None:
        from promptlint.declarative import validate_definition  # only pattern rules need it

        try:
            validate_definition(data, origin)
        except ValueError as error:
            raise RuleDefinitionError(f"{origin}: {error}") from error
    tags = [str(tag) for tag in data.get("tags") or []]
    security_severity = data.get("security-severity")
    if security_severity is not None and "security" not in tags:
        tags.insert(0, "security")  # GitHub treats a rule as a security rule only with this tag
    return Rule(
        id=rule_id,
        name=name,
        family=str(data["family"]),
        severity=data["severity"],
        summary=str(data["summary"]).strip(),
        description=str(data["description"]).strip(),
        fix_hint=str(data["fix-hint"]).strip(),
        precision=str(data.get("precision", "high")),
        security_severity=str(security_severity) if security_severity is not None else None,
        tags=tuple(tags),
        references=tuple(dict(reference) for reference in data.get("references") or []),
        enabled=bool(data.get("enabled", True)),
        check=data.get("check"),
        scope=str(scope),
        collect=data.get("collect"),
        given=tuple(given),
        match=data.get("match"),
        message=data.get("message"),
        produced_by_engine=data.get("produced-by") == "engine",
        options=dict(data.get("options") or {}),
        origin=origin,
    )


@cache
def load_rules(include_plugins: bool = True) -> dict[str, Rule]:
    """All rules by id, built-in first, sorted by id."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe")  # libyaml where installed: the rule files are read on every run
    rules: dict[str, Rule] = {}
    for entry in sorted(resources.files("promptlint.rules").iterdir(), key=lambda item: item.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        try:
            data = yaml.load(entry.read_text("utf-8"))
        except YAMLError as error:
            raise RuleDefinitionError(f"rules/{entry.name}: not valid YAML: {error}") from error
        rule = rule_from_mapping(data, f"rules/{entry.name}")
        if not entry.name.startswith(rule.id + "-"):
            raise RuleDefinitionError(f"rules/{entry.name}: file name must start with the rule id '{rule.id}-'")
        if rule.id in rules:
            raise RuleDefinitionError(f"rules/{entry.name}: duplicate rule id {rule.id}")
        rules[rule.id] = rule
    if include_plugins:
        for rule in _plugin_rules():
            if rule.id in rules:
                raise RuleDefinitionError(f"{rule.origin}: rule id {rule.id} is already taken")
            rules[rule.id] = rule
    return dict(sorted(rules.items()))


def _plugin_rules() -> Iterable[Rule]:
    from importlib.metadata import entry_points

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        prefix = entry_point.name
        if prefix.startswith("PL"):
            raise RuleDefinitionError(f"plugin '{entry_point.value}': the prefix PL is reserved for promptlint")
        for item in entry_point.load()():
            rule = item if isinstance(item, Rule) else rule_from_mapping(item, f"plugin {entry_point.value}")
            if not rule.id.startswith(prefix):
                raise RuleDefinitionError(f"plugin '{entry_point.value}': rule {rule.id} must start with {prefix}")
            yield rule
