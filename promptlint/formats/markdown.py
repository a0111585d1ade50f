"""Markdown prompts with YAML front matter (Copilot agents and instructions, OpenHands
microagents). Markdown without front matter is documentation, not a prompt: skipped."""

from __future__ import annotations

from promptlint.formats.frontmatter import declared_names, metadata_from, split_front_matter
from promptlint.model import Document, Message, SourceFile, Variable
from promptlint.templates import scan_template


def read_markdown(source: SourceFile) -> Document | None:
    front = split_front_matter(source)
    if not front.present:
        return None
    document = Document(source=source, format="markdown", root=front.data, problems=list(front.problems),
                        template_syntax="none")
    data = front.data
    if data is not None:
        document.metadata = metadata_from(data, "name")
        inputs = data.get("inputs") or data.get("variables")
        if inputs is not None:
            # only files that declare inputs are templates; others are plain Markdown
            document.declares_variables = True
            document.template_syntax = "jinja"
            for name, node in declared_names(inputs):
                document.variables[name] = Variable(name, node.key_span or node.span)
    if front.body.value.strip():
        template = scan_template(front.body, document.template_syntax, 0)
        document.messages = [Message(0, "system", front.body, front.body.span(), None, template)]
        document.problems.extend(template.problems)
    return document
