"""Format readers and `read_document`: recognition, messages, variables, tools, metadata, file problems."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import promptlint.formats
from promptlint.formats import read_document
from promptlint.model import Document, Message


def read(tmp_path: Path, name: str, content: str | bytes, explicit: bool = False) -> Document | None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else textwrap.dedent(content).encode("utf-8"))
    return read_document(path, name, explicit)


def document(tmp_path: Path, name: str, content: str | bytes) -> Document:
    found = read(tmp_path, name, content)
    assert found is not None
    assert found.problems == []
    return found


def word_at(message: Message, word: str) -> tuple[int, int]:
    index = message.text.value.index(word)
    span = message.text.span(index, index + len(word))
    assert message.text.source.text[span.start:span.end] == word
    return span.start_line, span.start_column


def roles(doc: Document) -> list[str]:
    return [message.role for message in doc.messages]


def uses(doc: Document) -> list[tuple[str, int, int, int | None]]:
    return [(use.name, use.span.start_line, use.span.start_column, use.message_index) for use in doc.variable_uses()]


def problems(doc: Document) -> list[tuple[str, int, int]]:
    return [(problem.message, problem.span.start_line, problem.span.start_column) for problem in doc.problems]


# --- native *.prompt.yaml -----------------------------------------------------------------

NATIVE = """\
    id: support.answer
    version: 1.2.0
    description: Answers billing questions.
    model: {name: gpt-4o, context_window: 128000}
    layer: tenant
    extends: [base.prompt.yaml]
    variables:
      question: {trust: untrusted, max_tokens: 500, description: the user's message}
      company: {trust: trusted}
      notes:
    messages:
      - role: system
        content: |
          You are the assistant of {{ company }}.
          Be brief.
          Never reveal secrets.
      - role: user
        content: "Q: {{ question }}"
    tools:
      - $ref: ../tools/search.json
      - type: function
        function:
          name: get_invoice
          description: Fetch one invoice.
          parameters: {type: object, properties: {invoice_id: {type: string}}}
    output:
      schema: {type: object}
      format: json
    """


def test_native(tmp_path: Path) -> None:
    doc = document(tmp_path, "answer.prompt.yaml", NATIVE)
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("native", "jinja", True)
    assert roles(doc) == ["system", "user"]
    system = doc.messages[0]
    assert system.text.value.splitlines()[2] == "Never reveal secrets."
    assert word_at(system, "secrets") == (16, 20)
    assert system.role_span is not None and (system.role_span.start_line, system.role_span.start_column) == (12, 11)
    assert uses(doc) == [("company", 14, 35, 0), ("question", 18, 21, 1)]
    question = doc.variables["question"]
    assert (question.trust, question.max_tokens, question.description) == ("untrusted", 500, "the user's message")
    assert (question.span.start_line, question.span.start_column) == (8, 3)
    assert doc.variables["company"].trust == "trusted"
    assert doc.variables["notes"].trust == "unknown"
    metadata = doc.metadata
    assert metadata.id is not None and metadata.id.value == "support.answer"
    assert metadata.version is not None and metadata.version.value == "1.2.0"
    assert metadata.layer is not None and metadata.layer.value == "tenant"
    assert metadata.model_name == "gpt-4o"
    assert [node.value for node in metadata.extends] == ["base.prompt.yaml"]
    assert [(tool.name, tool.provider, tool.ref) for tool in doc.tools] == [
        ("", "native", "../tools/search.json"), ("get_invoice", "openai", None)]
    invoice = doc.tools[1]
    assert invoice.parameters is not None and invoice.parameters.plain()["properties"] == {
        "invoice_id": {"type": "string"}}
    assert invoice.name_span is not None and (invoice.name_span.start_line, invoice.name_span.start_column) == (23, 13)
    assert invoice.description is not None and invoice.description.value == "Fetch one invoice."
    assert doc.output is not None and doc.output.format == "json"


def test_native_schema_violation_and_bad_template_are_problems(tmp_path: Path) -> None:
    doc = read(tmp_path, "bad.prompt.yaml", """\
        id: x
        temperature: 0.2
        messages:
          - role: user
            content: "Hi {{ name }"
        """)
    assert doc is not None and doc.format == "native"
    found = problems(doc)
    assert any("temperature" in message and line == 2 for message, line, _ in found), found
    assert any("never closed" in message and (line, column) == (5, 18) for message, line, column in found), found


def test_native_empty_and_non_mapping(tmp_path: Path) -> None:
    empty = read(tmp_path, "empty.prompt.yaml", "")
    assert empty is not None and empty.format == "native"
    assert [(m, line, column) for m, line, column in problems(empty) if "empty prompt file" in m] == [
        ("empty prompt file: a native prompt needs at least 'id' and 'messages'", 1, 1)]
    listed = read(tmp_path, "list.prompt.yaml", "- a\n- b\n")
    assert listed is not None
    assert ["must be a YAML mapping" in message for message, _, _ in problems(listed)] == [True]


def test_native_broken_yaml_is_located(tmp_path: Path) -> None:
    doc = read(tmp_path, "broken.prompt.yaml", "id: x\nmessages:\n  - role: user\n   content: hi\n")
    assert doc is not None and doc.format == "native" and doc.root is None
    assert [(line, message.startswith("YAML does not parse")) for message, line, _ in problems(doc)] == [(4, True)]


# --- Prompty -------------------------------------------------------------------------------

PROMPTY = """\
    ---
    name: Helpdesk
    description: Answers HR questions.
    model:
      id: gpt-4o
      parameters:
        tools:
          - type: function
            function: {name: lookup, parameters: {type: object}}
    inputs:
      name:
        type: string
      question:
        type: string
    ---
    system:
    You answer HR questions briefly.
    Be polite.
    Cite the handbook.

    user:
    {{question}} from {{name}}
    """


def test_prompty(tmp_path: Path) -> None:
    doc = document(tmp_path, "helpdesk.prompty", PROMPTY)
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("prompty", "jinja", True)
    assert roles(doc) == ["system", "user"]
    assert word_at(doc.messages[0], "handbook") == (19, 10)
    role_span = doc.messages[1].role_span
    assert role_span is not None and (role_span.start_line, role_span.start_column, role_span.end_column) == (21, 1, 5)
    assert uses(doc) == [("question", 22, 3, 1), ("name", 22, 21, 1)]
    assert {name: (v.span.start_line, v.span.start_column) for name, v in doc.variables.items()} == {
        "name": (11, 3), "question": (13, 3)}
    assert doc.metadata.model_name == "gpt-4o"
    assert doc.metadata.description is not None and doc.metadata.description.value == "Answers HR questions."
    assert [(tool.name, tool.provider) for tool in doc.tools] == [("lookup", "openai")]


def test_prompty_unmarked_text_is_system_and_mustache_is_handlebars(tmp_path: Path) -> None:
    doc = document(tmp_path, "m.prompty", """\
        ---
        template: {format: mustache}
        inputs: [{name: topic}]
        ---
        Talk about {{topic}}.
        assistant:
        Sure.
        """)
    assert doc.template_syntax == "handlebars"
    assert roles(doc) == ["system", "assistant"]
    assert list(doc.variables) == ["topic"]
    assert uses(doc) == [("topic", 5, 14, 0)]


def test_prompty_front_matter_problems_keep_file_lines(tmp_path: Path) -> None:
    doc = read(tmp_path, "dup.prompty", "---\nname: a\nname: b\n---\nsystem:\nhi\n")
    assert doc is not None and doc.format == "prompty"
    assert [(line, column) for message, line, column in problems(doc) if "duplicate key 'name'" in message] == [
        (3, 1)]


# --- Dotprompt -----------------------------------------------------------------------------

DOTPROMPT = """\
    # a leading comment
    ---
    model: googleai/gemini-2.0-flash
    input:
      schema:
        customer: string
        orders(array, the orders): {id: string}
      default:
        tone: friendly
    output:
      format: json
      schema: {summary: string}
    tools: [lookupOrder]
    ---
    {{role "system"}}
    You summarise orders for {{customer}}.
    Keep it short and precise.
    {{role "user"}}
    Summarise {{json orders}} in a {{tone}} tone.
    """


def test_dotprompt(tmp_path: Path) -> None:
    doc = document(tmp_path, "orders.prompt", DOTPROMPT)
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("dotprompt", "handlebars", True)
    assert roles(doc) == ["system", "user"]
    assert word_at(doc.messages[0], "precise") == (17, 19)
    assert uses(doc) == [("customer", 16, 28, 0), ("orders", 19, 18, 1), ("tone", 19, 34, 1)]
    assert {name: (v.span.start_line, v.span.start_column) for name, v in doc.variables.items()} == {
        "customer": (6, 5), "orders": (7, 5), "tone": (9, 5)}
    assert doc.metadata.model_name == "googleai/gemini-2.0-flash"
    assert [(tool.name, tool.provider) for tool in doc.tools] == [("lookupOrder", "dotprompt")]
    assert doc.output is not None and doc.output.format == "json"
    assert doc.output.schema.plain() == {"summary": "string"}


def test_dotprompt_default_role_block_role_and_model_role(tmp_path: Path) -> None:
    doc = document(tmp_path, "b.prompt",
                   '---\nmodel: x\n---\nHello {{name}}\n{{#role "model"}}Sure {{v}}{{/role}}\nTail\n')
    assert [(m.role, m.text.value) for m in doc.messages] == [
        ("user", "Hello {{name}}\n"), ("assistant", "Sure {{v}}"), ("user", "\nTail\n")]
    assert uses(doc) == [("name", 4, 9, 0), ("v", 5, 25, 1)]


def test_dotprompt_named_schema_declares_nothing(tmp_path: Path) -> None:
    doc = document(tmp_path, "n.prompt", "---\ninput:\n  schema: OrderInput\n---\nHi {{x}}\n")
    assert doc.declares_variables is False


def test_dotprompt_unclosed_front_matter(tmp_path: Path) -> None:
    doc = read(tmp_path, "u.prompt", "---\nmodel: x\nHello\n")
    assert doc is not None and doc.format == "dotprompt" and doc.messages == []
    assert [(line, "never closed" in message) for message, line, _ in problems(doc)] == [(1, True)]


# --- Markdown --------------------------------------------------------------------------------

def test_markdown_with_front_matter_and_inputs(tmp_path: Path) -> None:
    doc = document(tmp_path, "review.agent.md", """\
        ---
        name: reviewer
        description: Reviews changes.
        model: gpt-4o
        inputs:
          - name: diff
        ---
        Review this diff:
        {{ diff }}
        Be strict about tests.
        """)
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("markdown", "jinja", True)
    assert roles(doc) == ["system"]
    assert word_at(doc.messages[0], "strict") == (10, 4)
    assert uses(doc) == [("diff", 9, 4, 0)]
    assert list(doc.variables) == ["diff"]
    assert doc.metadata.id is not None and doc.metadata.id.value == "reviewer"
    assert doc.metadata.model_name == "gpt-4o"


def test_markdown_without_inputs_is_not_a_template(tmp_path: Path) -> None:
    doc = document(tmp_path, "a.agent.md", "---\nname: a\n---\nWrite `{{ literally }}` here.\n")
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("markdown", "none", False)
    assert uses(doc) == []
    assert len(doc.messages) == 1


def test_markdown_without_front_matter_is_not_a_prompt(tmp_path: Path) -> None:
    assert read(tmp_path, "README.md", "# Title\n\nSome docs {{ x }}\n") is None
    assert read(tmp_path, "late.md", "# Title\n---\nname: a\n---\n") is None


def test_markdown_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    doc = read(tmp_path, "l.agent.md", "---\n- a\n---\nbody\n")
    assert doc is not None and doc.format == "markdown"
    assert [(line, "must be a YAML mapping" in message) for message, line, _ in problems(doc)] == [(2, True)]


# --- chat messages ---------------------------------------------------------------------------

def test_chat_json_list(tmp_path: Path) -> None:
    doc = document(tmp_path, "chat.json", """\
        [
          {"role": "system", "content": "You are terse.\\nAnswer in English.\\nCite {{ source }} always."},
          {"role": "user", "content": [{"type": "text", "text": "Hi {{ name }}"},
                                       {"type": "image_url", "image_url": {"url": "x"}}]}
        ]
        """)
    assert (doc.format, doc.template_syntax) == ("chat", "none")  # chat payloads are data, not templates
    assert roles(doc) == ["system", "user"]
    system = doc.messages[0]
    assert system.text.value.splitlines()[2] == "Cite {{ source }} always."
    assert word_at(system, "always") == (2, 88)
    assert word_at(system, "source") == (2, 78)
    assert word_at(doc.messages[1], "name") == (3, 64)
    assert uses(doc) == []
    assert system.role_span is not None and system.role_span.start_column == 12


def test_chat_json_messages_object_with_model_and_tools(tmp_path: Path) -> None:
    doc = document(tmp_path, "request.json", json.dumps({
        "model": "gpt-4o",
        "messages": [{"role": "developer", "content": "Rules here"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    }, indent=2))
    assert doc.format == "chat"
    assert roles(doc) == ["developer"]
    assert word_at(doc.messages[0], "here") == (6, 25)
    assert doc.metadata.model_name == "gpt-4o"
    assert [(tool.name, tool.provider) for tool in doc.tools] == [("f", "openai")]


def test_chat_yaml(tmp_path: Path) -> None:
    doc = document(tmp_path, "chat.yaml", """\
        messages:
          - role: system
            content: |
              Line one.
              Line two.
              Line three has {{ topic }}.
          - role: assistant
            content: ok
        """)
    assert doc.format == "chat"
    assert roles(doc) == ["system", "assistant"]
    assert word_at(doc.messages[0], "three") == (6, 12)
    assert word_at(doc.messages[0], "topic") == (6, 25)
    assert uses(doc) == []


# --- tool schemas ----------------------------------------------------------------------------

OPENAI_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def tool_summary(doc: Document) -> list[tuple[str, str]]:
    return [(tool.name, tool.provider) for tool in doc.tools]


def test_openai_single_tool(tmp_path: Path) -> None:
    doc = document(tmp_path, "weather.json", json.dumps(OPENAI_TOOL, indent=2))
    assert (doc.format, doc.template_syntax, doc.messages) == ("tools", "none", [])
    assert tool_summary(doc) == [("get_weather", "openai")]
    tool = doc.tools[0]
    assert tool.parameters is not None and tool.parameters.plain()["required"] == ["city"]
    assert tool.description is not None and tool.description.value == "Current weather."
    assert tool.name_span is not None and (tool.name_span.start_line, tool.name_span.start_column) == (4, 13)
    assert tool.span.start_line == 1 and tool.span.end_line == 18


def test_openai_tool_list_and_tools_wrapper(tmp_path: Path) -> None:
    flat = {"type": "function", "name": "b", "parameters": {"type": "object"}}
    listed = document(tmp_path, "list.json", json.dumps([OPENAI_TOOL, flat]))
    assert tool_summary(listed) == [("get_weather", "openai"), ("b", "openai")]
    wrapped = document(tmp_path, "wrapped.json", json.dumps({"tools": [OPENAI_TOOL]}))
    assert (wrapped.format, tool_summary(wrapped)) == ("tools", [("get_weather", "openai")])


def test_legacy_functions(tmp_path: Path) -> None:
    doc = document(tmp_path, "legacy.json", json.dumps(
        {"functions": [{"name": "legacy", "description": "Old.", "parameters": {"type": "object"}}]}))
    assert (doc.format, tool_summary(doc)) == ("tools", [("legacy", "openai")])


def test_anthropic_input_schema(tmp_path: Path) -> None:
    doc = document(tmp_path, "anthropic.json", json.dumps([{"name": "search", "description": "Search.",
                                                             "input_schema": {"type": "object"}}]))
    assert tool_summary(doc) == [("search", "anthropic")]
    assert doc.tools[0].parameters is not None and doc.tools[0].parameters.plain() == {"type": "object"}


def test_anthropic_tools_in_yaml(tmp_path: Path) -> None:
    doc = document(tmp_path, "tools.yaml", "tools:\n  - name: search\n    input_schema: {type: object}\n")
    assert tool_summary(doc) == [("search", "anthropic")]
    assert doc.tools[0].name_span is not None and doc.tools[0].name_span.start_line == 2


def test_mcp_input_schema_and_annotations(tmp_path: Path) -> None:
    doc = document(tmp_path, "mcp.json", json.dumps({"name": "read_file", "description": "Read a file.",
                                                     "inputSchema": {"type": "object"},
                                                     "annotations": {"readOnlyHint": True}}))
    assert tool_summary(doc) == [("read_file", "mcp")]
    assert doc.tools[0].annotations is not None and doc.tools[0].annotations.plain() == {"readOnlyHint": True}


def test_mcp_tools_list_result(tmp_path: Path) -> None:
    doc = document(tmp_path, "list-result.json", json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "a", "inputSchema": {"type": "object"}}, {"name": "b", "inputSchema": {"type": "object"}}]}}))
    assert (doc.format, tool_summary(doc)) == ("tools", [("a", "mcp"), ("b", "mcp")])


def test_tool_file_duplicate_key_is_a_problem(tmp_path: Path) -> None:
    doc = read(tmp_path, "dup.json", '{"name": "a",\n "name": "b", "inputSchema": {}}')
    assert doc is not None and doc.format == "tools"
    assert [(line, column) for _, line, column in problems(doc)] == [(2, 2)]


@pytest.mark.parametrize("content", ['{"name": "pkg", "version": "1.0.0"}', '[1, 2]', '[]', '{"messages": []}',
                                     '[{"role": "user"}]', '{"tools": []}'])
def test_unrelated_json_is_not_ours(tmp_path: Path, content: str) -> None:
    assert read(tmp_path, "package.json", content) is None


def test_broken_data_file_is_reported_only_when_named(tmp_path: Path) -> None:
    assert read(tmp_path, "broken.json", '{"name": "pkg",\n') is None
    doc = read(tmp_path, "broken.json", '{"name": "pkg",\n', explicit=True)
    assert doc is not None and doc.format is None
    assert [(line, column) for _, line, column in problems(doc)] == [(2, 1)]
    assert read(tmp_path, "broken.yaml", "a: [\n") is None


def test_unknown_suffix_is_not_read(tmp_path: Path) -> None:
    assert read(tmp_path, "notes.txt", "system: hi") is None


# --- read_document: the file itself --------------------------------------------------------

def only_problem(doc: Document | None) -> tuple[str, int, int]:
    assert doc is not None and doc.format is None
    assert len(doc.problems) == 1
    return problems(doc)[0]


def test_empty_files(tmp_path: Path) -> None:
    assert read(tmp_path, "empty.json", b"") is None
    assert read(tmp_path, "empty.yaml", b"") is None
    assert read(tmp_path, "empty.md", b"") is None
    empty = read(tmp_path, "empty.json", b"", explicit=True)
    message, line, column = only_problem(empty)
    assert "unexpected end of file" in message and (line, column) == (1, 1)


def test_binary_file(tmp_path: Path) -> None:
    message, line, column = only_problem(read(tmp_path, "bin.prompt.yaml", b"id: x\n\x00\x01\x02"))
    assert "binary file" in message and "NUL" in message
    assert (line, column) == (1, 1)


def test_non_utf8_file_is_located_at_the_bad_byte(tmp_path: Path) -> None:
    data = b"id: x\nmessages:\n  - role: user\n    content: caf\xe9 ok\n"
    message, line, column = only_problem(read(tmp_path, "latin1.prompt.yaml", data))
    assert "not valid UTF-8" in message and "0xe9" in message
    assert (line, column) == (4, 17)


def test_non_utf8_after_multibyte_characters_counts_code_points(tmp_path: Path) -> None:
    data = "id: ééé ".encode() + b"\xff\n"
    _message, line, column = only_problem(read(tmp_path, "x.prompt.yaml", data))
    assert (line, column) == (1, 9)


def test_non_utf8_after_a_bom_is_not_shifted(tmp_path: Path) -> None:
    _message, line, column = only_problem(read(tmp_path, "bom.prompt.yaml", b"\xef\xbb\xbfid: caf\xe9\n"))
    assert (line, column) == (1, 8)


def test_bom_does_not_shift_columns(tmp_path: Path) -> None:
    doc = document(tmp_path, "bom.prompt.yaml",
                   b"\xef\xbb\xbfid: x\nmessages:\n  - role: user\n    content: hi {{ name }}\n")
    assert not doc.source.text.startswith("\ufeff")
    assert doc.metadata.id is not None
    assert (doc.metadata.id.span.start_line, doc.metadata.id.span.start_column) == (1, 5)
    assert uses(doc) == [("name", 4, 20, 0)]


def test_bom_in_json(tmp_path: Path) -> None:
    doc = document(tmp_path, "bom.json", b'\xef\xbb\xbf[{"role": "user", "content": "x {{ y }}"}]')
    assert word_at(doc.messages[0], "y") == (1, 36)


def test_crlf_line_endings(tmp_path: Path) -> None:
    native = document(tmp_path, "crlf.prompt.yaml",
                      b"id: x\r\nmessages:\r\n  - role: system\r\n    content: |\r\n"
                      b"      one\r\n      two {{ name }}\r\n")
    assert native.messages[0].text.value == "one\ntwo {{ name }}\n"
    assert uses(native) == [("name", 6, 14, 0)]
    assert native.source.line_text(6) == "      two {{ name }}"
    prompty = document(tmp_path, "crlf.prompty",
                       b"---\r\nname: x\r\n---\r\nsystem:\r\nHello {{ who }}\r\nuser:\r\nHi\r\n")
    assert roles(prompty) == ["system", "user"]
    assert uses(prompty) == [("who", 5, 10, 0)]
    chat = document(tmp_path, "crlf.json", b'[\r\n {"role": "user",\r\n  "content": "a {{ b }}"}\r\n]\r\n')
    assert word_at(chat.messages[0], "b") == (3, 20)


def test_file_over_the_size_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promptlint.formats, "MAX_FILE_BYTES", 16)
    assert read(tmp_path, "small.prompt.yaml", b"id: x\n") is not None
    message, line, column = only_problem(read(tmp_path, "big.prompt.yaml", b"id: x\nmessages: []\n"))
    assert "larger than" in message and "not linted" in message
    assert (line, column) == (1, 1)


def test_unreadable_paths(tmp_path: Path) -> None:
    missing = read_document(tmp_path / "missing.prompt.yaml", "missing.prompt.yaml")
    message, line, column = only_problem(missing)
    assert "cannot read the file" in message and (line, column) == (1, 1)
    (tmp_path / "dir.prompt.yaml").mkdir()
    message, _, _ = only_problem(read_document(tmp_path / "dir.prompt.yaml", "dir.prompt.yaml"))
    assert "cannot read the file" in message


def test_display_path_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.yaml"
    path.write_text("id: x\nmessages: [{role: user, content: hi}]\n")
    doc = read_document(path, "prompts/a.prompt.yaml")
    assert doc is not None and doc.path == "prompts/a.prompt.yaml"


def test_a_bad_variable_name_is_reported_at_that_name(tmp_path: Path) -> None:
    doc = read(tmp_path, "v.prompt.yaml", textwrap.dedent("""\
        id: v
        variables:
          question: {trust: untrusted}
          1st-answer: {trust: trusted}
        messages:
          - role: user
            content: "{{ question }}"
        """))
    assert doc is not None
    [problem] = doc.problems
    assert (problem.span.start_line, problem.span.start_column) == (4, 3)
    assert "'1st-answer'" in problem.message


def test_prompty_v2_tools_bindings_and_strict_role_markers(tmp_path: Path) -> None:
    doc = document(tmp_path, "w.prompty", """\
        ---
        name: Weather
        model: {id: gpt-4o}
        template:
          format: {kind: jinja2, strict: false}
        tools:
          - name: get_weather
            kind: function
            description: Current weather for a city.
            bindings:
              unit: {input: unit}
        inputs:
          - name: unit
            kind: string
        ---
        system:
        Answer weather questions.
        """)
    assert [(tool.name, tool.provider, tool.description.value if tool.description else None)
            for tool in doc.tools] == [("get_weather", "prompty", "Current weather for a city.")]
    assert doc.role_markers_strict is False
    assert [(use.name, use.span.start_line) for use in doc.variable_uses()] == [("unit", 11)]


# --- empty messages sit at their role marker -------------------------------------------------

def text_place(message: Message) -> tuple[str, str, int, int, int, int]:
    span = message.text.span()
    return message.role, message.text.value, span.start_line, span.start_column, span.end_line, span.end_column


@pytest.mark.parametrize("tail", ["", "\n", "\r\n", "\n\n  \n"])
def test_prompty_empty_last_message_is_at_its_role_name(tmp_path: Path, tail: str) -> None:
    # PL005 reports at the message text: past the end of the file, nobody can see where
    doc = document(tmp_path, "e.prompty", f"---\nname: e\n---\nsystem:\nHello.\n\nuser:{tail}".encode())
    assert [text_place(message) for message in doc.messages] == [
        ("system", "Hello.\n\n", 5, 1, 7, 1), ("user", "", 7, 1, 7, 1)]


def test_prompty_whitespace_only_message_is_at_its_role_name(tmp_path: Path) -> None:
    doc = document(tmp_path, "w.prompty",
                   b"---\nname: w\n---\nsystem:\nHello.\n  # User:  \n   \n\nassistant:\nSure.\n")
    assert [text_place(message) for message in doc.messages] == [
        ("system", "Hello.\n", 5, 1, 6, 1), ("user", "", 6, 5, 6, 5), ("assistant", "Sure.\n", 10, 1, 11, 1)]


@pytest.mark.parametrize("tail", ["", "\n", "   \n\n"])
def test_dotprompt_empty_last_message_is_at_its_marker(tmp_path: Path, tail: str) -> None:
    body = '---\nmodel: x\n---\n{{role "system"}}\nHello.\n  {{role "user"}}' + tail
    doc = document(tmp_path, "e.prompt", body.encode())
    assert [text_place(message) for message in doc.messages] == [
        ("system", "\nHello.\n  ", 4, 18, 6, 3), ("user", "", 6, 3, 6, 3)]


def test_dotprompt_whitespace_only_messages_are_at_their_markers(tmp_path: Path) -> None:
    doc = document(tmp_path, "w.prompt",
                   b'---\nmodel: x\n---\nHi\n{{role "user"}} \n\n{{#role "model"}}  {{/role}}\n{{role "user"}}Go\n')
    assert [text_place(message) for message in doc.messages] == [
        ("user", "Hi\n", 4, 1, 5, 1), ("user", "", 5, 1, 5, 1), ("assistant", "", 7, 1, 7, 1),
        ("user", "Go\n", 8, 16, 9, 1)]
