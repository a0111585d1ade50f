"""The README's promises that can drift: its quick-start sample is the real output."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import REPOSITORY

from promptlint.cli import main


def test_the_quick_start_sample_is_the_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPOSITORY / "README.md").read_text("utf-8")
    match = re.search(r"`promptlint check examples/`\nprints[^\n]*\n\n```\n(?P<sample>.*?)```", readme, re.S)
    assert match, "the README's quick start shows the output of `promptlint check examples/`"
    monkeypatch.chdir(REPOSITORY)
    result = CliRunner().invoke(main, ["check", "examples/", "--no-color"],
                                env={"COLUMNS": "100", "NO_COLOR": None, "FORCE_COLOR": None})
    assert result.exit_code == 1
    assert result.stdout == match.group("sample")


def test_the_format_names_listed_are_the_ones_the_configuration_accepts() -> None:
    from promptlint.formats import FORMAT_READERS

    readme = (REPOSITORY / "README.md").read_text("utf-8")
    match = re.search(r"`formats` in the configuration maps a glob to a format:\n(?P<names>.*?)\. A file", readme, re.S)
    assert match
    listed = re.findall(r"`([a-z-]+)`", re.sub(r"\(.*?\)", "", match.group("names"), flags=re.S))
    assert listed == list(FORMAT_READERS)
