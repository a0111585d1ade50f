"""`promptlint tokens`: exact per-file figures as a table or JSON, through the same readers as `check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptlint.cli import main

PROMPT = """\
id: shop.answer
version: 1.0.0
model: {name: gpt-4o-2024-08-06, max_output_tokens: 800}
variables:
  articles: {trust: untrusted, max_tokens: 6000}
  question: {trust: untrusted}
messages:
  - role: system
    content: You help the customers of the bicycle shop. Answer from the articles.
  - role: user
    content: "<a>{{ articles }}</a> {{ question }}"
tools:
  - {type: function, function: {name: get_order, description: Look up an order., parameters: {type: object,
     properties: {order_id: {type: string, description: The order number}}, required: [order_id]}}}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "answer.prompt.yaml").write_text(PROMPT, encoding="utf-8")
    (tmp_path / "prompts" / "prices.csv").write_text("part,price\nchain,25\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["tokens", *args])
    return result.exit_code, result.output


def test_json_gives_exact_figures(tree: Path) -> None:
    status, output = run("--format", "json", "prompts")
    assert status == 0
    [row] = json.loads(output)["files"]
    assert row["path"] == "prompts/answer.prompt.yaml"
    assert (row["model"], row["resolved_model"], row["method"]) == ("gpt-4o-2024-08-06", "gpt-4o",
                                                                   "exact (o200k_base)")
    assert row["variables"] == {"articles": {"max_tokens": 6000, "uses": 1}, "question": {"max_tokens": None,
                                                                                          "uses": 1}}
    assert row["unbounded"] == ["question"]
    assert row["output"] == {"declared": 800, "reserved": 800}
    assert row["tools"] > 0 and row["static"] > 0
    assert row["worst_case"] == row["static"] + row["tools"] + 6000 + 800
    assert row["context_window"] == 128000 and row["share"] == round(row["worst_case"] / 128000, 4)
    assert [message["role"] for message in row["messages"]] == ["system", "user"]
    assert row["cacheable_prefix"] < row["static"] + row["tools"]  # the user turn starts with a value


def test_model_option_counts_for_another_model(tree: Path) -> None:
    _status, output = run("--format", "json", "--model", "claude-sonnet-4", "prompts")
    [row] = json.loads(output)["files"]
    assert row["resolved_model"] == "claude-sonnet-4" and row["counting"] == "estimated"
    assert row["method"].startswith("≈ estimated")


def test_unknown_model_option_is_a_usage_error(tree: Path) -> None:
    status, output = run("--model", "gpt4o", "prompts")
    assert status == 2 and "unknown model 'gpt4o'; did you mean gpt-4o" in output


def test_text_table_and_detail(tree: Path) -> None:
    status, output = run("--detail", "--no-color", "prompts")
    assert status == 0
    assert "prompts/answer.prompt.yaml" in output and "gpt-4o" in output and "128,000" in output
    assert "exact (o200k_base)" in output and "+ unbounded" in output
    assert "the system message" in output  # --detail lists the messages


def test_counts_always_exactly(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptlint import tokens

    calls: list[str] = []
    original = tokens.count_tokens

    def counting(text: str, encoding_name: str = "o200k_base") -> int:
        calls.append(encoding_name)
        return original(text, encoding_name)

    monkeypatch.setattr(tokens, "count_tokens", counting)
    run("--format", "json", "prompts")
    assert calls and set(calls) == {"o200k_base"}
