"""The metaschema prefilter may only ever say "valid" where the full draft 2020-12 validator
finds nothing; and it must say so for most real schemas, or it saves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptlint.formats import read_document
from promptlint.schema_prefilter import plainly_valid

REPOSITORY = Path(__file__).resolve().parent.parent
VALIDATOR = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)


def valid(schema: Any) -> bool:
    return not any(True for _ in VALIDATOR.iter_errors(schema))


def tool_schemas(folder: Path) -> list[Any]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".yaml", ".yml", ".jsonl"):
            continue
        document = read_document(path, path.name)
        for tool in document.tools if document is not None else ():
            if tool.parameters is not None:
                found.append(tool.parameters.plain())
    return found


def test_real_tool_schemas_are_judged_as_the_validator_judges_them() -> None:
    folders = [REPOSITORY / "fixtures", REPOSITORY.parent / "shared" / "corpus",
               REPOSITORY.parent / "shared" / "peer-suites"]
    schemas = [schema for folder in folders if folder.is_dir() for schema in tool_schemas(folder)]
    assert len(schemas) > 50
    passed = [schema for schema in schemas if plainly_valid(schema)]
    assert all(valid(schema) for schema in passed)
    assert len(passed) >= 0.8 * sum(1 for schema in schemas if valid(schema))


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False),
                    st.sampled_from(["string", "object", "integer", "strng", "", "#/$defs/x"]))
_KEYWORDS = ["type", "properties", "items", "required", "enum", "minimum", "maxLength", "minItems", "anyOf",
             "allOf", "oneOf", "not", "additionalProperties", "$ref", "$defs", "description", "pattern", "const",
             "multipleOf", "uniqueItems", "dependentRequired", "prefixItems", "format", "x-vendor", "$id"]


def _schemas() -> st.SearchStrategy[Any]:
    return st.recursive(
        _VALUES,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(_KEYWORDS), children, max_size=4),
            st.dictionaries(st.sampled_from(["a", "b"]), children, max_size=2),
        ),
        max_leaves=12,
    )


@settings(max_examples=400, deadline=None)
@given(_schemas())
def test_the_prefilter_never_passes_a_schema_the_validator_rejects(schema: Any) -> None:
    if plainly_valid(schema):
        assert valid(schema), schema


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"q": {"type": "string", "maxLength": 100}}, "required": ["q"]},
    {"type": ["string", "null"], "enum": ["a", None]},
    {"anyOf": [{"$ref": "#/$defs/x"}], "$defs": {"x": True}},
    True,
])
def test_plain_schemas_pass(schema: Any) -> None:
    assert plainly_valid(schema)


@pytest.mark.parametrize("schema", [
    {"type": "strng"}, {"required": ["a", "a"]}, {"maxLength": -1}, {"anyOf": []}, {"items": [{}]},
    {"properties": {"a": 3}}, {"minItems": 1.0}, {"$id": "x#y"},
])
def test_doubtful_schemas_go_to_the_validator(schema: Any) -> None:
    assert not plainly_valid(schema)
