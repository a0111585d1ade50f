"""Which files are read as prompts, and as templates: chat payloads are data, not Jinja; only
agent and instruction Markdown (by path or by prompt keys in its front matter) is a prompt."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document
from promptlint.formats.chat import read_chat
from promptlint.formats.data import read_data_file
from promptlint.loaders.json_tree import load_json
from promptlint.model import Document, SourceFile
from promptlint.registry import load_rules


def read(tmp_path: Path, display_path: str, content: str, explicit: bool = False) -> Document | None:
    path = tmp_path / display_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(content), encoding="utf-8")
    return read_document(path, display_path, explicit)


def uses(doc: Document) -> list[tuple[str, int, int]]:
    return [(use.name, use.span.start_line, use.span.start_column) for use in doc.variable_uses()]


# --- chat payloads are data ------------------------------------------------------------------

CHAT_LIST = '[{"role": "system", "content": "Answer briefly."},\n {"role": "user", "content": "What does {{ do?"}]\n'


def test_literal_braces_in_a_chat_message_are_text(tmp_path: Path) -> None:
    doc = read(tmp_path, "transcript.json", CHAT_LIST)
    assert doc is not None and (doc.format, doc.template_syntax) == ("chat", "none")
    assert doc.problems == []
    assert doc.messages[1].text.value == "What does {{ do?"


def test_chat_messages_object_is_not_scanned(tmp_path: Path) -> None:
    doc = read(tmp_path, "conversation.yaml", """\
        messages:
          - role: user
            content: "In Jinja, {{ name }} prints a variable. What does {% set %} do?"
        """)
    assert doc is not None and doc.format == "chat"
    assert doc.problems == [] and uses(doc) == []


def test_openai_request_body_is_not_scanned(tmp_path: Path) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Render {{ user.name }} for me {{"}],
            "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]}
    doc = read(tmp_path, "request.json", json.dumps(body, indent=2))
    assert doc is not None and doc.format == "chat"
    assert doc.problems == [] and uses(doc) == []
    assert [tool.name for tool in doc.tools] == ["lookup"]


def test_braces_in_chat_json_do_not_block_other_rules(tmp_path: Path) -> None:
    (tmp_path / "chat.json").write_text(
        '[{"role": "user", "content": "Why does {{ fail?"},\n {"role": "assistant", "content": ""}]\n', "utf-8")
    rules = load_rules()
    report = lint_paths([tmp_path], select_rules(rules, Config(root=tmp_path)))
    assert not report.errors
    assert [(result.rule_id, result.location.start_line) for result in report.results] == [("PL005", 2)]


def test_chat_can_be_read_as_jinja_when_asked() -> None:
    # configuration may declare chat files to be templates: then they are scanned as before
    text = '[{"role": "user", "content": "Hi {{ name"}]'
    source = SourceFile(Path("c.json"), "c.json", text)
    root, _problems = load_json(source)
    assert root is not None
    doc = read_chat(source, root, template_syntax="jinja")
    assert doc.template_syntax == "jinja"
    assert [(p.span.start_line, p.span.start_column, "never closed" in p.message) for p in doc.problems] \
        == [(1, 34, True)]
    spaced = SourceFile(Path("c.json"), "c.json", '[{"role": "user", "content": "Hi\\n{{ name }}"}]')
    chat = read_data_file(spaced, template_syntax="jinja")
    assert chat is not None and chat.problems == [] and uses(chat) == [("name", 1, 38)]
    data = read_data_file(spaced)
    assert data is not None and uses(data) == []


def test_native_prompts_stay_jinja(tmp_path: Path) -> None:
    doc = read(tmp_path, "p.prompt.yaml", """\
        id: p
        variables:
          topic: {trust: trusted}
        messages:
          - role: user
            content: "About {{ topic }} and {{ oops"
        """)
    assert doc is not None and (doc.format, doc.template_syntax) == ("native", "jinja")
    assert uses(doc) == [("topic", 6, 24)]
    assert ["never closed" in problem.message for problem in doc.problems] == [True]


# --- which Markdown is a prompt --------------------------------------------------------------

BLOG_POST = """\
    ---
    title: Ten things about templates
    date: 2024-05-01
    tags: [jinja, python]
    description: A post, not a prompt.
    ---
    Write `{{ name` to see what breaks.
    """


@pytest.mark.parametrize("display_path", ["_posts/2024-05-01-templates.md", "content/blog/templates.md",
                                          "docs/agents.md", "docs/index.markdown"])
def test_blog_posts_and_doc_pages_are_not_prompts(tmp_path: Path, display_path: str) -> None:
    assert read(tmp_path, display_path, BLOG_POST) is None
    assert read(tmp_path, display_path, BLOG_POST, explicit=True) is None


def test_a_tree_of_doc_pages_is_not_linted(tmp_path: Path) -> None:
    read(tmp_path, "docs/post.md", BLOG_POST)
    read(tmp_path, "docs/broken.md", "---\ntitle: [unclosed\n---\nText\n")
    report = lint_paths([tmp_path], select_rules(load_rules(), Config(root=tmp_path)))
    assert (report.files_scanned, report.results, report.errors) == ([], [], [])


@pytest.mark.parametrize("display_path", [
    "review.prompt.md", "prompts/python.instructions.md", "x/planner.agent.md", "old/plan.chatmode.md",
    ".github/copilot-instructions.md", ".github/prompts/release.md", ".github/instructions/sql.md",
    ".github/agents/triage.md", ".github/chatmodes/teacher.md", ".openhands/microagents/repo.md",
    "microagents/knowledge/docker.md", ".openhands/skills/deploy.md", "AGENTS.md", "services/api/AGENTS.md",
    "CLAUDE.md", "GEMINI.md", "skills/pdf/SKILL.md", ".claude/agents/reviewer.md", ".claude/commands/fix.md",
    ".cursor/rules/style.md", "packages/web/.github/prompts/deep/nested.md",
])
def test_agent_and_instruction_files_are_prompts_by_path(tmp_path: Path, display_path: str) -> None:
    with_front_matter = read(tmp_path, display_path, "---\ntitle: Style\n---\nAlways answer in English.\n")
    assert with_front_matter is not None and with_front_matter.format == "markdown"
    # most of these files have no front matter at all: the whole text is the instruction
    plain = read(tmp_path, display_path, "# Rules\n\nRun the tests before you commit.\n")
    assert plain is not None and plain.format == "markdown" and plain.problems == []
    assert [(m.role, m.text.value) for m in plain.messages] == [
        ("system", "# Rules\n\nRun the tests before you commit.\n")]


@pytest.mark.parametrize("display_path", [
    "agents.md", "docs/claude.md", "notes/prompt.md", "skills/pdf/skill.md", "claude/agents/x.md",
    ".github/prompts/README.md", "microagents/README.md", "x.prompt.md.txt.md", "github/prompts/x.md",
])
def test_near_miss_paths_are_not_prompts(tmp_path: Path, display_path: str) -> None:
    assert read(tmp_path, display_path, "---\ntitle: About\n---\nThis folder holds prompts.\n") is None


@pytest.mark.parametrize("front_matter", [
    "inputs:\n  - name: topic", "variables:\n  topic: {}", "model: gpt-4o", "tools: [search]",
    "applyTo: '**/*.py'", "mode: agent", "agent: CodeActAgent", "triggers: [deploy]",
    "allowed-tools: Bash(git status:*)", "argument-hint: '[issue]'", "alwaysApply: true",
])
def test_prompt_keys_in_front_matter_make_a_prompt_anywhere(tmp_path: Path, front_matter: str) -> None:
    doc = read(tmp_path, "team/notes.md", f"---\ndescription: x\n{front_matter}\n---\nBe brief.\n")
    assert doc is not None and doc.format == "markdown"


def test_broken_front_matter_is_reported_only_for_prompt_paths_or_named_files(tmp_path: Path) -> None:
    broken = "---\nname: x\ntools: [a\n---\nBody\n"
    assert read(tmp_path, "docs/page.md", broken) is None  # walk: nothing says it is a prompt
    named = read(tmp_path, "docs/page.md", broken, explicit=True)
    assert named is not None and named.format is None and named.problems
    agent = read(tmp_path, ".claude/agents/x.md", broken)
    assert agent is not None and agent.format == "markdown" and agent.problems
