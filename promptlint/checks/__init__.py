"""Python checks, grouped by rule family. A check is `check(document, context)` yielding
Findings; it reads the document model and never opens a file or formats output."""

from __future__ import annotations

import re
from typing import Any, cast


class LazyPattern:
    """A regular expression compiled on first use, with the interface of `re.Pattern`.

    The checks hold some four hundred patterns; compiling them all took a third of a one-file
    run, and most runs need few of them (no tool schema: no tool pattern; no keyword: see the
    prefilters). `pattern` is known without compiling; anything else compiles once."""

    __slots__ = ("_compiled", "_engine", "_flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0, engine: str = "re") -> None:
        self.pattern = pattern
        self._flags = flags
        self._engine = engine  # "re", or "regex" for the `regex` module (Unicode properties)
        self._compiled: Any = None

    def compiled(self) -> Any:
        if self._compiled is None:
            if self._engine == "regex":
                import regex

                self._compiled = regex.compile(self.pattern, self._flags)
            else:
                self._compiled = re.compile(self.pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self._flags})"


def lazy(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast("re.Pattern[str]", LazyPattern(pattern, int(flags)))


def lazy_regex(pattern: str, flags: int = 0) -> Any:
    """`regex.compile(pattern, flags)`, compiled when first used."""
    return LazyPattern(pattern, int(flags), "regex")
