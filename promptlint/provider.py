"""The document provider: how a check gets a document besides the one in hand (a parent
layer, a `$ref`'d tool file, the same file at a git base) without opening files itself.

It reads with the same readers and limits as the run, only inside the project root (a
path, or a link, that leads out of it gives None), and reads each file at most once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.inputs import Input, note_file, note_names, recording
from promptlint.model import Document, SourceFile

if TYPE_CHECKING:
    from promptlint.config import Settings


class DocumentProvider:
    def __init__(self, root: Path, settings_for: Callable[[str], Settings] | None = None) -> None:
        self.root = root.absolute()
        self._real_root = root.resolve()
        self._settings_for = settings_for
        self._cache: dict[Path, Document | None] = {}
        self._inputs: dict[Path, set[Input]] = {}

    def display_path(self, path: Path) -> str:
        from promptlint.discover import display_path

        return display_path(path, self.root)

    def read(self, path: Path | str, relative_to: Document | None = None) -> Document | None:
        """The document at `path` (relative to `relative_to`'s folder, else to the root); None
        when it is outside the project root, missing, or not a prompt or tool file."""
        return self.find(path, relative_to)[0]

    def find(self, path: Path | str, relative_to: Document | None = None) -> tuple[Document | None, str]:
        """The document and, when there is none, why: for a finding that says so."""
        path = Path(path)
        if not path.is_absolute():
            base = relative_to.source.path.absolute().parent if relative_to is not None else self.root
            path = base / path
        outside = "outside the project root, which promptlint never reads"
        lexical = Path(os.path.normpath(path.absolute()))
        if not self._inside(lexical, self.root) and not self._inside(lexical, self._real_root):
            return None, outside
        note_file(lexical)  # the result cache must know this file's findings depend on that one
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a link loop
            return None, "no such file"
        if not self._inside(real, self._real_root):
            return None, outside + " (a link leads out of it)"
        if real not in self._cache:
            from promptlint.formats import read_document

            shown = self.display_path(lexical)  # `..` resolved: one file, one name in every report
            settings = self._settings_for(shown) if self._settings_for is not None else None
            with recording() as inputs:  # what reading it looked at (its companions), noted again on every use
                self._cache[real] = read_document(real, shown, explicit=True, settings=settings)
            self._inputs[real] = inputs
        for kind, noted in self._inputs[real]:
            (note_file if kind == "file" else note_names)(noted)
        document = self._cache[real]
        return document, "" if document is not None else "not a prompt or tool file promptlint reads"

    @staticmethod
    def _inside(path: Path, root: Path) -> bool:
        return path == root or root in path.parents

    def from_text(self, text: str, display_path: str) -> Document | None:
        """A document from text in memory (an editor buffer, a file at a git base), read as the
        file `display_path` would be; nothing is cached."""
        from promptlint.formats import read_source

        settings = self._settings_for(display_path) if self._settings_for is not None else None
        source = SourceFile(self.root / display_path, display_path, text.removeprefix("\ufeff"))
        return read_source(source, explicit=True, settings=settings)
