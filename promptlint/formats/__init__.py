"""Format readers: each turns one kind of file into a `Document` and never raises.

A file is recognised by its name (`*.prompt.yaml`, `*.prompty`, `*.prompt`, Markdown, rules
files such as `.cursorrules`) or, for `.json`/`.yaml`, by what it holds (chat messages, tool
definitions). Problems (bad encoding, bad syntax, schema violations) become `Document.problems`,
reported as PL001.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.formats.comments import find_comments
from promptlint.formats.data import read_data_file
from promptlint.formats.dotprompt import read_dotprompt
from promptlint.formats.markdown import PROMPT_FILE_NAMES, is_prompt_path, read_markdown
from promptlint.formats.native import read_native
from promptlint.formats.prompty import read_prompty
from promptlint.model import Document, Problem, SourceFile, TemplateSyntax

if TYPE_CHECKING:
    from promptlint.config import Settings

MAX_FILE_BYTES = 2 * 1024 * 1024  # bounds the work one file can cost

Reader = Callable[[SourceFile], Document | None]

# Files whose whole name says what they are (matched case-sensitively, as the frameworks do).
READERS_BY_NAME: dict[str, Reader] = {}
# Checked in order; the first suffix that matches the lower-cased file name decides.
READERS_BY_SUFFIX: list[tuple[tuple[str, ...], Reader]] = [
    ((".prompt.yaml", ".prompt.yml"), read_native),
    ((".prompty",), read_prompty),
    ((".prompt",), read_dotprompt),
    ((".md", ".markdown", ".mdc"), read_markdown),
    ((".json", ".yaml", ".yml"), read_data_file),
]
# Readers for suffixes that say "a template" or "text" but not whose (`.txt`, `.j2`): given the
# file name and the folders above it (relative to the project root), each says whether it is one
# of theirs; the first that does reads it.
PathTest = Callable[[str, tuple[str, ...]], bool]
READERS_BY_PATH: list[tuple[PathTest, Reader]] = []
# Readers that recognise a prompt by what a file holds, not by its name: a file of theirs
# that cannot be read that far is only reported when it was named on the command line (or,
# for Markdown, when its path makes it a prompt: `AGENTS.md`, `.cursorrules`).
BY_CONTENT = (read_markdown, read_data_file)


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
}


def path_reader(display_path: str) -> Reader | None:
    *folders, name = display_path.split("/")
    return reader_for(name, tuple(folders))


def read_document(path: Path, display_path: str, explicit: bool = False,
                  settings: Settings | None = None) -> Document | None:
    """Read one file into a Document; None when it is not a prompt or tool file at all.

    Files named on the command line (`explicit`) are always reported on. In a directory walk
    a Markdown, JSON or YAML file that cannot be read (too large, binary, not UTF-8, not
    parsing) is not reported: nothing says it is a prompt file (think of package-lock.json).
    """
    forced = _configured_reader(settings)
    reader = forced or path_reader(display_path)
    if reader is None:
        return None
    explicit = explicit or forced is not None  # the configuration says it is a prompt file: report why not
    empty = SourceFile(path, display_path, "")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        document: Document | None = _unreadable(empty, f"cannot read the file: {error.strerror or error}")
    else:
        document = _decode(path, display_path, data, reader, settings)
    return _reported(document, reader, explicit)


def read_source(source: SourceFile, explicit: bool = False, settings: Settings | None = None) -> Document | None:
    """Read text already in memory (an editor buffer, a file at a git base) as its path's format."""
    forced = _configured_reader(settings)
    reader = forced or path_reader(source.display_path)
    if reader is None:
        return None
    return _reported(_parse(source, reader, settings), reader, explicit)


def _configured_reader(settings: Settings | None) -> Reader | None:
    name = settings.get("format") if settings is not None else None
    return FORMAT_READERS.get(name) if name else None


def _reported(document: Document | None, reader: Reader, explicit: bool) -> Document | None:
    if document is not None and document.format is None and reader in BY_CONTENT and not explicit:
        if reader is read_markdown and is_prompt_path(document.source.display_path):
            return document  # an agent file that cannot be read is unchecked instructions: say so
        return None
    return document


def _decode(path: Path, display_path: str, data: bytes, reader: Reader, settings: Settings | None) -> Document | None:
    empty = SourceFile(path, display_path, "")
    if len(data) > MAX_FILE_BYTES:
        return _unreadable(empty, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not linted "
                                  "(split it, or exclude it in the configuration)")
    if b"\0" in data:
        return _unreadable(empty, "binary file (it contains NUL bytes); a prompt file must be UTF-8 text")
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
