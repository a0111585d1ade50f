"""Baselines: adopt promptlint on an existing codebase without fixing every old finding first.

`check --write-baseline FILE` records the findings of a run by fingerprint; `check --baseline
FILE` then drops the findings the file records, after linting, so that only new ones are
reported. Fingerprints (promptlint/engine.py) hash the rule, the path, the offending text and
the message, not the line: inserting lines above a finding or fixing another one keeps them,
editing the offending text changes them. A fingerprint recorded N times absorbs up to N
findings. Entries nothing matched any more are "stale": counted in the summary, never a
failure, since fixing an old finding must not break the build.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint import __version__
from promptlint.findings import Report

if TYPE_CHECKING:
    from promptlint.engine import Selection

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one (the command line exits 2)."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule_id: str
    path: str
    count: int


@dataclass(frozen=True)
class Outcome:
    """What applying a baseline did: findings it absorbed, entries nothing matched."""

    baselined: int
    stale: int

    def summary(self, source: Path) -> str:
        stale = (f"; {self.stale} baseline entr{'ies' if self.stale != 1 else 'y'} no longer found "
                 f"(rewrite it with --write-baseline)") if self.stale else ""
        return f"{self.baselined} finding{'s' if self.baselined != 1 else ''} baselined by {source}{stale}."


def entries(report: Report) -> list[Entry]:
    """The report's findings, one entry per fingerprint, in a stable order (path, rule, fingerprint)."""
    counts = Counter((result.fingerprint, result.rule_id, result.location.path) for result in report.results)
    found = [Entry(fingerprint, rule_id, path, count) for (fingerprint, rule_id, path), count in counts.items()]
    return sorted(found, key=lambda entry: (entry.path, entry.rule_id, entry.fingerprint))


def dumps(report: Report) -> str:
    """The baseline file's text: deterministic (no dates, sorted), so rewriting it after no change
    leaves it byte for byte the same and a diff shows only what changed."""
    document = {
        "promptlint_baseline": FORMAT_VERSION,
        "tool": {"name": "promptlint", "version": __version__},
        "findings": [{"fingerprint": entry.fingerprint, "rule_id": entry.rule_id, "path": entry.path,
                      "count": entry.count} for entry in entries(report)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(report: Report, path: Path) -> int:
    """Write the baseline of `report` to `path`; the number of findings it records."""
    try:
        path.write_text(dumps(report), "utf-8", errors="backslashreplace")
    except OSError as error:
        raise BaselineError(f"cannot write the baseline {path}: {error.strerror or error}") from error
    return len(report.results)


def read(path: Path) -> tuple[list[Entry], str | None]:
    """The entries of a baseline file, and the promptlint version that wrote it."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as error:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline {path})") from error
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"cannot read the baseline {path}: {error}") from error
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path} is not a promptlint baseline: invalid JSON ({error})") from error
    if not isinstance(data, dict) or data.get("promptlint_baseline") != FORMAT_VERSION \
            or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path} is not a promptlint baseline (version {FORMAT_VERSION}): expected an object "
                            "with `promptlint_baseline` and `findings`; write one with --write-baseline")
    found = []
    for index, item in enumerate(data["findings"]):
        if not (isinstance(item, dict) and isinstance(item.get("fingerprint"), str)
                and isinstance(item.get("rule_id"), str) and isinstance(item.get("path"), str)
                and isinstance(item.get("count", 1), int) and not isinstance(item.get("count", 1), bool)
                and item.get("count", 1) >= 1):
            raise BaselineError(f"{path}: findings[{index}] must have a string fingerprint, rule_id and path and a "
                                "positive count")
        found.append(Entry(item["fingerprint"], item["rule_id"], item["path"], item.get("count", 1)))
    tool = data.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else None
    return found, version if isinstance(version, str) else None


def apply(report: Report, baseline: list[Entry], rules_run: set[str] | None = None) -> Outcome:
    """Drop the findings `baseline` records from `report`, and note in it how many it dropped and
    how many entries are stale. Entries count as stale only where this run could have found them
    again: their file was checked and their rule ran (a pre-commit run over two files must not call
    the rest of the baseline stale)."""
    remaining: Counter[str] = Counter()
    for entry in baseline:
        remaining[entry.fingerprint] += entry.count
    kept = []
    for result in report.results:
        if remaining[result.fingerprint] > 0:
            remaining[result.fingerprint] -= 1
        else:
            kept.append(result)
    baselined = len(report.results) - len(kept)
    report.results[:] = kept
    scanned = set(report.files_scanned)
    stale = 0
    for entry in baseline:
        left = min(entry.count, remaining[entry.fingerprint])
        remaining[entry.fingerprint] -= left
        if entry.path in scanned and (rules_run is None or entry.rule_id in rules_run):
            stale += left
    report.baselined, report.baseline_stale = baselined, stale  # for the reports (JSON `summary`)
    return Outcome(baselined, stale)


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: list[Entry]
    version: str | None = None  # of the promptlint that wrote it


# what the command line calls: each raises BaselineError with a message for the user

def read_baseline(path: Path | None, write_path: Path | None) -> Baseline | None:
    """The baseline `--baseline` names, read before linting so that a bad one fails fast."""
    if path is not None and write_path is not None:
        raise BaselineError("--baseline and --write-baseline do not go together: --write-baseline records every "
                            "current finding, --baseline hides recorded ones")
    return None if path is None else Baseline(path, *read(path))


def write_baseline_file(report: Report, path: Path) -> str:
    """Write the baseline; what to tell the user."""
    count = write(report, path)
    files = len({result.location.path for result in report.results})
    return (f"promptlint: recorded {count} finding{'s' if count != 1 else ''} in {files} "
            f"file{'s' if files != 1 else ''} to {path}; pass --baseline {path} to report only new ones.")


def apply_baseline(report: Report, baseline: Baseline, selection: Selection) -> str:
    """Filter the report by the baseline; the line the summary gains."""
    note = apply(report, baseline.entries, {rule.id for rule in selection.rules}).summary(baseline.path)
    if baseline.version not in (None, __version__):  # a rule's message may have changed, and with it fingerprints
        note += (f" It was written by promptlint {baseline.version} (this is {__version__}); if old findings show "
                 "up as new, rewrite it with --write-baseline.")
    return note
