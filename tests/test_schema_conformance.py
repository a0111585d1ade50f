"""The quick conformance check may say "conforms" only where the full validator agrees; and it
must say so for most real native prompts, or it saves nothing."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import SourceFile
from promptlint.schema_conformance import conforms

REPOSITORY = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(resources.files("promptlint.schemas").joinpath("prompt.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def valid(data: Any) -> bool:
    return not any(True for _ in VALIDATOR.iter_errors(data))


def native_data() -> list[Any]:
    found = []
    for folder in (REPOSITORY / "fixtures", REPOSITORY / "examples", REPOSITORY.parent / "shared" / "corpus"):
        for path in sorted(folder.rglob("*.prompt.yaml")) if folder.is_dir() else ():
            root, problems = load_yaml(SourceFile(path, path.name, path.read_text("utf-8", "replace")))
            if root is not None and not any(problem.fatal for problem in problems):
                found.append(root.plain())
    return found


def test_native_prompts_are_judged_as_the_validator_judges_them() -> None:
    data = native_data()
    assert len(data) > 100
    passed = [item for item in data if conforms(item, SCHEMA)]
    assert all(valid(item) for item in passed)
    assert len(passed) >= 0.8 * sum(1 for item in data if valid(item))


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(-1, 2, allow_nan=False),
                     st.sampled_from(["", "a", "system", "user", "1.0.0", "x y", "é", "jinja2", "untrusted"]))
_KEYS = ["id", "version", "messages", "role", "content", "variables", "trust", "max_tokens", "tools", "name",
         "parameters", "function", "type", "template_format", "x-owner", "model", "layer", "extends", "bogus"]


@settings(max_examples=500, deadline=None)
@given(st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(_KEYS), children, max_size=5)), max_leaves=14))
def test_conforms_never_passes_data_the_validator_rejects(data: Any) -> None:
    if conforms(data, SCHEMA):
        assert valid(data), data


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(native_data() or [{}]), st.sampled_from(_KEYS), _SCALARS)
def test_one_changed_key_in_a_real_prompt_is_judged_soundly(data: Any, key: str, value: Any) -> None:
    changed = dict(data) if isinstance(data, dict) else {}
    changed[key] = value
    if conforms(changed, SCHEMA):
        assert valid(changed), changed
