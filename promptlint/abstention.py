"""What a document says about abstaining: one shared analysis for the PL5xx rules.

Built once per document (`abstention(document)`), from the located prose of `prose()` with
template tags, comments, fenced code and `<example>` blocks masked, so a variable's value,
a code sample or a demonstration never counts. It holds:

- the grounded task, if any, and the sentence that shows it: wording that names it ("answer
  the question using the context", "extract ... from the email", "classify the ticket", a
  customer-support persona), or a retrieval-like variable (`context`, `documents`, ...) used
  in a prompt whose instructions answer, extract or classify (overruled by a rewriting,
  translating, summarising, writing or code task, and by context used only to personalise);
- the ways out the prose gives (say you don't know, ask, hand over, decline, a fallback
  value, or a branch for "if the answer is not in the context"), and the sentences that
  forbid them;
- the fallback values the prose names ("reply exactly \"UNKNOWN\"", "return null");
- each output schema's fields and what, if anything, lets the model abstain in it;
- handoff tools (`escalate_to_human`, `ask_user`).

Phrase lists live in promptlint/lexicons (abstention-phrases.txt, abstention-suppression.txt,
grounded-tasks.txt, abstention-shapes.txt), as data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from promptlint.checks import lazy
from promptlint.checks.output_schema import json_mode, output_schemas
from promptlint.checks.phrases import Prose, analysed_windows, prose, quote, sentence_bounds
from promptlint.model import Document, Node, Span, Tool, per_document
from promptlint.tool_schema import resolve_pointer
from promptlint.tool_schema import words as name_words
from promptlint.trust import CARRIERS, OWN_PREFIXES, words

_FLAGS = re.IGNORECASE
# one character of the sentence: anything but an end mark, a soft line wrap included
_S = r"(?:[^.!?\n]|\n(?![ \t]*(?:\n|[-*+]\s|\d+[.)]\s)))"
_Q = "[\"'`\u201c\u2018\u00ab]"
# the start of a sentence or a list item (markup such as ** or # allowed)
_T = r"(?:^|(?<=[.!?:])\s+|(?<=\n))[ \t]*(?:[-*+>#]+\s*|\d+[.)]\s*)?\**[ \t]*"
_NEGATED = lazy(r"(?:\b(?:never|not|nunca|niemals|nie|jamais|mai|nooit)|n't)\s+(?:ever\s+)?(?:[\w']+\s+)?$",
                      _FLAGS)
_HANDOFF_DESCRIPTION = lazy(r"\b(?:escalat\w*|hand(?:s|ing)?\s+(?:off|over)|transfer\w*)\b[^.\n]{0,40}?\bto\s+"
                                  r"(?:a\s+|an\s+|the\s+)?(?:human|live|agent|operator|person|support|representative"
                                  r"|specialist)", _FLAGS)
# where an order to the model can start: the sentence start, after punctuation, or after a word that
# leads one in ("you never say", "and do not answer"); not after a subject ("the articles do not answer")
_I = (r"(?:^[ \t]*|(?<=[.;:!?,(*>\u2013\u2014-]\s)|(?<=[.;:!?,(*>\u2013\u2014-])|(?<=\byou\s)|(?<=\band\s)"
      r"|(?<=\bplease\s)|(?<=\bso\s)|(?<=\bbut\s))\b")
_EVEN = lazy(r"\beven\s+$", _FLAGS)
# an evaluator: named so (path or id), or told to grade a response
_EVALUATOR_NAME = lazy(r"(?i)(?:\b|_)(?:evals?|evaluat\w*|judge\w*|grader?|grading|groundedness|faithfulness"
                             r"|rubric)(?:\b|_)")
_EVALUATOR_TEXT = lazy(r"\b(?:evaluate|grade|judge|rate|score)\s+(?:the|this|a|each|whether\s+the)\s+"
                             r"(?:[\w']+\s+){0,3}?(?:response|answer|completion|output|reply|summary)s?\b", _FLAGS)
_EVALUATOR_WORDS = ("evaluate", "grade", "judge", "rate", "score")  # one is in every match of _EVALUATOR_TEXT
# a fallback value the prose names: reply exactly "UNKNOWN", return null, use `N/A`
_SENTINEL = lazy(
    r"\b(?:respond|reply|answer|return|output|write|say|use|put|print|emit|give|set\s+(?:it|them|that\s+field"
    r"|(?:the\s+)?\w+(?:\s+field)?)\s+to|fill\s+(?:it|them|the\s+\w+(?:\s+field)?)\s+with|mark\s+(?:it|them)\s+as)\b"
    r"(?:\s+(?:with|exactly|only|just|simply|the|a|word|string|value|text|literal|as|back|number|it))*\s*:?\s*"
    r"(?:\"(?P<q1>[^\"\n]{1,40})\"|“(?P<q2>[^”\n]{1,40})”|'(?P<q3>[^'\n]{1,40})'(?!\w)|`(?P<q4>[^`\n]{1,40})`"
    r"|(?P<word>null|none|nil|n/a|unknown|not[_ ]found|-1)\b)", _FLAGS)
NULL_WORDS = frozenset({"null", "none", "nil"})


@cache
def _sections(name: str) -> dict[str, list[str]]:
    """A lexicon's lines by `[section]`; comments and blank lines left out."""
    text = resources.files("promptlint.lexicons").joinpath(name).read_text("utf-8")
    found: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]") and " " not in line:
            section = line[1:-1]
            found.setdefault(section, [])
        elif line and not line.startswith("#"):
            found.setdefault(section, []).append(line)
    return found


