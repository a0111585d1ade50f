"""The trust analysis and the injection rules PL101-PL106 built on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import json_report, write

from promptlint.config import build_config
from promptlint.formats import read_document
from promptlint.registry import load_rules
from promptlint.trust import analyse

RULES = load_rules()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(*args: str) -> list[dict[str, Any]]:
    return [item for item in json_report("--select", "PL1", *args)["findings"]]


def brief(*args: str) -> list[tuple[str, str, int, int]]:
    return [(item["rule_id"], item["severity"], item["start_line"], item["start_column"]) for item in findings(*args)]


def native(messages: str, variables: str) -> str:
    return f"id: t\nversion: 1.0.0\nvariables:\n{variables}messages:\n{messages}"


# --- where trust comes from -------------------------------------------------------------------------


def trust_of(tmp_path: Path, name: str, text: str, settings: dict[str, Any] | None = None) -> Any:
    path = write(tmp_path / name, text)
    document = read_document(path, name)
    assert document is not None
    config = build_config(settings or {}, tmp_path, RULES)
    return analyse(document, config.settings_for(name))


def test_declared_trust_wins_and_says_where(tmp_path: Path) -> None:
    text = native('  - role: user\n    content: "{{ notes }}"\n', "  notes: {trust: untrusted}\n")
    trust = trust_of(tmp_path, "a.prompt.yaml", text).variables["notes"]
    assert (trust.level, trust.source) == ("untrusted", "declared")
    assert trust.evidence == "declared `trust: untrusted` at line 4"


def test_configured_trust_per_path(tmp_path: Path) -> None:
    text = "---\ninputs:\n  notes:\n    type: string\n---\nuser:\n{{notes}}\n"
    settings = {"overrides": [{"files": ["crm/**"], "trust": {"untrusted": ["no*"]}}]}
    assert trust_of(tmp_path, "crm/a.prompty", text, settings).variables["notes"].source == "configured"
    assert trust_of(tmp_path, "web/a.prompty", text, settings).variables["notes"].level == "unknown"


@pytest.mark.parametrize(("name", "level", "kind"), [
    ("question", "untrusted", "user"), ("user_input", "untrusted", "user"), ("page_html", "untrusted", "external"),
    ("search_results", "untrusted", "external"), ("documentText", "untrusted", "external"),
    ("retrieved_docs", "untrusted", "external"), ("chat_history", "untrusted", "history"),
    ("input_format", "unknown", None), ("page_size", "unknown", None), ("system_message", "unknown", None),
    ("company", "unknown", None), ("answer", "unknown", None),  # model output counts only in evaluators
])
def test_trust_inferred_from_the_head_word_of_a_name(tmp_path: Path, name: str, level: str, kind: str) -> None:
    text = f"---\ninputs:\n  {name}:\n    type: string\n---\nuser:\n{{{{{name}}}}}\n"
    trust = trust_of(tmp_path, "a.prompty", text).variables[name]
    assert (trust.level, trust.kind) == (level, kind)
    assert trust.source == ("inferred" if level == "untrusted" else "unknown")


def test_model_output_is_untrusted_in_an_evaluator_prompt(tmp_path: Path) -> None:
    text = ("---\ninputs:\n  answer:\n    type: string\n---\nsystem:\nRate the answer from 1 to 5.\n\n"
            "user:\n{{answer}}\n")
    trust = trust_of(tmp_path, "coherence.prompty", text).variables["answer"]
    assert (trust.level, trust.kind) == ("untrusted", "model")
    assert "evaluator" in trust.evidence


def test_trust_inferred_from_a_description(tmp_path: Path) -> None:
    text = native('  - role: user\n    content: "{{ notes }}"\n',
                  "  notes: {description: Free text typed by the customer}\n")
    trust = trust_of(tmp_path, "a.prompt.yaml", text).variables["notes"]
    assert (trust.level, trust.source) == ("untrusted", "inferred")


def test_configured_words_extend_the_lexicon(tmp_path: Path) -> None:
    text = "---\ninputs:\n  blurb:\n    type: string\n---\nsystem:\n{{blurb}}\n"
    assert trust_of(tmp_path, "a.prompty", text, {"untrusted-names": ["blurb"]}).variables["blurb"].untrusted


def test_trust_flows_through_the_loop_in_force(tmp_path: Path) -> None:
    body = ("system:\n{% for item in catalog %}{{ item }}{% endfor %}\n"
            "{% for item in web_pages %}{{ item }}{% endfor %}\n")
    text = "---\ninputs:\n  catalog:\n    type: array\n  web_pages:\n    type: array\n---\n" + body
    emissions = trust_of(tmp_path, "a.prompty", text).emissions
    assert [(emission.variable, emission.via, emission.trust.level) for emission in emissions] == [
        ("catalog", "item", "unknown"), ("web_pages", "item", "untrusted")]


# --- PL101 ------------------------------------------------------------------------------------------


def test_pl101_points_at_the_tag_in_a_block_scalar_and_names_the_evidence(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", native(
        "  - role: system\n    content: |\n      Answer briefly.\n      Context: {{ retrieved }}\n",
        "  retrieved: {trust: untrusted}\n"))
    [finding] = findings(".")
    assert (finding["rule_id"], finding["severity"], finding["start_line"], finding["start_column"]) == (
        "PL101", "error", 9, 16)
    assert finding["evidence"] == ["declared `trust: untrusted` at line 4"]
    assert "Move it into a user message" in finding["message"]


def test_pl101_in_a_folded_scalar_and_a_quoted_one(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", native(
        "  - role: system\n    content: >\n      Answer briefly.\n      Context: {{ retrieved }}\n"
        '  - role: developer\n    content: "Be nice.\\n  {{ retrieved }}"\n',
        "  retrieved: {trust: untrusted}\n"))
    assert brief(".") == [("PL101", "error", 9, 16), ("PL101", "error", 11, 27)]


def test_pl101_inferred_is_a_warning_and_unknown_or_trusted_is_quiet(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", native(
        '  - role: system\n    content: "{{ company }} {{ tone }} {{ user_input }}"\n',
        "  company: {trust: trusted}\n  tone: {}\n  user_input: {}\n"))
    assert brief(".") == [("PL101", "warning", 9, 40)]


def test_pl101_allow_option(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "rules:\n  PL101:\n    allow: [user_input]\n")
    write(in_tmp / "a.prompt.yaml", native('  - role: system\n    content: "{{ user_input }}"\n', "  user_input: {}\n"))
    assert brief(".") == []


def test_pl101_in_an_agent_instruction_file(in_tmp: Path) -> None:
    write(in_tmp / "AGENTS.md", "---\ninputs:\n  - name: web_page\n---\nFollow the team rules.\n{{ web_page }}\n")
    [finding] = findings(".")
    assert (finding["rule_id"], finding["start_line"]) == ("PL101", 6)
    assert "agent instruction file" in finding["message"]


# --- PL102 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    '"{{ page }}"',  # the whole turn
    '"<page>{{ page }}</page>"',
    '"<page source=\\"web\\">\\n{% if page %}{{ page }}{% endif %}\\n</page>"',
    '"Read this:\\n```\\n{{ page }}\\n```"',
    '"Summarise \\"{{ page }}\\" briefly."',
    '"Summarise {{ page | tojson }} briefly."',
])
def test_pl102_is_quiet_on_delimited_values(in_tmp: Path, content: str) -> None:
    write(in_tmp / "a.prompt.yaml", native(f"  - role: user\n    content: {content}\n",
                                           "  page: {trust: untrusted, max_tokens: 100}\n"))
    assert [rule for rule, *_ in brief(".") if rule == "PL102"] == []


def test_pl102_undelimited_declared_and_inferred(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", native(
        '  - role: user\n    content: "Summarise {{ page }} and {{ email_body }} and {{ question }}."\n',
        "  page: {trust: untrusted}\n  email_body: {}\n  question: {}\n"))
    # `question` is by its name the user's own words, in the user's own turn: not reported
    assert brief(".") == [("PL102", "warning", 9, 25), ("PL102", "note", 9, 40)]


# --- PL105, PL106 -----------------------------------------------------------------------------------


def test_pl105_in_an_assistant_turn(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", native(
        '  - role: user\n    content: "{{ req }}"\n  - role: assistant\n    content: "Sure: {{ req }}"\n',
        "  req: {trust: untrusted}\n"))
    assert brief(".") == [("PL105", "warning", 9, 21)]


def test_pl106_prompty_line_start_strict_and_role_from_data(in_tmp: Path) -> None:
    head = "---\ninputs:\n  question:\n    type: string\n  history:\n    type: array\n{strict}---\n"
    body = ("system:\nHelp the user.\n{% for turn in history %}\n{{turn.role}}:\n{{turn.content}}\n{% endfor %}\n"
            "user:\nQ: {{question}}\n{{question}}\n")
    write(in_tmp / "open.prompty", head.format(strict="") + body)
    write(in_tmp / "strict.prompty", head.format(strict="template:\n  format:\n    strict: true\n") + body)
    found = {(item["path"], item["rule_id"], item["start_line"], item["start_column"]) for item in findings(".")}
    # the role written from data, and the value that begins a line; never the content under a data-chosen role,
    # nor a value after other text on its line; nothing with strict role markers
    assert found == {("open.prompty", "PL106", 11, 1), ("open.prompty", "PL106", 16, 1)}
