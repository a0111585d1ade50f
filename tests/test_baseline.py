"""`check --write-baseline` / `--baseline`: adopt promptlint without fixing every old finding first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke, write

from promptlint.baseline import Entry, apply
from promptlint.findings import Location, Report, Result

# Three findings: PL003 'ticket' unused (line 5), PL002 'tikcet' and 'ordr' undeclared (line 10).
PROMPT = """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
  ticket: {trust: untrusted, max_tokens: 500}
messages:
  - role: system
    content: You are a billing assistant.
  - role: user
    content: "{{ question }} {{ tikcet }} {{ ordr }}"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "prompts" / "answer.prompt.yaml", PROMPT)
    return tmp_path


def _record(project: Path) -> Path:
    result = invoke("check", "prompts", "--write-baseline", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "recorded 3 findings" in result.stdout
    return project / "baseline.json"


def _check(*args: str) -> tuple[int, list[tuple[str, int]], str]:
    """Exit status, (rule, line) of the findings reported, and the text summary."""
    result = invoke("check", "prompts", "--baseline", "baseline.json", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    findings = [(item["rule_id"], item["start_line"]) for item in json.loads(result.stdout)["findings"]]
    text = invoke("check", "prompts", "--baseline", "baseline.json", *args)
    return result.exit_code, findings, text.stdout


def test_the_baseline_records_every_finding_by_fingerprint_deterministically(project: Path) -> None:
    baseline = _record(project)
    data = json.loads(baseline.read_text("utf-8"))
    assert data["promptlint_baseline"] == 1 and data["tool"]["name"] == "promptlint" and data["tool"]["version"]
    entries = data["findings"]
    assert [(entry["rule_id"], entry["path"], entry["count"]) for entry in entries] == [
        ("PL002", "prompts/answer.prompt.yaml", 1), ("PL002", "prompts/answer.prompt.yaml", 1),
        ("PL003", "prompts/answer.prompt.yaml", 1)]
    report = json.loads(invoke("check", "prompts", "--format", "json").stdout)
    assert {entry["fingerprint"] for entry in entries} == {item["fingerprint"] for item in report["findings"]}
    assert entries == sorted(entries, key=lambda entry: (entry["path"], entry["rule_id"], entry["fingerprint"]))
    first = baseline.read_bytes()
    _record(project)
    assert baseline.read_bytes() == first  # no date, no order that could change between runs


def test_a_baselined_run_reports_nothing_and_says_how_many_it_hid(project: Path) -> None:
    _record(project)
    status, findings, summary = _check()
    assert (status, findings) == (0, [])
    assert "No findings in 1 file." in summary
    assert "3 findings baselined by baseline.json." in summary
    assert "no longer found" not in summary


def test_fingerprints_survive_lines_inserted_above(project: Path) -> None:
    _record(project)
    path = project / "prompts" / "answer.prompt.yaml"
    moved = PROMPT.replace("messages:\n", "# a comment\nmessages:\n  - role: system\n    content: Be brief.\n")
    moved = "# owner: billing team\n" + moved
    path.write_text(moved, "utf-8")
    status, findings, summary = _check()
    assert (status, findings) == (0, [])
    assert "3 findings baselined" in summary


def test_fixing_one_finding_keeps_the_others_baselined_and_counts_a_stale_entry(project: Path) -> None:
    _record(project)
    path = project / "prompts" / "answer.prompt.yaml"
    path.write_text(PROMPT.replace("  ticket:", "  ordr: {trust: untrusted, max_tokens: 50}\n  ticket:"), "utf-8")
    status, findings, summary = _check()
    assert (status, findings) == (0, [])  # a stale entry is counted, never a failure
    assert "2 findings baselined by baseline.json; 1 baseline entry no longer found" in summary


def test_editing_the_offending_text_makes_a_new_finding(project: Path) -> None:
    _record(project)
    path = project / "prompts" / "answer.prompt.yaml"
    path.write_text(PROMPT.replace("{{ tikcet }}", "{{ tickett }}"), "utf-8")
    status, findings, summary = _check()
    assert (status, findings) == (1, [("PL002", 10)])
    assert "tickett" in summary
    assert "2 findings baselined by baseline.json; 1 baseline entry no longer found" in summary


def test_a_new_file_is_reported_in_full(project: Path) -> None:
    _record(project)
    write(project / "prompts" / "other.prompt.yaml", PROMPT)
    status, findings, _summary = _check()
    assert status == 1 and len(findings) == 3


def test_entries_of_files_not_checked_are_not_stale(project: Path) -> None:
    _record(project)
    write(project / "prompts" / "clean.prompt.yaml", PROMPT.replace(" {{ tikcet }} {{ ordr }}", " {{ ticket }}"))
    result = invoke("check", "prompts/clean.prompt.yaml", "--baseline", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "no longer found" not in result.stdout and "0 findings baselined" in result.stdout


def _result(fingerprint: str, path: str = "a.prompt.yaml") -> Result:
    return Result("PL002", "undeclared-variable", "error", "m", Location(path, 1, 1, 1, 2, 1, 2), "fix", fingerprint)


def test_a_fingerprint_recorded_n_times_absorbs_up_to_n_findings() -> None:
    report = Report(results=[_result("f"), _result("f"), _result("f"), _result("g")], files_scanned=["a.prompt.yaml"])
    outcome = apply(report, [Entry("f", "PL002", "a.prompt.yaml", 2), Entry("h", "PL002", "a.prompt.yaml", 1)])
    assert [result.fingerprint for result in report.results] == ["f", "g"]
    assert (outcome.baselined, outcome.stale) == (2, 1)


@pytest.mark.parametrize(("content", "message"), [
    (None, "baseline file not found: baseline.json"),
    ("{not json", "is not a promptlint baseline: invalid JSON"),
    ('{"findings": []}', "is not a promptlint baseline"),
    ('{"promptlint_baseline": 1, "findings": [{"fingerprint": 3}]}', "findings[0] must have"),
    (b"\xff\xfe", "cannot read the baseline"),
])
def test_a_missing_or_malformed_baseline_is_a_clear_error(project: Path, content: str | bytes | None,
                                                          message: str) -> None:
    if isinstance(content, bytes):
        (project / "baseline.json").write_bytes(content)
    elif content is not None:
        (project / "baseline.json").write_text(content, "utf-8")
    result = invoke("check", "prompts", "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("promptlint: error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_baseline_and_write_baseline_do_not_go_together(project: Path) -> None:
    result = invoke("check", "prompts", "--baseline", "a.json", "--write-baseline", "b.json")
    assert result.exit_code == 2 and "do not go together" in result.stderr
    assert not (project / "b.json").exists()


def test_a_baseline_from_another_version_says_so(project: Path) -> None:
    baseline = _record(project)
    data = json.loads(baseline.read_text("utf-8"))
    data["tool"]["version"] = "0.0.1"
    baseline.write_text(json.dumps(data), "utf-8")
    status, findings, summary = _check()
    assert (status, findings) == (0, [])
    assert "written by promptlint 0.0.1" in summary


def test_the_json_summary_counts_what_the_baseline_hid_and_its_stale_entries(project: Path) -> None:
    def summary() -> dict[str, int]:
        result = invoke("check", "prompts", "--baseline", "baseline.json", "--format", "json")
        data: dict[str, int] = json.loads(result.stdout)["summary"]
        return data

    assert "baselined" not in json.loads(invoke("check", "prompts", "--format", "json").stdout)["summary"]
    _record(project)
    assert summary() == {"error": 0, "warning": 0, "note": 0, "suppressed": 0, "baselined": 3, "baseline_stale": 0}
    path = project / "prompts" / "answer.prompt.yaml"
    path.write_text(PROMPT.replace("  ticket:", "  ordr: {trust: untrusted, max_tokens: 50}\n  ticket:"), "utf-8")
    assert summary()["baselined"] == 2 and summary()["baseline_stale"] == 1
    report = Report(results=[_result("a"), _result("b")], files_scanned=["a.prompt.yaml"])
    apply(report, [Entry("a", "PL002", "a.prompt.yaml", 1), Entry("z", "PL002", "a.prompt.yaml", 2)])
    assert (report.baselined, report.baseline_stale) == (1, 2)