class Phrase:
    """One lexicon pattern, compiled when a text first needs it (a run that never meets its words
    never pays for compiling it), with the words one of which every match contains."""

    __slots__ = ("_compiled", "source", "words")

    def __init__(self, line: str) -> None:
        self.source = line.replace("{S}", _S).replace("{Q}", _Q).replace("{T}", _T).replace("{I}", _I)
        self.words = _leading_words(line)
        self._compiled: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, _FLAGS | re.MULTILINE)
        return self._compiled

    def may_match(self, lowered: str | None) -> bool:
        """False only when no match can exist in the text whose lower case is `lowered` (None:
        a text that is not ASCII, where case-insensitive matching is more than `str.lower`)."""
        return lowered is None or self.words is None or any(word in lowered for word in self.words)

    @staticmethod
    def needed(value: str, words: tuple[str, ...]) -> bool:
        """Whether a case-insensitive pattern that needs one of `words` may match in `value`."""
        if not value.isascii():
            return True
        lower = value.lower()
        return any(word in lower for word in words)

    def finditer(self, value: str, low: int, high: int, lowered: str | None) -> Iterator[re.Match[str]]:
        return self.regex.finditer(value, low, high) if self.may_match(lowered) else iter(())

    def search(self, value: str, low: int, high: int, lowered: str | None) -> re.Match[str] | None:
        return self.regex.search(value, low, high) if self.may_match(lowered) else None


def lowered(value: str, low: int = 0, high: int | None = None) -> str | None:
    """value[low:high] in lower case for `Phrase.may_match`, or None when it is not ASCII."""
    part = value[low:high]
    return part.lower() if part.isascii() else None


def _leading_words(line: str) -> tuple[str, ...] | None:
    """The words one of which every match of the lexicon pattern `line` contains: the literal start
    of each alternative of its opening `\\b(?:...)` group (or of its opening literal), lower case.
    None when the pattern does not open so (an optional group, a class, a top-level `|`)."""
    rest = line.removeprefix("{T}").removeprefix("{I}").removeprefix("\\b")
    if len(_top_level(line)) > 1:
        return None
    alternatives = [rest]
    if rest.startswith("(?:"):
        close = _closing(rest, 0)
        if close is None or _optional(rest, close + 1):
            return None  # an optional group proves nothing
        alternatives = _top_level(rest[3:close])
    words = []
    for alternative in alternatives:
        found = re.match(r"[A-Za-z']+", alternative)
        if found is None:
            return None
        word = found.group()
        if _optional(alternative, found.end()):
            word = word[:-1]  # the last letter is optional (or a placeholder follows)
        if len(word) < 2:
            return None
        words.append(word.lower())
    return tuple(words)


def _optional(pattern: str, index: int) -> bool:
    """Whether a quantifier that allows zero (or a bounded repeat: assumed so) starts at `index`."""
    return pattern[index:index + 1] in ("?", "*") or (pattern[index:index + 1] == "{"
                                                      and pattern[index + 1:index + 2] in tuple("0123456789,"))


