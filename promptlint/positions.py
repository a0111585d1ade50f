"""Where text sits, and how much authority the model gives it: one shared analysis.

Every located text a model receives from a document, with its position:

- `privileged`: obeyed as instructions: system and developer messages, the system part of
  Prompty and Dotprompt, the whole body of an agent instruction file, tool names, tool and
  parameter descriptions, output-schema descriptions;
- `model`: the model's own voice: assistant turns (few-shot examples, prefill);
- `user`: user turns;
- `data`: tool results and other data turns.

Rules ask `prompt_texts(document)` (cached per document through the check context) and
never look at a format's syntax.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from promptlint.model import Document, Message, Text, Tool, per_document
from promptlint.selectors import tool_parameters

Position = Literal["privileged", "model", "user", "data"]
PRIVILEGED_ROLES = frozenset({"system", "developer"})
MODEL_ROLES = frozenset({"assistant", "model"})
DATA_ROLES = frozenset({"tool", "function", "ipython"})


@dataclass(frozen=True)
class PromptText:
    text: Text
    position: Position
    where: str  # for messages: "the system message"; "the description of tool 'search'"
    message: Message | None = None
    tool: Tool | None = None


def message_position(role: str) -> Position:
    role = role.lower()
    if role in PRIVILEGED_ROLES:
        return "privileged"
    if role in MODEL_ROLES:
        return "model"
    if role in DATA_ROLES:
        return "data"
    return "user"


@per_document
def prompt_texts(document: Document) -> list[PromptText]:
    """Messages, then tool texts, then output-schema descriptions, in document order each."""
    texts = [PromptText(message.text, message_position(message.role), message.label, message)
             for message in document.messages]
    for tool in document.tools:
        texts.extend(_tool_texts(tool))
    if document.output is not None:
        for _name, schema in tool_parameters(document.output.schema):
            description = schema.get("description")
            if description is not None and description.text is not None:
                texts.append(PromptText(description.text, "privileged", "an output-schema description"))
    return texts


def _tool_texts(tool: Tool) -> Iterator[PromptText]:
    label = f"tool '{tool.name}'" if tool.name else "a tool"
    if tool.name_text is not None:
        yield PromptText(tool.name_text, "privileged", f"the name of {label}", tool=tool)
    if tool.description is not None:
        yield PromptText(tool.description, "privileged", f"the description of {label}", tool=tool)
    if tool.parameters is not None:
        for parameter, schema in tool_parameters(tool.parameters):
            description = schema.get("description")
            if description is not None and description.text is not None:
                yield PromptText(description.text, "privileged",
                                 f"the description of parameter '{parameter}' of {label}", tool=tool)
