"""A quick yes to "does this data conform to our own JSON Schema?" (the native format's), so
the full validator (and the import of jsonschema, about 40 ms) is needed only for data that may
not.

It knows the keywords our schemas use and answers True only when it is sure; a keyword it does
not know, a pattern over non-ASCII text, anything unusual, answers False and the caller runs
the real validator, whose messages are reported. A test holds it to that one direction.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples", "$comment"})
_TYPES: dict[str, Any] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "integer": lambda value: (isinstance(value, int) and not isinstance(value, bool))
    or (isinstance(value, float) and value.is_integer()),
}


def conforms(value: Any, schema: Any, depth: int = 0) -> bool:
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or depth > 64:
        return False
    for key, expected in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "type":
            names = [expected] if isinstance(expected, str) else expected
            if not any(name in _TYPES and _TYPES[name](value) for name in names):
                return False
        elif key == "enum":
            if not any(_equal(value, item) for item in expected):
                return False
        elif key == "const":
            if not _equal(value, expected):
                return False
        elif key == "minLength":
            if isinstance(value, str) and len(value) < expected:
                return False
        elif key == "minItems":
            if isinstance(value, list) and len(value) < expected:
                return False
        elif key == "minimum":
            if _TYPES["number"](value) and value < expected:
                return False
        elif key == "pattern":
            if isinstance(value, str) and not (value.isascii() and _compiled(expected).search(value)):
                return False  # outside ASCII, Python's and ECMA's classes may differ: ask the validator
        elif key == "required":
            if isinstance(value, dict) and any(name not in value for name in expected):
                return False
        elif key == "items":
            if isinstance(value, list) and not all(conforms(item, expected, depth + 1) for item in value):
                return False
        elif key == "not":
            if not _surely_fails(value, expected):
                return False  # proving a negative beyond the plain cases is the validator's job
        elif key == "oneOf":
            # one branch surely holds and every other surely fails; a branch unsure either way asks the validator
            holding = [branch for branch in expected if conforms(value, branch, depth + 1)]
            if len(holding) != 1 or not all(_surely_fails(value, branch) for branch in expected
                                            if branch is not holding[0]):
                return False
        elif key == "propertyNames":
            if isinstance(value, dict) and not all(conforms(name, expected, depth + 1) for name in value):
                return False
        elif key in ("properties", "patternProperties", "additionalProperties"):
            if isinstance(value, dict) and not _members_conform(value, schema, depth):
                return False
        else:
            return False
    return True


def _surely_fails(value: Any, schema: Any) -> bool:
    """Whether `value` certainly does not conform, by a keyword checked exactly (type, required,
    const, enum, or a `not` of a plain `required`)."""
    if not isinstance(schema, dict):
        return schema is False
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else expected
        if all(name in _TYPES for name in names) and not any(_TYPES[name](value) for name in names):
            return True
    if isinstance(value, dict) and isinstance(schema.get("required"), list) \
            and any(name not in value for name in schema["required"]):
        return True
    if "const" in schema and not _equal(value, schema["const"]):
        return True
    if isinstance(schema.get("enum"), list) and not any(_equal(value, item) for item in schema["enum"]):
        return True
    negated = schema.get("not")
    return (isinstance(negated, dict) and set(negated) == {"required"} and isinstance(value, dict)
            and all(name in value for name in negated["required"]))


def _members_conform(value: dict[str, Any], schema: dict[str, Any], depth: int) -> bool:
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    rest = schema.get("additionalProperties", True)
    for name, item in value.items():
        matched = False
        if name in properties:
            matched = True
            if not conforms(item, properties[name], depth + 1):
                return False
        for pattern, branch in patterns.items():
            if not name.isascii():
                return False
            if _compiled(pattern).search(name):
                matched = True
                if not conforms(item, branch, depth + 1):
                    return False
        if not matched and not conforms(item, rest, depth + 1):
            return False
    return True


def _equal(value: Any, expected: Any) -> bool:
    """JSON equality: True is not 1, 1 is 1.0."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
