"""Text edits that close an object schema with `"additionalProperties": false` (the fixes of
PL212 and PL213), written into the file's own text so that every byte outside the edit stays.

- a JSON object or a YAML flow mapping `{...}`: `, "additionalProperties": false` after its last
  member, in the file's style (key quotes, `:` spacing, members on a line each or on one line);
- a YAML block mapping: a line `additionalProperties: false`, indented as the mapping's keys,
  after its last entry's whole value (nested blocks, a block scalar with its kept blank lines);
- `additionalProperties` already set to another scalar (`true`): that value becomes `false`.

Every edit is checked before it is offered: the part of the file that holds the schema is read
again with the edit applied, and must read as before with that one key added, with no new
problem. An edit that cannot be placed, or fails the check (an anchor shared with an alias, a
schema in a JSON string inside YAML, a schema built by the reader rather than written in the
file), is not offered at all.
"""

from __future__ import annotations

import copy
import json as _json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promptlint.findings import Edit
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Document, Node, SourceFile, Span, next_line

ADDITIONAL = "additionalProperties"
MAX_SINGLE_CHECKS = 50  # edits checked one by one when checking them together fails
_NODE_PROPERTIES = re.compile(r"(?:[&!][^\s{\[]*\s+)*")  # an anchor or tag before a YAML node
_BLOCK_HEADER = re.compile(r"(?:[&!]\S*\s+)*[|>]([0-9+-]*)")
_SEPARATOR = re.compile(r"[ \t]*:[ \t]*")
_MEMBER_SEPARATOR = re.compile(r"[ \t]*,[ \t]*")
_BLOCK_PREFIX = re.compile(r" *(?:-[ ]+)*")  # before a block mapping's first key: indentation, list dashes


@dataclass(frozen=True)
class _Placed:
    node: Node
    start: int  # where the edit goes (an insertion when start == end)
    end: int
    text: str
    # a line added after a block mapping: where the line before it ends (before its break), the
    # other point it can go, so that nested mappings ending on one line are closed at two points
    line_end: int | None = None
    depth: int = 0  # the new line's indentation


def closing_edits(document: Document, nodes: Sequence[Node]) -> dict[int, Edit]:
    """For each object schema in `nodes` (by `id`) that can be closed, the edit that closes it."""
    source = document.source
    placed = [found for node in nodes if (found := _place(source, node)) is not None]
    placed = _spread(placed)
    good = _verified(document, placed)
    return {id(item.node): Edit(source.span(item.start, item.end), item.text) for item in placed
            if id(item.node) in good}


def description(edit: Edit) -> str:
    return f"set \"{ADDITIONAL}\" to false" if edit.span.end > edit.span.start else \
        f"add \"{ADDITIONAL}\": false"


# --- placing an edit ---------------------------------------------------------------------------


def _own_members(node: Node) -> list[tuple[Span, Node]]:
    """A mapping's entries written in it (not merged in from an anchor), in source order."""
    members = [(value.key_span, value) for _key, value in node.items()
               if value.key_span is not None and node.span.start <= value.key_span.start < node.span.end]
    return sorted(members, key=lambda member: member[0].start)


def _is_flow(text: str, node: Node) -> bool:
    start = _NODE_PROPERTIES.match(text, node.span.start)
    at = start.end() if start is not None else node.span.start
    return at < len(text) and text[at] in "{[" and node.span.end > at and text[node.span.end - 1] in "}]"


def _place(source: SourceFile, node: Node) -> _Placed | None:
    if node.kind != "mapping":
        return None
    text = source.text
    extra = node.get(ADDITIONAL)
    if extra is not None:
        return _replace(source, node, extra)
    members = _own_members(node)
    if not members:
        return None
    if _is_flow(text, node):
        return _insert_flow(text, node, members)
    return _insert_block(source, node, members)


def _replace(source: SourceFile, node: Node, extra: Node) -> _Placed | None:
    """`additionalProperties: true` (or another scalar written on one line) becomes `false`."""
    key, span, text = extra.key_span, extra.span, source.text
    if key is None or not node.span.start <= key.start < node.span.end or extra.kind != "scalar":
        return None
    if span.end <= span.start or span.start_line != span.end_line or text[span.start] in "|>&!*":
        return None
    return _Placed(node, span.start, span.end, "false")


