"""Prompty (`*.prompty`): YAML front matter, then a Jinja2 (or Mustache) body split into
messages by role lines such as `system:` and `user:`."""

from __future__ import annotations

import re

from promptlint.formats.frontmatter import declared_names, metadata_from, split_front_matter
from promptlint.formats.tools import tools_from_list
from promptlint.model import (
    Document,
    Message,
    Node,
    SourceFile,
    TemplateSyntax,
    Text,
    Tool,
    Variable,
    VariableUse,
    next_line,
)
from promptlint.templates import scan_template

# whole lines, which may end at "\r" too: `^`/`$` with re.M know only "\n"
_ROLE_LINE = re.compile(
    r"(?<![^\r\n])[ \t]*#?[ \t]*(?P<role>system|user|assistant|developer|function|tool)(?:\[[^\]\r\n]*\])?"
    r"[ \t]*:[ \t]*(?![^\r\n])",
    re.I,
)
_THREAD = re.compile(r"(?<![^\r\n])[ \t]*!\[(?P<name>[A-Za-z_]\w*)\][ \t]*(?![^\r\n])")


def read_prompty(source: SourceFile) -> Document:
    front = split_front_matter(source)
    document = Document(source=source, format="prompty", root=front.data, problems=list(front.problems))
    data = front.data
    if data is not None:
        document.template_syntax = "handlebars" if _template_format(data) in ("mustache", "handlebars") else "jinja"
        document.metadata = metadata = metadata_from(data, "id")
        model = data.get("model")
        if model is not None:
            metadata.model = model.get("id") or _deployment(model) or model
            options = model.get("parameters") or model.get("options")
            if options is not None:
                document.tools = tools_from_list(options.get("tools"))
        inputs = data.get("inputs")
        if inputs is not None and inputs.kind != "scalar":  # `${file:inputs.json}`: declared elsewhere
            document.declares_variables = True
            for name, node in declared_names(inputs):
                document.variables[name] = Variable(name, node.key_span or node.span)
        document.other_uses = _binding_uses(data.get("tools"))
        document.tools += _declared_tools(data.get("tools"))
        document.role_markers_strict = _strict(data)
    document.messages = split_messages(front.body, document.template_syntax, set(document.variables))
    for message in document.messages:
        document.problems.extend(message.template.problems)
    return document


def _binding_uses(tools: Node | None) -> list[VariableUse]:
    """Prompty 2 tools bind their parameters to inputs: `bindings: {unit: {input: preferred_unit}}`."""
    uses = []
    for tool in tools.elements() if tools is not None else ():
        bindings = tool.get("bindings")
        for _parameter, binding in bindings.items() if bindings is not None else ():
            source = binding.get("input")
            if source is not None and source.string():
                uses.append(VariableUse(source.string() or "", source.span, binding.span, None))
    return uses


def split_messages(body: Text, syntax: TemplateSyntax, declared: set[str]) -> list[Message]:
    markers = list(_ROLE_LINE.finditer(body.value))
    pieces: list[tuple[str, int, int, int | None]] = []  # role, start, end, marker start
    first_end = markers[0].start() if markers else len(body.value)
    if body.value[:first_end].strip():
        pieces.append(("system", 0, first_end, None))  # Prompty treats unmarked text as system
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(body.value)
        pieces.append((marker.group("role").lower(), min(next_line(body.value, marker.end()), end), end,
                       marker.start()))
    messages: list[Message] = []
    for role, start, end, marker_start in pieces:
        text = body.slice(start, end)
        if marker_start is not None and not text.value.strip():
            # no content: an empty text at the role name, so PL005 points at the role line, not past its end
            marker_line = body.value[marker_start:start]
            role_start = marker_start + len(marker_line) - len(marker_line.lstrip(" \t#"))
            text = body.slice(role_start, role_start)
        index = len(messages)
        template = scan_template(text, syntax, index)
        if marker_start is not None:  # `user[name="{{ name }}"]:` reads a variable in the marker itself
            marker_text = body.slice(marker_start, start)
            template.uses[:0] = scan_template(marker_text, syntax, index).uses
        for thread in _THREAD.finditer(text.value):
            if thread.group("name") not in declared:
                continue  # without a declared input of that name, the runtime inserts its own thread
            span = text.span(thread.start("name"), thread.end("name"))
            template.uses.append(VariableUse(thread.group("name"), span, text.span(thread.start(), thread.end()),
                                             index))
        whole = body.span(marker_start if marker_start is not None else start, end)
        role_span = body.span(marker_start, marker_start + len(role)) if marker_start is not None else None
        messages.append(Message(index, role, text, whole, role_span, template))
    return messages


def _declared_tools(tools: Node | None) -> list[Tool]:
    """Prompty 2 `tools: [{name, kind, description, parameters: [...]}]` (parameters are not JSON Schema)."""
    found = []
    for item in tools.elements() if tools is not None else ():
        name = item.get("name")
        if name is None or not name.string():
            continue  # v1 `tools` entries such as `{id, type: file}` name no callable tool
        description = item.get("description")
        found.append(Tool(name=name.string() or "", span=item.span, provider="prompty", name_span=name.span,
                          name_text=name.text,
                          description=description.text if description is not None else None, node=item))
    return found


def _strict(data: Node) -> bool | None:
    template = data.get("template")
    format_node = template.get("format") if template is not None else None
    strict = format_node.get("strict") if format_node is not None else None
    return strict.value if strict is not None and isinstance(strict.value, bool) else None


def _template_format(data: Node) -> str | None:
    template = data.get("template")
    if template is None:
        return None
    if template.kind == "scalar":
        return template.string()
    format_node = template.get("format")
    if format_node is None:
        return None
    if format_node.kind == "mapping":
        kind = format_node.get("kind")
        return kind.string() if kind is not None else None
    return format_node.string()


def _deployment(model: Node) -> Node | None:
    configuration = model.get("configuration") or model.get("connection")
    return configuration.get("azure_deployment") or configuration.get("name") if configuration is not None else None
