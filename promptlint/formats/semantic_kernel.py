"""Semantic Kernel prompts: a function folder's `skprompt.txt` with its `config.json`, and YAML
(or JSON) prompt templates (`name`, `template`, `template_format`, `input_variables`, ...).

SK renders the whole template to text, HTML-encoding variable values unless
`allow_dangerously_set_content` says not to, and then reads `<message role="...">` tags out of
the result as XML. So messages come from those tags. Text outside them follows SK's Python
parser: before the first tag it is a system message, after a tag a user message (the .NET parser
drops it, but its variables are still read); a file without tags, or whose tags do not parse as
XML, is one user message, tags and all, as SK sends it.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

from promptlint.formats.companions import companion_data, companion_names, companion_source
from promptlint.loaders.json_tree import load_json
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import (
    LINE_BREAK,
    Document,
    Message,
    Node,
    Problem,
    SourceFile,
    Template,
    TemplateSyntax,
    Text,
    Variable,
)
from promptlint.templates import scan_template

PROMPT_FILE = "skprompt.txt"
CONFIG_FILE = "config.json"
SYNTAX_BY_FORMAT: dict[str, TemplateSyntax] = {
    "semantic-kernel": "semantic-kernel", "handlebars": "handlebars", "liquid": "jinja", "jinja2": "jinja"}
# keys only an SK function's config.json carries (`completion` and `input` in its first schema)
_CONFIG_KEYS = ("execution_settings", "completion", "input_variables", "default_services")
_MESSAGE_OPEN = re.compile(r"<message\b(?P<attributes>[^<>]*?)(?P<empty>/?)>")
_MESSAGE_CLOSE = re.compile(r"</message\s*>")
_ROLE_ATTRIBUTE = re.compile(r"""\brole\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
_TAG_OPEN = re.compile(r"\{\{|\{%|\{#")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
# tags that render no text: a loop or condition around message tags does not make a message
_SILENT_TAG = re.compile(r"\{%|\{#|\{\{~?\s*(?:[#/^!]|else\b)")


def read_skprompt(source: SourceFile) -> Document:
    """`skprompt.txt`: the template; its variables are declared in the `config.json` beside it."""
    document = Document(source=source, format="semantic-kernel", template_syntax="semantic-kernel",
                        role_markers_strict=True)
    companion = companion_data(source, CONFIG_FILE)
    if companion is not None:
        config, root = companion
        document.template_syntax = _syntax(root, document.problems, report=False)
        _read_variables(document, root, config)
    elif companion_source(source, CONFIG_FILE) is not None:
        document.problems.append(Problem(
            f"the {CONFIG_FILE} beside this file cannot be read as JSON, so Semantic Kernel cannot load this "
            "function; its own report says why", source.span(0, 0), fatal=False))
    _read_body(document, Text.verbatim(source.text, source, 0))
    return document


def looks_like_template(root: Node) -> bool:
    """An SK prompt template config; never LangChain's (`_type`, `input_variables` as a list of names)."""
    if root.kind != "mapping" or root.get("messages") is not None or root.get("_type") is not None:
        return False
    template, inputs, template_format = root.get("template"), root.get("input_variables"), root.get("template_format")
    if template is None or template.string() is None:
        return False
    if inputs is not None and (inputs.kind != "sequence" or any(item.kind != "mapping" for item in inputs.elements())):
        return False
    sk_format = template_format is not None and template_format.string() in ("semantic-kernel", "handlebars", "liquid")
    return sk_format or (inputs is not None and bool(inputs.elements()))


def read_template(source: SourceFile, root: Node, problems: list[Problem] | None = None) -> Document:
    """A prompt template config (`*.prompt.yaml`, `*.yaml`): the template and its variables in one file."""
    document = Document(source=source, format="semantic-kernel", root=root, declares_variables=True,
                        problems=list(problems or ()), role_markers_strict=True)
    document.template_syntax = _syntax(root, document.problems, report=True)
    document.metadata.id = root.get("name")
    document.metadata.description = root.get("description")
    document.metadata.model = _model(root)
    _read_variables(document, root, None)
    template = root.get("template")
    if template is not None and template.text is not None:
        _read_body(document, template.text)
    return document


def recognise_config(source: SourceFile, root: Node) -> Document | None:
    """A function's `config.json`: beside an `skprompt.txt`, or unmistakably SK's by its keys."""
    beside_prompt = source.path.name == CONFIG_FILE and PROMPT_FILE in companion_names(source)
    if not beside_prompt and not _looks_like_config(root):
        return None
    document = Document(source=source, format="semantic-kernel", template_syntax="none", root=root)
    if root.kind != "mapping":
        document.problems.append(Problem(
            f"a Semantic Kernel {CONFIG_FILE} must be a JSON object (schema, description, execution_settings, "
            "input_variables)", root.span, fatal=False))
        return document
    schema = root.get("schema")
    if schema is not None and (not isinstance(schema.value, int) or isinstance(schema.value, bool)):
        document.problems.append(Problem("'schema' must be a number (the config format's version)", schema.span,
                                         fatal=False))
    document.metadata.description = root.get("description")
    document.metadata.model = _model(root)
    _syntax(root, document.problems, report=True)
    _read_variables(document, root, None)
    document.declares_variables = False  # it has no template of its own: uses are checked in skprompt.txt
    return document