def _key_style(text: str, key: Span, value: Node) -> tuple[str, str]:
    """The new key as the file writes its keys (quoted or not) and the separator after a key."""
    quote = text[key.start] if text[key.start] in "\"'" else ""
    separator = text[key.end:value.span.start]
    if not _SEPARATOR.fullmatch(separator):
        separator = ": "
    return f"{quote}{ADDITIONAL}{quote}", separator


def _break_before(text: str, offset: int) -> str:
    """The line break that ends just before `offset` (a line's start)."""
    if text.startswith("\r\n", offset - 2):
        return "\r\n"
    return text[offset - 1] if offset > 0 and text[offset - 1] in "\r\n" else "\n"


def _first_break(text: str) -> str:
    found = re.search(r"\r\n?|\n", text)
    return found.group() if found is not None else "\n"


def _insert_flow(text: str, node: Node, members: list[tuple[Span, Node]]) -> _Placed | None:
    if text[node.span.end - 1] != "}":
        return None
    key, value = members[-1]
    at = value.span.end
    if at < key.end or at >= node.span.end:
        return None  # an alias or an empty value: nothing to place the new member after
    name, separator = _key_style(text, key, value)
    entry = f"{name}{separator}false"
    line_start = text.rfind("\n", 0, key.start) + 1
    line_start = max(line_start, text.rfind("\r", 0, key.start) + 1)
    indentation = text[line_start:key.start]
    if line_start > node.span.start and not indentation.strip(" \t"):  # a member on a line of its own
        return _Placed(node, at, at, "," + _break_before(text, line_start) + indentation + entry)
    between = ""
    if len(members) > 1:
        between = text[members[-2][1].span.end:key.start]
    if not _MEMBER_SEPARATOR.fullmatch(between):
        between = "," if separator == ":" else ", "  # minified JSON stays minified
    return _Placed(node, at, at, between + entry)


def _content_end(text: str, node: Node) -> tuple[int, Node]:
    """Where a block value's text ends (its last leaf's end, not trailing comments), and that leaf."""
    if node.kind == "mapping" and not _is_flow(text, node):
        members = _own_members(node)
        if members:
            key, value = members[-1]
            end, leaf = _content_end(text, value)
            return (end, leaf) if end >= key.end else (key.end, value)
    if node.kind == "sequence" and node.value and not _is_flow(text, node):
        end, leaf = _content_end(text, node.value[-1])
        if end >= node.span.start:
            return end, leaf
    return node.span.end, node


def _insert_block(source: SourceFile, node: Node, members: list[tuple[Span, Node]]) -> _Placed | None:
    text = source.text
    first = members[0][0]
    line_start = source.line_starts[first.start_line - 1]
    if not _BLOCK_PREFIX.fullmatch(text, line_start, first.start):
        return None
    indentation = " " * (first.start - line_start)
    if any(key.start_column != first.start_column for key, _value in members):
        return None
    key, value = members[-1]
    end, leaf = _content_end(text, value)
    end = max(end, key.end)
    name, _separator = _key_style(text, key, value)
    entry = f"{indentation}{name}: false"
    at = next_line(text, end)
    header = _BLOCK_HEADER.match(text, leaf.span.start) if leaf.kind == "scalar" else None
    if header is not None and "+" in header.group(1):  # kept blank lines belong to the value
        while at < len(text):
            after = next_line(text, at)
            if text[at:after].strip(" \t\r\n"):
                break
            at = after
    if at == len(text) and not text.endswith(("\n", "\r")):  # the last line has no break: give it one
        return _Placed(node, at, at, _first_break(text) + entry, None, len(indentation))
    brk = _break_before(text, at)
    return _Placed(node, at, at, entry + brk, at - len(brk), len(indentation))


def _spread(placed: list[_Placed]) -> list[_Placed]:
    """Lines added after nested block mappings that end on the same line would all be inserted at
    one point, and a run applies only one edit at a point: the deepest goes before that line's
    break instead, so that two levels close in one run, the deeper first. (A third level waits for
    the next run.)"""
    by_point: dict[int, list[_Placed]] = {}
    for item in placed:
        by_point.setdefault(item.start, []).append(item)
    spread: list[_Placed] = []
    for items in by_point.values():
        deeper, *others = sorted(items, key=lambda item: -item.depth)
        if not others or deeper.line_end is None or any(item.line_end is None or item.depth >= deeper.depth
                                                        for item in others):
            spread.extend(items)
            continue
        cut = len(deeper.text) - (deeper.start - deeper.line_end)  # the new line, then the break
        moved = _Placed(deeper.node, deeper.line_end, deeper.line_end, deeper.text[cut:] + deeper.text[:cut])
        spread.extend((moved, *others))
    return spread


