"""Every rule has bad and good fixtures, and each fixture's findings equal its markers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from conftest import FIXTURES, REPOSITORY
from markers import SIDECAR_SUFFIX, expected_findings, unmatched

from promptlint.config import Config, load_config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Report
from promptlint.formats import path_reader
from promptlint.registry import load_rules

RULES = load_rules()
# Rules that compare a file with the same file at a git base (`check --diff-base REF`). A fixture of
# theirs may have a `<name>.base` sibling holding its text at the base: its folder is linted in a
# temporary git repository whose last commit holds the `.base` texts, with `--diff-base HEAD`.
NEEDS_GIT_BASE = {"PL701", "PL702", "PL703", "PL707"}
BASE_SUFFIX = ".base"


def fixture_files() -> list[Path]:
    return sorted(path for path in FIXTURES.rglob("*")
                  if path.is_file() and path_reader(path.relative_to(REPOSITORY).as_posix())
                  and not path.name.endswith(SIDECAR_SUFFIX))


def all_rules_config(folder_rule: str | None = None) -> Config:
    """Every rule a team runs by default, PL009 (the repository's configuration turns it on), and
    an opt-in rule in its own fixture folder: opt-in rules such as PL103 would speak on every
    other rule's fixtures, which is why they are opt-in."""
    selected = [rule.id for rule in RULES.values() if rule.enabled or rule.id in ("PL009", folder_rule)]
    config = load_config(None, REPOSITORY, RULES)  # its overrides give some fixtures configured trust
    config.select, config.extend_select, config.ignore = selected, [], []
    return config


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_has_bad_and_good_fixtures(rule_id: str) -> None:
    # a folder of its own may hold what belongs together (a layer stack, a Semantic Kernel function)
    bad = [path for path in fixture_files() if path.is_relative_to(FIXTURES / rule_id / "bad")]
    good = [path for path in fixture_files() if path.is_relative_to(FIXTURES / rule_id / "good")]
    assert bad, f"fixtures/{rule_id}/bad has no fixture"
    assert good, f"fixtures/{rule_id}/good has no fixture"
    marked = [path for path in bad if any(rule == rule_id for rule, _line, _column in expected_findings(path))]
    if RULES[rule_id].scope == "project":  # a bad folder also holds the other side of each clash
        assert marked, f"fixtures/{rule_id}/bad has no fixture that expects {rule_id}"
    else:  # every file directly in bad/, and each folder of files that belong together
        groups = {path.parent for path in bad}
        unmarked = sorted(group for group in groups if not any(path.parent == group for path in marked)) + \
            [path for path in bad if path.parent == FIXTURES / rule_id / "bad" and path not in marked]
        assert not unmarked, f"every bad fixture of {rule_id} must expect at least one {rule_id} finding: {unmarked}"
    for path in good:
        expected = expected_findings(path)
        assert not any(rule == rule_id for rule, _line, _column in expected), f"{path} is good yet expects {rule_id}"


@cache
def _fixture_run(directory: Path) -> Report:
    config = all_rules_config(directory.parent.name)
    if not any(directory.rglob(f"*{BASE_SUFFIX}")):
        return lint_paths([directory], select_rules(RULES, config))
    with tempfile.TemporaryDirectory() as scratch:
        # the folder at the same place under a new root, so reported paths and the globs of the
        # repository's configuration read as in the checkout
        root = Path(scratch)
        copy = root / directory.relative_to(REPOSITORY)
        shutil.copytree(directory, copy)
        bases = list(copy.rglob(f"*{BASE_SUFFIX}"))
        current = {base: base.with_name(base.name.removesuffix(BASE_SUFFIX)) for base in bases}
        texts = {file: file.read_bytes() for file in current.values()}
        for base, file in current.items():
            file.write_bytes(base.read_bytes())
            base.unlink()
        author = ["-c", "user.name=fixtures", "-c", "user.email=fixtures@example.com"]
        for arguments in (["init", "-q"], ["add", "-A"], [*author, "commit", "-qm", "base"]):
            subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)
        for file, text in texts.items():
            file.write_bytes(text)
        return lint_paths([copy], select_rules(RULES, replace(config, root=root, diff_base="HEAD")))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_fixture_findings_equal_markers(path: Path) -> None:
    # one run per fixtures/<rule>/<bad|good> folder: project rules (PL704) compare its files
    relative = path.relative_to(FIXTURES)
    report = _fixture_run(FIXTURES / relative.parts[0] / relative.parts[1])
    assert not report.errors, report.errors
    shown = path.relative_to(REPOSITORY).as_posix()
    results = [result for result in report.results if result.location.path == shown]
    actual = Counter((result.rule_id, result.location.start_line, result.location.start_column)
                     for result in results)
    missing, unexpected = unmatched(expected_findings(path), actual)
    assert not missing and not unexpected, f"missing {dict(missing)}, unexpected {dict(unexpected)}:\n" + "\n".join(
        f"{result.rule_id} {result.location.start_line}:{result.location.start_column} {result.message}"
        for result in results)


