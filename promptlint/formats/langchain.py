"""LangChain serialized prompts (`.json` / `.yaml`, as `load_prompt` reads them).

Recognised by `_type: prompt | chat | few_shot`, or, without `_type` (the loader defaults to
`prompt`), by a `template` beside `input_variables` given as a list of strings (Semantic
Kernel's YAML lists mappings there).

- `prompt`: `template` is one user message: a chat model receives a PromptTemplate's text as
  a human message.
- `chat`: `template` or `messages` as a list of `{role, content}`, or of message prompt
  templates `{prompt: {template, ...}}` whose role comes from `role`, `_type` or the class name
  (`HumanMessagePromptTemplate`, or `id: [..., "SystemMessagePromptTemplate"]` in `lc`
  serialization); human -> user, ai -> assistant. A `MessagesPlaceholder` is a use of its
  variable, outside any message.
- `few_shot`: LangChain joins prefix, every example rendered through `example_prompt`, and
  suffix into one string. Each is a located text of its own here, so each is a user message
  (prefix, example template, suffix, in that order). The example template's variables are
  filled from `examples` (inline data or a file in the repository), not by the caller: they are
  declared trusted. Inline example values are data, never scanned as templates.

Variables: `input_variables` (each located at its list item), `partial_variables` (their
values are in the file: trusted). `template_format` picks the syntax: f-string (the default),
jinja2 (Jinja) or mustache (Handlebars); a nested prompt may name its own. `*_path` keys and an
`examples` file name are references to other files, which are linted on their own; a file whose
template, prefix or suffix is elsewhere is not checked against its declarations (it cannot see them all).
"""

from __future__ import annotations

from typing import Literal

from promptlint.model import Document, Message, Node, Problem, SourceFile, TemplateSyntax, Variable, VariableUse
from promptlint.templates import scan_template

TYPES = frozenset({"prompt", "chat", "few_shot"})
SYNTAX: dict[str, TemplateSyntax] = {"f-string": "f-string", "jinja2": "jinja", "mustache": "handlebars"}
ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant", "system": "system",
         "developer": "developer", "tool": "tool", "function": "function"}
_CLASS_SUFFIXES = ("messageprompttemplate", "message", "prompttemplate")
Trust = Literal["trusted", "untrusted", "unknown"]


def looks_like_langchain(root: Node) -> bool:
    if root.kind != "mapping":
        return False
    kind = root.get("_type")
    if kind is not None:
        return kind.string() in TYPES
    inputs = root.get("input_variables")
    template = root.get("template")
    template_format = root.get("template_format")
    return (inputs is not None and inputs.kind == "sequence"
            and all(item.string() is not None for item in inputs.elements())
            and template is not None and template.kind in ("scalar", "sequence")
            and (template_format is None or template_format.string() in SYNTAX))


def read_langchain(source: SourceFile, root: Node) -> Document | None:
    if not looks_like_langchain(root):
        return None
    syntax, problem = _syntax(root, "f-string")
    # a template read from another file uses variables this one cannot see: no "unused" guesses
    elsewhere = any(root.get(f"{key}_path") is not None for key in ("template", "prefix", "suffix"))
    document = Document(source=source, format="langchain", root=root, template_syntax=syntax,
                        declares_variables=not elsewhere)
    if problem is not None:
        document.problems.append(problem)
    _declare(document, root)
    kind_node = root.get("_type")
    kind = kind_node.string() if kind_node is not None else "prompt"
    items = root.get("messages") or root.get("template")
    if kind == "few_shot":
        _read_few_shot(document, root)
    elif items is not None and items.kind == "sequence":
        _read_chat(document, items)
    else:
        _add_message(document, "user", root.get("template"), None, syntax)
    for message in document.messages:
        document.problems.extend(message.template.problems)
    return document


