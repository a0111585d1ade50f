"""Properties of linting generated prompt files and tool schemas, with every rule enabled: it
never raises nor reports an internal error, every location lies inside the file, and a finding
about a named element (a variable use, a tool parameter) points inside that element."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Location, Report
from promptlint.registry import load_rules

RULES = load_rules()
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as the README counts lines

HOSTILE_CHARACTERS = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u00a0", "\t", "é",
                      "😀", "\U000e0041", "<", ">", "'", '"', "\\", "{", "}", "%", "#", ":", "-", "\n"]
text = st.lists(st.one_of(st.sampled_from(HOSTILE_CHARACTERS),
                          st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)),
                max_size=12).map("".join)
names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda name: name not in ("loop", "true", "false", "none", "not", "and", "or", "in", "is", "if", "else"))
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "critic", ""])
trusts = st.sampled_from(["trusted", "untrusted", None])


def lint(root: Path) -> Report:
    """Lint a folder with every rule, opt-in rules too."""
    return lint_paths([root], select_rules(RULES, Config(root=root, select=list(RULES))))


def lines_of(source: str) -> list[str]:
    return LINE_BREAK.split(source)


def assert_inside(location: Location, lines: list[str]) -> None:
    """A location lies inside the file: real lines, columns within the line (or just past its end)."""
    assert 1 <= location.start_line <= location.end_line <= len(lines), (location, len(lines))
    assert 1 <= location.start_column <= len(lines[location.start_line - 1]) + 1, location
    assert 1 <= location.end_column <= len(lines[location.end_line - 1]) + 1, location
    if location.start_line == location.end_line:
        assert location.start_column <= location.end_column, location


def located_text(location: Location, lines: list[str]) -> str:
    if location.start_line == location.end_line:
        return lines[location.start_line - 1][location.start_column - 1:location.end_column - 1]
    first = lines[location.start_line - 1][location.start_column - 1:]
    middle = lines[location.start_line:location.end_line - 1]
    last = lines[location.end_line - 1][:location.end_column - 1]
    return "\n".join([first, *middle, last])


def check_report(report: Report, sources: dict[str, str]) -> None:
    assert not report.errors, report.errors
    for result in report.results:
        assert "internal error" not in result.message
        source = sources.get(result.location.path)
        assert source is not None, result.location.path
        lines = lines_of(source)
        assert_inside(result.location, lines)
        for related in result.related:
            if related.location.path in sources:
                assert_inside(related.location, lines_of(sources[related.location.path]))


# --- native prompt files ----------------------------------------------------------------------------------------


@st.composite
def native_prompts(draw: st.DrawFn) -> tuple[str, set[str]]:
    """A native prompt (YAML) with declared variables, messages with `{{ var }}` uses of declared
    and undeclared names amid hostile text; and the names it uses."""
    declared = draw(st.lists(names, max_size=4, unique=True))
    used: set[str] = set()
    lines = [f"id: {draw(names)}.prompt", f"version: {draw(st.sampled_from(['1.0.0', '0.1', 'x', '2.3.4']))}"]
    if declared:
        lines.append("variables:")
        for name in declared:
            trust = draw(trusts)
            lines.append(f"  {name}: {{trust: {trust}, max_tokens: 50}}" if trust else f"  {name}: {{}}")
    lines.append("messages:")
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        for _ in range(draw(st.integers(0, 4))):
            parts.append(draw(text))
            if draw(st.booleans()):
                known = bool(declared) and draw(st.booleans())
                name = draw(st.sampled_from(declared)) if known else draw(names)
                used.add(name)
                parts.append(f"{{{{ {name} }}}}")
        content = "".join(parts)
        role = draw(roles)
        lines.append(f"  - role: {role}" if role else '  - role: ""')
        if draw(st.booleans()):  # a double-quoted scalar (JSON escapes are YAML escapes)
            lines.append(f"    content: {json.dumps(content, ensure_ascii=draw(st.booleans()))}")
        else:  # a literal block: the text as written, one line per line
            body = content.replace("\r", "").split("\n")
            lines.append("    content: |")
            lines.extend(f"      {line}" if line.strip() else "" for line in body)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines) + newline, used


@EXAMPLES
@given(prompt=native_prompts())
def test_native_prompts_lint_with_every_rule_inside_the_file(tmp_path: Path, prompt: tuple[str, set[str]]) -> None:
    source, _used = prompt
    folder = tmp_path / "prompts"
    folder.mkdir(exist_ok=True)
    path = folder / "generated.prompt.yaml"
    path.write_bytes(source.encode("utf-8"))
    report = lint(folder)
    check_report(report, {"generated.prompt.yaml": source})
    lines = lines_of(source)
    for result in report.results:
        quoted = re.match(r"variable '([^']+)'", result.message)
        if result.rule_id in ("PL002", "PL003") and quoted:  # about one variable: it is what the span holds
            assert quoted.group(1) in located_text(result.location, lines), (result, located_text(result.location,
                                                                                                   lines))


# --- tool schemas -----------------------------------------------------------------------------------------------

scalar_schemas = st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])},
                                       optional={"description": text, "enum": st.lists(text, max_size=3),
                                                 "maxLength": st.integers(0, 10 ** 6), "default": text,
                                                 "format": st.sampled_from(["uri", "email", "date-time", "path"])})


def object_of(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"type": st.just("object"), "properties": st.dictionaries(names, children, max_size=3)},
        optional={"description": text, "required": st.lists(names, max_size=2),
                  "additionalProperties": st.booleans()})


schemas = st.recursive(scalar_schemas, lambda children: st.one_of(
    object_of(children),
    st.fixed_dictionaries({"type": st.just("array"), "items": children}, optional={"maxItems": st.integers(0, 50)}),
    st.fixed_dictionaries({"anyOf": st.lists(children, min_size=1, max_size=2)}),
), max_leaves=8)


def prefixed(schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The schema with every property name prefixed, so a name in a message belongs to one tool."""
    copy = dict(schema)
    if isinstance(copy.get("properties"), dict):
        copy["properties"] = {f"{prefix}{name}": prefixed(child, prefix) for name, child in copy["properties"].items()}
        if isinstance(copy.get("required"), list):
            copy["required"] = [f"{prefix}{name}" for name in copy["required"]]
    for key in ("items",):
        if isinstance(copy.get(key), dict):
            copy[key] = prefixed(copy[key], prefix)
    if isinstance(copy.get("anyOf"), list):
        copy["anyOf"] = [prefixed(child, prefix) for child in copy["anyOf"]]
    return copy


