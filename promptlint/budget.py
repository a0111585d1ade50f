"""The token budget of one document: what it sends to which model, counted offline.

Worst case = static tokens (every message of the composed layer stack, template tags removed)
+ chat overhead + tool definitions + each variable use's declared `max_tokens` + reserved
output. Computed once per document (`budget_analysis`) and shared by the PL4xx rules and the
`tokens` command.

Counting is lazy: each quantity has an exact count (loads an encoding) and an upper bound (the
UTF-8 byte length, see `tokens.upper_bound`); a rule asks for the bound first and counts
exactly only when the bound does not already settle the question.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptlint import tokens
from promptlint.model import Document, Message, Node, Span, TemplateSyntax, Tool
from promptlint.tokens import ModelInfo, ModelRegistry

if TYPE_CHECKING:
    from promptlint.config import Settings
    from promptlint.context import CheckContext
    from promptlint.provider import DocumentProvider

# OpenAI cookbook, "How to count tokens with tiktoken" (num_tokens_from_messages): every message
# costs 3 tokens of framing (<|start|>role ... <|end|>), and every reply is primed with 3
# (<|start|>assistant<|message|>); figures for gpt-3.5-turbo-0613 and later, gpt-4 and gpt-4o.
# Other providers frame messages differently; their counts are estimates anyway.
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING = 3

# OpenAI renders function definitions into the context in an undocumented internal format. The
# cookbook's num_tokens_for_tools approximates it: per function `func_init` + tokens of
# "name:description", per property `prop_key` + "name:type:description", per enum value
# `enum_item` + the value, plus `prop_init` per parameter list, `enum_init` per enum and
# `func_end` once. Its figures, by encoding (gpt-4o/mini for o200k, gpt-4/3.5 for cl100k):
TOOL_FIGURES = {
    "o200k_base": {"func_init": 7, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
    "cl100k_base": {"func_init": 10, "prop_init": 3, "prop_key": 3, "enum_init": -3, "enum_item": 3, "func_end": 12},
}
DEFAULT_RESERVE = 4096  # reserved output when the file sets no cap (capped at the model's maximum)
OUTPUT_KEYS = ("max_output_tokens", "max_completion_tokens", "max_tokens", "maxOutputTokens", "max_new_tokens")
CAP_FORMATS = ("native", "prompty", "dotprompt", "chat", "semantic-kernel")  # where a file can set an output cap

# template tags, which the model never sees (their values replace output tags)
_TAGS: dict[str, re.Pattern[str]] = {
    "jinja": re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S),
    "handlebars": re.compile(r"\{\{\{.*?\}\}\}|\{\{!--.*?--\}\}|\{\{.*?\}\}", re.S),
    "semantic-kernel": re.compile(r"\{\{.*?\}\}", re.S),
    "f-string": re.compile(r"(?<!\{)\{[^{}]*\}(?!\})"),
}
# output tags: they write a value (a variable, `now()`, a helper's result) into the text
_QUIET_TAG = re.compile(r"^\{\{\{?~?\s*(?:[#/^!>]|else\b)|^\{%|^\{#")


def static_text(text: str, syntax: TemplateSyntax) -> str:
    pattern = _TAGS.get(syntax)
    if pattern is None:
        return text
    stripped = pattern.sub("", text)
    return stripped.replace("{{", "{").replace("}}", "}") if syntax == "f-string" else stripped


def output_tags(text: str, syntax: TemplateSyntax) -> list[re.Match[str]]:
    pattern = _TAGS.get(syntax)
    return [] if pattern is None else [match for match in pattern.finditer(text)
                                       if not _QUIET_TAG.match(match.group())]


@dataclass(frozen=True)
class MessageText:
    label: str  # "the system message", or "parent layer base.prompt.yaml"
    role: str
    text: str  # what the model receives, tags removed
    span: Span | None  # None: a parent layer's message (in another file)
    path: str | None = None  # the parent's path


@dataclass(frozen=True)
class VariableBound:
    name: str
    max_tokens: int | None  # None: nothing bounds it
    uses: int
    span: Span  # its declaration in this file, else its first use
    declared_here: bool
    untrusted: bool
    trust_evidence: str

    @property
    def bound(self) -> int:
        return (self.max_tokens or 0) * self.uses


@dataclass(frozen=True)
class Dynamic:
    """The first value that changes per request, and the static text after it."""

    written: str
    span: Span
    message: Message
    after: str
    before: str  # static text of this file ahead of it


@dataclass(frozen=True)
class ToolText:
    name: str
    fixed: int  # tokens the provider's framing adds
    texts: tuple[str, ...]  # text counted with the encoding


@dataclass
class Budget:
    model: ModelInfo | None
    model_name: str | None  # as the file (or the configuration) writes it
    model_node: Node | None  # where this file names its model; None: configured, or in another file
    inline_window: bool  # the file declares the model's context window itself
    output: int | None  # the output cap the file sets
    output_node: Node | None
    messages: list[MessageText]
    parents: list[MessageText]
    tools: list[ToolText]
    variables: list[VariableBound]
    first_dynamic: Dynamic | None
    tool_span: Span | None = None
    _counts: dict[str, int] = field(default_factory=dict, repr=False)

    # ---- counting ----
    def count(self, text: str, exact: bool) -> int:
        """Tokens of `text` in the base encoding: exact, or the byte upper bound."""
        if not exact:
            return tokens.upper_bound(text)
        if text not in self._counts:
            encoding = self.model.encoding if self.model else tokens.DEFAULT_ESTIMATE_ENCODING
            self._counts[text] = tokens.count_tokens(text, encoding)
        return self._counts[text]

    def _in_model(self, base: int) -> int:
        return self.model.tokens(base) if self.model is not None else base

    def message_tokens(self, message: MessageText, exact: bool = True) -> int:
        return self._in_model(TOKENS_PER_MESSAGE + self.count(message.text, exact))

    def static(self, exact: bool = True, parents: bool = True) -> int:
        """Every message's static text with its framing, and the reply priming."""
        texts = [*self.parents, *self.messages] if parents else self.messages
        if not texts:
            return 0
        base = REPLY_PRIMING + sum(TOKENS_PER_MESSAGE + self.count(message.text, exact) for message in texts)
        return self._in_model(base)

    def system(self, exact: bool = True) -> int:
        texts = [message for message in [*self.parents, *self.messages] if message.role in ("system", "developer")]
        return self._in_model(sum(TOKENS_PER_MESSAGE + self.count(message.text, exact) for message in texts))

    def tool_tokens(self, exact: bool = True) -> int:
        if not self.tools:
            return 0
        base = sum(tool.fixed + sum(self.count(text, exact) for text in tool.texts) for tool in self.tools)
        figures = TOOL_FIGURES.get(self.model.encoding if self.model else "o200k_base", TOOL_FIGURES["o200k_base"])
        if self.model is None or self.model.provider != "anthropic":
            base += figures["func_end"]
        return self._in_model(base) + (self.model.tool_overhead if self.model else 0)

    def variable_tokens(self) -> int:
        return sum(variable.bound for variable in self.variables)

    def unbounded(self) -> list[VariableBound]:
        return [variable for variable in self.variables if variable.max_tokens is None]

    def reserve(self, default: int = DEFAULT_RESERVE) -> int:
        """Reserved output: the file's cap, else `default` capped at the model's maximum."""
        if self.output is not None:
            return self.output
        limit = self.model.max_output_tokens if self.model else None
        return min(default, limit) if limit else default

    def input_tokens(self, exact: bool = True) -> int:
        return self.static(exact) + self.tool_tokens(exact) + self.variable_tokens()

    def worst_case(self, exact: bool = True, default_reserve: int = DEFAULT_RESERVE) -> int:
        return self.input_tokens(exact) + self.reserve(default_reserve)

    def cacheable_prefix(self, exact: bool = True) -> int:
        """Tokens ahead of the first per-request value: tools, parent layers, then this file."""
        before = self.tool_tokens(exact) + self._in_model(sum(TOKENS_PER_MESSAGE + self.count(message.text, exact)
                                                              for message in self.parents))
        if self.first_dynamic is None:
            return before + self.static(exact, parents=False)
        dynamic = self.first_dynamic
        prior = [message for message in self.messages if message.span is not None
                 and message.span.start < dynamic.message.span.start]
        base = sum(TOKENS_PER_MESSAGE + self.count(message.text, exact) for message in prior)
        return before + self._in_model(base + TOKENS_PER_MESSAGE + self.count(dynamic.before, exact))

    def after_dynamic(self, exact: bool = True) -> int:
        return 0 if self.first_dynamic is None else self._in_model(self.count(self.first_dynamic.after, exact))

    def describe_model(self) -> str:
        if self.model is None:
            return self.model_name or "no model"
        written = self.model_name or self.model.name
        same = written.rsplit("/", 1)[-1].lower() == self.model.name.lower()  # a provider path says nothing new
        return self.model.name if same else f"{written} ({self.model.name})"


