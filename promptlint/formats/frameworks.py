"""The framework file shapes that `.json` / `.yaml` files are recognised by, in the order they
are tried (the first recogniser that returns a Document wins; see `data.py`).

Adding a framework format means writing its reader module and adding its recogniser here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptlint.formats.dotprompt import read_dotprompt_spec
from promptlint.formats.langchain import read_langchain
from promptlint.formats.mcp_server import read_mcp_server
from promptlint.formats.promptflow import read_flow
from promptlint.formats.promptfoo_config import read_promptfoo
from promptlint.formats.semantic_kernel import recognise_config, recognise_template
from promptlint.formats.smolagents import read_smolagents
from promptlint.formats.template_files import read_companion_message

if TYPE_CHECKING:
    from promptlint.formats.data import Recogniser

FRAMEWORK_RECOGNISERS: list[Recogniser] = [
    read_companion_message,  # a file a promptfoo config sends as a message: its text is the message
    read_flow,
    read_dotprompt_spec,
    read_smolagents,
    recognise_config,  # Semantic Kernel's config.json (beside skprompt.txt, or by its keys)
    recognise_template,  # Semantic Kernel's YAML/JSON prompt templates (not LangChain's)
    read_langchain,  # `_type: prompt | chat | few_shot`, or `input_variables` listing names beside `template`
    read_promptfoo,  # promptfooconfig.yaml, or `prompts` beside `providers`
    read_mcp_server,  # the MCP registry's server.json, docker's server.yaml
]
