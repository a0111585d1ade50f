"""`.json` / `.yaml` files recognised by content: chat messages or tool definitions."""

from __future__ import annotations

from promptlint.formats.chat import looks_like_chat, read_chat
from promptlint.formats.tools import looks_like_tools, tools_in
from promptlint.loaders.json_tree import load_json
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Document, SourceFile, TemplateSyntax


def read_data_file(source: SourceFile, *, template_syntax: TemplateSyntax = "none") -> Document | None:
    """A Document for chat or tool files; None for other data; format None if it does not parse.

    `template_syntax` applies to chat messages only (see `read_chat`); tool files are never templates."""
    is_json = source.path.name.lower().endswith(".json")
    root, problems = load_json(source) if is_json else load_yaml(source)
    if root is None:
        return Document(source=source, format=None, problems=problems) if problems else None
    if looks_like_chat(root):
        document = read_chat(source, root, template_syntax=template_syntax)
    elif looks_like_tools(root):
        document = Document(source=source, format="tools", root=root, template_syntax="none")
        document.tools = tools_in(root)
    else:
        return None
    document.problems[:0] = problems
    return document
