"""Standalone template files: Jinja (`*.j2`, `*.jinja`, `*.jinja2`), Mustache and Handlebars
(`*.mustache`, `*.hbs`) and plain prompt text (`*.prompt.txt`, `prompts.txt`, `.txt` under a
`prompts/` folder), as promptflow, OpenHands, azure-search-openai-demo and promptfoo keep them.

Template suffixes are also used for web pages and configuration (Ansible's `nginx.conf.j2`), so
a template is a prompt only on evidence: its path (a `prompts/` folder, a name that says
`prompt` or `system`), promptflow role lines in the text, or a companion that names it (a
`flow.dag.yaml` node, a promptfoo config). The role of each message comes from evidence too:
promptflow's `# system:` / `# user:` lines split messages; a companion that assigns the file a
role; a file named or filed as `system`; otherwise the role is "unknown" and rules that need it
say so. Variables have no declarations here unless a promptflow node wires them; their trust
comes from the configuration and inference.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from promptlint.formats.companions import companion_data, companion_names, companion_source
from promptlint.formats.promptfoo_config import promptfoo_role_of
from promptlint.inputs import note_file
from promptlint.model import (
    UNKNOWN_ROLE,
    Document,
    Message,
    Node,
    SourceFile,
    Template,
    TemplateSyntax,
    Text,
    Variable,
)
from promptlint.templates import scan_template

JINJA_SUFFIXES = (".j2", ".jinja", ".jinja2", ".njk", ".liquid")
HANDLEBARS_SUFFIXES = (".mustache", ".hbs", ".handlebars")
TEMPLATE_SUFFIXES = JINJA_SUFFIXES + HANDLEBARS_SUFFIXES
PROMPT_FOLDERS = frozenset({"prompts", "prompt", "prompt_templates", "prompt-templates", "system_prompts"})
# names of other things that live in prompt folders
_NOT_PROMPTS = re.compile(r"^(readme|license|licence|changelog|requirements|notice|copying)\b", re.I)
# promptflow's role lines: `# system:` alone on its line (also `# function:` results and `# tool:`)
ROLE_LINE = re.compile(r"^[ \t]*#[ \t]*(system|user|assistant|function|tool|developer)[ \t]*:[ \t]*$",
                       re.M | re.I)
_NAME_WORDS = re.compile(r"[A-Za-z]+")
# a template that renders another kind of file: its name carries that file's suffix before the template's
_RENDERS_OTHER = re.compile(r"\.(?:conf|cfg|ini|ya?ml|json|xml|html?|sh|bash|py|service|timer|socket|toml|env|"
                            r"properties|sql|js|ts|css|rules|repo|list|cnf|tf|hcl|j2)\.[A-Za-z0-9]+$", re.I)
_FLOW_FILES = ("flow.dag.yaml", "flow.dag.yml")
_PROMPTFOO_CONFIGS = ("promptfooconfig.yaml", "promptfooconfig.yml")
# a promptflow LLM node's inputs that configure the call, not the template
LLM_PARAMETERS = frozenset({
    "deployment_name", "model", "temperature", "top_p", "stop", "max_tokens", "max_completion_tokens",
    "presence_penalty", "frequency_penalty", "logit_bias", "functions", "function_call", "tools", "tool_choice",
    "response_format", "seed", "n", "best_of", "echo", "suffix", "logprobs", "user", "detail",
})


def is_template_path(name: str, folders: tuple[str, ...]) -> bool:
    """Whether a file's path makes it a candidate standalone prompt template (the reader decides)."""
    lowered = name.lower()
    if lowered.endswith(TEMPLATE_SUFFIXES):
        return True
    if not lowered.endswith(".txt") or _NOT_PROMPTS.match(name) or lowered == "skprompt.txt":
        return False
    return "prompt" in lowered or any(folder.lower() in PROMPT_FOLDERS for folder in folders)


def syntax_of(name: str) -> TemplateSyntax:
    return "handlebars" if name.lower().endswith(HANDLEBARS_SUFFIXES) else "jinja"


