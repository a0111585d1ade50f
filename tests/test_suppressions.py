"""Inline suppressions: `promptlint: disable=` (a line) and `disable-file=` (the whole file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, found, invoke, json_report, write

from promptlint.model import SourceFile
from promptlint.suppressions import parse_directives

TYPO_LINE = '    content: "{{ quesion }}"'  # line 9 of TYPO_PROMPT: PL002
DECLARED_LINE = "  question: {trust: untrusted, max_tokens: 500}"  # line 4 of TYPO_PROMPT: PL003


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(path: Path, *args: str) -> dict[str, Any]:
    return json_report(*args, path.name)


def rules_at(report: dict[str, Any]) -> set[tuple[str, int]]:
    return {(rule, line) for _path, rule, line in found(report)}


def typo_file(directory: Path, text: str = TYPO_PROMPT, name: str = "t.prompt.yaml") -> Path:
    return write(directory / name, text)


def test_without_suppressions_both_findings_are_reported(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp))
    assert rules_at(report) == {("PL002", 9), ("PL003", 4)}
    assert report["summary"]["suppressed"] == 0


# --- line suppressions --------------------------------------------------------------------------


def test_comment_on_the_line_above_suppresses(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, "    # promptlint: disable=PL002\n" + TYPO_LINE)
    report = lint(typo_file(in_tmp, text))
    assert rules_at(report) == {("PL003", 4)}
    assert report["summary"]["suppressed"] == 1


def test_trailing_comment_on_the_same_line_suppresses(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, TYPO_LINE + "  # promptlint: disable=PL002")
    report = lint(typo_file(in_tmp, text))
    assert rules_at(report) == {("PL003", 4)}
    assert report["summary"]["suppressed"] == 1


def test_trailing_comment_does_not_cover_the_next_line(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace("  - role: user\n", "  - role: user  # promptlint: disable=PL002\n")
    assert "role: user  # promptlint" in text
    report = lint(typo_file(in_tmp, text))
    assert rules_at(report) == {("PL002", 9), ("PL003", 4)}
    assert report["summary"]["suppressed"] == 0


def test_comment_above_covers_only_the_next_line(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace("  - role: user\n", "  # promptlint: disable=PL002\n  - role: user\n")
    report = lint(typo_file(in_tmp, text))
    assert rules_at(report) == {("PL002", 10), ("PL003", 4)}


def test_comment_on_a_line_suppresses_only_the_rules_it_names(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, TYPO_LINE + "  # promptlint: disable=PL003")
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL002", 9), ("PL003", 4)}


@pytest.mark.parametrize("selector", [
    "PL002", "PL00", "PL0", "PL", "undeclared-variable", "all", "PL003,PL002", "unused-variable, undeclared-variable",
])
def test_selectors_by_id_prefix_name_and_all(in_tmp: Path, selector: str) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, TYPO_LINE + f"  # promptlint: disable={selector}")
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL003", 4)}


@pytest.mark.parametrize("selector", ["PL003", "PL1", "unused-variable", "undeclared"])
def test_selectors_that_do_not_name_the_rule_do_not_suppress(in_tmp: Path, selector: str) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, TYPO_LINE + f"  # promptlint: disable={selector}")
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL002", 9), ("PL003", 4)}


def test_a_reason_after_double_dash_is_allowed(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(
        TYPO_LINE, "    # promptlint: disable=PL002 -- filled in by the gateway, not the caller\n" + TYPO_LINE)
    text = text.replace(DECLARED_LINE, DECLARED_LINE + "  # promptlint: disable=unused-variable -- kept for v1")
    report = lint(typo_file(in_tmp, text), "--strict-suppressions")
    assert rules_at(report) == set()
    assert report["summary"]["suppressed"] == 2


def test_a_declaration_line_can_be_suppressed(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(DECLARED_LINE, DECLARED_LINE + "  # promptlint: disable=unused-variable")
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL002", 9)}


def test_an_invalid_document_finding_can_be_suppressed(in_tmp: Path) -> None:
    text = CLEAN_PROMPT + "  # promptlint: disable=PL001 -- the loader keeps the last value\nversion: 1.0.1\n"
    assert rules_at(lint(typo_file(in_tmp, text))) == set()
    assert rules_at(lint(typo_file(in_tmp, text.replace("# promptlint: disable=PL001 -- ", "# ")))) == {
        ("PL001", 11)}


# --- file suppressions --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["top", "middle", "end"])
def test_disable_file_anywhere_covers_the_whole_file(in_tmp: Path, where: str) -> None:
    directive = "# promptlint: disable-file=PL002\n"
    text = TYPO_PROMPT + '  - role: user\n    content: "{{ other }}"\n'
    if where == "top":
        text = directive + text
    elif where == "middle":
        text = text.replace("messages:\n", "messages:\n  " + directive)
    else:
        text = text + directive
    report = lint(typo_file(in_tmp, text))
    assert {rule for rule, _line in rules_at(report)} == {"PL003"}
    assert report["summary"]["suppressed"] == 2


def test_disable_file_by_name_and_several_rules(in_tmp: Path) -> None:
    text = "# promptlint: disable-file=undeclared-variable, PL003\n" + TYPO_PROMPT
    report = lint(typo_file(in_tmp, text))
    assert rules_at(report) == set()
    assert report["summary"]["suppressed"] == 2


def test_disable_file_applies_to_its_own_file_only(in_tmp: Path) -> None:
    typo_file(in_tmp, "# promptlint: disable-file=all\n" + TYPO_PROMPT, "a.prompt.yaml")
    typo_file(in_tmp, TYPO_PROMPT, "b.prompt.yaml")
    assert found(json_report(".")) == {("b.prompt.yaml", "PL002", 9), ("b.prompt.yaml", "PL003", 4)}


def test_disable_file_in_a_jinja_comment_inside_a_message(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace("content: You are a billing assistant.",
                               'content: "You are a billing assistant. {# promptlint: disable-file=PL002 #}"')
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL003", 4)}


# --- Jinja comments inside a block scalar ------------------------------------------------------


BLOCK_PROMPT = """\
id: support.answer
version: 1.0.0
variables:
  company: {trust: trusted}
