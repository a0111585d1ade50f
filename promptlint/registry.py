"""The rule registry: one YAML definition per rule under `rules/` (shipped in the wheel as
`promptlint.rules`), plus rule packs that other packages register under the entry-point
group `promptlint.rules`."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from promptlint import __version__
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
    sources = _rule_sources()
    parsed = parsed_yaml("rules", sources, pure=False)
    try:
        rules = _built_in_rules(sources, parsed)
    except RuleDefinitionError:
        if parsed is None:
            raise
        rules = _built_in_rules(sources, None)  # a cache file that does not validate: read the files
    if include_plugins:
        for rule in _plugin_rules():
            if rule.id in rules:
                raise RuleDefinitionError(f"{rule.origin}: rule id {rule.id} is already taken")
            rules[rule.id] = rule
    return dict(sorted(rules.items()))


def _built_in_rules(sources: list[tuple[str, bytes]], parsed: list[Any] | None) -> dict[str, Rule]:
    """The rules of the rule files (name, bytes), from their parsed data (None: parse them)."""
    rules: dict[str, Rule] = {}
    datas = []
    for index, (name, text) in enumerate(sources):
        data = parsed[index] if parsed is not None else _parse_rule_file(name, text)
        datas.append(data)
        rule = rule_from_mapping(data, f"rules/{name}")
        if not name.startswith(rule.id + "-"):
            raise RuleDefinitionError(f"rules/{name}: file name must start with the rule id '{rule.id}-'")
        if rule.id in rules:
            raise RuleDefinitionError(f"rules/{name}: duplicate rule id {rule.id}")
        rules[rule.id] = rule
    if parsed is None:  # every file parsed and validated: the next run reads them from the cache
        store_parsed_yaml("rules", sources, datas, pure=False)
    return rules


def _rule_sources() -> list[tuple[str, bytes]]:
    """The built-in rule files (name, bytes), by name."""
    root = resources.files("promptlint.rules")
    return [(entry.name, entry.read_bytes())
            for entry in sorted(root.iterdir(), key=lambda item: item.name)
            if entry.name.endswith((".yaml", ".yml"))]


@cache
def _yaml_loader(pure: bool) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=pure)  # libyaml unless pure: the rule files used to be read on every run


def _text(data: bytes) -> str:
    """The file's text as `read_text` gives it (universal newlines)."""
    text = data.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _parse_rule_file(name: str, text: bytes) -> Any:
    from ruamel.yaml.error import YAMLError

    try:
        return _yaml_loader(False).load(_text(text))
    except YAMLError as error:
        raise RuleDefinitionError(f"rules/{name}: not valid YAML: {error}") from error


# --- parsed package data, cached per user --------------------------------------------------------
#
# Parsing the 86 rule files with ruamel (and models.yaml, in tokens.py) took some 90 ms of every
# run. Their parsed data is kept as JSON in the user's cache folder (beside the result cache's
# key, never in a project), named by a hash of promptlint's version, ruamel's, the loader and
# every source file's name and bytes: an edited rule file or another installation misses. JSON
# holds no code; a hit is validated as freshly parsed data is, and one that does not decode or
# validate is ignored (the files are parsed again). PROMPTLINT_NO_CACHE turns it off; a folder
# that cannot be written means parsing every time, as before.

_CACHE_FORMAT = "promptlint-parsed-yaml-1"
_PRUNE_AFTER = 3600  # seconds
_DATE = "$date"  # how a YAML date is written in JSON: {"$date": "2025-06-01"}


class _Uncacheable(Exception):
    pass


def _cache_folder() -> Path | None:
    if os.environ.get("PROMPTLINT_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no", "off", "n", "f"):
        return None  # read as click reads the variable for --no-cache
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "promptlint" if os.path.isabs(base) else None  # no home: no cache, never a relative one


def _cache_path(kind: str, sources: list[tuple[str, bytes]], pure: bool) -> Path | None:
    folder = _cache_folder()
    if folder is None:
        return None
    from ruamel.yaml import __version__ as ruamel_version

    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{__version__}\0{ruamel_version}\0{pure}\0".encode())
    for name, text in sources:
        digest.update(f"{name}\0{len(text)}\0".encode("utf-8", "surrogateescape"))
        digest.update(text)
    return folder / f"{kind}-{digest.hexdigest()[:40]}.json"


def parsed_yaml(kind: str, sources: list[tuple[str, bytes]], pure: bool) -> list[Any] | None:
    """The parsed data of each source from the cache, or None (parse them, then `store_parsed_yaml`)."""
    path = _cache_path(kind, sources, pure)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle, object_hook=_decode)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != _CACHE_FORMAT \
            or stored.get("names") != [name for name, _text in sources]:
        return None
    data = stored.get("data")
    return data if isinstance(data, list) and len(data) == len(sources) else None


