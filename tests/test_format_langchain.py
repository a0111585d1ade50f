"""LangChain serialized prompts, and the f-string scanner their default template format needs."""

from __future__ import annotations

import textwrap
from pathlib import Path

from promptlint.checks.variables import written
from promptlint.formats import read_document
from promptlint.model import Document, SourceFile, Template, Text
from promptlint.templates import scan_template


def read(tmp_path: Path, name: str, content: str) -> Document:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content), "utf-8")
    document = read_document(path, name, explicit=True)
    assert document is not None
    return document


def scan(body: str, prefix: str = "") -> Template:
    source = SourceFile(Path("t.txt"), "t.txt", prefix + body)
    return scan_template(Text.verbatim(body, source, len(prefix)), "f-string", 2)


def located(template: Template) -> list[tuple[str, int, int, int, int, int]]:
    """(name, line, name start, name end, tag start, tag end) of each use."""
    return [(use.name, use.span.start_line, use.span.start_column, use.span.end_column,
             use.tag_span.start_column, use.tag_span.end_column) for use in template.uses]


def problems(template: Template) -> list[tuple[int, int, int]]:
    return [(problem.span.start_line, problem.span.start_column, problem.span.end_column)
            for problem in template.problems]


# --- the f-string scanner ----------------------------------------------------------------------

def test_fstring_fields_with_exact_spans() -> None:
    template = scan("Hi {name}, {user.email} {items[0]} {tone!r} {title:>10}", prefix="template: ")
    assert located(template) == [
        ("name", 1, 15, 19, 14, 20), ("user", 1, 23, 27, 22, 34), ("items", 1, 36, 41, 35, 45),
        ("tone", 1, 47, 51, 46, 54), ("title", 1, 56, 61, 55, 66)]
    assert all(use.message_index == 2 for use in template.uses)
    # str.format reads attributes and items; current LangChain refuses them (`{x.__class__}`)
    assert problems(template) == [(1, 27, 33), (1, 41, 44)]
    assert "reads an attribute of 'user'" in template.problems[0].message
    assert "reads an item of 'items'" in template.problems[1].message


def test_fstring_doubled_braces_are_literal() -> None:
    template = scan('Return {{"answer": "{answer}"}} and }}{{ too')
    assert [use.name for use in template.uses] == ["answer"]
    assert template.problems == []


def test_fstring_positional_fields_name_no_variable_and_fail() -> None:
    template = scan("{} {0} {1.real} {named}")
    assert [use.name for use in template.uses] == ["named"]
    assert problems(template) == [(1, 1, 3), (1, 4, 7), (1, 8, 16)]
    assert all("positional field" in problem.message for problem in template.problems)


def test_fstring_format_spec_fields_are_read() -> None:
    template = scan("{price:{width}.2f}")
    assert located(template) == [("price", 1, 2, 7, 1, 19), ("width", 1, 9, 14, 8, 15)]
    assert problems(template) == [(1, 7, 18)]  # current LangChain refuses nested fields


def test_fstring_single_braces_are_problems_at_the_brace() -> None:
    template = scan("a } b\nc { d {e}", prefix="x\n")
    assert problems(template) == [(2, 3, 4), (3, 3, 4)]
    assert [use.name for use in template.uses] == ["e"]  # the fields after a stray brace are still read
    assert all(not problem.fatal for problem in template.problems)
    assert "single '}'" in template.problems[0].message
    assert "never closed" in template.problems[1].message


def test_fstring_json_braces_are_a_field_named_by_a_string() -> None:
    template = scan('Answer as {"label": "spam"}.')
    assert template.uses == []
    assert problems(template) == [(1, 11, 28)]
    assert "'\"label\"'" in template.problems[0].message and "'{{'" in template.problems[0].message


def test_fstring_bad_conversion_and_brace_in_name() -> None:
    template = scan("{a!x} {b{c}}")
    assert [use.name for use in template.uses] == ["a"]
    assert problems(template) == [(1, 3, 5), (1, 7, 13)]


def test_fstring_key_may_hold_braces() -> None:
    # CPython skips a `[key]` whole while looking for the end of a field
    assert [use.name for use in scan("{row[}]} {x}").uses] == ["row", "x"]


