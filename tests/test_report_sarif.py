"""`--format sarif`: valid SARIF 2.1.0 that GitHub code scanning can take as it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import BROKEN_PROMPT, CLEAN_PROMPT, TYPO_PROMPT, invoke, run_module, write

from promptlint.registry import load_rules

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
RULES = load_rules()


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif(*args: str) -> dict[str, Any]:
    result = invoke("check", "--format", "sarif", *args)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        grouped.setdefault(result["ruleId"], []).append(result)
    return grouped


def region(result: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = result["locations"][0]["physicalLocation"]
    return dict(location["region"])


def uri(result: dict[str, Any]) -> str:
    return str(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path / "prompts" / "typo.prompt.yaml", TYPO_PROMPT)
    write(tmp_path / "prompts" / "clean.prompt.yaml", CLEAN_PROMPT)
    write(tmp_path / "prompts" / "broken.prompt.yaml", BROKEN_PROMPT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_schema_copy_is_the_official_errata01_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_the_validator_rejects_a_log_that_breaks_the_schema(validator: Any) -> None:
    # guards the tests below: a validator that accepted anything would make them vacuous
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "a"}, "region": {"endLine": 2}}}]}]}]})


def test_output_validates_against_the_sarif_schema(project: Path, validator: Any) -> None:
    log = sarif("prompts")
    validator.validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert {result["ruleId"] for result in log["runs"][0]["results"]} == {"PL001", "PL002", "PL003"}


def test_a_clean_tree_is_a_valid_log_with_no_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     validator: Any) -> None:
    write(tmp_path / "clean.prompt.yaml", CLEAN_PROMPT)
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "--format", "sarif", ".")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_driver_describes_every_registered_rule(project: Path) -> None:
    driver = sarif("prompts")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "promptlint"
    descriptors = driver["rules"]
    assert [descriptor["id"] for descriptor in descriptors] == list(RULES)
    for descriptor in descriptors:
        rule = RULES[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        full = descriptor["fullDescription"]["text"]
        assert len(full) <= 1024 and rule.description.startswith(full)  # GitHub's limit: whole paragraphs
        assert full == rule.description or len(rule.description) > 1024
        assert rule.fix_hint in descriptor["help"]["text"]
        assert descriptor["help"]["markdown"].strip()
        assert descriptor["defaultConfiguration"]["level"] == rule.severity
        assert descriptor["defaultConfiguration"]["enabled"] is rule.enabled
    # the opt-in rule is described too, and marked as off by default
    assert descriptors[list(RULES).index("PL009")]["defaultConfiguration"]["enabled"] is False


def test_rule_index_points_at_the_rule_of_each_result(project: Path) -> None:
    run = sarif("prompts")["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    assert len(run["results"]) >= 3
    for result in run["results"]:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
    indexes = {result["ruleId"]: result["ruleIndex"] for result in run["results"]}
    assert indexes["PL002"] != indexes["PL003"]


def test_levels_follow_the_effective_severity(project: Path) -> None:
    write(project / ".promptlint.yaml", "severity: {PL003: note}\n")
    grouped = results_by_rule(sarif("prompts"))
    assert [result["level"] for result in grouped["PL002"]] == ["error"]
    assert [result["level"] for result in grouped["PL003"]] == ["note"]


def test_locations_are_relative_to_srcroot(project: Path) -> None:
    run = sarif("prompts")["runs"][0]
    uris = {uri(result) for result in run["results"]}
    assert uris == {"prompts/typo.prompt.yaml", "prompts/broken.prompt.yaml"}
    for result in run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == project.resolve().as_uri() + "/"


def test_srcroot_is_the_project_root_when_run_from_a_subdirectory(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / ".promptlint.yaml", "fail-on: error\n")
    monkeypatch.chdir(project / "prompts")
    run = sarif("typo.prompt.yaml")["runs"][0]
    assert {uri(result) for result in run["results"]} == {"prompts/typo.prompt.yaml"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_uris_are_percent_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Any) -> None:
    write(tmp_path / "my prompts" / "typo #1.prompt.yaml", TYPO_PROMPT)
    monkeypatch.chdir(tmp_path)
    log = sarif(".")
    validator.validate(log)
    assert {uri(result) for result in log["runs"][0]["results"]} == {"my%20prompts/typo%20%231.prompt.yaml"}


def test_regions_are_exact(project: Path) -> None:
    grouped = results_by_rule(sarif("prompts/typo.prompt.yaml"))
    # line 9 is `    content: "{{ quesion }}"`: the name spans columns 18 to 25 (end exclusive)
    assert [region(result) for result in grouped["PL002"]] == [
        {"startLine": 9, "startColumn": 18, "endLine": 9, "endColumn": 25}]
    # line 4 is `  question: {...}`: the declared name spans columns 3 to 11
    assert [region(result) for result in grouped["PL003"]] == [
        {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 11}]
    assert "quesion" in grouped["PL002"][0]["message"]["text"]


def test_invalid_document_is_located_where_reading_failed(project: Path) -> None:
    grouped = results_by_rule(sarif("prompts/broken.prompt.yaml"))
    assert list(grouped) == ["PL001"]
    assert len(grouped["PL001"]) == 1
    assert region(grouped["PL001"][0])["startLine"] == 6  # the mis-indented ` - role: user`


def test_fingerprints_survive_lines_inserted_above(project: Path) -> None:
    path = project / "prompts" / "typo.prompt.yaml"
    before = results_by_rule(sarif(str(path)))
    path.write_text("# owner: billing team\n# reviewed: 2024-05-01\n\n" + TYPO_PROMPT, "utf-8")
    after = results_by_rule(sarif(str(path)))
    for rule_id in ("PL002", "PL003"):
        [old], [new] = before[rule_id], after[rule_id]
        assert region(new)["startLine"] == region(old)["startLine"] + 3
        assert new["partialFingerprints"]["promptlint/v1"] == old["partialFingerprints"]["promptlint/v1"]
    fingerprints = [before[rule_id][0]["partialFingerprints"]["promptlint/v1"] for rule_id in ("PL002", "PL003")]
    assert all(fingerprints) and fingerprints[0] != fingerprints[1]


def test_fingerprints_change_when_the_finding_changes(project: Path) -> None:
    path = project / "prompts" / "typo.prompt.yaml"
    [old] = results_by_rule(sarif(str(path)))["PL002"]
    path.write_text(TYPO_PROMPT.replace("quesion", "queston"), "utf-8")
    [new] = results_by_rule(sarif(str(path)))["PL002"]
    assert region(new) == region(old)
    assert new["partialFingerprints"]["promptlint/v1"] != old["partialFingerprints"]["promptlint/v1"]


def test_identical_findings_in_one_file_get_distinct_fingerprints(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "twice.prompt.yaml", TYPO_PROMPT + '  - role: user\n    content: "{{ quesion }}"\n')
    monkeypatch.chdir(tmp_path)
    results = results_by_rule(sarif("."))["PL002"]
    assert [region(result)["startLine"] for result in results] == [9, 11]
    assert len({result["partialFingerprints"]["promptlint/v1"] for result in results}) == 2


def test_columns_count_utf16_code_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Any) -> None:
    line = '    content: "é😀 {{ nam }}"'
    text = TYPO_PROMPT.replace('    content: "{{ quesion }}"', line)
    write(tmp_path / "emoji.prompt.yaml", text)
    monkeypatch.chdir(tmp_path)
    log = sarif(".")
    validator.validate(log)
    assert log["runs"][0]["columnKind"] == "utf16CodeUnits"
    [result] = results_by_rule(log)["PL002"]
    start = line.index("nam")
    # 'é' is one UTF-16 code unit, the emoji (outside the BMP) is two: one more than code points
    assert region(result) == {"startLine": 9, "startColumn": start + 2, "endLine": 9, "endColumn": start + 5}
    assert region(result)["startColumn"] == len(line[:start].encode("utf-16-le")) // 2 + 1
    # the JSON report keeps code-point columns
    json_result = invoke("check", "--format", "json", ".")
    [finding] = [item for item in json.loads(json_result.stdout)["findings"] if item["rule_id"] == "PL002"]
    assert (finding["start_column"], finding["end_column"]) == (start + 1, start + 4)


def test_sarif_written_with_output_from_a_child_process(tmp_path: Path, validator: Any) -> None:
    write(tmp_path / "typo.prompt.yaml", TYPO_PROMPT)
    (tmp_path / "out").mkdir()
    completed = run_module("check", "--format", "sarif", "--output", "out/report.sarif", ".", cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    log = json.loads((tmp_path / "out" / "report.sarif").read_text("utf-8"))
    validator.validate(log)
    assert {result["ruleId"] for result in log["runs"][0]["results"]} == {"PL002", "PL003"}


def test_internal_errors_become_tool_execution_notifications(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                             validator: Any) -> None:
    def broken(document: object, context: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("promptlint.checks.variables.unused_variable", broken)
    result = invoke("check", "--format", "sarif", "prompts/typo.prompt.yaml")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    validator.validate(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "boom" in notification["message"]["text"]
    assert [result["ruleId"] for result in log["runs"][0]["results"]] == ["PL002"]


def test_related_locations_are_declared_and_linked_from_the_message(project: Path, validator: Any) -> None:
    log = sarif("prompts/typo.prompt.yaml")
    validator.validate(log)
    [undeclared] = results_by_rule(log)["PL002"]
    [related] = undeclared["relatedLocations"]
    assert related["id"] == 1
    assert related["physicalLocation"]["artifactLocation"] == {"uri": "prompts/typo.prompt.yaml",
                                                               "uriBaseId": "%SRCROOT%"}
    assert related["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 11}
    # GitHub links a related location only when the message embeds it as [text](id)
    assert undeclared["message"]["text"].endswith("(see ['question' is declared here](1))")
