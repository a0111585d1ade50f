"""A fast, conservative answer to "is this JSON Schema valid against the draft 2020-12
metaschema?", so the full validator (about 2 ms a tool, through `$dynamicRef` look-ups) runs
only on schemas that may hold an error.

`plainly_valid` returns True only when every keyword the metaschema constrains has a value of
the shape it requires; anything unusual (a rare keyword, an integer written as 1.0, duplicate
`required` names) returns False, and the caller asks the real validator, whose messages are
the ones reported. So it may be wrong only in one direction, which a test holds it to.
"""

from __future__ import annotations

from typing import Any

_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_SCHEMA = ("items", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not",
           "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_STRING = ("$schema", "$ref", "$dynamicRef", "$comment", "title", "description", "pattern", "format",
           "contentEncoding", "contentMediaType")
_NUMBER = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")
_COUNT = ("maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains", "maxProperties",
          "minProperties")
_FLAG = ("uniqueItems", "deprecated", "readOnly", "writeOnly")
# constrained in ways not checked here (anchors, vocabularies, legacy keywords): ask the validator
_UNSURE = frozenset({"$id", "$anchor", "$dynamicAnchor", "$vocabulary", "$recursiveRef", "$recursiveAnchor",
                     "dependencies"})
MAX_DEPTH = 200


def plainly_valid(schema: Any, depth: int = 0) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return False
    return all(_keyword_fits(key, value, depth) for key, value in schema.items())


def _keyword_fits(key: str, value: Any, depth: int) -> bool:
    if key in _UNSURE:
        return False
    if key in _SCHEMA:
        return plainly_valid(value, depth + 1)
    if key in _SCHEMA_MAP:
        return isinstance(value, dict) and all(plainly_valid(item, depth + 1) for item in value.values())
    if key in _SCHEMA_LIST:
        return isinstance(value, list) and bool(value) and all(plainly_valid(item, depth + 1) for item in value)
    if key in _STRING:
        return isinstance(value, str)
    if key in _NUMBER:
        return _is_number(value)
    if key in _COUNT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if key in _FLAG:
        return isinstance(value, bool)
    if key == "type":
        if isinstance(value, str):
            return value in _TYPES
        return (isinstance(value, list) and bool(value) and all(isinstance(item, str) and item in _TYPES
                                                                 for item in value) and len(set(value)) == len(value))
    if key == "required":
        return _string_set(value)
    if key == "dependentRequired":
        return isinstance(value, dict) and all(_string_set(item) for item in value.values())
    if key in ("enum", "examples"):
        return isinstance(value, list)
    if key == "multipleOf":
        return _is_number(value) and value > 0
    return True  # a keyword the metaschema does not constrain (x-*, vendor keywords): anything goes


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string_set(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value) and len(set(value)) == len(value)