# --- recognition and messages ------------------------------------------------------------------

def test_prompt_template_is_one_user_message(tmp_path: Path) -> None:
    doc = read(tmp_path, "summary.yaml", """\
        _type: prompt
        input_variables: [topic, audience]
        template: "Write about {topic} for {audience}."
        """)
    assert (doc.format, doc.template_syntax, doc.declares_variables) == ("langchain", "f-string", True)
    assert [(message.role, message.text.value) for message in doc.messages] == [
        ("user", "Write about {topic} for {audience}.")]
    assert {name: (var.span.start_line, var.span.start_column) for name, var in doc.variables.items()} == {
        "topic": (2, 19), "audience": (2, 26)}
    assert [(use.name, use.span.start_column) for use in doc.variable_uses()] == [("topic", 25), ("audience", 37)]
    assert doc.problems == []


def test_without_type_a_list_of_names_beside_template_is_langchain(tmp_path: Path) -> None:
    doc = read(tmp_path, "p.json", '{"input_variables": ["q"], "template": "Q: {q}"}')
    assert doc.format == "langchain"
    assert list(doc.variables) == ["q"]


def test_semantic_kernel_shapes_are_not_langchain(tmp_path: Path) -> None:
    doc = read(tmp_path, "sk.yaml", """\
        name: Summarize
        template: "Summarize {{$input}}"
        template_format: semantic-kernel
        input_variables:
          - name: input
        """)
    assert doc.format != "langchain"


def test_template_format_picks_the_syntax(tmp_path: Path) -> None:
    jinja = read(tmp_path, "j.yaml", """\
        _type: prompt
        input_variables: [name]
        template: "Hello {{ name }} {single}"
        template_format: jinja2
        """)
    assert jinja.template_syntax == "jinja"
    assert [use.name for use in jinja.variable_uses()] == ["name"]
    mustache = read(tmp_path, "m.yaml", """\
        _type: prompt
        input_variables: [name]
        template: "Hello {{name}}"
        template_format: mustache
        """)
    assert mustache.template_syntax == "handlebars"
    assert [use.name for use in mustache.variable_uses()] == ["name"]


def test_unknown_template_format_is_a_problem(tmp_path: Path) -> None:
    doc = read(tmp_path, "x.yaml", """\
        _type: prompt
        input_variables: []
        template: "Hello"
        template_format: liquid
        """)
    assert [(problem.span.start_line, problem.span.start_column, problem.fatal) for problem in doc.problems] == [
        (4, 18, False)]


def test_chat_roles_from_template_list(tmp_path: Path) -> None:
    doc = read(tmp_path, "chat.yaml", """\
        _type: chat
        input_variables: [topic]
        partial_variables:
          tone: dry
        template:
          - role: system
            content: "You write {tone} jokes."
          - role: human
            content: "One about {topic}."
          - role: ai
            content: "Here goes."
        """)
    assert [(message.role, message.role_span.start_line if message.role_span else None)
            for message in doc.messages] == [("system", 6), ("user", 8), ("assistant", 10)]
    assert doc.variables["tone"].trust == "trusted"
    assert (doc.variables["tone"].span.start_line, doc.variables["tone"].span.start_column) == (4, 3)
    assert [(use.name, use.message_index) for use in doc.variable_uses()] == [("tone", 0), ("topic", 1)]


def test_chat_message_prompt_templates(tmp_path: Path) -> None:
    doc = read(tmp_path, "chat.json", """\
        {"_type": "chat", "input_variables": ["question", "history"],
         "messages": [
          {"_type": "SystemMessagePromptTemplate", "prompt": {"_type": "prompt", "input_variables": [],
            "template": "Answer briefly."}},
          {"variable_name": "history"},
          {"id": ["langchain", "prompts", "chat", "HumanMessagePromptTemplate"], "lc": 1, "type": "constructor",
           "kwargs": {"prompt": {"lc": 1, "kwargs": {"template": "{question}", "input_variables": ["question"],
             "template_format": "f-string"}}}}
         ]}
        """)
    assert [(message.role, message.text.value) for message in doc.messages] == [
        ("system", "Answer briefly."), ("user", "{question}")]
    assert [(use.name, use.message_index, use.span.start_line) for use in doc.variable_uses()] == [
        ("question", 1, 7), ("history", None, 5)]


