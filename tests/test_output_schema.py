"""Output schemas and JSON mode (PL240-PL242) in native, Dotprompt, Prompty and OpenAI request files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Result
from promptlint.registry import load_rules

RULES = load_rules()


def lint(tmp_path: Path, data: Any, name: str, select: str = "PL24") -> list[Result]:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
    report = lint_paths([path], select_rules(RULES, Config(root=tmp_path, select=[select])))
    assert not report.errors, report.errors
    return report.results


def native(system: str, output: str, extra: str = "") -> str:
    return (f"id: t\nversion: 1.0.0\n{extra}messages:\n  - role: system\n    content: {json.dumps(system)}\n"
            f"output:\n{output}")


SCHEMA = "  schema:\n    type: object\n    properties:\n      summary: {type: string, description: Two sentences}\n" \
         "    required: [summary]\n"


def request(content: str, response_format: dict[str, Any], key: str = "response_format") -> dict[str, Any]:
    body: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "system", "content": content}]}
    if key == "text":
        body["text"] = {"format": response_format}
    else:
        body[key] = response_format
    return body


# --- PL240 ----------------------------------------------------------------------------------------


def test_pl240_native_output_schema_at_its_key(tmp_path: Path) -> None:
    text = native("Return JSON.", "  schema:\n    type: object\n    required: summary\n")
    results = lint(tmp_path, text, "a.prompt.yaml", "PL240")
    assert [(result.location.start_line, result.location.start_column) for result in results] == [(9, 5)]
    assert "/required" in results[0].message


def test_pl240_request_schemas_chat_and_responses(tmp_path: Path) -> None:
    bad = {"type": "object", "properties": {"a": {"type": "text"}}}
    chat = request("JSON", {"type": "json_schema", "json_schema": {"name": "x", "schema": bad}})
    assert len(lint(tmp_path, chat, "chat.json", "PL240")) == 1
    responses = request("JSON", {"type": "json_schema", "name": "x", "schema": bad}, key="text")
    assert len(lint(tmp_path, responses, "responses.json", "PL240")) == 1


def test_pl240_dotprompt_json_schema_is_checked_and_picoschema_is_not(tmp_path: Path) -> None:
    json_schema = "---\noutput:\n  schema:\n    type: object\n    properties:\n      a: {type: strng}\n---\nHi\n"
    assert len(lint(tmp_path, json_schema, "a.prompt", "PL240")) == 1
    pico = "---\noutput:\n  format: json\n  schema:\n    title: string, the title\n    tags(array): string\n---\nHi\n"
    assert lint(tmp_path, pico, "b.prompt", "PL24") == []


@pytest.mark.parametrize("schema", ["  schema: {}\n", "  schema: {$schema: 'http://json-schema.org/draft-07/schema#'}\n"])
def test_pl240_minimal_schemas_are_valid(tmp_path: Path, schema: str) -> None:
    assert lint(tmp_path, native("Return JSON.", schema), "a.prompt.yaml") == []


# --- PL241 ----------------------------------------------------------------------------------------


def test_pl241_json_object_without_the_word(tmp_path: Path) -> None:
    bad = request("Extract the fields.", {"type": "json_object"})
    results = lint(tmp_path, bad, "a.json", "PL241")
    assert len(results) == 1 and results[0].location.start_line == 10  # the "json_object" value
    assert lint(tmp_path, request("Extract the fields as json.", {"type": "json_object"}), "b.json", "PL241") == []
    assert lint(tmp_path, request("Extract.", {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}),
                "c.json", "PL241") == []
    responses = request("Extract the fields.", {"type": "json_object"}, key="text")
    assert len(lint(tmp_path, responses, "d.json", "PL241")) == 1


def test_pl241_native_format_json_and_template_text(tmp_path: Path) -> None:
    variables = "variables:\n  json_hint: {trust: trusted}\n"
    text = native("Extract the fields. {{ json_hint }}", "  format: json\n", variables)
    assert len(lint(tmp_path, text, "a.prompt.yaml", "PL241")) == 1  # a variable that might say it does not count
    assert lint(tmp_path, native("Extract the fields as JSON.", "  format: json\n"), "b.prompt.yaml", "PL241") == []
    assert lint(tmp_path, native("Extract the fields.", "  format: json\n" + SCHEMA), "c.prompt.yaml", "PL241") == []
    layered = native("Extract the fields.", "  format: json\n", "extends: ./base.prompt.yaml\n")
    assert lint(tmp_path, layered, "d.prompt.yaml", "PL241") == []


def test_pl241_prompty_response_format(tmp_path: Path) -> None:
    prompty = ("---\nname: t\nmodel:\n  api: chat\n  parameters:\n    response_format:\n      type: json_object\n"
               "---\nsystem:\nExtract the fields.\n")
    assert len(lint(tmp_path, prompty, "a.prompty", "PL241")) == 1
    assert lint(tmp_path, prompty.replace("fields.", "fields as JSON."), "b.prompty", "PL241") == []


# --- PL242 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sentence", [
    "Respond in Markdown.",
    "Reply only in plain text.",
    "Return it as XML.",
    "Your answer must be formatted as a bulleted list.",
    "Output as CSV.",
])
def test_pl242_format_directives(tmp_path: Path, sentence: str) -> None:
    results = lint(tmp_path, native(sentence, SCHEMA), "a.prompt.yaml", "PL242")
    assert len(results) == 1 and results[0].related


@pytest.mark.parametrize("sentence", [
    "Do not respond in Markdown.",
    "Never reply in plain text.",
    "Write the `summary` field in Markdown.",
    "Return the summary in the JSON, in plain text.",
    "Respond in JSON.",
    "Answer in English.",
])
def test_pl242_quiet(tmp_path: Path, sentence: str) -> None:
    assert lint(tmp_path, native(sentence, SCHEMA), "a.prompt.yaml", "PL242") == []


def test_pl242_no_schema_no_json_mode_no_finding(tmp_path: Path) -> None:
    assert lint(tmp_path, native("Respond in Markdown.", "  format: text\n"), "a.prompt.yaml", "PL242") == []


def test_pl242_field_names_and_omitted_properties(tmp_path: Path) -> None:
    variables = "variables:\n  ticket: {trust: trusted}\n"
    text = native("Put the mood in the `sentiment` field of the output. Do not include \"summary\" in the reply. "
                  "Read the 'ticket' field of the input and return the answer.", SCHEMA, variables)
    results = lint(tmp_path, text, "a.prompt.yaml", "PL242")
    assert [result.message.split("'")[1] for result in results] == ["sentiment", "summary"]
    assert results[1].related[0].message == "'summary' is required here"
    optional = SCHEMA.replace("required: [summary]", "required: []")
    assert lint(tmp_path, native("Omit \"summary\" when unsure; respond with JSON.", optional),
                "b.prompt.yaml", "PL242") == []


def test_pl242_json_mode_in_a_request(tmp_path: Path) -> None:
    body = request("Classify as JSON. Answer in plain text if unsure.", {"type": "json_object"})
    results = lint(tmp_path, body, "a.json", "PL242")
    assert len(results) == 1 and "plain text" in results[0].message
