"""`--format text`: findings grouped by file, each with a highlighted code frame."""

from __future__ import annotations

import os
import unicodedata
from itertools import groupby
from typing import IO, TYPE_CHECKING

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console
from rich.text import Text

from promptlint.findings import Location, Report
from promptlint.registry import Rule
from promptlint.report.summary import summary_line

if TYPE_CHECKING:
    from rich.syntax import Syntax  # imported when a frame is drawn: pygments costs a clean run 50 ms

_HIDDEN = {"Cf", "Cc", "Co", "Cn", "Zl", "Zp"}
_STYLE = {"error": "bold red", "warning": "bold yellow", "note": "bold cyan"}
_LEXERS = {".json": "json", ".prompty": "yaml+jinja", ".prompt": "handlebars", ".md": "markdown",
           ".markdown": "markdown"}
_LEXERS.update(dict.fromkeys((".mdc", ".cursorrules", ".windsurfrules", ".clinerules"), "markdown"))


def _lexer(path: str) -> str:
    for suffix, lexer in _LEXERS.items():
        if path.endswith(suffix):
            return lexer
    return "yaml+jinja"


def _visible(line: str) -> str:
    """The line with invisible and reordering characters shown as `<U+202E>`: printed raw, a bidi
    control would reorder the very line a finding is about, and a zero-width one would not show."""
    if line.isascii():
        return line
    return "".join(f"<U+{ord(char):04X}>" if char != "\t" and unicodedata.category(char) in _HIDDEN else char
                   for char in line)


def _frame(location: Location, snippet_start: int, snippet: tuple[str, ...], severity: str,
           syntax: Syntax, columns: int = 0) -> Text:
    """The snippet's lines with a gutter and a caret line under the finding. Lines wider than
    `columns` (the whole frame, gutter included; 0: no limit) show a window of cells around the
    caret, cut with `…` on the cut sides, the same window on every line so they stay aligned."""
    width = len(str(snippet_start + len(snippet) - 1))
    codes = [_visible(line).expandtabs(4) for line in snippet]
    room = max(_MIN_ROOM, columns - (width + 6)) if columns else 0  # the gutter is ` > 12 │ `
    caret: tuple[int, int] | None = None
    if location.start_line - snippet_start in range(len(snippet)):
        line = snippet[location.start_line - snippet_start]
        prefix = cell_len(_visible(line[:location.start_column - 1]).expandtabs(4))
        end = location.end_column - 1 if location.end_line == location.start_line else len(line)
        # tabs expand from the start of the line; wide characters (CJK, emoji) take two cells
        caret = prefix, max(prefix + 1, cell_len(_visible(line[:end]).expandtabs(4)))
    totals = [cell_len(code) for code in codes]
    start = _window_start(totals, caret, room)
    frame = Text()
    for offset, code in enumerate(codes):
        number = snippet_start + offset
        marker = ">" if number == location.start_line else " "
        frame.append(f" {marker} {number:>{width}} │ ", style="dim")
        frame.append_text(_cut(code, totals[offset], syntax, start, room))
        frame.append("\n")
        if number == location.start_line and caret is not None:
            first, last = caret
            if room:  # clip the underline to the window
                first = max(first, start)
                last = max(first + 1, min(last, _stop(totals[offset], start, room)))
            lead = 1 if start else 0  # the `…` that opens a cut line
            frame.append(f"   {' ' * width} │ ", style="dim")
            frame.append(" " * (lead + first - start) + "^" * (last - first), style=_STYLE[severity])
            frame.append("\n")
    return frame


_PIPE_COLUMNS = 140  # rustc's width when it cannot ask the terminal
_MIN_ROOM = 20  # cells of code a cut line shows however narrow the console
_HIGHLIGHT_LIMIT = 4000  # characters: a longer line is highlighted only where it shows


