"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run per invocation. Paths are relative to `%SRCROOT%` (the project root); columns are
UTF-16 code units, SARIF's default. Our own stable fingerprint goes under `promptlint/v1`,
not `primaryLocationLineHash`, which the upload action computes with its own algorithm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from promptlint import __version__
from promptlint.findings import Location, Report, Result
from promptlint.registry import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"


def _help_markdown(rule: Rule) -> str:
    lines = [rule.description, "", "**How to fix:** " + rule.fix_hint]
    references = [f"- [{ref['title']}]({ref['url']})" for ref in rule.references if "title" in ref and "url" in ref]
    if references:
        lines += ["", "**References:**", *references]
    lines += ["", f"Run `promptlint explain {rule.id}` for this text in a terminal."]
    return "\n".join(lines)


def _within(text: str, limit: int) -> str:
    """GitHub shows at most `limit` characters: whole paragraphs that fit, else whole sentences."""
    if len(text) <= limit:
        return text
    kept = ""
    for paragraph in text.split("\n\n"):
        if len(kept) + len(paragraph) + 2 > limit:
            break
        kept = f"{kept}\n\n{paragraph}" if kept else paragraph
    if kept:
        return kept
    cut = text[:limit - 1]
    return (cut[:cut.rfind(". ") + 1] if ". " in cut else cut) or cut


def _descriptor(rule: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": list(rule.tags)[:20], "precision": rule.precision, "family": rule.family}
    if rule.security_severity is not None:
        properties["security-severity"] = rule.security_severity
    else:
        properties["problem.severity"] = "recommendation" if rule.severity == "note" else rule.severity
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary[:1024]},
        "fullDescription": {"text": _within(rule.description, 1024)},
        "help": {"text": f"{rule.description}\n\nHow to fix: {rule.fix_hint}", "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": rule.severity, "enabled": rule.enabled},
        "properties": properties,
    }


def _artifact(path: str) -> dict[str, Any]:
    return {"uri": quote(path, safe="/-._~"), "uriBaseId": SOURCE_ROOT}


def _region(location: Location) -> dict[str, Any]:
    return {
        "startLine": location.start_line,
        "startColumn": location.start_column_utf16,
        "endLine": location.end_line,
        "endColumn": location.end_column_utf16,
    }


def _physical(location: Location) -> dict[str, Any]:
    return {"artifactLocation": _artifact(location.path), "region": _region(location)}


def _fixes(result: Result) -> list[dict[str, Any]]:
    """SARIF §3.55: each fix replaces regions of one or more artifacts."""
    fixes = []
    for fix in result.fixes:
        changes: dict[str, list[dict[str, Any]]] = {}
        for edit in fix.edits:
            changes.setdefault(edit.location.path, []).append(
                {"deletedRegion": _region(edit.location), "insertedContent": {"text": edit.replacement}})
        fixes.append({
            "description": {"text": f"{fix.description} ({fix.applicability})"},
            "artifactChanges": [{"artifactLocation": _artifact(path), "replacements": replacements}
                                for path, replacements in changes.items()],
        })
    return fixes


def _message(result: Result) -> str:
    """The message, with links to its related locations (GitHub links only what the text embeds)."""
    if not result.related:
        return result.message
    links = ", ".join(f"[{item.message}]({position + 1})" for position, item in enumerate(result.related))
    return f"{result.message} (see {links})"


# where a developer reading a result learns about the tool: the distribution's page on the index
INFORMATION_URI = "https://pypi.org/project/prompt-linter/"


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    index = {rule_id: position for position, rule_id in enumerate(rules)}
    results = []
    for result in report.results:
        entry: dict[str, Any] = {
            "ruleId": result.rule_id,
            "ruleIndex": index[result.rule_id],
            "level": result.severity,
            "message": {"text": _message(result)},
            "locations": [{"physicalLocation": _physical(result.location)}],
            "partialFingerprints": {"promptlint/v1": result.fingerprint},
        }
        if result.fixes:
            entry["fixes"] = _fixes(result)
        if result.evidence:
            entry["properties"] = {"evidence": list(result.evidence)}
        if result.related:
            entry["relatedLocations"] = [
                {"id": position + 1, "physicalLocation": _physical(item.location), "message": {"text": item.message}}
                for position, item in enumerate(result.related)
            ]
        results.append(entry)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "promptlint",
            "informationUri": INFORMATION_URI,
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_descriptor(rule) for rule in rules.values()],
        }},
        "automationDetails": {"id": "promptlint/"},
        "columnKind": "utf16CodeUnits",
        "results": results,
        "invocations": [{
            "executionSuccessful": not report.errors,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": error.message}} for error in report.errors
            ] + [
                {"level": "warning", "message": {"text": f"{item.path}: not checked: {item.reason}"}}
                for item in report.unchecked
            ],
        }],
    }
    if report.root:
        run["originalUriBaseIds"] = {SOURCE_ROOT: {"uri": Path(report.root).absolute().as_uri().rstrip("/") + "/"}}
    json.dump({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, out, indent=2, ensure_ascii=False)
    out.write("\n")