def _code_points(path: str, line: int, utf16_column: int) -> int:
    """A SARIF column (UTF-16 code units) as the code-point column markers use."""
    text = (REPOSITORY / path).read_text("utf-8-sig").split("\n")[line - 1]  # lines as promptlint counts them
    units = 0
    for index, character in enumerate(text):
        if units >= utf16_column - 1:
            return index + 1
        units += 2 if ord(character) > 0xFFFF else 1  # outside the BMP: a surrogate pair
    return len(text) + 1


def _parse_report(output_format: str, text: str) -> Counter[tuple[str, str, int, int]]:
    """(path, rule, line, start column in code points) of every finding, read back from one report format."""
    found: Counter[tuple[str, str, int, int]] = Counter()
    if output_format == "json":
        found.update((item["path"], item["rule_id"], item["start_line"], item["start_column"])
                     for item in json.loads(text)["findings"])
    elif output_format == "sarif":
        for result in json.loads(text)["runs"][0]["results"]:
            location = result["locations"][0]["physicalLocation"]
            uri, region = location["artifactLocation"]["uri"], location["region"]
            column = _code_points(uri, region["startLine"], region["startColumn"])
            found[(uri, result["ruleId"], region["startLine"], column)] += 1
    elif output_format == "github":
        for match in re.finditer(r"^::\w+ file=([^,]+),line=(\d+),col=(\d+),.*?title=(\w+) ", text, re.M):
            found[(match.group(1), match.group(4), int(match.group(2)), int(match.group(3)))] += 1
    else:  # text: "  error[PL002] undeclared-variable path:line:column"
        for match in re.finditer(r"^  \w+\[(\w+)\] [\w-]+ (.+):(\d+):(\d+)$", text, re.M):
            found[(match.group(2), match.group(1), int(match.group(3)), int(match.group(4)))] += 1
    return found


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_promptlint_check_fixtures_finds_every_marker_and_nothing_else(output_format: str) -> None:
    # exactly the command of the issue: the repository's own configuration turns on the opt-in rules
    completed = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "fixtures/", "--format", output_format],
        cwd=REPOSITORY, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"},
    )
    assert completed.returncode == 1, completed.stderr
    running = {rule.id for rule in select_rules(RULES, load_config(None, REPOSITORY, RULES)).rules}
    expected: Counter[tuple[str, str, int, int | None]] = Counter()
    for path in fixture_files():
        for (rule_id, line, column), count in expected_findings(path).items():
            # opt-in rules the configuration leaves off, and rules that need a git base, are checked in their folders
            if rule_id in running and rule_id not in NEEDS_GIT_BASE:
                expected[(path.relative_to(REPOSITORY).as_posix(), rule_id, line, column)] += count
    missing, unexpected = unmatched(expected, _parse_report(output_format, completed.stdout))
    assert (missing, unexpected) == (Counter(), Counter())


# --- the markers themselves ---------------------------------------------------------------------


def test_markers_read_an_optional_column(tmp_path: Path) -> None:
    fixture = tmp_path / "a.prompt.yaml"
    fixture.write_text("# expect: PL002@18, PL003\n# expect: PL005@3\nx: 1\ny: 2  # expect: PL001@1\n", "utf-8")
    assert expected_findings(fixture) == Counter({("PL002", 3, 18): 1, ("PL003", 3, None): 1, ("PL005", 3, 3): 1,
                                                  ("PL001", 4, 1): 1})
    data = tmp_path / "b.json"
    data.write_text("{}", "utf-8")
    (tmp_path / ("b.json" + SIDECAR_SUFFIX)).write_text(
        "- {rule: PL005, line: 3, column: 18}\n- {rule: PL005, line: 4}\n", "utf-8")
    assert expected_findings(data) == Counter({("PL005", 3, 18): 1, ("PL005", 4, None): 1})


def test_a_column_must_match_exactly_and_no_column_matches_any() -> None:
    found = Counter({("PL002", 3, 18): 1, ("PL002", 3, 30): 1})
    assert unmatched(Counter({("PL002", 3, 18): 1, ("PL002", 3, None): 1}), found) == (Counter(), Counter())
    assert unmatched(Counter({("PL002", 3, None): 1, ("PL002", 3, 30): 1}), found) == (Counter(), Counter())
    assert unmatched(Counter({("PL002", 3, 17): 1, ("PL002", 3, None): 1}), found) == (
        Counter({("PL002", 3, 17): 1}), Counter({("PL002", 3, 30): 1}))
    missing, unexpected = unmatched(Counter({("PL002", 3, None): 1, ("PL003", 3, None): 1}), found)
    assert missing == Counter({("PL003", 3, None): 1})
    assert sum(unexpected.values()) == 1
