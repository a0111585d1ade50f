"""Configuration: discovery, validation, rule selection, per-file ignores, severities, and
which files a run looks at (exclude, .gitignore, symbolic links)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import CLEAN_PROMPT, TYPO_PROMPT, UNUSED_PROMPT, found, invoke, json_report, write

from promptlint.config import (
    Config,
    ConfigError,
    Selectors,
    build_config,
    enabled_rules,
    find_config_file,
    load_config,
)
from promptlint.engine import select_rules
from promptlint.registry import load_rules

RULES = load_rules()
# selection is tested on a fixed set of rules, so that new rules do not change the expectations
SELECTION_RULES = {rule_id: RULES[rule_id] for rule_id in ("PL001", "PL002", "PL003", "PL005", "PL009")}
DEFAULT_RULES = ["PL001", "PL002", "PL003", "PL005"]  # every rule but the opt-in PL009


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the project root: .gitignore files above it do not apply
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rule_ids() -> set[tuple[str, str]]:
    """(path, rule id) of the findings of `promptlint check .` in the current directory."""
    return {(path, rule) for path, rule, _line in found(json_report("."))}


# --- discovery ----------------------------------------------------------------------------------


def test_promptlint_yaml_is_found_upward_from_a_subdirectory(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / ".promptlint.yaml", "ignore: [PL003]\n")
    write(in_tmp / "a" / "b" / "typo.prompt.yaml", TYPO_PROMPT)
    monkeypatch.chdir(in_tmp / "a" / "b")
    report = json_report(".")
    # paths are relative to the directory of the configuration, not to the working directory
    assert found(report) == {("a/b/typo.prompt.yaml", "PL002", 9)}


def test_pyproject_section_is_found_upward(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / "pyproject.toml", '[project]\nname = "x"\n\n[tool.promptlint]\nignore = ["PL002"]\n')
    write(in_tmp / "a" / "typo.prompt.yaml", TYPO_PROMPT)
    monkeypatch.chdir(in_tmp / "a")
    assert found(json_report(".")) == {("a/typo.prompt.yaml", "PL003", 4)}


def test_pyproject_without_the_section_is_skipped(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / ".promptlint.yaml", "ignore: [PL003]\n")
    write(in_tmp / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n\n[tool.ruff]\nline-length = 100\n')
    write(in_tmp / "pkg" / "typo.prompt.yaml", TYPO_PROMPT)
    monkeypatch.chdir(in_tmp / "pkg")
    assert find_config_file(in_tmp / "pkg") == in_tmp / ".promptlint.yaml"
    assert found(json_report(".")) == {("pkg/typo.prompt.yaml", "PL002", 9)}


def test_the_nearest_configuration_wins(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / ".promptlint.yaml", "ignore: [PL003]\n")
    write(in_tmp / "team" / ".promptlint.yaml", "ignore: [PL002]\n")
    write(in_tmp / "team" / "typo.prompt.yaml", TYPO_PROMPT)
    monkeypatch.chdir(in_tmp / "team")
    assert found(json_report(".")) == {("typo.prompt.yaml", "PL003", 4)}


def test_promptlint_yaml_wins_over_pyproject_in_the_same_directory(in_tmp: Path) -> None:
    write(in_tmp / "pyproject.toml", '[tool.promptlint]\nignore = ["PL002"]\n')
    write(in_tmp / ".promptlint.yaml", "ignore: [PL003]\n")
    assert find_config_file(in_tmp) == in_tmp / ".promptlint.yaml"


def test_no_configuration_means_defaults_rooted_at_the_working_directory(in_tmp: Path) -> None:
    config = load_config(None, in_tmp, RULES)
    assert config.source is None and config.root == in_tmp
    assert [rule.id for rule in enabled_rules(SELECTION_RULES, config.select, config.extend_select,
                                              config.ignore)] == DEFAULT_RULES


def test_config_option_names_the_file(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "ignore: [PL002]\n")  # found by discovery, but --config wins
    write(in_tmp / "conf" / "strict.yaml", "ignore: [PL003]\n")
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    assert rule_ids() == {("typo.prompt.yaml", "PL003")}
    report = json_report("--config", "conf/strict.yaml", "typo.prompt.yaml")
    # the configuration's directory is the project root: paths are shown relative to it
    assert found(report) == {("../typo.prompt.yaml", "PL002", 9)}


def test_config_option_accepts_a_pyproject(in_tmp: Path) -> None:
    write(in_tmp / "settings" / "pyproject.toml", '[tool.promptlint]\nselect = ["unused-variable"]\n')
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    report = json_report("--config", "settings/pyproject.toml", "typo.prompt.yaml")
    assert {finding["rule_id"] for finding in report["findings"]} == {"PL003"}


def test_config_option_with_a_missing_file_exits_2(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", "--config", "nope.yaml", ".")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "named"), [
    ("bogus: 1\n", "'bogus'"),
    ("fail-on: loud\n", "'fail-on'"),
    ("select: [PL9]\n", "'PL9'"),
    ("extend-select: [nonsense]\n", "'nonsense'"),
    ("ignore: PL8\n", "'PL8'"),
    ("severity: {PL002: fatal}\n", "'severity.PL002'"),
    ("severity: {PL999: error}\n", "'severity.PL999'"),
    ("severity: [PL002]\n", "'severity'"),
    ("rules: {PL002: {nonexistent: 1}}\n", "'rules.PL002.nonexistent'"),
    ("rules: {PL999: {}}\n", "'rules.PL999'"),
    ("rules: {PL002: strict}\n", "'rules.PL002'"),
    ("exclude: 5\n", "'exclude'"),
    ("include: [1, 2]\n", "'include'"),
    ("per-file-ignores: [PL002]\n", "'per-file-ignores'"),
    ("per-file-ignores: {'legacy/**': [PL99]}\n", "'per-file-ignores.legacy/**'"),
    ("respect-gitignore: 'yes'\n", "'respect-gitignore'"),
    ("strict-suppressions: 1\n", "'strict-suppressions'"),
    ("default-model: ''\n", "'default-model'"),
])
def test_a_bad_key_or_value_exits_2_naming_the_key(in_tmp: Path, text: str, named: str) -> None:
    write(in_tmp / ".promptlint.yaml", text)
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", ".")
    assert result.exit_code == 2, result.stdout
    assert named in result.stderr
    assert ".promptlint.yaml" in result.stderr  # which file to fix
    assert result.stdout == ""


def test_unknown_key_in_pyproject_exits_2(in_tmp: Path) -> None:
    write(in_tmp / "pyproject.toml", "[tool.promptlint]\nselct = [\"PL002\"]\n")
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert "unknown key 'selct'" in result.stderr and "pyproject.toml" in result.stderr


@pytest.mark.parametrize(("name", "text"), [
    (".promptlint.yaml", "select: [PL002\n"),
    (".promptlint.yaml", "- PL002\n"),
    ("pyproject.toml", "[tool.promptlint\nselect = 1\n"),
], ids=["broken-yaml", "not-a-mapping", "broken-toml"])
def test_an_unreadable_configuration_exits_2(in_tmp: Path, name: str, text: str) -> None:
    write(in_tmp / name, text)
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    result = invoke("check", ".")
    assert result.exit_code == 2
    assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_configuration_file_means_defaults(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "")
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    assert rule_ids() == {("typo.prompt.yaml", "PL002"), ("typo.prompt.yaml", "PL003")}


def test_build_config_reads_every_documented_key(tmp_path: Path) -> None:
    config = build_config({
        "include": ["prompts/"], "exclude": "generated/", "select": ["PL0"], "extend-select": ["PL009"],
        "ignore": ["PL005"], "per-file-ignores": {"legacy/**": "PL002"}, "severity": {"PL003": "note"},
        "default-model": "gpt-4o", "rules": {"PL002": {}}, "fail-on": "error", "respect-gitignore": False,
        "strict-suppressions": True,
    }, tmp_path, RULES)
    assert config == Config(
        root=tmp_path, include=["prompts/"], exclude=["generated/"], select=["PL0"], extend_select=["PL009"],
        ignore=["PL005"], per_file_ignores={"legacy/**": ["PL002"]}, severity={"PL003": "note"},
        default_model="gpt-4o", rule_options={"PL002": {}}, fail_on="error", respect_gitignore=False,
        strict_suppressions=True)


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    write(tmp_path / ".promptlint.yaml", "fail-on: loud\n")
    with pytest.raises(ConfigError, match=r"\.promptlint\.yaml: 'fail-on' must be one of note, warning, error"):
        load_config(None, tmp_path, RULES)


# --- rule selection -----------------------------------------------------------------------------


def selected(select: list[str] | None = None, extend_select: list[str] | None = None,
             ignore: list[str] | None = None) -> list[str]:
    return [rule.id for rule in enabled_rules(SELECTION_RULES, select, extend_select or [], ignore or [])]


def test_default_selection_is_every_rule_but_the_opt_in_ones() -> None:
    assert selected() == DEFAULT_RULES
    assert not RULES["PL009"].enabled


@pytest.mark.parametrize(("select", "expected"), [
    (["PL002"], ["PL002"]),
    (["undeclared-variable"], ["PL002"]),
    (["PL002", "unused-variable"], ["PL002", "PL003"]),
    (["PL00"], DEFAULT_RULES),  # as in ruff, a prefix does not turn on opt-in rules...
    (["PL0"], DEFAULT_RULES),
    (["ALL"], DEFAULT_RULES),
    (["PL0", "PL009"], [*DEFAULT_RULES, "PL009"]),  # ...only their exact id or name does
    (["PL009"], ["PL009"]),
    (["unused-suppression"], ["PL009"]),
    ([], []),
])
def test_select_by_id_prefix_and_name(select: list[str], expected: list[str]) -> None:
    assert selected(select) == expected


@pytest.mark.parametrize(("select", "ignore", "expected"), [
    (None, ["PL0"], []),
    (None, ["PL002"], ["PL001", "PL003", "PL005"]),
    (None, ["undeclared-variable", "PL005"], ["PL001", "PL003"]),
    (["PL002"], ["PL0"], ["PL002"]),  # the more specific select wins
    (["PL002", "PL003"], ["PL00"], ["PL002", "PL003"]),
    (["PL0"], ["PL00"], []),  # the more specific ignore wins
    (["PL00"], ["PL002"], ["PL001", "PL003", "PL005"]),
    (["PL002"], ["PL002"], []),  # a tie goes to ignore
    (["PL0"], ["PL0"], []),
    (["ALL"], ["PL003"], ["PL001", "PL002", "PL005"]),
    (["PL0"], ["unused-variable"], ["PL001", "PL002", "PL005"]),
    # an exact id and a name are equally specific: the tie goes to ignore either way round
    (["PL002"], ["undeclared-variable"], []),
    (["undeclared-variable"], ["PL002"], []),
])
def test_ignore_and_specificity(select: list[str] | None, ignore: list[str], expected: list[str]) -> None:
    assert selected(select, ignore=ignore) == expected


@pytest.mark.parametrize(("select", "extend", "ignore", "expected"), [
    (None, ["PL009"], [], [*DEFAULT_RULES, "PL009"]),
    (None, ["unused-suppression"], [], [*DEFAULT_RULES, "PL009"]),
    (["PL001"], ["PL003"], [], ["PL001", "PL003"]),
    (["PL001"], ["unused-variable"], [], ["PL001", "PL003"]),
    (None, ["PL002"], ["PL0"], ["PL002"]),
    (["PL002"], ["PL003"], ["PL003"], ["PL002"]),
    (None, ["ALL"], [], DEFAULT_RULES),
])
def test_extend_select(select: list[str] | None, extend: list[str], ignore: list[str], expected: list[str]) -> None:
    assert selected(select, extend, ignore) == expected


def test_selection_from_configuration_and_command_line(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / ".promptlint.yaml", "select: [PL0]\nignore: [PL00]\nextend-select: [PL003]\n")
    assert rule_ids() == {("typo.prompt.yaml", "PL003")}
    # --select replaces the configured select; ignores from both places add up
    report = json_report("--select", "PL002,PL003", "--ignore", "unused-variable", ".")
    assert {finding["rule_id"] for finding in report["findings"]} == {"PL002"}
    report = json_report("--extend-select", "PL002", ".")
    assert {finding["rule_id"] for finding in report["findings"]} == {"PL002", "PL003"}


def test_select_all_on_the_command_line(in_tmp: Path) -> None:
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    report = json_report("--select", "ALL", "--ignore", "PL002", ".")
    assert {finding["rule_id"] for finding in report["findings"]} == {"PL003"}


# --- per-file ignores and severities ------------------------------------------------------------


def test_per_file_ignores(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp / ".promptlint.yaml",
          "per-file-ignores:\n  'legacy/**': [PL002]\n  '*.draft.prompt.yaml': [unused-variable]\n"
          "  'vendored/': [PL0]\n")
    for path in ("legacy/old.prompt.yaml", "legacy/deeper/older.prompt.yaml", "new/typo.prompt.yaml",
                 "new/wip.draft.prompt.yaml", "vendored/x.prompt.yaml"):
        write(in_tmp / path, TYPO_PROMPT)
    expected = {
        ("legacy/old.prompt.yaml", "PL003"), ("legacy/deeper/older.prompt.yaml", "PL003"),
        ("new/typo.prompt.yaml", "PL002"), ("new/typo.prompt.yaml", "PL003"),
        ("new/wip.draft.prompt.yaml", "PL002"),
    }
    assert rule_ids() == expected
    # patterns are relative to the configuration's directory, wherever the run starts
    monkeypatch.chdir(in_tmp / "legacy")
    assert rule_ids() == {item for item in expected if item[0].startswith("legacy/")}
    # and they apply to files named on the command line
    assert found(json_report("old.prompt.yaml")) == {("legacy/old.prompt.yaml", "PL003", 4)}


def test_per_file_ignores_from_pyproject(in_tmp: Path) -> None:
    write(in_tmp / "pyproject.toml", '[tool.promptlint.per-file-ignores]\n"legacy/*" = ["PL002", "PL003"]\n')
    write(in_tmp / "legacy" / "old.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    assert rule_ids() == {("typo.prompt.yaml", "PL002"), ("typo.prompt.yaml", "PL003")}


def test_severity_overrides_change_the_reported_severity(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "severity: {PL002: warning, PL003: note}\n")
    write(in_tmp / "typo.prompt.yaml", TYPO_PROMPT)
    report = json_report(".")
    assert {finding["rule_id"]: finding["severity"] for finding in report["findings"]} == {
        "PL002": "warning", "PL003": "note"}
    assert report["summary"] == {"error": 0, "warning": 1, "note": 1, "suppressed": 0}
    assert invoke("check", "--fail-on", "error", ".").exit_code == 0
    assert "warning[PL002]" in invoke("check", ".").stdout


def test_severity_can_raise_a_warning_to_an_error(in_tmp: Path) -> None:
    write(in_tmp / "pyproject.toml", '[tool.promptlint.severity]\nPL003 = "error"\n')
    write(in_tmp / "unused.prompt.yaml", UNUSED_PROMPT)
    assert [finding["severity"] for finding in json_report(".")["findings"]] == ["error"]
    assert invoke("check", "--fail-on", "error", ".").exit_code == 1


# --- which files: exclude, include, .gitignore, symbolic links ----------------------------------


def test_exclude_applies_to_walks(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "exclude: ['generated/', '*.tmp.prompt.yaml']\n")
    write(in_tmp / "generated" / "a.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "src" / "generated" / "b.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "src" / "c.tmp.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "src" / "d.prompt.yaml", UNUSED_PROMPT)
    report = json_report(".")
    assert report["files_scanned"] == 1
    assert rule_ids() == {("src/d.prompt.yaml", "PL003")}


def test_exclude_applies_to_named_files_only_with_force_exclude(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "exclude: ['generated/', '*.tmp.prompt.yaml']\n")
    write(in_tmp / "generated" / "a.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "c.tmp.prompt.yaml", UNUSED_PROMPT)
    write(in_tmp / "d.prompt.yaml", UNUSED_PROMPT)
    named = ("generated/a.prompt.yaml", "c.tmp.prompt.yaml", "d.prompt.yaml")
    report = json_report(*named)
    assert {finding["path"] for finding in report["findings"]} == set(named)
    forced = invoke("check", "--format", "json", "--force-exclude", *named)
    assert forced.exit_code == 1
    assert found(json.loads(forced.stdout)) == {("d.prompt.yaml", "PL003", 5)}
    only_excluded = invoke("check", "--force-exclude", "generated/a.prompt.yaml")
    assert only_excluded.exit_code == 0
    assert only_excluded.stdout.startswith("No prompt or tool files found")


def test_include_limits_walks(in_tmp: Path) -> None:
    write(in_tmp / ".promptlint.yaml", "include: ['prompts/']\n")
    write(in_tmp / "prompts" / "a.prompt.yaml", UNUSED_PROMPT)
    write(in_tmp / "elsewhere" / "b.prompt.yaml", UNUSED_PROMPT)
    assert rule_ids() == {("prompts/a.prompt.yaml", "PL003")}


def test_gitignore_is_respected(in_tmp: Path) -> None:
    write(in_tmp / ".gitignore", "drafts/\n*.local.prompt.yaml\n")
    write(in_tmp / "prompts" / ".gitignore", "scratch.prompt.yaml\n")
    write(in_tmp / "drafts" / "a.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "prompts" / "drafts" / "b.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "prompts" / "mine.local.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "prompts" / "scratch.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "scratch.prompt.yaml", UNUSED_PROMPT)  # the nested .gitignore does not reach up here
    write(in_tmp / "prompts" / "kept.prompt.yaml", UNUSED_PROMPT)
    expected = {("scratch.prompt.yaml", "PL003"), ("prompts/kept.prompt.yaml", "PL003")}
    assert rule_ids() == expected
    # .gitignore files above the walked directory apply too
    assert {(path, rule) for path, rule, _ in found(json_report("prompts"))} == {("prompts/kept.prompt.yaml", "PL003")}


def test_gitignore_negation(in_tmp: Path) -> None:
    write(in_tmp / ".gitignore", "*.prompt.yaml\n!keep.prompt.yaml\n")
    write(in_tmp / "drop.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "keep.prompt.yaml", UNUSED_PROMPT)
    assert rule_ids() == {("keep.prompt.yaml", "PL003")}


def test_respect_gitignore_false_lints_ignored_files(in_tmp: Path) -> None:
    write(in_tmp / ".gitignore", "drafts/\n")
    write(in_tmp / "drafts" / "a.prompt.yaml", UNUSED_PROMPT)
    assert rule_ids() == set()
    write(in_tmp / ".promptlint.yaml", "respect-gitignore: false\n")
    assert rule_ids() == {("drafts/a.prompt.yaml", "PL003")}


def test_tool_and_environment_folders_are_skipped(in_tmp: Path) -> None:
    for folder in ("node_modules", ".venv", "__pycache__", ".git/hooks"):
        write(in_tmp / folder / "x.prompt.yaml", TYPO_PROMPT)
    write(in_tmp / "real.prompt.yaml", UNUSED_PROMPT)
    assert rule_ids() == {("real.prompt.yaml", "PL003")}


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symbolic links")
def test_symlinks_out_of_the_walked_tree_are_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.prompt.yaml", TYPO_PROMPT)
    write(outside / "dir" / "more.prompt.yaml", TYPO_PROMPT)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project / "own.prompt.yaml", UNUSED_PROMPT)
    os.symlink(outside / "secret.prompt.yaml", project / "link.prompt.yaml")
    os.symlink(outside / "dir", project / "linked-dir", target_is_directory=True)
    os.symlink(tmp_path / "missing.prompt.yaml", project / "dangling.prompt.yaml")
    monkeypatch.chdir(project)
    report = json_report(".")
    assert report["errors"] == []
    assert report["files_scanned"] == 1
    assert found(report) == {("own.prompt.yaml", "PL003", 5)}


def test_clean_prompt_is_clean(in_tmp: Path) -> None:
    # guards the fixtures above: CLEAN_PROMPT really has no findings
    write(in_tmp / "a.prompt.yaml", CLEAN_PROMPT)
    assert rule_ids() == set()


def test_command_line_select_replaces_the_configured_selection_and_its_ignores(tmp_path: Path) -> None:
    # as in ruff: a layer with `select` starts afresh; the file's `ignore` belongs to the file's layer
    (tmp_path / ".promptlint.yaml").write_text("ignore: [PL002]\n", "utf-8")
    rules = SELECTION_RULES
    config = load_config(None, tmp_path, rules)

    assert "PL002" not in [rule.id for rule in select_rules(rules, config).rules]
    config.command_line = Selectors(["PL002"], [], [])
    assert [rule.id for rule in select_rules(rules, config).rules] == ["PL002"]
    config.command_line = Selectors(None, [], ["PL0"])
    assert [rule.id for rule in select_rules(rules, config).rules] == []


# --- selection corners -----------------------------------------------------------------------------


@pytest.mark.parametrize(("configuration", "arguments", "on"), [
    ("strict-suppressions: true\n", [], True),
    ("strict-suppressions: true\n", ["--ignore", "PL009"], False),  # a later ignore wins
    ("strict-suppressions: true\n", ["--select", "PL002"], False),  # a command-line select starts afresh
    ("", ["--strict-suppressions"], True),
    ("", ["--strict-suppressions", "--ignore", "unused-suppression"], False),
])
def test_strict_suppressions_is_a_selection_in_its_own_layer(in_tmp: Path, configuration: str,
                                                            arguments: list[str], on: bool) -> None:
    write(in_tmp / ".promptlint.yaml", configuration)
    write(in_tmp / "s.prompt.yaml", CLEAN_PROMPT.replace("messages:\n", "messages:\n  # promptlint: disable=PL003\n"))
    report = json_report(*arguments, ".")
    assert ("PL009" in {finding["rule_id"] for finding in report["findings"]}) is on


def test_severity_and_rule_options_accept_rule_names(tmp_path: Path) -> None:
    config = build_config({"severity": {"undeclared-variable": "note"}, "rules": {"unused-variable": {}}},
                          tmp_path, RULES)
    assert config.severity == {"PL002": "note"} and config.rule_options == {"PL003": {}}
    with pytest.raises(ConfigError, match="no such rule 'no-such-rule'"):
        build_config({"severity": {"no-such-rule": "note"}}, tmp_path, RULES)


def test_overrides_set_per_file_keys_for_matching_paths(tmp_path: Path) -> None:
    config = build_config({"default-model": "gpt-4o", "overrides": [
        {"files": ["tenants/**"], "default-model": "claude-sonnet-4", "chat-templates": "jinja"},
    ]}, tmp_path, RULES)
    assert config.settings_for("tenants/acme/a.prompt.yaml").default_model == "claude-sonnet-4"
    assert config.settings_for("tenants/acme/a.json").get("chat-templates") == "jinja"
    assert config.settings_for("platform/a.prompt.yaml").default_model == "gpt-4o"
    assert config.settings_for("platform/a.json").get("chat-templates") == "none"
    with pytest.raises(ConfigError, match=r"overrides\[0\]\.fail-on' cannot be set per file"):
        build_config({"overrides": [{"files": ["x/**"], "fail-on": "error"}]}, tmp_path, RULES)
    with pytest.raises(ConfigError, match=r"overrides\[0\]: 'chat-templates' must be one of"):
        build_config({"overrides": [{"files": ["x/**"], "chat-templates": "erb"}]}, tmp_path, RULES)


def test_chat_templates_setting_scans_chat_files_as_jinja(in_tmp: Path) -> None:
    write(in_tmp / "chat.json", '[{"role": "user", "content": "Hi {{ name"}]\n')
    assert found(json_report(".")) == set()  # data by default: a literal '{{' is just text
    write(in_tmp / ".promptlint.yaml", "overrides:\n  - files: ['*.json']\n    chat-templates: jinja\n")
    assert found(json_report(".")) == {("chat.json", "PL001", 1)}
