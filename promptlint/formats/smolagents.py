"""smolagents prompt templates (`code_agent.yaml`, `toolcalling_agent.yaml` and the files teams
derive from them): a mapping of Jinja templates the agent renders at each step. Each template
becomes a message with the role smolagents sends it as, so every rule sees it where it is written."""

from __future__ import annotations

from promptlint.model import Document, Message, Node, SourceFile
from promptlint.templates import scan_template

# (section, key) -> the role smolagents sends the rendered text as; `None` for a top-level key
ROLES: dict[tuple[str, str | None], str] = {
    ("system_prompt", None): "system",
    ("planning", "initial_plan"): "user",
    ("planning", "update_plan_pre_messages"): "system",
    ("planning", "update_plan_post_messages"): "user",
    ("managed_agent", "task"): "user",
    ("managed_agent", "report"): "user",
    ("final_answer", "pre_messages"): "system",
    ("final_answer", "post_messages"): "user",
}
_SECTIONS = ("planning", "managed_agent", "final_answer")


def read_smolagents(source: SourceFile, root: Node) -> Document | None:
    system = root.get("system_prompt") if root.kind == "mapping" else None
    if system is None or system.text is None or not any(root.get(section) is not None for section in _SECTIONS):
        return None
    document = Document(source=source, format="smolagents", root=root, template_syntax="jinja")
    found: list[tuple[Node, str]] = []
    for (section, key), role in ROLES.items():
        holder = root.get(section)
        node = holder if key is None else holder.get(key) if holder is not None else None
        if node is not None and node.text is not None:
            found.append((node, role))
    for node, role in sorted(found, key=lambda item: item[0].span.start):  # in the order they are written
        assert node.text is not None
        index = len(document.messages)
        template = scan_template(node.text, "jinja", index)
        document.messages.append(Message(index, role, node.text, node.span, node.key_span, template))
        document.problems.extend(template.problems)
    return document
