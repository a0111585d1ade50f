"""The fixes of PL212 and PL213: `"additionalProperties": false` written into an open object
schema, byte-exactly (JSON pretty-printed and on one line, JSON Lines, YAML block and flow
mappings with comments, nested objects, CRLF), only where reading the file again proves it
right; PL213's fix is safe, PL212's unsafe."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Report, Result
from promptlint.fixes import apply_fixes, plan_fixes, unified_diff
from promptlint.registry import load_rules
from tests.cli_helpers import invoke

RULES = load_rules()
REPOSITORY = Path(__file__).resolve().parent.parent
# what an edit may add: the new member or line, with its comma, break and indentation
ADDED = re.compile(r"""[ \t]*,?[ \t]*(?:\r\n|\r|\n)?[ \t]*(["']?)additionalProperties\1[ \t]*:[ \t]*false"""
                   r"""[ \t]*(?:\r\n|\r|\n)?""")


def lint(root: Path, select: str) -> Report:
    report = lint_paths([root], select_rules(RULES, Config(root=root, select=[select, "PL001"])))
    assert not report.errors, report.errors
    return report


def open_findings(report: Report) -> list[Result]:
    return [result for result in report.results if result.rule_id == "PL212"
            or (result.rule_id == "PL213" and 'an object needs "additionalProperties"' in result.message)]


def assert_only_added(before: bytes, after: bytes) -> None:
    """Every byte of `before` is in `after`, in order, and what was added between them is only
    new `additionalProperties: false` members or lines (or a `true` that became `false`)."""
    old, new = before.decode("utf-8"), after.decode("utf-8")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and old[i1:i2] in ("true", "tru") and new[j1:j2] in ("false", "fals"):
            continue
        assert tag == "insert", (tag, old[i1:i2], new[j1:j2])
        added = new[j1:j2]
        # the matcher may align the inserted text against equal characters on either side of it
        assert "additionalProperties" in new[max(0, j1 - 30):j2 + 30], added
        assert set(added) <= set(" \t\r\n,\"':" + "additionalProperties" + "false"), added


def fix_round_trip(root: Path, select: str, unsafe: bool = True) -> None:
    """Apply the fixes and check: bytes only added, the findings gone, nothing new reported."""
    originals = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    before = lint(root, select)
    assert open_findings(before)
    outcome = apply_fixes(before, unsafe=unsafe)
    assert outcome.written
    after = lint(root, select)
    assert open_findings(after) == [], [result.message for result in open_findings(after)]
    assert not [result for result in after.results if result.rule_id == "PL001"]
    remaining = {(result.rule_id, result.message) for result in after.results}
    assert remaining <= {(result.rule_id, result.message) for result in before.results}
    for path, data in originals.items():
        assert_only_added(data, path.read_bytes())


def write(path: Path, text: str, newline: str = "\n") -> bytes:
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes(data)
    return data


def openai_tools(schema: object, strict: bool = False) -> dict[str, object]:
    function = {"name": "find_order", "description": "Finds an order by the e-mail address it was placed with.",
                "parameters": schema}
    if strict:
        function["strict"] = True
    return {"tools": [{"type": "function", "function": function}]}


NESTED = {"type": "object",
          "properties": {"email": {"type": "string", "description": "E-mail address"},
                         "range": {"type": "object", "description": "Dates",
                                   "properties": {"from": {"type": "string", "description": "First day"}}}},
          "required": ["email"]}


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_pretty_printed_openai_tools_are_closed_member_by_member(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "tools.json"
    write(path, json.dumps(openai_tools(NESTED), indent=2) + "\n", newline)
    fix_round_trip(tmp_path, "PL212")
    text = path.read_bytes().decode("utf-8")
    assert ('"properties": {\n                "from": {\n                  "type": "string",\n'
            '                  "description": "First day"\n                }\n              },\n'
            '              "additionalProperties": false\n            }').replace("\n", newline) in text
    closed = '"required": [\n            "email"\n          ],\n          "additionalProperties": false\n        }'
    assert closed.replace("\n", newline) in text
    assert json.loads(text)["tools"][0]["function"]["parameters"]["additionalProperties"] is False


def test_one_line_and_minified_json_stay_on_one_line(tmp_path: Path) -> None:
    spaced, minified = tmp_path / "spaced" / "tools.json", tmp_path / "minified" / "tools.json"
    spaced.parent.mkdir()
    minified.parent.mkdir()
    write(spaced, json.dumps(openai_tools(NESTED)))  # no final line break
    write(minified, json.dumps(openai_tools(NESTED), separators=(",", ":")) + "\n")
    fix_round_trip(tmp_path, "PL212")
    assert spaced.read_text("utf-8").count("\n") == 0
    assert '"description": "First day"}}, "additionalProperties": false}}' in spaced.read_text("utf-8")
    assert '"required":["email"],"additionalProperties":false}' in minified.read_text("utf-8")
    assert minified.read_text("utf-8").count("\n") == 1


def test_json_lines_each_line_closed_on_its_line(tmp_path: Path) -> None:
    schema: dict[str, object] = {"type": "object", "properties": {"id": {"type": "string", "description": "Id"}}}
    line = {"name": "get_x", "description": "Gets the x of a record by its id.", "inputSchema": schema}
    opened = {**line, "name": "get_y", "inputSchema": {**schema, "additionalProperties": True}}
    path = tmp_path / "tools.jsonl"
    write(path, json.dumps(line) + "\n" + json.dumps(opened) + "\n")
    fix_round_trip(tmp_path, "PL212")
    first, second = path.read_text("utf-8").splitlines()
    assert first.endswith('"description": "Id"}}, "additionalProperties": false}}')
    assert second.endswith('"additionalProperties": false}}')


def test_strict_tool_and_response_format_are_closed_by_a_safe_fix(tmp_path: Path) -> None:
    shutil.copy(REPOSITORY / "fixtures/PL213/bad/strict-tool.json", tmp_path)
    shutil.copy(REPOSITORY / "fixtures/PL213/bad/response-format.json", tmp_path)
    report = lint(tmp_path, "PL213")
    closing = open_findings(report)
    assert closing and all([fix.applicability for fix in result.fixes] == ["safe"] for result in closing)
    others = [result for result in report.results if result not in closing]
    assert others and all(not result.fixes for result in others)  # `required`, unsupported keywords: no fix
    fix_round_trip(tmp_path, "PL213", unsafe=False)


def test_every_open_object_of_the_fixtures_is_closed(tmp_path: Path) -> None:
    for rule in ("PL212", "PL213"):
        for path in (REPOSITORY / "fixtures" / rule / "bad").iterdir():
            if not path.name.endswith(".expect.yaml"):
                shutil.copy(path, tmp_path / f"{rule}-{path.name}")
    before = open_findings(lint(tmp_path, "PL21"))
    assert all(result.fixes for result in before), [result.message for result in before if not result.fixes]
    fix_round_trip(tmp_path, "PL21")


# --- YAML --------------------------------------------------------------------------------------

NATIVE = """\
# owner: support
id: orders.find
version: 1.0.0
messages:
  - role: system
    content: Help the customer find their orders.
tools:
  - name: find_order
    description: Finds an order by the e-mail address it was placed with.
    input_schema:
      type: object  # the arguments
      properties:
        email: {type: string, description: E-mail address}   # where the order was sent
        note:
          type: string
          description: |
            Free text from the customer.

            Quoted as written.
        range:
          type: object
          properties:
            from:
              type: string
              description: First day, YYYY-MM-DD
      # the e-mail is enough
      required: [email]

  - name: cancel_order
    description: Cancels an order that has not shipped yet.
    input_schema:
      type: object
      properties:
        order:
          type: object
          properties:
            id:
              type: string
              description: >+
                The order number.

"""

NATIVE_FIXED = NATIVE.replace("""\
              description: First day, YYYY-MM-DD
""", """\
              description: First day, YYYY-MM-DD
          additionalProperties: false
""").replace("""\
      required: [email]
""", """\
      required: [email]
      additionalProperties: false
""").replace("""\
                The order number.

""", """\
                The order number.

          additionalProperties: false
      additionalProperties: false
""")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_native_prompt_with_comments_and_block_scalars(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "orders.prompt.yaml"
    write(path, NATIVE, newline)
    fix_round_trip(tmp_path, "PL212")
    assert path.read_bytes() == NATIVE_FIXED.replace("\n", newline).encode("utf-8")


def test_the_last_line_without_a_break_gets_one(tmp_path: Path) -> None:
    text = NATIVE[:NATIVE.index("\n  - name: cancel_order")].rstrip("\n")  # ends in `required: [email]`
    path = tmp_path / "orders.prompt.yaml"
    write(path, text, "\r\n")
    fix_round_trip(tmp_path, "PL212")
    assert path.read_bytes().endswith(b"required: [email]\r\n      additionalProperties: false")


MCP_YAML = """\
# MCP tools/list result, kept as YAML
tools:
  - name: search_orders
    description: Searches the orders of a customer by status.
    inputSchema: {
      "type": "object",
      "properties": {"status": {"type": "string", "enum": ["open", "shipped"]}}
    }
  - name: get_invoice
    description: Gets the invoice of an order as a PDF link.
    inputSchema: {type: object, properties: {order: {type: string, description: Order number}}}
  - name: list_items
    description: Lists the items of an order.
    inputSchema:
      type: object
      properties:
        order: {type: string, description: Order number}
      additionalProperties: true   # was meant to be closed
"""


def test_mcp_yaml_flow_and_block_mappings(tmp_path: Path) -> None:
    path = tmp_path / "tools.yaml"
    write(path, MCP_YAML)
    fix_round_trip(tmp_path, "PL212")
    assert path.read_text("utf-8") == MCP_YAML.replace(
        '"enum": ["open", "shipped"]}}\n', '"enum": ["open", "shipped"]}},\n      "additionalProperties": false\n'
    ).replace("Order number}}}", "Order number}}, additionalProperties: false}").replace(
        "additionalProperties: true   #", "additionalProperties: false   #")


def test_three_nested_objects_take_a_second_run(tmp_path: Path) -> None:
    text = ("tools:\n  - name: put_record\n    description: Stores a record in the archive.\n    inputSchema:\n"
            "      type: object\n      properties:\n        a:\n          type: object\n          properties:\n"
            "            b:\n              type: object\n              properties:\n"
            "                c: {type: string, description: C}\n")
    path = tmp_path / "tools.yaml"
    original = write(path, text)
    outcome = apply_fixes(lint(tmp_path, "PL212"), unsafe=True)
    # the two deepest close together; the outermost one meets the middle one's point and waits
    assert len(outcome.applied) == 2 and any("run again" in note for note in outcome.notes())
    fix_round_trip(tmp_path, "PL212")
    assert_only_added(original, path.read_bytes())
    assert path.read_text("utf-8").endswith(
        "                c: {type: string, description: C}\n              additionalProperties: false\n"
        "          additionalProperties: false\n      additionalProperties: false\n")


# --- no fix where it cannot be right -------------------------------------------------------------


def test_no_fix_where_closing_is_not_a_simple_edit(tmp_path: Path) -> None:
    shared = ("tools:\n  - name: get_a\n    description: Gets the a of a record by id.\n    inputSchema: &schema\n"
              "      type: object\n      properties: {id: {type: string, description: Id}}\n"
              "  - name: get_b\n    description: Gets the b of a record by id.\n    inputSchema: *schema\n")
    (tmp_path / "shared").mkdir()
    write(tmp_path / "shared" / "tools.yaml", shared)  # an anchor: closing it would change the alias too
    free = {"type": "object", "additionalProperties": True}  # a free-form map: closing it forbids every key
    (tmp_path / "free").mkdir()
    write(tmp_path / "free" / "tools.json", json.dumps(openai_tools(free), indent=2))
    results = lint(tmp_path, "PL212").results
    assert len(results) == 3 and all(not result.fixes for result in results)
    typed = {"type": "object", "properties": {"a": {"type": "string", "description": "A"}},
             "required": ["a"], "additionalProperties": {"type": "string"}}
    (tmp_path / "typed").mkdir()
    write(tmp_path / "typed" / "tools.json", json.dumps(openai_tools(typed, strict=True), indent=2))
    (strict,) = lint(tmp_path / "typed", "PL213").results
    assert strict in open_findings(lint(tmp_path / "typed", "PL213")) and not strict.fixes


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".promptlint.yaml").write_text("select: [PL212, PL213]\n", encoding="utf-8")
    return tmp_path


def test_fix_leaves_pl212_for_unsafe_fixes_and_applies_pl213(project: Path) -> None:
    open_tool, strict_tool = project / "open.json", project / "strict.json"
    original = write(open_tool, json.dumps(openai_tools(NESTED), indent=2) + "\n", "\r\n")
    properties = NESTED["properties"]
    assert isinstance(properties, dict)
    all_required = {**NESTED, "required": ["email", "range"],
                    "properties": {**properties, "range": {**properties["range"], "required": ["from"]}}}
    write(strict_tool, json.dumps(openai_tools(all_required, strict=True), indent=2) + "\n")
    result = invoke("check", "--fix", ".")
    assert "fixed: strict.json:8:9 PL213 add \"additionalProperties\": false\n" \
           "fixed: strict.json:15:13 PL213 add \"additionalProperties\": false\n" in result.stdout
    assert open_tool.read_bytes() == original  # PL212's fix is unsafe
    assert "PL212" in result.stdout and "fix (unsafe): add \"additionalProperties\": false" in result.stdout
    assert "[PL213]" not in result.stdout and "strict.json" not in result.stdout.split("\n", 2)[2]
    assert json.loads(strict_tool.read_text("utf-8"))["tools"][0]["function"]["parameters"][
        "additionalProperties"] is False

    diff = invoke("check", "--diff", ".")
    assert (diff.exit_code, diff.stdout) == (0, "")  # nothing safe is left to fix
    diff = invoke("check", "--diff", "--unsafe-fixes", ".")
    assert diff.exit_code == 1
    assert diff.stdout.startswith("--- a/open.json\n+++ b/open.json\n")
    assert '+          "additionalProperties": false' in diff.stdout
    assert open_tool.read_bytes() == original

    result = invoke("check", "--fix", "--unsafe-fixes", ".")
    assert result.exit_code == 0, result.output
    assert_only_added(original, open_tool.read_bytes())
    assert b"\r\n" in open_tool.read_bytes() and b"\n" not in open_tool.read_bytes().replace(b"\r\n", b"")


def test_the_plan_matches_the_diff(tmp_path: Path) -> None:
    path = tmp_path / "tools.yaml"
    write(path, MCP_YAML)
    outcome = plan_fixes(lint(tmp_path, "PL212"), unsafe=True)
    assert [item.fix.description for item in outcome.plans[0].applied] == [
        'add "additionalProperties": false', 'add "additionalProperties": false',
        'set "additionalProperties" to false']
    assert '+      additionalProperties: false   # was meant to be closed\n' in unified_diff(outcome)
    assert path.read_text("utf-8") == MCP_YAML