messages:
  - role: system
    content: |
      You are the billing assistant of {{ company }}.
      {# promptlint: disable=PL002 #}
      Sign every answer as {{ agent_name }}.
      Mention {{ team }}. {# promptlint: disable=undeclared-variable #}
      Close with {{ signature }}.
"""


def test_jinja_comment_in_a_block_scalar(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp, BLOCK_PROMPT))
    # line 10 is covered by the comment alone on line 9, line 11 by its trailing comment; line 12 by neither
    assert rules_at(report) == {("PL002", 12)}
    assert report["summary"]["suppressed"] == 2


def test_jinja_comment_alone_covers_only_the_next_line(in_tmp: Path) -> None:
    text = BLOCK_PROMPT.replace("      Sign every answer", "      Be polite.\n      Sign every answer")
    assert rules_at(lint(typo_file(in_tmp, text))) == {("PL002", 11), ("PL002", 13)}


def test_handlebars_and_html_comments(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt", '---\ninput:\n  schema:\n    question: string\n---\n{{role "system"}}\n'
                               "{{! promptlint: disable=PL002 }}\nSign as {{ agent }}.\nAgain {{ other }}.\n"
                               '{{role "user"}}\n{{ question }}\n')
    write(in_tmp / "b.md", "---\nname: helper\ninputs:\n  - name: topic\n  - name: spare\n---\n"
                           "<!-- promptlint: disable-file=PL003 -->\nTalk about {{ topic }} and {{ nope }}.\n")
    report = json_report("--select", "PL0", ".")  # the variable rules, which the comments name
    assert found(report) == {("a.prompt", "PL002", 9), ("b.md", "PL002", 8)}
    assert report["summary"]["suppressed"] == 2


# --- unused suppressions (PL009) ----------------------------------------------------------------


STALE = TYPO_PROMPT.replace("  - role: system\n", "  - role: system\n    # promptlint: disable=PL002\n") \
    .replace(TYPO_LINE, TYPO_LINE + "  # promptlint: disable=undeclared-variable")


def test_unused_suppressions_are_silent_by_default(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp, STALE))
    assert rules_at(report) == {("PL003", 4)}
    result = invoke("check", "--fail-on", "error", "t.prompt.yaml")
    assert result.exit_code == 0 and "PL009" not in result.stdout


def test_strict_suppressions_reports_unused_ones(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp, STALE), "--strict-suppressions")
    assert rules_at(report) == {("PL003", 4), ("PL009", 7)}
    [unused] = [finding for finding in report["findings"] if finding["rule_id"] == "PL009"]
    line = "    # promptlint: disable=PL002"
    assert (unused["start_column"], unused["end_line"], unused["end_column"]) == (
        line.index("promptlint") + 1, 7, len(line) + 1)
    assert unused["rule_name"] == "unused-suppression"
    assert unused["severity"] == "warning"
    assert "'PL002'" in unused["message"]
    assert report["summary"]["suppressed"] == 1  # the used one still counts


def test_strict_suppressions_fails_an_otherwise_clean_run(in_tmp: Path) -> None:
    typo_file(in_tmp, CLEAN_PROMPT.replace("  - role: user\n", "  - role: user  # promptlint: disable=PL005\n"))
    assert invoke("check", ".").exit_code == 0
    result = invoke("check", "--strict-suppressions", ".")
    assert result.exit_code == 1
    assert "warning[PL009] unused-suppression t.prompt.yaml:8:" in result.stdout


def test_strict_suppressions_names_each_unused_selector(in_tmp: Path) -> None:
    text = TYPO_PROMPT.replace(TYPO_LINE, TYPO_LINE + "  # promptlint: disable=PL002, PL005")
    report = lint(typo_file(in_tmp, text), "--strict-suppressions")
    [unused] = [finding for finding in report["findings"] if finding["rule_id"] == "PL009"]
    assert "'PL005'" in unused["message"] and "'PL002'" not in unused["message"]
    assert rules_at(report) == {("PL003", 4), ("PL009", 9)}


def test_unused_disable_file_is_reported(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp, "# promptlint: disable-file=PL005\n" + CLEAN_PROMPT), "--strict-suppressions")
    assert rules_at(report) == {("PL009", 1)}


@pytest.mark.parametrize("how", ["config", "select", "extend-select-name"])
def test_pl009_can_be_turned_on_in_other_ways(in_tmp: Path, how: str) -> None:
    typo_file(in_tmp, STALE)
    args: list[str] = []
    if how == "config":
        write(in_tmp / ".promptlint.yaml", "strict-suppressions: true\n")
    elif how == "select":
        args = ["--select", "PL002,PL003,PL009"]
    else:
        args = ["--extend-select", "unused-suppression"]
    result = invoke("check", "--format", "json", *args, "t.prompt.yaml")
    assert {(item["rule_id"], item["start_line"]) for item in json.loads(result.stdout)["findings"]} == {
        ("PL003", 4), ("PL009", 7)}


def test_select_all_does_not_turn_on_pl009(in_tmp: Path) -> None:
    report = lint(typo_file(in_tmp, STALE), "--select", "ALL")
    assert rules_at(report) == {("PL003", 4)}


# --- the parser ---------------------------------------------------------------------------------


def directives(text: str) -> list[tuple[tuple[str, ...], bool, tuple[int, ...]]]:
    source = SourceFile(Path("x.prompt.yaml"), "x.prompt.yaml", text)
    # which lines a file-wide directive sits on does not matter
    return [(item.selectors, item.file_wide, () if item.file_wide else item.lines)
            for item in parse_directives(source, [(0, len(text))])]  # the parser alone: all of it a comment


def test_parser_lines_covered() -> None:
    text = ("a: 1\n"
            "# promptlint: disable=PL002\n"
            "b: 2  # promptlint: disable=PL003,undeclared-variable -- why\n"
            "{# promptlint: disable-file=all #}\n"
            "c: promptlint: nothing here\n")
    assert directives(text) == [
        (("PL002",), False, (2, 3)),
        (("PL003", "undeclared-variable"), False, (3,)),
        (("all",), True, ()),
    ]


def test_all_is_accepted_in_either_case() -> None:
    for word in ("all", "ALL"):
        text = f"# promptlint: disable={word}\nx: 1\n"
        [directive] = parse_directives(SourceFile(Path("x"), "x", text), [(0, len(text))])
        assert directive.covers("PL002", "undeclared-variable", 2) == word


# --- only real comments count -------------------------------------------------------------------


def test_a_directive_in_a_json_string_suppresses_nothing(in_tmp: Path) -> None:
    # a poisoned MCP tool description must not switch the linter off for its own file
    write(in_tmp / "t.json", '{"tools":[{"name":"a","name":"a","description":"x promptlint: disable-file=all",'
                             '"inputSchema":{}}]}')
    report = json_report("t.json")
    assert rules_at(report) == {("PL001", 1)}
    assert report["summary"]["suppressed"] == 0


@pytest.mark.parametrize("content", [
    '"Reply briefly. # promptlint: disable-file=all"',  # a quoted string value
    "|\n      Reply briefly.\n      # promptlint: disable-file=all",  # a line of a block scalar is text
])
def test_a_directive_in_prompt_content_suppresses_nothing(in_tmp: Path, content: str) -> None:
    text = TYPO_PROMPT.replace("content: You are a billing assistant.", "content: " + content)
    report = lint(typo_file(in_tmp, text))
    assert {rule for rule, _line in rules_at(report)} == {"PL002", "PL003"}
    assert report["summary"]["suppressed"] == 0


def test_a_yaml_comment_after_a_plain_value_is_a_comment(in_tmp: Path) -> None:
    # in YAML ' # ...' after a plain scalar is a comment, not part of the value the model gets
    text = TYPO_PROMPT.replace("content: You are a billing assistant.",
                               "content: You are a billing assistant. # promptlint: disable-file=all")
    assert rules_at(lint(typo_file(in_tmp, text))) == set()


def test_a_directive_in_a_markdown_body_outside_a_comment_suppresses_nothing(in_tmp: Path) -> None:
    write(in_tmp / "b.agent.md", "---\nname: helper\ninputs:\n  - name: topic\n  - name: spare\n---\n"
                                 "promptlint: disable-file=PL003\nTalk about {{ topic }}.\n")
    assert found(json_report(".")) == {("b.agent.md", "PL003", 5)}


# --- unused suppressions are judged only where the rules they name ran ---------------------------


def test_no_unused_suppression_reported_where_the_named_rule_did_not_run(in_tmp: Path) -> None:
    broken = "# promptlint: disable=PL002\nid: [unclosed\n"
    write(in_tmp / "broken.prompt.yaml", broken)
    # the file does not parse, so PL002 never ran on it: its suppression cannot be called unused
    assert {rule for _path, rule, _line in found(json_report("--strict-suppressions", "."))} == {"PL001"}
    # nor when PL002 is not selected at all
    typo_file(in_tmp, STALE.replace("disable=PL002", "disable=PL003"), "s.prompt.yaml")
    report = json_report("--strict-suppressions", "--select", "PL001", "s.prompt.yaml")
    assert {rule for _path, rule, _line in found(report)} == set()


def test_a_comment_at_the_start_of_a_line_counts_with_any_line_break(in_tmp: Path) -> None:
    for newline in ("\n", "\r\n", "\r"):
        text = ("# promptlint: disable-file=PL002\n" + TYPO_PROMPT).replace("\n", newline)
        (in_tmp / "t.prompt.yaml").write_bytes(text.encode())
        assert {rule for rule, _line in rules_at(lint(in_tmp / "t.prompt.yaml"))} == {"PL003"}, repr(newline)
