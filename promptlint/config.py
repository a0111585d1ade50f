"""Configuration: `[tool.promptlint]` in pyproject.toml or `.promptlint.yaml`, found upward
from the working directory (or named with --config), merged with command-line options.

Every key is declared once in `KEYS` (name, how its value is read, whether `overrides` may
set it per file); an unknown key or a bad value is a ConfigError naming the key, which the
command line turns into exit status 2. Families add keys to the table and read them from
the `Settings` their checks receive: the values in force for that document's path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from promptlint.findings import SEVERITY_ORDER
from promptlint.registry import Rule

CONFIG_FILES = (".promptlint.yaml", ".promptlint.yml", "pyproject.toml")
LEVELS = tuple(SEVERITY_ORDER)
TEMPLATE_SYNTAXES = ("none", "jinja", "handlebars")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    """The configuration in force for one file: the global values, then each matching override."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values.get(key, KEYS[key].default if key in KEYS else None)

    @property
    def default_model(self) -> str | None:
        model: str | None = self.get("default-model")
        return model

    def rule_options(self, rule: Rule) -> dict[str, Any]:
        options: dict[str, dict[str, Any]] = self.get("rules") or {}
        return {**rule.default_options(), **options.get(rule.id, {})}


@dataclass(frozen=True)
class LayerSpec:
    name: str
    files: list[str]


@dataclass
class Override:
    files: list[str]
    values: dict[str, Any]


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
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # the model registry's additions
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: str = "warning"
    respect_gitignore: bool = True
    strict_suppressions: bool = False
    chat_templates: str = "none"
    trust: dict[str, list[str]] = field(default_factory=dict)
    untrusted_names: list[str] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # glob -> format name, where recognition cannot decide
    layers: list[LayerSpec] = field(default_factory=list)  # highest precedence first: platform, tenant, user
    stacks: dict[str, list[str]] = field(default_factory=dict)  # glob -> the files it stacks on
    command_line: Selectors | None = None  # --select/--extend-select/--ignore, applied after the file's
    diff_base: str | None = None  # `check --diff-base REF`: the git revision the versioning rules compare with
    max_file_size: int | None = None  # bytes; None: the built-in bound (promptlint.formats.MAX_FILE_BYTES)

    def settings_for(self, display_path: str) -> Settings:
        """The per-file keys in force for a file (its path relative to the root, '/' separators)."""
        values = {key.name: getattr(self, _attribute(key)) for key in KEYS.values() if key.per_file}
        for override in self.overrides:
            if _glob_matches(override.files, display_path):
                for name, value in override.values.items():
                    values[name] = {**values[name], **value} if name in ("rules", "trust", "models") else value
        values["format"] = self.format_for(display_path) if self.formats else None
        values["layer"] = self.layer_for(display_path) if self.layers else None
        # what a file needs to find its place in a layer stack (see promptlint/layers.py)
        values["layer-specs"], values["stacks"] = self.layers, self.stacks
        values["diff-base"] = self.diff_base  # command line only: PL701-PL703, PL707 read it
        return Settings(values)

    def layer_for(self, display_path: str) -> str | None:
        """The layer `layers:` puts a file in (the first whose globs match), or None."""
        return next((layer.name for layer in self.layers if _glob_matches(layer.files, display_path)), None)

    def format_for(self, display_path: str) -> str | None:
        """The format `formats:` assigns to a file (the last matching glob wins), or None."""
        chosen = None
        for glob, name in self.formats.items():
            if _glob_matches([glob], display_path):
                chosen = name
        return chosen

    def assigns_format(self, path: Path) -> bool:
        if not self.formats:
            return False
        from promptlint.discover import display_path

        return self.format_for(display_path(path, self.root)) is not None


@dataclass
class Selectors:
    select: list[str] | None
    extend_select: list[str]
    ignore: list[str]


@dataclass(frozen=True)
class Key:
    """One configuration key: how its value is read and checked, and where it is kept."""

    name: str
    read: Callable[[Any, dict[str, Rule]], Any]
    default: Any = None
    per_file: bool = False  # `overrides` may set it for some files

    @property
    def attribute(self) -> str:
        return self.name.replace("-", "_")


def _strings(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"'{key}' must be a list of strings")
    return list(value)


def _rule_id(key: str, name: str, rules: dict[str, Rule]) -> str:
    """A rule named by id or by name, as its id."""
    if name in rules:
        return name
    for rule in rules.values():
        if rule.name == name:
            return rule.id
    raise ConfigError(f"'{key}': no such rule '{name}' (use an id such as PL002 or a name such as "
                      "undeclared-variable)")


def _read_strings(name: str) -> Callable[[Any, dict[str, Rule]], list[str]]:
    return lambda value, _rules: _strings(name, value)