def store_parsed_yaml(kind: str, sources: list[tuple[str, bytes]], data: list[Any], pure: bool) -> None:
    path = _cache_path(kind, sources, pure)
    if path is None:
        return
    try:
        text = json.dumps({"format": _CACHE_FORMAT, "names": [name for name, _text in sources],
                           "data": [_encode(item) for item in data]}, ensure_ascii=False, allow_nan=False)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # as the result cache's key folder
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)  # runs in parallel never read half a file
    except (_Uncacheable, OSError, ValueError):
        return
    _prune(path, kind)


def _prune(kept: Path, kind: str) -> None:
    """Remove this kind's files for other sources (an edited checkout leaves one per edit) that
    were not written in the last hour: another installation sharing the folder just parses again."""
    now = time.time()
    try:
        for other in kept.parent.glob(f"{kind}-*.json"):
            if other != kept and now - other.stat().st_mtime > _PRUNE_AFTER:
                other.unlink()
    except OSError:
        return


def _encode(value: Any) -> Any:
    """`value` as JSON that decodes to an equal value of the same types; _Uncacheable otherwise."""
    kind = type(value)
    if value is None or kind in (bool, int, str) or (kind is float and value == value and abs(value) != float("inf")):
        return value
    if kind is datetime.date:
        return {_DATE: value.isoformat()}
    if kind is list:
        return [_encode(item) for item in value]
    if kind is dict and all(type(key) is str for key in value) and _DATE not in value:
        return {key: _encode(item) for key, item in value.items()}
    raise _Uncacheable(kind.__name__)


def _decode(value: dict[str, Any]) -> Any:
    if len(value) == 1 and _DATE in value:
        return datetime.date.fromisoformat(value[_DATE])
    return value


def cached_package_yaml(read: Callable[[], list[tuple[str, bytes]]], kind: str,
                        check: Callable[[list[Any]], object]) -> list[Any]:
    """Package data files parsed with ruamel's pure-Python safe loader (YAML 1.2), through the
    cache; cached data that `check` raises on is parsed again."""
    sources = read()
    parsed = parsed_yaml(kind, sources, pure=True)
    try:
        if parsed is not None:
            check(parsed)
    except Exception:
        parsed = None
    if parsed is None:
        parsed = [_yaml_loader(True).load(_text(text)) for _name, text in sources]
        store_parsed_yaml(kind, sources, parsed, pure=True)
    return parsed


def _plugin_rules() -> Iterable[Rule]:
    path = _plugin_path()
    if not _may_have_plugins(path):
        return  # importlib.metadata costs a one-file run 20 ms; most installations have no rule pack
    from importlib.metadata import distributions

    seen: set[str] = set()
    entry_points: list[Any] = []
    for distribution in distributions(path=path):  # what `entry_points(group=...)` reads, on `path`
        name = getattr(distribution, "_normalized_name", None) or re.sub(
            r"[-_.]+", "_", str(distribution.metadata["Name"] or "")).lower()
        if name not in seen:  # the first of two installations of one name, as `entry_points` takes
            seen.add(name)
            entry_points.extend(distribution.entry_points.select(group=ENTRY_POINT_GROUP))
    for entry_point in entry_points:
        prefix = entry_point.name
        if prefix.startswith("PL"):
            raise RuleDefinitionError(f"plugin '{entry_point.value}': the prefix PL is reserved for promptlint")
        for item in entry_point.load()():
            rule = item if isinstance(item, Rule) else rule_from_mapping(item, f"plugin {entry_point.value}")
            if not rule.id.startswith(prefix):
                raise RuleDefinitionError(f"plugin '{entry_point.value}': rule {rule.id} must start with {prefix}")
            yield rule


def _plugin_path() -> list[str]:
    """Where rule packs are looked for: `sys.path` without the current folder. `python -m
    promptlint` puts the folder it runs in first on the path, and a linted repository must not
    register a rule pack, which is code promptlint runs, by holding a `*.dist-info` folder."""
    here = os.getcwd()
    return [entry for entry in sys.path if os.path.abspath(entry or ".") != here]


def _may_have_plugins(path: list[str]) -> bool:
    """False only when no installed distribution on `path` can declare a `promptlint.rules` entry
    point: every entry is a folder (or missing) whose `*.dist-info` and `*.egg-info` folders have
    no `entry_points.txt` naming the group, and `importlib.metadata` would look nowhere else.
    Anything else (a zip or egg on the path, another finder of distributions): True, ask it."""
    import importlib.machinery

    for finder in sys.meta_path:
        if finder is not importlib.machinery.PathFinder and hasattr(finder, "find_distributions"):
            return True
    for entry in path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip file
            continue
        if folder.lower().endswith(".egg"):
            return True
        try:
            with os.scandir(folder) as children:
                names = [child.name for child in children
                         if child.name.lower().endswith((".dist-info", ".egg-info")) and child.is_dir()]
        except OSError:
            return True
        for name in names:
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), "rb") as handle:
                    if b"promptlint.rules" in handle.read():
                        return True
            except FileNotFoundError:
                continue
            except OSError:
                return True
    return False
