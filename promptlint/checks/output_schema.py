"""Output schemas and JSON mode (PL240-PL242).

Where an output schema is set: native `output.schema`, Dotprompt `output.schema` (JSON Schema;
Picoschema is compact by construction and not validated here), and in an OpenAI request body
`response_format: {type: json_schema, json_schema: {schema, strict}}` (Chat Completions) or
`text: {format: {type: json_schema, schema, strict}}` (Responses).

JSON mode: `response_format: {type: json_object}` (or Responses `text.format.type:
json_object`) and a native `output.format: json` without a schema. A native `format: json`
with a schema is sent as a schema (structured outputs), which OpenAI does not require the
word "JSON" for, and Dotprompt runtimes write their own format instructions (with the word),
so neither is JSON mode here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptlint.checks import lazy
from promptlint.checks.tool_quality import metaschema_errors, schema_nodes
from promptlint.context import CheckContext
from promptlint.findings import Finding, Related
from promptlint.model import Document, Message, Node, Span

_JSON_SCHEMA_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")


def _response_format(document: Document) -> Node | None:
    """The OpenAI request's format object: `response_format`, or Responses `text.format`; in a
    Prompty file, `model.parameters.response_format` (Prompty 1) or `model.options.response_format` (2)."""
    root = document.root
    if root is None or root.kind != "mapping":
        return None
    if document.format == "prompty":
        model = root.get("model")
        holder = (model.get("parameters") or model.get("options")) if model is not None else None
        found = holder.get("response_format") if holder is not None else None
        return found if found is not None and found.kind == "mapping" else None
    if document.format not in ("chat", "tools"):
        return None
    found = root.get("response_format")
    if found is None:
        text = root.get("text")
        found = text.get("format") if text is not None and text.kind == "mapping" else None
    return found if found is not None and found.kind == "mapping" else None


def _format_type(node: Node) -> str | None:
    kind = node.get("type")
    return kind.string() if kind is not None else None


def output_schemas(document: Document) -> list[tuple[Node, str]]:
    """(schema, how to name it) of every JSON Schema this document sets for the model's output."""
    found: list[tuple[Node, str]] = []
    output = document.output
    if output is not None and (document.format == "native"
                               or (document.format == "dotprompt" and _is_json_schema(output.schema))):
        found.append((output.schema, "output schema"))
    response = _response_format(document)
    if response is not None and _format_type(response) == "json_schema":
        holder = response.get("json_schema") or response
        schema = holder.get("schema") if holder.kind == "mapping" else None
        if schema is not None:
            found.append((schema, "response_format schema"))
    return found


def _is_json_schema(schema: Node) -> bool:
    """Dotprompt reads a schema as JSON Schema when it has a JSON type or `properties`; else Picoschema."""
    if schema.kind != "mapping":
        return False
    kind = schema.get("type")
    properties = schema.get("properties")
    return (kind is not None and kind.value in _JSON_SCHEMA_TYPES) or (properties is not None
                                                                        and properties.kind == "mapping")


def strict_output(document: Document) -> tuple[Node, str] | None:
    """The output schema when strict mode is declared for it: `json_schema.strict: true`, native `output.strict`."""
    response = _response_format(document)
    if response is not None and _format_type(response) == "json_schema":
        holder = response.get("json_schema") or response
        strict = holder.get("strict") if holder.kind == "mapping" else None
        schema = holder.get("schema") if holder.kind == "mapping" else None
        if strict is not None and strict.value is True and schema is not None:
            return schema, "response_format schema"
    root = document.root
    output = root.get("output") if root is not None and document.format == "native" else None
    strict = output.get("strict") if output is not None else None
    if strict is not None and strict.value is True and document.output is not None:
        return document.output.schema, "output schema"
    return None


# --- PL240 output-schema-invalid --------------------------------------------------------------


def output_schema_invalid(document: Document, context: CheckContext) -> Iterator[Finding]:
    for schema, label in output_schemas(document):
        for error in metaschema_errors(schema):
            yield context.finding(error.span, f"the {label} is not a valid JSON Schema at {error.where}: "
                                              f"{error.message}")


# --- PL241 json-mode-without-json-word --------------------------------------------------------

