"""The JSON loader: located nodes, decoded strings mapped back to their columns, errors located."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.loaders import json_tree
from promptlint.loaders.json_tree import load_json
from promptlint.model import Node, Problem, SourceFile, Text


def load(text: str) -> tuple[Node | None, list[Problem]]:
    return load_json(SourceFile(Path("t.json"), "t.json", text))


def root_of(text: str) -> Node:
    root, problems = load(text)
    assert problems == []
    assert root is not None
    return root


def only_problem(text: str) -> Problem:
    root, problems = load(text)
    assert root is None
    assert len(problems) == 1, problems
    return problems[0]


def start_of(text: Text, index: int) -> tuple[int, int]:
    span = text.span(index, index + 1)
    return span.start_line, span.start_column


def test_values_and_plain_data() -> None:
    root = root_of('{"a": 1, "b": -2.5e1, "c": [true, false, null], "d": {}, "e": "x", "f": 0}')
    assert root.plain() == {"a": 1, "b": -25.0, "c": [True, False, None], "d": {}, "e": "x", "f": 0}
    assert isinstance(root.plain()["a"], int)
    assert root.get("e").text is not None  # type: ignore[union-attr]
    assert root.get("a").text is None  # type: ignore[union-attr]


def test_key_and_value_spans() -> None:
    root = root_of('{\n  "name": "get_weather",\n  "parameters": {\n    "type": "object"\n  },\n  "n": [1, 22]\n}')
    assert (root.span.start_line, root.span.start_column, root.span.end_line, root.span.end_column) == (1, 1, 7, 2)
    name = root.get("name")
    assert name is not None and name.key_span is not None
    assert (name.key_span.start_line, name.key_span.start_column, name.key_span.end_column) == (2, 3, 9)
    assert (name.span.start_line, name.span.start_column, name.span.end_column) == (2, 11, 24)
    parameters = root.get("parameters")
    assert parameters is not None
    assert (parameters.span.start_line, parameters.span.start_column) == (3, 17)
    assert (parameters.span.end_line, parameters.span.end_column) == (5, 4)
    assert parameters.find(["type"]).span.start_line == 4
    number = root.get("n").elements()[1]  # type: ignore[union-attr]
    assert (number.span.start_column, number.span.end_column) == (12, 14)


def test_string_characters_are_located() -> None:
    root = root_of('{"description": "Line one.\\nLine two has {{ x }}."}')
    text = root.get("description").text  # type: ignore[union-attr]
    assert text is not None
    assert text.value == "Line one.\nLine two has {{ x }}."
    index = text.value.index("x }}")
    assert start_of(text, index) == (1, 45)
    assert start_of(text, text.value.index("\n")) == (1, 27)  # the backslash of `\n`


def test_escapes_and_surrogate_pairs_map_to_their_columns() -> None:
    # columns: x=8, \ud83d\ude00 at 9..20, y=21, \n at 22, \" at 24, z=26, \u00e9 at 27..32, w=33, \/ at 34
    text = root_of('{"a": "x\\ud83d\\ude00y\\n\\"z\\u00e9w\\/"}').get("a").text  # type: ignore[union-attr]
    assert text is not None
    assert text.value == 'x\U0001f600y\n"zéw/'
    assert [start_of(text, i) for i in range(len(text.value))] == [
        (1, 8), (1, 9), (1, 21), (1, 22), (1, 24), (1, 26), (1, 27), (1, 33), (1, 34)]


def test_lone_high_surrogate_is_kept_and_the_next_character_stays_in_place() -> None:
    text = root_of('{"a": "\\ud83dk"}').get("a").text  # type: ignore[union-attr]
    assert text is not None
    assert text.value == "\ud83dk"
    assert start_of(text, 1) == (1, 14)


def test_multi_line_file_positions() -> None:
    text = root_of('{\n  "a": 1,\n  "b": "first\\nsecond"\n}').get("b").text  # type: ignore[union-attr]
    assert text is not None
    assert start_of(text, text.value.index("second")) == (3, 16)


def test_duplicate_key_is_reported_at_the_second_key() -> None:
    root, problems = load('{\n  "a": 1,\n  "b": 2,\n  "a": 3\n}')
    assert root is not None and root.plain() == {"a": 3, "b": 2}
    assert len(problems) == 1
    assert "duplicate key 'a'" in problems[0].message
    span = problems[0].span
    assert (span.start_line, span.start_column, span.end_column) == (4, 3, 6)


def test_duplicate_keys_in_nested_objects() -> None:
    _root, problems = load('[{"x": 1}, {"y": {"z": 1, "z": 2}}]')
    assert [(p.span.start_line, p.span.start_column) for p in problems] == [(1, 27)]


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ('{"a": 1,}', "expected a string key", 1, 9),
    ('[1, 2,]', "unexpected character ']'", 1, 7),
    ('{\n  "a": "abc\n}', "control character", 2, 12),
    ('{"a": "abc', "unterminated string", 1, 7),
    ('{"a": "x\\q"}', "invalid escape '\\q'", 1, 9),
    ('{"a": "\\u12G4"}', "four hex digits", 1, 8),
    ('{\n  "a": 1\n  "b": 2\n}', "expected ',' or '}'", 3, 3),
    ('[1 2]', "expected ',' or ']'", 1, 4),
    ('{"a" 1}', "expected ':'", 1, 6),
    ("{'a': 1}", "expected a string key", 1, 2),
    ('{"a": NaN}', "unexpected character 'N'", 1, 7),
    ('{"a": 01}', "expected ',' or '}'", 1, 8),
    ('{"a": 1}\n{"b": 2}', "unexpected text after", 2, 1),
    ("", "unexpected end of file", 1, 1),
    ('{"a": [1,\n', "unexpected end of file", 2, 1),
])
def test_errors_are_located(text: str, message: str, line: int, column: int) -> None:
    problem = only_problem(text)
    assert problem.message.startswith("JSON does not parse: ")
    assert message in problem.message
    assert (problem.span.start_line, problem.span.start_column) == (line, column)


def test_nesting_within_the_bound_is_read() -> None:
    depth = json_tree.MAX_DEPTH
    root = root_of("[" * depth + "]" * depth)
    assert root.kind == "sequence"


@pytest.mark.parametrize("depth", [json_tree.MAX_DEPTH + 2, 50_000])
def test_deep_nesting_is_refused_without_recursion_error(depth: int) -> None:
    problem = only_problem("[" * depth + "]" * depth)
    assert f"deeper than {json_tree.MAX_DEPTH}" in problem.message
    assert (problem.span.start_line, problem.span.start_column) == (1, json_tree.MAX_DEPTH + 2)


def test_deep_objects_are_refused_too() -> None:
    depth = json_tree.MAX_DEPTH + 5
    problem = only_problem('{"a": ' * depth + "1" + "}" * depth)
    assert "deeper than" in problem.message
