"""Apply the fixes findings carry (`check --fix`, `check --diff`).

A report locates each edit by line and column (1-based, columns in code points of the text
decoded from UTF-8 with a byte-order mark removed). Here they go back to offsets in that same
text, are applied from the end of the file to its start, and the file is written back
byte-exactly everywhere else: the BOM is kept, line endings are never touched.

Nothing is written through a symlink that leaves the project root, and nothing is written
over a file that changed since it was read: the text is read again just before writing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from promptlint.findings import LocatedEdit, LocatedFix, Report, Result
from promptlint.model import SourceFile

UTF8_BOM = b"\xef\xbb\xbf"
# a line with its break: diff lines must split where promptlint counts lines ("\r\n", "\r", "\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Applied:
    result: Result
    fix: LocatedFix


@dataclass(frozen=True)
class NotApplied:
    result: Result | None  # None: the whole file was left (outside the root, changed, unreadable)
    reason: str


@dataclass
class FilePlan:
    """What fixing one file changes. `original` is the decoded text the edits were placed in."""

    path: str  # as the report shows it
    disk_path: Path
    original: str
    fixed: str
    bom: bool
    applied: list[Applied] = field(default_factory=list)
    skipped: list[NotApplied] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


@dataclass
class FixOutcome:
    plans: list[FilePlan] = field(default_factory=list)
    skipped: dict[str, list[NotApplied]] = field(default_factory=dict)  # per path, files not planned at all
    written: list[str] = field(default_factory=list)

    @property
    def applied(self) -> list[Applied]:
        return [item for plan in self.plans if plan.path in self.written for item in plan.applied]

    def notes(self) -> list[str]:
        """One line per fix or file left alone, with why."""
        lines = []
        for path, items in list(self.skipped.items()) + [(plan.path, plan.skipped) for plan in self.plans]:
            for item in items:
                lines.append(f"not fixed: {_where(path, item.result)}{item.reason}")
        return lines


def _where(path: str, result: Result | None) -> str:
    if result is None:
        return f"{path}: "
    return f"{path}:{result.location.start_line}:{result.location.start_column} {result.rule_id}: "


def chosen_fix(result: Result, unsafe: bool) -> LocatedFix | None:
    """The fix a run applies for a finding: its first one of an allowed applicability."""
    return next((fix for fix in result.fixes if fix.edits and (unsafe or fix.applicability == "safe")), None)


def plan_fixes(report: Report, unsafe: bool = False, texts: Mapping[str, str] | None = None) -> FixOutcome:
    """Work out every file's fixed text, writing nothing. `texts`: the decoded text each file had
    when it was linted, when the caller kept it; otherwise each file is read now, and a fix whose
    finding's code frame no longer matches the file is left (the file changed since the lint)."""
    outcome = FixOutcome()
    by_path: dict[str, list[tuple[Result, LocatedFix]]] = {}
    for result in report.results:  # report order: the first of two overlapping fixes wins
        fix = chosen_fix(result, unsafe)
        if fix is not None:
            by_path.setdefault(result.location.path, []).append((result, fix))
    root = Path(report.root or ".")
    for path, fixes in by_path.items():
        disk_path, why_not = _inside_root(root, path)
        if disk_path is None:
            outcome.skipped[path] = [NotApplied(None, why_not)]
            continue
        try:
            bom, text = _read(disk_path)
        except (OSError, UnicodeDecodeError) as error:
            outcome.skipped[path] = [NotApplied(None, f"cannot read it: {error}")]
            continue
        if texts is not None and path in texts and texts[path] != text:
            outcome.skipped[path] = [NotApplied(None, "it changed since it was linted; run again")]
            continue
        outcome.plans.append(_plan(path, disk_path, bom, text, fixes, verify_frames=texts is None or path not in texts))
    return outcome


def _plan(path: str, disk_path: Path, bom: bool, text: str, fixes: list[tuple[Result, LocatedFix]],
          verify_frames: bool) -> FilePlan:
    plan = FilePlan(path, disk_path, text, text, bom)
    source = SourceFile(disk_path, path, text)
    taken: list[tuple[int, int]] = []
    edits: list[tuple[int, int, str]] = []
    for result, fix in fixes:
        if verify_frames and not _frame_matches(source, result):
            plan.skipped.append(NotApplied(result, "the file changed since it was linted; run again"))
            continue
        ranges = [_offsets(source, edit) for edit in fix.edits]
        if any(span is None for span in ranges):
            plan.skipped.append(NotApplied(result, "an edit lies outside the file as it is now"))
            continue
        spans = [span for span in ranges if span is not None]
        if any(_overlap(a, b) for index, a in enumerate(spans) for b in spans[index + 1:]):
            plan.skipped.append(NotApplied(result, "the fix's own edits overlap"))
            continue
        if any(_overlap(a, b) for a in spans for b in taken):
            plan.skipped.append(NotApplied(result, "it overlaps another fix; run again to apply it"))
            continue
        taken.extend(spans)
        edits.extend((start, end, edit.replacement) for (start, end), edit in zip(spans, fix.edits, strict=True))
        plan.applied.append(Applied(result, fix))
    fixed = text
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):  # end first: offsets hold
        fixed = fixed[:start] + replacement + fixed[end:]
    plan.fixed = fixed
    return plan


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # two insertions at one point have no order between them, so they conflict too
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]