def _outside_classes(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(index, character) of the characters of `pattern` from `start` that are neither escaped
    nor inside a `[...]` class: where its groups and alternatives show."""
    index, in_class = start, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "]":
                index += 1  # a ] first in a class is a member
        else:
            yield index, char
        index += 1


def _top_level(pattern: str) -> list[str]:
    """`pattern` split at its `|` outside groups and classes."""
    parts, depth, start = [], 0, 0
    for index, char in _outside_classes(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return parts


def _closing(pattern: str, opening: int) -> int | None:
    """The index of the `)` that closes the group opening at `opening`."""
    depth = 0
    for index, char in _outside_classes(pattern, opening):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


@cache
def patterns(name: str, section: str = "") -> tuple[Phrase, ...]:
    return tuple(Phrase(line) for line in _sections(name).get(section, []))


@cache
def word_list(name: str, section: str) -> frozenset[str]:
    return frozenset(_sections(name).get(section, []))


def normalise(value: object) -> str:
    """How enum values and names are compared: lower case, other characters folded to "_"."""
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")


@dataclass(frozen=True)
class Hit:
    """A phrase found in a located text; `start`/`end` index its value."""

    item: Prose
    start: int
    end: int

    @property
    def span(self) -> Span:
        return self.item.text.span(self.start, self.end)

    @property
    def phrase(self) -> str:
        return quote(self.item.text.value[self.start:self.end])

    @property
    def sentence(self) -> tuple[int, int]:
        return sentence_bounds(self.item.text.value, self.start, self.end)


@dataclass(frozen=True)
class Sentinel:
    hit: Hit  # the value as the prose writes it
    value: str | None  # None: JSON null


@dataclass(frozen=True)
class Field:
    """A property of an output schema, at any depth."""

    name: str
    schema: Node
    span: Span  # its key
    types: frozenset[str]
    enum: tuple[object, ...] | None
    nullable: bool


@dataclass
class Shape:
    """One output schema and what in it lets the model abstain."""

    schema: Node
    label: str
    fields: list[Field] = field(default_factory=list)
    channel: str | None = None  # in words: "'total' can be null"; None: nothing

    @property
    def span(self) -> Span:
        return self.schema.key_span or self.schema.span


@dataclass
class Abstention:
    task: Hit | None  # the sentence that makes the document a grounded task
    task_reason: str
    prose: list[Hit]  # ways out given in words
    suppressions: list[Hit]
    sentinels: list[Sentinel]
    shapes: list[Shape]
    json_mode: Span | None
    handoff_tools: list[Tool]

    @property
    def grounded(self) -> bool:
        return self.task is not None

    @property
    def channel(self) -> str | None:
        """A first-class way out: a handoff tool or an abstention shape in a schema."""
        if self.handoff_tools:
            return f"the tool '{self.handoff_tools[0].name}'"
        return next((shape.channel for shape in self.shapes if shape.channel), None)


def _masked(item: Prose) -> str:
    return item.masked(item.tags, item.comments, item.fences, item.examples)


def _instructions(items: list[Prose]) -> Iterator[Prose]:
    """The author's own instruction text: privileged messages and user-turn templates."""
    return (item for item in items if item.kind == "message" and item.position in ("privileged", "user"))


def _find(item: Prose, value: str, found: tuple[Phrase, ...]) -> Iterator[Hit]:
    windows = [(low, high, lowered(value, low, high)) for low, high in analysed_windows(value)]
    for pattern in found:
        for low, high, lower in windows:  # a long text: its opening and closing stretches
            for match in pattern.finditer(value, low, high, lower):
                if match.end() > match.start():
                    yield Hit(item, match.start(), match.end())


@per_document
def abstention(document: Document) -> Abstention:
    items = prose(document)
    ways: list[Hit] = []
    suppressions: list[Hit] = []
    for item in items:
        if item.position not in ("privileged", "user") or item.kind == "description":
            continue
        value = _masked(item)
        for hit in _find(item, value, patterns("abstention-phrases.txt", "abstain")):
            if not _NEGATED.search(value[max(hit.sentence[0], hit.start - 40):hit.start]):
                ways.append(hit)  # "never say you don't know" is no way out
        for hit in _find(item, value, patterns("abstention-phrases.txt", "condition")):
            if not _EVEN.search(value[max(0, hit.start - 10):hit.start]):
                ways.append(hit)  # "even if you don't know, answer" is none either
        if item.kind == "message":
            for hit in _find(item, value, patterns("abstention-suppression.txt")):
                if not _quoted_phrase(value, hit):
                    suppressions.append(hit)
    ways.sort(key=lambda hit: (items.index(hit.item), hit.start))
    task, reason = _task(document, items)
    return Abstention(task, reason, ways, _first_each(suppressions), _sentinels(ways),
                      [_shape(schema, label) for schema, label in output_schemas(document) if schema.kind == "mapping"],
                      json_mode(document), [tool for tool in document.tools if _hands_off(tool)])


def _quoted_phrase(value: str, hit: Hit) -> bool:
    """A phrase inside quotes is named, not said ("if a user says 'never say you don't know'")."""
    before = value[hit.sentence[0]:hit.start]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”") \
        or bool(re.search(r"(?:^|\s)'[^']*$", before))


