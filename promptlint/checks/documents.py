"""Checks on documents as a whole (PL0xx)."""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document

# Advice for the file at hand, by its name: the rule's own hint speaks of native prompt files.
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".md", ".markdown", ".mdc"),
     "The front matter between the opening and closing `---` lines is YAML: fix it at the reported position "
     "(quote a value that holds `: ` or starts with `@`, `*` or `[`). The body below it is read either way."),
    ((".prompty",),
     "A Prompty file starts with YAML front matter between `---` lines, then the template body with `system:` / "
     "`user:` lines: fix the front matter at the reported position, or the template tag named in the message."),
    ((".prompt",),
     "A Dotprompt file starts with YAML front matter between `---` lines, then a Handlebars body: fix the front "
     "matter at the reported position, or close the tag named in the message."),
    ((".jsonl",),
     "A JSON Lines file holds one complete JSON value per line: fix the line reported (a value may not span "
     "lines), or remove it."),
    ((".json",),
     "Fix the JSON at the reported position: a trailing comma, a missing comma or quote, or a comment (JSON has "
     "none) are the usual causes. Tool files list `{name, description, parameters}` definitions."),
    ((".j2", ".jinja", ".jinja2", ".njk", ".liquid", ".mustache", ".hbs", ".handlebars", ".txt"),
     "Close the template tag named in the message, or write its braces as literal text."),
)


def invalid_document(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL001: the readers record what does not parse or breaks the format's schema."""
    name = document.source.path.name.lower()
    hint = None
    if not name.endswith((".prompt.yaml", ".prompt.yml")):
        hint = next((advice for suffixes, advice in _HINTS if name.endswith(suffixes)), None)
    for problem in document.problems:
        yield context.finding(problem.span, problem.message, hint=hint)
