"""Dotprompt (`*.prompt`): YAML front matter, then a Handlebars body split into messages
by `{{role "system"}}` markers (also the block form `{{#role "x"}}...{{/role}}`)."""

from __future__ import annotations

import re

from promptlint.formats.frontmatter import metadata_from, split_front_matter
from promptlint.model import Document, Message, Node, OutputSchema, SourceFile, Text, Tool, Variable
from promptlint.templates import scan_template

_ROLE = re.compile(r"\{\{~?\s*#?role\s+[\"'](?P<role>\w+)[\"']\s*~?\}\}|\{\{~?\s*/role\s*~?\}\}")
_PICOSCHEMA_NAME = re.compile(r"[A-Za-z_$][\w$]*")


def read_dotprompt(source: SourceFile) -> Document:
    front = split_front_matter(source, leading_comments=True)
    document = Document(source=source, format="dotprompt", template_syntax="handlebars", root=front.data,
                        problems=list(front.problems))
    data = front.data
    if data is not None:
        document.metadata = metadata_from(data, "name")
        _read_input(document, data.get("input"))
        output = data.get("output")
        schema = output.get("schema") if output is not None else None
        if output is not None and schema is not None:
            output_format = output.get("format")
            document.output = OutputSchema(schema, schema.span, output_format.string() if output_format else None)
        tools = data.get("tools")
        for item in tools.elements() if tools is not None else ():
            if item.string():
                document.tools.append(Tool(name=item.string() or "", span=item.span, provider="dotprompt",
                                           name_span=item.span, node=item))
    document.messages = split_messages(front.body)
    for message in document.messages:
        document.problems.extend(message.template.problems)
    return document


def _read_input(document: Document, node: Node | None) -> None:
    """Declared variables: the Picoschema (or JSON Schema) of `input.schema`, and `input.default`."""
    if node is None:
        return
    schema = node.get("schema")
    default = node.get("default")
    if schema is not None and schema.kind == "mapping":
        properties = schema.get("properties") if schema.get("type") is not None else schema
        for key, value in properties.items() if properties is not None else ():
            name = _PICOSCHEMA_NAME.match(key)
            if name:
                document.variables.setdefault(name.group(), Variable(name.group(), value.key_span or value.span))
        document.declares_variables = True
    for key, value in default.items() if default is not None else ():
        document.variables.setdefault(key, Variable(key, value.key_span or value.span))
    if schema is not None and schema.kind != "mapping":
        document.declares_variables = False  # a named schema defined in code: its fields are unknown here


def split_messages(body: Text) -> list[Message]:
    pieces: list[tuple[str, int, int, int | None]] = []
    role, start, marker_start = "user", 0, None  # Dotprompt's default role for unmarked text
    for marker in _ROLE.finditer(body.value):
        if body.value[start:marker.start()].strip() or marker_start is not None:
            pieces.append((role, start, marker.start(), marker_start))
        if marker.group("role"):
            role, marker_start = marker.group("role"), marker.start()
        else:  # {{/role}} closes a block: back to the default
            role, marker_start = "user", None
        start = marker.end()
    if body.value[start:].strip() or marker_start is not None:
        pieces.append((role, start, len(body.value), marker_start))
    messages: list[Message] = []
    for role, start, end, marker_start in pieces:
        text = body.slice(start, end)
        if marker_start is not None and not text.value.strip():
            text = body.slice(marker_start, marker_start)  # no content: an empty text at its marker, where PL005 points
        index = len(messages)
        role_span = body.span(marker_start, marker_start + 2) if marker_start is not None else None
        whole = body.span(marker_start if marker_start is not None else start, end)
        messages.append(Message(index, "assistant" if role == "model" else role, text, whole, role_span,
                                scan_template(text, "handlebars", index)))
    return messages


def read_dotprompt_spec(source: SourceFile, root: Node) -> Document | None:
    """Dotprompt's own specification suites (`spec/**/*.yaml`): a list of `{name, template,
    tests}`, each template a Dotprompt body. Read as one document whose messages are those of
    every template, so the rules see each template where it is written."""
    if root.kind != "sequence" or not root.elements():
        return None
    templates = [item.get("template") for item in root.elements()]
    if not all(item.kind == "mapping" and item.get("tests") is not None for item in root.elements()) \
            or not all(template is not None and template.text is not None for template in templates):
        return None
    document = Document(source=source, format="dotprompt", template_syntax="handlebars", root=root)
    for template in templates:
        assert template is not None and template.text is not None
        for message in split_messages(template.text):
            message.index = len(document.messages)
            message.template = scan_template(message.text, "handlebars", message.index)
            document.messages.append(message)
            document.problems.extend(message.template.problems)
    return document
