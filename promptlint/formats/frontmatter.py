"""Split `---` YAML front matter from the body of Prompty, Dotprompt and Markdown files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Metadata, Node, Problem, SourceFile, Text, next_line

# whole lines; `^`/`$` with re.M know only "\n", and a line may also end at "\r" (see SourceFile)
_FENCE = re.compile(r"(?<![^\r\n])---[ \t]*(?![^\r\n])")
_CLOSE = re.compile(r"(?<![^\r\n])(?:---|\.\.\.)[ \t]*(?![^\r\n])")


@dataclass
class FrontMatter:
    data: Node | None  # None when absent or empty
    body: Text
    problems: list[Problem]
    present: bool


def split_front_matter(source: SourceFile, leading_comments: bool = False) -> FrontMatter:
    """Front matter opens on the first line that is not blank (nor a `#` comment, for Dotprompt's
    licence headers, when `leading_comments`)."""
    text = source.text
    start = 0
    while start < len(text) and (text[start] in "\r\n" or (leading_comments and text.startswith("#", start))):
        start = next_line(text, start)
    opening = _FENCE.match(text, start)
    if opening is None:
        return FrontMatter(None, Text.verbatim(text, source, 0), [], present=False)
    data_start = next_line(text, opening.end())
    closing = _CLOSE.search(text, data_start)
    if closing is None:
        problem = Problem("front matter opened with '---' is never closed; add a '---' line after it",
                          source.span(opening.start(), opening.end()))
        return FrontMatter(None, Text.verbatim("", source, len(text)), [problem], present=True)
    data, problems = load_yaml(source, data_start, closing.start())
    body_start = next_line(text, closing.end())
    if data is not None and data.kind != "mapping":
        problems.append(Problem("front matter must be a YAML mapping of keys to values", data.span))
        data = None
    return FrontMatter(data, Text.verbatim(text[body_start:], source, body_start), problems, present=True)


def metadata_from(data: Node, id_key: str) -> Metadata:
    """Identity keys shared by front-matter formats; each names its id key differently."""
    return Metadata(id=data.get(id_key), version=data.get("version"), description=data.get("description"),
                    model=data.get("model"))


def declared_names(node: Node | None) -> list[tuple[str, Node]]:
    """Variable declarations as (name, node) from a mapping of names or a list of `{name: ...}`."""
    if node is None:
        return []
    if node.kind == "mapping":
        return list(node.items())
    found = []
    for item in node.elements():
        name = item.get("name")
        if name is not None and name.string():
            found.append((name.string() or "", name))
    return found
