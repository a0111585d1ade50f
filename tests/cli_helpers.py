"""Helpers shared by the command-line tests: build prompt trees, run `promptlint`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from promptlint.cli import main

# A clean native prompt: every declared variable used, none undeclared.
CLEAN_PROMPT = """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
messages:
  - role: system
    content: You are a billing assistant.
  - role: user
    content: "{{ question }}"
"""

# One PL002 ('quesion', line 9, columns 18-25) and one PL003 ('question', line 4, columns 3-11).
TYPO_PROMPT = """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
messages:
  - role: system
    content: You are a billing assistant.
  - role: user
    content: "{{ quesion }}"
"""

# Only a PL003 (a warning): 'articles' is declared on line 5 and never used.
UNUSED_PROMPT = """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
  articles: {trust: untrusted, max_tokens: 6000}
messages:
  - role: user
    content: "{{ question }}"
"""

# Not YAML at all: the sequence item is indented less than its siblings.
BROKEN_PROMPT = """\
id: support.summary
version: 1.0.0
messages:
  - role: system
    content: Summarise the ticket.
 - role: user
    content: "{{ ticket }}"
"""


def write(path: Path, text: str) -> Path:
    """Write a file; a native prompt gets an id of its own (from its path), as in a real project,
    so that tests writing one prompt text to several files do not meet PL704 duplicate-prompt-id."""
    if path.name.endswith(".prompt.yaml") and text.startswith(("id: support.answer\n", "id: support.summary\n")):
        own_id = re.sub(r"[^A-Za-z0-9]+", ".", str(path.parent.name + "." + path.name)).strip(".")
        text = f"id: {own_id}" + text[text.index("\n"):]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run the command in this process (the caller has chdir'ed into the project)."""
    environment: dict[str, str | None] = {"NO_COLOR": None, "FORCE_COLOR": None}
    environment.update(env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def run_module(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m promptlint` in a child process, as a user or CI would."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "promptlint", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, encoding="utf-8", check=False, timeout=120)


def json_report(*args: str) -> dict[str, Any]:
    result = invoke("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def found(report: Mapping[str, Any]) -> set[tuple[str, str, int]]:
    """(path, rule id, start line) of every finding in a JSON report."""
    return {(item["path"], item["rule_id"], item["start_line"]) for item in report["findings"]}
