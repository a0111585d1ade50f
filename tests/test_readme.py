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


def test_every_rule_and_configuration_key_the_readme_shows_exists() -> None:
    from promptlint.config import KEYS
    from promptlint.registry import load_rules

    readme = (REPOSITORY / "README.md").read_text("utf-8")
    rules = load_rules()
    named = set(re.findall(r"\bPL\d{3}\b", readme))
    assert named and named <= set(rules), sorted(named - set(rules))
    sample = re.search(r"```toml\n\[tool\.promptlint\]\n(?P<body>.*?)```", readme, re.S)
    assert sample
    keys = {match.group(1) for match in re.finditer(r"^([a-z][a-z-]*) *=", sample.group("body"), re.M)}
    tables = {match.group(1) for match in re.finditer(r"^\[\[?tool\.promptlint\.([a-z-]+)", sample.group("body"), re.M)}
    assert keys | tables <= set(KEYS) | {"files"}, sorted((keys | tables) - set(KEYS))
