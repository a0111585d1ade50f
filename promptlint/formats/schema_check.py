"""Validate located data against a published JSON Schema and locate each violation."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from promptlint.model import Node, Problem, Span
from promptlint.schema_conformance import conforms


@cache
def _validator(schema_name: str) -> Any:
    import jsonschema  # imported on first use: only some formats need it

    schema = _schema(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@cache
def _schema(schema_name: str) -> Any:
    return json.loads(resources.files("promptlint.schemas").joinpath(schema_name).read_text("utf-8"))


def schema_problems(root: Node, schema_name: str) -> list[Problem]:
    plain = root.plain()
    if conforms(plain, _schema(schema_name)):
        return []  # surely valid: no need to load (or run) the full validator
    from jsonschema.exceptions import best_match

    validator = _validator(schema_name)
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for error in sorted(validator.iter_errors(plain), key=lambda e: [str(p) for p in e.absolute_path]):
        if error.context:  # oneOf/anyOf: report the branch that came closest
            error = best_match(error.context)
        for problem in _describe(root, error):
            marker = (problem.span.start, problem.message)
            if marker not in seen:
                seen.add(marker)
                # the data is there, only not as the schema wants it: the other rules still run
                problems.append(replace(problem, fatal=False))
    return problems


def _path_label(path: list[Any]) -> str:
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label or "the document"


def _describe(root: Node, error: Any) -> list[Problem]:
    path = list(error.absolute_path)
    node = root.find(path)
    where = _path_label(path)
    validator = error.validator
    if validator == "additionalProperties" and node.kind == "mapping":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [key for key in node.value if key not in allowed and not key.startswith("x-")]
        return [
            Problem(
                f"unknown key '{key}' in {where}; expected one of: {', '.join(allowed)}"
                " (prefix custom keys with 'x-')",
                node.value[key].key_span or node.value[key].span,
            )
            for key in extra
        ]
    if validator == "required":
        missing = [key for key in error.validator_value if node.kind != "mapping" or key not in node.value]
        # at the top level, point at the start of the document rather than all of it
        whole = root.span
        anchor = (node.key_span or node.span) if path else Span(
            whole.start, whole.start, whole.start_line, whole.start_column, whole.start_line, whole.start_column)
        return [Problem(f"missing required key '{key}' in {where}", anchor) for key in missing]
    if validator == "propertyNames" or "propertyNames" in error.schema_path:
        # the error is about one key of this mapping: point at that key
        bad = node.value.get(error.instance) if node.kind == "mapping" and isinstance(error.instance, str) else None
        anchor = (bad.key_span if bad is not None else None) or node.key_span or node.span
        return [Problem(f"invalid name '{error.instance}' in {where}: names must be identifiers "
                        "(letters, digits, _; not starting with a digit)", anchor)]
    if validator == "enum":
        options = ", ".join(str(option) for option in error.validator_value)
        return [Problem(f"{where} must be one of {options}, not {node.plain()!r}", node.span)]
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [Problem(f"{where} must be of type {expected}, not {type(node.plain()).__name__}", node.span)]
    return [Problem(f"{where}: {error.message}", node.span)]
