"""Engine seams: fatal problems and violations, run errors, project-scope rules, findings that
carry severity, evidence and edits, per-file settings, and linting text in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, found, invoke, json_report, write

from promptlint.config import Config, build_config
from promptlint.engine import lint_paths, lint_source, select_rules
from promptlint.registry import Rule, load_rules, rule_from_mapping

RULES = load_rules()
REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_schema_violation_does_not_hide_other_findings(in_tmp: Path) -> None:
    write(in_tmp / "a.prompt.yaml", 'id: a\nx_meta: 1\nmessages:\n  - role: user\n    content: "{{ typo }}"\n'
                                  'version: 1.0.0\n')
    assert found(json_report("--select", "PL002", "a.prompt.yaml")) == {("a.prompt.yaml", "PL002", 5)}
    assert found(json_report("a.prompt.yaml")) == {("a.prompt.yaml", "PL001", 2), ("a.prompt.yaml", "PL002", 5)}


def test_a_file_that_does_not_parse_never_reads_as_clean(in_tmp: Path) -> None:
    write(in_tmp / "broken.prompt.yaml", "id: [unclosed\nmessages: []\n")
    write(in_tmp / "good.prompt.yaml", CLEAN_PROMPT)
    result = invoke("check", "--select", "PL002", ".")
    assert result.exit_code == 1
    assert "1 file could not be read and was not checked" in result.stdout
    assert "broken.prompt.yaml:" in result.stdout and "select PL001 for details" in result.stdout
    report = json.loads(invoke("check", "--select", "PL002", "--format", "json", ".").stdout)
    assert [item["path"] for item in report["unchecked"]] == ["broken.prompt.yaml"]
    assert invoke("check", "--select", "PL002", "--exit-zero", ".").exit_code == 0
    annotations = invoke("check", "--select", "PL002", "--format", "github", ".").stdout
    assert "::warning file=broken.prompt.yaml,title=not checked::" in annotations
    sarif = json.loads(invoke("check", "--select", "PL002", "--format", "sarif", ".").stdout)
    [notice] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("broken.prompt.yaml: not checked")
    # with PL001 selected the finding itself says it, and nothing is "unchecked"
    assert json_report(".")["unchecked"] == []


def test_a_lone_surrogate_in_a_message_is_reported_not_a_crash(in_tmp: Path) -> None:
    write(in_tmp / "t.json", '{"tools": [{"name": "a", "\\ud800": 1, "\\ud800": 2, "inputSchema": {}}]}')
    for output_format in ("text", "json", "sarif", "github"):
        result = invoke("check", "--format", output_format, "t.json")
        assert result.exit_code == 1, result.output
        assert "duplicate key" in result.stdout
    report = json.loads(invoke("check", "--format", "json", "t.json").stdout)
    [duplicate] = [item for item in report["findings"] if item["rule_id"] == "PL001"]  # PL210 speaks too
    assert duplicate["message"].startswith("duplicate key '\ud800'")


def test_an_undecodable_file_name_is_linted_and_printed_safely(in_tmp: Path) -> None:
    name = os.fsencode("caf") + b"\xe9.prompt.yaml"
    with open(os.path.join(os.fsencode(in_tmp), name), "wb") as handle:
        handle.write(TYPO_PROMPT.encode())
    result = invoke("check", ".")
    assert result.exit_code == 1, result.output
    assert "caf\\xe9.prompt.yaml" in result.stdout


def test_a_symlink_loop_is_a_skipped_entry(in_tmp: Path) -> None:
    (in_tmp / "l").mkdir()
    os.symlink("s.prompt.yaml", in_tmp / "l" / "s.prompt.yaml")
    write(in_tmp / "good.prompt.yaml", CLEAN_PROMPT)
    result = invoke("check", "l", "good.prompt.yaml")
    assert result.exit_code == 0, result.output
    assert "1 file skipped (--show-skipped lists them)" in result.stdout
    assert "symbolic link loop" not in result.stdout
    listed = invoke("check", "--show-skipped", "l", "good.prompt.yaml")
    assert "skipped l/s.prompt.yaml: symbolic link loop" in listed.stdout


def test_an_unexpected_error_exits_2_not_1(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import promptlint.engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(promptlint.engine, "_finish", broken)
    write(in_tmp / "good.prompt.yaml", CLEAN_PROMPT)
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert "internal error" in result.stderr and "boom" in result.stderr


# --- project-scope rules ---------------------------------------------------------------------------


DUPLICATE = "id: shared.answer\nversion: 1.0.0\nmessages:\n  - role: user\n    content: Hello.\n"


def test_a_project_rule_reports_in_one_file_with_a_related_location_in_the_other(in_tmp: Path) -> None:
    # a character outside the BMP before the id: SARIF counts it as two UTF-16 code units
    (in_tmp / "a.prompt.yaml").write_text('{x-emoji: "\U0001F600", id: shared.answer, version: 1.0.0,\n'
                                          ' messages: [{role: user, content: Hi.}]}\n', "utf-8")
    (in_tmp / "b.prompt.yaml").write_text(DUPLICATE, "utf-8")  # not write(): it gives each prompt its own id
    report = json_report(".")
    [finding] = [item for item in report["findings"] if item["rule_id"] == "PL704"]
    assert (finding["path"], finding["start_line"], finding["start_column"]) == ("b.prompt.yaml", 1, 5)
    [related] = finding["related"]
    assert (related["path"], related["start_line"], related["start_column"]) == ("a.prompt.yaml", 1, 20)
    sarif = json.loads(invoke("check", "--format", "sarif", ".").stdout)
    [result] = [item for item in sarif["runs"][0]["results"] if item["ruleId"] == "PL704"]
    region = result["relatedLocations"][0]["physicalLocation"]["region"]
    assert region["startColumn"] == 21  # the emoji is one code point, two UTF-16 code units
    text = invoke("check", ".").stdout
    assert "note: 'shared.answer' first declared here at a.prompt.yaml:1:20" in text
    assert "> 1 │ {x-emoji:" in text  # the other file's code frame


def test_project_rules_give_the_same_report_in_worker_processes(tmp_path: Path) -> None:
    for index in range(8):
        (tmp_path / f"d{index}").mkdir()
        (tmp_path / f"d{index}" / "p.prompt.yaml").write_text(DUPLICATE if index % 2 else CLEAN_PROMPT, "utf-8")
    selection = select_rules(RULES, Config(root=tmp_path))
    serial = lint_paths([tmp_path], selection)
    parallel = lint_paths([tmp_path], selection, jobs=2, parallel_from=1)
    assert parallel.results == serial.results
    assert [(result.location.path, result.rule_id) for result in serial.results] == [
        (f"d{index}/p.prompt.yaml", "PL704") for index in range(2, 8)]  # both ids: d0 and d1 came first


def test_project_findings_honour_per_file_ignores_and_suppressions(in_tmp: Path) -> None:
    (in_tmp / "a.prompt.yaml").write_text(DUPLICATE, "utf-8")
    (in_tmp / "b.prompt.yaml").write_text(DUPLICATE.replace(
        "id: shared.answer", "id: shared.answer  # promptlint: disable=PL704 -- kept on purpose"), "utf-8")
    report = json_report("--strict-suppressions", ".")
    assert found(report) == set() and report["summary"]["suppressed"] == 1
    (in_tmp / "b.prompt.yaml").write_text(DUPLICATE, "utf-8")
    write(in_tmp / ".promptlint.yaml", "per-file-ignores:\n  b.prompt.yaml: [duplicate-prompt-id]\n")
    assert found(json_report(".")) == set()


def _rule(definition: dict[str, Any]) -> Rule:
    return rule_from_mapping({"name": "test-rule", "family": "documents", "severity": "warning",
                              "summary": "s", "description": "d", "fix-hint": "f", **definition}, "test")


def test_a_project_rule_reports_only_in_files_the_run_checks(tmp_path: Path) -> None:
    write(tmp_path / "outside" / "other.prompt.yaml", CLEAN_PROMPT)
    write(tmp_path / "in" / "one.prompt.yaml", CLEAN_PROMPT)
    rule = _rule({"id": "XT002", "scope": "project", "collect": "engine_checks:paths",
                  "check": "engine_checks:everywhere"})
    rules = {**RULES, rule.id: rule}
    report = lint_paths([tmp_path / "in"], select_rules(rules, Config(root=tmp_path, select=["XT002"])))
    assert [(result.location.path, result.message) for result in report.results] == [
        ("in/one.prompt.yaml", "seen with 1 files")]  # the finding meant for outside/ is dropped


# --- findings that carry data ------------------------------------------------------------------------


def test_a_finding_has_its_own_severity_and_evidence_unless_configured(tmp_path: Path) -> None:
    rule = _rule({"id": "XT001", "check": "engine_checks:weak_evidence"})
    rules = {**RULES, rule.id: rule}
    write(tmp_path / "p.prompt.yaml", CLEAN_PROMPT)
    config = build_config({"select": ["XT001"], "default-model": "gpt-4o",
                           "overrides": [{"files": ["special/**"], "default-model": "o3"}]}, tmp_path, rules)
    write(tmp_path / "special" / "p.prompt.yaml", CLEAN_PROMPT)
    report = lint_paths([tmp_path], select_rules(rules, config))
    assert {(result.location.path, result.severity, result.evidence) for result in report.results} == {
        ("p.prompt.yaml", "note", ("model is gpt-4o",)), ("special/p.prompt.yaml", "note", ("model is o3",))}
    config.severity = {"XT001": "error"}
    assert {result.severity for result in lint_paths([tmp_path], select_rules(rules, config)).results} == {"error"}


def test_a_fix_is_an_edit_in_json_and_sarif(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    report = json_report("--select", "PL002", ".")
    [finding] = report["findings"]
    assert finding["fixes"] == [{
        "description": "rename 'quesion' to 'question'", "applicability": "unsafe",
        "edits": [{"path": "typo.prompt.yaml", "start_line": 9, "start_column": 18, "end_line": 9,
                   "end_column": 25, "replacement": "question"}],
    }]
    sarif = json.loads(invoke("check", "--select", "PL002", "--format", "sarif", ".").stdout)
    schema = json.loads((REPOSITORY / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.validate(sarif, schema)
    [fix] = sarif["runs"][0]["results"][0]["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "typo.prompt.yaml"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 9, "startColumn": 18, "endLine": 9,
                                                         "endColumn": 25}, "insertedContent": {"text": "question"}}]
    assert "fix (unsafe): rename 'quesion' to 'question'" in invoke("check", ".").stdout


def test_the_json_report_matches_its_published_schema(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "broken.prompt.yaml", "id: [\n")
    schema = json.loads((REPOSITORY / "promptlint" / "schemas" / "report.schema.json").read_text("utf-8"))
    jsonschema.validate(json_report("--select", "PL002", "."), schema)


# --- text in memory ------------------------------------------------------------------------------------


def test_lint_source_reports_what_linting_the_file_does(tmp_path: Path) -> None:
    selection = select_rules(RULES, Config(root=tmp_path))
    write(tmp_path / "prompts" / "typo.prompt.yaml", TYPO_PROMPT)
    on_disk = lint_paths([tmp_path / "prompts" / "typo.prompt.yaml"], selection)
    in_memory = lint_source((tmp_path / "prompts" / "typo.prompt.yaml").read_text("utf-8"), "prompts/typo.prompt.yaml",
                            selection)
    assert in_memory.results == on_disk.results and in_memory.files_scanned == ["prompts/typo.prompt.yaml"]
    assert lint_source("not a prompt", "notes.txt", selection).files_scanned == []