def budget_analysis(document: Document, context: CheckContext) -> Budget:
    """The document's budget, computed once and shared by every rule that asks."""
    return context.analysis(document, lambda document: analyse(document, context.settings, context.provider,
                                                              context))


def registry_for(settings: Settings | None) -> ModelRegistry:
    configured = settings.get("models") if settings is not None else None
    return tokens.model_registry().extended(configured or {})


def analyse(document: Document, settings: Settings | None, provider: DocumentProvider | None = None,
            context: CheckContext | None = None, model_name: str | None = None) -> Budget:
    """`model_name` counts for that model instead of the file's (the `tokens --model` option)."""
    registry = registry_for(settings)
    root = _settings_root(document)
    model_node = document.metadata.model
    name = document.metadata.model_name
    here = model_node is not None and _in(model_node, document)
    if name is None and root is not None and root is not document.root:  # skprompt.txt: its config.json
        found = _sk_model(root)
        name = found.string() if found is not None else None
        model_node = None
    model, inline = _resolve(name, model_node if here else None, registry)
    if model_name is not None:
        name, model, inline = model_name, registry.lookup(model_name), False
    elif name is None and settings is not None and settings.default_model:
        name = settings.default_model
        model = registry.lookup(name)
    output, output_node = _output(document, root)
    if root is not document.root:
        output_node = None  # in the config.json beside the template: reported when that file is checked
    budget = Budget(model, name, model_node if here else None, inline, output, output_node, [], [], [], [], None)
    if model is None and context is not None:
        return budget  # the rules need no counts without a model; the `tokens` command counts anyway
    budget.messages = _messages(document)
    budget.parents = _parents(document, settings, provider)
    budget.tools = _tools(document, model, provider)
    budget.variables = _variables(document, settings, context)
    budget.tool_span = document.tools[0].span if document.tools else None
    budget.first_dynamic = _first_dynamic(document)
    return budget