ToolFile = tuple[str, str, list[tuple[str, int, int]]]


@st.composite
def tool_files(draw: st.DrawFn) -> ToolFile:
    """A tool file (OpenAI function calling, or an MCP tools/list), one tool per block of lines;
    its name, its text, and for each tool (prefix, first line, last line)."""
    style = draw(st.sampled_from(["openai", "mcp", "anthropic"]))
    tools, spans, blocks = [], [], []
    line = 2  # line 1 opens the list
    for index in range(draw(st.integers(1, 3))):
        prefix = f"t{index}x"
        parameters = prefixed(draw(object_of(schemas)), prefix)
        name = draw(st.one_of(names, text))
        description = draw(text)
        if style == "openai":
            tool: dict[str, Any] = {"type": "function", "function": {"name": name, "description": description,
                                                                     "parameters": parameters}}
        elif style == "mcp":
            tool = {"name": name, "description": description, "inputSchema": parameters}
        else:
            tool = {"name": name, "description": description, "input_schema": parameters}
        block = json.dumps(tool, indent=2, ensure_ascii=draw(st.booleans()))
        count = block.count("\n") + 1
        tools.append(tool)
        spans.append((prefix, line, line + count - 1))
        blocks.append(block)
        line += count
    body = "[\n" + ",\n".join(blocks) + "\n]\n"
    if style == "mcp" and draw(st.booleans()):
        body = '{"tools":\n' + body + "}\n"
        spans = [(prefix, first + 1, last + 1) for prefix, first, last in spans]
    name = draw(st.sampled_from(["tools.json", "x.json", "functions.json"]))
    return name, body, spans


@EXAMPLES
@given(tool_file=tool_files())
def test_tool_schemas_lint_with_every_rule_inside_the_tool(tmp_path: Path, tool_file: ToolFile) -> None:
    name, source, spans = tool_file
    folder = tmp_path / "tools"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_text(source, encoding="utf-8")
    report = lint(folder)
    check_report(report, {name: source})
    assert report.files_scanned == [name], (report.files_scanned, report.skipped)
    for result in report.results:
        for prefix, first, last in spans:
            if re.search(rf"'{prefix}[a-z0-9_]*'", result.message):  # about a parameter of this tool
                assert first <= result.location.start_line <= result.location.end_line <= last, (
                    result.rule_id, result.message, result.location, prefix, first, last)
