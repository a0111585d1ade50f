"""What checks produce (`Finding`) and what reports consume (`Result`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from promptlint.model import SourceFile, Span

Severity = Literal["error", "warning", "note"]
SEVERITY_ORDER: dict[str, int] = {"note": 0, "warning": 1, "error": 2}
Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True)
class Related:
    """A second place a finding involves (the other side of a conflict, say). `source` is
    needed only when that place is in another file, for its columns and code frame."""

    path: str
    span: Span
    message: str
    source: SourceFile | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the source text between two offsets of the finding's file."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A change that resolves a finding. `safe` keeps what the model receives meaning the same;
    `unsafe` may change behaviour and wants a reviewer (ruff's distinction)."""

    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability = "unsafe"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    message: str
    span: Span
    related: tuple[Related, ...] = ()
    severity: Severity | None = None  # lower than the rule's when the evidence is weaker
    evidence: tuple[str, ...] = ()  # what the rule relied on, e.g. "trust inferred from the name `page`"
    fixes: tuple[Fix, ...] = ()
    path: str | None = None  # project-scope findings: the file it sits in (None: the file checked)
    # text no report may print whole (a secret): code frames show only its first and last 4 characters
    redact: tuple[Span, ...] = ()
    hint: str | None = None  # advice for this finding when the rule's fix hint is too general for it


@dataclass(frozen=True)
class Location:
    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    # SARIF counts columns in UTF-16 code units by default; characters outside the BMP count twice
    start_column_utf16: int
    end_column_utf16: int


@dataclass(frozen=True)
class RelatedLocation:
    location: Location
    message: str
    snippet_start: int = 0
    snippet: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocatedEdit:
    location: Location
    replacement: str


@dataclass(frozen=True)
class LocatedFix:
    description: str
    applicability: Applicability
    edits: tuple[LocatedEdit, ...]


@dataclass(frozen=True)
class Result:
    """A finding ready for a report: located, with its rule's identity and effective severity."""

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    fix_hint: str  # the rule's prose advice; `fixes` are edits
    fingerprint: str
    related: tuple[RelatedLocation, ...] = ()
    # the source lines around the finding, for code frames (first line number, lines)
    snippet_start: int = 0
    snippet: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    fixes: tuple[LocatedFix, ...] = ()


@dataclass
class RunError:
    """Something that stopped promptlint itself (not a finding about a file)."""

    message: str
    path: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file found but not checked (or not fully), and why: never dropped silently."""

    path: str
    reason: str


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    suppressed: int = 0
    # what `--baseline` did (None: no baseline applied): findings it hid, entries nothing matched any more
    baselined: int | None = None
    baseline_stale: int | None = None
    root: str = ""  # absolute project root; result paths are relative to it
    # files whose rules did not run because they could not be read as their format, while
    # PL001 (which would say why) is not selected: a run must not read as clean by accident
    unchecked: list[Skipped] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # found by a walk, not read
    file_formats: dict[str, str] = field(default_factory=dict)  # each file read: the format it was read as
    from_cache: int = 0  # files whose per-file results came from the result cache
    # what the human-facing report lists besides findings (`--show-files`, `--show-skipped`)
    show_files: bool = False
    show_skipped: bool = False
    show_source: bool = True  # code frames in the text report (`--no-show-source`: one line per finding)


def mask(secret: str) -> str:
    """A secret as reports may show it: its first and last 4 characters (less when it is short)."""
    keep = 4 if len(secret) >= 16 else len(secret) // 4
    return secret[:keep] + "*" * (len(secret) - 2 * keep) + secret[len(secret) - keep:] if keep else "*" * len(secret)
