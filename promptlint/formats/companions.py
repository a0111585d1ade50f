"""Files that give another file its meaning: Semantic Kernel's `config.json` beside
`skprompt.txt`, promptflow's `flow.dag.yaml` and promptfoo's `promptfooconfig.yaml` beside the
templates they name. A reader asks for one by name; it is read from the same folder only (a link
that leads out of that folder is not followed), within the same size bound, at most once per
process, and parsed with the same loaders. What cannot be read is simply absent: the companion
is linted on its own, where its problems are reported.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from promptlint.inputs import note_file, note_names
from promptlint.loaders.json_tree import load_json
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Node, SourceFile

MAX_COMPANION_BYTES = 2 * 1024 * 1024


def companion_source(source: SourceFile, name: str) -> SourceFile | None:
    """The decoded text of the file `name` in the folder of `source`, or None."""
    folder = source.path.parent
    path = folder / name
    note_file(path)  # present or not, it changes what the file means
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read(os.fspath(path), _display(source.display_path, name), stat.st_mtime_ns, stat.st_size)


def companion_data(source: SourceFile, name: str) -> tuple[SourceFile, Node] | None:
    """The located data (YAML or JSON) of the companion `name`, or None when it is absent or broken."""
    companion = companion_source(source, name)
    if companion is None:
        return None
    root = _parse(companion)
    return (companion, root) if root is not None else None


def companion_names(source: SourceFile) -> frozenset[str]:
    """The names of the files beside `source` (for readers that look for a companion by pattern)."""
    note_names(source.path.parent)
    try:
        return frozenset(os.listdir(source.path.parent))
    except OSError:
        return frozenset()


def _display(display_path: str, name: str) -> str:
    folder, _, _ = display_path.rpartition("/")
    return f"{folder}/{name}" if folder else name


@functools.lru_cache(maxsize=256)
def _read(path: str, display_path: str, _mtime: int, size: int) -> SourceFile | None:
    file = Path(path)
    if size > MAX_COMPANION_BYTES or not file.is_file():
        return None
    try:
        if file.resolve().parent != file.parent.resolve():
            return None  # a link out of the folder: never followed
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError, RuntimeError):
        return None
    return SourceFile(file, display_path, text.removeprefix("\ufeff"))


@functools.lru_cache(maxsize=256)
def _parse(source: SourceFile) -> Node | None:
    root, problems = load_json(source) if source.path.name.lower().endswith(".json") else load_yaml(source)
    if any(problem.fatal for problem in problems):
        return None
    return root