def _window_start(totals: list[int], caret: tuple[int, int] | None, room: int) -> int:
    """The first cell of the window a frame shows (whose lines are `totals` cells wide): 0 unless
    the caret would fall past the right edge."""
    if not room or caret is None or all(total <= room for total in totals):
        return 0
    first, last = caret
    if last <= room - 1:  # the caret fits before a closing `…`
        return 0
    inner = room - 2  # cells between an opening and a closing `…`
    # the caret in the middle; a long underline: a little context, then as much of it as fits
    start = first - ((inner - (last - first)) // 2 if last - first < inner else min(8, inner // 4))
    total = max(totals)
    if total - start <= room - 1:  # the end of the line fits: show all of it
        start = total - (room - 1)
    return max(1, min(start, first))


def _cut(code: str, total: int, syntax: Syntax, start: int, room: int) -> Text:
    """The cells [start, start + room) of a code line `total` cells wide, highlighted, with `…`
    where it is cut. A wide character split by the cut becomes spaces, so later columns keep
    their place."""
    if not room or (start == 0 and total <= room):
        return _highlight(syntax, code, 0, len(code))
    stop = _stop(total, start, room)
    first, last, pad_left, pad_right = _cells(code, start, stop)
    text = Text("…" if start else "", style="dim")
    text.append(" " * pad_left)
    text.append_text(_highlight(syntax, code, first, last))
    text.append(" " * pad_right)
    if total > stop:
        text.append("…", style="dim")
    return text


def _stop(total: int, start: int, room: int) -> int:
    """The cell after the last one a window from `start` shows of a line `total` cells wide:
    `room` cells less one for each `…` the line needs."""
    stop = start + room - (1 if start else 0)
    return stop - 1 if total > stop else stop


def _cells(code: str, start: int, stop: int) -> tuple[int, int, int, int]:
    """The characters of `code` wholly inside cells [start, stop), and the cells of a wide
    character cut at either end (shown as spaces)."""
    if code.isascii():
        return min(start, len(code)), min(stop, len(code)), 0, 0
    column = 0
    first, last = len(code), len(code)
    pad_left = pad_right = 0
    found = False
    for index, char in enumerate(code):
        size = get_character_cell_size(char)
        if not found and column + size > start:
            found = True
            first, pad_left = (index, 0) if column >= start else (index + 1, min(stop, column + size) - start)
        if column + size > stop:
            last, pad_right = index, max(0, stop - max(column, start))
            break
        column += size
    if last < first:  # one wide character covers the whole window
        return first, first, stop - start, 0
    return first, last, pad_left, pad_right


def _highlight(syntax: Syntax, code: str, first: int, last: int) -> Text:
    """`code[first:last]` highlighted: in the context of its whole line when the line is short
    enough to lex quickly (a fragment of a string can lex as something else)."""
    if len(code) <= _HIGHLIGHT_LIMIT:
        highlighted = syntax.highlight(code)
        highlighted.rstrip()
        if highlighted.plain == code.rstrip():
            return highlighted[first:min(last, len(highlighted.plain))]
    highlighted = syntax.highlight(code[first:last])
    if highlighted.plain.endswith("\n"):
        highlighted.right_crop(1)
    return highlighted


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    console = Console(file=out, no_color=not color, force_terminal=color, highlight=False, soft_wrap=True,
                      emoji=False, markup=False)
    # code frames fit the terminal; into a pipe or a file (CI logs), as wide as rustc's default
    columns = console.width if console.is_terminal or os.environ.get("COLUMNS") else _PIPE_COLUMNS
    for path, results in groupby(report.results, key=lambda result: result.location.path):
        from rich.syntax import Syntax

        console.print(Text(path, style="bold underline"))
        syntax = Syntax("", _lexer(path), theme="ansi_dark", background_color="default")
        for result in results:
            location = result.location
            header = Text("  ")
            header.append(f"{result.severity}[{result.rule_id}]", style=_STYLE[result.severity])
            header.append(f" {result.rule_name} ", style="bold")
            header.append(f"{path}:{location.start_line}:{location.start_column}", style="dim")
            console.print(header)
            console.print(Text("  " + result.message))
            if report.show_source:
                console.print(_frame(location, result.snippet_start, result.snippet, result.severity, syntax,
                                     columns), end="")
            for line in result.evidence:
                console.print(Text("  evidence: ", style="bold") + Text(line))
            for item in result.related:
                related = Text("  note: ", style="bold")
                related.append(f"{item.message} at ")
                related.append(f"{item.location.path}:{item.location.start_line}:{item.location.start_column}",
                               style="dim")
                console.print(related)
                if report.show_source and item.snippet and item.location.path != path:  # another file: show where
                    other = Syntax("", _lexer(item.location.path), theme="ansi_dark", background_color="default")
                    console.print(_frame(item.location, item.snippet_start, item.snippet, "note", other, columns),
                                  end="")
            for fix in result.fixes:
                console.print(Text(f"  fix ({fix.applicability}): ", style="bold") + Text(fix.description))
            help_line = Text("  help: ", style="bold")
            help_line.append(" ".join(result.fix_hint.split()))
            help_line.append(f"  (promptlint explain {result.rule_id})", style="dim")
            console.print(help_line)
            console.print()
    if report.show_files:
        for path in report.files_scanned:
            console.print(Text(f"read {path} as {report.file_formats.get(path, 'unknown')}", style="dim"))
    if report.show_skipped or report.show_files:
        for skipped in report.skipped:
            console.print(Text(f"skipped {skipped.path}: {skipped.reason}", style="dim"))
    for error in report.errors:
        where = f"{error.path}: " if error.path else ""
        console.print(Text(f"promptlint error: {where}{error.message}", style="bold red"))
    console.print(Text(summary_line(report), style="bold"))
