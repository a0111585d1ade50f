"""`promptlint.lock`: the pinned definitions of tools (PL705, `promptlint lock`).

A tool whose description or schema changes after it was reviewed is a new tool (an MCP "rug
pull"); the lock pins a sha256 of each tool's canonical name, description and argument schema,
keyed by file (relative to the lock's folder) and tool name:

    {"promptlint-lock": 1, "tools": {"mcp/github.tools.json": {"create_issue": "sha256:..."}}}

A file is checked against the nearest `promptlint.lock` in its folder or a parent, up to the
project root. Written sorted and indented, so the same tools always give the same bytes and a
review sees one line per changed tool.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptlint.inputs import note_file
from promptlint.model import Document, Tool
from promptlint.versioning import tool_definition

LOCK_NAME = "promptlint.lock"
FORMAT_VERSION = 1


@dataclass
class Lock:
    path: Path
    tools: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> tool name -> pin
    error: str | None = None  # why the file could not be read

    def key(self, file: Path) -> str | None:
        """`file` as the lock names it (relative to the lock's folder), or None when outside it."""
        relative = os.path.relpath(_lexical(file), self.path.parent)
        return None if relative.startswith("..") else relative.replace(os.sep, "/")


def _lexical(path: Path) -> str:
    return os.path.normpath(path.absolute())


def pin(tool: Tool) -> str:
    definition = tool_definition(tool)
    text = json.dumps({key: definition[key] for key in ("name", "description", "parameters")},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def pinnable(document: Document) -> dict[str, Tool]:
    """The tools a file defines itself, by name (a `$ref` is pinned in the file it names)."""
    return {tool.name: tool for tool in document.tools if tool.name and tool.ref is None}


def find_lock(file: Path, root: Path) -> Path | None:
    """The nearest lock file from `file`'s folder up to `root` (just its folder outside root)."""
    directory = Path(_lexical(file)).parent
    top = Path(_lexical(root))
    while True:
        candidate = directory / LOCK_NAME
        note_file(candidate)  # a lock added nearer, or changed, changes the findings
        if candidate.is_file():
            return candidate
        if directory == top or top not in directory.parents:
            return None
        directory = directory.parent


def read_lock(path: Path) -> Lock:
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        return Lock(path, error=str(error))
    return _read(path, stamp)


@lru_cache(maxsize=16)
def _read(path: Path, _stamp: int) -> Lock:
    """Read once per run (and again if the file changed)."""
    try:
        data: Any = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return Lock(path, error=f"not valid JSON ({error})")
    tools = data.get("tools") if isinstance(data, dict) else None
    if not isinstance(tools, dict) or not all(
            isinstance(pins, dict) and all(isinstance(value, str) for value in pins.values())
            for pins in tools.values()):
        return Lock(path, error='expected {"promptlint-lock": 1, "tools": {"<file>": {"<tool>": "sha256:..."}}}')
    return Lock(path, {str(file): dict(pins) for file, pins in tools.items()})


def updated(lock: Lock, documents: list[Document]) -> tuple[Lock, list[str]]:
    """The lock with every given file's pins replaced by its tools now (a file without tools
    leaves the lock); other files' pins are kept. Also the files it cannot name."""
    tools = {} if lock.error else {file: dict(pins) for file, pins in lock.tools.items()}
    outside = []
    for document in documents:
        key = lock.key(document.source.path)
        if key is None:
            outside.append(document.path)
            continue
        pins = {name: pin(tool) for name, tool in pinnable(document).items()}
        if pins:
            tools[key] = pins
        else:
            tools.pop(key, None)
    return Lock(lock.path, tools), outside


def write_lock(lock: Lock) -> None:
    text = json.dumps({"promptlint-lock": FORMAT_VERSION, "tools": lock.tools}, sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"
    temporary = lock.path.with_name(lock.path.name + ".tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, lock.path)  # never a half-written lock