def _in(node: Node, document: Document) -> bool:
    return node.text is None or node.text.source is document.source


def _resolve(name: str | None, node: Node | None, registry: ModelRegistry) -> tuple[ModelInfo | None, bool]:
    """The model the file names; a native mapping may declare (or override) its limits inline."""
    if name is None:
        return None, False
    known = registry.lookup(name)
    if node is None or node.kind != "mapping" or node.get("context_window") is None:
        return known, False
    fields: dict[str, Any] = {}
    for key, field_name in (("context_window", "context-window"), ("encoding", "encoding"),
                            ("provider", "provider")):
        value = node.get(key)
        if value is not None:
            fields[field_name] = value.value
    if known is None and node.get("max_output_tokens") is not None:
        fields["max-output-tokens"] = node.get("max_output_tokens").value  # type: ignore[union-attr]
    try:
        return registry.extended({name: fields}, origin="inline").lookup(name), True
    except tokens.ModelRegistryError:
        return known, False  # the schema reports the bad value


def _settings_root(document: Document) -> Node | None:
    """Where the file keeps its call settings: its own data, or an skprompt.txt's config.json."""
    if document.root is not None:
        return document.root
    if document.format == "semantic-kernel" and document.source.path.name == "skprompt.txt":
        from promptlint.formats.companions import companion_data

        companion = companion_data(document.source, "config.json")
        return companion[1] if companion is not None else None
    return None


def _sk_model(root: Node) -> Node | None:
    settings = root.get("execution_settings") or root.get("completion")
    if settings is None:
        return None
    for candidate in (settings, settings.get("default"), *(value for _key, value in settings.items())):
        found = candidate.get("model_id") if candidate is not None else None
        if found is not None:
            return found
    return None


