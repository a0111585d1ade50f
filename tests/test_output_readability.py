"""What a newcomer reads: code frames on long lines, the github format's streams, YAML syntax
errors in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, invoke, write
from click.testing import CliRunner
from rich.cells import cell_len

from promptlint.cli import main
from promptlint.loaders import yaml_tree
from promptlint.model import Problem, SourceFile

COLUMNS = 100


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def text_report(*args: str, columns: int | None = COLUMNS) -> str:
    """The text report at a console `columns` wide (None: into a pipe, whatever the test's terminal)."""
    result = CliRunner().invoke(main, ["check", "--no-color", *args], catch_exceptions=False, env={
        "NO_COLOR": None, "FORCE_COLOR": None, "COLUMNS": str(columns) if columns else None})
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result.stdout


def frame_of(output: str, needle: str) -> tuple[str, str, str]:
    """The finding line of the code frame whose header holds `needle`, as printed (gutter and
    all), its code after the gutter, and the caret line's text after the gutter."""
    lines = output.splitlines()
    header = next(index for index, line in enumerate(lines) if needle in line)
    index = next(index for index in range(header, len(lines)) if re.match(r"^ > +\d+ │ ", lines[index]))
    code_line, caret_line = lines[index], lines[index + 1]
    assert code_line.index("│") == caret_line.index("│")
    return code_line, code_line.split("│ ", 1)[1], caret_line.split("│ ", 1)[1]


def frame_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"^ [> ] +\d* │ ", line)]


def typo_prompt(content: str) -> str:
    """TYPO_PROMPT with the user message's content (which holds `{{ quesion }}`) replaced."""
    return TYPO_PROMPT.replace('"{{ quesion }}"', content)


# --- code frames on long lines ---------------------------------------------------------------------


