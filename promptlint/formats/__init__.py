"""Format readers: each turns one kind of file into a `Document` and never raises.

A file is recognised by its name (`*.prompt.yaml`, `*.prompty`, `*.prompt`, Markdown, rules
files such as `.cursorrules`) or, for `.json`/`.yaml`, by what it holds (chat messages, tool
definitions). Problems (bad encoding, bad syntax, schema violations) become `Document.problems`,
reported as PL001.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.formats.comments import find_comments
from promptlint.formats.data import read_data_file, starts_like_ours
from promptlint.formats.dotprompt import read_dotprompt
from promptlint.formats.json_lines import read_json_lines
from promptlint.formats.markdown import PROMPT_FILE_NAMES, in_claude_plugin, is_prompt_path, read_markdown
from promptlint.formats.native import read_native
from promptlint.formats.prompty import read_prompty
from promptlint.formats.semantic_kernel import read_semantic_kernel, read_skprompt
from promptlint.formats.template_files import is_template_path, read_template_file
from promptlint.model import Document, Problem, SourceFile, TemplateSyntax

if TYPE_CHECKING:
    from promptlint.config import Settings

MAX_FILE_BYTES = 2 * 1024 * 1024  # bounds the work one file can cost; `max-file-size` in the configuration changes it

Reader = Callable[[SourceFile], Document | None]

# Files whose whole name says what they are (matched case-sensitively, as the frameworks do).
READERS_BY_NAME: dict[str, Reader] = {"skprompt.txt": read_skprompt}
# Checked in order; the first suffix that matches the lower-cased file name decides.
READERS_BY_SUFFIX: list[tuple[tuple[str, ...], Reader]] = [
    ((".prompt.yaml", ".prompt.yml"), read_native),
    ((".prompty",), read_prompty),
    ((".prompt",), read_dotprompt),
    ((".md", ".markdown", ".mdc"), read_markdown),
    ((".json", ".yaml", ".yml"), read_data_file),
    ((".jsonl",), read_json_lines),
]
# Readers for suffixes that say "a template" or "text" but not whose (`.txt`, `.j2`): given the
# file name and the folders above it (relative to the project root), each says whether it is one
# of theirs; the first that does reads it.
PathTest = Callable[[str, tuple[str, ...]], bool]
READERS_BY_PATH: list[tuple[PathTest, Reader]] = [(is_template_path, read_template_file)]
# Readers that recognise a prompt by what a file holds, not by its name: a file of theirs
# that cannot be read that far is skipped, unless its path or name makes it a prompt
# (`AGENTS.md`, `.cursorrules`, `tools.json`) or a rule reads it by reference (`explicit`).
BY_CONTENT = (read_markdown, read_data_file, read_template_file, read_json_lines)


def reader_for(name: str, folders: tuple[str, ...] = ()) -> Reader | None:
    """The reader for a file called `name` in `folders` (relative to the project root), or None
    when nothing about its path says it may be a prompt or tool file."""
    if name in PROMPT_FILE_NAMES:  # no suffix: the name decides, case-sensitively as for PROMPT_PATHS
        return read_markdown
    by_name = READERS_BY_NAME.get(name)
    if by_name is not None:
        return by_name
    lowered = name.lower()
    for suffixes, reader in READERS_BY_SUFFIX:
        if lowered.endswith(suffixes):
            return reader
    for is_theirs, reader in READERS_BY_PATH:
        if is_theirs(name, folders):
            return reader
    return None


# The names `formats:` in the configuration maps globs to, for files recognition cannot place.
FORMAT_READERS: dict[str, Reader] = {
    "native": read_native,
    "prompty": read_prompty,
    "dotprompt": read_dotprompt,
    "markdown": read_markdown,
    "data": read_data_file,  # chat messages, tool definitions and framework files, told apart by content
    "semantic-kernel": read_semantic_kernel,  # template text (skprompt.txt), a template or function config
    "template": lambda source: read_template_file(source, require_evidence=False),
    "json-lines": read_json_lines,
}


def path_reader(display_path: str) -> Reader | None:
    *folders, name = display_path.split("/")
    return reader_for(name, tuple(folders))


def read_document(path: Path, display_path: str, explicit: bool = False,
                  settings: Settings | None = None) -> Document | None:
    """Read one file into a Document; None when it is not a prompt or tool file at all."""
    return read_candidate(path, display_path, explicit, settings)[0]


def read_candidate(path: Path, display_path: str, explicit: bool = False,
                   settings: Settings | None = None) -> tuple[Document | None, str]:
    """The file as a Document, or None and why it is not read (for the skipped list).

    A Markdown, JSON, YAML or template file that cannot be read (too large, binary, not UTF-8,
    not parsing) is skipped with its reason: nothing says it is a prompt file (think of
    package-lock.json), whether a walk found it or pre-commit named it. `explicit` is for files
    wanted whatever they hold (a `$ref`'d tool file, a parent layer): their problems are reported.
    """
    forced = _configured_reader(settings)
    reader = forced or path_reader(display_path)
    if reader is None:
        return None, "not a format promptlint reads"
    explicit = explicit or forced is not None  # the configuration says it is a prompt file: report why not
    empty = SourceFile(path, display_path, "")
    limit = max_file_bytes(settings)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        document: Document | None = _unreadable(empty, f"cannot read the file: {error.strerror or error}")
    else:
        if len(data) > limit and reader in BY_CONTENT and _starts_like_tools(data):
            explicit = True  # a tool file padded past the bound must not pass as "not ours"
        document = _decode(path, display_path, data, reader, settings, limit)
    reported = _reported(document, reader, explicit)
    if reported is None and forced is not None:
        name = settings.get("format") if settings is not None else ""
        reported = _unreadable(empty if document is None else document.source,
                               f"`formats:` in the configuration says this is a {name} file, but it does not "
                               f"hold one; fix the file or the glob that maps it")
    if reported is not None:
        return reported, ""
    if document is not None and document.problems:
        return None, document.problems[0].message
    return None, NOT_OURS.get(reader, "holds no prompt or tool definitions")


def read_source(source: SourceFile, explicit: bool = False, settings: Settings | None = None) -> Document | None:
    """Read text already in memory (an editor buffer, a file at a git base) as its path's format."""
    forced = _configured_reader(settings)
    reader = forced or path_reader(source.display_path)
    if reader is None:
        return None
    return _reported(_parse(source, reader, settings), reader, explicit)


# Why a file a reader looked at is not ours, for the skipped list.
NOT_OURS: dict[Reader, str] = {
    read_data_file: "JSON or YAML that holds no chat messages, tool definitions or prompt framework file",
    read_markdown: "Markdown that is neither an agent or prompt file by its path nor has prompt front matter "
                   "(documentation); map it in `formats:` to lint it",
    read_json_lines: "JSON Lines none of whose lines holds a tool definition",
    read_template_file: "a template that nothing marks as a prompt (no prompts/ folder, role lines, or flow or "
                        "promptfoo config naming it); map it in `formats:` to lint it",
}


def _configured_reader(settings: Settings | None) -> Reader | None:
    name = settings.get("format") if settings is not None else None
    return FORMAT_READERS.get(name) if name else None


# JSON and YAML files whose name says they hold tools or prompts: when one cannot be read,
# that is reported also in a walk (a broken `tools.json` must not pass as "not ours").
_OURS_BY_NAME = re.compile(r"(^|\.)(tools?|prompts?|functions)\.(jsonl?|ya?ml)$|^server\.json$", re.I)


def _reported(document: Document | None, reader: Reader, explicit: bool) -> Document | None:
    if document is not None and document.format is None and _OURS_BY_NAME.search(document.source.path.name):
        return document
    if document is not None and document.format is None and starts_like_ours(document.problems):
        return document  # stopped at a bound of ours after keys only our files hold: nesting must not hide it
    if document is not None and document.format is None and reader in BY_CONTENT and not explicit:
        if reader is read_markdown and (is_prompt_path(document.source.display_path)
                                        or in_claude_plugin(document.source.path)):
            return document  # an agent file that cannot be read is unchecked instructions: say so
        return None
    return document


def max_file_bytes(settings: Settings | None) -> int:
    """The size above which a file is not read: `max-file-size` where the configuration sets it."""
    configured = settings.get("max-file-size") if settings is not None else None
    return int(configured) if configured else MAX_FILE_BYTES


def too_large(limit: int) -> str:
    """Why a file over `limit` bytes is not linted, and how to change that."""
    return (f"file is larger than {limit // (1024 * 1024)} MiB (max-file-size: {limit} bytes); not linted: raise "
            "`max-file-size` (in bytes) in the configuration to lint it, or split it, or exclude it")


# The start of a JSON or YAML tool file: a key that lists or defines tools, or `type: function`.
_TOOL_START = re.compile(rb"""["']?\b(?:tools|functions|inputSchema|input_schema)["']?[ \t]*:"""
                         rb"""|["']?\btype["']?[ \t]*:[ \t]*["']?function\b""")
_TOOL_START_WITHIN = 64 * 1024


def _starts_like_tools(data: bytes) -> bool:
    """Whether a file too large to read starts like a tool file (a key of one in its first 64 KiB)."""
    return _TOOL_START.search(data, 0, _TOOL_START_WITHIN) is not None


# UTF-32 first: its little-endian mark starts with UTF-16's
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
              (b"\xfe\xff", "UTF-16"))


