"""Reports: each turns a Report (results, files, errors) and the rules' metadata into one
output format. A reporter knows no rule in particular."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import IO

from promptlint.findings import Report
from promptlint.registry import Rule

Renderer = Callable[[Report, dict[str, Rule], IO[str], bool], None]

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
_HUMAN = ("text",)  # formats a trailing note may be appended to; the others are parsed by tools


def _format(name: str) -> Renderer:
    # imported on demand: the text report needs rich and pygments, the others do not
    if name == "text":
        from promptlint.report.text import render
    elif name == "json":
        from promptlint.report.json import render
    elif name == "sarif":
        from promptlint.report.sarif import render
    elif name == "github":
        from promptlint.report.github import render
    elif name == "gitlab":
        from promptlint.report.gitlab import render
    elif name == "junit":
        from promptlint.report.junit import render
    else:
        raise ValueError(f"unknown format {name}")
    return render


def renderer(name: str, statistics: bool = False, quiet: bool = False, notes: Sequence[str] = ()) -> Renderer:
    """The renderer for `--format name`. `statistics` replaces the findings by counts per rule
    (JSON for `json`, text otherwise, as ruff does); `quiet` cuts the text report to its summary
    line; `notes` (the baseline's count) follow the text report's summary, and go to standard
    error for the formats that tools parse, so those stay valid."""
    from promptlint.report.statistics import render_quiet, render_statistics

    def statistics_only(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
        render_statistics(report, rules, out, name == "json", quiet)

    base: Renderer = statistics_only if statistics else render_quiet if quiet and name in _HUMAN else _format(name)
    if not notes:
        return base
    human = name in _HUMAN or (statistics and name != "json")

    def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
        base(report, rules, out, color)
        if quiet and not (report.results or report.unchecked or report.errors):
            return
        for note in notes:
            (out if human else sys.stderr).write(note + "\n")

    return render
