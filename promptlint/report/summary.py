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
        return "No prompt or tool files found under the given paths (see README, \"What it reads\")."
    if not report.results:
        return f"No findings in {files}{suppressed}."
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 else ''}"
             for level in ("error", "warning", "note") if counts[level]]
    total = len(report.results)
    return (f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {files_with} of "
            f"{files}{suppressed}.")
