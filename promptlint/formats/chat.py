"""Chat-message lists: `[{role, content}, ...]`, `{"messages": [...]}`, and an OpenAI
request that also carries `tools`. Also used by the native format for its `messages`.

A chat payload or transcript is data sent as-is, not a template: a literal `{{` in a user
message is text, so chat files are not scanned unless configuration says they are templates."""

from __future__ import annotations

from promptlint.formats.tools import tools_in
from promptlint.model import Document, Message, Node, SourceFile, TemplateSyntax
from promptlint.templates import scan_template


def _is_message(node: Node) -> bool:
    if node.kind != "mapping" or node.get("role") is None:
        return False
    return any(node.get(key) is not None for key in ("content", "text"))


def looks_like_chat(node: Node) -> bool:
    items = node.get("messages") if node.kind == "mapping" else node
    if items is None or items.kind != "sequence" or not items.elements():
        return False
    return all(_is_message(item) for item in items.elements())


def read_messages(items: Node | None, syntax: TemplateSyntax) -> list[Message]:
    """One Message per text: string content, or each text part of a content list."""
    messages: list[Message] = []
    if items is None:
        return messages
    for item in items.elements():
        role_node = item.get("role")
        role = role_node.string() if role_node is not None else None
        if role is None:
            continue
        content = item.get("content") or item.get("text")
        if content is None:
            continue
        parts = [content] if content.kind == "scalar" else [
            part.get("text") or part for part in content.elements() if part.kind == "mapping"
        ]
        for part in parts:
            if part is None or part.text is None:
                continue
            index = len(messages)
            messages.append(Message(
                index=index, role=role, text=part.text, span=item.span,
                role_span=role_node.span if role_node is not None else None,
                template=scan_template(part.text, syntax, index),
            ))
    return messages


def read_chat(source: SourceFile, root: Node, *, template_syntax: TemplateSyntax = "none") -> Document:
    """`template_syntax` other than "none" is for chat files a project declares to be templates."""
    items = root.get("messages") if root.kind == "mapping" else root
    document = Document(source=source, format="chat", root=root, template_syntax=template_syntax)
    document.messages = read_messages(items, document.template_syntax)
    if root.kind == "mapping":
        document.tools = tools_in(root) if root.get("tools") or root.get("functions") else []
        document.metadata.model = root.get("model")
    for message in document.messages:
        document.problems.extend(message.template.problems)
    return document