def _decode(path: Path, display_path: str, data: bytes, reader: Reader, settings: Settings | None,
            limit: int = MAX_FILE_BYTES) -> Document | None:
    empty = SourceFile(path, display_path, "")
    if len(data) > limit:
        return _unreadable(empty, too_large(limit))
    for mark, encoding in _WIDE_BOMS:
        if data.startswith(mark):
            return _unreadable(empty, f"{encoding} text (the file starts with its byte-order mark); promptlint reads "
                                      "UTF-8, as the runtimes that load prompt files do: save the file as UTF-8")
    if b"\0" in data:
        return _unreadable(empty, "binary file (it contains NUL bytes; or UTF-16 text without a byte-order mark); a "
                                  "prompt file must be UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[:error.start].decode("utf-8", errors="replace").removeprefix("\ufeff")  # as below
        partial = SourceFile(path, display_path, prefix)
        offset = len(prefix)
        return _unreadable(partial, f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8",
                           offset)
    text = text.removeprefix("\ufeff")  # editors do not count a byte-order mark as a column
    return _parse(SourceFile(path, display_path, text), reader, settings)


def _parse(source: SourceFile, reader: Reader, settings: Settings | None) -> Document | None:
    if reader is read_data_file:
        syntax: TemplateSyntax = settings.get("chat-templates") if settings is not None else "none"
        document = read_data_file(source, template_syntax=syntax)
    else:
        document = reader(source)
    if document is not None:
        document.comments = find_comments(document)
    return document


def _unreadable(source: SourceFile, message: str, offset: int = 0) -> Document:
    return Document(source=source, format=None, problems=[Problem(message, source.span(offset, offset))])
