"""Markdown prompts: agent and instruction files (Copilot, Claude Code, OpenHands, Cursor,
Windsurf, Cline, AGENTS.md, Agent Skills), known by their path or by front matter keys only
prompts carry. Coding agents load these files into their system context, so the whole body is
read, also when the front matter is broken (a PL001 finding, not a reason to skip the body).

Other Markdown is documentation, not a prompt, front matter or not: Jekyll, Hugo and MkDocs
pages carry `title`, `date`, `tags`, `description` too, and are skipped."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from promptlint.formats.frontmatter import FrontMatter, declared_names, metadata_from, split_front_matter
from promptlint.inputs import note_file
from promptlint.model import Document, Message, SourceFile, Text, Variable, VariableUse, next_line
from promptlint.templates import scan_template

# Paths of prompt files, matched case-sensitively (as the tools that load them do) against the
# path relative to the project root: a bare pattern matches the file name, `dir/file` the end
# of the path, `dir/**` any file below such a folder (at any depth in the project).
PROMPT_PATHS: tuple[tuple[str, str], ...] = (
    ("*.prompt.md", "VS Code / Copilot prompt files"),
    ("*.instructions.md", "Copilot custom instructions"),
    ("*.agent.md", "Copilot custom agents"),
    ("*.chatmode.md", "Copilot chat modes"),
    (".github/copilot-instructions.md", "Copilot repository instructions"),
    (".github/prompts/**", "Copilot prompt files"),
    (".github/instructions/**", "Copilot custom instructions"),
    (".github/agents/**", "Copilot custom agents"),
    (".github/chatmodes/**", "Copilot chat modes"),
    ("microagents/**", "OpenHands microagents (also .openhands/microagents)"),
    (".openhands/skills/**", "OpenHands skills"),
    ("AGENTS.md", "AGENTS.md (Codex, Copilot, OpenHands, ...)"),
    ("CLAUDE.md", "Claude Code memory"),
    ("GEMINI.md", "Gemini CLI context"),
    ("SKILL.md", "Agent Skills"),
    (".claude/agents/**", "Claude Code subagents"),
    (".claude/commands/**", "Claude Code slash commands"),
    (".cursor/rules/**", "Cursor rules (`*.mdc`)"),
    (".cursorrules", "Cursor rules (the older single file)"),
    (".windsurfrules", "Windsurf rules"),
    (".clinerules", "Cline rules, a file"),
    (".clinerules/**", "Cline rules, a folder of Markdown files"),
)
# Rules files with no suffix to know them by: the whole name decides (`reader_for` reads them
# as Markdown, `PROMPT_PATHS` makes them prompts).
PROMPT_FILE_NAMES = frozenset({".cursorrules", ".windsurfrules", ".clinerules"})
# Front matter keys that prompt formats use and documentation pages do not.
PROMPT_KEYS = frozenset({
    "inputs", "variables",             # template variables (microagents, this linter's own)
    "model", "tools",                  # Copilot agents and prompt files, Claude Code subagents
    "applyTo",                         # Copilot instructions
    "mode", "agent",                   # Copilot prompt files; OpenHands microagents
    "triggers",                        # OpenHands microagents
    "allowed-tools", "argument-hint",  # Claude Code commands, Agent Skills
    "alwaysApply",                     # Cursor rules
})


def is_prompt_path(display_path: str) -> bool:
    *folders, name = display_path.split("/")
    if name == "README.md":
        return False  # a README in a prompts folder describes the folder; the tools skip it
    for pattern, _what in PROMPT_PATHS:
        *pattern_folders, last = pattern.split("/")
        if last == "**":
            if _contains(folders, pattern_folders):
                return True
        elif fnmatchcase(name, last) and folders[len(folders) - len(pattern_folders):] == pattern_folders:
            return True
    return False


def _contains(folders: list[str], run: list[str]) -> bool:
    return any(folders[start:start + len(run)] == run for start in range(len(folders) - len(run) + 1))


# Claude Code plugins keep commands and agents in folders of these names beside
# `.claude-plugin/plugin.json` (or wherever its `commands` / `agents` entries point)
_PLUGIN_FOLDERS = ("commands", "agents")
_PLUGIN_DEPTH = 4  # how far above the file a plugin root is looked for


def in_claude_plugin(path: Path) -> bool:
    """Whether a Markdown file is a command or agent of a Claude Code plugin."""
    folder = path.absolute().parent
    for _level in range(_PLUGIN_DEPTH):
        note_file(folder / ".claude-plugin" / "plugin.json")  # a manifest added or edited changes the format
        paths = _plugin_prompt_folders(folder)
        if paths and any(folder_path == path.absolute() or folder_path in path.absolute().parents
                         for folder_path in paths):
            return True
        if folder.parent == folder:
            break
        folder = folder.parent
    return False


@functools.lru_cache(maxsize=512)
def _plugin_prompt_folders(root: Path) -> tuple[Path, ...]:
    """The command and agent paths of a plugin rooted at `root` (empty when it is not one)."""
    manifest = root / ".claude-plugin" / "plugin.json"
    if not manifest.is_file():
        return ()
    found = [root / name for name in _PLUGIN_FOLDERS]
    try:
        data = json.loads(manifest.read_text("utf-8")) if manifest.stat().st_size < 1024 * 1024 else {}
    except (OSError, ValueError):
        data = {}
    for key in _PLUGIN_FOLDERS:
        value = data.get(key) if isinstance(data, dict) else None
        for entry in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if isinstance(entry, str) and not entry.startswith("/") and ".." not in Path(entry).parts:
                found.append(root / entry)  # never a path out of the plugin
    return tuple(found)


def read_markdown(source: SourceFile) -> Document | None:
    front = split_front_matter(source)
    by_path = is_prompt_path(source.display_path) or in_claude_plugin(source.path)
    if not by_path:
        if front.data is None:
            # no front matter: documentation; broken front matter: nothing says it is a prompt
            return Document(source=source, format=None, problems=front.problems) if front.problems else None
        if not PROMPT_KEYS.intersection(key for key, _node in front.data.items()):
            return None
    front = _unclosed_as_body(front, source)
    # the body is read whatever the front matter holds, so its problems leave the rules running
    document = Document(source=source, format="markdown", root=front.data,
                        problems=[replace(problem, fatal=False) for problem in front.problems],
                        template_syntax="none")
    data = front.data
    if data is not None:
        document.metadata = metadata_from(data, "name")
        inputs = data.get("inputs") or data.get("variables")
        if inputs is not None:
            # only files that declare inputs are templates; others are plain Markdown
            document.declares_variables = True
            document.template_syntax = "jinja"
            for name, node in declared_names(inputs):
                document.variables[name] = Variable(name, node.key_span or node.span)
    if front.body.value.strip():
        template = scan_template(front.body, document.template_syntax, 0)
        if _is_command(source):
            template.uses.extend(_argument_uses(front.body))
        document.messages = [Message(0, "system", front.body, front.body.span(), None, template)]
        document.problems.extend(template.problems)
    return document


# Claude Code slash commands: `$ARGUMENTS` (all the words typed after the command) and `$1`...
# (each of them) are filled in by whoever runs the command
_ARGUMENT = re.compile(r"\$(ARGUMENTS\b|[1-9]\b)")


def _is_command(source: SourceFile) -> bool:
    folders = source.display_path.split("/")[:-1]
    return _contains(folders, [".claude", "commands"]) or ("commands" in folders and in_claude_plugin(source.path))


def _argument_uses(body: Text) -> list[VariableUse]:
    return [VariableUse(match.group(1), body.span(match.start(1), match.end(1)), body.span(match.start(), match.end()),
                        0) for match in _ARGUMENT.finditer(body.value)]


def _unclosed_as_body(front: FrontMatter, source: SourceFile) -> FrontMatter:
    """Front matter never closed leaves no body; an agent that loads the file as it is reads
    all of it, so everything after the opening `---` line is the body."""
    text = source.text
    opening = len(text) - len(text.lstrip("\r\n"))  # where split_front_matter looks for the fence
    # the only problem placed at the opening fence is that it is never closed (YAML comes after it)
    if not front.present or not any(problem.span.start == opening for problem in front.problems):
        return front
    start = next_line(text, opening)
    return replace(front, body=Text.verbatim(text[start:], source, start))