def _read_bool(name: str) -> Callable[[Any, dict[str, Rule]], bool]:
    def read(value: Any, _rules: dict[str, Rule]) -> bool:
        if not isinstance(value, bool):
            raise ConfigError(f"'{name}' must be true or false")
        return value
    return read


def _read_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any, dict[str, Rule]], str]:
    def read(value: Any, _rules: dict[str, Rule]) -> str:
        if value not in choices:
            raise ConfigError(f"'{name}' must be one of {', '.join(choices)}, not {value!r}")
        return str(value)
    return read


def _read_size(name: str) -> Callable[[Any, dict[str, Rule]], int]:
    def read(value: Any, _rules: dict[str, Rule]) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"'{name}' must be a positive whole number of bytes, such as 4194304 (4 MiB), "
                              f"not {value!r}")
        return value
    return read


def _read_per_file_ignores(value: Any, rules: dict[str, Rule]) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError("'per-file-ignores' must map file patterns to lists of rule selectors")
    return {str(glob): _strings(f"per-file-ignores.{glob}", selectors) for glob, selectors in value.items()}


def _read_formats(value: Any, _rules: dict[str, Rule]) -> dict[str, str]:
    from promptlint.formats import FORMAT_READERS

    names = tuple(FORMAT_READERS)

    if not isinstance(value, dict):
        raise ConfigError("'formats' must map file patterns to format names, such as 'prompts/**/*.txt: template'")
    for glob, name in value.items():
        if name not in names:
            raise ConfigError(f"'formats.{glob}' must be one of {', '.join(names)}, not {name!r}")
    return {str(glob): str(name) for glob, name in value.items()}


def _read_layers(value: Any, _rules: dict[str, Rule]) -> list[LayerSpec]:
    shape = "'layers' must be a list of {name, files: [patterns]}, the highest layer (platform) first"
    if not isinstance(value, list):
        raise ConfigError(shape)
    layers = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "files" not in item \
                or set(item) - {"name", "files"}:
            raise ConfigError(f"{shape}; 'layers[{index}]' is not")
        layers.append(LayerSpec(item["name"], _strings(f"layers[{index}].files", item["files"])))
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise ConfigError("'layers' names a layer twice")
    return layers


def _read_stacks(value: Any, _rules: dict[str, Rule]) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError("'stacks' must map file patterns to the files (paths from the configuration's folder) "
                          "they stack on, highest first")
    return {str(glob): _strings(f"stacks.{glob}", parents) for glob, parents in value.items()}