def _offsets(source: SourceFile, edit: LocatedEdit) -> tuple[int, int] | None:
    location = edit.location
    start = _offset(source, location.start_line, location.start_column)
    end = _offset(source, location.end_line, location.end_column)
    return None if start is None or end is None or end < start else (start, end)


def _offset(source: SourceFile, line: int, column: int) -> int | None:
    if not 1 <= line <= source.line_count:
        return None
    start = source.line_starts[line - 1]
    limit = source.line_starts[line] if line < source.line_count else len(source.text)
    offset = start + column - 1
    return offset if start <= offset <= limit else None


def _frame_matches(source: SourceFile, result: Result) -> bool:
    """Whether the lines the report showed around the finding are still the file's (a masked
    secret shows as `*`, which matches any character)."""
    for number, shown in enumerate(result.snippet, start=result.snippet_start):
        line = source.line_text(number)
        if line == shown:
            continue
        if len(line) != len(shown) or any(a != b and b != "*" for a, b in zip(line, shown, strict=True)):
            return False
    return True


def _inside_root(root: Path, path: str) -> tuple[Path | None, str]:
    candidate = root / path
    try:
        real, real_root = candidate.resolve(strict=True), root.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # missing, or a symlink loop
        return None, f"cannot resolve it: {error}"
    if not real.is_relative_to(real_root):
        return None, f"it resolves to {real}, outside the project root {real_root}; fix it there"
    if not real.is_file():
        return None, "not a regular file"
    return real, ""


def _read(path: Path) -> tuple[bool, str]:
    data = path.read_bytes()
    bom = data.startswith(UTF8_BOM)
    return bom, data[len(UTF8_BOM) if bom else 0:].decode("utf-8")


def write_fixes(outcome: FixOutcome) -> FixOutcome:
    """Write each changed file, unless it changed since its fixes were planned."""
    for plan in outcome.plans:
        if not plan.changed:
            continue
        try:
            bom, now = _read(plan.disk_path)
        except (OSError, UnicodeDecodeError) as error:
            plan.skipped = [NotApplied(item.result, f"cannot read it again: {error}") for item in plan.applied]
            continue
        if now != plan.original or bom != plan.bom:
            plan.skipped = [NotApplied(item.result, "the file changed while it was being fixed; run again")
                            for item in plan.applied]
            continue
        try:
            data = plan.fixed.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate in a replacement
            plan.skipped = [NotApplied(item.result, f"the fixed text is not valid UTF-8: {error}")
                            for item in plan.applied]
            continue
        try:
            plan.disk_path.write_bytes((UTF8_BOM if plan.bom else b"") + data)
        except OSError as error:
            plan.skipped = [NotApplied(item.result, f"cannot write it: {error.strerror or error}")
                            for item in plan.applied]
            continue
        outcome.written.append(plan.path)
    return outcome


def apply_fixes(report: Report, unsafe: bool = False, texts: Mapping[str, str] | None = None) -> FixOutcome:
    """Plan and write: the fixes applied and those left, per file."""
    return write_fixes(plan_fixes(report, unsafe, texts))


def unified_diff(outcome: FixOutcome) -> str:
    """What the planned fixes change, as a unified diff (`a/path`, `b/path`)."""
    return "".join(_file_diff(plan) for plan in outcome.plans if plan.changed)


def _file_diff(plan: FilePlan) -> str:
    lines = difflib.unified_diff(_lines(plan.original), _lines(plan.fixed), f"a/{plan.path}", f"b/{plan.path}")
    return "".join(_terminated(lines))


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _terminated(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        if line.endswith(("\n", "\r")):
            yield line
        else:  # as diff(1) marks a last line without a break
            yield line + "\n\\ No newline at end of file\n"


def fixed_lines(outcome: FixOutcome) -> list[str]:
    """`fixed: path:line:col PLxxx description`, one per fix written."""
    return [f"fixed: {item.result.location.path}:{item.result.location.start_line}:"
            f"{item.result.location.start_column} {item.result.rule_id} {item.fix.description}"
            for item in outcome.applied]
