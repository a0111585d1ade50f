"""YAML into located Nodes, safely.

We compose the YAML into ruamel's node graph and build our own Nodes from it, so no tag
is ever constructed into a Python object: only the core schema's tags are accepted, and
anything else (`!!python/object`, `!custom`) is an error. Aliases are expanded under a
bound, and duplicate keys are errors, because in a prompt file the second value silently
wins.
"""

from __future__ import annotations

import math
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.nodes import Node as YamlNode

from promptlint.loaders import BoundProblem
from promptlint.model import Node, Problem, SourceFile, Text, next_line

MAX_NODES = 100_000  # nodes built per file, aliases expanded: stops "billion laughs"
MAX_DEPTH = 200
# libyaml (ruamel.yaml.clib) scans twice as fast; where it is missing ruamel uses its own
# Python scanner, which gives the same nodes and marks (a test checks both)
PURE_PYTHON = False

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "binary"}
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
# line breaks in a scalar (YAML 1.1's NEL, LS and PS too, as ruamel and libyaml scan them)
_BREAKS = "\r\n\x85\u2028\u2029"
_FLOW_WHITE = " \t" + _BREAKS
_COMPOSERS: dict[bool, YAML] = {}  # by PURE_PYTHON
# libyaml's error for a block scalar whose first line starts with a tab after the indentation,
# which YAML allows (the tab is text) and ruamel's Python scanner reads
_LIBYAML_TAB = "found a tab character where an indentation space is expected"


