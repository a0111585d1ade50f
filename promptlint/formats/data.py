"""`.json` / `.yaml` files recognised by content: chat messages, tool definitions and the
framework files that say what they are only by their shape (Semantic Kernel, LangChain,
promptflow, promptfoo, MCP server manifests).

Each recogniser looks at the parsed data (and the file's name, for formats that have a fixed
one) and returns a Document, or None when the data is not its shape; the first that answers
wins. A file no recogniser claims is not ours (think of package.json)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from promptlint.formats.chat import looks_like_chat, read_chat
from promptlint.formats.tools import looks_like_tools, tools_in
from promptlint.loaders import BoundProblem
from promptlint.loaders.json_tree import load_json
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Document, Node, Problem, SourceFile, TemplateSyntax

Recogniser = Callable[[SourceFile, Node], Document | None]

# Keys that tool, chat and prompt framework files hold and other data seldom does. A file read
# up to a bound of ours (nesting depth, node count) that held one of them before the bound
# starts like one of ours: it is reported (PL001), not skipped as "not ours", so that nesting
# a tool file deeply cannot hide it from the linter.
OUR_KEYS = frozenset({
    "tools", "functions", "function", "parameters", "inputSchema", "input_schema", "messages", "prompts",
    "_type", "input_variables", "template_format", "execution_settings", "system_prompt",
})


def starts_like_ours(problems: list[Problem]) -> bool:
    """Whether reading stopped at a bound of ours after keys only our files hold."""
    return any(isinstance(problem, BoundProblem) and not problem.keys.isdisjoint(OUR_KEYS) for problem in problems)


def _tools(source: SourceFile, root: Node) -> Document | None:
    if not looks_like_tools(root):
        return None
    document = Document(source=source, format="tools", root=root, template_syntax="none")
    document.tools = tools_in(root)
    return document


@cache
def _recognisers() -> tuple[Recogniser, ...]:
    """Framework shapes first, then the generic tool listing: a promptfoo config carries tools too."""
    # imported here: the framework readers import chat and tools from this package
    from promptlint.formats.frameworks import FRAMEWORK_RECOGNISERS

    return (*FRAMEWORK_RECOGNISERS, _tools)


def read_data_file(source: SourceFile, *, template_syntax: TemplateSyntax = "none") -> Document | None:
    """A Document for chat, tool or framework files; None for other data; format None if it does not parse.

    `template_syntax` applies to chat messages only (see `read_chat`); tool files are never templates."""
    is_json = source.path.name.lower().endswith(".json")
    root, problems = load_json(source) if is_json else load_yaml(source)
    if root is None:
        return Document(source=source, format=None, problems=problems) if problems else None
    # a LangChain chat prompt also holds `messages: [{role, content}]`, but as templates: `_type` says so
    typed = root.kind == "mapping" and root.get("_type") is not None
    document = read_chat(source, root, template_syntax=template_syntax) if looks_like_chat(root) and not typed \
        else None
    if document is None:
        for recognise in _recognisers():
            document = recognise(source, root)
            if document is not None:
                break
    if document is None:
        return None
    document.problems[:0] = problems
    return document
