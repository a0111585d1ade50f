"""JSON Lines tool sets (`*.jsonl`): one JSON value per line, as function-calling benchmarks and
exported tool registries ship them. Each line holding tool definitions (a tool, a list of
tools, or a record whose `function`/`functions`/`tools` list them) gives its tools, located on
their own line; a line that does not parse is a problem of that line, and the others are still
read. A file none of whose lines holds a tool is not ours."""

from __future__ import annotations

from dataclasses import replace

from promptlint.formats.data import starts_like_ours
from promptlint.formats.tools import tools_from_list, tools_in
from promptlint.loaders.json_tree import load_json_in
from promptlint.model import Document, Node, Problem, SourceFile, Text, Tool, next_line


def read_json_lines(source: SourceFile) -> Document | None:
    text = source.text
    lines: list[Node] = []
    tools: list[Tool] = []
    problems: list[Problem] = []
    start, number = 0, 1
    while start < len(text):
        end = next_line(text, start)
        line = text[start:end].rstrip("\r\n")
        if line.strip():
            node, found = load_json_in(Text.verbatim(line, source, start))
            if node is None:
                # replace keeps what a bound records (the keys read before it), for starts_like_ours below
                problems.extend(replace(problem, fatal=False, message=(
                    f"line {number} of this JSON Lines file (one JSON value per line) "
                    f"{problem.message.replace('JSON does not parse', 'does not parse')}")) for problem in found)
            else:
                lines.append(node)
                tools.extend(_tools_of(node))
        start, number = end, number + 1
    if not tools:
        if problems and (not lines or starts_like_ours(problems)):  # a tool line nested past a bound is no excuse
            return Document(source=source, format=None, problems=[replace(problem, fatal=True)
                                                                  for problem in problems])
        return None
    root = Node("sequence", lines, source.span(0, len(text)))
    document = Document(source=source, format="tools", root=root, template_syntax="none", problems=problems)
    document.tools = tools
    return document


def _tools_of(node: Node) -> list[Tool]:
    found = tools_in(node)
    if not found and node.kind == "mapping":  # a benchmark record: `{"question": ..., "function": [...]}`
        found = tools_from_list(node.get("function"))
    return found
