"""`--format text`: findings grouped by file, each with a highlighted code frame."""

from __future__ import annotations

import unicodedata
from itertools import groupby
from typing import IO

from rich.cells import cell_len
from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from promptlint.findings import Location, Report
from promptlint.registry import Rule
from promptlint.report.summary import summary_line

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
           syntax: Syntax) -> Text:
    width = len(str(snippet_start + len(snippet) - 1))
    frame = Text()
    for offset, line in enumerate(snippet):
        number = snippet_start + offset
        code = _visible(line).expandtabs(4)
        marker = ">" if number == location.start_line else " "
        frame.append(f" {marker} {number:>{width}} │ ", style="dim")
        highlighted = syntax.highlight(code)
        highlighted.rstrip()
        frame.append_text(highlighted)
        frame.append("\n")
        if number == location.start_line:
            prefix = _visible(line[:location.start_column - 1]).expandtabs(4)
            end = location.end_column - 1 if location.end_line == location.start_line else len(line)
            # tabs expand from the start of the line; wide characters (CJK, emoji) take two cells
            length = max(1, cell_len(_visible(line[:end]).expandtabs(4)[len(prefix):]))
            frame.append(f"   {' ' * width} │ ", style="dim")
            frame.append(" " * cell_len(prefix) + "^" * length, style=_STYLE[severity])
            frame.append("\n")
    return frame


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    console = Console(file=out, no_color=not color, force_terminal=color, highlight=False, soft_wrap=True,
                      emoji=False, markup=False)
    for path, results in groupby(report.results, key=lambda result: result.location.path):
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
            console.print(_frame(location, result.snippet_start, result.snippet, result.severity, syntax), end="")
            for line in result.evidence:
                console.print(Text("  evidence: ", style="bold") + Text(line))
            for item in result.related:
                related = Text("  note: ", style="bold")
                related.append(f"{item.message} at ")
                related.append(f"{item.location.path}:{item.location.start_line}:{item.location.start_column}",
                               style="dim")
                console.print(related)
                if item.snippet and item.location.path != path:  # another file: show where
                    other = Syntax("", _lexer(item.location.path), theme="ansi_dark", background_color="default")
                    console.print(_frame(item.location, item.snippet_start, item.snippet, "note", other), end="")
            for fix in result.fixes:
                console.print(Text(f"  fix ({fix.applicability}): ", style="bold") + Text(fix.description))
            help_line = Text("  help: ", style="bold")
            help_line.append(" ".join(result.fix_hint.split()))
            help_line.append(f"  (promptlint explain {result.rule_id})", style="dim")
            console.print(help_line)
            console.print()
    for skipped in report.skipped:
        console.print(Text(f"skipped {skipped.path}: {skipped.reason}", style="dim"))
    for error in report.errors:
        where = f"{error.path}: " if error.path else ""
        console.print(Text(f"promptlint error: {where}{error.message}", style="bold red"))
    console.print(Text(summary_line(report), style="bold"))
