"""JSON Lines tool sets: one definition (or benchmark record) per line, each located on its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import json_report, write

from promptlint.formats import read_document

TOOL = '{"name": "%s", "description": "%s", "parameters": {"type": "object", "properties": {}}}'


def test_each_line_is_a_tool_located_on_its_line(tmp_path: Path) -> None:
    lines = [TOOL % ("get_weather", "Get the weather."), "", TOOL % ("get_time", "Get the time.")]
    path = write(tmp_path / "tools" / "set.jsonl", "\n".join(lines) + "\n")
    document = read_document(path, "tools/set.jsonl")
    assert document is not None and document.format == "tools" and not document.problems
    assert [(tool.name, tool.name_span.start_line, tool.name_span.start_column) for tool in document.tools
            if tool.name_span] == [("get_weather", 1, 10), ("get_time", 3, 10)]


def test_benchmark_records_list_their_functions(tmp_path: Path) -> None:
    record = '{"id": "q1", "question": [[{"role": "user", "content": "hi"}]], "function": [%s]}'
    path = write(tmp_path / "bench.jsonl", record % (TOOL % ("lookup", "Look up a word.")) + "\r\n")
    document = read_document(path, "bench.jsonl")
    assert document is not None
    [tool] = document.tools
    assert tool.description is not None and tool.description.span().start_line == 1


def test_a_broken_line_is_a_problem_of_that_line_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "set.jsonl", TOOL % ("a", "A tool.") + '\n{"name": "b",\n' + TOOL % ("c", "C tool.") + "\n")
    document = read_document(path, "set.jsonl")
    assert document is not None and [tool.name for tool in document.tools] == ["a", "c"]
    [problem] = document.problems
    assert not problem.fatal
    assert problem.message.startswith("line 2 of this JSON Lines file (one JSON value per line) does not parse")
    assert problem.span.start_line == 2


@pytest.mark.parametrize("content", ['{"event": "click"}\n{"event": "view"}\n', ""])
def test_json_lines_without_tools_are_not_ours(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "events.jsonl", content)
    assert read_document(path, "events.jsonl") is None


def test_a_tool_rule_reports_on_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shell = ('{"name": "run", "description": "Run a command.", "parameters": {"type": "object", '
             '"properties": {"command": {"type": "string", "description": "Shell command to execute"}}, '
             '"required": ["command"]}}')
    clean = TOOL % ("get_time", "Returns the current time in UTC as an ISO 8601 string.")
    write(tmp_path / "tools.jsonl", clean + "\n" + shell + "\n")
    report = json_report(".")
    lines = {item["start_line"] for item in report["findings"] if item["rule_id"].startswith("PL2")}
    assert lines == {2}


def test_pl001_help_speaks_to_the_format_at_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tools.jsonl", '{"name": "a",\n')
    write(tmp_path / "AGENTS.md", "---\nname: [x\n---\nBe brief.\n")
    report = json_report(".")
    hints = {item["path"]: item["fix_hint"] for item in report["findings"] if item["rule_id"] == "PL001"}
    assert hints["tools.jsonl"].startswith("A JSON Lines file holds one complete JSON value per line")
    assert hints["AGENTS.md"].startswith("The front matter between the opening and closing `---` lines is YAML")


def test_a_tool_line_nested_past_the_bound_is_reported_not_skipped(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # nesting must not hide a tool set from the linter, even among lines that hold no tool
    nested = '{"tools": ' + "[" * 300 + "]" * 300 + "}"
    write(tmp_path / "x.jsonl", '{"name": "a"}\n' + nested + "\n")
    write(tmp_path / "plain.jsonl", '{"name": "a"}\n' + "[" * 300 + "]" * 300 + "\n")
    monkeypatch.chdir(tmp_path)
    report = json_report(".")
    assert [(item["path"], item["rule_id"], item["start_line"]) for item in report["findings"]] == [
        ("x.jsonl", "PL001", 2)]
    assert [item["path"] for item in report["skipped"]] == ["plain.jsonl"]
