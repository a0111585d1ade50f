"""Abstention (PL501-PL506): whether the model has a first-class way to say it cannot answer.

Every check reads the shared analysis of promptlint/abstention.py and only decides what to
report; the heuristics and their phrase lists live there and in promptlint/lexicons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptlint.abstention import Abstention, Field, Sentinel, Shape, abstention, normalise, word_list
from promptlint.context import CheckContext
from promptlint.findings import Finding, Related
from promptlint.model import Document, Span
from promptlint.tool_schema import tool_parameters
from promptlint.tool_schema import words as name_words

_SHAPES = "abstention-shapes.txt"
_FIRST_CLASS = ("a `status` enum with `insufficient_context`, a nullable answer with a `reason`, or a "
                "`handoff_to_human` tool")


def _analysis(document: Document, context: CheckContext) -> Abstention:
    return context.analysis(document, abstention)


def _prose_related(document: Document, found: Abstention) -> tuple[Related, ...]:
    if not found.prose:
        return ()
    first = found.prose[0]
    return (Related(document.path, first.span, f"abstention is asked for in words here ('{first.phrase}')"),)


def _forced(found: Abstention) -> list[Shape]:
    """Output schemas of a grounded task in which nothing lets the model abstain."""
    if not found.grounded:
        return []
    contradicted = {id(shape.schema) for _sentinel, shape, _fields in contradictions(found)}
    return [shape for shape in found.shapes if shape.channel is None and shape.fields
            and id(shape.schema) not in contradicted]  # PL505 reports those


# --- PL501 abstention-instruction-missing -------------------------------------------------------


def abstention_instruction_missing(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = _analysis(document, context)
    if not found.grounded or found.prose or found.channel or document.metadata.extends:
        return  # a parent layer may give the way out
    assert found.task is not None
    yield context.finding(found.task.span, (
        f"a grounded task ({found.task_reason}) with no way to abstain: no instruction for when the answer is "
        "not there or the model is unsure, no output field for it, no handoff tool, so it will answer anyway. "
        f"Add one, e.g. {_example(found.task.phrase)}, and give it a channel the application can route on"))


def _example(task: str) -> str:
    """A way out that fits the kind of task."""
    task = task.lower()
    if re.search(r"extra|entit", task):
        return "\"If a value is not in the text, use null; do not guess\""
    if re.search(r"classif|categor|intent|label|which", task):
        return "\"If no category fits, answer 'other'\""
    if "support" in task:
        return "\"If you cannot resolve the request from what you know, offer to hand over to a human agent\""
    return "\"If the sources do not contain the answer, reply 'I don't know' and ask a clarifying question\""


# --- PL502 output-schema-no-abstention ----------------------------------------------------------


def output_schema_no_abstention(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = _analysis(document, context)
    for shape in _forced(found):
        names = ", ".join(f"'{item.name}'" for item in shape.fields[:4]) + (", ..." if len(shape.fields) > 4 else "")
        yield context.finding(shape.span, (
            f"the {shape.label} of this grounded task makes every field ({names}) required and non-nullable, with "
            "no fallback value, no answerable flag and no refusal branch: when the answer is not there the model "
            "must invent one. Make the answer nullable (`type: [string, \"null\"]`) with a `reason`, or add a "
            "`status` enum with `insufficient_context`"), _prose_related(document, found))


# --- PL503 classification-enum-no-fallback ------------------------------------------------------


def _class_fields(document: Document, found: Abstention) -> Iterator[Field]:
    for shape in found.shapes:
        yield from shape.fields
    for tool in document.tools:  # a classify_* tool is the output of a classifier
        if not {"classify", "categorize", "categorise", "classification"} & set(name_words(tool.name)):
            continue
        for parameter in tool_parameters(tool):
            enum = parameter.constraints.get("enum")
            yield Field(parameter.name, parameter.schema, parameter.span, frozenset(parameter.types),
                        tuple(enum) if isinstance(enum, list) else None, "null" in parameter.types)


def classification_enum_no_fallback(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = _analysis(document, context)
    extra = {normalise(value) for value in context.options.get("fallback-values") or ()}
    fallbacks = word_list(_SHAPES, "fallback") | extra
    classes = word_list(_SHAPES, "class")
    for item in _class_fields(document, found):
        values = item.enum or ()
        if len(values) < 3 or not all(isinstance(value, str) for value in values) or item.nullable:
            continue
        if not set(name_words(item.name)) & classes or any(normalise(value) in fallbacks for value in values):
            continue
        enum = item.schema.get("enum")
        shown = ", ".join(str(value) for value in values[:5]) + (", ..." if len(values) > 5 else "")
        yield context.finding(enum.key_span if enum is not None and enum.key_span else item.span, (
            f"'{item.name}' must be one of {len(values)} classes ({shown}) with no fallback: an input that fits none "
            "is forced into one. Add `other` (or `unknown`) and say when to use it"))


# --- PL504 abstention-suppressed ----------------------------------------------------------------


def abstention_suppressed(document: Document, context: CheckContext) -> Iterator[Finding]:
    for hit in _analysis(document, context).suppressions:
        yield context.finding(hit.span, (
            f"{hit.item.where} forbids abstaining ('{hit.phrase}'): told it may never say it does not know, the "
            "model invents an answer instead. Allow it, e.g. \"If you are unsure, say so and suggest contacting "
            "support.\""))


# --- PL505 abstention-sentinel-not-in-schema ----------------------------------------------------


def _holds(item: Field, value: str | None) -> bool:
    """Whether a field's schema can hold the fallback value (None: null)."""
    if value is None:
        return item.nullable
    if item.enum is not None:
        return any(str(option).lower() == value.lower() for option in item.enum) or (None in item.enum)
    if not item.types or "string" in item.types:
        const = item.schema.get("const")
        return const is None or str(const.value).lower() == value.lower()
    numeric = re.fullmatch(r"-?\d+(?:\.\d+)?", value) is not None
    return numeric and bool(item.types & {"number", "integer"})