def test_long_line_shows_a_window_around_the_caret(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", typo_prompt('"' + "a" * 250 + " {{ quesion }} " + "b" * 250 + '"'))
    output = text_report("a.prompt.yaml")
    printed, code, caret = frame_of(output, "error[PL002]")
    assert code.startswith("…") and code.endswith("…")  # cut on both sides
    assert "{{ quesion }}" in code
    assert cell_len(printed) == COLUMNS  # as wide as the console, no wider
    assert caret.index("^") == code.index("quesion")
    assert caret.strip() == "^" * len("quesion")
    assert all(cell_len(line) <= COLUMNS for line in frame_lines(output))


def test_finding_near_the_end_of_a_long_line_shows_the_line_end(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", typo_prompt('"' + "a" * 400 + ' {{ quesion }}"'))
    output = text_report("a.prompt.yaml")
    printed, code, caret = frame_of(output, "error[PL002]")
    assert code.startswith("…")
    assert code.endswith('{{ quesion }}"')  # the end of the line, not cut
    assert cell_len(printed) <= COLUMNS
    assert caret.index("^") == code.index("quesion")
    assert caret.strip() == "^" * len("quesion")


def test_finding_near_the_start_of_a_long_line_cuts_only_the_end(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", typo_prompt('"{{ quesion }} ' + "b" * 400 + '"'))
    output = text_report("a.prompt.yaml")
    printed, code, caret = frame_of(output, "error[PL002]")
    assert code.startswith('    content: "{{ quesion }} bbb')
    assert code.endswith("…")
    assert cell_len(printed) == COLUMNS
    assert caret == " " * code.index("quesion") + "^" * len("quesion")


# the window ends at the line's end, so one more character there moves the cut to the other half of a wide one
@pytest.mark.parametrize(("tail", "cut"), [("", "… 語"), ("x", "…語")], ids=["cut-in-a-character", "cut-between"])
def test_caret_sits_under_its_word_after_a_long_run_of_wide_characters(in_tmp: Path, tail: str, cut: str) -> None:
    write(in_tmp / "a.prompt.yaml", typo_prompt('"' + "日本語の文章" * 30 + f' {{{{ quesion }}}} 終わり{tail}"'))
    output = text_report("a.prompt.yaml")
    printed, code, caret = frame_of(output, "error[PL002]")
    assert code.startswith(cut)  # half a wide character shows as a space
    assert cell_len(printed) <= COLUMNS
    # the caret's column, counted in cells, is the column of the word it marks
    assert caret.index("^") == cell_len(code[:code.index("quesion")])
    assert caret.strip() == "^" * len("quesion")
    assert all(cell_len(line) <= COLUMNS for line in frame_lines(output))


def test_wide_characters_under_the_caret_are_underlined_by_cells(in_tmp: Path) -> None:
    # PL102 marks `{{ question }}`; the frame is cut after the wide text that follows it
    write(in_tmp / "a.prompt.yaml", typo_prompt('"{{ question }} ' + "長い文章" * 60 + '"').replace(
        "quesion", "question"))
    output = text_report("a.prompt.yaml")
    _, code, caret = frame_of(output, "[PL102]")
    assert code.endswith("…")
    assert caret == " " * code.index("{{") + "^" * len("{{ question }}")


def test_short_lines_are_not_cut(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", TYPO_PROMPT)
    output = text_report("a.prompt.yaml", columns=60)
    assert "…" not in output
    _, code, caret = frame_of(output, "error[PL002]")
    assert code == '    content: "{{ quesion }}"'
    assert caret == " " * code.index("quesion") + "^" * len("quesion")


def test_context_lines_are_cut_at_the_same_columns(in_tmp: Path) -> None:
    text = typo_prompt('"' + "a" * 300 + ' {{ quesion }}"').replace(
        "  - role: user\n", "  - role: user\n    name: " + "n" * 400 + "\n")
    write(in_tmp / "a.prompt.yaml", text)
    output = text_report("a.prompt.yaml")
    lines = output.splitlines()
    printed, _, _ = frame_of(output, "error[PL002]")
    above = lines[lines.index(printed) - 1]
    assert above.split("│ ", 1)[1].startswith("…nnnn")
    assert above.split("│ ", 1)[1].endswith("…")
    assert cell_len(above) <= COLUMNS


def test_into_a_pipe_frames_are_cut_at_140_columns(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", typo_prompt('"' + "a" * 250 + " {{ quesion }} " + "b" * 250 + '"'))
    printed, _, _ = frame_of(text_report("a.prompt.yaml", columns=None), "error[PL002]")
    assert cell_len(printed) == 140


# --- github: annotations on standard output, the summary on standard error -----------------------


def test_github_writes_only_annotations_to_stdout(in_tmp: Path) -> None:
    write(in_tmp / "prompts" / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--format", "github", "prompts")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(("::error file=prompts/typo.prompt.yaml,", "::warning file=prompts/typo.prompt.yaml,"))
               for line in lines)
    assert "::error file=prompts/typo.prompt.yaml,line=9,col=18," in result.stdout
    assert result.stderr == "Found 2 findings (1 error, 1 warning) in 1 of 1 file.\n"


def test_github_clean_run_prints_nothing_on_stdout(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", CLEAN_PROMPT)
    result = invoke("check", "--format", "github", ".")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No findings in 1 file.\n"


def test_github_with_output_file_keeps_the_summary_on_stderr(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--format", "github", "--output", "annotations.txt", "a.prompt.yaml")
    assert result.exit_code == 1
    annotations = (in_tmp / "annotations.txt").read_text(encoding="utf-8").splitlines()
    assert annotations and all(line.startswith("::") for line in annotations)
    assert result.stdout == ""
    assert result.stderr.startswith("Found 2 findings")


# --- YAML syntax errors in plain words ---------------------------------------------------------


def problem_of(text: str, pure: bool, monkeypatch: pytest.MonkeyPatch) -> Problem:
    monkeypatch.setattr(yaml_tree, "PURE_PYTHON", pure)
    root, problems = yaml_tree.load_yaml(SourceFile(Path("x.yaml"), "x.yaml", text))
    assert root is None
    [problem] = problems
    return problem


# (text, where the parser stops, words the message must hold, the parser's words for libyaml and for Python)
SYNTAX_ERRORS = [
    ("id: a\nmessages:\n  - role: user\n    content: Answer: yes\n", (4, 20), "holds ': '",
     ("mapping values are not allowed in this context", "mapping values are not allowed here")),
    ("id: a\nvariables:\n    question: 1\n  other: 2\n", (4, 3), "indented differently from the key above it",
     ("did not find expected key", "expected <block end>, but found '<block mapping start>'")),
    ("id: a\nmessages:\n  - role: system\n    content: x\n - role: user\n    content: y\n", (5, 2),
     "list item is indented differently",
     ("did not find expected key", "expected <block end>, but found '<block sequence start>'")),
    ("id: a\nmessages:\n\t- role: user\n", (3, 1), "YAML indents with spaces only",
     ("found character that cannot start any token", "found character '\\t' that cannot start any token")),
    ("id: a\nmessages\n  - role: user\n", (3, 9), "the text at line 2, column 1 reads as a key",
     ("could not find expected ':'", "could not find expected ':'")),
    ('id: a\ndescription: "open\nversion: 1\n', (4, 1), "the quoted value that opens at line 2, column 14 is never "
     'closed: add its closing "', ("found unexpected end of stream", "found unexpected end of stream")),
]


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "python"])
@pytest.mark.parametrize(("text", "position", "words", "raw"), SYNTAX_ERRORS,
                         ids=["colon-in-value", "key-indent", "item-indent", "tab", "missing-colon", "open-quote"])
def test_yaml_syntax_errors_in_plain_words(text: str, position: tuple[int, int], words: str, raw: tuple[str, str],
                                           pure: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    problem = problem_of(text, pure, monkeypatch)
    assert (problem.span.start_line, problem.span.start_column) == position
    assert problem.message.startswith("YAML does not parse: ")
    assert words in problem.message
    # the parser's own words close the message, for searching
    assert problem.message.endswith(f"({raw[pure]})")


def test_unknown_yaml_errors_keep_the_parser_words(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = problem_of("a: b\n%x\n", False, monkeypatch)
    assert problem.message == "YAML does not parse: found unknown directive name"


def test_plain_words_reach_the_text_report(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", CLEAN_PROMPT.replace("You are a billing assistant.",
                                                         "Role: you are a billing assistant."))
    output = text_report("a.prompt.yaml")
    assert "  error[PL001] invalid-document a.prompt.yaml:7:18" in output
    assert "a value here holds ': '" in output
    assert "see README" not in output


def test_no_show_source_gives_one_block_without_code_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.prompt.yaml").write_text(
        "id: a\nversion: 1.0.0\nmessages:\n  - role: user\n    content: '{{ quesion }}'\n", "utf-8")
    shown = CliRunner().invoke(main, ["check", ".", "--no-color"]).stdout
    hidden = CliRunner().invoke(main, ["check", ".", "--no-color", "--no-show-source"]).stdout
    assert " > 5 │" in shown and "│" not in hidden
    assert "error[PL002] undeclared-variable a.prompt.yaml:5:18" in hidden
