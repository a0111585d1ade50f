"""Token counts come from the rank files shipped in the package, with no network."""

from __future__ import annotations

import socket

import pytest

from promptlint import tokens


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("token counting tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(("name", "text", "expected"), [
    # reference counts from tiktoken's own documentation and test suite
    ("cl100k_base", "hello world", [15339, 1917]),
    ("o200k_base", "hello world", [24912, 2375]),
])
def test_encodings_load_offline_and_match_tiktoken(name: str, text: str, expected: list[int]) -> None:
    assert tokens.encoding(name).encode(text) == expected


def test_special_token_text_counts_as_plain_text() -> None:
    # a prompt that contains "<|endoftext|>" must be counted, not rejected or treated as a control token
    assert tokens.count_tokens("<|endoftext|>", "o200k_base") > 1


def test_corrupt_rank_file_is_refused() -> None:
    spec = tokens.ENCODINGS["cl100k_base"]
    broken = tokens.EncodingSpec(spec.file, "0" * 64, spec.pattern, spec.special_tokens)
    with pytest.raises(tokens.TokenizerDataError, match="corrupt"):
        tokens.load_ranks(broken)


def test_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="available: o200k_base, cl100k_base"):
        tokens.encoding("p50k_base")
