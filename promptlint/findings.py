"""What checks produce (`Finding`) and what reports consume (`Result`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from promptlint.model import Span

Severity = Literal["error", "warning", "note"]
SEVERITY_ORDER: dict[str, int] = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Related:
    """A second place a finding involves (the other side of a conflict, say)."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    message: str
    span: Span
    related: tuple[Related, ...] = ()


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


@dataclass(frozen=True)
class Result:
    """A finding ready for a report: located, with its rule's identity and effective severity."""

    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    location: Location
    fix: str
    fingerprint: str
    related: tuple[RelatedLocation, ...] = ()
    # the source lines around the finding, for code frames (first line number, lines)
    snippet_start: int = 0
    snippet: tuple[str, ...] = ()


@dataclass
class RunError:
    """Something that stopped promptlint itself (not a finding about a file)."""

    message: str
    path: str | None = None


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    suppressed: int = 0
    root: str = ""  # absolute project root; result paths are relative to it
