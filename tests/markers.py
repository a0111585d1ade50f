"""Expectation markers in fixtures, in the style of Semgrep's `ruleid:` annotations.

`expect: PL002` inside any comment (`# ...`, `{# ... #}`, `{{! ... }}`, `<!-- ... -->`)
expects that finding on the same line, or on the next line when the comment stands alone
on its line. Files without comments (JSON) list their expectations in a sidecar
`<file>.expect.yaml`: `- {rule: PL215, line: 3}`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ruamel.yaml import YAML

_MARKER = re.compile(r"expect:\s*(?P<ids>[A-Z]+[0-9]{3}(?:\s*,\s*[A-Z]+[0-9]{3})*)")
_COMMENT_ONLY = re.compile(r"^[\s#{}!<>/*%~-]*$")
SIDECAR_SUFFIX = ".expect.yaml"


def expected_findings(path: Path) -> Counter[tuple[str, int]]:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    expected: Counter[tuple[str, int]] = Counter()
    if sidecar.exists():
        for item in YAML(typ="safe", pure=True).load(sidecar.read_text("utf-8")) or []:
            expected[(str(item["rule"]), int(item["line"]))] += 1
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
        for rule_id in re.split(r"\s*,\s*", match.group("ids")):
            expected[(rule_id, target)] += 1
    return expected
