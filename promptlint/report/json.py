"""`--format json`: a versioned, documented contract (see README, "JSON output")."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, Any

from promptlint import __version__
from promptlint.findings import Location, Report
from promptlint.registry import Rule

SCHEMA_VERSION = 2  # 2: `fix` became `fix_hint`; `fixes`, `evidence`, `unchecked`, `skipped` added


def _location(location: Location) -> dict[str, Any]:
    return {
        "path": location.path,
        "start_line": location.start_line,
        "start_column": location.start_column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def _baseline(report: Report) -> dict[str, int]:
    """With `--baseline`: the findings it hid and its entries nothing matched any more (stale)."""
    if report.baselined is None:
        return {}
    return {"baselined": report.baselined, "baseline_stale": report.baseline_stale or 0}


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    counts = Counter(result.severity for result in report.results)
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "promptlint", "version": __version__},
        "files_scanned": len(report.files_scanned),
        "files": [{"path": path, "format": report.file_formats.get(path, "unknown")} for path in report.files_scanned],
        "summary": {"error": counts["error"], "warning": counts["warning"], "note": counts["note"],
                    "suppressed": report.suppressed, **_baseline(report)},
        "findings": [
            {
                "rule_id": result.rule_id,
                "rule_name": result.rule_name,
                "severity": result.severity,
                "message": result.message,
                **_location(result.location),
                "fingerprint": result.fingerprint,
                "fix_hint": result.fix_hint,
                "fixes": [
                    {"description": fix.description, "applicability": fix.applicability,
                     "edits": [{**_location(edit.location), "replacement": edit.replacement} for edit in fix.edits]}
                    for fix in result.fixes
                ],
                "evidence": list(result.evidence),
                "related": [{**_location(item.location), "message": item.message} for item in result.related],
            }
            for result in report.results
        ],
        "unchecked": [{"path": item.path, "reason": item.reason} for item in report.unchecked],
        "skipped": [{"path": item.path, "reason": item.reason} for item in report.skipped],
        "errors": [{"path": error.path, "message": error.message} for error in report.errors],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
