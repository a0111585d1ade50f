"""Which files to lint: paths named on the command line, and directories walked.

A named file is always linted (pre-commit passes files this way) unless `--force-exclude`
applies the configured excludes to it. A walk skips what `.gitignore` files and the
configuration exclude, skips version-control and environment folders, and never follows
a symbolic link out of the tree it walks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.formats import reader_for

ALWAYS_SKIPPED = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
                  ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "dist", "build"}


@dataclass(frozen=True)
class Candidate:
    path: Path
    display_path: str  # relative to the project root, with '/' separators
    explicit: bool


def display_path(path: Path, root: Path) -> str:
    absolute = path.absolute()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(absolute, root).replace(os.sep, "/") if absolute.anchor == root.anchor \
            else absolute.as_posix()


class PathPatterns:
    """gitignore-style patterns, matched against paths relative to a base directory."""

    def __init__(self, base: Path, lines: list[str]) -> None:
        import pathspec  # only walks need it

        self.base = base
        self.spec: Any = pathspec.GitIgnoreSpec.from_lines(lines)

    def matches(self, path: Path, is_dir: bool) -> bool:
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return bool(self.spec.match_file(relative + ("/" if is_dir else "")))


def discover(paths: list[Path], config: Config, force_exclude: bool = False) -> Iterator[Candidate]:
    root = config.root
    excludes = PathPatterns(root, config.exclude) if config.exclude else None
    includes = PathPatterns(root, config.include) if config.include else None
    seen: set[Path] = set()
    for path in paths:
        absolute = path.absolute()
        if absolute.is_dir():
            for file in _walk(absolute, config, excludes, includes):
                if file.resolve() not in seen:  # a link to a file inside the tree: lint it once
                    seen.add(file.resolve())
                    yield Candidate(file, display_path(file, root), explicit=False)
        elif absolute.resolve() not in seen:
            if force_exclude and excludes is not None and excludes.matches(absolute, False):
                continue
            seen.add(absolute.resolve())
            yield Candidate(absolute, display_path(path, root), explicit=True)


def _walk(top: Path, config: Config, excludes: PathPatterns | None, includes: PathPatterns | None) -> Iterator[Path]:
    real_top = top.resolve()
    ignores: list[PathPatterns] = []
    if config.respect_gitignore:
        for directory in (top, *top.parents):  # .gitignore files above the walked folder apply too
            ignores.extend(_gitignore(directory))
            if (directory / ".git").exists():
                break
    for walked, dirnames, filenames in os.walk(top, followlinks=False):
        current = Path(walked)
        if config.respect_gitignore and current != top:
            ignores.extend(_gitignore(current))
        kept = []
        for name in sorted(dirnames):
            child = current / name
            if name in ALWAYS_SKIPPED or child.is_symlink():
                continue
            if excludes is not None and excludes.matches(child, True):
                continue
            if any(spec.matches(child, True) for spec in ignores):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            file = current / name
            if reader_for(name) is None:
                continue
            if file.is_symlink() and not _inside(file.resolve(), real_top):
                continue  # never follow a link out of the tree
            if excludes is not None and excludes.matches(file, False):
                continue
            if includes is not None and not includes.matches(file, False):
                continue
            if any(spec.matches(file, False) for spec in ignores):
                continue
            yield file


def _gitignore(directory: Path) -> list[PathPatterns]:
    file = directory / ".gitignore"
    if not file.is_file():
        return []
    try:
        return [PathPatterns(directory, file.read_text("utf-8", errors="replace").splitlines())]
    except OSError:
        return []


def _inside(path: Path, top: Path) -> bool:
    return path == top or top in path.parents