def test_few_shot_prefix_examples_suffix(tmp_path: Path) -> None:
    doc = read(tmp_path, "few.yaml", """\
        _type: few_shot
        input_variables: [word]
        prefix: Give the antonym of each word.
        example_prompt:
          _type: prompt
          input_variables: [source, target]
          template: "Word: {source} -> {target}"
        examples:
          - {source: "up {not a field", target: down}
        suffix: "Word: {word} ->"
        """)
    assert [message.text.value for message in doc.messages] == [
        "Give the antonym of each word.", "Word: {source} -> {target}", "Word: {word} ->"]
    assert {message.role for message in doc.messages} == {"user"}
    # the example template's variables are filled from the examples, which are data in the repository
    assert {name: var.trust for name, var in doc.variables.items()} == {
        "word": "unknown", "source": "trusted", "target": "trusted"}
    assert doc.problems == []  # inline example values are data: their braces are not template syntax


def test_few_shot_with_examples_file_and_path_references(tmp_path: Path) -> None:
    doc = read(tmp_path, "few.json", """\
        {"_type": "few_shot", "input_variables": ["x"], "examples": "examples.json",
         "example_prompt_path": "example.yaml", "suffix": "{x}"}
        """)
    assert [message.text.value for message in doc.messages] == ["{x}"]


def test_fstring_problems_reach_the_document(tmp_path: Path) -> None:
    doc = read(tmp_path, "bad.yaml", """\
        _type: prompt
        input_variables: [q]
        template: "Reply as {\\"ok\\": true} to {q}"
        """)
    assert [(problem.span.start_line, problem.span.start_column) for problem in doc.problems] == [(3, 21)]
    assert not doc.fatal
    assert [use.name for use in doc.variable_uses()] == ["q"]


def test_jinja_ssti_template_reads_only_its_variable(tmp_path: Path) -> None:
    # Python internals reached through a literal (`''.__class__`) are no variable use; no rule
    # looks at what an expression reaches, so this is recorded, not reported
    doc = read(tmp_path, "ssti.yaml", """\
        _type: prompt
        input_variables: [topic]
        template: "About {{ topic }} {{ ''.__class__.__mro__[1].__subclasses__() }}"
        template_format: jinja2
        """)
    assert [use.name for use in doc.variable_uses()] == ["topic"]


def test_template_in_another_file_turns_declaration_checks_off(tmp_path: Path) -> None:
    doc = read(tmp_path, "p.yaml", """\
        _type: prompt
        input_variables: [topic]
        template_path: prompt.txt
        """)
    assert doc.format == "langchain" and doc.messages == []
    assert not doc.declares_variables  # `topic` is used in prompt.txt, which this file does not hold


def test_role_content_list_without_type_is_a_chat(tmp_path: Path) -> None:
    doc = read(tmp_path, "c.json", '{"input_variables": ["q"], "template": [{"role": "ai", "content": "{q}"}]}')
    assert [(message.role, message.text.value) for message in doc.messages] == [("assistant", "{q}")]


def test_unused_variable_advice_is_written_in_the_file_s_syntax(tmp_path: Path) -> None:
    source = SourceFile(tmp_path / "x", "x", "")
    assert written(Document(source, "langchain", "f-string"), "tone") == "{tone}"
    assert written(Document(source, "semantic-kernel", "semantic-kernel"), "tone") == "{{$tone}}"
    assert written(Document(source, "dotprompt", "handlebars"), "tone") == "{{tone}}"
    assert written(Document(source, "native", "jinja"), "tone") == "{{ tone }}"


def test_a_chat_prompt_with_role_content_messages_is_langchain_not_chat_data(tmp_path: Path) -> None:
    path = tmp_path / "lc.yaml"
    path.write_text('_type: chat\ninput_variables: [user_input]\nmessages:\n  - role: system\n'
                    '    content: "Follow these preferences: {user_input}"\n', "utf-8")
    document = read_document(path, "lc.yaml")
    assert document is not None and document.format == "langchain"
    [use] = document.variable_uses()
    assert use.name == "user_input" and (use.span.start_line, use.span.start_column) == (5, 42)
