"""Declarative rules: selectors over real documents of each format and tool provider, message
placeholders, `not` exceptions, spans, and the load-time validation of definitions."""

from __future__ import annotations

import copy
import io
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from promptlint import tool_schema
from promptlint.context import CheckContext
from promptlint.declarative import (
    COMMON_PLACEHOLDERS,
    PLACEHOLDERS,
    DefinitionError,
    declarative_check,
    placeholders,
    render,
    validate_definition,
)
from promptlint.findings import Finding
from promptlint.formats import read_document
from promptlint.model import Document
from promptlint.registry import Rule, rule_from_mapping
from promptlint.selectors import SELECTORS, VALUES, SelectorError, parse_selector, select, selector_values

MARK = r"MARK [\w-]+"

# One parameters schema using every construct the parameter walk follows.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "MARK city"},
        "address": {
            "type": "object",
            "description": "MARK address",
            "properties": {"street": {"type": "string", "description": "MARK street"}},
        },
        "tags": {"type": "array", "items": {"type": "string", "description": "MARK tag"}},
        "stops": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string", "description": "MARK stop-name"}}}},
        "when": {"anyOf": [{"type": "string", "description": "MARK when-text"}, {"type": "null"}]},
        "pay": {"oneOf": [{"$ref": "#/$defs/Card"}, {"$ref": "#/definitions/Cash"}]},
        "extra": {"allOf": [{"properties": {"note": {"type": "string", "description": "MARK note"}}}]},
        "flag": True,  # a boolean schema has nothing to describe
        "plain": {"type": "integer"},
    },
    "$defs": {
        "Card": {"type": "object", "description": "MARK card",
                 "properties": {"number": {"type": "string", "description": "MARK number"}}},
        "Unused": {"description": "MARK unused"},
    },
    "definitions": {"Cash": {"description": "MARK cash"}},
}
PARAMETERS = [
    ("city", "MARK city"), ("address", "MARK address"), ("street", "MARK street"), ("tags", "MARK tag"),
    ("name", "MARK stop-name"), ("when", "MARK when-text"), ("pay", "MARK card"), ("number", "MARK number"),
    ("pay", "MARK cash"), ("note", "MARK note"),
]


def _dump_yaml(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # keep source order, which findings follow
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def _tool(provider: str, name: str = "book_trip", description: str = "Books a trip. MARK tool-description",
          schema: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = SCHEMA if schema is None else schema
    if provider == "openai":
        return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}
    if provider == "openai-flat":
        return {"type": "function", "name": name, "description": description, "parameters": schema}
    if provider == "legacy":
        return {"name": name, "description": description, "parameters": schema}
    if provider == "anthropic":
        return {"name": name, "description": description, "input_schema": schema}
    return {"name": name, "description": description, "inputSchema": schema}


# (file name, provider of the tools, the file's content) for each tool shape
def tool_files(schema: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    return [
        ("openai.json", "openai", json.dumps({"tools": [_tool("openai", schema=schema)]}, indent=2)),
        ("responses.json", "openai", json.dumps([_tool("openai-flat", schema=schema)], indent=2)),
        ("legacy.json", "openai", json.dumps({"functions": [_tool("legacy", schema=schema)]}, indent=2)),
        ("anthropic.yaml", "anthropic", _dump_yaml([_tool("anthropic", schema=schema)])),
        ("mcp.json", "mcp", json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"tools": [_tool("mcp", schema=schema)]}},
                                       indent=2)),
    ]


PROVIDER_FILES = [pytest.param(name, provider, content, id=name) for name, provider, content in tool_files()]

NATIVE = """\
id: demo.prompt
version: 1.0.0
description: Demonstrates selectors. MARK metadata
messages:
  - role: system
    content: |
      You are helpful.
      MARK system-block
  - role: developer
    content: "MARK developer"
  - role: user
    content: "Question:\\t MARK user"
  - role: assistant
    content: MARK assistant
tools:
  - name: lookup
    description: MARK native-tool
    parameters: {type: object, properties: {q: {type: string, description: MARK q}}}
"""


