"""What a check receives besides the document: its rule, its options, and shared analyses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from promptlint.findings import Finding, Related
from promptlint.model import Document, Span
from promptlint.registry import Rule

T = TypeVar("T")


@dataclass
class CheckContext:
    rule: Rule
    options: dict[str, Any]
    default_model: str | None = None
    # analyses computed once per document and shared by every rule that asks (trust, tokens, ...)
    analyses: dict[str, Any] = field(default_factory=dict)

    def finding(self, span: Span, message: str, related: tuple[Related, ...] = ()) -> Finding:
        return Finding(self.rule.id, message, span, related)

    def analysis(self, document: Document, compute: Callable[[Document], T]) -> T:
        key = f"{compute.__module__}.{compute.__qualname__}"
        if key not in self.analyses:
            self.analyses[key] = compute(document)
        return self.analyses[key]  # type: ignore[no-any-return]
