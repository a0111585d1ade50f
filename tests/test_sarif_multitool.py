"""Our SARIF, validated by Microsoft's SARIF Multitool with the rules GitHub code scanning applies.

The multitool is installed from the npm registry into a temporary folder once per run (it ships a
native Linux binary and validates offline). Without npm, or when the registry cannot be reached,
the test skips and says which.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from promptlint.cli import main

VERSION = "5.7.0"


@pytest.fixture(scope="module")
def multitool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    if npm is None or not sys.platform.startswith("linux"):
        pytest.skip("npm is not installed (or this is not Linux): the SARIF Multitool cannot be installed")
    folder = tmp_path_factory.mktemp("multitool")
    installed = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
                                f"@microsoft/sarif-multitool@{VERSION}"], cwd=folder, capture_output=True,
                               text=True, timeout=600, check=False)
    binary = folder / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if installed.returncode != 0 or not binary.exists():
        pytest.skip(f"npm could not install @microsoft/sarif-multitool@{VERSION}: {installed.stderr[-300:]}")
    binary.chmod(0o755)  # its postinstall script would do this; scripts are not run
    return binary


def test_our_sarif_has_no_error_or_warning_for_github_code_scanning(multitool: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)
    ours = tmp_path / "ours.sarif"
    # findings of many rules, related locations, fixes and a file that does not parse
    result = CliRunner().invoke(main, ["check", "fixtures/PL301/bad", "fixtures/PL002/bad", "fixtures/PL001/bad",
                                       "fixtures/PL601/bad", "--format", "sarif", "--output", str(ours)])
    assert result.exit_code == 1, result.output
    log = tmp_path / "validation.sarif"
    subprocess.run([str(multitool), "validate", "--rule-kind", "Sarif;Ghas", "--output", str(log), str(ours)],
                   capture_output=True, text=True, timeout=300, check=False)  # exits 0 even with problems
    validation = json.loads(log.read_text("utf-8"))
    problems = [(item.get("level", "warning"), item["ruleId"], item["message"])
                for run in validation["runs"] for item in run.get("results", [])
                if item.get("level", "warning") in ("error", "warning")]
    assert problems == []