def _output(document: Document, root: Node | None) -> tuple[int | None, Node | None]:
    if root is None or root.kind != "mapping":
        return None, None
    places: list[Node | None] = [root]
    model = root.get("model")
    if model is not None:
        places += [model, model.get("parameters"), model.get("options")]
    config = root.get("config")
    places.append(config)
    for key in ("execution_settings", "completion"):
        section = root.get(key)
        if section is not None:
            places += [section, section.get("default"), *(value for _key, value in section.items())]
    for place in places:
        if place is None or place.kind != "mapping":
            continue
        for key in OUTPUT_KEYS:
            found = place.get(key)
            if found is not None and isinstance(found.value, int) and not isinstance(found.value, bool):
                return found.value, found
    return None, None


def _messages(document: Document) -> list[MessageText]:
    return [MessageText(message.label, message.role, static_text(message.text.value, document.template_syntax),
                        message.span) for message in document.messages]


def _parents(document: Document, settings: Settings | None, provider: DocumentProvider | None) -> list[MessageText]:
    """The static messages of every layer this file stacks on, the highest layer first."""
    if provider is None:
        return []
    from promptlint.layers import MAX_STACK_DEPTH, place_of

    found: list[MessageText] = []
    seen = {document.path}
    frontier = [document]
    for _depth in range(MAX_STACK_DEPTH):
        following = []
        for current in frontier:
            place = place_of(current, settings if current is document else None)
            for parent in place.parents if place is not None else ():
                if parent.path in seen:
                    continue
                seen.add(parent.path)
                parent_document = provider.read(parent.path)
                if parent_document is None or parent_document.fatal:
                    continue  # PL305 reports a missing or broken parent
                following.append(parent_document)
                found[:0] = [MessageText(f"{message.label} of {parent.path}", message.role,
                                         static_text(message.text.value, parent_document.template_syntax), None,
                                         parent.path) for message in parent_document.messages]
        if not following:
            break
        frontier = following
    return found


def _tools(document: Document, model: ModelInfo | None, provider: DocumentProvider | None) -> list[ToolText]:
    anthropic = model is not None and model.provider == "anthropic"
    figures = TOOL_FIGURES.get(model.encoding if model else "o200k_base", TOOL_FIGURES["o200k_base"])
    return [_anthropic_tool(tool) if anthropic else _openai_tool(tool, figures)
            for tool in _sent_tools(document, provider)]


def _sent_tools(document: Document, provider: DocumentProvider | None) -> list[Tool]:
    """The file's tools with its `$ref`s resolved (one that does not resolve is PL209's to report)."""
    found = []
    for tool in document.tools:
        if tool.ref is None:
            found.append(tool)
            continue
        path, _, fragment = tool.ref.partition("#")
        target = provider.read(path, relative_to=document) if provider is not None and path else None
        named = fragment.rsplit("/", 1)[-1] if fragment else None
        found += [other for other in (target.tools if target is not None else [])
                  if other.ref is None and (named is None or other.name == named)]
    return found


def _openai_tool(tool: Tool, figures: dict[str, int]) -> ToolText:
    description = (tool.description.value if tool.description is not None else "").removesuffix(".")
    fixed = figures["func_init"]
    texts = [f"{tool.name}:{description}"]
    properties = _properties(tool.parameters)
    if properties:
        fixed += figures["prop_init"]
    # nested object properties are counted like top-level ones (the cookbook stops at the top level)
    while properties:
        key, spec = properties.pop(0)
        fixed += figures["prop_key"]
        kind = spec.get("type") if spec.kind == "mapping" else None
        described = spec.get("description") if spec.kind == "mapping" else None
        kind_text = kind.value if kind is not None and isinstance(kind.value, str) else "any"
        text = described.string() if described is not None else None
        texts.append(f"{key}:{kind_text}:{(text or '').removesuffix('.')}")
        enum = spec.get("enum") if spec.kind == "mapping" else None
        if enum is not None and enum.kind == "sequence":
            fixed += figures["enum_init"]
            for item in enum.elements():
                fixed += figures["enum_item"]
                texts.append(str(item.value))
        properties.extend(_properties(spec))
        items = spec.get("items") if spec.kind == "mapping" else None
        properties.extend(_properties(items))
    return ToolText(tool.name, fixed, tuple(texts))


