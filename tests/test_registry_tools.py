"""The docker MCP registry's `tools.json` (`arguments` lists instead of JSON Schema) read as tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import json_report

from promptlint.formats import read_document
from promptlint.tool_schema import tool_parameters

LISTING = [
    {"name": "execute_sql", "description": "Execute raw SQL against the database.",
     "arguments": [{"name": "query", "type": "string", "desc": "SQL query to execute"}]},
    {"name": "ask_database", "description": "Answer a question about the data; the server writes the SQL.",
     "arguments": [{"name": "question", "type": "string", "desc": "Natural language question about the data"},
                   {"name": "description", "type": "string", "desc": "What the SQL query should return"},
                   {"name": "table_names", "type": "array", "desc": "Tables the SQL query may read"},
                   {"name": "limit", "type": "integer", "desc": "How many rows, one of: 10, 50, 100"}]},
    {"name": "list_tables", "description": "List the tables of the database."},
]


@pytest.fixture
def listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(LISTING, indent=2), "utf-8")
    return path


def test_a_registry_listing_is_read_as_tools_with_exact_spans(listing: Path) -> None:
    document = read_document(listing, "tools.json")
    assert document is not None and document.format == "tools"
    assert [(tool.name, tool.provider, tool.schema_summary) for tool in document.tools] == [
        ("execute_sql", "mcp", True), ("ask_database", "mcp", True), ("list_tables", "mcp", True)]
    [query] = tool_parameters(document.tools[0])
    text = listing.read_text("utf-8")
    assert text[query.span.start:query.span.end] == '"query"'  # the argument's name, as a parameter's key
    assert query.types == ("string",) and query.description is not None
    assert text[query.description.span().start:query.description.span().end] == "SQL query to execute"


def test_rules_judge_what_a_listing_says_and_not_what_it_cannot_say(listing: Path) -> None:
    found = {(item["rule_id"], item["start_line"]) for item in json_report("tools.json")["findings"]}
    rules = {rule for rule, _line in found}
    assert ("PL201", 7) in found  # execute_sql.query is raw SQL
    # the question is natural language; a description and a list of names are not SQL
    assert [line for rule, line in found if rule == "PL201"] == [7]
    # a listing cannot state items, a maximum or an enum: their absence is not reported
    assert not rules & {"PL206", "PL207", "PL218"}