class _Invalid(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Bound(_Invalid):
    """A bound of ours passed (depth, nodes): the file may be fine, but we do not read it."""


def load_yaml(source: SourceFile, start: int = 0, end: int | None = None) -> tuple[Node | None, list[Problem]]:
    """Load the YAML in `source.text[start:end]`; positions are relative to the whole file."""
    end = len(source.text) if end is None else end
    fragment = source.text[start:end]
    yaml = _composer()
    keys: set[str] = set()
    try:
        try:
            composed = _compose(yaml, fragment, start, keys)
        except MarkedYAMLError as error:
            if PURE_PYTHON or error.problem != _LIBYAML_TAB:
                raise
            keys.clear()  # libyaml refuses a block scalar whose text starts with a tab; YAML and ruamel do not
            composed = _compose(_composer(pure=True), fragment, start, keys)
    except _Bound as error:
        return None, [BoundProblem(str(error), source.span(error.offset, error.offset), keys=frozenset(keys))]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        offset = start + (mark.index if mark is not None else 0)
        what = error.problem or error.context or "invalid YAML"
        opened = start + error.context_mark.index if error.context_mark is not None else None
        plain = _in_plain_words(what, source, offset, opened)
        # the parser's own words stay at the end, for searching the web
        message = f"YAML does not parse: {plain} ({what})" if plain else f"YAML does not parse: {what}"
        return None, [Problem(message, source.span(offset, offset))]
    except YAMLError as error:  # reader errors: control characters and the like
        offset = start + int(getattr(error, "position", 0) or 0)
        return None, [Problem(f"YAML does not parse: {error}", source.span(offset, offset))]
    if composed is None:
        return None, []
    builder = _Builder(source, fragment, start)
    try:
        return builder.build(composed, 0), builder.problems
    except _Bound as error:
        return None, [*builder.problems, BoundProblem(str(error), source.span(error.offset, error.offset),
                                                      keys=frozenset(keys))]
    except _Invalid as error:
        return None, [*builder.problems, Problem(str(error), source.span(error.offset, error.offset))]


def _in_plain_words(what: str, source: SourceFile, offset: int, opened: int | None) -> str | None:
    """The common syntax errors of libyaml and of ruamel's Python parser (whose wordings differ)
    in words a prompt author knows, with the usual fix; None for the others. `offset` is where
    the parser stopped, `opened` where the construct it was reading started."""
    text = source.text
    char = text[offset] if offset < len(text) else ""
    before = text[text.rfind("\n", 0, offset) + 1:offset]  # the line up to the error
    where = ""
    if opened is not None:
        span = source.span(opened, opened)
        where = f"line {span.start_line}, column {span.start_column}"
    if what.startswith("mapping values are not allowed"):
        if ": " in before or before.rstrip().endswith(":"):
            return ("a value here holds ': ', which YAML reads as the start of another key: put the whole value "
                    "in quotes, or write it as a block (`key: |` and the text on the lines below, indented)")
        return ("this line is indented deeper than the key above it, so YAML reads it as more of that key's "
                "value, where 'key: ' cannot start: indent it like the keys beside it (or, if the ': ' is part "
                "of the value above, put that value in quotes)")
    if what == "did not find expected key" or what.startswith(("expected <block end>", "did not find expected '-'")):
        if char == "-":
            return ("this list item is indented differently from the lines above it: line its '- ' up with the "
                    "other items, indented under the key the list belongs to")
        if before.rstrip().endswith(("'", '"')) and before.strip()[:1] not in ("'", '"'):
            return ("text follows the closing quote of a value: a quoted value ends at its closing quote; quote "
                    "the whole value, or leave the quotes out")
        return ("a line here is indented differently from the key above it (the keys of one mapping start in "
                "the same column), or a value holds ': ' and needs quotes")
    if what == "could not find expected ':'":
        return (f"the text at {where or 'the start of this key'} reads as a key, but no ':' follows it on its "
                "line: add the ':' after the key, or, if the line continues the value above it, indent it deeper "
                "than that value's key or put the value in quotes")
    if what.startswith("found character") and what.endswith("that cannot start any token"):
        if char == "\t":
            return "a tab here: YAML indents with spaces only, never tabs; replace the tab with spaces"
        shown = repr(char) if char else "this character"
        return f"a value cannot start with {shown} (YAML reserves it): put the value in quotes"
    if what == "found unexpected end of stream" and where:
        quote = text[opened] if opened is not None and opened < len(text) else "the quote"
        return f"the quoted value that opens at {where} is never closed: add its closing {quote}"
    for opening, closing in (("{", "}"), ("[", "]")):
        if what.startswith((f"did not find expected ',' or '{closing}'", f"expected ',' or '{closing}'")):
            kind = "mapping" if opening == "{" else "list"
            return (f"the {opening}...{closing} {kind} that opens at {where or 'the value'} is not closed, or its "
                    f"items lack a ',' between them; if the value is text that starts with '{opening}', put it "
                    "in quotes")
    if what.startswith("found unknown escape character"):
        return ("a backslash in a double-quoted value starts an escape such as \\n; this one is not a YAML "
                "escape: write \\\\ for a backslash, or use single quotes, where a backslash is plain text")
    if what.startswith("found undefined alias"):
        return ("a value that starts with '*' refers to an anchor ('&name') that is not defined above it: "
                "if the '*' is text, put the value in quotes")
    return None


def _composer(pure: bool | None = None) -> YAML:
    """The YAML instance for the current PURE_PYTHON setting (or `pure`), built once: constructing
    one looks for plug-ins on the file system. Reuse is safe: parsing resets the reader, scanner
    and parser when it ends, even on an error, `_compose` keeps no anchors between calls, and the
    libyaml path builds a new parser per call. We only parse, never construct."""
    pure = PURE_PYTHON if pure is None else pure
    yaml = _COMPOSERS.get(pure)
    if yaml is None:
        yaml = _COMPOSERS[pure] = YAML(typ="safe", pure=pure)
    yaml.doc_infos.clear()  # each compose appends one and never drops it
    return yaml


def _compose(yaml: YAML, fragment: str, base: int, keys: set[str]) -> YamlNode | None:
    """The document's node graph, as ruamel's composer builds it, but from the parser's events in a
    loop rather than by recursion, and under our bounds: libyaml's composer recurses in C once per
    level and crashes the process on `[[[[...` 50,000 deep (ruamel's Python one raises
    RecursionError). Nesting deeper than MAX_DEPTH or more than MAX_NODES nodes stops the parse
    there (a `_Bound` at that offset from `base`). Each mapping key read is added to `keys`."""
    resolver = yaml.resolver
    events = yaml.parse(fragment)
    anchors: dict[Any, YamlNode] = {}
    # the open collections, innermost last, each with a key waiting for its value (mappings)
    stack: list[tuple[SequenceNode | MappingNode, list[YamlNode]]] = []
    root: YamlNode | None = None
    count = 0
    try:
        for event in events:
            kind = type(event)
            node: YamlNode
            if kind is ScalarEvent:
                tag = event.ctag
                if tag is None or str(tag) == "!":
                    tag = resolver.resolve(ScalarNode, event.value, event.implicit)
                node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style,
                                  anchor=event.anchor)
            elif kind is AliasEvent:
                found = anchors.get(event.anchor)
                if found is None:
                    raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
                node = found
            elif kind is SequenceStartEvent or kind is MappingStartEvent:
                collection = SequenceNode if kind is SequenceStartEvent else MappingNode
                tag = event.ctag
                if tag is None or str(tag) == "!":
                    tag = resolver.resolve(collection, None, event.implicit)
                opened = collection(tag, [], event.start_mark, None, flow_style=event.flow_style,
                                    anchor=event.anchor)
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                node, _pending = stack.pop()
                node.end_mark = event.end_mark
            elif kind is DocumentStartEvent and root is not None:
                raise ComposerError("expected a single document in the stream", root.start_mark,
                                    "but found another document", event.start_mark)
            else:  # stream and document boundaries
                continue
            if kind is SequenceStartEvent or kind is MappingStartEvent:
                count += 1
                if len(stack) > MAX_DEPTH:
                    raise _Bound(f"YAML nests deeper than {MAX_DEPTH} levels, the most promptlint reads; refusing "
                                 "to load it", base + event.start_mark.index)
                if count > MAX_NODES:
                    raise _Bound(f"YAML holds more than {MAX_NODES} nodes, the most promptlint reads in one "
                                 "file; refusing to load it", base + event.start_mark.index)
                if event.anchor is not None:
                    anchors[event.anchor] = opened
                stack.append((opened, []))
                continue
            if kind is ScalarEvent:
                count += 1
                if count > MAX_NODES:
                    raise _Bound(f"YAML holds more than {MAX_NODES} nodes, the most promptlint reads in one "
                                 "file; refusing to load it", base + event.start_mark.index)
                if event.anchor is not None:
                    anchors[event.anchor] = node
            if not stack:
                root = node
                continue
            parent, pending = stack[-1]
            if type(parent) is SequenceNode:
                parent.value.append(node)
            elif pending:
                parent.value.append((pending.pop(), node))
            else:
                pending.append(node)
                if kind is ScalarEvent:
                    keys.add(node.value)
    finally:
        events.close()  # disposes of the parser and resets the reader and scanner, also after an error
    return root


