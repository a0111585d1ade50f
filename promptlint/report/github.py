"""`--format github`: workflow-command annotations that GitHub Actions shows on the diff, and
nothing else (the command line writes the summary line to standard error)."""

from __future__ import annotations

from typing import IO

from promptlint.findings import Report
from promptlint.registry import Rule

_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    for result in report.results:
        location = result.location
        properties = ",".join([
            f"file={_property(location.path)}",
            f"line={location.start_line}",
            f"col={location.start_column}",
            f"endLine={location.end_line}",
            f"endColumn={location.end_column}",
            f"title={_property(f'{result.rule_id} {result.rule_name}')}",
        ])
        out.write(f"::{_LEVEL[result.severity]} {properties}::{_data(result.message)}\n")
    for item in report.unchecked:
        out.write(f"::warning file={_property(item.path)},title=not checked::"
                  f"{_data('promptlint could not read this file, so no rule checked it: ' + item.reason)}\n")
    for error in report.errors:
        where = f" file={_property(error.path)}" if error.path else ""
        out.write(f"::error{where}::{_data('promptlint failed: ' + error.message)}\n")