def _first_each(hits: list[Hit]) -> list[Hit]:
    """Overlapping matches of several patterns: keep the first, longest."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda each: (each.start, -each.end)):
        if not any(other.item is hit.item and other.start <= hit.start < other.end for other in kept):
            kept.append(hit)
    return kept


# --- the task ---------------------------------------------------------------------------------


def _task(document: Document, items: list[Prose]) -> tuple[Hit | None, str]:
    """The first sentence that makes this a grounded task, and why, in words; (None, "") when it is not."""
    if not document.messages or _evaluator(document):
        return None, ""  # a judge must always grade; a file without messages sets no task
    instructions = list(_instructions(items))
    personal = patterns("grounded-tasks.txt", "personal")
    for item in [*instructions, *(item for item in items if item.kind == "description")]:
        value = _masked(item)
        hits = sorted((hit for hit in _find(item, value, patterns("grounded-tasks.txt", "grounded"))
                       if not _any_in(personal, value, *hit.sentence)),
                      key=lambda hit: hit.start)
        if hits:
            return hits[0], f"'{hits[0].phrase}'"
    retrieval = _retrieval_variables(document)
    if not retrieval:
        return None, ""
    vetoes = [*patterns("grounded-tasks.txt", "not-grounded"), *patterns("grounded-tasks.txt", "personal")]
    for item in instructions:
        value = _masked(item)
        if any(_any_in(vetoes, value, low, high) for low, high in analysed_windows(value)):
            return None, ""
    for item in instructions:
        hits = sorted(_find(item, _masked(item), patterns("grounded-tasks.txt", "verb")),
                      key=lambda hit: hit.start)
        if hits:
            return hits[0], f"'{hits[0].phrase}' over the retrieved `{retrieval[0]}`"
    return None, ""


def _any_in(found: tuple[Phrase, ...] | list[Phrase], value: str, low: int, high: int) -> bool:
    """Whether any of the patterns matches in value[low:high]."""
    lower = lowered(value, low, high)
    return any(pattern.search(value, low, high, lower) for pattern in found)


def _evaluator(document: Document) -> bool:
    """A judge prompt: it must always grade, so abstaining is not its job."""
    identity = document.path + " " + ((document.metadata.id.string() or "") if document.metadata.id else "")
    return bool(_EVALUATOR_NAME.search(identity)) or any(
        _EVALUATOR_TEXT.search(message.text.value) for message in document.messages
        if Phrase.needed(message.text.value, _EVALUATOR_WORDS))


def _retrieval_variables(document: Document) -> list[str]:
    """Variables the prompt renders whose names say they hold retrieved material."""
    lexicon = word_list("grounded-tasks.txt", "retrieval")
    found: list[str] = []
    for use in document.variable_uses():
        name = use.name
        variable = document.variables.get(name)
        if name in found or (variable is not None and variable.trust == "trusted"):
            continue
        parts = words(name)
        if not parts or parts[0] in OWN_PREFIXES:
            continue
        head = parts[-1] if parts[-1] not in CARRIERS or len(parts) < 2 else parts[-2]
        if head in lexicon or "_".join(parts[-2:]) in lexicon:
            found.append(name)
    return found


# --- fallback values named in the prose --------------------------------------------------------


def _sentinels(ways: list[Hit]) -> list[Sentinel]:
    """Fallback values named in the sentences that give a way out."""
    found: list[Sentinel] = []
    seen: set[tuple[int, int]] = set()
    for way in ways:
        value = way.item.text.value
        begin, end = way.sentence
        for match in _SENTINEL.finditer(_masked(way.item), begin, end):
            quoted = next((group for group in match.group("q1", "q2", "q3", "q4") if group is not None), None)
            word = match.group("word")
            text = quoted if quoted is not None else word
            if text is None or not re.search(r"\w", text) or (id(way.item), match.start()) in seen:
                continue
            seen.add((id(way.item), match.start()))
            start = value.index(text, match.start())
            null = (quoted is None and word.lower() in NULL_WORDS) or (quoted is not None and quoted.lower() == "null")
            found.append(Sentinel(Hit(way.item, start, start + len(text)), None if null else text))
    return found


# --- output schemas ----------------------------------------------------------------------------


def _shape(schema: Node, label: str) -> Shape:
    shape = Shape(schema, label)
    channels: list[str] = []
    _walk(schema, schema, True, 0, shape.fields, channels)
    root = _resolve(schema, schema)
    if _types(root) & {"array"} or _wrapped_array(root, schema):
        channels.append("an empty list")
    for key in ("anyOf", "oneOf"):
        branches = root.get(key)
        for branch in branches.elements() if branches is not None else ():
            names = {normalise(name) for name, _node in _properties(_resolve(branch, schema))}
            found = names & word_list("abstention-shapes.txt", "branch")
            if found:
                channels.append(f"the '{sorted(found)[0]}' branch of `{key}`")
    shape.channel = channels[0] if channels else None
    return shape


def _resolve(node: Node, root: Node) -> Node:
    reference = node.get("$ref")
    target = resolve_pointer(reference.string(), root) if reference is not None else None
    return target if target is not None and target.kind == "mapping" else node


def _types(node: Node) -> frozenset[str]:
    found: set[str] = set()
    for part in [node, *_branches(node)]:
        kind = part.get("type")
        if kind is None:
            continue
        values = [kind.value] if kind.kind == "scalar" else [item.value for item in kind.elements()]
        found.update(str(value) for value in values if isinstance(value, str))
    return frozenset(found)


def _elements(node: Node, key: str) -> list[Node]:
    found = node.get(key)
    return [item for item in found.elements() if item.kind == "mapping"] if found is not None else []


def _branches(node: Node) -> list[Node]:
    return [*_elements(node, "anyOf"), *_elements(node, "oneOf")]


def _properties(node: Node) -> Iterator[tuple[str, Node]]:
    for part in [node, *_elements(node, "allOf")]:
        properties = part.get("properties")
        for name, child in properties.items() if properties is not None else ():
            if child.kind == "mapping":
                yield name, child


def _required(node: Node) -> set[str]:
    names: set[str] = set()
    for part in [node, *_elements(node, "allOf")]:
        required = part.get("required")
        if required is not None:
            names.update(item.string() or "" for item in required.elements())
    return names


def _wrapped_array(node: Node, root: Node) -> bool:
    """An object whose only property is a list (`{"entities": [...]}`): an empty list says "none found"."""
    properties = list(_properties(node))
    return len(properties) == 1 and "array" in _types(_resolve(properties[0][1], root))


def _walk(node: Node, root: Node, forced: bool, depth: int, fields: list[Field], channels: list[str]) -> None:
    node = _resolve(node, root)
    if depth > 32:
        return
    required = _required(node)
    for name, child in _properties(node):
        target = _resolve(child, root)
        types = _types(target)
        flag = target.get("nullable")
        nullable = "null" in types or (flag is not None and flag.value is True)
        enum_node = target.get("enum")
        enum = tuple(enum_node.plain()) if enum_node is not None and enum_node.kind == "sequence" else None
        fields.append(Field(name, target, child.key_span or child.span, types, enum, nullable))
        if nullable:
            channels.append(f"'{name}' can be null")
        elif forced and name not in required:
            channels.append(f"'{name}' is optional")
        fallback = [value for value in enum or () if normalise(value) in word_list("abstention-shapes.txt", "fallback")]
        if fallback:
            channels.append(f"'{name}' has the fallback value '{fallback[0]}'")
        if "boolean" in types and {*name_words(name), normalise(name)} & word_list("abstention-shapes.txt",
                                                                                     "answerable"):
            channels.append(f"the boolean '{name}'")
        _walk(target, root, forced and name in required and not nullable, depth + 1, fields, channels)
        items = target.get("items")
        if items is not None and items.kind == "mapping":
            _walk(items, root, False, depth + 1, fields, channels)


# --- tools -------------------------------------------------------------------------------------


def _hands_off(tool: Tool) -> bool:
    """A tool that hands the conversation to a person or asks the user back."""
    parts = name_words(tool.name)
    joined = "_".join(parts)
    lexicon = word_list("abstention-shapes.txt", "handoff")
    if any(part in lexicon for part in parts) or any(f"_{entry}_" in f"_{joined}_" for entry in lexicon):
        return True
    return tool.description is not None and bool(_HANDOFF_DESCRIPTION.search(tool.description.value))
