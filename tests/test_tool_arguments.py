"""PL201-PL208: tool arguments that hand the model SQL, a shell, code, any URL, any path, any
object or any count, and generic HTTP tools; what quiets each; where nested findings point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from promptlint.checks.tool_arguments import shown_name
from promptlint.config import build_config
from promptlint.engine import lint_source, select_rules
from promptlint.findings import Result
from promptlint.registry import load_rules

RULES = load_rules()
FAMILY = ("PL201", "PL202", "PL203", "PL204", "PL205", "PL206", "PL207", "PL208")


def lint(text: str, path: str = "tools.json", options: dict[str, dict[str, Any]] | None = None) -> list[Result]:
    config = build_config({"select": list(FAMILY), "rules": options or {}}, Path(__file__).parent, RULES)
    report = lint_source(text, path, select_rules(RULES, config))
    assert not report.errors, report.errors
    return report.results


def openai_tool(name: str, description: str, properties: dict[str, Any], **schema: Any) -> str:
    parameters = {"type": "object", "properties": properties, **schema}
    return json.dumps({"tools": [{"type": "function", "function": {"name": name, "description": description,
                                                                   "parameters": parameters}}]}, indent=2)


def mcp_tool(name: str, description: str, properties: dict[str, Any], annotations: dict[str, Any] | None = None
             ) -> str:
    tool: dict[str, Any] = {"name": name, "description": description,
                            "inputSchema": {"type": "object", "properties": properties}}
    if annotations is not None:
        tool["annotations"] = annotations
    return json.dumps({"tools": [tool]}, indent=2)


def rules_of(results: list[Result]) -> list[str]:
    return [result.rule_id for result in results]


def string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


# --- detections -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "name", "description", "properties"), [
    ("PL201", "run_query", "Runs a query.", {"sql": string("Statement.")}),
    ("PL201", "search", "Searches the orders.", {"where_clause": string("Appended after WHERE.")}),
    ("PL201", "query_db", "Answers questions.", {"query": string("A SQL SELECT statement.")}),
    ("PL201", "execute_query", "Answers questions.", {"q": string("What to run.")}),
    ("PL201", "graph", "Queries the Neo4j graph.", {"cypher": string("The Cypher to run.")}),
    ("PL202", "run_command", "Runs a shell command.", {"command": string("Command line.")}),
    ("PL202", "terminal", "A terminal on the host.", {"cmd": string("What to type.")}),
    ("PL202", "launch", "Starts a subprocess.", {"args": {"type": "array", "items": {"type": "string"},
                                                          "description": "Its arguments."}}),
    ("PL203", "run_python", "Executes Python code.", {"code": string("The program.")}),
    ("PL203", "evaluate", "Evaluates a JavaScript snippet in the page.", {"snippet": string("The snippet.")}),
    ("PL203", "calc", "Evaluates a Python expression with eval.", {"expression": string("The expression.")}),
    ("PL204", "register_callback", "Registers a callback.", {"callback_url": string("Where to call.")}),
    ("PL204", "set_avatar", "Sets the avatar.", {"picture": string("The picture.", format="uri")}),
    ("PL205", "read_text", "Reads a text file.", {"path": string("Which file.")}),
    ("PL205", "export", "Exports the report.", {"output_dir": string("Where to write it.")}),
    ("PL205", "copy", "Copies a file.", {"source": string("Path of the file to copy.")}),
    ("PL201", "report", "Builds a report.", {"filter": string("A SQL WHERE clause over the orders.")}),
    ("PL202", "maintenance", "Maintains the host.", {"action": string("Shell command to run.")}),
    ("PL203", "transform", "Transforms rows.", {"transform": string("Python code to run per row.")}),
    ("PL205", "attach", "Attaches a document.", {"target": string("Absolute path to the document.")}),
    ("PL206", "create", "Creates a campaign.", {"options": {"type": "object", "description": "Settings."}}),
    ("PL206", "store", "Stores a value.", {"value": {"description": "Anything."}}),
    ("PL206", "store_all", "Stores values.", {"values": {"type": "array", "description": "Values."}}),
    ("PL206", "label", "Labels a ticket.", {"labels": {"type": "object", "additionalProperties": {"type": "string"},
                                                       "description": "Labels."}}),
    ("PL207", "search", "Searches tickets.", {"limit": {"type": "integer", "minimum": 1}}),
    ("PL207", "retrieve", "Retrieves passages.", {"top_k": {"type": "integer"}}),
    ("PL207", "suggest", "Suggests titles.", {"num_results": {"type": "number"}}),
    ("PL207", "list_rows", "Lists rows.", {"page_size": {"type": "integer"}}),
])
def test_each_detection(rule: str, name: str, description: str, properties: dict[str, Any]) -> None:
    results = lint(openai_tool(name, description, properties))
    assert rule in rules_of(results), [result.message for result in results]
    found = next(result for result in results if result.rule_id == rule)
    parameter = next(iter(properties))
    assert f"parameter '{parameter}' of tool '{name}'" in found.message
    assert found.location.start_line == 11  # the parameter's key, not the tool
    assert found.severity == RULES[rule].severity


def test_generic_http_tool_is_reported_at_its_name() -> None:
    text = openai_tool("http_request", "Calls an HTTP API.", {
        "method": string("HTTP method."), "url": string("Address."),
        "headers": {"type": "object", "description": "Headers."}})
    results = lint(text)
    assert sorted(rules_of(results)) == ["PL204", "PL206", "PL208"]
    http = next(result for result in results if result.rule_id == "PL208")
    assert (http.location.start_line, http.location.start_column) == (6, 17)
    assert "'method' picks the HTTP method" in http.message and "'headers' is free-form" in http.message


def test_http_verbs_in_an_enum_make_a_generic_client() -> None:
    text = mcp_tool("call_api", "Calls a partner endpoint.", {
        "endpoint_url": string("Endpoint."), "verb": string("How.", enum=["GET", "POST", "DELETE"])})
    assert "PL208" in rules_of(lint(text))


def test_a_method_that_is_no_http_verb_or_a_pinned_url_is_no_generic_client() -> None:
    operations = openai_tool("call_partner", "Calls the partner API.", {
        "url": string("Address."), "method": string("Which operation.", enum=["lookup", "refresh"])})
    assert rules_of(lint(operations)) == ["PL204"]
    pinned = openai_tool("call_status", "Reads a partner status.", {
        "url": string("Address.", pattern="^https://api\\.partner\\.example\\.com/"),
        "method": string("HTTP method.", enum=["GET", "HEAD"])})
    assert lint(pinned) == []


# --- quiet cases --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "description", "properties"), [
    # a read-only search tool whose query is keywords bounded by maxLength
    ("search_articles", "Searches help articles by keywords.",
     {"query": string("Keywords to search for.", maxLength=200),
      "limit": {"type": "integer", "minimum": 1, "maximum": 20}}),
    # a report chosen from an enum; no free-form queries
    ("run_report", "Runs a vetted report; no free-form queries.",
     {"report": string("Which report.", enum=["revenue", "churn"]),
      "query": string("Saved SQL query, by name.", enum=["daily", "weekly"])}),
    # a path constrained by a pattern
    ("read_note", "Reads a note.", {"path": string("Note path.", pattern="^(?!/)(?!.*\\.\\.)[\\w./-]+$")}),
    ("read_sample", "Reads a sample file.", {"file": string("Which sample.", enum=["a.md", "b.md"])}),
    ("run_command", "Runs a shell command.", {"command": string("Sub-command.", enum=["status", "restart"])}),
    ("run_command", "Runs a shell command.", {"command": string("Sub-command.", const="status")}),
    ("run_sql", "Runs SQL.", {"sql": string("Statement id.", pattern="^[a-z_]{1,32}$")}),
    ("post_hook", "Posts to the hook.", {"url": string("Hook.", pattern="^https://hooks\\.example\\.com/")}),
    ("post_hook", "Posts to the hook.", {"url": string("Hook.", enum=["https://hooks.example.com/a"])}),
    ("calculator", "Evaluates an arithmetic expression.", {"expression": string("Such as 2 * (3 + 4).")}),
    ("lookup_country", "Looks up a country by its ISO code.", {"code": string("ISO code.", maxLength=2)}),
    ("get_statement", "Returns a bank statement.", {"statement": string("Month, YYYY-MM.")}),
    ("search_docs", "Full-text search over the handbook.", {"query": string("Words to find.")}),
    ("book_table", "Books a table.", {"party_size": {"type": "integer", "minimum": 1}}),
    ("list", "Lists items.", {"offset": {"type": "integer"}, "page": {"type": "integer"}}),
    ("link_previews", "Turns link previews on.", {"link": {"type": "boolean"}}),
    ("configure", "Configures the widget.", {"options": {"type": "object", "additionalProperties": False}}),
    ("configure", "Configures the widget.", {"options": {"type": "object", "properties": {
        "dark": {"type": "boolean"}}, "additionalProperties": False}}),
    ("choose", "Picks a range.", {"range": {"anyOf": [{"type": "string"}, {"type": "integer", "maximum": 9}]}}),
    ("get_file", "Gets a file from a GitHub repository.", {"path": string("Path in the repository.")}),
    ("find_hotels", "Finds hotels.", {"where": string("City or region to stay in.", maxLength=100)}),
    ("describe_table", "Describes a table.", {"table_name": string("Name of the SQL table.", maxLength=64)}),
    ("sort_rows", "Sorts the rows.", {"column": string("Column to order by.", maxLength=64)}),
    ("get_page", "Gets a wiki page.", {"title": string("Title of the page, not its path.", maxLength=200)}),
    ("translate", "Runs a translation of the text.", {"source": string("Source language.", maxLength=8)}),
    ("discount", "Applies a discount code to the cart.", {"code": string("The code.", maxLength=20)}),
    ("create_gist", "Creates a gist.", {"filename": string("Name of the gist's file.")}),
])
def test_quiet_cases(name: str, description: str, properties: dict[str, Any]) -> None:
    assert [result.message for result in lint(openai_tool(name, description, properties))] == []


def test_a_limit_whose_maximum_is_in_the_schema_is_quiet_and_one_in_prose_is_named() -> None:
    bounded = openai_tool("list_users", "Lists users.", {"limit": {"type": "integer", "maximum": 200}})
    assert lint(bounded) == []
    prose = openai_tool("list_users", "Lists users.", {"limit": {"type": "integer",
                                                                 "description": "Per page (min 20, max 200)."}})
    assert "`maximum: 200`, as its description states" in lint(prose)[0].message


@pytest.mark.parametrize("parameters", [{}, {"$schema": "http://json-schema.org/draft-07/schema#"},
                                        {"type": "object"}, {"type": "object", "properties": {}}])
def test_empty_schemas_do_not_crash(parameters: dict[str, Any]) -> None:
    for text in (json.dumps({"tools": [{"type": "function", "function": {"name": "ping", "description": "Pings.",
                                                                         "parameters": parameters}}]}),
                 json.dumps({"tools": [{"name": "ping", "description": "Pings.", "inputSchema": parameters}]}),
                 json.dumps([{"name": "ping", "description": "Pings.", "input_schema": parameters}])):
        assert lint(text) == []


# --- severities that say why ------------------------------------------------------------------------------

def test_read_only_sql_on_a_read_only_connection_is_a_warning_that_says_why() -> None:
    text = mcp_tool("read_reports", "Runs a query for reports on a read-only replica connection.",
                    {"query": string("The SQL to run.")}, {"readOnlyHint": True})
    [result] = lint(text)
    assert (result.rule_id, result.severity) == ("PL201", "warning")
    assert "read-only connection" in result.message
    claimed = mcp_tool("read_reports", "Runs a read only SQL query.", {"sql": string("The SQL.")})
    [result] = lint(claimed)
    assert result.severity == "error" and "no read-only connection" in result.message


def test_declared_bound_and_fetchers_are_notes_with_the_reason() -> None:
    bounded = mcp_tool("list_folder", "Lists a folder. Only works within allowed directories.",
                       {"path": string("Folder.")})
    [result] = lint(bounded)
    assert (result.rule_id, result.severity) == ("PL205", "note")
    assert "'Only works within allowed directories'" in result.message
    fetcher = mcp_tool("fetch_page", "Fetches a web page.", {"url": string("Page.", format="uri")})
    [result] = lint(fetcher)
    assert (result.rule_id, result.severity) == ("PL204", "note") and "fetches pages" in result.message
    allow_listed = mcp_tool("mirror", "Copies pages; hosts on the allow-list only.", {"endpoint": string("Site.")})
    assert [(result.rule_id, result.severity) for result in lint(allow_listed)] == [("PL204", "note")]


def test_local_files_of_a_repository_tool_are_still_paths() -> None:
    text = openai_tool("upload_to_github", "Uploads a file from the local disk to a GitHub repository.",
                       {"local_path": string("The file.")})
    assert rules_of(lint(text)) == ["PL205"]


def test_sandboxed_tools_are_a_reviewed_exception() -> None:
    text = openai_tool("python_sandbox", "Executes Python code.", {"code": string("Program.")})
    assert rules_of(lint(text)) == ["PL203"]
    assert lint(text, options={"PL203": {"sandboxed-tools": ["python_sandbox"]}}) == []
    flagged = json.loads(text)
    flagged["tools"][0]["function"]["x-promptlint-sandboxed"] = True
    assert lint(json.dumps(flagged)) == []


def test_a_script_in_a_programming_language_is_code_not_a_command() -> None:
    text = mcp_tool("browser_evaluate", "Execute JavaScript in the browser console.", {"script": string("Code.")})
    assert rules_of(lint(text)) == ["PL203"]


# --- locations of nested parameters --------------------------------------------------------------------------

def _at(text: str, needle: str) -> tuple[int, int]:
    """(line, column) of the first occurrence of `needle`, 1-based."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_nested_findings_point_at_the_key_in_defs_items_and_any_of() -> None:
    parameters = {
        "type": "object",
        "properties": {
            "filter": {"$ref": "#/$defs/Filter"},
            "files": {"type": "array", "items": {"type": "object", "properties": {"file_path": string("A file.")}}},
            "sort": {"anyOf": [{"type": "object", "properties": {"order_by": string("Columns.")}}, {"type": "null"}]},
        },
        "$defs": {"Filter": {"type": "object", "properties": {"raw_sql": string("Condition.")}}},
    }
    text = json.dumps({"type": "function", "name": "find_orders", "description": "Finds orders.",
                       "parameters": parameters}, indent=2)  # the Responses API's flat form
    results = {result.rule_id + ":" + result.message.split("'")[1]: result for result in lint(text)}
    assert set(results) == {"PL201:$defs.Filter.raw_sql", "PL205:files[].file_path", "PL201:sort.order_by"}
    for key, needle in (("PL201:$defs.Filter.raw_sql", '"raw_sql"'), ("PL205:files[].file_path", '"file_path"'),
                        ("PL201:sort.order_by", '"order_by"')):
        location = results[key].location
        assert (location.start_line, location.start_column) == _at(text, needle)


def test_tools_inline_in_a_native_prompt_and_legacy_functions() -> None:
    native = ("id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: Answer.\ntools:\n"
              "  - name: shell\n    description: Runs a bash command.\n    input_schema:\n      type: object\n"
              "      properties:\n        command: {type: string}\n")
    [result] = lint(native, "t.prompt.yaml")
    assert (result.rule_id, result.location.start_line, result.location.start_column) == ("PL202", 12, 9)
    legacy = json.dumps({"functions": [{"name": "run_sql", "description": "Runs SQL.", "parameters": {
        "type": "object", "properties": {"sql": {"type": "string"}}}}]})
    assert rules_of(lint(legacy)) == ["PL201"]


@pytest.mark.parametrize(("pointer", "shown"), [
    ("/properties/filter/properties/sql", "filter.sql"),
    ("/properties/files/items/properties/path", "files[].path"),
    ("/properties/sort/anyOf/0/properties/order_by", "sort.order_by"),
    ("/$defs/Filter/properties/sql", "$defs.Filter.sql"),
    ("/properties/a~1b", "a/b"),
])
def test_shown_names(pointer: str, shown: str) -> None:
    assert shown_name(pointer) == shown
