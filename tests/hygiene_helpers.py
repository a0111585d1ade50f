"""Lint text in memory with the hygiene rules (PL601-PL604), as tests/test_secrets.py,
test_personal_data.py and test_endpoints.py need it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptlint.config import build_config
from promptlint.engine import lint_source, select_rules
from promptlint.findings import Result
from promptlint.registry import load_rules

RULES = load_rules()
HYGIENE = ("PL601", "PL602", "PL603", "PL604")


def lint(text: str, path: str = "p.prompt.yaml", select: tuple[str, ...] = HYGIENE,
         options: dict[str, dict[str, Any]] | None = None) -> list[Result]:
    config = build_config({"select": list(select), "rules": options or {}}, Path(__file__).parent, RULES)
    report = lint_source(text, path, select_rules(RULES, config))
    assert not report.errors, report.errors
    return report.results


def located(results: list[Result]) -> list[tuple[str, int, int, int, int]]:
    """(rule, start line, start column, end line, end column) of each result."""
    return [(result.rule_id, result.location.start_line, result.location.start_column, result.location.end_line,
             result.location.end_column) for result in results]


def native(content: str, extra: str = "") -> str:
    """A native prompt whose system message is `content`, as a block scalar (line 6 on)."""
    body = "".join(f"      {line}\n" if line else "\n" for line in content.split("\n"))
    return f"id: t\nversion: 1.0.0\n{extra}messages:\n  - role: system\n    content: |\n{body}"