class _Builder:
    def __init__(self, source: SourceFile, fragment: str, base: int) -> None:
        self.source = source
        self.fragment = fragment
        self.base = base
        self.count = 0
        self.problems: list[Problem] = []

    def span_of(self, node: YamlNode) -> tuple[int, int]:
        start = node.start_mark.index
        end = node.end_mark.index
        while end > start and self.fragment[end - 1] in " \t\r\n":
            end -= 1  # block scalars end at the next key; point at the last character instead
        return self.base + start, self.base + end

    def build(self, node: YamlNode, depth: int) -> Node:
        self.count += 1
        start, end = self.span_of(node)
        if self.count > MAX_NODES:
            raise _Bound(f"YAML expands to more than {MAX_NODES} nodes (aliases?), the most promptlint reads in "
                         "one file; refusing to load it", start)
        if depth > MAX_DEPTH:
            raise _Bound(f"YAML nests deeper than {MAX_DEPTH} levels (a recursive alias?), the most promptlint "
                         "reads; refusing to load it", start)
        span = self.source.span(start, end)
        tag = str(node.tag) if node.tag is not None else ""
        if isinstance(node, MappingNode):
            self.check_tag(tag, "map", start)
            return Node("mapping", self.mapping(node, depth), span)
        if isinstance(node, SequenceNode):
            self.check_tag(tag, "seq", start)
            return Node("sequence", [self.build(item, depth + 1) for item in node.value], span)
        assert isinstance(node, ScalarNode)
        kind = tag[len(_CORE):] if tag.startswith(_CORE) else tag
        if kind not in _SCALAR_TAGS:
            raise _Invalid(f"unsupported YAML tag '{tag}': only plain data is read, never constructed", start)
        value = _scalar_value(kind, node.value)
        text = self.located(node) if isinstance(value, str) else None
        return Node("scalar", value, span, text=text)

    def check_tag(self, tag: str, expected: str, offset: int) -> None:
        if tag and tag not in (_CORE + expected, _CORE + "omap", _CORE + "set"):
            raise _Invalid(f"unsupported YAML tag '{tag}': only plain data is read, never constructed", offset)

    def mapping(self, node: MappingNode, depth: int) -> dict[str, Node]:
        result: dict[str, Node] = {}
        merged: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if str(key_node.tag) == _CORE + "merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source_node in sources:
                    built = self.build(source_node, depth + 1)
                    if built.kind == "mapping":
                        for key, value in built.value.items():
                            merged.setdefault(key, value)
                continue
            key_start, key_end = self.span_of(key_node)
            if not isinstance(key_node, ScalarNode):
                raise _Invalid("a mapping key must be a plain scalar", key_start)
            key = str(key_node.value)
            if key in result:
                self.problems.append(Problem(
                    f"duplicate key '{key}': the later value would silently replace the earlier one; keep one",
                    self.source.span(key_start, key_end), fatal=False,  # the rest of the file is usable
                ))
            value = self.build(value_node, depth + 1)
            value.key_span = self.source.span(key_start, key_end)
            result[key] = value
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def located(self, node: ScalarNode) -> Text:
        value: str = node.value
        start = node.start_mark.index
        end = node.end_mark.index
        style = node.style
        indent = 0
        if style in ("|", ">"):
            start = next_line(self.fragment, start, end)  # the header line may hold a comment
            indent = _block_indent(value, self.fragment, start, end)
        elif style in ("'", '"'):
            start += 1  # past the opening quote, which a quote in the value must not match
        offsets = _align(value, self.fragment, start, end, style, indent)
        if offsets is None:  # should not happen; fall back to the scalar's start, never a wrong place
            offsets = [node.start_mark.index] * len(value)
        return Text.from_offsets(value, self.source, [self.base + offset for offset in offsets],
                                 self.base + node.start_mark.index)


