"""`promptlint check - --stdin-filename NAME`: standard input linted as the file NAME, as ruff does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import BROKEN_PROMPT, CLEAN_PROMPT, TYPO_PROMPT, write
from click.testing import CliRunner, Result

from promptlint.cli import main

NAME = "prompts/x.prompt.yaml"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def piped(text: str | bytes, *args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], input=text, env={"NO_COLOR": None, "FORCE_COLOR": None,
                                                                       "COLUMNS": "120"}, catch_exceptions=False)


def test_bad_prompt_is_reported_under_the_given_name(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", NAME)
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == NAME
    assert f"  error[PL002] undeclared-variable {NAME}:9:18" in lines
    assert f"  warning[PL003] unused-variable {NAME}:4:3" in lines
    assert lines[-1] == "Found 2 findings (1 error, 1 warning) in 1 of 1 file."
    assert not (in_tmp / "prompts").exists()  # the name need not exist, and nothing is written


def test_good_prompt_exits_0(in_tmp: Path) -> None:
    result = piped(CLEAN_PROMPT, "-", "--stdin-filename", NAME)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == "No findings in 1 file.\n"


def test_json_output(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", NAME, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files_scanned"] == 1
    assert [(item["rule_id"], item["path"], item["start_line"], item["start_column"])
            for item in report["findings"]] == [("PL003", NAME, 4, 3), ("PL002", NAME, 9, 18)]


def test_github_output(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", NAME, "--format", "github")
    assert result.exit_code == 1
    assert f"::error file={NAME},line=9,col=18," in result.stdout
    assert result.stderr.startswith("Found 2 findings")


def test_a_file_that_does_not_parse_gets_pl001_at_its_position(in_tmp: Path) -> None:
    result = piped(BROKEN_PROMPT, "-", "--stdin-filename", NAME, "--format", "json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule_id"], finding["path"], finding["start_line"]) == ("PL001", NAME, 6)


@pytest.mark.parametrize(("name", "found"), [
    ("x.prompt.yaml", [("PL003", 4), ("PL002", 9)]),
    ("x.prompty", []),  # Prompty reads the text as a body without front matter: no variables are declared
])
def test_the_name_chooses_the_format(in_tmp: Path, name: str, found: list[tuple[str, int]]) -> None:
    report = json.loads(piped(TYPO_PROMPT, "-", "--stdin-filename", name, "--format", "json").stdout)
    assert report["files_scanned"] == 1
    assert [(item["rule_id"], item["start_line"]) for item in report["findings"]] == found


def test_a_name_whose_format_finds_no_prompt_in_the_text_says_so(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", "notes.md")
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    assert line.startswith("promptlint: notes.md not checked: the text holds no prompt")


def test_configuration_applies_as_for_the_named_path(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "per-file-ignores:\n  'legacy/**': [PL002]\n")
    assert piped(TYPO_PROMPT, "-", "--stdin-filename", "legacy/old.prompt.yaml").stdout.splitlines()[-1] == \
        "Found 1 finding (1 warning) in 1 of 1 file."
    assert piped(TYPO_PROMPT, "-", "--stdin-filename", NAME).stdout.splitlines()[-1] == \
        "Found 2 findings (1 error, 1 warning) in 1 of 1 file."


def test_name_is_relative_to_the_current_directory_and_shown_from_the_root(in_tmp: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / ".promptlint.yaml", "per-file-ignores:\n  'prompts/**': [PL003]\n")
    (in_tmp / "prompts").mkdir()
    monkeypatch.chdir(in_tmp / "prompts")
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", "x.prompt.yaml", "--format", "json")
    assert [(item["rule_id"], item["path"]) for item in json.loads(result.stdout)["findings"]] == [("PL002", NAME)]


def test_dash_without_a_name_is_a_usage_error(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-")
    assert result.exit_code == 2
    assert "--stdin-filename" in result.stderr
    assert "format" in result.stderr
    assert result.stdout == ""


def test_a_name_promptlint_does_not_read_is_one_line_and_exit_0(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", "notes.txt")
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    assert line.startswith("promptlint: notes.txt not checked: promptlint reads no format by this name")


def test_a_name_promptlint_does_not_read_still_gives_a_json_report(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", "notes.txt", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["files_scanned"] == 0
    assert [item["path"] for item in report["skipped"]] == ["notes.txt"]
    assert "notes.txt" in result.stderr


def test_stdin_name_without_dash_among_paths_is_a_usage_error(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", CLEAN_PROMPT)
    result = piped(TYPO_PROMPT, "a.prompt.yaml", "--stdin-filename", NAME)
    assert result.exit_code == 2
    assert "`-`" in result.stderr


def test_dash_with_other_paths_is_a_usage_error(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", CLEAN_PROMPT)
    result = piped(TYPO_PROMPT, "-", "a.prompt.yaml", "--stdin-filename", NAME)
    assert result.exit_code == 2
    assert "standard input" in result.stderr


def test_stdin_filename_alone_reads_stdin(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT, "--stdin-filename", NAME)
    assert result.exit_code == 1
    assert f"  error[PL002] undeclared-variable {NAME}:9:18" in result.stdout.splitlines()


def test_force_exclude_skips_an_excluded_name(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "exclude: ['generated/']\n")
    result = piped(TYPO_PROMPT, "-", "--stdin-filename", "generated/x.prompt.yaml", "--force-exclude")
    assert result.exit_code == 0
    assert result.stdout.startswith("promptlint: generated/x.prompt.yaml not checked: excluded")
    # without --force-exclude a name given explicitly is linted, as a path on the command line is
    assert piped(TYPO_PROMPT, "-", "--stdin-filename", "generated/x.prompt.yaml").exit_code == 1


def test_crlf_text_keeps_its_columns(in_tmp: Path) -> None:
    result = piped(TYPO_PROMPT.replace("\n", "\r\n").encode("utf-8"), "-", "--stdin-filename", NAME, "--format",
                   "json")
    assert [(item["start_line"], item["start_column"]) for item in json.loads(result.stdout)["findings"]] == \
        [(4, 3), (9, 18)]


def test_not_utf8_is_a_clear_error(in_tmp: Path) -> None:
    result = piped(b"id: caf\xe9\n", "-", "--stdin-filename", NAME)
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.stderr


def test_max_file_size_applies_to_standard_input_as_to_the_file(in_tmp: Path) -> None:
    (in_tmp / ".promptlint.yaml").write_text("max-file-size: 100\n", "utf-8")
    result = piped(CLEAN_PROMPT, "-", "--stdin-filename", NAME)
    assert result.exit_code == 2
    assert "max-file-size: 100 bytes" in result.stderr
    (in_tmp / ".promptlint.yaml").write_text(f"max-file-size: {len(CLEAN_PROMPT)}\n", "utf-8")
    assert piped(CLEAN_PROMPT, "-", "--stdin-filename", NAME).exit_code == 0