def recognise_template(source: SourceFile, root: Node) -> Document | None:
    return read_template(source, root) if looks_like_template(root) else None


def _looks_like_config(root: Node) -> bool:
    if root.kind != "mapping" or root.get("template") is not None:
        return False
    schema = root.get("schema")
    if schema is None or not isinstance(schema.value, int) or isinstance(schema.value, bool):
        return False
    return any(node.kind != "scalar" for key in _CONFIG_KEYS if (node := root.get(key)) is not None)


def _syntax(root: Node, problems: list[Problem], report: bool) -> TemplateSyntax:
    node = root.get("template_format") if root.kind == "mapping" else None
    name = node.string() if node is not None else None
    if node is None or name is None:
        return "semantic-kernel"
    if name not in SYNTAX_BY_FORMAT and report:
        problems.append(Problem(
            f"unknown template_format '{name}': Semantic Kernel knows {', '.join(SYNTAX_BY_FORMAT)}; read as its "
            "own syntax", node.span, fatal=False))
    return SYNTAX_BY_FORMAT.get(name, "semantic-kernel")


def _model(root: Node) -> Node | None:
    """The `model_id` of the default execution settings (or of the first that names one)."""
    settings = root.get("execution_settings") or root.get("completion")
    if settings is None:
        return None
    found = settings.get("model_id")
    candidates = [settings.get("default"), *(value for _key, value in settings.items())]
    for candidate in candidates:
        if found is None and candidate is not None:
            found = candidate.get("model_id")
    return found


def _flag(node: Node | None, problems: list[Problem]) -> bool:
    flag = node.get("allow_dangerously_set_content") if node is not None else None
    if flag is not None and not isinstance(flag.value, bool):
        problems.append(Problem("'allow_dangerously_set_content' must be true or false", flag.span, fatal=False))
        return False
    return flag is not None and flag.value is True


def _read_variables(document: Document, root: Node, config: SourceFile | None) -> None:
    """`input_variables: [{name, description, default, is_required, allow_dangerously_set_content}]`
    (or the first schema's `input.parameters`); `config` is the file that declares them when it is
    not the document itself. Problems in another file are reported there, not here."""
    problems: list[Problem] = document.problems if config is None else []
    unencoded = _flag(root, problems)  # for every value, declared or not
    document.role_markers_strict = not unencoded
    inputs = root.get("input_variables")
    if inputs is None:
        legacy = root.get("input")
        inputs = legacy.get("parameters") if legacy is not None else None
    if inputs is None:
        return
    if inputs.kind != "sequence":
        problems.append(Problem("'input_variables' must be a list of {name, description, ...}", inputs.span,
                                fatal=False))
        return
    document.declares_variables = True
    for item in inputs.elements():
        name = item.get("name")
        if name is None or not name.string():
            problems.append(Problem("an input variable needs a 'name'", item.span, fatal=False))
            continue
        description = item.get("description")
        span = name.text.span() if name.text is not None else name.span  # the name, not its JSON quotes
        document.variables.setdefault(name.string() or "", Variable(
            name.string() or "", span, description=description.string() if description is not None else None,
            source=config, encoded=not (unencoded or _flag(item, problems))))


def _read_body(document: Document, body: Text) -> None:
    template = scan_template(body, document.template_syntax)
    document.problems.extend(template.problems)
    pieces = _pieces(body, document.problems)
    # each message's share of the one scan, found by source offset (pieces are in order and apart)
    bounds = [(body.offset(piece[3]), body.span(piece[3], piece[4]).end) for piece in pieces]
    starts = [start for start, _end in bounds]

    def piece_of(offset: int) -> int | None:
        found = bisect.bisect_right(starts, offset) - 1
        return found if found >= 0 and offset < bounds[found][1] else None

    parts = [Template(locals=set(template.locals)) for _piece in pieces]
    for use in template.uses:
        found = piece_of(use.tag_span.start)
        if found is None:
            document.other_uses.append(use)
        else:
            parts[found].uses.append(dataclasses.replace(use, message_index=found))
    for use, roots in template.derived:
        found = piece_of(use.tag_span.start)
        if found is not None:
            parts[found].derived.append((dataclasses.replace(use, message_index=found), roots))
    for span in template.comments:
        found = piece_of(span.start)
        if found is not None:
            parts[found].comments.append(span)
    for index, (role, start, end, whole_start, whole_end, role_span) in enumerate(pieces):
        role_at = body.span(*role_span) if role_span is not None else None
        document.messages.append(Message(index, role, body.slice(start, end), body.span(whole_start, whole_end),
                                         role_at, parts[index]))


