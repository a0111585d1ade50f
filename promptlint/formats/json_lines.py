"""JSON Lines tool sets (`*.jsonl`): one JSON value per line, as function-calling benchmarks and
exported tool registries ship them. Each line holding tool definitions (a tool, a list of
tools, or a record whose `function`/`functions`/`tools` list them) gives its tools, located on
their own line; a line that does not parse is a problem of that line, and the others are still
read. A file none of whose lines holds a tool is not ours."""

from __future__ import annotations

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
                problems.extend(Problem(f"line {number} of this JSON Lines file (one JSON value per line) "
                                        f"{problem.message.replace('JSON does not parse', 'does not parse')}",
                                        problem.span, fatal=False) for problem in found)
            else:
                lines.append(node)
                tools.extend(_tools_of(node))
        start, number = end, number + 1
    if not tools:
        if problems and not lines:
            return Document(source=source, format=None, problems=[Problem(problem.message, problem.span)
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