def _read_severity(value: Any, rules: dict[str, Rule]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError("'severity' must map rule ids or names to error, warning or note")
    levels = {}
    for name, level in value.items():
        if level not in LEVELS:
            raise ConfigError(f"'severity.{name}' must be one of {', '.join(LEVELS)}, not {level!r}")
        levels[_rule_id(f"severity.{name}", str(name), rules)] = level
    return levels


def _read_model(value: Any, _rules: dict[str, Rule]) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError("'default-model' must be a model name, such as gpt-4o")
    return value


def _read_models(value: Any, _rules: dict[str, Rule]) -> dict[str, dict[str, Any]]:
    """`models: {name: {context-window, max-output-tokens, ...}}`: models added to the registry, or
    a known model's figures overridden (a reseller's lower limits); checked against the registry."""
    from promptlint.tokens import ModelRegistryError, model_registry

    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise ConfigError("'models' must map model names to their figures, such as 'acme-ft-1: {context-window: "
                          "128000, max-output-tokens: 4096, encoding: o200k_base}'")
    models = {str(name): {str(key).replace("_", "-"): item for key, item in fields.items()}
              for name, fields in value.items()}
    try:
        model_registry().extended(models)
    except ModelRegistryError as error:
        raise ConfigError(str(error)) from error
    return models


def _read_rule_options(value: Any, rules: dict[str, Rule]) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError("'rules' must map rule ids (or names) to their options")
    options: dict[str, dict[str, Any]] = {}
    for name, rule_values in value.items():
        rule = rules[_rule_id(f"rules.{name}", str(name), rules)]
        if not isinstance(rule_values, dict):
            raise ConfigError(f"'rules.{name}' must be a mapping of option names to values")
        for option, option_value in rule_values.items():
            spec = rule.options.get(option)
            if spec is None:
                known = ", ".join(rule.options) or "none"
                raise ConfigError(f"'rules.{name}.{option}': unknown option (options of {rule.id}: {known})")
            _check_option(f"rules.{name}.{option}", spec, option_value)
        options[rule.id] = dict(rule_values)
    return options


def _read_trust(value: Any, _rules: dict[str, Rule]) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not set(value) <= {"trusted", "untrusted"}:
        raise ConfigError("'trust' must map 'untrusted' and/or 'trusted' to variable names or globs")
    return {str(level): _strings(f"trust.{level}", names) for level, names in value.items()}


def _read_overrides(value: Any, rules: dict[str, Rule]) -> list[Override]:
    if not isinstance(value, list):
        raise ConfigError("'overrides' must be a list of {files: [patterns], <key>: <value>, ...}")
    overrides = []
    for index, item in enumerate(value):
        where = f"overrides[{index}]"
        if not isinstance(item, dict) or "files" not in item:
            raise ConfigError(f"'{where}' must be a mapping with 'files' (patterns) and the keys it sets")
        values = {}
        for name, setting in item.items():
            if name == "files":
                continue
            key = KEYS.get(str(name))
            if key is None or not key.per_file:
                per_file = ", ".join(key.name for key in KEYS.values() if key.per_file)
                raise ConfigError(f"'{where}.{name}' cannot be set per file (keys that can: {per_file})")
            try:
                values[key.name] = key.read(setting, rules)
            except ConfigError as error:
                raise ConfigError(f"{where}: {error}") from error
        overrides.append(Override(_strings(f"{where}.files", item["files"]), values))
    return overrides


KEYS: dict[str, Key] = {key.name: key for key in (
    Key("include", _read_strings("include"), []),
    Key("exclude", _read_strings("exclude"), []),
    Key("select", _read_strings("select")),
    Key("extend-select", _read_strings("extend-select"), []),
    Key("ignore", _read_strings("ignore"), []),
    Key("per-file-ignores", _read_per_file_ignores, {}),
    Key("severity", _read_severity, {}),
    Key("default-model", _read_model, None, per_file=True),
    Key("rules", _read_rule_options, {}, per_file=True),
    Key("models", _read_models, {}, per_file=True),  # extends or overrides promptlint/models.yaml
    Key("fail-on", _read_choice("fail-on", LEVELS), "warning"),
    Key("respect-gitignore", _read_bool("respect-gitignore"), True),
    Key("strict-suppressions", _read_bool("strict-suppressions"), False),
    # chat payloads and transcripts are data; say `jinja` where a team templates them
    Key("chat-templates", _read_choice("chat-templates", TEMPLATE_SYNTAXES), "none", per_file=True),
    # variables whose trust the file format cannot declare (Prompty inputs, Dotprompt, chat, Markdown)
    Key("trust", _read_trust, {}, per_file=True),
    Key("untrusted-names", _read_strings("untrusted-names"), [], per_file=True),  # extends lexicons/
    Key("overrides", _read_overrides, []),
    Key("formats", _read_formats, {}),
    Key("layers", _read_layers, []),
    Key("stacks", _read_stacks, {}),
    # files larger than this many bytes are not read (None: promptlint.formats.MAX_FILE_BYTES, 2 MiB)
    Key("max-file-size", _read_size("max-file-size"), None, per_file=True),
)}
# what a Key's attribute is called on Config, where the two differ
_ATTRIBUTES = {"rules": "rule_options"}


def _attribute(key: Key) -> str:
    return _ATTRIBUTES.get(key.name, key.attribute)


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
    for name, value in data.items():
        key = KEYS.get(str(name))
        if key is None:
            raise ConfigError(f"unknown key '{name}'; known keys: {', '.join(KEYS)}")
        setattr(config, _attribute(key), key.read(value, rules))
    for name, selectors in (("select", config.select or []), ("extend-select", config.extend_select),
                            ("ignore", config.ignore), *(
                                (f"per-file-ignores.{glob}", sel) for glob, sel in config.per_file_ignores.items())):
        check_selectors(name, selectors, rules)
    return config


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


def _glob_matches(patterns: list[str], display_path: str) -> bool:
    return bool(_spec(tuple(patterns)).match_file(display_path))


@cache
def _spec(patterns: tuple[str, ...]) -> Any:
    import pathspec  # only configurations with overrides need it

    return pathspec.GitIgnoreSpec.from_lines(patterns)


EXACT = 1000  # an exact id and a name are equally specific; any prefix is less so


def selector_matches(selector: str, rule: Rule) -> int:
    """How specifically `selector` names `rule`: 0 not at all, else higher is more specific."""
    if selector == "ALL":
        return 1
    if selector in (rule.id, rule.name):
        return EXACT
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
    (`enabled: false`) are on only when their exact id or name is selected, as in ruff.
    """
    chosen = []
    for rule in rules.values():
        positive = 0
        for selector in (select if select is not None else []) + extend_select:
            score = selector_matches(selector, rule)
            if score and (rule.enabled or score == EXACT):
                positive = max(positive, score)
        inherited = rule.enabled if base is None else rule.id in base
        if select is None and inherited:
            positive = max(positive, 1)
        negative = max((selector_matches(selector, rule) for selector in ignore), default=0)
        if positive and positive > negative:
            chosen.append(rule)
    return chosen