def write(tmp_path: Path, name: str, content: str, valid: bool = True) -> Document:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    document = read_document(path, name)
    assert document is not None, name
    assert (document.problems == []) == valid, document.problems
    return document


def definition(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "XX101", "name": "marked-text", "family": "injection", "severity": "warning",
        "summary": "Marked text {not a placeholder}.", "description": "Finds MARK.",
        "fix-hint": "Remove the mark.\nSecond line of the fix.",
        "given": "text", "match": {"any": [{"id": "mark", "regex": MARK}]}, "message": "{match}",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_rule(**overrides: Any) -> Rule:
    data = definition(**overrides)
    validate_definition(data, "test")  # as the registry does on load
    return rule_from_mapping(data, "test")


def lint(document: Document, **overrides: Any) -> list[Finding]:
    rule = make_rule(**overrides)
    findings = list(declarative_check(document, CheckContext(rule, {})))
    for finding in findings:
        assert finding.rule_id == "XX101"
    return findings


def spanned(document: Document, finding: Finding) -> str:
    return document.source.text[finding.span.start:finding.span.end]


def matched(document: Document, findings: list[Finding]) -> list[str]:
    """The source text under each finding, checked to equal what the message quotes."""
    texts = [spanned(document, finding) for finding in findings]
    assert texts == [finding.message.rsplit("|", 1)[-1] for finding in findings]
    return texts


# -- the defect: dotted placeholders went through str.format_map -------------------------

def test_dotted_placeholders_render_instead_of_raising(tmp_path: Path) -> None:
    document = write(tmp_path, "tools.json", tool_files()[0][2])
    findings = lint(document, given="tool.description", message="tool '{tool.name}' says '{match}'")
    assert [finding.message for finding in findings] == ["tool 'book_trip' says 'MARK tool-description'"]


# -- selectors over each format and provider -----------------------------------------------

def test_message_text_selects_every_message(tmp_path: Path) -> None:
    document = write(tmp_path, "demo.prompt.yaml", NATIVE)
    findings = lint(document, given="message.text", message="{role}|{match}")
    assert [finding.message.split("|")[0] for finding in findings] == ["system", "developer", "user", "assistant"]
    assert matched(document, findings) == ["MARK system-block", "MARK developer", "MARK user", "MARK assistant"]
    system = findings[0].span
    assert (system.start_line, system.start_column, system.end_line, system.end_column) == (8, 7, 8, 24)


def test_message_role_filter(tmp_path: Path) -> None:
    document = write(tmp_path, "demo.prompt.yaml", NATIVE)
    findings = lint(document, given="message[role=system|developer].text", message="{role}|{match}")
    assert [finding.message for finding in findings] == ["system|MARK system-block", "developer|MARK developer"]
    assert lint(document, given="message[role=user].text", message="{role}|{match}")[0].message == "user|MARK user"


def test_message_text_in_chat_json_keeps_spans_past_escapes(tmp_path: Path) -> None:
    content = '[\n  {"role": "system", "content": "Tab\\there \\u00e9 then MARK chat-json"}\n]\n'
    document = write(tmp_path, "chat.json", content)
    findings = lint(document, given="message.text", message="{role}|{match}")
    assert matched(document, findings) == ["MARK chat-json"]
    assert findings[0].message == "system|MARK chat-json"


def test_markdown_body_and_front_matter_description(tmp_path: Path) -> None:
    content = "---\ndescription: Reviews code. MARK md-description\n---\nYou review code.\nMARK md-body\n"
    document = write(tmp_path, ".github/agents/review.agent.md", content)
    assert matched(document, lint(document, given="metadata.description")) == ["MARK md-description"]
    assert matched(document, lint(document, given="message.text")) == ["MARK md-body"]


@pytest.mark.parametrize(("name", "provider", "content"), PROVIDER_FILES)
def test_tool_name(tmp_path: Path, name: str, provider: str, content: str) -> None:
    document = write(tmp_path, name, content)
    assert [tool.provider for tool in document.tools] == [provider]
    findings = lint(document, given="tool.name", match={"any": [{"regex": r"\w+_\w+"}]},
                    message="{tool.name}|{match}")
    assert matched(document, findings) == ["book_trip"]
    assert findings[0].message == "book_trip|book_trip"


@pytest.mark.parametrize(("name", "provider", "content"), PROVIDER_FILES)
def test_tool_description(tmp_path: Path, name: str, provider: str, content: str) -> None:
    document = write(tmp_path, name, content)
    findings = lint(document, given="tool.description", message="{tool.name}|{match}")
    assert matched(document, findings) == ["MARK tool-description"]
    assert findings[0].message.startswith("book_trip|")


@pytest.mark.parametrize(("name", "provider", "content"), PROVIDER_FILES)
def test_tool_parameter_description(tmp_path: Path, name: str, provider: str, content: str) -> None:
    document = write(tmp_path, name, content)
    findings = lint(document, given="tool.parameter.description", message="{tool.name}|{parameter.name}|{match}")
    assert [tuple(finding.message.split("|")[1:]) for finding in findings] == PARAMETERS
    assert {finding.message.split("|")[0] for finding in findings} == {"book_trip"}
    assert matched(document, findings) == [description for _, description in PARAMETERS]


@pytest.mark.parametrize(("name", "provider", "content"), PROVIDER_FILES)
def test_tool_provider_filter(tmp_path: Path, name: str, provider: str, content: str) -> None:
    document = write(tmp_path, name, content)
    for each in ("openai", "anthropic", "mcp"):
        findings = lint(document, given=f"tool[provider={each}].description")
        assert len(findings) == (each == provider)
    assert len(lint(document, given="tool[provider=mcp|anthropic|openai].description")) == 1
    assert len(lint(document, given="tool[name=book_trip].description")) == 1
    assert lint(document, given="tool[name=other].description") == []


def test_native_tools_metadata_and_text(tmp_path: Path) -> None:
    document = write(tmp_path, "demo.prompt.yaml", NATIVE)
    assert matched(document, lint(document, given="metadata.description")) == ["MARK metadata"]
    assert matched(document, lint(document, given="tool.description")) == ["MARK native-tool"]
    parameters = lint(document, given="tool.parameter.description", message="{parameter.name}|{match}")
    assert [finding.message for finding in parameters] == ["q|MARK q"]
    # `text` is every selector in turn
    assert matched(document, lint(document, given="text")) == [
        "MARK system-block", "MARK developer", "MARK user", "MARK assistant", "MARK native-tool", "MARK q",
        "MARK metadata"]
    both = lint(document, given=["metadata.description", "tool.description"])
    assert matched(document, both) == ["MARK metadata", "MARK native-tool"]


def test_documents_without_the_selected_elements(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.json", '[{"role": "user", "content": "MARK only-message"}]')
    for selector in SELECTORS[1:-1]:
        assert lint(chat, given=selector) == []
    tools = write(tmp_path, "tools.json", json.dumps([{"name": "bare", "inputSchema": {"type": "object"}},
                                                      {"name": 5, "description": 7, "inputSchema": {}}]))
    assert lint(tools, given="message.text") == []
    assert lint(tools, given="metadata.description") == []
    assert lint(tools, given="tool.description") == []
    assert lint(tools, given="tool.parameter.description") == []
    assert lint(tools, given="tool.name", match={"any": [{"regex": "bare|5"}]}) != []
    numbered = write(tmp_path, "numbered.prompt.yaml", "id: x\ndescription: 5\nmessages: [{role: user, content: x}]\n",
                     valid=False)  # a schema problem, but the document is still read
    assert lint(numbered, given="metadata.description", match={"any": [{"regex": "5"}]}) == []


def test_referenced_native_tool_has_no_texts(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text("[]")
    document = write(tmp_path, "ref.prompt.yaml",
                     "id: x\nmessages: [{role: user, content: hi}]\ntools:\n  - $ref: other.json\n")
    assert document.tools[0].ref == "other.json"
    for selector in ("tool.name", "tool.description", "tool.parameter.description"):
        assert lint(document, given=selector, match={"any": [{"regex": ".+"}]}) == []


@pytest.mark.parametrize(("name", "provider", "content"), PROVIDER_FILES)
def test_targets_carry_exactly_the_documented_values(tmp_path: Path, name: str, provider: str, content: str) -> None:
    documents = [write(tmp_path, name, content), write(tmp_path, "demo.prompt.yaml", NATIVE)]
    for document in documents:
        for selector in SELECTORS[:-1]:
            targets = list(select(document, selector))
            assert targets or selector.startswith(("message", "metadata")), selector
            for target in targets:
                assert set(target.values) == set(VALUES[selector]), selector


# -- the parameter walk ---------------------------------------------------------------------

def parameter_findings(tmp_path: Path, schema: dict[str, Any]) -> list[str]:
    document = write(tmp_path, "tools.json", json.dumps([_tool("mcp", schema=schema)], indent=1))
    findings = lint(document, given="tool.parameter.description", message="{parameter.name}|{match}")
    matched(document, findings)
    return [finding.message for finding in findings]


def test_self_referencing_schema_terminates(tmp_path: Path) -> None:
    schema = {
        "$defs": {"Node": {"type": "object", "description": "MARK node", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
            "loop": {"$ref": "#/$defs/Loop"},
            "root": {"$ref": "#"}}},
            "Loop": {"anyOf": [{"$ref": "#/$defs/Loop"}, {"description": "MARK loop"}]}},
        "properties": {"tree": {"$ref": "#/$defs/Node"}},
    }
    assert parameter_findings(tmp_path, schema) == ["tree|MARK node", "loop|MARK loop"]


def test_shared_definition_is_reported_once(tmp_path: Path) -> None:
    schema = {"$defs": {"Place": {"description": "MARK place"}},
              "properties": {"origin": {"$ref": "#/$defs/Place"}, "destination": {"$ref": "#/$defs/Place",
                                                                                  "description": "MARK dest"}}}
    assert parameter_findings(tmp_path, schema) == ["origin|MARK place", "destination|MARK dest"]


def test_references_follow_local_json_pointers_only(tmp_path: Path) -> None:
    schema = {
        "$defs": {"a/b": {"description": "MARK slash"}, "t~x": {"description": "MARK tilde"},
                  "sp ace": {"description": "MARK percent"},
                  "list": [{"description": "MARK first"}, {"description": "MARK second"}]},
        "properties": {
            "slash": {"$ref": "#/$defs/a~1b"}, "tilde": {"$ref": "#/$defs/t~0x"},
            "percent": {"$ref": "#/$defs/sp%20ace"}, "indexed": {"$ref": "#/$defs/list/1"},
            "remote": {"$ref": "other.json#/$defs/a~1b"}, "missing": {"$ref": "#/$defs/Nope"},
            "past": {"$ref": "#/$defs/list/9"}, "word": {"$ref": "#/$defs/list/x"},
            "digits": {"$ref": "#/$defs/list/\u00b2"}, "number": {"$ref": 5},
        },
    }
    assert parameter_findings(tmp_path, schema) == [
        "slash|MARK slash", "tilde|MARK tilde", "percent|MARK percent", "indexed|MARK second"]


def test_root_composition_and_tuple_items(tmp_path: Path) -> None:
    schema = {
        "$ref": "#/$defs/Args",
        "$defs": {"Args": {"properties": {"query": {"description": "MARK query"}}}},
        "anyOf": [{"properties": {"limit": {"description": "MARK limit"}}}],
        "properties": {"pair": {"type": "array",
                                "items": [{"description": "MARK left"}, {"description": "MARK right"}]}},
    }
    assert parameter_findings(tmp_path, schema) == [
        "pair|MARK left", "pair|MARK right", "query|MARK query", "limit|MARK limit"]


def test_schema_depth_is_bounded(tmp_path: Path) -> None:
    schema: dict[str, Any] = {"type": "object"}
    innermost = schema
    for level in range(70):
        child: dict[str, Any] = {"description": f"MARK d{level}"}
        innermost["properties"] = {f"p{level}": child}
        innermost = child
    found = parameter_findings(tmp_path, schema)
    assert len(found) == tool_schema.MAX_SCHEMA_DEPTH
    assert found[0] == "p0|MARK d0"


# -- messages -----------------------------------------------------------------------------

def test_every_placeholder_renders(tmp_path: Path) -> None:
    document = write(tmp_path, "tools.json", tool_files()[0][2])
    findings = lint(document, given="tool.parameter.description",
                    message="{path} {tool.name} {parameter.name} {pattern.id} {fix.first-line} {{literal}}|{match}")
    assert findings[0].message == "tools.json book_trip city mark Remove the mark. {literal}|MARK city"
    prompt = write(tmp_path, "demo.prompt.yaml", NATIVE)
    findings = lint(prompt, given="message.text", message="{role} in {path}: {{ {match} }}")
    assert findings[0].message == "system in demo.prompt.yaml: { MARK system-block }"


def test_pattern_id_names_the_pattern_that_matched(tmp_path: Path) -> None:
    document = write(tmp_path, "demo.prompt.yaml", NATIVE)
    findings = lint(document, given="message.text", message="{pattern.id}|{match}",
                    match={"any": [{"id": "user-mark", "regex": "MARK user"},
                                   {"id": "any-mark", "regex": "MARK as\\w+"}]})
    assert [finding.message for finding in findings] == ["user-mark|MARK user", "any-mark|MARK assistant"]


def test_match_is_quoted_up_to_80_characters(tmp_path: Path) -> None:
    long = "MARK " + "x" * 100
    document = write(tmp_path, "chat.json", json.dumps([{"role": "user", "content": long}]))
    finding = lint(document, given="message.text", match={"any": [{"regex": "MARK x+"}]})[0]
    assert finding.message == long[:80]
    assert spanned(document, finding) == long


def test_without_a_message_the_summary_is_used_verbatim(tmp_path: Path) -> None:
    document = write(tmp_path, "demo.prompt.yaml", NATIVE)
    findings = lint(document, given="metadata.description", message=None)
    assert [finding.message for finding in findings] == ["Marked text {not a placeholder}."]


def test_render_and_placeholders() -> None:
    assert render("{a} {{b}} {c.d-e_f} }{", {"a": "1", "c.d-e_f": "2"}) == "1 {b} 2 }{"
    assert render("{unknown} {Upper} { a }", {"a": "1"}) == "{unknown} {Upper} { a }"
    assert placeholders("{a} {{b}} {c.d}}}") == ["a", "c.d"]
    for stray in ("{", "}", "{Upper}", "{ a }", "{a}}", "{{a}"):
        with pytest.raises(ValueError, match="stray"):
            placeholders(stray)


# -- not: exceptions ------------------------------------------------------------------------

EXCEPTIONS = """\
id: demo.exceptions
messages:
  - role: system
    content: |
      MARK one
      Example: MARK two
      MARK three
  - role: user
    content: |
      MARK four
      lint-ok
"""


def test_line_scope_exception(tmp_path: Path) -> None:
    document = write(tmp_path, "exceptions.prompt.yaml", EXCEPTIONS)
    for exception in ({"regex": "(?i)^example:", "scope": "line"}, {"regex": "(?i)^example:"}):  # line: the default
        findings = lint(document, given="message.text", match={"any": [{"regex": MARK}], "not": [exception]})
        assert matched(document, findings) == ["MARK one", "MARK three", "MARK four"]


def test_text_scope_exception(tmp_path: Path) -> None:
    document = write(tmp_path, "exceptions.prompt.yaml", EXCEPTIONS)
    findings = lint(document, given="message.text",
                    match={"any": [{"regex": MARK}], "not": [{"id": "ok", "regex": "^lint-ok$", "scope": "text"}]})
    assert matched(document, findings) == ["MARK one", "MARK two", "MARK three"]
    line_only = lint(document, given="message.text", match={"any": [{"regex": MARK}], "not": [{"regex": "^lint-ok$"}]})
    assert len(line_only) == 4


def test_line_scope_covers_every_line_of_a_multiline_match(tmp_path: Path) -> None:
    document = write(tmp_path, "exceptions.prompt.yaml", EXCEPTIONS)
    findings = lint(document, given="message[role=system].text",
                    match={"any": [{"regex": r"MARK one\nExample"}], "not": [{"regex": "two$"}]})
    assert findings == []
    findings = lint(document, given="message[role=system].text", message="{pattern.id}",
                    match={"any": [{"id": "two-lines", "regex": r"MARK one\nExample"}], "not": [{"regex": "three"}]})
    assert [finding.message for finding in findings] == ["two-lines"]
    assert (findings[0].span.start_line, findings[0].span.end_line) == (5, 6)


def test_empty_match_has_an_empty_span(tmp_path: Path) -> None:
    document = write(tmp_path, "chat.json", '[{"role": "user", "content": ""}]')
    findings = lint(document, given="message.text", match={"any": [{"id": "empty", "regex": r"\A\s*\Z"}]},
                    message="the {role} message is empty ({pattern.id})")
    assert [finding.message for finding in findings] == ["the user message is empty (empty)"]
    assert findings[0].span.start == findings[0].span.end


def test_unicode_property_classes(tmp_path: Path) -> None:
    document = write(tmp_path, "chat.json", json.dumps([{"role": "user", "content": "a\u200bb"}]))
    findings = lint(document, given="message.text", match={"any": [{"regex": r"\p{Cf}"}]})
    assert [finding.message for finding in findings] == ["\u200b"]
    assert findings[0].span.start_column == 32  # where the `\u200b` escape starts
    assert spanned(document, findings[0]).startswith("\\")


# -- selectors and the placeholder table ----------------------------------------------------

def test_placeholder_table() -> None:
    assert set(PLACEHOLDERS) == set(SELECTORS)
    assert PLACEHOLDERS["message.text"] == ("role", *COMMON_PLACEHOLDERS)
    assert PLACEHOLDERS["tool.name"] == PLACEHOLDERS["tool.description"] == ("tool.name", *COMMON_PLACEHOLDERS)
    assert PLACEHOLDERS["tool.parameter.description"] == ("tool.name", "parameter.name", *COMMON_PLACEHOLDERS)
    assert PLACEHOLDERS["metadata.description"] == PLACEHOLDERS["text"] == COMMON_PLACEHOLDERS
    assert COMMON_PLACEHOLDERS == ("match", "pattern.id", "fix.first-line", "path")
    assert selector_values("message[role=system|developer].text") == ("role",)
    assert selector_values("tool[provider=mcp].parameter.description") == ("tool.name", "parameter.name")


@pytest.mark.parametrize("selector", [
    "message.text", "message[role=system|developer].text", "tool.name", "tool[provider=mcp].description",
    "tool[name=get_weather].parameter.description", "metadata.description", "text",
])
def test_known_selectors_parse(selector: str) -> None:
    parse_selector(selector)


@pytest.mark.parametrize(("selector", "error"), [
    ("message", "unknown selector"), ("message.role", "unknown selector"), ("Message.text", "not a selector"),
    ("tool.parameter", "unknown selector"), ("message[role=].text", "not a selector"),
    ("message[index=1].text", "cannot filter on 'index'; message filters on role"),
    ("tool[role=x].name", "cannot filter on 'role'; tool filters on provider, name"),
    ("text[role=system]", "cannot filter on 'role'$"), ("metadata[id=x].description", "cannot filter on 'id'$"),
])
def test_bad_selectors(selector: str, error: str) -> None:
    with pytest.raises(SelectorError, match=error.replace("[", r"\[")):
        parse_selector(selector)


# -- load-time validation -------------------------------------------------------------------

def test_valid_definitions_pass() -> None:
    for selector, available in PLACEHOLDERS.items():
        message = " ".join("{" + name + "}" for name in available) + " {{braces}}"
        validate_definition(definition(given=[selector], message=message), "test")
    validate_definition(definition(match={"any": [{"regex": "x"}], "not": []}, message=None), "test")
    validate_definition(definition(match={"any": [{"id": "a-1", "regex": "x"}],
                                          "not": [{"id": "b", "regex": "y", "scope": "text"}]}), "test")
    validate_definition({"id": "XX102", "check": "module:function", "message": "{anything"}, "test")  # not ours


def test_every_shipped_rule_validates(repository: Path) -> None:
    yaml = YAML(typ="safe", pure=True)
    for path in sorted((repository / "rules").glob("*.yaml")):
        validate_definition(yaml.load(path.read_text("utf-8")), f"rules/{path.name}")


def _without(key: str) -> dict[str, Any]:
    match = copy.deepcopy(definition()["match"])
    del match[key]
    return match


INVALID = [
    # given
    ({"given": None}, "given", "None must be a selector"),
    ({"given": []}, "given", r"\[\] must be a selector or a non-empty list"),
    ({"given": {"message": "text"}}, "given", "must be a selector"),
    ({"given": ["message.text", "tool.title"]}, "given", "unknown selector 'tool.title'"),
    ({"given": "message[index=1].text"}, "given", "cannot filter on 'index'"),
    ({"given": [5]}, "given", "'5' is not a selector"),
    # match
    ({"match": [{"regex": "x"}]}, "match", "must be a mapping with 'any'"),
    ({"match": {"any": [{"regex": "x"}], "all": []}}, "match", "unknown key\\(s\\) all; known: any, not"),
    ({"match": _without("any")}, "match.any", "None must be a non-empty list"),
    ({"match": {"any": []}}, "match.any", "must be a non-empty list"),
    ({"match": {"any": {"regex": "x"}}}, "match.any", "must be a non-empty list"),
    ({"match": {"any": [{"regex": "x"}], "not": None}}, "match.not", "None must be a list"),
    ({"match": {"any": [{"regex": "x"}], "not": {"regex": "y"}}}, "match.not", "must be a list"),
    # patterns
    ({"match": {"any": ["x"]}}, "match.any[0]", "'x' must be a mapping with 'regex'"),
    ({"match": {"any": [{"regex": "x", "scope": "line"}]}}, "match.any[0]",
     "unknown key\\(s\\) scope; known: id, regex"),
    ({"match": {"any": [{"regex": "x"}], "not": [{"regex": "y", "flags": "i"}]}}, "match.not[0]",
     "unknown key\\(s\\) flags; known: id, regex, scope"),
    ({"match": {"any": [{"regex": "x"}, {"id": "no-regex"}]}}, "match.any[1].regex",
     "None must be a regular expression"),
    ({"match": {"any": [{"regex": 5}]}}, "match.any[0].regex", "5 must be a regular expression"),
    ({"match": {"any": [{"regex": "(unclosed"}]}}, "match.any[0].regex", "'\\(unclosed' does not compile: missing \\)"),
    ({"match": {"any": [{"regex": r"\p{Nope}"}]}}, "match.any[0].regex", "does not compile: unknown property"),
    ({"match": {"any": [{"regex": "x"}], "not": [{"regex": "[z"}]}}, "match.not[0].regex", "does not compile"),
    ({"match": {"any": [{"id": "Not_Kebab", "regex": "x"}]}}, "match.any[0].id", "'Not_Kebab' must be kebab-case"),
    ({"match": {"any": [{"id": 5, "regex": "x"}]}}, "match.any[0].id", "5 must be kebab-case"),
    ({"match": {"any": [{"regex": "x"}], "not": [{"regex": "y", "scope": "file"}]}}, "match.not[0].scope",
     "'file' must be one of line, text"),
    # message
    ({"message": 5}, "message", "5 must be a string"),
    ({"message": "a {match"}, "message", "stray '\\{' at character 3"),
    ({"message": "{Match}"}, "message", "stray"),
    ({"message": "{unknown}"}, "message", "uses \\{unknown\\}, which selector 'text' does not provide"),
    ({"given": "text", "message": "{role}"}, "message", "uses \\{role\\}, which selector 'text' does not provide"),
    ({"given": ["message.text", "tool.description"], "message": "{role}"}, "message",
     "uses \\{role\\}, which selector 'tool.description' does not provide; available: \\{tool.name\\}, \\{match\\}"),
    ({"given": "tool.description", "message": "{parameter.name}"}, "message", "'tool.description' does not provide"),
    ({"given": "metadata.description", "message": "{tool.name}"}, "message",
     "'metadata.description' does not provide; "
     "available: \\{match\\}, \\{pattern.id\\}, \\{fix.first-line\\}, \\{path\\}$"),
    ({"given": "message[role=system].text", "message": "{tool.name}"}, "message",
     "'message\\[role=system\\].text' does not provide"),
    ({"match": {"any": [{"id": "a", "regex": "x"}, {"regex": "y"}]}, "message": "{pattern.id}"}, "match.any[1]",
     "needs an 'id', since 'message' uses \\{pattern.id\\}"),
]


@pytest.mark.parametrize(("overrides", "key", "error"), INVALID)
def test_invalid_definitions(overrides: dict[str, Any], key: str, error: str) -> None:
    data = definition()
    data.update(overrides)
    with pytest.raises(DefinitionError, match=re.escape(f"'{key}': ") + ".*" + error) as raised:
        validate_definition(data, "rules/XX101-marked-text.yaml")
    assert isinstance(raised.value, ValueError)
    assert raised.value.key == key
    assert raised.value.origin == "rules/XX101-marked-text.yaml"
    assert "rules/XX101" not in str(raised.value)  # the registry names the file


def test_validated_rule_from_yaml_runs(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        id: XX101
        name: marked-text
        family: injection
        severity: warning
        summary: Marked text.
        description: Finds MARK.
        fix-hint: |
          Remove the mark.
        given: [tool.parameter.description]
        match:
          any: [{id: mark, regex: 'MARK \\w+'}]
          not: [{regex: '(?i)street', scope: line}]
        message: "parameter '{parameter.name}' of '{tool.name}' ({pattern.id}): {match}"
    """)
    data = YAML(typ="safe", pure=True).load(text)
    validate_definition(data, "test")
    rule = rule_from_mapping(data, "test")
    document = write(tmp_path, "tools.json", tool_files()[0][2])
    messages = [finding.message for finding in declarative_check(document, CheckContext(rule, {}))]
    assert messages[0] == "parameter 'city' of 'book_trip' (mark): MARK city"
    assert len(messages) == len(PARAMETERS) - 1


def test_a_catastrophic_pattern_times_out_as_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule pack's pattern that backtracks exponentially is stopped and reported, not a hang."""
    import time

    from promptlint import declarative

    monkeypatch.setattr(declarative, "PATTERN_TIMEOUT", 0.2)
    data = {"id": "XX102", "name": "runs-of-a", "family": "injection", "severity": "warning", "summary": "Runs.",
            "description": "d", "fix-hint": "f", "given": ["message.text"],
            "match": {"any": [{"id": "fine", "regex": "b$"}, {"id": "runs", "regex": "(a|aa)+$"},
                              {"id": "later", "regex": "^a"}]}}
    validate_definition(data, "test")
    rule = rule_from_mapping(data, "test")
    document = write(tmp_path, "p.prompt.yaml", "id: p\nversion: 1.0.0\nmessages:\n  - role: system\n"
                     f"    content: {'a' * 60}b\n")
    started = time.monotonic()
    findings = list(declarative_check(document, CheckContext(rule, {})))
    assert time.monotonic() - started < 5
    messages = [finding.message for finding in findings]
    assert messages[0] == "Runs."  # the patterns before it ran
    assert "pattern 'runs' timed out after 0.2 s" in messages[1]
    assert "backtracks catastrophically" in messages[1] and "not fully checked" in messages[1]
    assert messages[2:] == ["Runs."]  # and the ones after it too
