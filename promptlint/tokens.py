"""Exact, offline token counts with tiktoken.

tiktoken downloads its rank files on first use; a linter that runs in pre-commit hooks and
on air-gapped CI must not. The rank files ship inside this package (promptlint/tokenizers),
are checked against tiktoken's published sha256 before use, and tiktoken itself is imported
only when a rule asks for a count.

It also holds the model registry (promptlint/models.yaml, extended by `models:` in the
configuration): each model's window, output limit and how its tokens are counted.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class EncodingSpec:
    file: str
    sha256: str
    pattern: str
    special_tokens: dict[str, int]


_O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])

# Patterns and special tokens as tiktoken 0.14 defines them (tiktoken_ext/openai_public.py).
ENCODINGS: dict[str, EncodingSpec] = {
    "o200k_base": EncodingSpec(
        "o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": EncodingSpec(
        "cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
        r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260,
         "<|endofprompt|>": 100276},
    ),
}


class TokenizerDataError(Exception):
    pass


def load_ranks(spec: EncodingSpec) -> dict[bytes, int]:
    data = resources.files("promptlint.tokenizers").joinpath(spec.file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise TokenizerDataError(f"{spec.file} is corrupt (sha256 {digest}, expected {spec.sha256}); reinstall")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@cache
def encoding(name: str) -> Any:
    """A tiktoken Encoding built from the shipped rank files, with no network access."""
    spec = ENCODINGS.get(name)
    if spec is None:
        raise KeyError(f"no offline encoding '{name}'; available: {', '.join(ENCODINGS)}")
    import tiktoken  # imported on first count: most runs never need it

    return tiktoken.Encoding(name, pat_str=spec.pattern, mergeable_ranks=load_ranks(spec),
                             special_tokens=spec.special_tokens)


def count_tokens(text: str, encoding_name: str = "o200k_base") -> int:
    # special-token text in a prompt is counted as ordinary text, never as a control token
    return len(encoding(encoding_name).encode(text, disallowed_special=()))


def upper_bound(text: str) -> int:
    """A cheap upper bound on the token count of `text` in o200k_base or cl100k_base.

    Both are byte-level BPE encodings: encoding splits the UTF-8 bytes of the text into
    tokens, each a non-empty byte string, and special tokens are never produced here
    (`count_tokens` encodes their text as ordinary text). So no text has more tokens than
    bytes, and the byte length bounds the count without loading an encoding.
    """
    return len(text.encode("utf-8", "surrogatepass"))


# ---- the model registry (promptlint/models.yaml, extended by `models:` in the configuration) ----

DEFAULT_ESTIMATE_ENCODING = "o200k_base"
MODEL_FIELDS = ("provider", "aliases", "context-window", "max-output-tokens", "max-input-tokens", "encoding",
                "estimate-factor", "tool-overhead", "checked")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    provider: str
    context_window: int
    max_output_tokens: int | None
    encoding: str  # what counts its tokens (exactly, or as the base of an estimate)
    estimate_factor: float | None = None  # None: exact counts
    max_input_tokens: int | None = None
    tool_overhead: int = 0  # tokens a provider adds when tools are sent
    checked: str | None = None
    aliases: tuple[str, ...] = ()
    origin: str = "registry"  # "registry", "configuration" or "inline" (declared in the file)

    @property
    def estimated(self) -> bool:
        return self.estimate_factor is not None

    @property
    def method(self) -> str:
        """How counts are made, as every message says it."""
        if self.estimate_factor is None:
            return f"exact ({self.encoding})"
        return f"≈ estimated ({self.encoding} ×{self.estimate_factor:g})"  # noqa: RUF001

    def tokens(self, count: int) -> int:
        """A count in the base encoding, as this model's tokens."""
        if self.estimate_factor is None:
            return count
        return -(-count * round(self.estimate_factor * 1000) // 1000)  # ceiling, without float drift


class ModelRegistryError(Exception):
    pass


def _model_from(name: str, data: dict[str, Any], providers: dict[str, dict[str, Any]], where: str,
                origin: str, base: ModelInfo | None = None) -> ModelInfo:
    unknown = sorted(set(data) - set(MODEL_FIELDS))
    if unknown:
        raise ModelRegistryError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(MODEL_FIELDS)}")

    def integer(key: str, default: int | None) -> int | None:
        value = data.get(key, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ModelRegistryError(f"{where}.{key} must be a positive integer")
        return value

    provider = str(data.get("provider", base.provider if base else "custom"))
    defaults = providers.get(provider, {})
    window = integer("context-window", base.context_window if base else None)
    if window is None:
        raise ModelRegistryError(f"{where}: 'context-window' is required for a model the registry does not know")
    encoding_name = data.get("encoding", base.encoding if base else DEFAULT_ESTIMATE_ENCODING)
    if encoding_name not in ENCODINGS:
        raise ModelRegistryError(f"{where}.encoding must be one of {', '.join(ENCODINGS)}")
    exact_by_default = "encoding" in data and "estimate-factor" not in data
    factor = data.get("estimate-factor", base.estimate_factor if base and not exact_by_default else
                      (None if exact_by_default else defaults.get("estimate-factor")))
    if factor is not None and (not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor <= 0):
        raise ModelRegistryError(f"{where}.estimate-factor must be a positive number")
    aliases = data.get("aliases", list(base.aliases) if base else [])
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise ModelRegistryError(f"{where}.aliases must be a list of names")
    return ModelInfo(
        name=name, provider=provider, context_window=window,
        max_output_tokens=integer("max-output-tokens", base.max_output_tokens if base else None),
        encoding=str(encoding_name), estimate_factor=None if factor is None else float(factor),
        max_input_tokens=integer("max-input-tokens", base.max_input_tokens if base else None),
        tool_overhead=int(data.get("tool-overhead", base.tool_overhead if base else defaults.get("tool-overhead", 0))),
        checked=str(data["checked"]) if "checked" in data else (base.checked if base else None),
        aliases=tuple(alias.lower() for alias in aliases), origin=origin)


@dataclass(frozen=True)
class ModelRegistry:
    models: dict[str, ModelInfo]  # by lower-case name
    aliases: dict[str, str]  # lower-case alias -> name

    def lookup(self, name: str) -> ModelInfo | None:
        """The model `name` means (dated snapshots and provider paths resolve to their family)."""
        for candidate in _candidates(name):
            key = self.aliases.get(candidate, candidate)
            if key in self.models:
                return self.models[key]
        return None

    def nearest(self, name: str, count: int = 3) -> list[str]:
        import difflib

        known = sorted({*self.models, *self.aliases})
        return difflib.get_close_matches(_candidates(name)[0], known, n=count, cutoff=0.6)

    def extended(self, configured: dict[str, dict[str, Any]], origin: str = "configuration") -> ModelRegistry:
        """This registry with `models:` from the configuration: a known name is overridden field by
        field (a reseller's lower limits), a new name is added (it needs its context window)."""
        if not configured:
            return self
        models, aliases = dict(self.models), dict(self.aliases)
        for name, data in configured.items():
            base = self.lookup(name)
            model = _model_from(str(name), data, _registry_data()[0], f"models.{name}", origin, base)
            key = str(name).lower()  # a known name keeps its key; an alias overridden becomes a model of its own
            models[key] = model
            for alias in model.aliases:
                aliases[alias] = key
        return ModelRegistry(models, aliases)


_PATH_PREFIX = re.compile(r"^.*/")
_VENDOR_PREFIX = re.compile(r"^(?:us\.|eu\.|apac\.)?(?:anthropic|meta|mistral|google)\.")
_VERSION_SUFFIX = re.compile(r"(?:-v\d+(?::\d+)?|@[\w.-]+)$")
# a trailing dated snapshot, revision or variant: what a family name is followed by
_TRAILING_PART = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|latest|preview|exp|instruct|chat|it|hf|"
                            r"\d+(?:\.\d+)?[bm]|\d+x\d+b|turbo|fp8|versatile|instant)$")


