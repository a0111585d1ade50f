"""Every located string of a document, once: the texts a model receives (`prompt_texts`) and
every other string scalar of the file's data (variable defaults, tool `default`/`examples`/
`enum`, model configuration, metadata). Comments are not strings: they reach no model.

The secret rules look at all of it: a key in a variable default or in the model configuration
is committed to git just as one in a message. The personal-data and endpoint rules skip what
only configures the client or describes the file (`configuration`), which no model reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.model import Document, Node, Text, per_document
from promptlint.positions import prompt_texts

# JSON Schema keys whose strings are values of the property that holds them: a `default` under
# `api_key` is assigned to `api_key`
VALUE_KEYS = frozenset({"default", "const", "example", "examples", "enum"})
# Top-level keys of prompt formats (native, Prompty, Dotprompt, Markdown) that configure the client
# or describe the file (authors, metadata, changelog): no model reads them, so an e-mail or an
# endpoint there is not in a prompt; a key there is still in git, so the secret rules look anyway
CONFIGURATION_KEYS = frozenset({"model", "config", "configuration", "authors", "author", "maintainers", "owners",
                                "owner", "metadata", "changelog"})
PROMPT_FORMATS = frozenset({"native", "prompty", "dotprompt", "markdown"})


@dataclass(frozen=True)
class DocumentString:
    text: Text
    label: str | None  # a prompt text's own label ("the system message"); None: say where by `path`
    path: tuple[str | int, ...] = ()  # keys and indexes from the document's root
    name: str | None = None  # the key this value is assigned to (through `default`, `examples`, ...)
    configuration: bool = False  # under client configuration or authorship metadata, never sent to a model

    @property
    def where(self) -> str:
        """For messages: "the system message"; else "the value at 'variables.region.default'"."""
        return self.label if self.label is not None else f"the value at '{_dotted(self.path)}'"


@per_document
def document_strings(document: Document) -> list[DocumentString]:
    """Prompt texts first (they carry the better label), then the other string scalars, each
    source position once."""
    found: list[DocumentString] = []
    seen: set[int] = set()
    for item in prompt_texts(document):
        if item.text.value and item.text.offset(0) not in seen:
            seen.add(item.text.offset(0))
            found.append(DocumentString(item.text, item.where))
    if document.root is not None:
        front = document.format in PROMPT_FORMATS
        for path, node in _scalars(document.root, ()):
            text = node.text
            if text is None or not text.value or text.offset(0) in seen:
                continue
            seen.add(text.offset(0))
            configuration = front and bool(path) and isinstance(path[0], str) and (
                path[0] in CONFIGURATION_KEYS or path[0].startswith("x-"))
            if document.format == "mcp-server":
                # a server manifest configures a client: only its description is read by people and models
                configuration = path not in (("description",), ("about", "description"))
            found.append(DocumentString(text, None, path, _assigned_name(document.root, path), configuration))
    return found


def _scalars(node: Node, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Node]]:
    stack: list[tuple[tuple[str | int, ...], Node]] = [(path, node)]
    while stack:
        path, node = stack.pop()
        if node.kind == "scalar":
            yield path, node
        elif node.kind == "mapping":
            stack.extend(reversed([((*path, key), child) for key, child in node.items()]))
        else:
            stack.extend(reversed([((*path, index), child) for index, child in enumerate(node.elements())]))


def _assigned_name(root: Node, path: tuple[str | int, ...]) -> str | None:
    """The name a value is assigned to: its key, the key above `default`/`examples`/..., or the
    `name` beside it (`environmentVariables: [{name: DB_PASSWORD, default: ...}]`)."""
    if path and path[-1] in VALUE_KEYS | {"value"}:
        holder: Node | None = root
        for part in path[:-1]:
            if holder is None:
                break
            holder = holder.get(part) if isinstance(part, str) else (
                holder.elements()[part] if holder.kind == "sequence" and part < len(holder.elements()) else None)
        name = holder.get("name") if holder is not None else None
        if name is not None and name.string():
            return name.string()
    for part in reversed(path):
        if isinstance(part, str) and part not in VALUE_KEYS:
            return part
    return None


def _dotted(path: tuple[str | int, ...]) -> str:
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if shown else part)
    return shown or "(root)"