Piece = tuple[str, int, int, int, int, tuple[int, int] | None]  # role, text, whole message, role value


def _pieces(body: Text, problems: list[Problem]) -> list[Piece]:
    value = body.value
    whole: list[Piece] = [("user", 0, len(value), 0, len(value), None)]
    tags: list[Piece] = []
    position = 0
    while (opening := _MESSAGE_OPEN.search(value, position)) is not None:
        role = _ROLE_ATTRIBUTE.search(opening.group("attributes"))
        closing = None if opening.group("empty") else _MESSAGE_CLOSE.search(value, opening.end())
        if closing is None and not opening.group("empty"):
            problems.append(Problem("<message> is never closed with </message>: Semantic Kernel then sends the "
                                    "whole prompt as one user message, tags included",
                                    body.span(opening.start(), opening.end()), fatal=False))
            return whole
        inner_end = closing.start() if closing is not None else opening.end()
        end = closing.end() if closing is not None else opening.end()
        if role is None:
            problems.append(Problem("<message> without a role attribute: Semantic Kernel drops it",
                                    body.span(opening.start(), opening.end()), fatal=False))
        else:
            group = "double" if role.group("double") is not None else "single"
            base = opening.start("attributes")
            tags.append((role.group(group), opening.end(), inner_end, opening.start(), end,
                         (base + role.start(group), base + role.end(group))))
        position = end
    if not tags:
        return whole
    error = _xml_error(value)
    if error is not None:
        message, offset = error
        problems.append(Problem(f"Semantic Kernel reads <message> tags as XML, and this text is not well-formed "
                                f"({message}): it sends the whole prompt as one user message, tags included",
                                body.span(offset, offset), fatal=False))
        return whole
    pieces: list[Piece] = []
    previous_end = 0
    for tag in tags:
        pieces.extend(_outside(value, previous_end, tag[3]))
        pieces.append(tag)
        previous_end = tag[4]
    pieces.extend(_outside(value, previous_end, len(value)))
    return pieces


def _outside(value: str, start: int, end: int) -> list[Piece]:
    """The text between message tags as a message, when it renders any: system before the first tag."""
    gap = value[start:end]
    if not _renders_text(gap):
        return []
    first, last = start + len(gap) - len(gap.lstrip()), end - (len(gap) - len(gap.rstrip()))
    return [("system" if start == 0 else "user", first, last, first, last, None)]


def _xml_error(value: str) -> tuple[str, int] | None:
    """Why the text, with template tags blanked (they render to encoded values), is not XML, and where."""
    characters = list(value)
    for start, end in _template_tags(value):
        characters[start:end] = re.sub(r"[^\r\n]", " ", value[start:end])
    blanked = "".join(characters)
    try:
        ElementTree.fromstring(f"<root>{blanked}</root>")
    except ElementTree.ParseError as error:
        line, column = error.position  # 1-based line (any line break counts), 0-based column in characters
        starts = [0, *(match.end() for match in LINE_BREAK.finditer(f"<root>{blanked}"))]
        offset = starts[min(line, len(starts)) - 1] + column - len("<root>")
        return str(error).split(":")[0], max(0, min(offset, len(value)))
    return None


def read_semantic_kernel(source: SourceFile) -> Document:
    """Any SK file the configuration maps to this format: a template config by its data, else template text."""
    if source.path.name.lower().endswith((".json", ".yaml", ".yml")):
        root, problems = load_json(source) if source.path.name.lower().endswith(".json") else load_yaml(source)
        if root is None or any(problem.fatal for problem in problems):
            return Document(source=source, format=None, problems=problems)
        if root.kind == "mapping" and root.get("template") is not None:
            return read_template(source, root, problems)
        document = recognise_config(source, root) or Document(source=source, format=None)
        document.problems[:0] = problems
        return document
    return read_skprompt(source)


def _template_tags(value: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `{{ }}`, `{% %}` and `{# #}`, in linear time: an opener with no closer ends the scan."""
    position = 0
    while (opening := _TAG_OPEN.search(value, position)) is not None:
        end = value.find(_CLOSERS[opening.group()], opening.end())
        if end == -1:
            return
        yield opening.start(), end + 2
        position = end + 2


def _renders_text(gap: str) -> bool:
    """Whether text between message tags holds more than blanks and tags that render nothing."""
    kept, position = [], 0
    for start, end in _template_tags(gap):
        kept.append(gap[position:start])
        if not _SILENT_TAG.match(gap, start):
            kept.append(gap[start:end])
        position = end
    kept.append(gap[position:])
    return bool("".join(kept).strip())