def _candidates(name: str) -> list[str]:
    """`name` normalised, then with one trailing snapshot or variant part dropped at a time."""
    name = re.sub(r"\s*\([^)]*\)", "", name.strip().lower())  # Copilot's "Claude Sonnet 4 (copilot)"
    name = re.sub(r"\s+", "-", name)  # display names: "GPT-4.1", "Claude Sonnet 4"
    name = _VERSION_SUFFIX.sub("", _VENDOR_PREFIX.sub("", _PATH_PREFIX.sub("", name)))
    name = re.sub(r"^meta-(?=llama)", "", name)
    found = [name]
    while (shorter := _TRAILING_PART.sub("", found[-1])) != found[-1] and shorter:
        found.append(shorter)
    return found


@cache
def _registry_data() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    from promptlint.registry import cached_package_yaml  # parsed once per installation, not per run

    def shaped(data: list[Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        [registry] = data
        return dict(registry["providers"]), list(registry["models"])

    return shaped(cached_package_yaml(lambda: [("models.yaml", resources.files("promptlint").joinpath("models.yaml")
                                                .read_bytes())], "models", shaped))


@cache
def model_registry() -> ModelRegistry:
    """The registry shipped in the package."""
    providers, rows = _registry_data()
    models: dict[str, ModelInfo] = {}
    aliases: dict[str, str] = {}
    for row in rows:
        fields = {key: value for key, value in row.items() if key != "name"}
        model = _model_from(row["name"], fields, providers, f"models.yaml: {row['name']}", "registry")
        models[model.name.lower()] = model
        for alias in model.aliases:
            aliases[alias] = model.name.lower()
    return ModelRegistry(models, aliases)
