"""Counts shared by the human-facing reports."""

from __future__ import annotations

from collections import Counter

from promptlint.findings import Report


def summary_line(report: Report) -> str:
    counts = Counter(result.severity for result in report.results)
    files_with = len({result.location.path for result in report.results})
    scanned = len(report.files_scanned)
    files = f"{scanned} file{'s' if scanned != 1 else ''}"
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    if not scanned:
        if len(report.skipped) == 1:
            only = report.skipped[0]
            return f"Nothing to check: {only.path} is not read ({only.reason})."
        return f"No prompt or tool files found under the given paths.{_skipped(report)}"
    unchecked = _unchecked(report) + _skipped(report)
    if not report.results:
        return f"No findings in {files}{suppressed}.{unchecked}"
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 else ''}"
             for level in ("error", "warning", "note") if counts[level]]
    total = len(report.results)
    return (f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {files_with} of "
            f"{files}{suppressed}.{unchecked}")


def _skipped(report: Report) -> str:
    count = len(report.skipped)
    if not count:
        return ""
    listed = "" if report.show_skipped or report.show_files else " (--show-skipped lists them)"
    return f" {count} file{'s' if count != 1 else ''} skipped{listed}."


def _unchecked(report: Report) -> str:
    """Files whose rules did not run while PL001, which says why, was not selected: without
    this, a `--select PL1` run over a file that does not parse would read as clean."""
    count = len(report.unchecked)
    if not count:
        return ""
    first = report.unchecked[0]
    return (f" {count} file{'s' if count != 1 else ''} could not be read and {'were' if count != 1 else 'was'} "
            f"not checked, which fails the run: {first.path}:{first.reason}"
            f"{' (and others)' if count > 1 else ''}; select PL001 for details.")
