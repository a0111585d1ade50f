"""`--format gitlab`: GitLab Code Quality JSON (the documented subset of the Code Climate spec
that merge requests show: description, check_name, fingerprint, severity, location)."""

from __future__ import annotations

import hashlib
import json
from typing import IO, Any

from promptlint.findings import Report
from promptlint.registry import Rule

# GitLab's scale is info, minor, major, critical, blocker; errors rank above warnings in the widget
SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    issues: list[dict[str, Any]] = [
        {
            "description": f"{result.rule_id} {result.rule_name}: {result.message}",
            "check_name": result.rule_id,
            # unique per finding (GitLab shows one issue per fingerprint) and line-independent,
            # so an issue keeps its identity between a merge request's base and head
            "fingerprint": result.fingerprint,
            "severity": SEVERITY[result.severity],
            "location": {"path": result.location.path, "lines": {"begin": result.location.start_line}},
        }
        for result in report.results
    ]
    for item in report.unchecked:  # a file no rule looked at must not pass unnoticed
        issues.append({
            "description": f"promptlint could not read this file, so no rule checked it: {item.reason}",
            "check_name": "promptlint/unchecked",
            "fingerprint": hashlib.sha256(f"unchecked\0{item.path}".encode("utf-8", "surrogatepass")).hexdigest()[:32],
            "severity": "major",
            "location": {"path": item.path, "lines": {"begin": 1}},
        })
    json.dump(issues, out, indent=2, ensure_ascii=False)
    out.write("\n")
