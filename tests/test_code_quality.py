"""The code stays ruff and mypy clean (both come with the test extras)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from conftest import REPOSITORY


@pytest.mark.parametrize("command", [
    ["ruff", "check", "promptlint", "tests", "scripts"],
    ["mypy"],
])
def test_static_checks_pass(command: list[str]) -> None:
    if importlib.util.find_spec(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed (pip install -e '.[test]')")
    completed = subprocess.run([sys.executable, "-m", *command], cwd=REPOSITORY, capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
