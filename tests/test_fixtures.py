"""Every rule has bad and good fixtures, and each fixture's findings equal its markers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, REPOSITORY
from markers import SIDECAR_SUFFIX, expected_findings

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import reader_for
from promptlint.registry import load_rules

RULES = load_rules()


def fixture_files() -> list[Path]:
    return sorted(path for path in FIXTURES.rglob("*")
                  if path.is_file() and reader_for(path.name) and not path.name.endswith(SIDECAR_SUFFIX))


def all_rules_config() -> Config:
    # opt-in rules too: their fixtures must show them
    return Config(root=REPOSITORY, select=list(RULES))


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_has_bad_and_good_fixtures(rule_id: str) -> None:
    bad = [path for path in fixture_files() if path.parent == FIXTURES / rule_id / "bad"]
    good = [path for path in fixture_files() if path.parent == FIXTURES / rule_id / "good"]
    assert bad, f"fixtures/{rule_id}/bad has no fixture"
    assert good, f"fixtures/{rule_id}/good has no fixture"
    marked = [path for path in bad if any(rule == rule_id for rule, _line in expected_findings(path))]
    assert marked == bad, f"every bad fixture of {rule_id} must expect at least one {rule_id} finding"
    for path in good:
        expected = expected_findings(path)
        assert not any(rule == rule_id for rule, _line in expected), f"{path} is good yet expects {rule_id}"


@pytest.mark.parametrize("path", fixture_files(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_fixture_findings_equal_markers(path: Path) -> None:
    report = lint_paths([path], select_rules(RULES, all_rules_config()))
    assert not report.errors, report.errors
    actual = Counter((result.rule_id, result.location.start_line) for result in report.results)
    assert actual == expected_findings(path), "\n".join(
        f"{result.rule_id} {result.location.start_line}:{result.location.start_column} {result.message}"
        for result in report.results)


def _parse_report(output_format: str, text: str) -> Counter[tuple[str, str, int]]:
    """(path, rule, line) of every finding, read back from one report format."""
    found: Counter[tuple[str, str, int]] = Counter()
    if output_format == "json":
        found.update((item["path"], item["rule_id"], item["start_line"]) for item in json.loads(text)["findings"])
    elif output_format == "sarif":
        for result in json.loads(text)["runs"][0]["results"]:
            location = result["locations"][0]["physicalLocation"]
            found[(location["artifactLocation"]["uri"], result["ruleId"], location["region"]["startLine"])] += 1
    elif output_format == "github":
        for match in re.finditer(r"^::\w+ file=([^,]+),line=(\d+),.*?title=(\w+) ", text, re.M):
            found[(match.group(1), match.group(3), int(match.group(2)))] += 1
    else:  # text: "  error[PL002] undeclared-variable path:line:column"
        for match in re.finditer(r"^  \w+\[(\w+)\] [\w-]+ (.+):(\d+):\d+$", text, re.M):
            found[(match.group(2), match.group(1), int(match.group(3)))] += 1
    return found


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_promptlint_check_fixtures_finds_every_marker_and_nothing_else(output_format: str) -> None:
    # exactly the command of the issue: the repository's own configuration turns on the opt-in rules
    completed = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "fixtures/", "--format", output_format],
        cwd=REPOSITORY, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"},
    )
    assert completed.returncode == 1, completed.stderr
    expected: Counter[tuple[str, str, int]] = Counter()
    for path in fixture_files():
        for (rule_id, line), count in expected_findings(path).items():
            expected[(path.relative_to(REPOSITORY).as_posix(), rule_id, line)] += count
    assert _parse_report(output_format, completed.stdout) == expected