_TAG = lazy(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _static_text(message: Message, syntax: str) -> str:
    text = message.text.value
    return _TAG.sub(" ", text) if syntax != "none" else text


def json_mode(document: Document) -> Span | None:
    """Where JSON mode is asked for, or None."""
    response = _response_format(document)
    if response is not None and _format_type(response) == "json_object":
        kind = response.get("type")
        return kind.span if kind is not None else response.span
    root = document.root
    if document.format == "native" and root is not None and root.kind == "mapping":
        output = root.get("output")
        if output is not None and output.get("schema") is None:
            output_format = output.get("format")
            if output_format is not None and output_format.value == "json":
                return output_format.span
    return None


def json_mode_without_json_word(document: Document, context: CheckContext) -> Iterator[Finding]:
    where = json_mode(document)
    if where is None or not document.messages:
        return  # no messages here: they are given elsewhere (a parent layer, the caller)
    if document.metadata.extends:
        return  # a parent layer may say it
    if any("json" in _static_text(message, document.template_syntax).lower() for message in document.messages):
        return
    yield context.finding(
        where, "JSON mode is on but no message says \"JSON\"; OpenAI rejects the request (400): say it in the "
               "system message, e.g. \"Return the result as a JSON object.\"")


# --- PL242 output-instructions-contradict-schema ----------------------------------------------

_FORMATS = r"(?P<format>markdown|plain[- ]text|xml|csv|yaml|html|prose|a\s+(?:markdown\s+)?table|bullet(?:ed)?\s+" \
           r"(?:points|list)|a\s+bulleted\s+list)"
_FORMAT_DIRECTIVE = lazy(
    rf"(?i)\b(?:respond|reply|answer|output|return|format\s+(?:your|the)\s+(?:answer|response|reply|output)"
    rf"|your\s+(?:answer|response|reply|output)\s+(?:must|should|will)\s+be(?:\s+formatted)?)\s+"
    rf"(?:(?:it|them|everything|your\s+(?:answer|response|reply|output))\s+)?(?:only\s+|always\s+|strictly\s+)?(?:in|as|using|with)\s+{_FORMATS}\b")
_NEGATION = lazy(r"(?i)\b(?:not|never|no|without|instead\s+of|avoid|rather\s+than)\b|n't\b")
_FIELD_CONTEXT = lazy(r"(?i)\b(?:field|key|property|json|schema|value)\b")
_FIELD_NAME = lazy(
    r"(?i)\b(?:field|key|property|include)\s+[`\"'](?P<a>[A-Za-z_][\w.-]{0,63})[`\"']"
    r"|[`\"'](?P<b>[A-Za-z_][\w.-]{0,63})[`\"']\s+(?:field|key|property)\b")
_OUTPUT_WORDS = lazy(r"(?i)\b(?:output|respon[sd]\w*|return\w*|json|answer|reply|result|object)\b")
_OMIT = lazy(
    r"(?i)\b(?:omit|leave\s+out|exclude|do\s+not\s+(?:include|return|output|add)|don't\s+(?:include|return|output|"
    r"add)|never\s+(?:include|return|output|add))\s+(?:the\s+)?[`\"'](?P<name>[A-Za-z_][\w.-]{0,63})[`\"']")
_SENTENCE = lazy(r"[^.!?\n]+[.!?]?")


def _schema_properties(schema: Node) -> dict[str, tuple[Node, bool]]:
    """Every property name at any depth: (its node, whether its object requires it)."""
    found: dict[str, tuple[Node, bool]] = {}
    for item in schema_nodes(schema):
        properties = item.node.get("properties")
        required = item.node.get("required")
        listed = {node.string() for node in required.elements()} if required is not None else set()
        for name, node in properties.items() if properties is not None else ():
            found.setdefault(name, (node, name in listed))
    return found


def output_instructions_contradict_schema(document: Document, context: CheckContext) -> Iterator[Finding]:
    schemas = output_schemas(document)
    mode = json_mode(document)
    if not schemas and mode is None:
        return
    schema, label = schemas[0] if schemas else (None, "JSON mode")
    properties = _schema_properties(schema) if schema is not None and schema.kind == "mapping" else {}
    set_at = (schema.key_span or schema.span) if schema is not None else mode
    assert set_at is not None
    related = (Related(document.path, set_at, f"the {label} is set here" if schema is not None
                       else "JSON mode is set here"),)
    for message in document.messages:
        if message.role not in ("system", "developer", "user"):
            continue
        text = message.text.value
        for sentence in _SENTENCE.finditer(text):
            body = sentence.group()
            directive = _FORMAT_DIRECTIVE.search(body)
            if directive and not _NEGATION.search(body[:directive.start()]) and not _FIELD_CONTEXT.search(body):
                start = sentence.start() + directive.start()
                yield context.finding(
                    message.text.span(start, sentence.start() + directive.end()),
                    f"the prompt asks for {directive.group('format')} output while a JSON {label if schema else 'mode'}"
                    " is set; the model gets contradicting instructions: ask for the JSON fields instead "
                    "(put formatted text inside a string field)", related)
            if not properties:
                continue
            if _OUTPUT_WORDS.search(body):
                for match in _FIELD_NAME.finditer(body):
                    name = match.group("a") or match.group("b")
                    group = "a" if match.group("a") else "b"
                    if name in properties or name in document.variables or name.lower() == "json":
                        continue
                    known = ", ".join(sorted(properties)[:8])
                    yield context.finding(
                        message.text.span(sentence.start() + match.start(group), sentence.start() + match.end(group)),
                        f"the prompt names the field '{name}', which the {label} does not have (it has: {known}); "
                        "rename it in the prompt or add it to the schema", related)
            for match in _OMIT.finditer(body):
                name = match.group("name")
                entry = properties.get(name)
                if entry is None or not entry[1]:
                    continue
                node = entry[0]
                yield context.finding(
                    message.text.span(sentence.start() + match.start("name"), sentence.start() + match.end("name")),
                    f"the prompt says to leave out '{name}', which the {label} requires; make it optional "
                    "(nullable) in the schema or change the instruction",
                    (Related(document.path, node.key_span or node.span, f"'{name}' is required here"),))
