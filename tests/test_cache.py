"""The result cache: a warm run reports exactly what a cold one does, re-lints a file when it or
anything it read changed, and trusts only entries signed with this user's key."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

from promptlint.cache import FOLDER_NAME, FORMAT, open_cache
from promptlint.config import load_config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import Report
from promptlint.registry import load_rules
from tests.cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, invoke, write

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def own_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test signs with a key of its own, kept outside the project."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.delenv("PROMPTLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("PROMPTLINT_CACHE_DIR", raising=False)


def lint(root: Path, cache: bool = True) -> Report:
    rules = load_rules()
    config = load_config(None, root, rules)
    selection = select_rules(rules, config)
    return lint_paths([root], selection, cache=open_cache(selection) if cache else None)


def findings(report: Report) -> list[tuple[str, str, int, int, str]]:
    return [(result.location.path, result.rule_id, result.location.start_line, result.location.start_column,
             result.message) for result in report.results]


def json_output(*args: str) -> dict[str, Any]:
    result = invoke("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_warm_run_reports_byte_for_byte_what_a_cold_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    for family in ("PL002", "PL101", "PL120", "PL201", "PL302", "PL705", "PL704"):
        shutil.copytree(FIXTURES / family, tmp_path / "fixtures" / family)
    shutil.copytree(FIXTURES / "PL302" / "stack", tmp_path / "fixtures" / "PL302" / "stack", dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    cold = invoke("check", "--format", "sarif", "fixtures")
    assert (tmp_path / FOLDER_NAME).is_dir()
    warm = invoke("check", "--format", "sarif", "fixtures")
    uncached = invoke("check", "--format", "sarif", "--no-cache", "fixtures")
    assert cold.exit_code == warm.exit_code == uncached.exit_code == 1
    assert warm.stdout == cold.stdout == uncached.stdout
    report = lint(tmp_path)
    assert report.from_cache == len(report.files_scanned) + len(report.skipped) > 20
    assert findings(report) == findings(lint(tmp_path, cache=False))


def test_a_changed_file_is_linted_again_and_the_others_come_from_the_cache(tmp_path: Path) -> None:
    write(tmp_path / "a.prompt.yaml", CLEAN_PROMPT)
    write(tmp_path / "b.prompt.yaml", CLEAN_PROMPT)
    assert lint(tmp_path).from_cache == 0
    write(tmp_path / "b.prompt.yaml", TYPO_PROMPT)
    report = lint(tmp_path)
    assert report.from_cache == 1
    assert {(path, rule) for path, rule, *_ in findings(report)} == {("b.prompt.yaml", "PL002"),
                                                                      ("b.prompt.yaml", "PL003")}


def test_a_change_to_the_configuration_is_a_new_key(tmp_path: Path) -> None:
    write(tmp_path / "a.prompt.yaml", TYPO_PROMPT)
    assert {rule for _, rule, *_ in findings(lint(tmp_path))} == {"PL002", "PL003"}
    (tmp_path / ".promptlint.yaml").write_text("ignore: [PL003]\n", "utf-8")
    report = lint(tmp_path)
    assert report.from_cache == 0
    assert {rule for _, rule, *_ in findings(report)} == {"PL002"}


def _same_as_uncached(root: Path) -> Report:
    warm = lint(root)
    assert findings(warm) == findings(lint(root, cache=False))
    assert warm.files_scanned == lint(root, cache=False).files_scanned
    return warm


def test_a_file_is_linted_again_when_a_companion_it_read_changes(tmp_path: Path) -> None:
    function = tmp_path / "WriteNotes"
    shutil.copytree(FIXTURES / "PL002" / "bad" / "sk-function", function)
    (function / "skprompt.txt.expect.yaml").unlink()
    before = _same_as_uncached(tmp_path)
    assert [rule for _, rule, *_ in findings(before)] == ["PL002"]  # {{$audeince}} is not declared
    config = function / "config.json"
    config.write_text(config.read_text("utf-8").replace('"audience"', '"audeince"'), "utf-8")
    after = _same_as_uncached(tmp_path)
    assert "PL002" not in [rule for _, rule, *_ in findings(after)]  # skprompt.txt itself is unchanged


def test_a_file_is_linted_again_when_the_parent_it_extends_changes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "PL302" / "bad", tmp_path / "bad")
    shutil.copytree(FIXTURES / "PL302" / "stack", tmp_path / "stack")
    first = _same_as_uncached(tmp_path)
    assert any(rule == "PL302" for _, rule, *_ in findings(first))
    (tmp_path / "stack" / "platform.prompt.yaml").unlink()  # the tenants now stack on nothing
    second = _same_as_uncached(tmp_path)
    assert findings(second) != findings(first)


def test_a_file_is_linted_again_when_a_file_it_refers_to_appears(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "PL209" / "bad", tmp_path / "bad")
    shutil.copytree(FIXTURES / "PL209" / "tools", tmp_path / "tools")
    first = _same_as_uncached(tmp_path)
    assert ("bad/missing.prompt.yaml", "PL209") in {(path, rule) for path, rule, *_ in findings(first)}
    shutil.copy(tmp_path / "tools" / "lookup_order.json", tmp_path / "tools" / "search_help_centre.json")
    second = _same_as_uncached(tmp_path)
    assert ("bad/missing.prompt.yaml", "PL209") not in {(path, rule) for path, rule, *_ in findings(second)}


def test_a_file_is_linted_again_when_its_lock_changes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "PL705" / "good", tmp_path / "tools")
    assert not any(rule == "PL705" for _, rule, *_ in findings(_same_as_uncached(tmp_path)))
    lock = tmp_path / "tools" / "promptlint.lock"
    data = json.loads(lock.read_text("utf-8"))
    for pins in data["tools"].values():
        for name in pins:
            pins[name] = "sha256:" + "0" * 64
    lock.write_text(json.dumps(data), "utf-8")
    assert any(rule == "PL705" for _, rule, *_ in findings(_same_as_uncached(tmp_path)))


def test_a_markdown_file_is_read_again_when_a_plugin_manifest_appears_above_it(tmp_path: Path) -> None:
    write(tmp_path / "plugin" / "commands" / "deploy.md", "Deploy $ARGUMENTS to production now.\n")
    first = _same_as_uncached(tmp_path)
    write(tmp_path / "plugin" / ".claude-plugin" / "plugin.json", '{"name": "deployer"}\n')
    second = _same_as_uncached(tmp_path)
    assert first.file_formats != second.file_formats or first.skipped != second.skipped


def test_an_entry_that_is_not_signed_with_the_users_key_is_never_loaded(tmp_path: Path) -> None:
    write(tmp_path / "a.prompt.yaml", TYPO_PROMPT)
    lint(tmp_path)
    entries = [path for path in (tmp_path / FOLDER_NAME).rglob("*") if path.is_file() and len(path.name) == 64]
    assert len(entries) == 1
    marker = tmp_path / "executed"

    class Payload:  # what an attacker would commit: a pickle that runs a command when loaded
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps(Payload())
    blob = entries[0].read_bytes()
    entries[0].write_bytes(FORMAT + blob[len(FORMAT):len(FORMAT) + 32] + payload)  # an old signature, new payload
    report = lint(tmp_path)
    assert not marker.exists()
    assert report.from_cache == 0
    assert {rule for _, rule, *_ in findings(report)} == {"PL002", "PL003"}


def test_an_entry_claiming_a_clean_file_is_ignored_under_another_users_key(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.prompt.yaml", CLEAN_PROMPT)
    lint(tmp_path)
    entry = next(path for path in (tmp_path / FOLDER_NAME).rglob("*") if path.is_file() and len(path.name) == 64)
    write(tmp_path / "a.prompt.yaml", TYPO_PROMPT)
    report = lint(tmp_path)  # the key of the typo file, signed by us
    typo_entry = next(path for path in (tmp_path / FOLDER_NAME).rglob("*")
                      if path.is_file() and len(path.name) == 64 and path != entry)
    typo_entry.write_bytes(entry.read_bytes())  # someone swaps in the clean file's signed entry
    report = lint(tmp_path)
    assert report.from_cache == 0
    assert {rule for _, rule, *_ in findings(report)} == {"PL002", "PL003"}


def test_no_cache_writes_nothing_and_a_linked_cache_folder_is_not_used(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.prompt.yaml", CLEAN_PROMPT)
    monkeypatch.chdir(tmp_path)
    assert invoke("check", "--no-cache", ".").exit_code == 0
    assert not (tmp_path / FOLDER_NAME).exists()
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (tmp_path / FOLDER_NAME).symlink_to(elsewhere, target_is_directory=True)
    assert invoke("check", ".").exit_code == 0
    assert list(elsewhere.iterdir()) == []


def test_the_cache_folder_ignores_itself_and_can_live_elsewhere(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "project" / "a.prompt.yaml", CLEAN_PROMPT)
    monkeypatch.chdir(tmp_path / "project")
    assert invoke("check", ".").exit_code == 0
    assert (tmp_path / "project" / FOLDER_NAME / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    assert invoke("check", "--cache-dir", str(tmp_path / "elsewhere"), ".").exit_code == 0
    assert any(path.is_file() and len(path.name) == 64 for path in (tmp_path / "elsewhere").rglob("*"))


def test_parallel_workers_share_the_cache(tmp_path: Path) -> None:
    for index in range(12):
        write(tmp_path / f"p{index}.prompt.yaml", TYPO_PROMPT if index % 3 == 0 else CLEAN_PROMPT)
    rules = load_rules()
    config = load_config(None, tmp_path, rules)
    selection = select_rules(rules, config)
    cold = lint_paths([tmp_path], selection, jobs=2, parallel_from=2, cache=open_cache(selection))
    warm = lint_paths([tmp_path], selection, jobs=2, parallel_from=2, cache=open_cache(selection))
    assert warm.from_cache == 12
    assert findings(warm) == findings(cold) == findings(lint(tmp_path, cache=False))
