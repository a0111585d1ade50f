"""The command line: exit statuses, `rules`, `explain`, `--version`, and runs that meet bad files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import (
    BROKEN_PROMPT,
    CLEAN_PROMPT,
    TYPO_PROMPT,
    UNUSED_PROMPT,
    found,
    invoke,
    json_report,
    run_module,
    write,
)

import promptlint.formats
from promptlint import __version__
from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.registry import load_rules

RULES = load_rules()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- exit statuses ------------------------------------------------------------------------------


def test_clean_tree_exits_0(in_tmp: Path) -> None:
    write(in_tmp / "prompts" / "a.prompt.yaml", CLEAN_PROMPT)
    result = invoke("check", "prompts")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "No findings in 1 file.\n"
    assert result.stderr == ""


def test_default_path_is_the_current_directory(in_tmp: Path) -> None:
    write(in_tmp / "deep" / "er" / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--format", "json")
    assert result.exit_code == 1
    assert ("deep/er/typo.prompt.yaml", "PL002", 9) in found(json.loads(result.stdout))


def test_findings_exit_1(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", ".")
    assert result.exit_code == 1
    assert "error[PL002]" in result.stdout


@pytest.mark.parametrize(("args", "complaint"), [
    (["--bogus"], "--bogus"),
    (["--select", "PL9"], "'PL9'"),
    (["--select", "PL002,nonsense-rule"], "'nonsense-rule'"),
    (["--ignore", "XX001"], "'XX001'"),
    (["--extend-select", "PL8"], "'PL8'"),
    (["missing-dir"], "missing-dir"),
    (["--format", "xml"], "xml"),
    (["--fail-on", "fatal"], "fatal"),
], ids=["unknown-option", "unknown-select", "unknown-name-in-list", "unknown-ignore", "unknown-extend-select",
        "missing-path", "unknown-format", "unknown-fail-on"])
def test_bad_usage_exits_2(in_tmp: Path, args: list[str], complaint: str) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", *args)
    assert result.exit_code == 2
    assert complaint in result.stderr
    assert result.stdout == ""  # no report at all: nothing was linted


def test_missing_path_among_existing_ones_exits_2(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "typo.prompt.yaml", "gone.prompt.yaml")
    assert result.exit_code == 2
    assert "gone.prompt.yaml" in result.stderr


def test_warnings_fail_by_default_but_not_with_fail_on_error(in_tmp: Path) -> None:
    write(in_tmp / "unused.prompt.yaml", UNUSED_PROMPT)
    assert invoke("check", ".").exit_code == 1
    result = invoke("check", "--fail-on", "error", ".")
    assert result.exit_code == 0
    assert "warning[PL003]" in result.stdout  # still reported, just not failing


def test_fail_on_error_still_fails_on_errors(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    assert invoke("check", "--fail-on", "error", ".").exit_code == 1


def test_notes_are_advice_unless_fail_on_note(in_tmp: Path) -> None:
    write(in_tmp / "unused.prompt.yaml", UNUSED_PROMPT)
    write(in_tmp / ".promptlint.yaml", "severity: {PL003: note}\n")
    result = invoke("check", ".")
    assert result.exit_code == 0
    assert "note[PL003]" in result.stdout
    assert invoke("check", "--fail-on", "note", ".").exit_code == 1


def test_fail_on_from_the_configuration_and_the_option_overrides_it(in_tmp: Path) -> None:
    write(in_tmp / "unused.prompt.yaml", UNUSED_PROMPT)
    write(in_tmp / ".promptlint.yaml", "fail-on: error\n")
    assert invoke("check", ".").exit_code == 0
    assert invoke("check", "--fail-on", "warning", ".").exit_code == 1


def test_exit_zero_reports_but_exits_0(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--exit-zero", "--format", "json", ".")
    assert result.exit_code == 0
    assert {finding["rule_id"] for finding in json.loads(result.stdout)["findings"]} == {"PL002", "PL003"}


def test_internal_error_exits_2_even_with_exit_zero(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: object, context: object) -> list[object]:
        raise RuntimeError("rule exploded")

    monkeypatch.setattr("promptlint.checks.variables.undeclared_variable", broken)
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--exit-zero", ".")
    assert result.exit_code == 2
    assert "internal error in rule PL002" in result.stdout and "rule exploded" in result.stdout
    assert "warning[PL003]" in result.stdout  # the other rules ran


# --- a corrupt file among good ones -------------------------------------------------------------


@pytest.mark.parametrize("corrupt", [
    BROKEN_PROMPT.encode(),
    b"id: a\nmessages:\n  - role: user\n    content: \"caf\xe9\"\n",  # Latin-1, not UTF-8
    b"id: a\x00\nmessages: []\n",
    b"",
    b"id: a\nmessages:\n  - role: user\n    content: \"{{ ticket }\"\n",
], ids=["bad-yaml", "not-utf8", "binary", "empty", "unclosed-tag"])
def test_a_corrupt_file_gets_one_pl001_and_the_others_are_still_linted(in_tmp: Path, corrupt: bytes) -> None:
    write(in_tmp / "a-good.prompt.yaml", CLEAN_PROMPT)
    write(in_tmp / "b-typo.prompt.yaml", TYPO_PROMPT)
    (in_tmp / "c-corrupt.prompt.yaml").write_bytes(corrupt)
    write(in_tmp / "d-unused.prompt.yaml", UNUSED_PROMPT)
    result = invoke("check", "--format", "json", ".")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert report["files_scanned"] == 4
    invalid = [finding for finding in report["findings"] if finding["rule_id"] == "PL001"]
    assert len(invalid) == 1
    assert invalid[0]["path"] == "c-corrupt.prompt.yaml"
    assert {(path, rule) for path, rule, _line in found(report)} == {
        ("b-typo.prompt.yaml", "PL002"), ("b-typo.prompt.yaml", "PL003"), ("c-corrupt.prompt.yaml", "PL001"),
        ("d-unused.prompt.yaml", "PL003")}


def test_unrelated_broken_data_files_are_skipped_whether_walked_or_named(in_tmp: Path) -> None:
    # pre-commit names the files it hands over: its verdict must be the walk's
    write(in_tmp / "package.json", '{"name": "x",\n')
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    assert {path for path, _rule, _line in found(json_report("."))} == {"typo.prompt.yaml"}
    result = invoke("check", "--format", "json", "package.json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert found(report) == set()
    [skipped] = report["skipped"]
    assert skipped["path"] == "package.json" and skipped["reason"].startswith("JSON does not parse")


# --- rules, explain, --version ------------------------------------------------------------------


def test_rules_lists_every_rule(in_tmp: Path) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[:4] == [rule.id, rule.name, rule.family, rule.severity]
        assert rule.summary in line
        assert line.endswith("(opt-in)") is (not rule.enabled)
    assert {"PL001", "PL002", "PL003", "PL005", "PL009"} <= {line.split()[0] for line in lines}


def test_explain_prints_the_full_documentation(in_tmp: Path) -> None:
    result = invoke("explain", "PL002")
    assert result.exit_code == 0
    rule = RULES["PL002"]
    text = result.stdout
    assert text.startswith("PL002 undeclared-variable\n")
    assert "Family: documents." in text and "Default severity: error." in text
    assert rule.summary in text
    assert rule.description in text  # the whole description, every paragraph
    assert "Names the template binds itself" in text
    assert rule.fix_hint in text
    for reference in rule.references:
        assert reference["url"] in text
    assert "Tags: correctness" in text


@pytest.mark.parametrize("name", ["undeclared-variable", "pl002"])
def test_explain_accepts_a_name_or_a_lower_case_id(in_tmp: Path, name: str) -> None:
    result = invoke("explain", name)
    assert result.exit_code == 0
    assert result.stdout == invoke("explain", "PL002").stdout


def test_explain_says_when_a_rule_is_opt_in(in_tmp: Path) -> None:
    text = invoke("explain", "PL009").stdout
    assert "Opt-in" in text
    assert "Opt-in" not in invoke("explain", "PL002").stdout


@pytest.mark.parametrize("name", ["PL999", "no-such-rule", ""])
def test_explain_of_an_unknown_rule_exits_2(in_tmp: Path, name: str) -> None:
    result = invoke("explain", name)
    assert result.exit_code == 2
    assert f"no rule '{name}'" in result.stderr
    assert result.stdout == ""


def test_version_from_python_m(tmp_path: Path) -> None:
    completed = run_module("--version", cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"promptlint, version {__version__}"
    assert __version__ == version("prompt-linter")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)


def test_python_m_runs_a_check_end_to_end(tmp_path: Path) -> None:
    write(tmp_path / "typo.prompt.yaml", TYPO_PROMPT)
    completed = run_module("check", "--format", "json", ".", cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    assert found(json.loads(completed.stdout)) == {("typo.prompt.yaml", "PL002", 9),
                                                   ("typo.prompt.yaml", "PL003", 4)}
    assert run_module("check", "--select", "PL9", ".", cwd=tmp_path).returncode == 2


def test_parallel_run_reports_exactly_what_a_serial_run_does(tmp_path: Path) -> None:
    for index in range(12):
        write(tmp_path / f"p{index:02}.prompt.yaml", TYPO_PROMPT if index % 3 else CLEAN_PROMPT)
    write(tmp_path / "broken.prompt.yaml", "id: [\n")
    selection = select_rules(load_rules(), Config(root=tmp_path))
    serial = lint_paths([tmp_path], selection)
    parallel = lint_paths([tmp_path], selection, jobs=2, parallel_from=1)
    assert parallel.results == serial.results
    assert parallel.files_scanned == serial.files_scanned
    assert len(serial.results) == 8 * 2 + 1  # every typo file: PL002 and PL003; the broken file: PL001


def test_a_json_run_on_one_file_imports_no_tokenizer_nor_terminal_rendering(tmp_path: Path) -> None:
    # pre-commit pays start-up once per batch of files: heavy imports wait until a run needs them
    prompt = write(tmp_path / "p.prompt.yaml", CLEAN_PROMPT)
    script = (
        "import sys\n"
        "from promptlint.cli import main\n"
        f"sys.argv = ['promptlint', 'check', {str(prompt)!r}, '--format', 'json', '--output', {os.devnull!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'tiktoken', 'pygments', 'rich', 'pathspec'}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               cwd=tmp_path)  # no configuration: this repository's own has overrides
    assert completed.stdout.strip() == "[]"


def test_unreadable_data_files_are_skipped_with_their_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a walk meets lockfiles, binary Markdown and Latin-1 YAML that are nobody's prompts
    monkeypatch.setattr(promptlint.formats, "MAX_FILE_BYTES", 1024)
    write(tmp_path / "package-lock.json", '{"lockfileVersion": 3, "packages": {' + '"a": 1, ' * 300 + '"z": 0}}')
    (tmp_path / "notes.md").write_bytes(b"---\x00binary")
    (tmp_path / "legacy.yaml").write_bytes(b"name: caf\xe9\n")
    prompt = write(tmp_path / "p.prompt.yaml", "id: p\nmessages:\n  - role: user\n    content: '{{ x }}'\n"
                                                     "version: 1.0.0\n")
    selection = select_rules(load_rules(), Config(root=tmp_path))
    walked = lint_paths([tmp_path], selection)
    assert [(result.location.path, result.rule_id) for result in walked.results] == [("p.prompt.yaml", "PL002")]
    named = lint_paths([tmp_path / "package-lock.json", tmp_path / "notes.md", tmp_path / "legacy.yaml", prompt],
                       selection)
    assert [(result.location.path, result.rule_id) for result in named.results] == [("p.prompt.yaml", "PL002")]
    assert [(item.path, item.reason.split(";")[0].split(" (")[0]) for item in named.skipped] == [
        ("package-lock.json", "file is larger than 0 MiB"), ("notes.md", "binary file"),
        ("legacy.yaml", "not valid UTF-8")]
