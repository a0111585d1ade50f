"""Which files to lint: paths named on the command line, and directories walked.

A named file is always linted (pre-commit passes files this way) unless `--force-exclude`
applies the configured excludes to it. A walk skips what `.gitignore` files (with git's
precedence), `.git/info/exclude` and the configuration exclude, skips version-control folders,
tool caches, `node_modules` and virtual environments, and never follows a symbolic link out of
the tree it walks. Whatever else a walk leaves out (links out of the tree, link loops, broken
links, unreadable directories) it reports as `Skipped` entries: never drop a file silently.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.formats import reader_for

# Version control, tool caches and dependency folders; any other folder containing a
# `pyvenv.cfg` is a virtual environment and is skipped too. `build`, `dist` and `site-packages`
# are not here: a repository's .gitignore normally excludes them, and otherwise they are linted.
ALWAYS_SKIPPED = {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox",
                  ".nox", "node_modules", ".venv", "venv"}

LINK_OUT_OF_TREE = "symbolic link out of the walked tree"
LINK_LOOP = "symbolic link loop"
LINK_BROKEN = "broken symbolic link"


@dataclass(frozen=True)
class Candidate:
    path: Path
    display_path: str  # relative to the project root, with '/' separators
    explicit: bool


@dataclass(frozen=True)
class Skipped:
    """A path a directory walk left out for a reason other than .gitignore or the configuration."""

    display_path: str
    reason: str


def display_path(path: Path, root: Path) -> str:
    absolute = path.absolute()
    try:
        shown = absolute.relative_to(root).as_posix()
    except ValueError:
        shown = os.path.relpath(absolute, root).replace(os.sep, "/") if absolute.anchor == root.anchor \
            else absolute.as_posix()
    return _printable(shown)


def _printable(text: str) -> str:
    """Names that are not valid UTF-8 reach us with surrogate escapes (PEP 383), which cannot be
    printed or encoded; show those bytes as `\\xff` escapes. Only the display path changes: the
    candidate's `path` still opens the file."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (Windows names): `\ud800`
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


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

    def check(self, relative: str) -> bool | None:
        """True if the last pattern matching `relative` (a directory ends in '/') ignores it,
        False if it is a negation, None if none matches."""
        include: bool | None = self.spec.check_file(relative).include
        return include


def discover(paths: list[Path], config: Config, force_exclude: bool = False,
             skipped: list[Skipped] | None = None) -> Iterator[Candidate]:
    """The files to lint under `paths`, each once. A walk appends what it leaves out for a reason
    other than .gitignore or the configuration to `skipped`, when given."""
    root = config.root
    excludes = PathPatterns(root, config.exclude) if config.exclude else None
    includes = PathPatterns(root, config.include) if config.include else None
    collected = skipped if skipped is not None else []
    seen: set[Path] = set()
    for path in paths:
        absolute = path.absolute()
        if absolute.is_dir():
            for file, real in _walk(absolute, config, excludes, includes, collected):
                if real not in seen:  # a link to a file inside the tree: lint it once
                    seen.add(real)
                    yield Candidate(file, display_path(file, root), explicit=False)
            continue
        if force_exclude and excludes is not None and excludes.matches(absolute, False):
            continue
        try:
            real = absolute.resolve()
        except (OSError, RuntimeError):  # a link loop: reading the named file reports it
            real = absolute
        if real not in seen:
            seen.add(real)
            yield Candidate(absolute, display_path(path, root), explicit=True)


