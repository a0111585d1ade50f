"""The json, github and text reports, and `--output`."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, UNUSED_PROMPT, invoke, run_module, write
from rich.cells import cell_len

from promptlint import __version__
from promptlint.registry import load_rules

RULES = load_rules()
ANSI = re.compile(r"\x1b\[")
FINDING_KEYS = {"rule_id", "rule_name", "severity", "message", "path", "start_line", "start_column", "end_line",
                "end_column", "fingerprint", "fix_hint", "fixes", "evidence", "related"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "prompts" / "typo.prompt.yaml", TYPO_PROMPT)
    write(tmp_path / "prompts" / "clean.prompt.yaml", CLEAN_PROMPT)
    write(tmp_path / "other" / "unused.prompt.yaml", UNUSED_PROMPT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str, env: dict[str, str] | None = None) -> Any:
    result = invoke("check", *args, env=env)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result


# --- json ---------------------------------------------------------------------------------------


def test_json_document_has_the_documented_keys(project: Path) -> None:
    report = json.loads(check("--format", "json", ".").stdout)
    assert set(report) == {"schema_version", "tool", "files_scanned", "files", "summary", "findings", "unchecked",
                           "skipped", "errors"}
    assert report["schema_version"] == 2
    assert report["tool"] == {"name": "promptlint", "version": __version__}
    assert report["files_scanned"] == 3
    assert report["summary"] == {"error": 1, "warning": 2, "note": 0, "suppressed": 0}
    assert report["errors"] == []
    assert len(report["findings"]) == 3
    for finding in report["findings"]:
        assert set(finding) == FINDING_KEYS


def test_json_finding_fields(project: Path) -> None:
    report = json.loads(check("--format", "json", "prompts/typo.prompt.yaml").stdout)
    by_rule = {finding["rule_id"]: finding for finding in report["findings"]}
    assert set(by_rule) == {"PL002", "PL003"}
    undeclared = by_rule["PL002"]
    assert undeclared["rule_name"] == "undeclared-variable"
    assert undeclared["severity"] == "error"
    assert "'quesion'" in undeclared["message"] and "did you mean 'question'" in undeclared["message"]
    assert undeclared["path"] == "prompts/typo.prompt.yaml"
    assert (undeclared["start_line"], undeclared["start_column"], undeclared["end_line"],
            undeclared["end_column"]) == (9, 18, 9, 25)
    assert undeclared["fix_hint"] == RULES["PL002"].fix_hint
    assert re.fullmatch(r"[0-9a-f]{32}", undeclared["fingerprint"])
    # the declaration the typo most likely meant
    assert undeclared["related"] == [{"path": "prompts/typo.prompt.yaml", "start_line": 4, "start_column": 3,
                                      "end_line": 4, "end_column": 11, "message": "'question' is declared here"}]
    unused = by_rule["PL003"]
    assert (unused["severity"], unused["start_line"], unused["start_column"], unused["end_column"]) == (
        "warning", 4, 3, 11)
    assert unused["fingerprint"] != undeclared["fingerprint"]


def test_json_counts_suppressed_findings(project: Path) -> None:
    path = project / "prompts" / "typo.prompt.yaml"
    path.write_text(TYPO_PROMPT.replace('"{{ quesion }}"', '"{{ quesion }}"  # promptlint: disable=PL002'), "utf-8")
    report = json.loads(check("--format", "json", str(path)).stdout)
    assert report["summary"] == {"error": 0, "warning": 1, "note": 0, "suppressed": 1}
    assert [finding["rule_id"] for finding in report["findings"]] == ["PL003"]


def test_json_reports_internal_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: object, context: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("promptlint.checks.variables.unused_variable", broken)
    result = invoke("check", "--format", "json", "prompts/typo.prompt.yaml")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    [error] = report["errors"]
    assert error["path"] == "prompts/typo.prompt.yaml"
    assert "PL003" in error["message"] and "boom" in error["message"]
    # the other rules still ran
    assert [finding["rule_id"] for finding in report["findings"]] == ["PL002"]


# --- github -------------------------------------------------------------------------------------


def test_github_annotations(project: Path) -> None:
    result = check("--format", "github", "prompts/typo.prompt.yaml")
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "::warning file=prompts/typo.prompt.yaml,line=4,col=3,endLine=4,endColumn=11,title=PL003 unused-variable::"
        "variable 'question' is declared but no message uses it; remove the declaration, or use it as "
        "{{ question }} where it belongs",
        "::error file=prompts/typo.prompt.yaml,line=9,col=18,endLine=9,endColumn=25,title=PL002 undeclared-variable::"
        "variable 'quesion' is used but not declared; did you mean 'question'? Otherwise declare it in "
        "'variables', or it renders as an empty string (or fails) at run time",
    ]
    assert lines[2:] == []  # standard output holds workflow commands only; the summary goes to standard error
    assert result.stderr == "Found 2 findings (1 error, 1 warning) in 1 of 1 file.\n"


def test_github_escapes_data_and_properties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a duplicate key whose name holds '%', a line break, ':' and ',' puts them in the message
    text = 'id: a\nx-meta:\n  "50%\\noff: a,b": 1\n  "50%\\noff: a,b": 2\nmessages:\n  - role: user\n    content: x\n' \
        'version: 1.0.0\n'
    write(tmp_path / "d%, a:b.prompt.yaml", text)
    monkeypatch.chdir(tmp_path)
    result = check("--format", "github", ".")
    [annotation] = result.stdout.splitlines()
    summary = result.stderr.strip()
    match = re.fullmatch(r"::(\w+) (.*?)::(.*)", annotation)
    assert match is not None, annotation
    command, properties, message = match.groups()
    assert command == "error"
    assert properties.split(",") == ["file=d%25%2C a%3Ab.prompt.yaml", "line=4", "col=3", "endLine=4",
                                     "endColumn=18", "title=PL001 invalid-document"]
    # in the message only '%' and line breaks are escaped
    assert message.startswith("duplicate key '50%25%0Aoff: a,b': ")
    assert summary == "Found 1 finding (1 error) in 1 of 1 file."


def test_github_escapes_carriage_returns_and_titles() -> None:
    from promptlint.findings import Location, Report, Result
    from promptlint.report.github import render

    location = Location("dir,1/a:b.prompt.yaml", 2, 5, 3, 1, 5, 1)
    result = Result("XY100", "odd:name,here", "note", "50% done\r\nnext: line", location, "fix it", "f" * 32)
    out = io.StringIO()
    render(Report(results=[result], files_scanned=["dir,1/a:b.prompt.yaml"]), {}, out, False)
    assert out.getvalue().splitlines()[0] == (
        "::notice file=dir%2C1/a%3Ab.prompt.yaml,line=2,col=5,endLine=3,endColumn=1,"
        "title=XY100 odd%3Aname%2Chere::50%25 done%0D%0Anext: line")


def test_github_reports_internal_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document: object, context: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("promptlint.checks.variables.unused_variable", broken)
    result = invoke("check", "--format", "github", "prompts/typo.prompt.yaml")
    assert result.exit_code == 2
    [error] = [line for line in result.stdout.splitlines() if "promptlint failed" in line]
    assert error.startswith("::error file=prompts/typo.prompt.yaml::promptlint failed: internal error in rule PL003")
    assert "boom" in error and "%0A" in error  # the traceback's line breaks are escaped


def test_github_notes_are_notices(project: Path) -> None:
    write(project / ".promptlint.yaml", "severity: {PL003: note}\n")
    lines = check("--format", "github", "other/unused.prompt.yaml").stdout.splitlines()
    assert lines[0].startswith("::notice file=other/unused.prompt.yaml,line=5,col=3,")
    assert "title=PL003 unused-variable::" in lines[0]
    assert not any(line.startswith(("::warning", "::error")) for line in lines)


# --- text ---------------------------------------------------------------------------------------


def frames(output: str) -> list[tuple[str, str]]:
    """(code line, caret line) pairs of every code frame, with the gutter cut off."""
    lines = output.splitlines()
    pairs = []
    for index, line in enumerate(lines):
        if re.match(r"^ > +\d+ │ ", line):
            pairs.append((line.split("│ ", 1)[1], lines[index + 1].split("│ ", 1)[1]))
    return pairs


def test_text_groups_findings_by_file(project: Path) -> None:
    output = check("--format", "text", "--no-color", ".").stdout
    lines = output.splitlines()
    headers = [line for line in lines if line and not line.startswith(" ")]
    assert headers == ["other/unused.prompt.yaml", "prompts/typo.prompt.yaml",
                       "Found 3 findings (1 error, 2 warnings) in 2 of 3 files."]
    typo_at = lines.index("prompts/typo.prompt.yaml")
    assert "  warning[PL003] unused-variable other/unused.prompt.yaml:5:3" in lines[:typo_at]
    after = lines[typo_at:]
    assert "  error[PL002] undeclared-variable prompts/typo.prompt.yaml:9:18" in after
    assert "  warning[PL003] unused-variable prompts/typo.prompt.yaml:4:3" in after
    assert "clean.prompt.yaml" not in output


def test_text_finding_has_message_code_frame_and_help(project: Path) -> None:
    output = check("prompts/typo.prompt.yaml").stdout
    lines = output.splitlines()
    header = lines.index("  error[PL002] undeclared-variable prompts/typo.prompt.yaml:9:18")
    assert lines[header + 1].startswith("  variable 'quesion' is used but not declared; did you mean 'question'?")
    # a line of context above, the line itself with its number, the caret line, and the help
    frame = lines[header + 2:lines.index("", header)]
    assert re.fullmatch(r" {3,}8 │   - role: user", frame[0])
    assert re.fullmatch(r" > +9 │     content: \"\{\{ quesion \}\}\"", frame[1])
    assert re.fullmatch(r" {4,}│                  \^{7}", frame[2])
    assert frame[1].index("│") == frame[2].index("│")
    assert frame[-1].startswith("  help: Declare the variable")
    assert frame[-1].endswith("(promptlint explain PL002)")
    assert lines[-1] == "Found 2 findings (1 error, 1 warning) in 1 of 1 file."


def test_text_caret_sits_under_the_exact_columns(project: Path) -> None:
    output = check("prompts/typo.prompt.yaml").stdout
    pairs = dict(frames(output))
    caret = pairs['    content: "{{ quesion }}"']
    assert caret.index("^") == '    content: "{{ quesion }}"'.index("quesion")
    assert caret.strip() == "^" * len("quesion")
    caret = pairs["  question: {trust: untrusted, max_tokens: 500}"]
    assert caret == "  " + "^" * len("question")


@pytest.mark.parametrize("prefix", ["日本語 ", "é😀 ", "\t"], ids=["wide", "emoji", "tab"])
def test_text_caret_is_aligned_after_wide_characters_and_tabs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              prefix: str) -> None:
    write(tmp_path / "a.prompt.yaml", TYPO_PROMPT.replace('"{{ quesion }}"', f'"{prefix}{{{{ quesion }}}}"'))
    monkeypatch.chdir(tmp_path)
    [(code, caret), _declared] = sorted(frames(check(".").stdout), key=lambda pair: "quesion" not in pair[0])
    assert "\t" not in code  # tabs are expanded in the frame
    before = code[:code.index("quesion")]
    assert caret == " " * cell_len(before) + "^" * len("quesion")


def test_text_clean_tree_prints_only_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.prompt.yaml", CLEAN_PROMPT)
    write(tmp_path / "b.prompt.yaml", CLEAN_PROMPT)
    monkeypatch.chdir(tmp_path)
    result = invoke("check", ".")
    assert result.exit_code == 0
    assert result.stdout == "No findings in 2 files.\n"


def test_text_summary_mentions_suppressions(project: Path) -> None:
    path = project / "prompts" / "typo.prompt.yaml"
    path.write_text(TYPO_PROMPT.replace('"{{ quesion }}"', '"{{ quesion }}"  # promptlint: disable=PL002'), "utf-8")
    assert check(str(path)).stdout.splitlines()[-1] == "Found 1 finding (1 warning) in 1 of 1 file, 1 suppressed."


def test_text_has_no_ansi_codes_when_not_a_tty(project: Path) -> None:
    completed = run_module("check", ".", cwd=project)
    assert completed.returncode == 1
    assert "error[PL002]" in completed.stdout
    assert not ANSI.search(completed.stdout)


def test_text_force_color_colours_and_no_color_wins(project: Path) -> None:
    forced = check(".", env={"FORCE_COLOR": "1"}).stdout
    assert ANSI.search(forced)
    assert not ANSI.search(check(".", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout)
    assert not ANSI.search(check(".", "--no-color", env={"FORCE_COLOR": "1"}).stdout)


def run_on_tty(cwd: Path, env: dict[str, str], *args: str) -> str:
    import pty

    master, slave = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env)
    process = subprocess.Popen([sys.executable, "-m", "promptlint", "check", *args], cwd=cwd, env=environment,
                               stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=120) == 1
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_text_on_a_tty_is_coloured_unless_no_color(project: Path) -> None:
    coloured = run_on_tty(project, {"TERM": "xterm-256color"}, ".")
    assert ANSI.search(coloured) and "PL002" in coloured
    plain = run_on_tty(project, {"TERM": "xterm-256color", "NO_COLOR": "1"}, ".")
    assert "error[PL002]" in plain and not ANSI.search(plain)
    flag = run_on_tty(project, {"TERM": "xterm-256color"}, "--no-color", ".")
    assert "error[PL002]" in flag and not ANSI.search(flag)


# --- --output -----------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "github", "text", "sarif"])
def test_output_writes_the_report_to_the_file(project: Path, output_format: str) -> None:
    to_stdout = invoke("check", "--format", output_format, ".")
    to_file = invoke("check", "--format", output_format, "--output", "report.out", ".",
                     env={"FORCE_COLOR": "1"})  # a file is never coloured
    assert to_file.exit_code == to_stdout.exit_code == 1
    assert to_file.stdout == ""
    written = (project / "report.out").read_text("utf-8")
    assert written == to_stdout.stdout
    assert "PL002" in written and not ANSI.search(written)


def test_output_replaces_an_existing_file(project: Path) -> None:
    (project / "report.json").write_text("stale " * 1000, "utf-8")
    assert invoke("check", "--format", "json", "-o", "report.json", ".").exit_code == 1
    assert json.loads((project / "report.json").read_text("utf-8"))["files_scanned"] == 3


def test_output_into_a_missing_directory_is_a_usage_error(project: Path) -> None:
    result = invoke("check", "--format", "json", "--output", "missing/report.json", ".")
    assert result.exit_code == 2
    assert "missing/report.json" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_code_frames_show_invisible_characters_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # printed raw, a bidi override would reorder the very line a finding is about
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.prompt.yaml").write_text(
        'id: b\nmessages:\n  - role: user\n    content: "Allowed\u202e after 30 days"\n', "utf-8")
    text = invoke("check", "--select", "PL120", "b.prompt.yaml").stdout
    assert '"Allowed<U+202E> after 30 days"' in text and "\u202e" not in text
    lines = text.splitlines()
    code = next(index for index, line in enumerate(lines) if line.startswith(" > "))
    # the caret sits under the escape, and is as wide as it
    assert lines[code + 1].index("^") == lines[code].index("<U+202E>")
    assert lines[code + 1].rstrip().endswith("^" * len("<U+202E>"))
