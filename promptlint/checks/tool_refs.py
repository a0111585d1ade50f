"""Tools a native prompt file `$ref`s from other files (PL209): resolved through the document
provider, relative to the referencing file and only inside the project root."""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Tool


def referenced_tools(document: Document, context: CheckContext) -> list[tuple[Tool, list[Tool], str]]:
    """Each `$ref` tool entry, the tools it resolves to, and why it resolves to none."""
    def resolve(document: Document) -> list[tuple[Tool, list[Tool], str]]:
        resolved = []
        for entry in document.tools:
            if entry.ref is None:
                continue
            path, _, fragment = entry.ref.partition("#")
            if context.provider is None:
                continue
            target, reason = context.provider.find(path, relative_to=document)
            tools = list(target.tools) if target is not None else []
            if target is not None and not tools:
                reason = "it holds no tool definition" if not target.problems else "it does not parse"
            if fragment and tools:
                named = fragment.rsplit("/", 1)[-1]
                tools = [tool for tool in tools if tool.name == named]
                if not tools:
                    reason = f"it defines no tool named '{named}'"
            resolved.append((entry, tools, reason))
        return resolved

    return context.analysis(document, resolve)


def unresolved_tool_reference(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL209."""
    for entry, tools, reason in referenced_tools(document, context):
        if tools:
            continue
        node = entry.node.get("$ref") if entry.node is not None else None
        span = node.span if node is not None else entry.span
        yield context.finding(
            span,
            f"tool reference '{entry.ref}' cannot be resolved: {reason}. The prompt would be sent without this "
            "tool; point the reference at a tool file inside the project (relative to this file)")

