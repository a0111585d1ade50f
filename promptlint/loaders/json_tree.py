"""JSON into located Nodes.

The standard library's parser keeps no positions, and rules must point at the third line
of a description inside a JSON string, so we parse JSON ourselves: a small recursive
descent parser (RFC 8259) that records each value's span and, for strings, where every
decoded character came from.
"""

from __future__ import annotations

import re
from dataclasses import replace

from promptlint.loaders import BoundProblem
from promptlint.model import Node, Problem, SourceFile, Span, Text

MAX_DEPTH = 200

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Invalid(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Bound(_Invalid):
    """A bound of ours passed (depth): the file may be fine, but we do not read it."""


def load_json(source: SourceFile) -> tuple[Node | None, list[Problem]]:
    parser = _Parser(source)
    try:
        node = parser.document()
    except _Bound as error:
        span = source.span(error.offset, error.offset)
        return None, [BoundProblem(str(error), span, keys=frozenset(parser.keys))]
    except _Invalid as error:
        return None, [Problem(f"JSON does not parse: {error}", source.span(error.offset, error.offset))]
    return node, parser.problems


def load_json_in(text: Text) -> tuple[Node | None, list[Problem]]:
    """JSON held in a string value (promptflow's `functions: '[{...}]'`), located in the file
    that holds the string: every span and text points at the characters as written there."""
    inner = SourceFile(text.source.path, text.source.display_path, text.value)
    node, problems = load_json(inner)

    def place(span: Span) -> Span:
        if span.end <= span.start:
            return text.span(span.start, span.start)
        return text.span(span.start, span.end)

    def move(node: Node) -> Node:
        value = node.value
        if node.kind == "mapping":
            value = {key: move(child) for key, child in value.items()}
        elif node.kind == "sequence":
            value = [move(child) for child in value]
        located = None
        if node.text is not None:
            offsets = [text.offset(node.text.offset(index)) for index in range(len(node.text.value))]
            located = Text.from_offsets(node.text.value, text.source, offsets, text.offset(node.span.start))
        return Node(node.kind, value, place(node.span), place(node.key_span) if node.key_span else None, located)

    return (move(node) if node is not None else None,
            [replace(problem, span=place(problem.span)) for problem in problems])


class _Parser:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = source.text
        self.index = 0
        self.problems: list[Problem] = []
        self.keys: set[str] = set()  # every key read, for a BoundProblem

    def document(self) -> Node:
        self.skip_whitespace()
        node = self.value(0)
        self.skip_whitespace()
        if self.index < len(self.text):
            raise _Invalid("unexpected text after the JSON value", self.index)
        return node

    def skip_whitespace(self) -> None:
        match = _WHITESPACE.match(self.text, self.index)
        assert match is not None
        self.index = match.end()

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _Bound(f"JSON nests deeper than {MAX_DEPTH} levels, the most promptlint reads; refusing to load it",
                         self.index)
        if self.index >= len(self.text):
            raise _Invalid("unexpected end of file, expected a value", self.index)
        char = self.text[self.index]
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            return self.string()
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, self.index):
                start = self.index
                self.index += len(literal)
                return Node("scalar", value, self.source.span(start, self.index))
        match = _NUMBER.match(self.text, self.index)
        if match and match.end() > self.index:
            start, self.index = self.index, match.end()
            number = match.group()
            parsed: int | float = float(number) if any(c in number for c in ".eE") else int(number)
            return Node("scalar", parsed, self.source.span(start, self.index))
        raise _Invalid(f"unexpected character {char!r}, expected a value", self.index)

    def object(self, depth: int) -> Node:
        start = self.index
        self.index += 1
        members: dict[str, Node] = {}
        self.skip_whitespace()
        if self.text.startswith("}", self.index):
            self.index += 1
            return Node("mapping", members, self.source.span(start, self.index))
        while True:
            self.skip_whitespace()
            if not self.text.startswith('"', self.index):
                raise _Invalid("expected a string key in double quotes", self.index)
            key_node = self.string()
            key = key_node.value
            self.keys.add(key)
            self.skip_whitespace()
            if not self.text.startswith(":", self.index):
                raise _Invalid("expected ':' after the key", self.index)
            self.index += 1
            self.skip_whitespace()
            value = self.value(depth + 1)
            value.key_span = key_node.span
            if key in members:
                self.problems.append(Problem(
                    f"duplicate key '{key}': the later value would silently replace the earlier one; keep one",
                    key_node.span, fatal=False,
                ))
            members[key] = value
            self.skip_whitespace()
            if self.text.startswith(",", self.index):
                self.index += 1
                continue
            if self.text.startswith("}", self.index):
                self.index += 1
                return Node("mapping", members, self.source.span(start, self.index))
            raise _Invalid("expected ',' or '}' in the object", self.index)

    def array(self, depth: int) -> Node:
        start = self.index
        self.index += 1
        items: list[Node] = []
        self.skip_whitespace()
        if self.text.startswith("]", self.index):
            self.index += 1
            return Node("sequence", items, self.source.span(start, self.index))
        while True:
            self.skip_whitespace()
            items.append(self.value(depth + 1))
            self.skip_whitespace()
            if self.text.startswith(",", self.index):
                self.index += 1
                continue
            if self.text.startswith("]", self.index):
                self.index += 1
                return Node("sequence", items, self.source.span(start, self.index))
            raise _Invalid("expected ',' or ']' in the array", self.index)

    def string(self) -> Node:
        start = self.index
        text = self.text
        j = start + 1
        chars: list[str] = []
        offsets: list[int] = []
        while True:
            if j >= len(text):
                raise _Invalid("unterminated string", start)
            char = text[j]
            if char == '"':
                break
            if char == "\\":
                code = text[j + 1] if j + 1 < len(text) else ""
                if code in _SIMPLE_ESCAPES:
                    chars.append(_SIMPLE_ESCAPES[code])
                    offsets.append(j)
                    j += 2
                    continue
                if code == "u":
                    decoded, length = self.unicode_escape(j)
                    chars.append(decoded)
                    offsets.append(j)
                    j += length
                    continue
                raise _Invalid(f"invalid escape '\\{code}'", j)
            if char < " ":
                raise _Invalid("control character inside a string (escape it)", j)
            chars.append(char)
            offsets.append(j)
            j += 1
        self.index = j + 1
        value = "".join(chars)
        return Node("scalar", value, self.source.span(start, self.index),
                    text=Text.from_offsets(value, self.source, offsets, start))

    def unicode_escape(self, j: int) -> tuple[str, int]:
        digits = self.text[j + 2:j + 6]
        if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise _Invalid("invalid \\u escape (four hex digits expected)", j)
        code = int(digits, 16)
        if 0xD800 <= code < 0xDC00 and self.text.startswith("\\u", j + 6):
            low_digits = self.text[j + 8:j + 12]
            if len(low_digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in low_digits):
                low = int(low_digits, 16)
                if 0xDC00 <= low < 0xE000:
                    return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12
        return chr(code), 6
