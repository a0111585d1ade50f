"""Expectation markers in fixtures, in the style of Semgrep's `ruleid:` annotations.

`expect: PL002` inside any comment (`# ...`, `{# ... #}`, `{{! ... }}`, `<!-- ... -->`)
expects that finding on the same line, or on the next line when the comment stands alone
on its line. `expect: PL002@18` also expects it to start in column 18 (1-based, in code
points); without `@` any column matches. Files without comments (JSON) list their
expectations in a sidecar `<file>.expect.yaml`: `- {rule: PL215, line: 3, column: 18}`
(`column` optional). A `<file>.base` sibling holds the file's text at a git base, for the rules
that compare with one (tests/test_fixtures.py lints such folders in a temporary repository).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

_ID = r"[A-Z]+[0-9]{3}(?:@[0-9]+)?"
_MARKER = re.compile(rf"expect:\s*(?P<ids>{_ID}(?:\s*,\s*{_ID})*)")
_COMMENT_ONLY = re.compile(r"^[\s#{}!<>/*%~-]*$")
SIDECAR_SUFFIX = ".expect.yaml"

# (rule id, line, start column or None for any column)
Expectation = tuple[str, int, int | None]


def expected_findings(path: Path) -> Counter[Expectation]:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    expected: Counter[Expectation] = Counter()
    if sidecar.exists():
        for item in YAML(typ="safe", pure=True).load(sidecar.read_text("utf-8")) or []:
            column = item.get("column")
            expected[(str(item["rule"]), int(item["line"]), None if column is None else int(column))] += 1
        return expected
    lines = path.read_text("utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, start=1):
        match = _MARKER.search(line)
        if not match:
            continue
        alone = _COMMENT_ONLY.match(line[:match.start()] + line[match.end():])
        target = number + 1 if alone else number
        if alone:  # stacked marker lines all point at the first line after them
            while target <= len(lines) and _MARKER.search(lines[target - 1]) and _COMMENT_ONLY.match(
                    _MARKER.sub("", lines[target - 1])):
                target += 1
        for item in re.split(r"\s*,\s*", match.group("ids")):
            rule_id, _, column = item.partition("@")
            expected[(rule_id, target, int(column) if column else None)] += 1
    return expected


def unmatched(expected: Counter[tuple[Any, ...]],
              actual: Counter[tuple[Any, ...]]) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """(expected but missing, found but unexpected). Keys end in a column; an expected column
    of None matches any column. Exact expectations are matched first, so a column-less one
    cannot take the finding an exact one needs."""
    left = actual.copy()
    missing: Counter[tuple[Any, ...]] = Counter()
    for key, count in expected.items():
        if key[-1] is not None:
            taken = min(count, left[key])
            left[key] -= taken
            missing[key] += count - taken
    for key, count in expected.items():
        if key[-1] is None:
            for candidate in list(left):
                if candidate[:-1] == key[:-1] and left[candidate] > 0 and count:
                    taken = min(count, left[candidate])
                    left[candidate] -= taken
                    count -= taken
            missing[key] += count
    return +missing, +left
