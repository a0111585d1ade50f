"""promptfoo configuration (`promptfooconfig.yaml` / `.yml` / `.json`, or any data file with
both `prompts` and `providers`).

- `prompts`: a string is a raw prompt, sent as one user message; `{raw, label}` likewise;
  `{label, messages: [{role, content}]}` gives each inline content its role. A `file://` value
  (or a bare file name such as `prompts.txt`) is a reference: the file is linted on its own,
  with the role this config gives it (`promptfoo_role_of`).
- `providers[].config.tools` (and legacy `functions`): OpenAI or Anthropic tool objects.
- `tests[].vars` and `defaultTest.vars` are test data, not messages; like every string of the
  file they are still seen by the secret and hidden-character rules.

Templates are Nunjucks, scanned as Jinja. promptfoo has no place to declare variables.
"""

from __future__ import annotations

import re

from promptlint.formats.companions import companion_data
from promptlint.formats.tools import tools_from_list
from promptlint.model import Document, Message, Node, SourceFile
from promptlint.templates import scan_template

CONFIG_NAMES = ("promptfooconfig.yaml", "promptfooconfig.yml", "promptfooconfig.json")
# what promptfoo reads as a path rather than a prompt: `file://x`, or one word ending in a file suffix
_FILE_REFERENCE = re.compile(
    r"file://.*|\S+\.(?:txt|json|jsonl|ya?ml|j2|jinja2?|njk|md|py|js|cjs|mjs|ts|csv)(?::\w+)?", re.S | re.I)


def looks_like_promptfoo(source: SourceFile, root: Node) -> bool:
    if root.kind != "mapping":
        return False
    if source.path.name in CONFIG_NAMES:
        return True
    return root.get("prompts") is not None and root.get("providers") is not None


def read_promptfoo(source: SourceFile, root: Node) -> Document | None:
    if not looks_like_promptfoo(source, root):
        return None
    document = Document(source=source, format="promptfoo", root=root, template_syntax="jinja")
    prompts = root.get("prompts")
    for item in _elements(prompts):
        if item.kind == "scalar":
            _add(document, "user", item, None, item)
        elif item.kind == "mapping":
            _add(document, "user", item.get("raw"), None, item)
            messages = item.get("messages")
            for entry in messages.elements() if messages is not None else ():
                role = entry.get("role")
                if role is not None and role.string():
                    _add(document, role.string() or "", entry.get("content"), role, entry)
    for provider in _elements(root.get("providers")):
        config = provider.get("config") if provider.kind == "mapping" else None
        if config is not None:
            document.tools.extend(tools_from_list(config.get("tools")))
            document.tools.extend(tools_from_list(config.get("functions")))
    for message in document.messages:
        document.problems.extend(message.template.problems)
    return document


def _elements(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return node.elements() if node.kind == "sequence" else [node] if node.kind == "scalar" else []


def _add(document: Document, role: str, content: Node | None, role_node: Node | None, whole: Node) -> None:
    """A message from inline text; a file reference adds none (the file is read on its own)."""
    if content is None or content.text is None or is_file_reference(content.text.value):
        return
    index = len(document.messages)
    document.messages.append(Message(index, role, content.text, whole.span,
                                     role_node.span if role_node is not None else None,
                                     scan_template(content.text, document.template_syntax, index)))


def is_file_reference(value: str) -> bool:
    return _FILE_REFERENCE.fullmatch(value.strip()) is not None


def promptfoo_role_of(source: SourceFile) -> str | None:
    """The role a promptfoo config in the same folder gives this file, through a
    `messages: [{role, content: file://<its name>}]` entry; None when none does."""
    name = source.path.name
    for config_name in CONFIG_NAMES[:2]:
        found = companion_data(source, config_name)
        if found is None:
            continue
        _config, root = found
        for item in _elements(root.get("prompts")) if root.kind == "mapping" else ():
            messages = item.get("messages") if item.kind == "mapping" else None
            for message in messages.elements() if messages is not None else ():
                role, content = message.get("role"), message.get("content")
                reference = content.string() if content is not None else None
                if role is not None and role.string() and reference is not None \
                        and _names_file(reference, name):
                    return role.string()
    return None


def _names_file(reference: str, name: str) -> bool:
    path = reference.strip().removeprefix("file://")
    return path in (name, f"./{name}")
