"""What a check receives besides the document: its rule, its options, the settings in force
for the file, the document provider, and analyses shared by every rule that asks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from promptlint.findings import Finding, Fix, Related, Severity
from promptlint.model import Document, Span, per_document

if TYPE_CHECKING:  # metadata only: a context never resolves a rule's implementation
    from promptlint.config import Settings
    from promptlint.provider import DocumentProvider
    from promptlint.registry import Rule

T = TypeVar("T")


@dataclass
class CheckContext:
    rule: Rule
    options: dict[str, Any]
    settings: Settings | None = None  # the configuration in force for this document's path
    provider: DocumentProvider | None = None  # other documents a check needs (a parent layer, a $ref)

    def finding(self, span: Span, message: str, related: tuple[Related, ...] = (), *,
                severity: Severity | None = None, evidence: tuple[str, ...] = (),
                fixes: tuple[Fix, ...] = (), path: str | None = None, redact: tuple[Span, ...] = (),
                hint: str | None = None) -> Finding:
        return Finding(self.rule.id, message, span, related, severity, evidence, fixes, path, redact, hint)

    def analysis(self, document: Document, compute: Callable[[Document], T]) -> T:
        """`compute(document)`, once per document for every rule that asks (trust, tokens, ...)."""
        return per_document(compute)(document)
