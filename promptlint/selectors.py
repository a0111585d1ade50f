"""Selectors: the `given` vocabulary of declarative rules, addressing located text in the
document model (never raw files), so every match has an exact span.

    message.text                       every message
    message[role=system|developer].text
    tool.name  tool.description        tool[provider=mcp].description
    tool.parameter.description         every property of a tool's parameters, at any depth
    metadata.description
    text                               all of the above
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.model import Document, Node, Text, Tool

_SELECTOR = re.compile(r"^(?P<element>[a-z]+)(?:\[(?P<key>[a-z_]+)=(?P<values>[\w|.-]+)\])?(?:\.(?P<field>[a-z_.]+))?$")
SELECTORS = ("message.text", "tool.name", "tool.description", "tool.parameter.description",
             "metadata.description", "text")


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    """One located text a declarative rule looks at, with values its message may quote."""

    text: Text
    values: dict[str, str]


def parse_selector(selector: str) -> tuple[str, str | None, set[str], str]:
    match = _SELECTOR.match(selector)
    if not match:
        raise SelectorError(f"'{selector}' is not a selector")
    element, key, field = match.group("element"), match.group("key"), match.group("field") or ""
    if f"{element}.{field}".rstrip(".") not in SELECTORS:
        raise SelectorError(f"unknown selector '{selector}'; known: {', '.join(SELECTORS)}")
    values = set(match.group("values").split("|")) if match.group("values") else set()
    return element, key, values, field


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
    if field == "name" and tool.node is not None:
        name_node = tool.node.get("name") or (tool.node.get("function") or tool.node).get("name")
        if name_node is not None and name_node.text is not None:
            yield Target(name_node.text, values)
    elif field == "description" and tool.description is not None:
        yield Target(tool.description, values)
    elif field.startswith("parameter.") and tool.parameters is not None:
        for parameter, schema in _properties(tool.parameters):
            description = schema.get("description")
            if field == "parameter.description" and description is not None and description.text is not None:
                yield Target(description.text, {**values, "parameter.name": parameter})


def _properties(schema: Node) -> Iterator[tuple[str, Node]]:
    """Every (name, schema) under `properties`, recursively through items and nested objects."""
    properties = schema.get("properties")
    for name, child in properties.items() if properties is not None else ():
        if child.kind == "mapping":
            yield name, child
            yield from _properties(child)
    items = schema.get("items")
    if items is not None and items.kind == "mapping":
        yield from _properties(items)