def read_template_file(source: SourceFile, require_evidence: bool = True) -> Document | None:
    """The template as a Document; None when nothing marks it as a prompt (unless the
    configuration's `formats:` says it is one: `require_evidence=False`)."""
    name = source.path.name
    folders = tuple(source.display_path.split("/")[:-1])
    text = Text.verbatim(source.text, source, 0)
    flow = _flow_node(source)
    role = promptfoo_role_of(source)
    marked = ROLE_LINE.search(source.text) is not None
    by_path = "prompt" in name.lower() or any(folder.lower() in PROMPT_FOLDERS for folder in folders) \
        or name.lower().endswith((".prompt.txt",))
    named_role = _role_from_path(name, folders)
    if named_role == UNKNOWN_ROLE:
        named_role = _role_from_includers(source) or UNKNOWN_ROLE
    # a role word in the name of a rendered configuration file (`system.conf.j2`) says nothing
    named = named_role != UNKNOWN_ROLE and not _RENDERS_OTHER.search(name)
    evidence = by_path or marked or flow is not None or role is not None or named or name.lower().endswith(".txt")
    if require_evidence and not evidence:
        return None  # a template nothing marks as a prompt: a web page or a configuration file
    syntax = syntax_of(name)
    document = Document(source=source, format="template", template_syntax=syntax)
    if marked:
        document.messages = _split_role_lines(text, syntax)
    else:
        whole_role = role or named_role
        pieces = _promptfoo_pieces(text) if _is_promptfoo_list(source) else [text]
        for piece in pieces:
            index = len(document.messages)
            document.messages.append(Message(index, whole_role, piece, piece.span(), None,
                                             scan_template(piece, syntax, index)))
    for message in document.messages:
        document.problems.extend(message.template.problems)
    if flow is not None:
        _wire_flow_inputs(document, *flow)
    return document


def read_companion_message(source: SourceFile, _root: Node) -> Document | None:
    """A JSON or YAML file a promptfoo config beside it sends as a message's content: promptfoo
    renders the file's text as a template, so it is read as one, with the role the config gives."""
    if promptfoo_role_of(source) is None:
        return None
    return read_template_file(source)


def _split_role_lines(text: Text, syntax: TemplateSyntax) -> list[Message]:
    """Messages at promptflow's `# role:` lines; text before the first one is a system message
    (promptflow sends leading text without a marker as the system prompt).

    The runtime renders the whole text and splits it afterwards, so a loop may open in one
    message and run over several (`{% for item in history %}# user:{{ item.question }}...`):
    the text is scanned once, as a whole, and each use goes to the message it sits in."""
    value = text.value
    markers = list(ROLE_LINE.finditer(value))
    pieces: list[tuple[str, int, int, int | None]] = []
    if value[:markers[0].start()].strip():
        pieces.append(("system", 0, markers[0].start(), None))
    for number, marker in enumerate(markers):
        end = markers[number + 1].start() if number + 1 < len(markers) else len(value)
        pieces.append((marker.group(1).lower(), marker.end(), end, marker.start()))
    whole = scan_template(text, syntax)
    messages: list[Message] = []
    for role, start, end, marker_start in pieces:
        body = text.slice(start, end)
        if marker_start is not None and not body.value.strip():
            body = text.slice(marker_start, marker_start)
        index = len(messages)
        low, high = text.offset(marker_start if marker_start is not None else start), text.offset(end)
        role_span = text.span(marker_start, marker_start + len(value[marker_start:start].rstrip(": \t\r\n")) + 1) \
            if marker_start is not None else None
        template = Template(
            uses=[replace(use, message_index=index) for use in whole.uses if low <= use.tag_span.start < high],
            locals=whole.locals,
            derived=[(replace(use, message_index=index), roots) for use, roots in whole.derived
                     if low <= use.tag_span.start < high],
            comments=[span for span in whole.comments if low <= span.start < high],
            problems=whole.problems if index == 0 else [],  # reported once, where they are
        )
        messages.append(Message(index, role, body, text.span(marker_start if marker_start is not None else start,
                                                             end), role_span, template))
    return messages


def _role_from_path(name: str, folders: tuple[str, ...]) -> str:
    words = {word.lower() for word in _NAME_WORDS.findall(name.rsplit(".", 1)[0])}
    if "system" in words or (folders and folders[-1].lower() == "system"):
        return "system"
    if "user" in words or (folders and folders[-1].lower() == "user"):
        return "user"
    if "assistant" in words:
        return "assistant"
    return UNKNOWN_ROLE


