"""Tool-schema quality and validity (PL210-PL219): every provider shape, the "no arguments"
schemas real servers ship, each false-positive control and each option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from promptlint.checks.tool_quality import listed_values, metaschema_errors, schema_nodes, self_describing_enum
from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Result
from promptlint.loaders.json_tree import load_json
from promptlint.model import SourceFile
from promptlint.registry import load_rules

RULES = load_rules()
DESCRIBED = "Returns the current weather for a city, with temperature and wind."


def lint(tmp_path: Path, data: Any, select: str = "PL21", name: str = "tools.json",
         options: dict[str, dict[str, Any]] | None = None) -> list[Result]:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
    config = Config(root=tmp_path, select=[select], rule_options=options or {})
    report = lint_paths([path], select_rules(RULES, config))
    assert not report.errors, report.errors
    return report.results


def rules(results: list[Result]) -> list[str]:
    return [result.rule_id for result in results]


def mcp(schema: Any, name: str = "get_weather", description: str = DESCRIBED, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "inputSchema": schema, **extra}


def openai(schema: Any, name: str = "get_weather", description: str = DESCRIBED, strict: bool | None = None
           ) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name, "description": description, "parameters": schema}
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def at(results: list[Result], rule: str) -> list[tuple[int, int]]:
    return [(result.location.start_line, result.location.start_column) for result in results if result.rule_id == rule]


# --- "no arguments" schemas ---------------------------------------------------------------------


@pytest.mark.parametrize("schema", [{}, {"$schema": "http://json-schema.org/draft-07/schema#"},
                                    {"$schema": "https://json-schema.org/draft/2020-12/schema"},
                                    {"type": "object"}, {"type": "object", "properties": {}}, True])
def test_a_schema_without_arguments_is_quiet_for_every_rule(tmp_path: Path, schema: Any) -> None:
    for shape in (mcp(schema), openai(schema), {"name": "get_weather", "description": DESCRIBED,
                                                 "input_schema": schema}):
        assert lint(tmp_path, [shape], select="PL2") == [] or rules(lint(tmp_path, [shape], select="PL21")) == []
        assert lint(tmp_path, [shape], select="PL21") == []
        assert lint(tmp_path, [shape], select="PL212") == []


def test_a_strict_function_with_an_empty_schema_must_still_be_closed(tmp_path: Path) -> None:
    results = lint(tmp_path, [openai({}, strict=True)], select="PL213")
    assert len(results) == 1 and '"additionalProperties": false' in results[0].message
    closed = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    assert lint(tmp_path, [openai(closed, strict=True)], select="PL213") == []


# --- PL210 ----------------------------------------------------------------------------------------


def test_pl210_missing_short_and_name_only_descriptions(tmp_path: Path) -> None:
    tools = [mcp({}, name="lookup", description="lookup"), mcp({}, name="get_order", description="Get order"),
             mcp({}, name="refresh", description="Refreshes."), {"name": "ping", "inputSchema": {}},
             mcp({}, name="fine_tool", description=DESCRIBED)]
    results = lint(tmp_path, tools, select="PL210")
    assert len(results) == 4
    assert "only repeats its name" in results[0].message and "lookup" in results[0].message
    assert "only repeats its name" in results[1].message
    assert "10 characters" in results[2].message
    assert "has no description" in results[3].message
    assert lint(tmp_path, tools, select="PL210", options={"PL210": {"min-length": 5}}) != results


def test_pl210_skips_dotprompt_names_and_prompty_openapi_tools(tmp_path: Path) -> None:
    assert lint(tmp_path, "---\nmodel: googleai/gemini-2.5-flash\ntools:\n  - lookup\n---\nHello.\n",
                select="PL210", name="a.prompt") == []
    prompty = ("---\nname: t\nmodel:\n  id: gpt-4o\ntools:\n  - name: weather_api\n    kind: openapi\n"
               "    description: Weather API\n  - name: get_time\n    kind: function\n    description: Time\n"
               "---\nsystem:\nHello.\n")
    results = lint(tmp_path, prompty, select="PL210", name="a.prompty")
    assert [result.message.split("'")[1] for result in results] == ["get_time"]


# --- PL211 ----------------------------------------------------------------------------------------


def test_pl211_every_depth_and_the_enum_exemption(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "code": {"type": "string", "enum": ["a", "b"]},
        "kind": {"const": "daily"},
        "only": {"type": "string", "enum": ["x"]},
        "items": {"type": "array", "description": "Lines", "items": {"type": "object", "properties": {
            "sku": {"type": "string"}}}},
    }}
    results = lint(tmp_path, [mcp(schema)], select="PL211")
    assert [result.message.split("'")[1] for result in results] == ["code", "sku"]
    strict = lint(tmp_path, [mcp(schema)], select="PL211",
                  options={"PL211": {"allow-enum-without-description": False}})
    assert [result.message.split("'")[1] for result in strict] == ["unit", "code", "sku"]


def test_self_describing_enums() -> None:
    assert self_describing_enum(["celsius", "fahrenheit"])
    assert self_describing_enum(["dry-run", "apply now"])
    assert not self_describing_enum(["a", "b"])
    assert not self_describing_enum([1, 2])
    assert not self_describing_enum(["only"])


# --- PL212 ----------------------------------------------------------------------------------------


def test_pl212_is_opt_in() -> None:
    assert not RULES["PL212"].enabled


def test_pl212_open_objects_and_its_quiet_cases(tmp_path: Path) -> None:
    schema = {"type": "object", "additionalProperties": True, "properties": {
        "range": {"type": "object", "properties": {"from": {"type": "string"}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "headers": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}},
        "both": {"allOf": [{"properties": {"a": {"type": "string"}}}], "unevaluatedProperties": False},
        "closed": {"type": "object", "properties": {"b": {"type": "string"}}, "additionalProperties": False},
        "free": {"type": "object"},
    }}
    results = lint(tmp_path, [mcp(schema)], select="PL212")
    assert len(results) == 2
    assert "additionalProperties: true" in results[0].message
    assert "'/properties/range'" in results[1].message
    assert lint(tmp_path, [openai(schema, strict=True)], select="PL212") == []  # PL213's


# --- PL213 ----------------------------------------------------------------------------------------


def test_pl213_required_closed_keywords(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {
        "city": {"type": "string", "description": "City", "minLength": 1},
        "unit": {"type": "string", "enum": ["c", "f"], "default": "c"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "choice": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    }, "required": ["city"], "additionalProperties": False}
    results = lint(tmp_path, [openai(schema, strict=True)], select="PL213")
    messages = " | ".join(result.message for result in results)
    for word in ("'minLength'", "'default'", "'uniqueItems'", "'oneOf'", "missing: unit, tags, choice"):
        assert word in messages
    assert all(result.severity == "error" for result in results)
    assert lint(tmp_path, [openai(schema)], select="PL213") == []  # not strict
    anthropic = {"name": "get_weather", "description": DESCRIBED, "input_schema": schema, "strict": True}
    assert lint(tmp_path, [anthropic], select="PL213") == []  # Anthropic's strict mode is not OpenAI's subset
    flat = {"type": "function", "name": "get_weather", "description": DESCRIBED, "parameters": schema, "strict": True}
    assert len(lint(tmp_path, [flat], select="PL213")) == len(results)
    options = {"PL213": {"unsupported-keywords": ["oneOf"]}}
    fewer = lint(tmp_path, [openai(schema, strict=True)], select="PL213", options=options)
    assert len(fewer) == 2


def test_pl213_limits(tmp_path: Path) -> None:
    deep: dict[str, Any] = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    node = deep
    for level in range(12):
        child = {"type": "object", "properties": {}, "required": [], "additionalProperties": False,
                 "description": f"level {level}"}
        node["properties"]["next"] = child
        node["required"] = ["next"]
        node = child
    results = lint(tmp_path, [openai(deep, strict=True)], select="PL213")
    assert len(results) == 1 and "nest 12 levels" in results[0].message
    assert lint(tmp_path, [openai(deep, strict=True)], select="PL213",
                options={"PL213": {"max-depth": 12}}) == []
    values = [f"value-number-{index:04d}-{'x' * 60}" for index in range(260)]
    enum = {"type": "object", "properties": {"v": {"type": "string", "enum": values, "description": "V"}},
            "required": ["v"], "additionalProperties": False}
    results = lint(tmp_path, [openai(enum, strict=True)], select="PL213")
    assert len(results) == 1 and "over 15,000" in results[0].message
    many = lint(tmp_path, [openai(enum, strict=True)], select="PL213", options={"PL213": {"max-enum-values": 100}})
    assert any("260 enum values" in result.message for result in many)


def test_pl213_response_format_and_responses_text_format(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "JSON please"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": schema}}}
    assert len(lint(tmp_path, chat, select="PL213")) == 2
    chat["response_format"]["json_schema"]["strict"] = False
    assert lint(tmp_path, chat, select="PL213") == []


# --- PL214 ----------------------------------------------------------------------------------------


def test_pl214_undefined_duplicate_and_what_counts_as_defined(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "filter": {"$ref": "#/$defs/filter"}},
        "required": ["city", "citty", "city"],
        "anyOf": [{"required": ["city"]}],
        "$defs": {"filter": {"type": "object", "allOf": [{"properties": {"active": {"type": "boolean"}}}],
                             "required": ["active"]}},
    }
    results = lint(tmp_path, [mcp(schema)], select="PL214")
    assert [result.message.split("'")[1] for result in results] == ["citty", "city"]
    assert "did you mean 'city'" in results[0].message
    assert "listed twice" in results[1].message
    mapped = {"type": "object", "patternProperties": {"^x-": {}}, "required": ["x-team"]}
    assert lint(tmp_path, [mcp(mapped)], select="PL214") == []
    bare = {"type": "object", "required": ["anything"]}
    assert len(lint(tmp_path, [mcp(bare)], select="PL214")) == 1


def test_pl214_and_pl215_do_not_both_report_a_duplicate(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "description": "A"}}, "required": ["a", "a"]}
    assert rules(lint(tmp_path, [mcp(schema)], select="PL21")) == ["PL214"]


# --- PL215 ----------------------------------------------------------------------------------------


def test_pl215_is_located_at_the_key(tmp_path: Path) -> None:
    text = ('{"name": "get_weather", "description": "' + DESCRIBED + '",\n'
            ' "inputSchema": {"type": "object",\n'
            '   "properties": {"city": {"type": "strng"}},\n'
            '   "required": "city"}}\n')
    results = lint(tmp_path, text, select="PL215")
    assert at(results, "PL215") == [(3, 28), (4, 4)]
    assert "'strng'" in results[0].message and "/properties/city/type" in results[0].message


def test_pl215_picks_the_validator_from_schema(tmp_path: Path) -> None:
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
              "properties": {"n": {"type": "integer", "maximum": 5, "exclusiveMaximum": True}}}
    assert lint(tmp_path, [mcp(draft4)], select="PL215") == []
    default = {key: value for key, value in draft4.items() if key != "$schema"}
    assert len(lint(tmp_path, [mcp(default)], select="PL215")) == 1
    unknown = {**default, "$schema": "https://example.com/my-schema"}
    assert len(lint(tmp_path, [mcp(unknown)], select="PL215")) == 1  # falls back to 2020-12


def test_metaschema_errors_never_crash_on_odd_schemas(tmp_path: Path) -> None:
    for text in ('[1, 2]', '"text"', '{"$schema": 5}', '{"$schema": "not a uri at all"}', 'null'):
        root, _problems = load_json(SourceFile(tmp_path / "x.json", "x.json", text))
        assert root is not None
        metaschema_errors(root)  # must not raise


# --- PL216 ----------------------------------------------------------------------------------------


def test_pl216_per_provider(tmp_path: Path) -> None:
    long_name = "a" * 65
    tools = [openai({}, name="get weather"), openai({}, name=long_name), openai({}, name="ok_name-2"),
             {"name": "notes.search", "description": DESCRIBED, "input_schema": {}},
             mcp({}, name="notes.search"), mcp({}, name="notes search")]
    results = lint(tmp_path, tools, select="PL216")
    assert [result.message.split("'")[1] for result in results] == ["get weather", long_name, "notes.search",
                                                                     "notes search"]
    assert [result.severity for result in results] == ["error", "error", "error", "warning"]
    assert "e.g. 'get_weather'" in results[0].message


# --- PL217 ----------------------------------------------------------------------------------------


def test_pl217_duplicate_and_shadow(tmp_path: Path) -> None:
    tools = [mcp({}, name="send_email"), mcp({}, name="send_email"), mcp({}, name="SendEmail"),
             mcp({}, name="send-email"), mcp({}, name="send_mail")]
    results = lint(tmp_path, tools, select="PL217")
    assert [(result.severity, result.message.split("'")[1]) for result in results] == [
        ("error", "send_email"), ("warning", "SendEmail"), ("warning", "send-email")]
    assert results[0].related and results[0].related[0].location.start_line == 3


# --- PL218 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("description", "values"), [
    ("Temperature unit, one of: celsius, fahrenheit", ["celsius", "fahrenheit"]),
    ("One of the following values: `asc`, `desc`", ["asc", "desc"]),
    ("Allowed values are open | closed | merged", ["open", "closed", "merged"]),
    ("Must be 'brief' or 'full'.", ["brief", "full"]),
    ("Either \"json\" or \"csv\"", ["json", "csv"]),
    ("Sort order. Possible values: asc, desc", ["asc", "desc"]),
])
def test_pl218_lists(description: str, values: list[str]) -> None:
    found = listed_values(description)
    assert found is not None and found[2] == values


@pytest.mark.parametrize("description", [
    "Must be positive, or zero for a dry run",
    "One of the cities the customer follows",
    "Either a city name or coordinates",
    "The name of one of the customer's orders",
    "Must be a valid e-mail address",
])
def test_pl218_prose_that_lists_nothing(description: str) -> None:
    assert listed_values(description) is None


def test_pl218_only_string_parameters_without_enum(tmp_path: Path) -> None:
    text = "one of: asc, desc"
    schema = {"type": "object", "properties": {
        "a": {"type": "string", "description": text},
        "b": {"type": "string", "enum": ["asc", "desc"], "description": text},
        "c": {"type": "integer", "description": "one of: 1, 2"},
        "d": {"type": "array", "items": {"type": "string"}, "description": text},
    }}
    results = lint(tmp_path, [mcp(schema)], select="PL218")
    assert [result.message.split("'")[1] for result in results] == ["a", "d"]
    assert 'in its "items"' in results[1].message


# --- PL219 ----------------------------------------------------------------------------------------


def test_pl219_counts_one_document(tmp_path: Path) -> None:
    tools = [mcp({}, name=f"tool_{index}") for index in range(21)]
    results = lint(tmp_path, {"tools": tools}, select="PL219")
    assert len(results) == 1 and "21 tools" in results[0].message
    assert at(results, "PL219") == [(2, 3)]  # the "tools" key
    assert lint(tmp_path, {"tools": tools}, select="PL219", options={"PL219": {"max-tools": 21}}) == []
    assert lint(tmp_path, {"tools": tools[:20]}, select="PL219") == []


# --- the schema walk --------------------------------------------------------------------------------


def test_schema_nodes_visit_every_subschema_once(tmp_path: Path) -> None:
    text = json.dumps({"type": "object", "properties": {"a": {"type": "array", "items": {"$ref": "#/$defs/x"}}},
                       "$defs": {"x": {"type": "object", "properties": {"b": {"anyOf": [{"type": "string"}]}}}}})
    root, _problems = load_json(SourceFile(tmp_path / "x.json", "x.json", text))
    assert root is not None
    pointers = [item.pointer for item in schema_nodes(root)]
    assert pointers == ["", "/properties/a", "/properties/a/items", "/$defs/x", "/$defs/x/properties/b",
                        "/$defs/x/properties/b/anyOf/0"]


@pytest.mark.parametrize("schema", [
    [1, 2], "object", None, 7, {"properties": []}, {"type": "object", "properties": {"a": "string"}},
    {"type": "object", "required": "a"}, {"type": "object", "required": [1, None]}, {"enum": "x"},
    {"type": 5}, {"type": ["object", 3]}, {"$ref": "#/nowhere"}, {"$ref": "https://example.com/s.json"},
    {"$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}},
    {"items": [{"type": "object", "properties": {"a": {}}}]}, {"patternProperties": {"(": {}}, "required": ["a"]},
])
def test_odd_schemas_never_crash(tmp_path: Path, schema: Any) -> None:
    tools = [mcp(schema), openai(schema, strict=True)]
    lint(tmp_path, tools, select="PL21")
    lint(tmp_path, tools, select="PL212")
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": schema}}}
    lint(tmp_path, body, select="PL2")
