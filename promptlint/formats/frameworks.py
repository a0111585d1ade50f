"""The framework file shapes that `.json` / `.yaml` files are recognised by, in the order they
are tried (the first recogniser that returns a Document wins; see `data.py`).

Adding a framework format means writing its reader module and adding its recogniser here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptlint.formats.data import Recogniser

FRAMEWORK_RECOGNISERS: list[Recogniser] = []