def _properties(schema: Node | None) -> list[tuple[str, Node]]:
    properties = schema.get("properties") if schema is not None and schema.kind == "mapping" else None
    return list(properties.items()) if properties is not None else []


def _anthropic_tool(tool: Tool) -> ToolText:
    """Anthropic puts tool definitions as JSON into its tool-use system prompt."""
    data: dict[str, Any] = {"name": tool.name}
    if tool.description is not None:
        data["description"] = tool.description.value
    data["input_schema"] = tool.parameters.plain() if tool.parameters is not None else {}
    return ToolText(tool.name, 0, (json.dumps(data, ensure_ascii=False, default=str),))


def _variables(document: Document, settings: Settings | None, context: CheckContext | None) -> list[VariableBound]:
    from promptlint.trust import analyse as trust_analyse
    from promptlint.trust import trust_analysis

    analysis = trust_analysis(document, context) if context is not None else trust_analyse(document, settings)
    uses: dict[str, int] = {}
    first: dict[str, Span] = {}
    derived_seen: set[tuple[str, int | None]] = set()
    for emission in analysis.emissions:
        if emission.message is None:
            continue
        if emission.via is not None:  # a loop renders the iterated value once: its bound covers it whole
            key = (emission.variable, emission.message.index)
            if key in derived_seen:
                continue
            derived_seen.add(key)
        uses[emission.variable] = uses.get(emission.variable, 0) + 1
        first.setdefault(emission.variable, emission.use.tag_span)
    found = []
    for name, count in uses.items():
        declared = document.variables.get(name)
        trust = analysis.variables.get(name)
        here = declared is not None and declared.source is None
        found.append(VariableBound(name, declared.max_tokens if declared else None, count,
                                   declared.span if declared is not None and here else first[name], here,
                                   trust is not None and trust.untrusted, trust.evidence if trust else ""))
    return found


def _first_dynamic(document: Document) -> Dynamic | None:
    syntax = document.template_syntax
    for position, message in enumerate(document.messages):
        tags = output_tags(message.text.value, syntax)
        if not tags:
            continue
        tag = tags[0]
        rest = static_text(message.text.value[tag.end():], syntax)
        later = [static_text(other.text.value, syntax) for other in document.messages[position + 1:]]
        return Dynamic(tag.group(), message.text.span(tag.start(), tag.end()), message, "\n".join([rest, *later]),
                       static_text(message.text.value[:tag.start()], syntax))
    return None


def summary(document: Document, budget: Budget, default_reserve: int = DEFAULT_RESERVE) -> dict[str, Any]:
    """Exact figures for the `tokens` command (and anyone who wants them as data)."""
    model = budget.model
    window = model.context_window if model else None
    worst = budget.worst_case(True, default_reserve)
    return {
        "path": document.path,
        "format": document.format,
        "model": budget.model_name,
        "resolved_model": model.name if model else None,
        "provider": model.provider if model else None,
        "counting": "estimated" if model is not None and model.estimated else "exact",
        "method": model.method if model else f"exact ({tokens.DEFAULT_ESTIMATE_ENCODING}), no model named",
        "encoding": model.encoding if model else tokens.DEFAULT_ESTIMATE_ENCODING,
        "estimate_factor": model.estimate_factor if model else None,
        "static": budget.static(),
        "parents": sorted({message.path for message in budget.parents if message.path}),
        "tools": budget.tool_tokens(),
        "tool_count": len(budget.tools),
        "variables": {variable.name: {"max_tokens": variable.max_tokens, "uses": variable.uses}
                      for variable in budget.variables},
        "variable_tokens": budget.variable_tokens(),
        "unbounded": [variable.name for variable in budget.unbounded()],
        "output": {"declared": budget.output, "reserved": budget.reserve(default_reserve)},
        "worst_case": worst,
        "context_window": window,
        "max_input_tokens": model.max_input_tokens if model else None,
        "share": round(worst / window, 4) if window else None,
        "cacheable_prefix": budget.cacheable_prefix(),
        "first_dynamic": budget.first_dynamic.written if budget.first_dynamic else None,
        "messages": [{"label": message.label, "role": message.role, "tokens": budget.message_tokens(message),
                      "line": message.span.start_line if message.span else None, "file": message.path or document.path}
                     for message in [*budget.parents, *budget.messages]],
    }