def _syntax(config: Node, default: TemplateSyntax) -> tuple[TemplateSyntax, Problem | None]:
    node = config.get("template_format")
    name = node.string() if node is not None else None
    if node is None or name is None:
        return default, None
    if name in SYNTAX:
        return SYNTAX[name], None
    return "none", Problem(f"template_format '{name}' is not one LangChain knows (f-string, jinja2, mustache); "
                           "its templates are not checked", node.span, fatal=False)


def _declare(document: Document, config: Node, trust: Trust = "unknown", description: str | None = None) -> None:
    inputs = config.get("input_variables")
    for item in inputs.elements() if inputs is not None else ():
        name = item.string()
        if name:
            document.variables.setdefault(name, Variable(name, item.span, trust, description=description))
    partials = config.get("partial_variables")
    for name, value in partials.items() if partials is not None else ():
        document.variables.setdefault(name, Variable(name, value.key_span or value.span, "trusted",
                                                     description="a partial variable: its value is in the file"))


def _add_message(document: Document, role: str, node: Node | None, role_node: Node | None,
                 syntax: TemplateSyntax, whole: Node | None = None) -> None:
    """One message per text of `node`: a string, or the text parts of a content list."""
    if node is None:
        return
    texts = [node.text] if node.text is not None else [
        part.text for item in node.elements() if (part := item.get("text")) is not None and part.text is not None]
    for text in texts:
        index = len(document.messages)
        document.messages.append(Message(index, role, text, (whole or node).span,
                                         role_node.span if role_node is not None else None,
                                         scan_template(text, syntax, index)))


def _read_few_shot(document: Document, root: Node) -> None:
    syntax = document.template_syntax
    _add_message(document, "user", root.get("prefix"), None, syntax)
    example = root.get("example_prompt")
    if example is not None and example.kind == "mapping":
        example_syntax, problem = _syntax(example, syntax)
        if problem is not None:
            document.problems.append(problem)
        _declare(document, example, "trusted", "filled from the few-shot examples, not by the caller")
        _add_message(document, "user", example.get("template"), None, example_syntax)
    _add_message(document, "user", root.get("suffix"), None, syntax)


def _read_chat(document: Document, items: Node) -> None:
    for item in items.elements():
        if item.kind != "mapping":
            continue
        config = item.get("kwargs") if item.get("lc") is not None else item  # `lc` serialization
        if config is None or config.kind != "mapping":
            continue
        variable_name = config.get("variable_name")
        if variable_name is not None and variable_name.text is not None:  # MessagesPlaceholder
            name = variable_name.text.value
            document.other_uses.append(VariableUse(name, variable_name.text.span(), item.span, None))
            continue
        role_node, role = _role(item, config)
        prompt = config.get("prompt")
        if prompt is not None and prompt.kind == "mapping":
            if prompt.get("lc") is not None:
                prompt = prompt.get("kwargs") or prompt
            syntax, problem = _syntax(prompt, document.template_syntax)
            if problem is not None:
                document.problems.append(problem)
            _declare(document, prompt)
            _add_message(document, role, prompt.get("template"), role_node, syntax, item)
        else:
            _add_message(document, role, config.get("content"), role_node, document.template_syntax, item)


def _role(item: Node, config: Node) -> tuple[Node | None, str]:
    """The role a chat entry states, as chat APIs name it ("user" when it states none)."""
    for node in (config.get("role"), item.get("_type"), config.get("_type")):
        if node is not None and node.string():
            return node, _role_name(node.string() or "")
    class_path = item.get("id")
    if class_path is not None and class_path.elements() and class_path.elements()[-1].string():
        last = class_path.elements()[-1]
        return last, _role_name(last.string() or "")
    return None, "user"


def _role_name(name: str) -> str:
    lowered = name.lower()
    for suffix in _CLASS_SUFFIXES:
        if lowered.endswith(suffix) and lowered != suffix:
            lowered = lowered.removesuffix(suffix)
            break
    lowered = lowered.rstrip("_")
    return ROLES.get(lowered, lowered or "user")
