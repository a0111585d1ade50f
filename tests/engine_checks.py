"""Checks used by tests/test_engine.py to drive engine seams that no shipped rule uses yet."""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document
from promptlint.project import Entry, ProjectContext


def weak_evidence(document: Document, context: CheckContext) -> Iterator[Finding]:
    """A finding on every message, at a severity of its own and with the evidence it rests on."""
    for message in document.messages:
        yield context.finding(message.text.span(), "weak", severity="note",
                              evidence=(f"model is {context.settings.default_model if context.settings else None}",))


def paths(document: Document, context: CheckContext) -> str:
    return document.path


def everywhere(project: ProjectContext) -> Iterator[Finding]:
    """A finding in every collected file, and one in a file the run was not asked about."""
    for entry in project.entries:
        yield project.finding(entry, entry.source.span(0, 1), f"seen with {len(project.entries)} files")
    outside = project.document("outside/other.prompt.yaml")  # read on demand: not part of the run
    if outside is not None:
        yield project.finding(Entry(outside.path, outside.source, None), outside.source.span(0, 1), "not reported")