def _walk(top: Path, config: Config, excludes: PathPatterns | None, includes: PathPatterns | None,
          skipped: list[Skipped]) -> Iterator[tuple[Path, Path]]:
    """(file, its real path) for each file to lint under `top`."""
    root = config.root
    real_top = top.resolve()
    top_text = os.fspath(top)
    ignores: list[PathPatterns] = []
    if config.respect_gitignore:
        above = _ignores_above(top)
        if above is None:
            return  # `top` is inside an ignored folder, so everything in it is ignored
        ignores = above
    # .gitignore files that apply to a folder's entries, from the root down (deeper ones decide)
    inherited: dict[str, list[PathPatterns]] = {top_text: ignores}

    def unreadable(error: OSError) -> None:
        where = display_path(Path(error.filename), root) if error.filename else _printable(str(error))
        skipped.append(Skipped(where, f"cannot read the directory: {error.strerror or error}"))

    for walked, dirnames, filenames in os.walk(top, onerror=unreadable, followlinks=False):
        current = Path(walked)
        chain = inherited.pop(walked, [])
        if config.respect_gitignore and walked != top_text:
            chain = chain + _gitignore(current)
        # each file's path relative to the folder of each .gitignore, computed once per folder
        prefixes = [(spec, _relative_prefix(walked, spec.base)) for spec in chain]
        kept = []
        for name in sorted(dirnames):
            if name in ALWAYS_SKIPPED:
                continue
            child = current / name
            if excludes is not None and excludes.matches(child, True):
                continue
            if _ignored(prefixes, name + "/"):
                continue
            if os.path.islink(child):
                # never followed: a link inside the tree leads to files the walk reaches anyway
                _, problem = _resolve_link(child, real_top)
                if problem is not None:
                    skipped.append(Skipped(display_path(child, root), problem))
                continue
            if os.path.isfile(os.path.join(child, "pyvenv.cfg")):  # a virtual environment, whatever its name
                continue
            kept.append(name)
            inherited[os.path.join(walked, name)] = chain
        dirnames[:] = kept
        real_current: Path | None = None
        folders: tuple[str, ...] | None = None
        for name in sorted(filenames):
            if folders is None:
                shown = display_path(current, root)
                folders = tuple(part for part in shown.split("/") if part not in (".", ""))
            if reader_for(name, folders) is None and not config.assigns_format(current / name):
                continue
            file = current / name
            if excludes is not None and excludes.matches(file, False):
                continue
            if includes is not None and not includes.matches(file, False):
                continue
            if _ignored(prefixes, name):
                continue
            if os.path.islink(file):
                real, problem = _resolve_link(file, real_top)
                if real is None:
                    skipped.append(Skipped(display_path(file, root), problem or LINK_BROKEN))
                    continue
            else:
                # os.walk enters no linked folder, so the real path follows from the walked one
                # without another resolve() (which costs a system call per path component)
                if real_current is None:
                    real_current = real_top / walked[len(top_text):].lstrip(os.sep)
                real = real_current / name
            yield file, real


def _resolve_link(link: Path, real_top: Path) -> tuple[Path | None, str | None]:
    """(real path, None) for a link to something inside the tree; otherwise (None, why not)."""
    try:
        real = link.resolve(strict=True)
    except RuntimeError:  # Python before 3.13 reports a loop so
        return None, LINK_LOOP
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None, LINK_LOOP
        if isinstance(error, FileNotFoundError):
            return None, LINK_BROKEN
        return None, f"cannot resolve the symbolic link: {error.strerror or error}"
    if real != real_top and real_top not in real.parents:
        return None, LINK_OUT_OF_TREE
    return real, None


def _ignored(prefixes: list[tuple[PathPatterns, str]], name: str) -> bool:
    """Whether the ignore files, each with the path from its folder to `name`'s, ignore `name`
    (a folder's name ends in '/'): the last matching pattern decides, the deepest file last."""
    decision: bool | None = None
    for spec, prefix in prefixes:
        result = spec.check(prefix + name)
        if result is not None:
            decision = result
    return bool(decision)


def _relative_prefix(directory: str, base: Path) -> str:
    """`directory` relative to `base`, as a prefix for names in it: '' or 'a/b/'."""
    relative = os.path.relpath(directory, base)
    return "" if relative == os.curdir else relative.replace(os.sep, "/") + "/"


def _ignores_above(top: Path) -> list[PathPatterns] | None:
    """The ignore files that apply to `top`'s entries, lowest precedence first: the repository's
    `.git/info/exclude`, then .gitignore files from the repository root (or, outside one, the
    file system root) down to `top`. None when `top` lies in an ignored folder: git cannot
    re-include anything below an excluded directory."""
    directories = []
    repository = None
    for directory in (top, *top.parents):
        directories.append(directory)
        if (directory / ".git").exists():
            repository = directory
            break
    directories.reverse()
    chain = _info_exclude(repository) if repository is not None else []
    for index, directory in enumerate(directories):
        if index:
            prefixes = [(spec, _relative_prefix(os.fspath(directory.parent), spec.base)) for spec in chain]
            if _ignored(prefixes, directory.name + "/"):
                return None
        chain = chain + _gitignore(directory)
    return chain


def _info_exclude(repository: Path) -> list[PathPatterns]:
    git = repository / ".git"
    if git.is_file():  # a worktree or submodule: `gitdir: <path>`, and its shared `commondir`
        try:
            text = git.read_text("utf-8", errors="replace").strip()
            git = repository / text.removeprefix("gitdir:").strip()
            common = git / "commondir"
            if common.is_file():
                git = git / common.read_text("utf-8", errors="replace").strip()
        except OSError:
            return []
    return _ignore_file(repository, git / "info" / "exclude")


def _gitignore(directory: Path) -> list[PathPatterns]:
    return _ignore_file(directory, directory / ".gitignore")


def _ignore_file(base: Path, file: Path) -> list[PathPatterns]:
    try:
        if not file.is_file():
            return []
        return [PathPatterns(base, file.read_text("utf-8", errors="replace").splitlines())]
    except OSError:
        return []
