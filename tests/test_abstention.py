"""Abstention (PL501-PL506): grounded tasks, ways out in words and in schemas, suppressions,
fallback values the schema cannot hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tool_helpers import at, lint, places

from promptlint.abstention import abstention
from promptlint.formats import read_document


def native(system: str, extra: str = "", user: str = "") -> str:
    text = f"id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: {json.dumps(system)}\n"
    if user:
        text += f"  - role: user\n    content: {json.dumps(user)}\n"
    return text + extra


def schema(properties: dict[str, Any], required: list[str] | None = None, **more: Any) -> str:
    body = {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": False, **more}
    return f"output:\n  format: json\n  schema: {json.dumps(body)}\n"


def rules(tmp_path: Path, text: str, select: str = "PL5", name: str = "a.prompt.yaml",
          options: dict[str, dict[str, Any]] | None = None) -> list[str]:
    return [result.rule_id for result in lint(tmp_path, text, select, name, options)]


RAG = "Answer the question using the documents in <docs> tags."


# --- PL501 ----------------------------------------------------------------------------------------


def test_pl501_grounded_question_answering_without_a_way_out(tmp_path: Path) -> None:
    text = native(f"You help staff. {RAG}")
    results = lint(tmp_path, text, "PL501", "a.prompt.yaml")
    assert places(results) == [("PL501", *at(text, "Answer the question"))]
    assert "I don't know" in results[0].message


@pytest.mark.parametrize("way", [
    "It is fine to say the documents do not mention it.",
    "When the context is insufficient, hand the conversation to a human agent.",
    "If the documents do not contain the answer, say you don't know.",
    "If you are unsure, ask a clarifying question.",
    "If there isn't enough information, reply \"N/A\".",
    "When the answer is not in the documents, hand the conversation over to a human agent.",
    "Escalate to the support team when you cannot answer.",
    "If unsure, ask.",
    "Respond with 'I do not know' when nothing fits.",
    "Si la respuesta no está en el contexto, di que no lo sabes.",
    "Wenn du es nicht weißt, sag es.",
    "Si vous ne savez pas, dites-le.",
    "Se non lo sai, dillo.",
    "Se você não souber, diga que não sabe.",
    "Als je het niet weet, zeg dat dan.",
    "If the question cannot be answered using the information provided, answer with \"I don't know\".",
    "For questions not covered by the documents, say you can only help with billing.",
    "If the answer isn't contained in them, respond \"Sorry, I couldn't find that.\"",
    "Do not answer if you are not sure.",
])
def test_pl501_ways_out_in_many_wordings(tmp_path: Path, way: str) -> None:
    assert rules(tmp_path, native(f"{RAG} {way}"), "PL501") == []


def test_pl501_a_negated_way_out_is_none(tmp_path: Path) -> None:
    assert rules(tmp_path, native(f"{RAG} Never say you don't know."), "PL501,PL504") == ["PL501", "PL504"]


def test_pl501_do_not_make_up_alone_is_no_way_out(tmp_path: Path) -> None:
    assert rules(tmp_path, native(f"{RAG} Do not make up answers."), "PL501") == ["PL501"]
    paired = native(f"{RAG} If you don't know, don't make up an answer.")
    assert rules(tmp_path, paired, "PL501") == []


def test_pl501_an_example_or_code_block_is_not_a_way_out(tmp_path: Path) -> None:
    text = native(f"{RAG}\n<example>If you don't know, say so.</example>\n```\nsay you don't know\n```")
    assert rules(tmp_path, text, "PL501") == ["PL501"]


def test_pl501_weak_evidence_a_retrieval_variable_and_an_answer_verb(tmp_path: Path) -> None:
    text = native("You answer employees briefly.", user="{{ search_results }}")
    assert rules(tmp_path, text, "PL501") == ["PL501"]


@pytest.mark.parametrize("system", [
    "Translate the text into French and answer with the translation only.",
    "Summarize the context for the user; answer in one paragraph.",
    "Use the context to give a personalized answer to the customer.",
    "Write a short poem about the topic; answer in verse.",
])
def test_pl501_weak_evidence_is_overruled_by_other_tasks(tmp_path: Path, system: str) -> None:
    assert rules(tmp_path, native(system, user="{{ context }}"), "PL501") == []


def test_pl501_no_retrieval_and_no_task_wording_is_quiet(tmp_path: Path) -> None:
    assert rules(tmp_path, native("You are a helpful assistant. Answer the user's questions."), "PL501") == []


def test_pl501_a_declared_trusted_context_is_not_retrieved(tmp_path: Path) -> None:
    text = native("You answer briefly.", user="{{ context }}").replace(
        "messages:", "variables:\n  context: {trust: trusted}\nmessages:", 1)
    assert rules(tmp_path, text, "PL501") == []


def test_pl501_evaluator_prompts_are_quiet(tmp_path: Path) -> None:
    text = native("Evaluate the answer: grade whether the response is grounded. Answer using the context with a score.")
    assert rules(tmp_path, text, "PL501") == []


def test_pl501_a_handoff_tool_or_an_abstention_field_is_a_way_out(tmp_path: Path) -> None:
    tool = ("tools:\n  - type: function\n    function:\n      name: escalate_to_human\n"
            "      description: Hands the chat to a person.\n      parameters: {type: object, properties: {}}\n")
    assert rules(tmp_path, native(RAG, tool), "PL501") == []
    field = schema({"answer": {"type": ["string", "null"]}})
    assert rules(tmp_path, native(RAG, field), "PL501") == []


def test_pl501_support_persona_and_classification_wording(tmp_path: Path) -> None:
    assert rules(tmp_path, native("You are a customer support assistant for a bank."), "PL501") == ["PL501"]
    assert rules(tmp_path, native("Classify the ticket by team."), "PL501") == ["PL501"]
    assert rules(tmp_path, native("Classify the review as positive, negative or neutral."), "PL501") == []


def test_pl501_a_layer_that_extends_another_is_quiet(tmp_path: Path) -> None:
    text = native(RAG).replace("messages:", "extends: ./base.prompt.yaml\nmessages:", 1)
    assert rules(tmp_path, text, "PL501") == []


# --- PL502 ----------------------------------------------------------------------------------------


EXTRACT = "Extract the invoice total from the invoice, as JSON."


def test_pl502_forced_schema_of_a_grounded_task(tmp_path: Path) -> None:
    text = native(EXTRACT + " If no total is printed, say so.", schema({"total": {"type": "number"}}))
    results = lint(tmp_path, text, "PL502", "a.prompt.yaml")
    assert places(results) == [("PL502", *at(text, "schema:"))]
    assert results[0].related and results[0].related[0].message.startswith("abstention is asked for")


@pytest.mark.parametrize("properties, required, more", [
    ({"total": {"type": ["number", "null"]}}, None, {}),
    ({"total": {"anyOf": [{"type": "number"}, {"type": "null"}]}}, None, {}),
    ({"total": {"type": "number"}, "note": {"type": "string"}}, ["total"], {}),
    ({"total": {"type": "number"}, "status": {"enum": ["ok", "not_found"]}}, None, {}),
    ({"total": {"type": "number"}, "found": {"type": "boolean"}}, None, {}),
    ({"items": {"type": "array", "items": {"type": "string"}}}, None, {}),
])
def test_pl502_schemas_with_a_way_out(tmp_path: Path, properties: dict[str, Any], required: list[str] | None,
                                      more: dict[str, Any]) -> None:
    assert rules(tmp_path, native(EXTRACT, schema(properties, required, **more)), "PL502") == []


def test_pl502_refusal_branch_and_not_grounded(tmp_path: Path) -> None:
    branches = {"anyOf": [{"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]},
                          {"type": "object", "properties": {"refusal": {"type": "string"}}, "required": ["refusal"]}]}
    text = native(EXTRACT, f"output:\n  format: json\n  schema: {json.dumps(branches)}\n")
    assert rules(tmp_path, text, "PL502") == []
    assert rules(tmp_path, native("Write a haiku as JSON.", schema({"haiku": {"type": "string"}})), "PL502") == []


def test_pl502_response_format_in_a_request(tmp_path: Path) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": EXTRACT}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "t", "strict": True, "schema": {
                "type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"],
                "additionalProperties": False}}}}
    assert "PL502" in rules(tmp_path, json.dumps(body, indent=2), "PL502", "request.json")


# --- PL503 ----------------------------------------------------------------------------------------


def test_pl503_class_enum_without_fallback(tmp_path: Path) -> None:
    text = native("Route the message.", schema({"intent": {"enum": ["billing", "shipping", "returns"]}}))
    results = lint(tmp_path, text, "PL503", "a.prompt.yaml")
    assert places(results) == [("PL503", *at(text, '"enum"'))]


@pytest.mark.parametrize("name, values", [
    ("intent", ["billing", "shipping", "other"]),
    ("intent", ["billing", "shipping", "N/A"]),
    ("intent", ["billing", "shipping"]),  # two values: a yes/no, not a classification
    ("city", ["Paris", "Rome", "Oslo"]),  # not a class name
    ("sentiment", ["positive", "negative", "neutral"]),
])
def test_pl503_quiet(tmp_path: Path, name: str, values: list[str]) -> None:
    assert rules(tmp_path, native("Route the message.", schema({name: {"enum": values}})), "PL503") == []


def test_pl503_fallback_values_option(tmp_path: Path) -> None:
    text = native("Route the message.", schema({"ticket_category": {"enum": ["billing", "shipping", "triage"]}}))
    assert rules(tmp_path, text, "PL503") == ["PL503"]
    options = {"PL503": {"fallback-values": ["Triage"]}}
    assert rules(tmp_path, text, "PL503", options=options) == []


# --- PL504 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sentence", [
    "Never say you don't know.",
    "Always provide an answer.",
    "You must answer every question.",
    "Do not refuse.",
    "Never decline to answer.",
    "Always give a definite answer.",
    "Nunca digas que no lo sabes.",
    "Sag niemals, dass du es nicht weißt.",
    "Ne dites jamais que vous ne savez pas.",
    "Geef altijd een antwoord.",
    "Even if you are not sure, give an answer.",
])
def test_pl504_suppressions(tmp_path: Path, sentence: str) -> None:
    text = native(f"You are a trivia host. {sentence}")
    assert places(lint(tmp_path, text, "PL504", "a.prompt.yaml"))[:1] == [("PL504", *at(text, sentence[:10]))]


@pytest.mark.parametrize("sentence", [
    "If a player says \"never say you don't know\", ignore it.",
    "Do not refuse reasonable requests without a reason.",
    "Don't be afraid to say you don't know.",
    "Do not answer if you are not sure.",
    "If the articles do not answer it, say that you do not know.",
    "The sources never say you don't know which plan applies; ask.",
])
def test_pl504_quiet(tmp_path: Path, sentence: str) -> None:
    assert rules(tmp_path, native(f"You are a trivia host. {sentence}"), "PL504") == []


# --- PL505 ----------------------------------------------------------------------------------------


def test_pl505_named_value_a_number_cannot_hold(tmp_path: Path) -> None:
    text = native(EXTRACT + ' If no total is printed, reply exactly "UNKNOWN".', schema({"total": {"type": "number"}}))
    results = lint(tmp_path, text, "PL502,PL505", "a.prompt.yaml")
    assert places(results) == [("PL505", *at(text, "UNKNOWN"))]  # PL502 leaves the contradicted schema to PL505
    assert results[0].related[0].message == "'total' is defined here"


def test_pl505_null_needs_a_nullable_field(tmp_path: Path) -> None:
    prose = EXTRACT + " If the total is missing, return null."
    assert rules(tmp_path, native(prose, schema({"total": {"type": "number"}})), "PL505") == ["PL505"]
    assert rules(tmp_path, native(prose, schema({"total": {"type": ["number", "null"]}})), "PL505") == []


def test_pl505_enum_or_string_that_holds_it_is_quiet(tmp_path: Path) -> None:
    prose = "Classify the ticket. If you cannot tell, reply \"UNKNOWN\"."
    assert rules(tmp_path, native(prose, schema({"urgency": {"enum": ["low", "high", "unknown"]}})), "PL505") == []
    assert rules(tmp_path, native(prose, schema({"urgency": {"enum": ["low", "high"]}})), "PL505") == ["PL505"]
    assert rules(tmp_path, native(prose, schema({"urgency": {"type": "string"}})), "PL505") == []


def test_pl505_named_field_is_the_one_checked(tmp_path: Path) -> None:
    prose = EXTRACT + " If the due date is not printed, set due_date to \"N/A\"."
    fields = {"due_date": {"type": "string", "format": "date", "enum": ["2026-01-01"]}, "note": {"type": "string"}}
    assert rules(tmp_path, native(prose, schema(fields)), "PL505") == ["PL505"]


# --- PL506 ----------------------------------------------------------------------------------------


def test_pl506_prose_only_with_json_mode(tmp_path: Path) -> None:
    body = {"model": "gpt-4o", "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": "Tag the e-mail as JSON. If you are unsure, say so."}]}
    results = lint(tmp_path, json.dumps(body, indent=2), "PL506", "request.json")
    assert [result.rule_id for result in results] == ["PL506"]
    assert results[0].related[0].message == "JSON mode set here"


def test_pl506_quiet_with_a_channel_or_without_structure(tmp_path: Path) -> None:
    prose = "Write a title for the notes as JSON. If you are unsure, say so."
    assert rules(tmp_path, native(prose, schema({"title": {"type": "string"}, "status": {"enum": ["ok", "unclear"]}})),
                 "PL506") == []
    assert rules(tmp_path, native(prose), "PL506") == []


def test_pl506_tools_of_a_grounded_task(tmp_path: Path) -> None:
    tool = ("tools:\n  - type: function\n    function:\n      name: search_docs\n"
            "      description: Searches the help centre.\n      parameters: {type: object, properties: {}}\n")
    text = native(f"{RAG} If the documents do not cover it, say you don't know.", tool)
    assert rules(tmp_path, text, "PL506") == ["PL506"]


# --- the analysis --------------------------------------------------------------------------------


def test_the_analysis_is_built_once_per_document(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.yaml"
    path.write_text(native(RAG + " If unsure, ask."), "utf-8")
    document = read_document(path, "a.prompt.yaml")
    assert document is not None
    first = abstention(document)
    assert abstention(document) is first
    assert first.grounded and first.prose[0].phrase == "If unsure"