_INCLUDE = re.compile(r"\{%-?\s*(?:include|extends|import|from)\s+(['\"])(?P<name>[^'\"]+)\1")


def _role_from_includers(source: SourceFile) -> str | None:
    """The role of the message that includes this template (`{% include "x.j2" %}` in a
    template of the same folder): an included part is read where it is included."""
    folder = source.path.parent
    try:
        key = (str(folder.absolute()), folder.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _INCLUDE_INDEX:
        if len(_INCLUDE_INDEX) > 256:
            _INCLUDE_INDEX.clear()
        _INCLUDE_INDEX[key] = _include_roles(source)
    for name in companion_names(source):  # the index is built from these, so the result depends on them
        if name.lower().endswith(JINJA_SUFFIXES):
            note_file(folder / name)
    return _INCLUDE_INDEX[key].get(source.path.name)


# (folder, its mtime) -> {included template name: the role it is included under}: each folder's
# templates are read once, however many of them ask
_INCLUDE_INDEX: dict[tuple[str, int], dict[str, str]] = {}


def _include_roles(source: SourceFile) -> dict[str, str]:
    roles: dict[str, str] = {}
    for other in sorted(companion_names(source)):
        if not other.lower().endswith(JINJA_SUFFIXES):
            continue
        includer = companion_source(source, other)
        if includer is None:
            continue
        for match in _INCLUDE.finditer(includer.text):
            included = match.group("name").rsplit("/", 1)[-1]
            if included == other or included in roles:
                continue
            markers = list(ROLE_LINE.finditer(includer.text, 0, match.start()))
            role = markers[-1].group(1).lower() if markers else _role_from_path(other, ())
            if role != UNKNOWN_ROLE:
                roles[included] = role
    return roles


def _is_promptfoo_list(source: SourceFile) -> bool:
    """promptfoo reads a `.txt` prompt file as several prompts separated by `---` lines."""
    if not source.path.name.lower().endswith(".txt"):
        return False
    return source.path.name == "prompts.txt" or any(
        companion_data(source, name) is not None for name in _PROMPTFOO_CONFIGS)


_SEPARATOR = re.compile(r"^---[ \t]*(?:\r\n?|\n|$)", re.M)


def _promptfoo_pieces(text: Text) -> list[Text]:
    pieces, start = [], 0
    for separator in _SEPARATOR.finditer(text.value):
        pieces.append(text.slice(start, separator.start()))
        start = separator.end()
    pieces.append(text.slice(start, len(text.value)))
    return [piece for piece in pieces if piece.value.strip()] or [text]


def _flow_node(source: SourceFile) -> tuple[SourceFile, Node, Node] | None:
    """The promptflow DAG beside the template and its LLM (or prompt) node that renders it."""
    for flow_name in _FLOW_FILES:
        found = companion_data(source, flow_name)
        if found is None:
            continue
        flow_source, root = found
        nodes = root.get("nodes")
        for node in nodes.elements() if nodes is not None else ():
            node_source = node.get("source")
            path = node_source.get("path") if node_source is not None else None
            if path is not None and path.string() == source.path.name:
                return flow_source, root, node
    return None


def _wire_flow_inputs(document: Document, flow_source: SourceFile, root: Node, node: Node) -> None:
    """A promptflow node passes its `inputs` to the template: they are its variables, and one
    wired from a chat input (`${inputs.question}` where the flow's `question` is the chat
    input) carries the end user's text."""
    inputs = node.get("inputs")
    flow_inputs = root.get("inputs")
    if inputs is None or inputs.kind != "mapping":
        return
    for name, value in inputs.items():
        if name in LLM_PARAMETERS:
            continue
        trust: Literal["trusted", "untrusted", "unknown"] = "unknown"
        bound = value.string() or ""
        match = re.fullmatch(r"\$\{inputs\.([A-Za-z_][\w]*)\}", bound.strip())
        if match and flow_inputs is not None:
            declared = flow_inputs.get(match.group(1))
            # the chat input is the end user's text; the history's trust is left to its name (a stored
            # conversation, replayed turn by turn)
            if declared is not None and _true(declared.get("is_chat_input")):
                trust = "untrusted"
        document.variables[name] = Variable(name, value.key_span or value.span, trust, source=flow_source)
    document.declares_variables = True


def _true(node: Node | None) -> bool:
    return node is not None and node.value is True
