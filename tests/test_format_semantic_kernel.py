"""Semantic Kernel: `skprompt.txt` with its `config.json`, YAML prompt templates, the SK template
syntax, message tags, and `allow_dangerously_set_content` for PL106."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import json_report
from conftest import SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import FORMAT_READERS, read_document
from promptlint.model import Document, Message, SourceFile, Span, Text, VariableUse
from promptlint.registry import load_rules
from promptlint.templates import scan_template
from promptlint.trust import analyse

CORPUS = SHARED / "corpus" / "semantic-kernel"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else textwrap.dedent(content).encode("utf-8"))
    return path


def read(folder: Path, name: str, content: str | bytes | None = None, explicit: bool = False) -> Document:
    if content is not None:
        write(folder, name, content)
    document = read_document(folder / name, name, explicit)
    assert document is not None
    return document


def at(span: Span) -> tuple[int, int, int, int]:
    return span.start_line, span.start_column, span.end_line, span.end_column


def uses(document: Document) -> list[tuple[str, tuple[int, int, int, int], int | None]]:
    return [(use.name, at(use.span), use.message_index) for use in document.variable_uses()]


def written(document: Document, span: Span) -> str:
    return document.source.text[span.start:span.end]


def inner(document: Document, message: Message) -> str:
    """The message text as it sits in the file (a verbatim slice for skprompt.txt)."""
    return written(document, message.text.span())


# --- the template syntax ------------------------------------------------------------------------------


def scan(value: str) -> tuple[list[VariableUse], list[str]]:
    source = SourceFile(Path("t.txt"), "t.txt", value)
    template = scan_template(Text.verbatim(value, source, 0), "semantic-kernel")
    return template.uses, [problem.message for problem in template.problems]


def test_variables_and_function_calls() -> None:
    value = ('A {{$plain}} B {{ $spaced }} C {{Plugin.Function $arg}} D {{fn "literal"}} E {{fn arg=$named}} '
             "F {{recall $input}} G {{time.Date}} H {{ '}}' }} I {{ \"{{\" }} J {{fn 'it\\'s' other=$last}}")
    found, problems = scan(value)
    assert problems == []
    assert [(use.name, value[use.span.start:use.span.end], use.filters) for use in found] == [
        ("plain", "plain", ()), ("spaced", "spaced", ()), ("arg", "arg", ("Plugin.Function",)),
        ("named", "named", ("fn",)), ("input", "input", ("recall",)), ("last", "last", ("fn",))]
    assert [value[use.tag_span.start:use.tag_span.end] for use in found][:3] == [
        "{{$plain}}", "{{ $spaced }}", "{{Plugin.Function $arg}}"]


def test_unclosed_block_and_bad_names_are_problems_that_leave_the_rest_readable() -> None:
    found, problems = scan("{{$ok}} then {{ {{$inner}} and {{$bad-name}} and {{$tail")
    assert [use.name for use in found] == ["ok", "inner"]  # `{{ ` before a new `{{` is text, as SK reads it
    assert len(problems) == 2
    assert any("'$bad-name' is not a Semantic Kernel variable name" in problem for problem in problems)
    assert any("never closed" in problem for problem in problems)


def test_no_comment_syntax() -> None:
    found, _problems = scan("{{! $x }} {{# $y }}")
    assert [use.name for use in found] == ["x", "y"]


# --- skprompt.txt -------------------------------------------------------------------------------------


def test_skprompt_without_tags_is_one_user_message(tmp_path: Path) -> None:
    document = read(tmp_path, "Summarize/skprompt.txt", """\
        Summarize the text below in three sentences.
        TODAY is {{time.Date}}
        {{Summary.Shorten $input}}
        """)
    assert (document.format, document.template_syntax, document.declares_variables) == (
        "semantic-kernel", "semantic-kernel", False)
    assert document.problems == []
    assert [message.role for message in document.messages] == ["user"]
    assert inner(document, document.messages[0]) == document.source.text
    assert uses(document) == [("input", (3, 20, 3, 25), 0)]  # `{{Summary.Shorten $arg}}` locates `input`


def test_message_tags_split_messages_with_exact_spans(tmp_path: Path) -> None:
    document = read(tmp_path, "Chat/skprompt.txt", """\
        Background for every turn.
        <message role="system">You answer questions about {{$product}}.</message>
        <message role='user'>
        {{$question}}
        </message>
        Trailing words.
        """)
    assert document.problems == []
    assert [message.role for message in document.messages] == ["system", "system", "user", "user"]
    assert [inner(document, message) for message in document.messages] == [
        "Background for every turn.", "You answer questions about {{$product}}.", "\n{{$question}}\n",
        "Trailing words."]
    system = document.messages[1]
    assert at(system.span) == (2, 1, 2, 74)
    assert system.role_span is not None and written(document, system.role_span) == "system"
    assert at(system.text.span()) == (2, 24, 2, 64)
    assert uses(document) == [("product", (2, 54, 2, 61), 1), ("question", (4, 4, 4, 12), 2)]


def test_role_from_data_is_a_role_writer(tmp_path: Path) -> None:
    document = read(tmp_path, "Turn/skprompt.txt", '<message role="{{$speaker}}">{{$text}}</message>\n')
    message = document.messages[0]
    assert message.role == "{{$speaker}}"
    assert [use.name for use in message.template.uses] == ["speaker", "text"]
    emissions = {emission.variable: emission for emission in analyse(document, None).emissions}
    assert emissions["speaker"].writes_role and emissions["speaker"].role_from_data
    assert not emissions["text"].writes_role


def test_tags_that_are_not_xml_make_one_user_message(tmp_path: Path) -> None:
    document = read(tmp_path, "QA/skprompt.txt", '<message role="system">Q&A rules</message>\n'
                                                 '<message role="user">{{$input}}</message>\n')
    assert [message.role for message in document.messages] == ["user"]
    assert [(problem.fatal, problem.span.start_line, problem.span.start_column) for problem in document.problems] \
        == [(False, 1, 27)]  # where expat stops: the `&A` entity reference is never ended with `;`
    assert "not well-formed" in document.problems[0].message
    crlf = read(tmp_path, "QA2/skprompt.txt", '<message role="system">\r\néé&x y</message>\r\n'.encode())
    assert [(problem.span.start_line, problem.span.start_column) for problem in crlf.problems] == [(2, 5)]


def test_an_empty_role_is_still_a_message(tmp_path: Path) -> None:
    document = read(tmp_path, "Empty/skprompt.txt", '<message role="">{{$x}}</message>')
    assert [(message.role, message.text.value) for message in document.messages] == [("", "{{$x}}")]


def test_bom_is_stripped_and_columns_count_from_the_first_character(tmp_path: Path) -> None:
    document = read(tmp_path, "Bom/skprompt.txt", "\ufeff{{$input}} and more\n".encode())
    assert document.source.text.startswith("{{$input}}")
    assert uses(document) == [("input", (1, 4, 1, 9), 0)]


def test_variables_come_from_config_json_and_point_into_it(tmp_path: Path) -> None:
    write(tmp_path, "Notes/config.json", json.dumps({
        "schema": 1, "description": "Release notes",
        "execution_settings": {"default": {"max_tokens": 400, "model_id": "gpt-4o"}},
        "input_variables": [{"name": "changes", "description": "merged changes", "is_required": True},
                            {"name": "audience", "allow_dangerously_set_content": True}]}, indent=2))
    document = read(tmp_path, "Notes/skprompt.txt", "Notes for {{$audience}}:\n{{$changes}}\n")
    assert document.declares_variables and document.problems == []
    changes = document.variables["changes"]
    assert changes.source is not None and changes.source.display_path == "Notes/config.json"
    assert changes.source.text[changes.span.start:changes.span.end] == "changes"  # the name, not its quotes
    assert (changes.span.start_line, changes.description, changes.encoded) == (12, "merged changes", True)
    assert document.variables["audience"].encoded is False
    assert document.role_markers_strict is True


def test_without_config_json_nothing_is_declared(tmp_path: Path) -> None:
    document = read(tmp_path, "Alone/skprompt.txt", "{{$anything}}")
    assert (document.declares_variables, document.variables) == (False, {})


# --- config.json --------------------------------------------------------------------------------------


def test_config_json_is_a_document_of_its_own(tmp_path: Path) -> None:
    write(tmp_path, "Fn/skprompt.txt", "{{$input}}")
    document = read(tmp_path, "Fn/config.json", """\
        {
          "schema": 1,
          "description": "Answers",
          "input_variables": [{"name": "input", "description": "the question"}]
        }
        """)
    assert (document.format, document.declares_variables, document.messages) == ("semantic-kernel", False, [])
    assert document.root is not None and document.problems == []
    variable = document.variables["input"]
    assert variable.source is None and written(document, variable.span) == "input"
    assert document.metadata.description is not None and document.metadata.description.value == "Answers"


def test_config_shape_is_recognised_without_skprompt_but_not_other_json(tmp_path: Path) -> None:
    by_shape = read(tmp_path, "elsewhere/settings.json",
                    '{"schema": 1, "execution_settings": {"default": {"temperature": 0}}}')
    assert by_shape.format == "semantic-kernel"
    write(tmp_path, "other/config.json", '{"schema": 1, "name": "a build setting"}')
    assert read_document(tmp_path / "other/config.json", "other/config.json") is None


def test_malformed_config_json(tmp_path: Path) -> None:
    write(tmp_path, "Bad/skprompt.txt", "{{$input}}")
    document = read(tmp_path, "Bad/config.json", '{"schema": "one", "input_variables": {"name": "input"}}')
    assert document.format == "semantic-kernel"
    assert [(problem.fatal, problem.span.start_column) for problem in document.problems] == [(False, 12), (False, 38)]
    report = json_report(str(tmp_path / "Bad"))
    assert {(item["rule_id"], Path(item["path"]).name) for item in report["findings"]} == {("PL001", "config.json")}


def test_config_json_that_does_not_parse(tmp_path: Path) -> None:
    write(tmp_path, "Broken/config.json", '{"schema": 1,')
    prompt = read(tmp_path, "Broken/skprompt.txt", "{{$input}}")
    assert [(problem.fatal, "cannot be read" in problem.message) for problem in prompt.problems] == [(False, True)]
    config = read(tmp_path, "Broken/config.json", explicit=True)
    assert config.format is None and config.problems


# --- YAML prompt templates ----------------------------------------------------------------------------


HANDLEBARS = """\
    name: Story
    template: |
      <message role="system">You tell stories.</message>
      <message role="user">A story about {{topic}} in {{length}} sentences.</message>
    template_format: handlebars
    description: Tells a story.
    input_variables:
      - name: topic
        description: The topic.
      - name: length
    execution_settings:
      default:
        model_id: gpt-4o
    """


def test_yaml_template_with_handlebars(tmp_path: Path) -> None:
    document = read(tmp_path, "story.yaml", HANDLEBARS)
    assert (document.format, document.template_syntax, document.declares_variables) == (
        "semantic-kernel", "handlebars", True)
    assert document.problems == []
    assert [(message.role, message.text.value) for message in document.messages] == [
        ("system", "You tell stories."), ("user", "A story about {{topic}} in {{length}} sentences.")]
    assert uses(document) == [("topic", (4, 40, 4, 45), 1), ("length", (4, 53, 4, 59), 1)]
    topic = document.variables["topic"]
    assert (topic.source, topic.trust, written(document, topic.span)) == (None, "unknown", "topic")
    assert document.metadata.model_name == "gpt-4o"
    assert document.metadata.id is not None and document.metadata.id.value == "Story"


def test_prompt_yaml_is_handed_to_semantic_kernel(tmp_path: Path) -> None:
    document = read(tmp_path, "story.prompt.yaml", HANDLEBARS)
    assert (document.format, document.template_syntax) == ("semantic-kernel", "handlebars")


def test_liquid_loops_around_message_tags_keep_their_bindings(tmp_path: Path) -> None:
    document = read(tmp_path, "chat.yaml", """\
        name: Chat
        template_format: liquid
        template: |
          <message role="system">Help {{customer.name}}.</message>
          {% for item in history %}
          <message role="{{item.role}}">{{item.content}}</message>
          {% endfor %}
        input_variables:
          - name: customer
          - name: history
        """)
    assert document.template_syntax == "jinja" and document.problems == []
    assert [message.role for message in document.messages] == ["system", "{{item.role}}"]
    assert [use.name for use in document.other_uses] == ["history"]  # the loop head, outside any message
    derived = document.messages[1].template.derived
    assert [(use.name, set(roots)) for use, roots in derived] == [("item", {"history"}), ("item", {"history"})]


def test_the_configured_format_reads_each_kind_of_sk_file(tmp_path: Path) -> None:
    reader = FORMAT_READERS["semantic-kernel"]
    for name, text, messages in (("t.yml", HANDLEBARS, 2), ("prompt.sk", "{{$input}}", 1),
                                 ("c.json", '{"schema": 1, "input_variables": [{"name": "x"}]}', 0)):
        path = write(tmp_path, name, text)
        document = reader(SourceFile(path, name, path.read_text("utf-8")))
        assert document is not None and document.format == "semantic-kernel" and len(document.messages) == messages


def test_langchain_shapes_are_not_claimed(tmp_path: Path) -> None:
    for name, text in (("lc1.yaml", "_type: prompt\ninput_variables: [topic]\ntemplate: Tell me about {topic}\n"),
                       ("lc2.yaml", "input_variables: [topic]\ntemplate: Tell me about {topic}\n"),
                       ("lc3.yaml", "template_format: f-string\ntemplate: Tell me about {topic}\n")):
        write(tmp_path, name, text)
        found = read_document(tmp_path / name, name)
        assert found is None or found.format != "semantic-kernel", name


# --- PL106 and allow_dangerously_set_content ---------------------------------------------------------


def pl106(tmp_path: Path, name: str, text: str) -> list[tuple[int, int, str]]:
    write(tmp_path, name, text)
    report = json_report("--select", "PL106", str(tmp_path / name))
    return [(item["start_line"], item["start_column"], item["severity"]) for item in report["findings"]]


TEMPLATE = """name: Answer
{top}template: |
  <message role="system">Answer briefly.</message>
  <message role="user">{{{{$user_input}}}}</message>
