"""Reports: each turns a Report (results, files, errors) and the rules' metadata into one
output format. A reporter knows no rule in particular."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from promptlint.findings import Report
from promptlint.registry import Rule

Renderer = Callable[[Report, dict[str, Rule], IO[str], bool], None]


def renderer(name: str) -> Renderer:
    # imported on demand: the text report needs rich and pygments, the others do not
    if name == "text":
        from promptlint.report.text import render
    elif name == "json":
        from promptlint.report.json import render
    elif name == "sarif":
        from promptlint.report.sarif import render
    elif name == "github":
        from promptlint.report.github import render
    else:
        raise ValueError(f"unknown format {name}")
    return render


FORMATS = ("text", "json", "sarif", "github")
