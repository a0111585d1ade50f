"""Inline suppressions, written in whatever comment the file's syntax offers:

    # promptlint: disable=PL101            (YAML and front matter; on the line or the line above)
    {# promptlint: disable=PL002 #}        (Jinja body)    {{! promptlint: disable=PL002 }} (Handlebars)
    <!-- promptlint: disable-file=PL003 --> (Markdown: the whole file)

Only real comments count (see formats/comments.py): the same words inside a string value,
a message or a tool description are content. Rules are named by id, prefix or name,
separated by commas; `all` names every rule; text after ` -- ` is a reason. JSON has no
comments: use `per-file-ignores` in the configuration.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from promptlint.model import SourceFile, Span

_DIRECTIVE = re.compile(
    r"promptlint:\s*(?P<kind>disable-file|disable)\s*=\s*"
    r"(?P<rules>(?:[A-Z]+[0-9]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?:\s*,\s*(?:[A-Z]+[0-9]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)*))*)"
)
_COMMENT_ONLY = re.compile(r"^[\s#{}!<>/*%~-]*$")


@dataclass
class Directive:
    span: Span
    selectors: tuple[str, ...]
    file_wide: bool
    lines: tuple[int, ...]  # the lines it covers (empty when file-wide)
    used: set[str] = field(default_factory=set)

    def covers(self, rule_id: str, rule_name: str, line: int) -> str | None:
        """The selector that suppresses this finding, if any."""
        if not self.file_wide and line not in self.lines:
            return None
        for selector in self.selectors:
            if selector.lower() == "all" or selector == rule_name or rule_id.startswith(selector):
                return selector
        return None


def parse_directives(source: SourceFile, comments: list[tuple[int, int]]) -> list[Directive]:
    """Directives inside the file's comments (sorted (start, end) offsets); the same words in
    a string value or in text sent to the model are content, and suppress nothing."""
    directives: list[Directive] = []
    text = source.text
    starts = [start for start, _end in comments]
    position = text.find("promptlint:")
    while position != -1:
        match = _DIRECTIVE.match(text, position)
        index = bisect.bisect_right(starts, position) - 1
        if match and index >= 0 and match.end() <= comments[index][1]:
            span = source.span(match.start(), match.end())
            line_text = source.line_text(span.start_line)
            column = span.start_column - 1
            rest = line_text[:column] + line_text[column + (match.end() - match.start()):]
            rest = rest.split(" -- ", 1)[0]
            alone = bool(_COMMENT_ONLY.match(rest))
            # a comment alone on its line covers the next line; a trailing comment covers its own
            lines = (span.start_line, span.start_line + 1) if alone else (span.start_line,)
            selectors = tuple(part.strip() for part in match.group("rules").split(","))
            directives.append(Directive(span, selectors, match.group("kind") == "disable-file", lines))
        position = text.find("promptlint:", position + 1)
    return directives