def _scalar_value(kind: str, raw: str) -> Any:
    if kind == "null":
        return None
    if kind == "bool":
        return raw.lower() in ("true", "yes", "on", "y")
    if kind == "int":
        cleaned = raw.replace("_", "")
        try:
            if cleaned.lower().startswith(("0o", "-0o", "+0o")):
                return int(cleaned.replace("o", "").replace("O", ""), 8)
            return int(cleaned, 0)
        except ValueError:  # YAML 1.2: a leading zero is decimal (`010` is 10, `0179` is 179), not octal
            try:
                return int(cleaned, 10)
            except ValueError:
                return raw
    if kind == "float":
        lowered = raw.lower().replace("_", "")
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered.endswith(".nan"):
            return math.nan
        try:
            return float(lowered)
        except ValueError:
            return raw
    return raw  # str, timestamp and binary stay text


def _escape(text: str, index: int) -> tuple[str, int]:
    """The characters a double-quoted escape at `index` produces, and its length."""
    code = text[index + 1] if index + 1 < len(text) else ""
    if code in _ESCAPES:
        return _ESCAPES[code], 2
    if code in _HEX_ESCAPES:
        digits = _HEX_ESCAPES[code]
        try:
            return chr(int(text[index + 2:index + 2 + digits], 16)), 2 + digits
        except ValueError:
            return "", 1
    if code and code in _BREAKS:
        return "", 3 if text.startswith("\r\n", index + 1) else 2  # an escaped line break joins the lines
    return "", 1


def _break_length(text: str, index: int) -> int:
    return 2 if text.startswith("\r\n", index) else 1


def _block_indent(value: str, text: str, start: int, end: int) -> int:
    """The indentation YAML strips from each line of a block scalar whose first line starts at `start`.

    The first non-blank line keeps its extra indentation in the value, so the stripped part is
    its leading spaces in the source minus those in the value.
    """
    line = start
    while line < end:
        stop = next_line(text, line, end)
        content = text[line:stop].rstrip("\r\n")
        if content.strip(" "):
            # the value's first line with content is this line (lines of spaces before it may be content too)
            first = len(value) - len(value.lstrip(" \n"))
            kept = first - (value.rfind("\n", 0, first) + 1)
            return max(0, len(content) - len(content.lstrip(" ")) - kept)
        line = stop
    return 0


