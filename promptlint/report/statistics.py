"""`--statistics` and `--quiet`: shorter views of a report for people adopting promptlint
on a large tree (which rules fire, how often) and for scripts that want one line."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO

from promptlint.findings import Report
from promptlint.registry import Rule
from promptlint.report.summary import summary_line


def counts(report: Report) -> list[tuple[str, str, int]]:
    """(rule id, rule name, findings) for every rule with a finding, most frequent first."""
    found = Counter((result.rule_id, result.rule_name) for result in report.results)
    return sorted(((rule_id, name, count) for (rule_id, name), count in found.items()),
                  key=lambda row: (-row[2], row[0]))


def render_statistics(report: Report, rules: dict[str, Rule], out: IO[str], as_json: bool, quiet: bool) -> None:
    rows = counts(report)
    if as_json:  # ruff's shape: code, name, count
        json.dump([{"code": rule_id, "name": name, "count": count} for rule_id, name, count in rows], out, indent=2)
        out.write("\n")
        return
    width = max((len(str(count)) for _, _, count in rows), default=1)
    for rule_id, name, count in rows:
        out.write(f"{count:>{max(width, 4)}}  {rule_id}  {name}\n")
    if not quiet:
        out.write(summary_line(report) + "\n")


def render_quiet(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    """The summary line when there are findings (or the run could not check everything), else nothing."""
    if report.results or report.unchecked or report.errors:
        for error in report.errors:
            out.write(f"promptlint error: {error.path + ': ' if error.path else ''}{error.message}\n")
        out.write(summary_line(report) + "\n")
