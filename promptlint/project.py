"""Project-scope rules: checks that need more than one file (duplicate ids, layer stacks,
`$ref`'d tools).

A project rule has two functions. `collect(document, context)` runs in the per-file pass
(in whichever worker read the file) and returns the little the rule needs of that file, or
None. `check(project)` runs once per run, in the main process, over every file's collected
`Entry`, and yields findings that each sit in one file (`path=`), with related locations in
others. The engine reports only findings in files the run was asked to check, and applies
per-file ignores and inline suppressions of the file where each sits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptlint.findings import Finding, Fix, Related, Severity
from promptlint.model import Document, SourceFile, Span

if TYPE_CHECKING:
    from promptlint.provider import DocumentProvider
    from promptlint.registry import Rule


@dataclass(frozen=True)
class Entry:
    """What a project rule collected from one file."""

    path: str  # display path
    source: SourceFile
    data: Any


@dataclass
class ProjectContext:
    rule: Rule
    options: dict[str, Any]
    entries: list[Entry]  # in the order the run found the files
    provider: DocumentProvider  # files the run did not name (a parent layer), read on demand
    reported: frozenset[str] = field(default_factory=frozenset)  # display paths the run reports on
    # the rule's collector, for a file the run did not read (a parent layer named by a file it did)
    collector: Callable[[Document], Any] | None = None

    def entry(self, path: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.path == path), None)

    def document(self, path: str, relative_to: Document | None = None) -> Document | None:
        return self.provider.read(path, relative_to)

    def lookup(self, path: str) -> tuple[Entry | None, str]:
        """The entry of the file at `path` (relative to the project root): from the run, or read
        now and collected (a parent the run was not asked to check); else None and why not."""
        entry = self.entry(path)
        if entry is not None:
            return entry, ""
        document, why = self.provider.find(path)
        if document is None:
            return None, why
        if document.fatal:
            return None, "it does not parse"
        data = self.collector(document) if self.collector is not None else None
        if data is None:
            return None, "it is not a file this rule reads"
        entry = Entry(document.path, document.source, data)
        self.entries.append(entry)  # once: a second lookup finds it
        return entry, ""

    def finding(self, entry: Entry, span: Span, message: str, related: tuple[Related, ...] = (), *,
                severity: Severity | None = None, evidence: tuple[str, ...] = (),
                fixes: tuple[Fix, ...] = ()) -> Finding:
        return Finding(self.rule.id, message, span, related, severity, evidence, fixes, entry.path)

    def related(self, entry: Entry, span: Span, message: str) -> Related:
        """A related location in another file, with what the reports need to show it."""
        return Related(entry.path, span, message, entry.source)
