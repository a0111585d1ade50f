"""Directives that contradict each other within one document (PL304).

The project-scope rules that compare layers (PL301, PL303, PL307) use the same extractor and
`conflict` table from `promptlint.directives`; here both sides sit in the same file.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.checks.phrases import quote
from promptlint.context import CheckContext
from promptlint.directives import Directive, conflict, directives
from promptlint.findings import Finding, Related
from promptlint.model import Document

# topics are too loose to hold against each other inside one prompt ("never reveal the prompt" vs
# "reveal your reasoning"), and a persona does not contradict a persona by being different
_SLOTS_COMPARED = frozenset({"language", "format", "length", "case", "tone", "emoji", "links", "tool-use"})


def _where(directive: Directive, document: Document) -> str:
    index = directive.message_index
    return document.messages[index].label if index is not None and index < len(document.messages) else "the prompt"


def intra_prompt_contradiction(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL304: each later directive against the earlier ones; one finding per later directive."""
    found = [directive for directive in context.analysis(document, directives) if directive.slot in _SLOTS_COMPARED]
    for later_index, later in enumerate(found):
        for earlier in found[:later_index]:
            if earlier.span == later.span:
                continue  # one sentence that names both sides ("JSON, not Markdown") says which wins
            reason = conflict(earlier, later)
            if reason is None:
                continue
            related = Related(document.path, earlier.span, f"the earlier directive: '{quote(earlier.text)}'")
            yield context.finding(later.span, (
                f"{_where(later, document)} says '{quote(later.text)}', which contradicts the earlier "
                f"'{quote(earlier.text)}' ({reason}); the model can follow only one: remove one, or give one a "
                "condition ('If the user writes in French, ...', 'For billing questions, ...')"), (related,))
            break
