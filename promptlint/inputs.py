"""What linting one file read besides the file itself, so the result cache knows when a
cached result has gone stale.

A file's findings can depend on other files: a companion beside it (Semantic Kernel's
`config.json`), the parent layer it extends, the names in its folder (layers by folder), a
plugin manifest above it, the lock file. Every place that looks at another file notes it here;
while the engine lints a file it records those notes, and the cache keeps them with the result.
A later run trusts the result only if each noted input still has the same signature.

Two kinds: "file" (its content, or its absence) and "names" (the entries of a folder).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

Input = tuple[str, str]  # (kind, absolute path)

MAX_SIGNED_BYTES = 8 * 1024 * 1024  # a bigger input is signed by its size and time instead of its bytes

_recording: list[set[Input]] = []


def note_file(path: Path | str) -> None:
    """The content (or absence) of `path` went into the current file's result."""
    if _recording:
        _recording[-1].add(("file", os.path.abspath(path)))


def note_names(folder: Path | str) -> None:
    """Which entries `folder` holds went into the current file's result."""
    if _recording:
        _recording[-1].add(("names", os.path.abspath(folder)))


@contextmanager
def recording() -> Iterator[set[Input]]:
    """Collect the inputs noted until the block ends."""
    inputs: set[Input] = set()
    _recording.append(inputs)
    try:
        yield inputs
    finally:
        _recording.pop()


def signature(item: Input) -> str:
    """The input as it is now: a content hash, a hash of a folder's names, or "absent"."""
    kind, path = item
    try:
        if kind == "names":
            return hashlib.sha256("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")).hexdigest()
        stat = os.stat(path)
        if not os.path.isfile(path):
            return f"not a file {stat.st_mode:o}"
        if stat.st_size > MAX_SIGNED_BYTES:
            return f"{stat.st_size}:{stat.st_mtime_ns}"
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return "absent"
