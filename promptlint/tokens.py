"""Exact, offline token counts with tiktoken.

tiktoken downloads its rank files on first use; a linter that runs in pre-commit hooks and
on air-gapped CI must not. The rank files ship inside this package (promptlint/tokenizers),
are checked against tiktoken's published sha256 before use, and tiktoken itself is imported
only when a rule asks for a count.
"""

from __future__ import annotations

import base64
import hashlib
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
