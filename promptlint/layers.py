"""Layer stacks: a platform prompt, each tenant's customisation on top, user preferences on top
of that, concatenated before the call. One shared analysis, next to the model.

A file says where it sits with the native `layer` and `extends` keys; formats that cannot say
it get it from the configuration (`layers`: an ordered list of layer names with file globs,
the highest first; a file of a later layer stacks on the files of earlier layers that sit in
its folder or a folder above it; `stacks`: explicit parents for a glob). Ranks: 0 is the
highest (platform). The per-file part (`place_of`) runs wherever the file is read; stacks are
resolved once per run, by the project-scope rules, over what every file collected.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.inputs import note_names
from promptlint.model import Document, Span

if TYPE_CHECKING:
    from promptlint.config import LayerSpec, Settings
    from promptlint.project import Entry, ProjectContext

DEFAULT_ORDER = ("platform", "tenant", "user")
MAX_STACK_DEPTH = 32  # bounds a walk up a (broken) chain of parents


@dataclass(frozen=True)
class Parent:
    path: str  # the parent's path relative to the project root (`..` resolved)
    written: str  # as the file or the configuration names it
    span: Span | None  # the `extends` entry; None when the configuration stacks the file


@dataclass(frozen=True)
class Place:
    """Where one file sits: its layer, that layer's rank, and the files it stacks on."""

    path: str
    layer: str | None
    rank: int | None  # None: not a layered file (or a layer name the order does not know)
    layer_span: Span | None  # the `layer` key, when the file declares it
    parents: tuple[Parent, ...]
    payload: Any = None  # what a rule needs of the file besides (its directives, say)


def place_of(document: Document, settings: Settings | None) -> Place | None:
    """The file's place in a stack, or None when nothing puts it in one (once per document:
    several rules ask, and a configured stack lists folders)."""
    if "layers.place" not in document.analyses:
        from promptlint.config import Settings

        document.analyses["layers.place"] = _place(document, settings or Settings())
    found: Place | None = document.analyses["layers.place"]
    return found


def _place(document: Document, settings: Settings) -> Place | None:
    specs: list[LayerSpec] = settings.get("layer-specs") or []
    order = tuple(spec.name for spec in specs) or DEFAULT_ORDER
    node = document.metadata.layer
    declared = node.string() if node is not None else None
    layer = declared or settings.get("layer")
    parents = list(_extends(document))
    parents.extend(_configured(document, settings, specs, layer))
    if layer is None and not parents:
        return None
    rank = order.index(layer) if layer in order else None
    return Place(document.path, layer, rank, node.span if declared and node else None, tuple(parents))


def _extends(document: Document) -> list[Parent]:
    folder = posixpath.dirname(document.path)
    parents = []
    for node in document.metadata.extends:
        written = node.string()
        if written:
            parents.append(Parent(posixpath.normpath(posixpath.join(folder, written)), written, node.span))
    return parents


def _configured(document: Document, settings: Settings, specs: list[LayerSpec], layer: str | None) -> list[Parent]:
    path = document.path
    stacks: dict[str, list[str]] = settings.get("stacks") or {}
    explicit = [parent for glob, listed in stacks.items() if _matches(glob, path) for parent in listed]
    if explicit:
        return [Parent(posixpath.normpath(parent), parent, None) for parent in explicit]
    names = [spec.name for spec in specs]
    if layer not in names or document.metadata.extends:
        return []  # a file that names its parents is not stacked by folder as well
    earlier = specs[:names.index(layer)]
    if not earlier:
        return []
    found = []
    for folder_path, folder in _folders_up(document):
        note_names(folder_path)
        try:
            names_here = sorted(os.listdir(folder_path))
        except OSError:
            continue
        for name in names_here:
            candidate = posixpath.join(folder, name) if folder else name
            if candidate != path and any(_matches(glob, candidate) for spec in earlier for glob in spec.files) \
                    and os.path.isfile(os.path.join(folder_path, name)):
                found.append(Parent(candidate, candidate, None))
    # the highest layer first, then by path: the order a composed stack concatenates them
    rank = {spec.name: index for index, spec in enumerate(specs)}
    found.sort(key=lambda parent: (min((rank[spec.name] for spec in earlier for glob in spec.files
                                        if _matches(glob, parent.path)), default=0), parent.path))
    return found


def _folders_up(document: Document) -> list[tuple[str, str]]:
    """(folder on disk, the same folder relative to the root) from the file's folder up to the root."""
    parts = document.path.split("/")[:-1]
    if any(part == ".." for part in parts):
        return []  # a file outside the root is in no configured stack
    disk = Path(document.source.path).absolute().parent
    found = []
    for depth in range(len(parts), -1, -1):
        found.append((str(disk), "/".join(parts[:depth])))
        disk = disk.parent
    return found


def _matches(glob: str, path: str) -> bool:
    from promptlint.config import _glob_matches  # gitignore-style, as everywhere in the configuration

    return _glob_matches([glob], path) or fnmatchcase(path, glob)


@dataclass(frozen=True)
class Stack:
    """A file and every file above it, nearest first, each with the entry it came from."""

    entry: Entry
    ancestors: tuple[Entry, ...]


def stacks(project: ProjectContext) -> list[Stack]:
    """Each reported file's ancestors (parents, their parents, ...), read on demand when the run
    did not name them. Broken links (missing parents, cycles) are PL305's to report: here they
    simply end a chain."""
    found = []
    for entry in list(project.entries):
        if entry.path not in project.reported:
            continue
        ancestors: list[Entry] = []
        seen = {entry.path}
        frontier = [entry]
        depth = 0
        while frontier and depth < MAX_STACK_DEPTH:
            depth += 1
            following = []
            for current in frontier:
                place: Place = current.data
                for parent in place.parents:
                    if parent.path in seen:
                        continue
                    seen.add(parent.path)
                    parent_entry, _why = project.lookup(parent.path)
                    if parent_entry is not None:
                        ancestors.append(parent_entry)
                        following.append(parent_entry)
            frontier = following
        if ancestors:
            found.append(Stack(entry, tuple(ancestors)))
    return found
