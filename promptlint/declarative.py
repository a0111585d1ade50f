r"""The check behind every declarative rule: regular expressions (the `regex` module, so
Unicode properties such as `\p{Cf}` work) over the texts its `given` selectors address.

    given: [message.text, tool.description]
    match:
      any:                      # a finding for each match of any pattern
        - {id: short-name, regex: '(?i)...'}
      not:                      # ...unless one of these matches in the same scope
        - {regex: '(?i)^example:', scope: line}     # line | text
    message: "Tool '{tool.name}' ... ({pattern.id}: '{match}')"
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import regex

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document
from promptlint.selectors import select


@cache
def _compile(pattern: str) -> Any:
    return regex.compile(pattern, regex.V1 | regex.MULTILINE)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def declarative_check(document: Document, context: CheckContext) -> Iterator[Finding]:
    rule = context.rule
    match_spec: dict[str, Any] = rule.match or {}
    patterns = match_spec.get("any", [])
    exceptions = match_spec.get("not", [])
    for selector in rule.given:
        for target in select(document, selector):
            value = target.text.value
            for pattern in patterns:
                for found in _compile(pattern["regex"]).finditer(value):
                    if _excepted(value, found.start(), found.end(), exceptions):
                        continue
                    values = _Values(target.values)
                    values.update({"match": found.group()[:80], "pattern.id": pattern.get("id", ""),
                                   "fix.first-line": rule.fix_first_line})
                    message = (rule.message or rule.summary).format_map(values)
                    yield context.finding(target.text.span(found.start(), found.end()), message)


def _excepted(value: str, start: int, end: int, exceptions: list[dict[str, Any]]) -> bool:
    for exception in exceptions:
        if exception.get("scope", "line") == "line":
            line_start = value.rfind("\n", 0, start) + 1
            line_end = value.find("\n", end)
            scope = value[line_start:line_end if line_end != -1 else len(value)]
        else:
            scope = value
        if _compile(exception["regex"]).search(scope):
            return True
    return False