# --- checking it -------------------------------------------------------------------------------


def _paths(root: Node, wanted: set[int]) -> dict[int, tuple[str | int, ...]]:
    """Where each wanted node sits under `root`, by identity."""
    found: dict[int, tuple[str | int, ...]] = {}
    stack: list[tuple[Node, tuple[str | int, ...]]] = [(root, ())]
    while stack and len(found) < len(wanted):
        node, path = stack.pop()
        if id(node) in wanted and id(node) not in found:
            found[id(node)] = path
        if node.kind == "mapping":
            stack.extend((child, (*path, key)) for key, child in node.items())
        elif node.kind == "sequence":
            stack.extend((child, (*path, index)) for index, child in enumerate(node.elements()))
    return found


@dataclass(frozen=True)
class _Unit:
    """A part of the file read on its own to check edits: the text between two offsets."""

    start: int
    end: int
    json: bool


def _verified(document: Document, placed: list[_Placed]) -> set[int]:
    root = document.root
    if root is None or not placed:
        return set()
    source = document.source
    paths = _paths(root, {id(item.node) for item in placed})
    name = source.path.name.lower()
    groups: dict[_Unit, list[tuple[_Placed, tuple[str | int, ...]]]] = {}
    for item in placed:
        path = paths.get(id(item.node))
        if path is None:
            continue  # not written in this file's data (built by the reader, or inside a string)
        if name.endswith(".jsonl"):
            if root.kind != "sequence" or not path or not isinstance(path[0], int):
                continue
            line = root.value[path[0]]
            unit, path = _Unit(line.span.start, line.span.end, True), path[1:]
        elif name.endswith(".json"):
            unit = _Unit(root.span.start, root.span.end, True)
        else:
            start = source.line_starts[root.span.start_line - 1]
            unit = _Unit(start, next_line(source.text, root.span.end), False)
        if item.start < unit.start:
            continue
        groups.setdefault(unit, []).append((item, path))
    good: set[int] = set()
    for unit, items in groups.items():
        # a line added after kept blank lines may sit past the data's last character: read up to it
        unit = _Unit(unit.start, max([unit.end, *(item.end for item, _path in items)]), unit.json)
        original = _read(source, source.text, unit.start, unit.end, unit.json)
        if original is None:
            continue
        starts = [item.start for item, _path in items]
        if len(set(starts)) == len(starts) and _check(source, unit, original, items):
            good.update(id(item.node) for item, _path in items)
            continue
        if len(items) > 1:
            for pair in items[:MAX_SINGLE_CHECKS]:
                if _check(source, unit, original, [pair]):
                    good.add(id(pair[0].node))
    return good


def _read(source: SourceFile, text: str, start: int, end: int, json: bool) -> tuple[Any, int] | None:
    """The plain data of `text[start:end]` and its count of problems; None when it does not read.
    JSON is read by the standard library (fast, and the edits add nothing its reading differs on)."""
    if json:
        try:
            return _json.loads(text[start:end], parse_constant=_no_constant), 0
        except (ValueError, RecursionError):
            return None
    node, problems = load_yaml(SourceFile(source.path, source.display_path, text), start, end)
    if node is None or any(problem.fatal for problem in problems):
        return None
    return node.plain(), len(problems)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check(source: SourceFile, unit: _Unit, original: tuple[Any, int],
           items: list[tuple[_Placed, tuple[str | int, ...]]]) -> bool:
    text = source.text
    parts: list[str] = []
    at = 0
    for item, _path in sorted(items, key=lambda pair: pair[0].start):
        parts.extend((text[at:item.start], item.text))
        at = item.end
    parts.append(text[at:])
    edited = "".join(parts)
    grown = len(edited) - len(text)
    after = _read(source, edited, unit.start, unit.end + grown, unit.json)
    if after is None or after[1] > original[1]:
        return False
    expected = copy.deepcopy(original[0])
    for _item, path in items:
        target = expected
        for part in path:
            try:
                target = target[part]
            except (KeyError, IndexError, TypeError):
                return False
        if not isinstance(target, dict):
            return False
        target[ADDITIONAL] = False
    return bool(after[0] == expected)
