"""Helpers shared by the tool-rule tests: lint one tool file, and say where a finding is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Result
from promptlint.registry import load_rules

RULES = load_rules()


def lint(tmp_path: Path, text: str, select: str, name: str = "tools.json",
         options: dict[str, dict[str, Any]] | None = None) -> list[Result]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    config = Config(root=tmp_path, select=select.split(","), rule_options=options or {})
    report = lint_paths([path], select_rules(RULES, config))
    assert not report.errors, report.errors
    return report.results


def at(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """(line, column) of `needle` in `text`, as promptlint counts them."""
    offset = text.index(needle, start)
    before = re.split(r"\r\n|\r|\n", text[:offset])
    return len(before), len(before[-1]) + 1


def places(results: list[Result]) -> list[tuple[str, int, int]]:
    return [(result.rule_id, result.location.start_line, result.location.start_column) for result in results]