def _skip_indent(text: str, j: int, end: int, indent: int) -> int:
    """Past at most `indent` spaces at the start of a line."""
    limit = min(end, j + indent)
    while j < limit and text[j] == " ":
        j += 1
    return j


def _align(value: str, text: str, start: int, end: int, style: str | None, indent: int = 0) -> list[int] | None:
    """Find, for each character of a scalar's value, its offset in the source.

    Walks value and source together, skipping only what YAML removes (indentation, quotes,
    folded line breaks) and decoding escapes, so a mismatch means failure rather than a
    wrong position.
    """
    if style in ("|", ">"):
        return _align_block(value, text, start, end, indent)
    offsets: list[int] = []
    double = style == '"'
    i, j = 0, start
    while i < len(value):
        if j >= end:
            return None
        source_char = text[j]
        produced: list[tuple[str, int]] | None = None  # what a fold or escape yields, with its sources
        if double and source_char == "\\":
            code, length = _escape(text, j)
            if code:
                produced, j = [(code, j)], j + length
            elif length > 1:  # an escaped line break yields nothing, but the empty lines after it do
                breaks, j = _line_breaks(text, j + 1, end)
                produced = [(_break_value(text[at]), at) for at in breaks[1:]]
            else:
                return None
        elif source_char in _FLOW_WHITE:
            produced, j = _fold(text, j, end)
        if produced is None:  # a character of the value as it is, or `''` in single quotes
            if source_char != value[i]:
                return None
            offsets.append(j)
            i, j = i + 1, j + (2 if style == "'" and text.startswith("''", j) else 1)
            continue
        for char, at in produced:
            if i >= len(value) or value[i] != char:
                return None
            offsets.append(at)
            i += 1
    return offsets


def _fold(text: str, j: int, end: int) -> tuple[list[tuple[str, int]], int]:
    """At white space or a line break of a flow scalar: what YAML makes of it, and where it ends.

    White space inside a line is content (the whole run at once: no rescanning of long runs);
    white space running into a line break is dropped with the break and the next lines' leading
    white space, and the break folds to a space, or, when empty lines follow, to one line feed
    per empty line.
    """
    k = j
    while k < end and text[k] in " \t":
        k += 1
    if k >= end or text[k] not in _BREAKS:
        return [(text[at], at) for at in range(j, k)], k
    breaks, after = _line_breaks(text, k, end)
    empty_lines = [(_break_value(text[at]), at) for at in breaks[1:]]
    if text[k] in "\u2028\u2029":  # YAML 1.1's LS and PS are kept, not folded
        return [(text[k], k), *empty_lines], after
    return empty_lines or [(" ", k)], after


def _line_breaks(text: str, k: int, end: int) -> tuple[list[int], int]:
    """From the line break at `k`: the offsets of it and of the empty lines' breaks after it, and
    where the next content starts (leading white space of a flow scalar's line is never content)."""
    breaks = []
    while k < end and text[k] in _BREAKS:
        breaks.append(k)
        k += _break_length(text, k)
        while k < end and text[k] in " \t":
            k += 1
    return breaks, k


def _break_value(char: str) -> str:
    """What a line break is in a value: a line feed, but YAML 1.1's LS and PS stay themselves."""
    return char if char in "\u2028\u2029" else "\n"


def _align_block(value: str, text: str, start: int, end: int, indent: int) -> list[int] | None:
    """`_align` for block scalars, whose indentation is stripped exactly, and nothing else."""
    offsets: list[int] = []
    j = _skip_indent(text, start, end, indent)  # never map a value's space to indentation
    for char in value:
        while True:
            if j >= end:
                return None
            source_char = text[j]
            if source_char in _BREAKS:  # one break, also "\r\n": kept, folded to a space, or dropped
                at, j = j, _skip_indent(text, j + _break_length(text, j), end, indent)
                if char in "\n " or char == source_char:
                    offsets.append(at)
                    break
                continue
            if source_char == char:
                offsets.append(j)
                j += 1
                break
            if source_char in " \t":
                j += 1
                continue
            return None
    return offsets
