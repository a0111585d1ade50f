r"""The check behind every declarative rule: regular expressions (the `regex` module, so
Unicode properties such as `\p{Cf}` work) over the texts its `given` selectors address.

    given: [message.text, tool.description]
    match:
      any:                      # a finding for each match of any pattern
        - {id: short-name, regex: '(?i)...'}
      not:                      # ...unless one of these matches in the same scope
        - {regex: '(?i)^example:', scope: line}     # line | text
    message: "Tool '{tool.name}' ... ({pattern.id}: '{match}')"

`{name}` in the message is a value (see PLACEHOLDERS), `{{` and `}}` are literal braces.
`validate_definition` checks all of this when the rule is loaded, so nothing of it can fail
at lint time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import regex

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document
from promptlint.selectors import SELECTORS, VALUES, SelectorError, select, selector_values

# Values every declarative finding can quote, whatever the selector.
COMMON_PLACEHOLDERS = ("match", "pattern.id", "fix.first-line", "path")
# Per selector, every placeholder its rules' messages may use (for the documentation).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {selector: VALUES[selector] + COMMON_PLACEHOLDERS
                                            for selector in SELECTORS}
MATCH_KEYS = ("any", "not")
PATTERN_KEYS = {"any": ("id", "regex"), "not": ("id", "regex", "scope")}
SCOPES = ("line", "text")
_PATTERN_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# `str.format_map` would read `{tool.name}` as attribute access, so placeholders are ours.
_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<name>[a-z][a-z0-9_.-]*)\}|[{}]")
MATCH_QUOTE_LENGTH = 80
# Seconds one pattern (with its `not` exceptions) may spend on one text. A rule pack's pattern
# can backtrack catastrophically (`(a|aa)+$` on a long run of a's): it is stopped, and the
# rule reports that, instead of the run hanging.
PATTERN_TIMEOUT = 1.0


class DefinitionError(ValueError):
    """A mistake in a declarative rule definition. The message names the key and value but
    not the rule file, which the registry adds; `origin` and `key` are kept for callers."""

    def __init__(self, origin: str, key: str, message: str) -> None:
        super().__init__(f"'{key}': {message}")
        self.origin = origin
        self.key = key


@cache
def compile_pattern(pattern: str) -> Any:
    """Compile as at lint time (validation uses this too, so a loaded rule always compiles)."""
    return regex.compile(pattern, regex.V1 | regex.MULTILINE)


def placeholders(template: str) -> list[str]:
    """The placeholder names a message template uses, in order; ValueError on a stray brace."""
    names = []
    for token in _TOKEN.finditer(template):
        if token.group("name") is not None:
            names.append(token.group("name"))
        elif len(token.group()) == 1:
            raise ValueError(f"stray '{token.group()}' at character {token.start() + 1} (write {{{{ or }}}} "
                             "for a literal brace, {name} for a value)")
    return names


def render(template: str, values: dict[str, str]) -> str:
    """Substitute `{name}` and unescape `{{`/`}}`; never raises (anything else is kept as is)."""

    def substitute(token: re.Match[str]) -> str:
        name = token.group("name")
        if name is not None:
            return values.get(name, token.group())
        return token.group()[0]  # "{{" → "{", "}}" → "}", a stray brace stays

    return _TOKEN.sub(substitute, template)


def declarative_check(document: Document, context: CheckContext) -> Iterator[Finding]:
    rule = context.rule
    match_spec: dict[str, Any] = rule.match or {}
    patterns = match_spec.get("any", [])
    exceptions = match_spec.get("not") or []
    for selector in rule.given:
        for target in select(document, selector):
            value = target.text.value
            for pattern in patterns:
                deadline = time.monotonic() + PATTERN_TIMEOUT
                try:
                    for found in compile_pattern(pattern["regex"]).finditer(value, timeout=PATTERN_TIMEOUT):
                        if _excepted(value, found.start(), found.end(), exceptions, deadline):
                            continue
                        if rule.message is None:
                            message = rule.summary  # prose, not a template
                        else:
                            message = render(rule.message, {
                                **target.values, "match": found.group()[:MATCH_QUOTE_LENGTH],
                                "pattern.id": pattern.get("id", ""), "fix.first-line": rule.fix_first_line,
                                "path": document.path})
                        yield context.finding(target.text.span(found.start(), found.end()), message)
                        if time.monotonic() > deadline:
                            raise TimeoutError
                except TimeoutError:
                    yield context.finding(target.text.span(0, 0), _timed_out(rule.id, pattern, selector))


def _timed_out(rule_id: str, pattern: dict[str, Any], selector: str) -> str:
    name = f"'{pattern['id']}'" if pattern.get("id") else repr(pattern["regex"][:MATCH_QUOTE_LENGTH])
    return (f"rule {rule_id}: pattern {name} timed out after {PATTERN_TIMEOUT:g} s on a {selector} and was stopped, "
            "so this text is not fully checked; the regular expression is too slow here (nested repetition such "
            "as '(a|aa)+' backtracks catastrophically): rewrite it")


def _excepted(value: str, start: int, end: int, exceptions: list[dict[str, Any]], deadline: float) -> bool:
    for exception in exceptions:
        if exception.get("scope", "line") == "line":
            line_start = value.rfind("\n", 0, start) + 1
            line_end = value.find("\n", end)
            scope = value[line_start:line_end if line_end != -1 else len(value)]
        else:
            scope = value
        if compile_pattern(exception["regex"]).search(scope, timeout=max(deadline - time.monotonic(), 0.001)):
            return True
    return False


def validate_definition(data: dict[str, Any], origin: str) -> None:
    """Check a declarative rule's `given`, `match` and `message` at load time.

    Raises DefinitionError (a ValueError) naming the offending key and value. A rule without
    `match` is not declarative and is left to the registry.
    """
    if "match" not in data:
        return

    def fail(key: str, message: str) -> DefinitionError:
        return DefinitionError(origin, key, message)

    given = data.get("given")
    selectors = [given] if isinstance(given, str) else given
    if not isinstance(selectors, list) or not selectors:
        raise fail("given", f"{given!r} must be a selector or a non-empty list of them; known: {', '.join(SELECTORS)}")
    for selector in selectors:
        try:
            selector_values(selector)
        except SelectorError as error:
            raise fail("given", str(error)) from error

    match = data["match"]
    if not isinstance(match, dict):
        raise fail("match", f"{match!r} must be a mapping with 'any' (and optionally 'not')")
    unknown = sorted(str(key) for key in match if key not in MATCH_KEYS)
    if unknown:
        raise fail("match", f"unknown key(s) {', '.join(unknown)}; known: {', '.join(MATCH_KEYS)}")
    if not isinstance(match.get("any"), list) or not match["any"]:
        raise fail("match.any", f"{match.get('any')!r} must be a non-empty list of patterns")
    if not isinstance(match.get("not", []), list):
        raise fail("match.not", f"{match['not']!r} must be a list of patterns")
    for kind in MATCH_KEYS:
        for index, pattern in enumerate(match.get(kind, [])):
            _validate_pattern(pattern, kind, f"match.{kind}[{index}]", origin)

    message = data.get("message")
    if message is None:
        return  # the summary is used, as prose
    if not isinstance(message, str):
        raise fail("message", f"{message!r} must be a string")
    try:
        names = placeholders(message)
    except ValueError as error:
        raise fail("message", f"{message!r}: {error}") from error
    for name in names:
        for selector in selectors:
            available = selector_values(selector) + COMMON_PLACEHOLDERS
            if name not in available:
                raise fail("message", f"uses {{{name}}}, which selector '{selector}' does not provide; "
                                      f"available: {', '.join('{' + each + '}' for each in available)}")
        if name == "pattern.id":
            for index, pattern in enumerate(match["any"]):
                if "id" not in pattern:
                    raise fail(f"match.any[{index}]", "needs an 'id', since 'message' uses {pattern.id}")


def _validate_pattern(pattern: Any, kind: str, key: str, origin: str) -> None:
    def fail(at: str, message: str) -> DefinitionError:
        return DefinitionError(origin, at, message)

    if not isinstance(pattern, dict):
        raise fail(key, f"{pattern!r} must be a mapping with 'regex'")
    unknown = sorted(str(name) for name in pattern if name not in PATTERN_KEYS[kind])
    if unknown:
        raise fail(key, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(PATTERN_KEYS[kind])}")
    if not isinstance(pattern.get("regex"), str):
        raise fail(f"{key}.regex", f"{pattern.get('regex')!r} must be a regular expression (a string)")
    try:
        compile_pattern(pattern["regex"])
    except regex.error as error:
        raise fail(f"{key}.regex", f"{pattern['regex']!r} does not compile: {error}") from error
    if "id" in pattern and not (isinstance(pattern["id"], str) and _PATTERN_ID.match(pattern["id"])):
        raise fail(f"{key}.id", f"{pattern['id']!r} must be kebab-case, like 'ignore-previous'")
    if "scope" in pattern and pattern["scope"] not in SCOPES:
        raise fail(f"{key}.scope", f"{pattern['scope']!r} must be one of {', '.join(SCOPES)}")
