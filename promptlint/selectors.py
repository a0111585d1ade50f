"""Selectors: the `given` vocabulary of declarative rules, addressing located text in the
document model (never raw files), so every match has an exact span.

    message.text                       every message
    message[role=system|developer].text
    tool.name  tool.description        tool[provider=mcp].description
    tool.parameter.description         every property of a tool's parameters, at any depth
                                       (through items, anyOf/oneOf/allOf and local $ref)
    metadata.description
    text                               all of the above
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.model import Document, Node, Text, Tool
from promptlint.tool_schema import schema_parts

_SELECTOR = re.compile(r"^(?P<element>[a-z]+)(?:\[(?P<key>[a-z_]+)=(?P<values>[\w|.-]+)\])?(?:\.(?P<field>[a-z_.]+))?$")
SELECTORS = ("message.text", "tool.name", "tool.description", "tool.parameter.description",
             "metadata.description", "text")
# The attributes a `[key=value|...]` filter may test, per element.
FILTER_KEYS = {"message": ("role",), "tool": ("provider", "name")}
# The values each selector's targets carry, which a rule's message may quote. `text` spans
# every selector, so it promises only what all of them give: nothing.
VALUES: dict[str, tuple[str, ...]] = {
    "message.text": ("role",),
    "tool.name": ("tool.name",),
    "tool.description": ("tool.name",),
    "tool.parameter.description": ("tool.name", "parameter.name"),
    "metadata.description": (),
    "text": (),
}
# Bounds the walk through parameter schemas; `seen` already stops cycles, this stops depth.


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    """One located text a declarative rule looks at, with values its message may quote."""

    text: Text
    values: dict[str, str]


def parse_selector(selector: str) -> tuple[str, str | None, set[str], str]:
    match = _SELECTOR.match(selector) if isinstance(selector, str) else None
    if not match:
        raise SelectorError(f"'{selector}' is not a selector")
    element, key, field = match.group("element"), match.group("key"), match.group("field") or ""
    if f"{element}.{field}".rstrip(".") not in SELECTORS:
        raise SelectorError(f"unknown selector '{selector}'; known: {', '.join(SELECTORS)}")
    if key is not None and key not in FILTER_KEYS.get(element, ()):
        allowed = FILTER_KEYS.get(element)
        raise SelectorError(f"selector '{selector}' cannot filter on '{key}'"
                            + (f"; {element} filters on {', '.join(allowed)}" if allowed else ""))
    values = set(match.group("values").split("|")) if match.group("values") else set()
    return element, key, values, field


def selector_values(selector: str) -> tuple[str, ...]:
    """The values the targets of `selector` (filters allowed) provide to a message."""
    element, _, _, field = parse_selector(selector)
    return VALUES[f"{element}.{field}".rstrip(".")]


def select(document: Document, selector: str) -> Iterator[Target]:
    if selector == "text":
        for each in SELECTORS[:-1]:
            yield from select(document, each)
        return
    element, key, wanted, field = parse_selector(selector)
    if element == "message":
        for message in document.messages:
            if key is None or getattr(message, key, None) in wanted:
                yield Target(message.text, {"role": message.role})
    elif element == "tool":
        for tool in document.tools:
            if key is None or getattr(tool, key, None) in wanted:
                yield from _tool_targets(tool, field)
    elif element == "metadata":
        node = getattr(document.metadata, field, None)
        if isinstance(node, Node) and node.text is not None:
            yield Target(node.text, {})


def _tool_targets(tool: Tool, field: str) -> Iterator[Target]:
    values = {"tool.name": tool.name}
    if field == "name" and tool.name_text is not None:
        yield Target(tool.name_text, values)
    elif field == "description" and tool.description is not None:
        yield Target(tool.description, values)
    elif field == "parameter.description" and tool.parameters is not None:
        for parameter, schema in tool_parameters(tool.parameters):
            description = schema.get("description")
            if description is not None and description.text is not None:
                yield Target(description.text, {**values, "parameter.name": parameter})


def tool_parameters(root: Node) -> Iterator[tuple[str, Node]]:
    """Every (parameter name, schema) of a parameters schema, at any depth.

    A parameter is described by its schema and by what that schema is made of (a local
    `$ref`, `anyOf`/`oneOf`/`allOf` branches, `items`), so each of those is yielded under its
    name. Each schema node is visited once: a shared `$defs` entry is one span (one finding),
    and a self-referencing schema terminates.
    """
    seen: set[int] = set()
    for part, depth in _parts(root, root, seen, 0):
        yield from _members(part, root, seen, depth + 1)


def _members(schema: Node, root: Node, seen: set[int], depth: int) -> Iterator[tuple[str, Node]]:
    properties = schema.get("properties")
    for name, child in properties.items() if properties is not None else ():
        for part, part_depth in _parts(child, root, seen, depth):
            yield name, part
            yield from _members(part, root, seen, part_depth + 1)


def _parts(schema: Node, root: Node, seen: set[int], depth: int) -> Iterator[tuple[Node, int]]:
    """`schema` and the schemas it is composed of, each not seen before, with its depth."""
    for part, part_depth, _pointer in schema_parts(schema, root, seen, depth):
        yield part, part_depth