input_variables:
  - name: user_input
    {flag}
"""


@pytest.mark.parametrize(("top", "flag", "expected"), [
    ("", "description: what the user typed", []),
    ("", "allow_dangerously_set_content: true", [(4, 24, "note")]),
    ("allow_dangerously_set_content: true\n", "description: what the user typed", [(5, 24, "note")]),
])
def test_pl106_only_when_encoding_is_off(tmp_path: Path, top: str, flag: str, expected: list[Any]) -> None:
    assert pl106(tmp_path, "answer.yaml", TEMPLATE.format(top=top, flag=flag)) == expected


def test_pl106_reports_a_role_written_from_data_even_when_encoded(tmp_path: Path) -> None:
    assert pl106(tmp_path, "Turn/skprompt.txt", '<message role="{{$speaker}}">{{$text}}</message>\n') == [
        (1, 16, "note")]


# --- any text --------------------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "{{", "}}", "{{$a}}", "{{ $b }}", "{{fn $c}}", "{{f x=$d}}", "$", "'", '"', "\\", "{%", "%}", "{#", "#}",
    "{{#each xs}}", "{{/each}}", '<message role="system">', "<message role='user'>", '<message role="{{$r}}">',
    "<message>", "</message>", "<message/>", "&", "<", ">", "\n", "\r\n", " ", "é", "\ufeff"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=40).map("".join))
def test_any_skprompt_reads_and_its_spans_point_at_their_text(tmp_path: Path, text: str) -> None:
    document = read(tmp_path, "Any/skprompt.txt", text.encode("utf-8", errors="replace"))
    source = document.source.text
    for message in document.messages:
        assert source[message.text.span().start:message.text.span().end] == message.text.value
    for use in document.variable_uses():
        assert source[use.span.start:use.span.end] == use.name


def test_pathological_text_reads_in_linear_time(tmp_path: Path) -> None:
    started = time.perf_counter()
    for index, piece in enumerate(("{{ '", "{{#", "{%", '<message role="user">{{', "{{ {{", "<message ")):
        document = read(tmp_path, f"P{index}/skprompt.txt", piece * 60_000 + "</message>")  # near the 2 MiB bound
        assert document.format == "semantic-kernel"
    assert time.perf_counter() - started < 20


# --- the real-world corpus ----------------------------------------------------------------------------


def test_every_semantic_kernel_corpus_file_is_read() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    files = sorted(path for path in CORPUS.rglob("*") if path.is_file())
    formats = {path.name: read_document(path, path.relative_to(SHARED).as_posix()) for path in files}
    assert all(document is not None and document.format == "semantic-kernel" for document in formats.values()), {
        name: document and document.format for name, document in formats.items()}
    rules = load_rules()
    report = lint_paths([CORPUS], select_rules(rules, Config(root=SHARED, select=list(rules))))
    assert not report.errors and not report.skipped
    assert len(report.files_scanned) == len(files)
