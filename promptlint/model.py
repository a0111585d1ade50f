"""The document model: plain data that every format reader produces and every rule reads.

Every element keeps the exact place it came from. Offsets are indices into the decoded
text of the file (code points, BOM removed); lines and columns are 1-based, columns count
code points, and an end column is the column just after the last character.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

LINE_BREAK = re.compile(r"\r\n?|\n")


def next_line(text: str, index: int, end: int | None = None) -> int:
    """The offset just after the first line break at or after `index` (`end` when there is none)."""
    end = len(text) if end is None else end
    found = LINE_BREAK.search(text, index, end)
    return end if found is None else found.end()


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    start_line: int
    start_column: int
    end_line: int
    end_column: int


class SourceFile:
    """The decoded text of one file, with the line index that turns offsets into positions."""

    def __init__(self, path: Path, display_path: str, text: str) -> None:
        self.path = path
        self.display_path = display_path
        self.text = text
        # a line ends at "\r\n", "\r" or "\n", as YAML, editors and SARIF count lines
        self.has_cr = "\r" in text
        if self.has_cr:
            starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
        else:  # the common case: str.find is faster than the regex
            starts = [0]
            index = text.find("\n")
            while index != -1:
                starts.append(index + 1)
                index = text.find("\n", index + 1)
        self.line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self.line_starts, offset) - 1
        return line_index + 1, offset - self.line_starts[line_index] + 1

    def span(self, start: int, end: int | None = None) -> Span:
        # parsers report positions as they count them; never let one point outside the text
        start = max(0, min(start, len(self.text)))
        end = start if end is None else max(start, min(end, len(self.text)))
        if self.has_cr:  # a CRLF pair is one break: no span starts or ends between its two characters
            empty = start == end
            if self._inside_crlf(start):
                start -= 1
            if empty:
                end = start
            elif self._inside_crlf(end):
                end += 1
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start, end, start_line, start_column, end_line, end_column)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")  # only its break can hold these

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def _inside_crlf(self, offset: int) -> bool:
        return 0 < offset < len(self.text) and self.text[offset] == "\n" and self.text[offset - 1] == "\r"


@dataclass(frozen=True)
class Text:
    """A string value that remembers where each of its characters sits in the source.

    YAML block scalars drop indentation, quoted strings decode escapes: `segments` maps
    runs of the value back to the file as (value_start, source_start, length).
    """

    value: str
    source: SourceFile
    segments: tuple[tuple[int, int, int], ...]

    @classmethod
    def from_offsets(cls, value: str, source: SourceFile, offsets: list[int], anchor: int) -> Text:
        """`offsets[i]` is where value[i] came from; `anchor` places an empty value."""
        if not offsets:
            return cls(value, source, ((0, anchor, 0),))
        segments: list[tuple[int, int, int]] = []
        for index, offset in enumerate(offsets):
            if segments:
                value_start, source_start, length = segments[-1]
                if value_start + length == index and source_start + length == offset:
                    segments[-1] = (value_start, source_start, length + 1)
                    continue
            segments.append((index, offset, 1))
        return cls(value, source, tuple(segments))

    @classmethod
    def verbatim(cls, value: str, source: SourceFile, start: int) -> Text:
        """A value that is an exact slice of the source starting at `start`."""
        return cls(value, source, ((0, start, len(value)),) if value else ((0, start, 0),))

    def offset(self, index: int) -> int:
        """Source offset of value index `index` (an index equal to the length maps past the end)."""
        if not self.segments:
            return 0
        position = bisect.bisect_right(self.segments, (index, float("inf"), 0)) - 1
        value_start, source_start, length = self.segments[max(position, 0)]
        if position < 0:
            return source_start
        if index < value_start + length:
            return source_start + index - value_start
        return source_start + length  # past the end of a run: just after its last character

    def span(self, start: int = 0, end: int | None = None) -> Span:
        end = len(self.value) if end is None else end
        if end <= start:
            offset = self.offset(start)
            return self.source.span(offset, offset)
        # the end is just after the last character, which may sit on another run
        return self.source.span(self.offset(start), self.offset(end - 1) + 1)

    def index_of(self, offset: int) -> int | None:
        """The value index of the character at source `offset`, or None when the value has none there."""
        for value_start, source_start, length in self.segments:
            if source_start <= offset < source_start + length:
                return value_start + offset - source_start
        return None

    def slice(self, start: int, end: int) -> Text:
        """A located sub-string of this text."""
        segments = []
        for value_start, source_start, length in self.segments:
            lo, hi = max(start, value_start), min(end, value_start + length)
            if lo < hi:
                segments.append((lo - start, source_start + lo - value_start, hi - lo))
        if not segments:
            segments.append((0, self.offset(start), 0))
        return Text(self.value[start:end], self.source, tuple(segments))


NodeKind = Literal["mapping", "sequence", "scalar"]


@dataclass
class Node:
    """A located data value from YAML or JSON: mappings hold Nodes by key, sequences a list."""

    kind: NodeKind
    value: Any
    span: Span
    key_span: Span | None = None
    text: Text | None = None  # set for string scalars

    def get(self, key: str) -> Node | None:
        if self.kind != "mapping":
            return None
        found: Node | None = self.value.get(key)
        return found

    def items(self) -> Iterator[tuple[str, Node]]:
        if self.kind == "mapping":
            yield from self.value.items()

    def elements(self) -> list[Node]:
        return self.value if self.kind == "sequence" else []

    def string(self) -> str | None:
        return self.value if self.kind == "scalar" and isinstance(self.value, str) else None

    def plain(self) -> Any:
        """The value as plain Python data (dicts, lists, scalars), for JSON Schema validation."""
        if self.kind == "mapping":
            return {key: node.plain() for key, node in self.value.items()}
        if self.kind == "sequence":
            return [node.plain() for node in self.value]
        return self.value

    def find(self, path: list[str | int]) -> Node:
        """The deepest node along `path` (a jsonschema error path)."""
        node = self
        for part in path:
            in_mapping = node.kind == "mapping" and isinstance(part, str) and part in node.value
            in_sequence = node.kind == "sequence" and isinstance(part, int) and 0 <= part < len(node.value)
            if in_mapping or in_sequence:
                node = node.value[part]
            else:
                break
        return node


@dataclass(frozen=True)
class Problem:
    """Why a file, or part of it, could not be read as its format requires (reported as PL001).

    A fatal problem leaves no usable model (the file does not parse), so no other rule runs;
    a violation (an unknown key, a duplicate key) leaves one, and the other rules run too.
    """

    message: str
    span: Span
    fatal: bool = True


@dataclass(frozen=True)
class VariableUse:
    name: str
    span: Span  # the name inside the tag
    tag_span: Span  # the whole `{{ ... }}` or `{% ... %}`
    message_index: int | None  # None: outside any message (a front-matter template, say)
    context_relative: bool = False  # inside a Handlebars/Mustache block that changes the context
    filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    """A variable declared by the document (native `variables`, Prompty `inputs`, Dotprompt schema)."""

    name: str
    span: Span
    trust: Literal["trusted", "untrusted", "unknown"] = "unknown"
    max_tokens: int | None = None
    description: str | None = None
    # the file that declares it when that is not the document's own (Semantic Kernel's config.json
    # beside skprompt.txt, promptflow's flow.dag.yaml beside a template): `span` points into it
    source: SourceFile | None = None
    # whether the runtime HTML-encodes the value before it reads role tags out of the rendered text
    # (Semantic Kernel does, unless `allow_dangerously_set_content`); None: the format has no such step
    encoded: bool | None = None


@dataclass
class Template:
    """What a template text holds, found by scanning it (never by rendering it)."""

    uses: list[VariableUse] = field(default_factory=list)
    locals: set[str] = field(default_factory=set)  # names the template itself binds
    # uses of those names (`{{ doc }}` in `{% for doc in docs %}`, `{{title}}` in `{{#each docs}}`),
    # each with the variables its value comes from: trust flows through loops and assignments
    derived: list[tuple[VariableUse, frozenset[str]]] = field(default_factory=list)
    comments: list[Span] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# the role of a standalone template that nothing assigns one: rules read it as a user turn
UNKNOWN_ROLE = "unknown"


@dataclass
class Message:
    index: int
    role: str
    text: Text
    span: Span  # the whole message in the file
    role_span: Span | None = None
    template: Template = field(default_factory=Template)

    @property
    def label(self) -> str:
        """How a finding names this message: "the system message"."""
        if self.role == UNKNOWN_ROLE:
            return "the template's text (nothing says which role it is sent as)"
        return f"the {self.role} message"


@dataclass
class Tool:
    name: str
    span: Span
    provider: Literal["openai", "anthropic", "mcp", "native", "dotprompt", "prompty"]
    name_span: Span | None = None
    name_text: Text | None = None  # the located name, where the definition spells it as a string
    description: Text | None = None
    parameters: Node | None = None  # the JSON Schema of the arguments
    annotations: Node | None = None  # MCP annotations
    node: Node | None = None  # the whole definition
    ref: str | None = None  # a reference to a definition in another file, not yet resolved
    # parameters from a listing that gives only names, types and descriptions (the docker MCP
    # registry): it cannot state an enum, a maximum or an array's items, so their absence says nothing
    schema_summary: bool = False


@dataclass
class OutputSchema:
    schema: Node
    span: Span
    format: str | None = None


@dataclass
class Metadata:
    """Identity and targeting; each value keeps its node so rules can point at it."""

    id: Node | None = None
    version: Node | None = None
    description: Node | None = None
    model: Node | None = None
    layer: Node | None = None
    extends: list[Node] = field(default_factory=list)

    @property
    def model_name(self) -> str | None:
        if self.model is None:
            return None
        if self.model.kind == "mapping":
            for key in ("name", "id", "azure_deployment"):
                name = self.model.get(key)
                if name is not None and name.string():
                    return name.string()
            return None
        return self.model.string()


DocumentFormat = Literal["native", "prompty", "dotprompt", "chat", "tools", "markdown", "template",
                         "semantic-kernel", "promptflow", "langchain", "promptfoo", "mcp-server", "smolagents"]
# Jinja also covers Nunjucks and Liquid, Handlebars also Mustache; Semantic Kernel's own syntax
# (`{{$var}}`, `{{Plugin.Function $arg}}`) and Python's f-string `{var}` (LangChain) have their own
TemplateSyntax = Literal["jinja", "handlebars", "semantic-kernel", "f-string", "none"]


@dataclass
class Document:
    source: SourceFile
    format: DocumentFormat | None  # None: the file could not be read far enough to tell
    template_syntax: TemplateSyntax = "jinja"
    root: Node | None = None  # the data (or front matter) of the file
    metadata: Metadata = field(default_factory=Metadata)
    messages: list[Message] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    declares_variables: bool = False  # whether this format has a place to declare variables
    tools: list[Tool] = field(default_factory=list)
    output: OutputSchema | None = None
    problems: list[Problem] = field(default_factory=list)
    # where the file's own comments are (YAML `#`, template and HTML comments), as (start, end)
    # offsets: the only places an inline suppression is honoured
    comments: list[tuple[int, int]] = field(default_factory=list)
    other_uses: list[VariableUse] = field(default_factory=list)  # outside messages (Prompty tool bindings)
    # analyses computed from this document, once, whoever asks (see `per_document`)
    analyses: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # Whether the runtime rejects role markers forged by rendered text (Prompty's
    # `template.format.strict`; Semantic Kernel's HTML encoding of values, unless the template's
    # `allow_dangerously_set_content`); None when the file does not say, and the loader decides.
    role_markers_strict: bool | None = None

    @property
    def path(self) -> str:
        return self.source.display_path

    @property
    def fatal(self) -> bool:
        """Whether the file could not be read far enough for rules other than PL001 to run."""
        return any(problem.fatal for problem in self.problems)

    def variable_uses(self) -> Iterator[VariableUse]:
        for message in self.messages:
            yield from message.template.uses
        yield from self.other_uses


T = TypeVar("T")


def per_document(compute: Callable[[Document], T]) -> Callable[[Document], T]:
    """An analysis computed once per document, whether a rule asks through its context or another
    analysis builds on it (every text of a file, its strings, its tools' parameters)."""
    key = f"{compute.__module__}.{compute.__qualname__}"

    @functools.wraps(compute)
    def cached(document: Document) -> T:
        if key not in document.analyses:
            document.analyses[key] = compute(document)
        result: T = document.analyses[key]
        return result

    return cached
