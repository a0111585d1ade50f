"""The YAML loader: located nodes, exact positions inside every scalar style, and safety."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from promptlint.loaders import yaml_tree
from promptlint.loaders.yaml_tree import MAX_NODES, load_yaml
from promptlint.model import Node, Problem, SourceFile, Text


def load(text: str, start: int = 0, end: int | None = None) -> tuple[Node | None, list[Problem]]:
    return load_yaml(SourceFile(Path("t.yaml"), "t.yaml", text), start, end)


def root_of(text: str) -> Node:
    root, problems = load(text)
    assert problems == []
    assert root is not None
    return root


def text_of(yaml: str, key: str) -> Text:
    node = root_of(yaml).get(key)
    assert node is not None and node.text is not None
    return node.text


def where(text: Text, needle: str, nth: int = 0) -> tuple[int, int, int, int]:
    """(start line, start column, end line, end column) of the nth occurrence of needle in the value."""
    index = -1
    for _ in range(nth + 1):
        index = text.value.index(needle, index + 1)
    span = text.span(index, index + len(needle))
    return span.start_line, span.start_column, span.end_line, span.end_column


def column_of_each(text: Text) -> list[tuple[str, int, int]]:
    return [(char, text.span(i, i + 1).start_line, text.span(i, i + 1).start_column)
            for i, char in enumerate(text.value)]


def only_problem(text: str) -> Problem:
    root, problems = load(text)
    assert root is None
    assert len(problems) == 1, problems
    return problems[0]


# --- spans of keys and values ------------------------------------------------------------

def test_key_and_value_spans() -> None:
    root = root_of("id: support.answer\nmodel:\n  name: gpt-4o\nlist: [a, bb]\n")
    node = root.get("id")
    assert node is not None and node.key_span is not None
    assert (node.key_span.start_line, node.key_span.start_column, node.key_span.end_column) == (1, 1, 3)
    assert (node.span.start_line, node.span.start_column, node.span.end_column) == (1, 5, 19)
    model = root.get("model")
    assert model is not None and model.kind == "mapping"
    name = model.get("name")
    assert name is not None and name.key_span is not None
    assert (name.key_span.start_line, name.key_span.start_column) == (3, 3)
    assert (name.span.start_line, name.span.start_column, name.span.end_column) == (3, 9, 15)
    items = root.get("list")
    assert items is not None
    second = items.elements()[1]
    assert second.value == "bb"
    assert (second.span.start_line, second.span.start_column, second.span.end_column) == (4, 11, 13)


def test_block_scalar_span_ends_at_its_last_character_not_the_next_key() -> None:
    root = root_of("a: |\n  one\n  two\n\nb: 1\n")
    node = root.get("a")
    assert node is not None
    assert (node.span.start_line, node.span.start_column) == (1, 4)
    assert (node.span.end_line, node.span.end_column) == (3, 6)


def test_scalar_types() -> None:
    root = root_of("a: 1\nb: 1.5\nc: true\nd: ~\ne: 0o17\nf: 0x1F\ng: 1_000\nh: '7'\ni: yes\nj: .inf\n")
    assert root.plain() == {"a": 1, "b": 1.5, "c": True, "d": None, "e": 15, "f": 31, "g": 1000, "h": "7",
                            "i": "yes", "j": float("inf")}
    assert root.get("h") is not None and root.get("h").text is not None  # type: ignore[union-attr]
    assert root.get("a").text is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("literal", "expected"), [("010", 10), ("-010", -10), ("0179", 179), ("+12", 12)])
def test_leading_zero_integers_are_decimal_as_in_yaml_1_2(literal: str, expected: int) -> None:
    assert root_of(f"n: {literal}\n").plain() == {"n": expected}


# --- block scalars -------------------------------------------------------------------------

def test_literal_block_positions() -> None:
    text = text_of("id: x\nbody: |\n  first line\n  second {{ name }}\n  third\n", "body")
    assert text.value == "first line\nsecond {{ name }}\nthird\n"
    assert where(text, "first") == (3, 3, 3, 8)
    assert where(text, "name") == (4, 13, 4, 17)
    assert where(text, "third") == (5, 3, 5, 8)


def test_literal_block_nested_in_a_sequence() -> None:
    root = root_of("messages:\n  - role: system\n    content: |\n"
                   "      You help.\n      Be brief.\n      Use {{ tone }}.\n")
    messages = root.get("messages")
    assert messages is not None
    content = messages.elements()[0].get("content")
    assert content is not None and content.text is not None
    assert where(content.text, "Be") == (5, 7, 5, 9)
    assert where(content.text, "tone") == (6, 14, 6, 18)


def test_block_header_with_a_comment() -> None:
    text = text_of("body: |  # the system prompt\n  hello\n", "body")
    assert text.value == "hello\n"
    assert where(text, "hello") == (2, 3, 2, 8)


def test_literal_block_more_indented_lines_keep_their_spaces_in_place() -> None:
    text = text_of("body: |\n  a\n    b\n  c\n", "body")
    assert text.value == "a\n  b\nc\n"
    # the two kept spaces are the ones after the block's indentation, not the indentation itself
    assert column_of_each(text)[2:5] == [(" ", 3, 3), (" ", 3, 4), ("b", 3, 5)]
    assert where(text, "c") == (4, 3, 4, 4)


def test_explicit_indentation_indicator() -> None:
    text = text_of("body: |2\n    indented\n  flush\n", "body")
    assert text.value == "  indented\nflush\n"
    assert where(text, "  indented") == (2, 3, 2, 13)
    assert where(text, "flush") == (3, 3, 3, 8)


def test_folded_block_positions() -> None:
    text = text_of("body: >\n  one\n  two\n\n  three\n    kept\n  four\n", "body")
    assert text.value == "one two\nthree\n  kept\nfour\n"
    assert "\a" not in text.value
    assert where(text, "two") == (3, 3, 3, 6)
    assert where(text, "three") == (5, 3, 5, 8)
    assert where(text, "kept") == (6, 5, 6, 9)
    assert where(text, "four") == (7, 3, 7, 7)


def test_folded_block_with_chomping_and_comment_header() -> None:
    text = text_of("body: >- # folded\n  alpha\n  beta\nnext: 1\n", "body")
    assert text.value == "alpha beta"
    assert where(text, "beta") == (3, 3, 3, 7)


def test_a_span_across_lines_of_a_block() -> None:
    text = text_of("body: |\n  alpha\n  beta\n", "body")
    assert where(text, "pha\nbe") == (2, 5, 3, 5)


# --- quoted and plain scalars ----------------------------------------------------------

def test_double_quoted_escapes() -> None:
    text = text_of('k: "a\\nb \\"q\\" caf\\u00e9 end"\n', "k")
    assert text.value == 'a\nb "q" café end'
    assert column_of_each(text)[:4] == [("a", 1, 5), ("\n", 1, 6), ("b", 1, 8), (" ", 1, 9)]
    assert where(text, '"') == (1, 10, 1, 11)  # the escape's backslash
    assert where(text, "q") == (1, 12, 1, 13)
    assert where(text, "é") == (1, 19, 1, 20)
    assert where(text, "end") == (1, 26, 1, 29)


def test_double_quoted_value_starting_with_an_escaped_quote() -> None:
    text = text_of('k: "\\"hi\\""\n', "k")
    assert text.value == '"hi"'
    assert column_of_each(text) == [('"', 1, 5), ("h", 1, 7), ("i", 1, 8), ('"', 1, 9)]


def test_double_quoted_escaped_line_break_joins_lines() -> None:
    text = text_of('k: "one \\\n    two"\n', "k")
    assert text.value == "one two"
    assert where(text, "two") == (2, 5, 2, 8)


def test_double_quoted_multi_line_folds_to_a_space() -> None:
    text = text_of('k: "first\n  second"\n', "k")
    assert text.value == "first second"
    assert where(text, "second") == (2, 3, 2, 9)


def test_single_quoted_doubled_quote() -> None:
    text = text_of("k: '''tis Bob''s turn'\n", "k")
    assert text.value == "'tis Bob's turn"
    assert column_of_each(text)[:2] == [("'", 1, 5), ("t", 1, 7)]
    assert where(text, "s turn") == (1, 16, 1, 22)


def test_plain_multi_line_scalar() -> None:
    text = text_of("k: first part\n  second part\n  third\n", "k")
    assert text.value == "first part second part third"
    assert where(text, "second") == (2, 3, 2, 9)
    assert where(text, "third") == (3, 3, 3, 8)


def test_empty_string_is_anchored_at_its_place() -> None:
    text = text_of("a: 1\nk: ''\n", "k")
    assert text.value == ""
    span = text.span()
    assert (span.start_line, span.start_column) == (2, 4)


# --- duplicates, tags, aliases -----------------------------------------------------------

def test_duplicate_key_is_reported_at_the_second_key() -> None:
    root, problems = load("id: x\nname: first\nother: 1\nname: second\n")
    assert root is not None and root.plain()["name"] == "second"
    assert len(problems) == 1
    problem = problems[0]
    assert "duplicate key 'name'" in problem.message
    assert (problem.span.start_line, problem.span.start_column, problem.span.end_column) == (4, 1, 5)


def test_duplicate_key_in_a_nested_flow_mapping() -> None:
    _root, problems = load("outer:\n  inner: {a: 1, b: 2, a: 3}\n")
    assert [(p.span.start_line, p.span.start_column) for p in problems] == [(2, 23)]
    assert "'a'" in problems[0].message


@pytest.mark.parametrize("tagged", ["!!python/object:os.system {}", "!!python/name:os.system", "!custom 3",
                                    "!custom [1, 2]", "!!python/object/apply:os.system [ls]"])
def test_unsupported_tags_are_rejected(tagged: str) -> None:
    problem = only_problem(f"safe: 1\nvalue: {tagged}\n")
    assert "unsupported YAML tag" in problem.message
    assert (problem.span.start_line, problem.span.start_column) == (2, 8)


def test_core_tags_are_accepted() -> None:
    assert root_of("a: !!str 3\nb: !!int '4'\nc: !!map {x: 1}\nd: !!seq [1]\n").plain() == {
        "a": "3", "b": 4, "c": {"x": 1}, "d": [1]}


def test_alias_bomb_is_refused_at_the_node_bound() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    problem = only_problem("\n".join(lines) + "\n")  # 10^9 nodes if expanded; the benchmark times it
    assert f"more than {MAX_NODES} nodes" in problem.message


@pytest.mark.parametrize("text", ["a: &a\n  b: *a\n", "a: &a [*a]\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    problem = only_problem(text)
    assert "deeper than" in problem.message
    assert problem.span.start_line == 1


def test_plain_alias_is_expanded() -> None:
    assert root_of("base: &b hello\ncopy: *b\n").plain() == {"base": "hello", "copy": "hello"}


def test_merge_keys_merge_and_local_keys_win() -> None:
    root = root_of("base: &b {model: gpt-4o, temperature: 0.2}\nchild:\n  <<: *b\n  temperature: 0.7\n")
    child = root.get("child")
    assert child is not None
    assert child.plain() == {"model": "gpt-4o", "temperature": 0.7}
    assert "<<" not in child.value
    model = child.get("model")
    assert model is not None and model.span.start_line == 1  # where the merged value is written


def test_merge_of_a_list_of_mappings_first_wins() -> None:
    root = root_of("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert root.plain()["c"] == {"x": 1, "y": 2}


# --- syntax errors and fragments ---------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "column"), [
    ("a: 1\n b: 2\n", 2, 3),
    ("a: [1, 2\nb: 3\n", 2, 2),
    ("a: 1\nb: 'open\n", 3, 1),
    ("list:\n- a\n- b: c\n  d\n", 5, 1),
])
def test_syntax_errors_are_located(text: str, line: int, column: int) -> None:
    problem = only_problem(text)
    assert problem.message.startswith("YAML does not parse")
    assert (problem.span.start_line, problem.span.start_column) == (line, column)


def test_control_character_is_located() -> None:
    problem = only_problem('a: 1\nb: "x\x01"\n')
    assert "YAML does not parse" in problem.message
    assert (problem.span.start_line, problem.span.start_column) == (2, 6)


def test_several_documents_are_an_error() -> None:
    problem = only_problem("a: 1\n---\nb: 2\n")
    assert problem.span.start_line == 2


def test_empty_and_comment_only_yaml_give_nothing() -> None:
    assert load("") == (None, [])
    assert load("# nothing here\n") == (None, [])


def test_non_scalar_key_is_a_problem() -> None:
    problem = only_problem("? [a, b]\n: 1\n")
    assert "plain scalar" in problem.message


def test_fragment_keeps_whole_file_positions() -> None:
    text = "---\ntitle: hello\nbody: |\n  line {{ x }}\ndup: 1\ndup: 2\n---\nthe body\n"
    end = text.index("---", 4)
    root, problems = load(text, 4, end)
    assert root is not None
    title = root.get("title")
    assert title is not None and title.key_span is not None
    assert (title.key_span.start_line, title.key_span.start_column) == (2, 1)
    assert (title.span.start_line, title.span.start_column, title.span.end_column) == (2, 8, 13)
    body = root.get("body")
    assert body is not None and body.text is not None
    assert where(body.text, "x") == (4, 11, 4, 12)
    assert [(p.span.start_line, p.span.start_column) for p in problems] == [(6, 1)]


def test_fragment_syntax_error_is_located_in_the_whole_file() -> None:
    text = "---\nok: 1\nbad: [\n---\nbody\n"
    problem = load(text, 4, text.index("---", 4))[1][0]
    assert problem.message.startswith("YAML does not parse")
    assert problem.span.start_line == 4


def test_libyaml_and_the_python_scanner_give_the_same_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "id: x  # comment\nlist: [1, 'two', \"thr\\u00e9e\"]\nblock: |\n  héllo {{ a }}\n    more\n"
        "folded: >-\n  one\n  two\n\n  three\nplain: multi\n  line\nanchor: &a {k: v}\nalias: *a\n"
    )

    def snapshot() -> list[tuple[object, ...]]:
        root, problems = yaml_tree.load_yaml(SourceFile(Path("x.yaml"), "x.yaml", text))
        assert root is not None and not problems
        rows = []
        for key, node in root.items():
            offsets = tuple(node.text.offset(i) for i in range(len(node.text.value))) if node.text else ()
            rows.append((key, node.plain(), node.span, node.key_span, offsets))
        return rows

    libyaml = snapshot()
    monkeypatch.setattr(yaml_tree, "PURE_PYTHON", True)
    assert snapshot() == libyaml


# --- double-quoted line folding, as YAML emitters write long strings ----------------------

def test_double_quoted_escaped_line_break_then_escaped_space() -> None:
    # PyYAML and ruamel fold a long string at a space this way: the next line's leading white
    # space is stripped, and `\ ` gives the space that would otherwise be lost
    text = text_of('key: "first part of a long line that was folded \\\n  \\ continues here"\n', "key")
    assert text.value == "first part of a long line that was folded  continues here"
    assert column_of_each(text)[40:44] == [("d", 1, 47), (" ", 1, 48), (" ", 2, 3), ("c", 2, 5)]
    assert where(text, "continues") == (2, 5, 2, 14)


@pytest.mark.parametrize(("source", "value", "expected"), [
    ('k: "a\n  \\ b"\n', "a  b", [("a", 1, 5), (" ", 1, 6), (" ", 2, 3), ("b", 2, 5)]),  # fold, then `\ `
    ('k: "a \n\\ b"\n', "a  b", [("a", 1, 5), (" ", 1, 7), (" ", 2, 1), ("b", 2, 3)]),  # trailing space dropped
    ('k: "a\n\n  \\ b"\n', "a\n b", [("a", 1, 5), ("\n", 2, 1), (" ", 3, 3), ("b", 3, 5)]),  # an empty line
    ('k: "a\\\n\n  b"\n', "a\nb", [("a", 1, 5), ("\n", 2, 1), ("b", 3, 3)]),  # escaped break, empty line
    ('k: "a \\\n \tb"\n', "a b", [("a", 1, 5), (" ", 1, 6), ("b", 2, 3)]),  # a tab is leading white space
    ("k: 'a\n\n  b'\n", "a\nb", [("a", 1, 5), ("\n", 2, 1), ("b", 3, 3)]),
    ("k: a\n\n  b\n", "a\nb", [("a", 1, 4), ("\n", 2, 1), ("b", 3, 3)]),
])
def test_flow_scalar_folding_keeps_every_character_in_place(source: str, value: str,
                                                            expected: list[tuple[str, int, int]]) -> None:
    text = text_of(source, "k")
    assert text.value == value
    assert column_of_each(text) == expected


def _escape_produces(source: str, at: int, char: str) -> bool:
    """Whether a double-quoted escape starting at `at` gives `char` (decoded by ruamel, not by us)."""
    loader = YAML(typ="safe", pure=True)
    for length in (2, 4, 6, 10):
        try:
            if loader.load('"' + source[at:at + length] + '"') == char:
                return True
        except YAMLError:
            continue
    return False


# words and runs of spaces, so that emitters fold lines at spaces (and write `\ `), among awkward characters
yaml_text = st.lists(st.one_of(st.sampled_from([" ", "  ", "word", "longer words", "\t", "\n", "\r", '"', "\\", "'",
                                                "#", ": ", "é", "😀", "\u2028", "\x85", "\ufeff"]),
                               st.characters(codec="utf-8")), max_size=30).map("".join)


@pytest.mark.parametrize("pure", [False, True])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=yaml_text, width=st.integers(5, 30), depth=st.integers(0, 2),
       line_break=st.sampled_from(["\n", "\r\n", "\r"]))
def test_every_character_of_an_emitted_double_quoted_string_is_in_place(
        monkeypatch: pytest.MonkeyPatch, pure: bool, value: str, width: int, depth: int, line_break: str) -> None:
    monkeypatch.setattr(yaml_tree, "PURE_PYTHON", pure)
    dumper = YAML(typ="safe", pure=True)
    dumper.default_style = '"'
    dumper.width = width  # small, so that long strings fold over lines
    dumper.line_break = line_break
    data: object = value
    for _ in range(depth):
        data = {"outer": [data]}
    stream = io.StringIO()
    dumper.dump({"k": data}, stream)
    source = stream.getvalue()
    root = root_of(source)
    node = root.get("k")
    for _ in range(depth):
        assert node is not None
        node = node.get("outer")
        assert node is not None
        node = node.elements()[0]
    assert node is not None and node.text is not None
    text = node.text
    value = text.value  # as loaded: ruamel's emitter does not round-trip every string ('0\x1f0 0')
    starts = [text.span(i, i + 1).start for i in range(len(value))]
    assert starts == sorted(set(starts)), source  # each character from its own place, none from the quote
    assert all(start > node.span.start for start in starts), source
    for char, start in zip(value, starts, strict=True):
        found = source[start]
        folded = char in " \n" and found in "\r\n"  # a line break, kept as a line feed or folded to a space
        assert found == char or folded or (found == "\\" and _escape_produces(source, start, char)), (
            source, char, start)


@pytest.mark.parametrize("pure", [False, True])
def test_one_yaml_instance_serves_every_load_and_a_failed_load_leaves_nothing_behind(
        monkeypatch: pytest.MonkeyPatch, pure: bool) -> None:
    monkeypatch.setattr(yaml_tree, "PURE_PYTHON", pure)
    monkeypatch.setattr(yaml_tree, "_COMPOSERS", {})
    built: list[YAML] = []

    def counted(**options: object) -> YAML:
        built.append(YAML(**options))  # type: ignore[arg-type]
        return built[-1]

    monkeypatch.setattr(yaml_tree, "YAML", counted)
    good = "a: &x [1, 'two']\nb: *x\nc: |\n  text {{ v }}\n"

    def snapshot() -> list[tuple[object, ...]]:
        root = root_of(good)
        return [(key, node.plain(), node.span, node.text.segments if node.text else None) for key, node in root.items()]

    first = snapshot()
    for broken in ("a: &y [1, 2\n", "a: \x01\n", "a: &y 1\nb: [\n", "a: 1\n---\nb: 2\n", "a: &y 1\nb: *z\n"):
        assert load(broken)[0] is None
    assert "undefined alias" in only_problem("a: *y\n").message  # an earlier load's anchors are forgotten
    assert snapshot() == first
    assert len(built) == 1
    assert len(built[0].doc_infos) == 1  # what ruamel keeps per load does not pile up
