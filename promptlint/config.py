"""Configuration: `[tool.promptlint]` in pyproject.toml or `.promptlint.yaml`, found upward
from the working directory (or named with --config), merged with command-line options.

Every key is checked: an unknown key or a bad value is a ConfigError naming the key, which
the command line turns into exit status 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptlint.findings import SEVERITY_ORDER
from promptlint.registry import Rule

CONFIG_FILES = (".promptlint.yaml", ".promptlint.yml", "pyproject.toml")
LEVELS = tuple(SEVERITY_ORDER)


class ConfigError(Exception):
    pass


@dataclass
class Config:
    root: Path  # paths in the configuration are relative to this directory
    source: Path | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    default_model: str | None = None
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: str = "warning"
    respect_gitignore: bool = True
    strict_suppressions: bool = False
    command_line: Selectors | None = None  # --select/--extend-select/--ignore, applied after the file's


@dataclass
class Selectors:
    select: list[str] | None
    extend_select: list[str]
    ignore: list[str]


def _strings(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"'{key}' must be a list of strings")
    return list(value)


def find_config_file(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _pyproject_section(candidate) is not None):
                return candidate
    return None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    section = data.get("tool", {}).get("promptlint")
    return section if isinstance(section, dict) else None


def read_config_file(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml":
        return _pyproject_section(path) or {}
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    return data


def load_config(explicit: Path | None, cwd: Path, rules: dict[str, Rule]) -> Config:
    path = explicit if explicit is not None else find_config_file(cwd)
    if path is None:
        return Config(root=cwd)
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    path = path.resolve()
    try:
        return build_config(read_config_file(path), path.parent, rules, path)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def build_config(data: dict[str, Any], root: Path, rules: dict[str, Rule], source: Path | None = None) -> Config:
    config = Config(root=root, source=source)
    for key, value in data.items():
        if key in ("include", "exclude", "ignore", "extend-select"):
            setattr(config, key.replace("-", "_"), _strings(key, value))
        elif key == "select":
            config.select = _strings(key, value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError("'per-file-ignores' must map file patterns to lists of rule selectors")
            config.per_file_ignores = {
                str(glob): _strings(f"per-file-ignores.{glob}", selectors) for glob, selectors in value.items()
            }
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError("'severity' must map rule ids to error, warning or note")
            for rule_id, level in value.items():
                if level not in LEVELS:
                    raise ConfigError(f"'severity.{rule_id}' must be one of {', '.join(LEVELS)}, not {level!r}")
                config.severity[str(rule_id)] = level
        elif key == "default-model":
            if not isinstance(value, str) or not value:
                raise ConfigError("'default-model' must be a model name, such as gpt-4o")
            config.default_model = value
        elif key == "rules":
            config.rule_options = _rule_options(value, rules)
        elif key == "fail-on":
            if value not in LEVELS:
                raise ConfigError(f"'fail-on' must be one of {', '.join(LEVELS)}, not {value!r}")
            config.fail_on = value
        elif key in ("respect-gitignore", "strict-suppressions"):
            if not isinstance(value, bool):
                raise ConfigError(f"'{key}' must be true or false")
            setattr(config, key.replace("-", "_"), value)
        else:
            known = ("include, exclude, select, extend-select, ignore, per-file-ignores, severity, "
                     "default-model, rules, fail-on, respect-gitignore, strict-suppressions")
            raise ConfigError(f"unknown key '{key}'; known keys: {known}")
    for key, selectors in (("select", config.select or []), ("extend-select", config.extend_select),
                           ("ignore", config.ignore), *(
                               (f"per-file-ignores.{glob}", sel) for glob, sel in config.per_file_ignores.items())):
        check_selectors(key, selectors, rules)
    for rule_id in config.severity:
        if rule_id not in rules:
            raise ConfigError(f"'severity.{rule_id}': no such rule")
    return config


def _rule_options(value: Any, rules: dict[str, Rule]) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError("'rules' must map rule ids to their options")
    options: dict[str, dict[str, Any]] = {}
    for rule_id, rule_values in value.items():
        rule = rules.get(str(rule_id))
        if rule is None:
            raise ConfigError(f"'rules.{rule_id}': no such rule")
        if not isinstance(rule_values, dict):
            raise ConfigError(f"'rules.{rule_id}' must be a mapping of option names to values")
        for name, option_value in rule_values.items():
            spec = rule.options.get(name)
            if spec is None:
                known = ", ".join(rule.options) or "none"
                raise ConfigError(f"'rules.{rule_id}.{name}': unknown option (options of {rule_id}: {known})")
            _check_option(f"rules.{rule_id}.{name}", spec, option_value)
        options[rule.id] = dict(rule_values)
    return options


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,),
}


def _check_option(key: str, spec: dict[str, Any], value: Any) -> None:
    expected = spec.get("type")
    types = _JSON_TYPES.get(expected) if isinstance(expected, str) else None
    if types and (not isinstance(value, types) or (expected in ("integer", "number") and isinstance(value, bool))):
        raise ConfigError(f"'{key}' must be of type {expected}, not {type(value).__name__}")
    if "enum" in spec and value not in spec["enum"]:
        raise ConfigError(f"'{key}' must be one of {', '.join(map(str, spec['enum']))}")
    if expected == "array" and isinstance(spec.get("items"), dict):
        for index, item in enumerate(value):
            _check_option(f"{key}[{index}]", spec["items"], item)


def selector_matches(selector: str, rule: Rule) -> int:
    """How specifically `selector` names `rule`: 0 not at all, else longer is more specific."""
    if selector == "ALL":
        return 1
    if selector == rule.name:
        return 100
    if rule.id.startswith(selector):
        return 1 + len(selector)
    return 0


def check_selectors(key: str, selectors: list[str], rules: dict[str, Rule]) -> None:
    for selector in selectors:
        if not any(selector_matches(selector, rule) for rule in rules.values()):
            raise ConfigError(f"'{key}': '{selector}' matches no rule (use an id such as PL002, a prefix such as "
                              "PL0, a rule name, or ALL)")


def enabled_rules(rules: dict[str, Rule], select: list[str] | None, extend_select: list[str],
                  ignore: list[str], base: set[str] | None = None) -> list[Rule]:
    """Rule selection as ruff does it: the most specific selector wins, ignore wins a tie.

    Selections come in layers (the configuration file, then the command line): a layer
    without `select` starts from the rules the layer before it enabled (`base`; None: every
    rule that is not opt-in), a layer with `select` starts afresh. Opt-in rules
    (`enabled: false`) are on only when a selector other than ALL names them.
    """
    chosen = []
    for rule in rules.values():
        positive = 0
        for selector in (select if select is not None else []) + extend_select:
            score = selector_matches(selector, rule)
            if score and (rule.enabled or selector != "ALL"):
                positive = max(positive, score)
        inherited = rule.enabled if base is None else rule.id in base
        if select is None and inherited:
            positive = max(positive, 1)
        negative = max((selector_matches(selector, rule) for selector in ignore), default=0)
        if positive and positive > negative:
            chosen.append(rule)
    return chosen
