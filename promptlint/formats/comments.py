"""Where a document's own comments are: the only places an inline suppression counts.

Text inside a string value, a message or a tool description is sent to a model or comes
from someone else; a `promptlint: disable` there must not switch the linter off. Comments
are YAML `#` comments outside any scalar, template comments (`{# #}`, `{{! }}`) and, in
Markdown bodies, HTML comments. JSON has none.
"""

from __future__ import annotations

import bisect
import re

from promptlint.model import Document, Node

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_YAML_COMMENT = re.compile(r"(?<![^ \t\r\n])#[^\r\n]*")  # at a line start or after a blank, any line break
FRONT_MATTER_FORMATS = ("prompty", "dotprompt", "markdown")


def find_comments(document: Document) -> list[tuple[int, int]]:
    comments = [(span.start, span.end) for message in document.messages for span in message.template.comments]
    source = document.source
    plain_text = document.root is None and document.format not in (None, *FRONT_MATTER_FORMATS)
    if source.path.name.lower().endswith(".json") or plain_text:
        return sorted(comments)  # JSON and plain template text: only the template's own comments
    if document.format in FRONT_MATTER_FORMATS:
        # the front matter (and Dotprompt's licence header) is everything before the body's messages
        yaml_end = min((message.span.start for message in document.messages), default=len(source.text))
        if document.format == "markdown":
            for message in document.messages:
                for match in _HTML_COMMENT.finditer(message.text.value):
                    span = message.text.span(match.start(), match.end())
                    comments.append((span.start, span.end))
    else:
        yaml_end = len(source.text)
    comments.extend(_yaml_comments(source.text, yaml_end, _scalar_ranges(document.root)))
    return sorted(comments)


def _scalar_ranges(root: Node | None) -> list[tuple[int, int]]:
    """Source ranges of every scalar and key: a `#` inside one is text, not a comment."""
    ranges: list[tuple[int, int]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.key_span is not None:
            ranges.append((node.key_span.start, node.key_span.end))
        if node.kind == "scalar":
            ranges.append((node.span.start, node.span.end))
        elif node.kind == "mapping":
            stack.extend(node.value.values())
        else:
            stack.extend(node.value)
    ranges.sort()
    return ranges


def _yaml_comments(text: str, end: int, scalars: list[tuple[int, int]]) -> list[tuple[int, int]]:
    starts = [start for start, _end in scalars]
    found = []
    for match in _YAML_COMMENT.finditer(text, 0, end):
        position = bisect.bisect_right(starts, match.start()) - 1
        if position >= 0 and match.start() < scalars[position][1]:
            continue  # scalars and keys never overlap, so the nearest one before is the only candidate
        found.append((match.start(), match.end()))
    return found
