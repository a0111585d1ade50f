"""action.yml and the GitHub workflows README.md shows, validated against SchemaStore's schemas
for GitHub Actions and workflows as check-jsonschema vendors them (`--builtin-schema
vendor.github-actions`, `vendor.github-workflows`): no third-party schema is kept in this
repository. Each check is also run on a deliberately broken copy, which must fail, so a
validator that passes everything cannot pass these tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPOSITORY
from ruamel.yaml import YAML

pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (it is in the `test` extra: "
                                               "pip install -e '.[test]')")

ACTION = REPOSITORY / "action.yml"
FENCED_YAML = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)


def validate(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema's command line, with one of the schemas it vendors."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", f"vendor.{schema}",
                           *map(str, files)], capture_output=True, text=True, timeout=120, check=False)


def readme_workflows() -> tuple[list[str], list[list[Any]]]:
    """The fenced YAML blocks of README.md that are GitHub workflows: whole workflows (with `jobs`),
    and excerpts that are a list of steps (`- uses:` / `- run:`)."""
    whole, excerpts = [], []
    for block in FENCED_YAML.findall((REPOSITORY / "README.md").read_text("utf-8")):
        if "uses:" not in block and "upload-sarif" not in block:
            continue
        data = YAML(typ="safe").load(block)
        if isinstance(data, dict) and "jobs" in data:
            whole.append(block)
        elif isinstance(data, list) and all(isinstance(step, dict) and ("uses" in step or "run" in step)
                                            for step in data):
            excerpts.append(data)
    return whole, excerpts


def as_workflow(steps: list[Any]) -> dict[str, Any]:
    """An excerpt's steps in the smallest workflow that can hold them."""
    return {"name": "excerpt", "on": "pull_request", "jobs": {"job": {"runs-on": "ubuntu-latest", "steps": steps}}}


def test_the_action_is_valid() -> None:
    result = validate("github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_action_fails(tmp_path: Path) -> None:
    text = ACTION.read_text("utf-8")
    # a composite action's `run` step must name its shell
    broken = re.sub(r"(\n    - name: Install promptlint\n)      shell: bash\n", r"\1", text, count=1)
    assert broken != text
    (tmp_path / "action.yml").write_text(broken, "utf-8")
    result = validate("github-actions", tmp_path / "action.yml")
    assert result.returncode == 1 and "Schema validation errors" in result.stdout, result.stdout + result.stderr


def test_the_readmes_workflows_are_valid(tmp_path: Path) -> None:
    whole, excerpts = readme_workflows()
    assert len(whole) == 1 and "/promptlint@" in whole[0]  # the complete workflow that uses the action
    assert excerpts and any("upload-sarif" in json.dumps(steps) for steps in excerpts)
    files = [tmp_path / "workflow.yml"]
    files[0].write_text(whole[0], "utf-8")
    for index, steps in enumerate(excerpts):
        files.append(tmp_path / f"excerpt-{index}.json")
        files[-1].write_text(json.dumps(as_workflow(steps)), "utf-8")
    result = validate("github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_fails(tmp_path: Path) -> None:
    (workflow,), _excerpts = readme_workflows()
    broken = workflow.replace("    runs-on: ubuntu-latest\n", "")  # a job must say where it runs
    assert broken != workflow
    (tmp_path / "workflow.yml").write_text(broken, "utf-8")
    result = validate("github-workflows", tmp_path / "workflow.yml")
    assert result.returncode == 1 and "'runs-on' is a required property" in result.stdout, result.stdout
    bad_step = as_workflow([{"uses": "actions/checkout@v4", "run": "echo both"}])  # `uses` or `run`, not both
    (tmp_path / "step.json").write_text(json.dumps(bad_step), "utf-8")
    assert validate("github-workflows", tmp_path / "step.json").returncode == 1
