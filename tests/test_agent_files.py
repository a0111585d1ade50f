"""Coding-agent rules and instruction files (`.cursorrules`, `.windsurfrules`, `.clinerules`,
`.cursor/rules/*.mdc`, `AGENTS.md`, ...) are privileged prompts: the whole body is one system
message, also when the front matter is broken, and a directory walk finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document, read_source, reader_for
from promptlint.formats.markdown import read_markdown
from promptlint.model import Document, SourceFile
from promptlint.registry import load_rules
from promptlint.report.text import _lexer

RULES = load_rules()

AGENT_FILES = [
    ".cursorrules", "app/.cursorrules", ".windsurfrules", ".clinerules", "pkg/.clinerules/style.md",
    "pkg/.clinerules/deep/testing.md", ".cursor/rules/python.mdc", "web/.cursor/rules/nested/react.mdc",
    ".cursor/rules/old.md", ".github/copilot-instructions.md", "GEMINI.md", "AGENTS.md", "CLAUDE.md",
    "services/api/AGENTS.md",
]
CURSOR_FRONT_MATTER = '---\ndescription: Python style\nglobs: "*.py"\nalwaysApply: false\n---\n'


def write(tmp_path: Path, display_path: str, content: str | bytes) -> Path:
    path = tmp_path / display_path
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:  # keep "\r\n" as written
            handle.write(content)
    return path


def read(tmp_path: Path, display_path: str, content: str | bytes, explicit: bool = False) -> Document | None:
    return read_document(write(tmp_path, display_path, content), display_path, explicit)


def agent_document(tmp_path: Path, display_path: str, content: str | bytes) -> Document:
    doc = read(tmp_path, display_path, content)
    assert doc is not None and doc.format == "markdown", display_path
    return doc


def messages(doc: Document) -> list[tuple[str, int, int, str]]:
    return [(m.role, m.span.start_line, m.span.start_column, m.text.value) for m in doc.messages]


def problems(doc: Document) -> list[tuple[int, int, str]]:
    return [(p.span.start_line, p.span.start_column, p.message) for p in doc.problems]


Found = list[tuple[str, str, int, int]]


def lint(tmp_path: Path, *paths: Path, strict_suppressions: bool = False) -> tuple[list[str], Found]:
    config = Config(root=tmp_path, strict_suppressions=strict_suppressions)
    report = lint_paths(list(paths) or [tmp_path], select_rules(RULES, config))
    assert report.errors == []
    # only the findings about reading files: rules added later must not change these tests
    found = [(r.location.path, r.rule_id, r.location.start_line, r.location.start_column) for r in report.results
             if r.rule_id in ("PL001", "PL009")]
    return sorted(report.files_scanned), sorted(found)


# --- recognised by name ------------------------------------------------------------------------

@pytest.mark.parametrize("name", [".cursorrules", ".windsurfrules", ".clinerules", "python.mdc", "GEMINI.md"])
def test_reader_for_knows_the_rules_files(name: str) -> None:
    assert reader_for(name) is read_markdown


@pytest.mark.parametrize("name", ["cursorrules", ".cursorrules.bak", "x.windsurfrules", ".CURSORRULES",
                                  ".clinerules~", "windsurfrules"])
def test_reader_for_matches_the_whole_name_only(name: str) -> None:
    assert reader_for(name) is None


# --- read as one system message at its exact position --------------------------------------------

@pytest.mark.parametrize("display_path", AGENT_FILES)
def test_plain_agent_file_is_one_system_message(tmp_path: Path, display_path: str) -> None:
    text = "# Rules\n\nWrite `{{ name }}` literally; use tabs.\n"
    doc = agent_document(tmp_path, display_path, text)
    assert (doc.template_syntax, doc.declares_variables, doc.problems) == ("none", False, [])
    assert messages(doc) == [("system", 1, 1, text)]
    assert list(doc.variable_uses()) == []  # the body is not a template: it declares no inputs


@pytest.mark.parametrize("display_path", AGENT_FILES)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_body_after_front_matter_starts_at_its_first_character(tmp_path: Path, display_path: str,
                                                               newline: str) -> None:
    text = (CURSOR_FRONT_MATTER + "  Prefer pathlib.\nNever print secrets.\n").replace("\n", newline)
    doc = agent_document(tmp_path, display_path, text)
    assert doc.problems == [] and doc.template_syntax == "none"
    [(role, line, column, body)] = messages(doc)
    assert (role, line, column) == ("system", 6, 1)
    assert body == f"  Prefer pathlib.{newline}Never print secrets.{newline}"
    assert doc.messages[0].span.start == text.index("  Prefer")
    assert doc.root is not None and doc.root.get("alwaysApply") is not None


def test_front_matter_after_blank_lines_and_bom(tmp_path: Path) -> None:
    doc = agent_document(tmp_path, ".windsurfrules", b"\xef\xbb\xbf\r\n\r\n---\r\nmodel: x\r\n---\r\nBody\r\n")
    assert messages(doc) == [("system", 6, 1, "Body\r\n")]


def test_body_that_declares_inputs_is_a_template(tmp_path: Path) -> None:
    doc = agent_document(tmp_path, ".cursor/rules/t.mdc", "---\ninputs:\n  topic: {}\n---\nAbout {{ topic }}.\n")
    assert (doc.template_syntax, doc.declares_variables) == ("jinja", True)
    assert [(use.name, use.span.start_line, use.span.start_column) for use in doc.variable_uses()] == [
        ("topic", 5, 10)]


def test_editor_buffer_is_read_by_its_name(tmp_path: Path) -> None:
    source = SourceFile(tmp_path / ".cursorrules", ".cursorrules", "Use tabs.\r\n")
    doc = read_source(source)
    assert doc is not None and messages(doc) == [("system", 1, 1, "Use tabs.\r\n")]


def test_empty_rules_file_has_no_message(tmp_path: Path) -> None:
    doc = agent_document(tmp_path, ".cursorrules", "\n\n")
    assert (doc.messages, doc.problems) == ([], [])


# --- broken front matter: a PL001 finding, and the body is still read -----------------------------

@pytest.mark.parametrize("display_path", AGENT_FILES)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_malformed_front_matter_is_reported_and_the_body_read(tmp_path: Path, display_path: str,
                                                              newline: str) -> None:
    text = "---\ndescription: x\nglobs: [unclosed\n---\nIgnore the tests.\n".replace("\n", newline)
    doc = agent_document(tmp_path, display_path, text)
    assert [(line, "YAML" in message) for line, _column, message in problems(doc)] == [(4, True)]
    assert messages(doc) == [("system", 5, 1, f"Ignore the tests.{newline}")]
    assert not doc.fatal  # the body is usable: the other rules run on it


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    doc = agent_document(tmp_path, ".cursor/rules/list.mdc", "---\n- a\n- b\n---\nBody\n")
    assert [(line, column, "must be a YAML mapping" in message) for line, column, message in problems(doc)] == [
        (2, 1, True)]
    assert messages(doc) == [("system", 5, 1, "Body\n")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_unclosed_front_matter_leaves_the_rest_as_body(tmp_path: Path, newline: str) -> None:
    # an agent that loads the file as it is reads every line: so is everything after the fence
    text = f"{newline}---{newline}alwaysApply: true{newline}Run rm -rf / first.{newline}"
    doc = agent_document(tmp_path, ".cursorrules", text)
    assert [(line, column, "never closed" in message) for line, column, message in problems(doc)] == [(2, 1, True)]
    assert messages(doc) == [("system", 3, 1, f"alwaysApply: true{newline}Run rm -rf / first.{newline}")]
    assert not doc.fatal


def test_broken_front_matter_in_a_walk(tmp_path: Path) -> None:
    write(tmp_path, ".cursorrules", "---\nname: [a\n---\n<!-- promptlint: disable=PL002 -->\nBe terse.\n")
    write(tmp_path, ".clinerules/open.md", "---\nname: x\nBody\n")
    scanned, found = lint(tmp_path, strict_suppressions=True)
    assert scanned == [".clinerules/open.md", ".cursorrules"]
    # PL001 where the YAML breaks, and the rules ran on the body: its unused suppression is reported
    assert found == [(".clinerules/open.md", "PL001", 1, 1), (".cursorrules", "PL001", 3, 1),
                     (".cursorrules", "PL009", 4, 6)]


def test_unreadable_agent_file_is_reported_in_a_walk(tmp_path: Path) -> None:
    write(tmp_path, ".windsurfrules", b"Use caf\xe9 style.\n")  # Latin-1: an agent may still read it
    write(tmp_path, "AGENTS.md", b"bin\x00ary")
    write(tmp_path, "docs/notes.md", b"caf\xe9\n")  # nothing says this is a prompt: skipped
    scanned, found = lint(tmp_path)
    assert scanned == [".windsurfrules", "AGENTS.md"]
    assert found == [(".windsurfrules", "PL001", 1, 8), ("AGENTS.md", "PL001", 1, 1)]


# --- what stays out ---------------------------------------------------------------------------

@pytest.mark.parametrize("display_path", [
    "README.md", ".clinerules/README.md", ".cursor/rules/README.md", "docs/guide.md", "docs/rules.mdc",
    "notes.mdc", ".cursorrules.md", "cursor/rules/x.mdc", "clinerules/x.md", "docs/AGENTS.md.txt.md",
])
def test_readmes_and_documentation_are_not_read(tmp_path: Path, display_path: str) -> None:
    assert read(tmp_path, display_path, "# About\n\nThese are the rules {{ x }}.\n") is None
    assert read(tmp_path, display_path, "---\ntitle: About\ndescription: docs\n---\nText\n") is None


def test_readme_with_a_prompt_key_is_read(tmp_path: Path) -> None:
    doc = agent_document(tmp_path, ".clinerules/README.md", "---\nalwaysApply: true\n---\nRules\n")
    assert messages(doc) == [("system", 4, 1, "Rules\n")]


# --- a walk finds them -----------------------------------------------------------------------

def test_a_walk_finds_the_agent_files(tmp_path: Path) -> None:
    for display_path in AGENT_FILES:
        write(tmp_path, display_path, "Be brief.\n")
    write(tmp_path, "README.md", "# Project\n")
    write(tmp_path, "pkg/.clinerules/README.md", "# What these rules are\n")
    write(tmp_path, "docs/guide.md", "# Guide\n")
    write(tmp_path, "docs/page.mdc", "---\ntitle: MDC page\n---\nText\n")
    write(tmp_path, "node_modules/pkg/.cursorrules", "Not ours.\n")
    write(tmp_path, "ignored/.windsurfrules", "Ignored.\n")
    write(tmp_path, ".gitignore", "ignored/\n")
    scanned, found = lint(tmp_path)
    assert scanned == sorted(AGENT_FILES)
    assert found == []


def test_a_clinerules_folder_named_on_the_command_line_is_walked(tmp_path: Path) -> None:
    write(tmp_path, ".clinerules/a.md", "Rule A\n")
    write(tmp_path, ".clinerules/b.md", "---\ndescription: b\n---\nRule B\n")
    write(tmp_path, ".clinerules/notes.txt", "not Markdown\n")
    scanned, _found = lint(tmp_path, tmp_path / ".clinerules")
    assert scanned == [".clinerules/a.md", ".clinerules/b.md"]


# --- code frames ------------------------------------------------------------------------------

@pytest.mark.parametrize("display_path", [".cursorrules", "a/.windsurfrules", ".clinerules", ".cursor/rules/x.mdc",
                                          ".clinerules/x.md", "AGENTS.md"])
def test_code_frames_highlight_agent_files_as_markdown(display_path: str) -> None:
    assert _lexer(display_path) == "markdown"
