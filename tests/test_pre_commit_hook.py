"""The pre-commit hook, run by the real pre-commit against this checkout (`pre-commit try-repo`):
it fails with our findings on a bad staged prompt, passes on a clean one, and is handed only the
files that changed. pre-commit builds the hook's environment from this checkout, installing its
dependencies from the package index, as it does for a team."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPOSITORY

pre_commit = pytest.importorskip("pre_commit",
                                 reason="the pre-commit package is not installed (pip install -e '.[test]')")

GOOD = """\
id: tickets.summary
version: 1.0.0
messages:
  - role: system
    content: You summarise support tickets in three sentences for the agent who picks them up.
"""
BAD = """\
id: tickets.answer
version: 1.0.0
messages:
  - role: user
    content: "{{ quesion }}"
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (REPOSITORY / ".git").exists():
        pytest.skip("needs git and this checkout as a git repository")
    return tmp_path_factory.mktemp("pre-commit-home")  # one hook environment for the module


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def try_repo(project: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(cache), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPOSITORY), "promptlint", *args],
                          cwd=project, env=environment, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "Dev")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "summary.prompt.yaml").write_text(GOOD, "utf-8")
    (tmp_path / "package.json").write_text('{"name": "app"}', "utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path


def test_the_hook_fails_on_a_bad_staged_prompt_and_passes_a_clean_one(project: Path, cache: Path) -> None:
    (project / "prompts" / "answer.prompt.yaml").write_text(BAD, "utf-8")
    git(project, "add", "prompts/answer.prompt.yaml")
    staged = try_repo(project, cache)  # no --files: pre-commit hands the hook the staged files only
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert "prompts/answer.prompt.yaml:5:18" in staged.stdout and "PL002" in staged.stdout
    assert "summary.prompt.yaml" not in staged.stdout  # unchanged: not handed over
    assert "in 1 of 1 file" in staged.stdout
    clean = try_repo(project, cache, "--files", "prompts/summary.prompt.yaml", "package.json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