def _named_fields(sentinel: Sentinel, shape: Shape) -> list[Field]:
    """The fields the sentence names, by their name or its words ("total", "due date" for `due_date`)."""
    begin, end = sentinel.hit.sentence
    sentence = sentinel.hit.item.text.value[begin:end].lower()
    named = []
    for item in shape.fields:
        spoken = " ".join(name_words(item.name))
        if re.search(rf"\b(?:{re.escape(item.name.lower())}|{re.escape(spoken)})\b", sentence):
            named.append(item)
    return named


def contradictions(found: Abstention) -> Iterator[tuple[Sentinel, Shape, list[Field]]]:
    """Fallback values the prose names that the schema cannot hold: (value, schema, the fields meant)."""
    for sentinel in found.sentinels:
        for shape in found.shapes:
            named = _named_fields(sentinel, shape)
            fields = named or [item for item in shape.fields if not _nested_object(item)]
            if fields and not any(_holds(item, sentinel.value) for item in fields):
                yield sentinel, shape, fields


def _nested_object(item: Field) -> bool:
    return "object" in item.types or item.schema.get("properties") is not None


def abstention_sentinel_not_in_schema(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = _analysis(document, context)
    for sentinel, shape, fields in contradictions(found):
        target = fields[0]
        shown = "null" if sentinel.value is None else f"\"{sentinel.value}\""
        why = _why_not(target, sentinel.value)
        which = f"'{target.name}'" if len(fields) == 1 else "no field of it"
        yield context.finding(sentinel.hit.span, (
            f"the prompt says to answer {shown} when it cannot answer, but the {shape.label} cannot hold it "
            f"({which}: {why}); with strict decoding the schema wins and the model must invent a value. "
            + ("Make the field nullable (`type: [T, \"null\"]`) and say \"use null\"" if sentinel.value is None
               else f"Add {shown} to the field's enum or make the field nullable and say \"use null\"")),
            (Related(document.path, target.span, f"'{target.name}' is defined here"),))


def _why_not(item: Field, value: str | None) -> str:
    if value is None:
        return f"{'/'.join(sorted(item.types)) or 'its type'} without null"
    if item.enum is not None:
        return "an enum without it"
    return f"a {'/'.join(sorted(item.types))}"


# --- PL506 abstention-only-in-prose -------------------------------------------------------------


def _structure(document: Document, found: Abstention) -> tuple[Span, str] | None:
    """Where the output is made structured, and how to name it."""
    if found.shapes:
        return found.shapes[0].span, f"the {found.shapes[0].label}"
    if found.json_mode is not None:
        return found.json_mode, "JSON mode"
    if document.tools and found.grounded:  # tools make an agent: a handoff tool is its way out
        tool = document.tools[0]
        return tool.name_span or tool.span, "the tools"
    return None


def abstention_only_in_prose(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = _analysis(document, context)
    if not found.prose or found.channel:
        return
    structure = _structure(document, found)
    if structure is None or _forced(found) or next(contradictions(found), None) is not None:
        return  # PL502 and PL505 already report the schema
    span, what = structure
    first = found.prose[0]
    yield context.finding(first.span, (
        f"abstention exists only as an instruction ('{first.phrase}') while the output is structured ({what}): "
        f"the application cannot route on a sentence. Give it a first-class shape: {_FIRST_CLASS}"),
        (Related(document.path, span, f"{what} set here"),))
