"""CI-facing output: `--format gitlab`, `--format junit`, `--statistics`, `--quiet`,
`--output-format`, and the composite GitHub Action in action.yml."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import BROKEN_PROMPT, CLEAN_PROMPT, TYPO_PROMPT, UNUSED_PROMPT, invoke, write
from conftest import REPOSITORY
from ruamel.yaml import YAML

from promptlint.findings import Location, Report, Result
from promptlint.report.junit import render as render_junit


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three findings in two files (PL002 error and PL003 warning; PL003 warning), one clean file."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "prompts" / "typo.prompt.yaml", TYPO_PROMPT)
    write(tmp_path / "prompts" / "unused.prompt.yaml", UNUSED_PROMPT)
    write(tmp_path / "prompts" / "clean.prompt.yaml", CLEAN_PROMPT)
    return tmp_path


def _findings(*args: str) -> list[dict[str, Any]]:
    result = invoke("check", "prompts", "--format", "json", *args)
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return findings


# --- GitLab Code Quality ------------------------------------------------------------------------

def test_gitlab_code_quality_report(project: Path) -> None:
    result = invoke("check", "prompts", "--format", "gitlab")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    expected = _findings()
    assert isinstance(issues, list) and len(issues) == len(expected) == 3
    for issue, finding in zip(issues, expected, strict=True):
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == finding["rule_id"]
        assert finding["message"] in issue["description"] and issue["description"].startswith(finding["rule_id"])
        assert issue["fingerprint"] == finding["fingerprint"]
        assert issue["severity"] == {"error": "major", "warning": "minor", "note": "info"}[finding["severity"]]
        assert issue["location"] == {"path": finding["path"], "lines": {"begin": finding["start_line"]}}
    assert len({issue["fingerprint"] for issue in issues}) == 3  # GitLab shows one issue per fingerprint
    assert {issue["severity"] for issue in issues} == {"major", "minor"}


def test_gitlab_report_without_findings_is_an_empty_list(project: Path) -> None:
    result = invoke("check", "prompts/clean.prompt.yaml", "--format", "gitlab")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_gitlab_report_names_files_no_rule_checked(project: Path) -> None:
    write(project / "prompts" / "broken.prompt.yaml", BROKEN_PROMPT)
    result = invoke("check", "prompts/broken.prompt.yaml", "--select", "PL1", "--format", "gitlab")
    assert result.exit_code == 1
    (issue,) = json.loads(result.stdout)
    assert issue["check_name"] == "promptlint/unchecked" and issue["severity"] == "major"
    assert issue["location"]["path"] == "prompts/broken.prompt.yaml"


# --- JUnit XML ----------------------------------------------------------------------------------

def test_junit_report(project: Path) -> None:
    result = invoke("check", "prompts", "--format", "junit")
    assert result.exit_code == 1
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"prompts/typo.prompt.yaml", "prompts/unused.prompt.yaml", "prompts/clean.prompt.yaml"}
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "3", "0")
    assert cases["prompts/clean.prompt.yaml"].findall("failure") == []
    for finding in _findings():
        failures = cases[finding["path"]].findall("failure")
        line = f"{finding['path']}:{finding['start_line']}:{finding['start_column']} {finding['rule_id']} "
        matching = [failure for failure in failures if (failure.text or "").startswith(line)]
        assert len(matching) == 1, line
        assert matching[0].get("type") == finding["rule_id"]
        assert finding["message"] in (matching[0].text or "") and finding["message"] in matching[0].get("message", "")


def test_junit_escapes_markup_and_characters_xml_cannot_carry(project: Path) -> None:
    # a tool description with markup, a quote, an ampersand, an escape character and a tag character
    tool = {"name": "search", "description": "Find <b>&\"docs\" \x1b[31m \U000e0041 ]]>",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
    (project / "tools.json").write_text(json.dumps({"tools": [tool]}), "utf-8")
    result = invoke("check", "tools.json", "--format", "junit")
    assert result.exit_code in (0, 1), result.output
    root = ET.fromstring(result.stdout)  # parses: escaped, and nothing XML 1.0 forbids
    assert root.find("testsuite/testcase[@name='tools.json']") is not None
    assert "\x1b" not in result.stdout
    # the renderer itself, with a message holding what XML must escape or cannot carry at all
    nasty = "<b>&\"x\" ]]> \x1b[31m \x00 \ud800 \U000e0041"
    report = Report(results=[Result("PL122", "hidden-text", "error", nasty, Location("a&<b>.json", 1, 2, 1, 3, 2, 3),
                                    "fix", "f")], files_scanned=["a&<b>.json"])
    out = io.StringIO()
    render_junit(report, {}, out, False)
    failure = ET.fromstring(out.getvalue()).find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert failure.text == "a&<b>.json:1:2 PL122 [error] <b>&\"x\" ]]> <U+001B>[31m <U+0000> <U+D800> \U000e0041"
    assert failure.get("message") == "PL122 hidden-text: " + failure.text.split("[error] ", 1)[1]


# --- --statistics, --quiet, --output-format ----------------------------------------------------

def test_statistics_counts_findings_per_rule(project: Path) -> None:
    result = invoke("check", "prompts", "--statistics")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == ["   2  PL003  unused-variable", "   1  PL002  undeclared-variable"]
    assert lines[2].startswith("Found 3 findings")
    data = json.loads(invoke("check", "prompts", "--statistics", "--format", "json").stdout)
    assert data == [{"code": "PL003", "name": "unused-variable", "count": 2},
                    {"code": "PL002", "name": "undeclared-variable", "count": 1}]
    quiet = invoke("check", "prompts", "--statistics", "--quiet")
    assert quiet.stdout.splitlines() == lines[:2]


def test_quiet_prints_only_the_summary_line_or_nothing(project: Path) -> None:
    result = invoke("check", "prompts", "--quiet")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["Found 3 findings (1 error, 2 warnings) in 2 of 3 files."]
    clean = invoke("check", "prompts/clean.prompt.yaml", "-q")
    assert (clean.exit_code, clean.stdout) == (0, "")
    github = invoke("check", "prompts/clean.prompt.yaml", "-q", "--format", "github")
    assert (github.exit_code, github.stdout, github.stderr) == (0, "", "")
    assert "Found 3 findings" in invoke("check", "prompts", "-q", "--format", "github").stderr


def test_output_format_is_an_alias_of_format(project: Path) -> None:
    assert invoke("check", "prompts", "--output-format", "json").stdout == \
        invoke("check", "prompts", "--format", "json").stdout
    wrong = invoke("check", "prompts", "--output-format", "xml")
    assert wrong.exit_code == 2 and "xml" in wrong.stderr


def test_baseline_note_goes_to_standard_error_for_formats_tools_parse(project: Path) -> None:
    assert invoke("check", "prompts", "--write-baseline", "baseline.json").exit_code == 0
    result = invoke("check", "prompts", "--baseline", "baseline.json", "--format", "gitlab")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    assert "3 findings baselined" in result.stderr


# --- action.yml ---------------------------------------------------------------------------------

def _action() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load((REPOSITORY / "action.yml").read_text("utf-8"))
    return data


def test_the_action_is_a_composite_that_uploads_sarif() -> None:
    action = _action()
    assert action["name"] == "promptlint" and action["description"]
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) == {"paths", "config", "fail-on", "baseline", "sarif-file", "python-version"}
    assert all(spec["description"] for spec in inputs.values())
    assert (inputs["paths"]["default"], inputs["sarif-file"]["default"]) == (".", "promptlint.sarif")
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert uses[0].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    (upload,) = [step for step in steps if step.get("uses") == "github/codeql-action/upload-sarif@v3"]
    assert upload["with"] == {"sarif_file": "${{ inputs.sarif-file }}", "category": "promptlint"}
    check = next(step for step in steps if step.get("id") == "check")
    assert steps.index(check) < steps.index(upload) < len(steps) - 1  # upload first, fail last
    assert "promptlint \"${args[@]}\"" in check["run"] and "--format sarif --output" in check["run"]
    assert steps[-1]["if"] == "steps.check.outputs.exit-code == '1'"
    # what SchemaStore's github-action.json asks of a composite action (src/schemas/json/github-action.json)
    assert all(isinstance(spec["required"], bool) and isinstance(spec.get("default", ""), str)
               for spec in inputs.values())
    assert all(set(spec) == {"description", "value"} for spec in action["outputs"].values())
    for step in steps:
        assert ("uses" in step) != ("run" in step) and ("run" not in step or step["shell"] == "bash")
        # inputs reach scripts only through the environment: no expression is pasted into shell code
        assert "${{" not in step.get("run", ""), step.get("name")
    referenced = set(re.findall(r"\$\{\{\s*inputs\.([a-z-]+)", (REPOSITORY / "action.yml").read_text("utf-8")))
    assert referenced == set(inputs)


def _run_check_step(project: Path, tmp_path: Path, **inputs: str) -> tuple[int, str]:
    """Run the action's own check script with bash, as the runner would; (status, outputs file)."""
    check = next(step for step in _action()["runs"]["steps"] if step.get("id") == "check")
    defaults = {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    values = {**defaults, **inputs}
    outputs = tmp_path / "github_output"
    outputs.write_text("", "utf-8")
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({name: values[spec.split(".")[1].rstrip(" }")] for name, spec in
                ((name, str(spec)) for name, spec in check["env"].items())})
    env["GITHUB_OUTPUT"] = str(outputs)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run([shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           check["run"]], cwd=project, env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, outputs.read_text("utf-8")


@pytest.mark.skipif(shutil.which("bash") is None or not (Path(sys.executable).parent / "promptlint").exists(),
                    reason="needs bash and the promptlint script next to the interpreter")
def test_the_actions_check_step_writes_sarif_and_keeps_the_exit_status(project: Path, tmp_path: Path) -> None:
    status, outputs = _run_check_step(project, tmp_path, paths="prompts")
    assert (status, outputs) == (0, "exit-code=1\n")  # findings: the step passes, the last one fails the job
    sarif = json.loads((project / "promptlint.sarif").read_text("utf-8"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 3
    assert _run_check_step(project, tmp_path, paths="prompts", **{"fail-on": "error"})[1] == "exit-code=1\n"
    assert _run_check_step(project, tmp_path, paths="prompts/clean.prompt.yaml prompts/unused.prompt.yaml",
                           **{"fail-on": "never"})[1] == "exit-code=0\n"
    status, outputs = _run_check_step(project, tmp_path, paths="prompts", baseline="missing.json")
    assert (status, outputs) == (2, "exit-code=2\n")  # promptlint could not run: fail at once


def _readme_section() -> str:
    readme = (REPOSITORY / "README.md").read_text("utf-8")
    match = re.search(r"\n## Adopting promptlint\n(?P<body>.*?)\n## ", readme, re.S)
    assert match, "the README has an 'Adopting promptlint' section"
    return match.group("body")


def test_the_readmes_workflow_uses_the_action_as_declared() -> None:
    blocks = re.findall(r"```yaml\n(# \.github/workflows/.*?)```", _readme_section(), re.S)
    assert len(blocks) == 1
    workflow = YAML(typ="safe").load(blocks[0])
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    assert job["steps"][0]["uses"].startswith("actions/checkout@")
    step = job["steps"][1]
    assert step["uses"].split("@")[0].endswith("/promptlint")
    assert set(step["with"]) <= set(_action()["inputs"])


def test_the_readme_shows_the_schema_modeline_and_the_commands_exist(project: Path) -> None:
    section = _readme_section()
    assert "# yaml-language-server: $schema=" in section
    for command in ("init", "schema"):
        assert f"promptlint {command}" in section and invoke(command, "--help").exit_code == 0
    for option in ("--write-baseline", "--baseline", "--statistics", "--quiet", "--output-format"):
        assert option in section and option in invoke("check", "--help").stdout
