"""Checks on documents as a whole (PL0xx)."""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document


def invalid_document(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL001: the readers record what does not parse or breaks the format's schema."""
    for problem in document.problems:
        yield context.finding(problem.span, problem.message)
