"""Rules come from one definition each, and third-party packs plug in through entry points."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import REPOSITORY
from ruamel.yaml import YAML

from promptlint import registry
from promptlint.cli import main
from promptlint.formats import path_reader
from promptlint.registry import RuleDefinitionError, rule_from_mapping

MINIMAL = {"id": "PL999", "name": "example-rule", "family": "documents", "severity": "note",
           "summary": "s", "description": "d", "fix-hint": "f", "check": "x:y"}


def test_rule_files_are_named_after_their_ids_and_load() -> None:
    rules = registry.load_rules(include_plugins=False)
    files = sorted(path.name for path in (REPOSITORY / "rules").glob("PL*.yaml"))
    assert [f"{rule.id}-{rule.name}.yaml" for rule in rules.values()] == files


@pytest.mark.parametrize(("change", "complaint"), [
    ({"id": "P1"}, "three digits"),
    ({"name": "Example Rule"}, "kebab-case"),
    ({"severity": "fatal"}, "severity"),
    ({"family": "misc"}, "family"),
    ({"colour": "red"}, "unknown key"),
    ({"match": {"any": []}}, "exactly one"),
    ({"check": None, "match": {"any": []}}, "needs 'given'"),
    ({"check": None, "match": {"any": []}, "given": ["message.body"]}, "unknown selector"),
])
def test_bad_rule_definitions_are_refused_with_the_reason(change: dict[str, object], complaint: str) -> None:
    with pytest.raises(RuleDefinitionError, match=complaint):
        rule_from_mapping({**MINIMAL, **change}, "rules/PL999-example-rule.yaml")


def test_security_severity_implies_the_security_tag() -> None:
    rule = rule_from_mapping({**MINIMAL, "security-severity": "7.5", "tags": ["cwe-89"]}, "x")
    assert rule.tags == ("security", "cwe-89")


def install_distribution(path: Path, monkeypatch: pytest.MonkeyPatch, name: str, entry_point: str) -> None:
    """An installed distribution as pip lays it out, holding one `promptlint.rules` entry point."""
    info = path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", "utf-8")
    (info / "entry_points.txt").write_text(f"[promptlint.rules]\n{entry_point}\n", "utf-8")
    monkeypatch.syspath_prepend(str(path))
    registry.load_rules.cache_clear()


def test_a_third_party_rule_pack_registers_through_entry_points(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "acme_rules.py").write_text(textwrap.dedent('''
        def no_shouting(document, context):
            for message in document.messages:
                if message.text.value.isupper():
                    yield context.finding(message.text.span(), "the message is all capitals; write it normally")

        def rules():
            return [{"id": "ACME001", "name": "no-shouting", "family": "style", "severity": "warning",
                     "summary": "All-capitals message.", "description": "Models read capitals as emphasis.",
                     "fix-hint": "Write in sentence case.", "check": "acme_rules:no_shouting"}]
    '''), "utf-8")
    install_distribution(tmp_path, monkeypatch, "acme_rules", "ACME = acme_rules:rules")
    try:
        prompt = tmp_path / "loud.prompt.yaml"
        prompt.write_text("id: loud\nmessages:\n  - role: system\n    content: ANSWER NOW\nversion: 1.0.0\n", "utf-8")
        result = CliRunner().invoke(main, ["check", str(prompt), "--format", "json"])
        findings = json.loads(result.output)["findings"]
        assert [(item["rule_id"], item["start_line"], item["start_column"]) for item in findings] == [
            ("ACME001", 4, 14)]
        assert "ACME001  no-shouting" in CliRunner().invoke(main, ["rules"]).output
    finally:
        registry.load_rules.cache_clear()
        sys.modules.pop("acme_rules", None)


def test_plugins_may_not_take_the_pl_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_distribution(tmp_path, monkeypatch, "bad_rules", "PL = bad_rules:rules")
    try:
        result = CliRunner().invoke(main, ["rules"])
        assert result.exit_code == 2
        assert "reserved" in result.output
    finally:
        registry.load_rules.cache_clear()


def test_json_report_matches_its_published_schema(tmp_path: Path) -> None:
    prompt = tmp_path / "p.prompt.yaml"
    prompt.write_text("id: p\nmessages:\n  - role: user\n    content: '{{ question }}'\nversion: 1.0.0\n", "utf-8")
    result = CliRunner().invoke(main, ["check", str(prompt), "--format", "json"])
    report = json.loads(result.output)
    schema = json.loads(resources.files("promptlint.schemas").joinpath("report.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)
    assert report["findings"][0]["rule_id"] == "PL002"


def test_pre_commit_manifest_runs_an_installed_command() -> None:
    hooks = YAML(typ="safe", pure=True).load((REPOSITORY / ".pre-commit-hooks.yaml").read_text("utf-8"))
    main_hook = next(hook for hook in hooks if hook["id"] == "promptlint")
    assert main_hook["language"] == "python"
    assert main_hook["entry"].split()[:2] == ["promptlint", "check"]
    result = CliRunner().invoke(main, [*main_hook["entry"].split()[1:], "--help"])
    assert result.exit_code == 0
    pattern = re.compile(main_hook["files"])
    for name in ("prompts/a.prompt.yaml", "x/chat.prompty", "greet.prompt", "prompts/tools.json",
                 ".github/agents/review.agent.md", "AGENTS.md", "sub/CLAUDE.md", "skills/pdf/SKILL.md", ".cursorrules",
                 ".cursor/rules/react.mdc", ".windsurfrules", ".github/copilot-instructions.md",
                 ".claude/commands/review.md", "servers/db/tools.json", "a.chatmode.md", ".github/prompts/x.prompt.md",
                 "flows/chat/chat.jinja2", "Plugin/Fn/skprompt.txt", "tools/bench.jsonl", "prompts/rag.txt"):
        assert pattern.search(name), name
    for name in ("src/app.py", "image.png", "Makefile"):
        assert not pattern.search(name), name


def hook_pattern() -> re.Pattern[str]:
    hooks = YAML(typ="safe", pure=True).load((REPOSITORY / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return re.compile(next(hook for hook in hooks if hook["id"] == "promptlint")["files"])


def test_the_hook_hands_over_every_file_discovery_would_read() -> None:
    # the hook passes candidates broadly and promptlint decides; a file discovery reads but the
    # hook's pattern leaves out would pass in pre-commit and fail in CI
    pattern = hook_pattern()
    paths = [path.relative_to(REPOSITORY).as_posix() for path in (REPOSITORY / "fixtures").rglob("*") if path.is_file()]
    corpus = REPOSITORY.parent / "shared" / "corpus"
    if corpus.is_dir():
        paths += [path.relative_to(corpus).as_posix() for path in corpus.rglob("*") if path.is_file()]
    read = [path for path in paths if path_reader(path) is not None]
    assert len(read) > 100
    missed = [path for path in read if not pattern.search(path)]
    assert not missed, missed
