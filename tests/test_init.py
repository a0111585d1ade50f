"""`promptlint init` (a first configuration) and `promptlint schema` (the native format's JSON Schema)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import invoke, write
from conftest import REPOSITORY
from ruamel.yaml import YAML

from promptlint.config import find_config_file, load_config
from promptlint.registry import FAMILIES, load_rules

NATIVE = """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
  page_text: {max_tokens: 2000}
  company:
messages:
  - role: system
    content: You answer for {{ company }}.
  - role: user
    content: "{{ question }} {{ page_text }} {{ typo }}"
"""

PROMPTY = """\
---
name: summary
inputs:
  search_results:
    type: string
  tone:
    type: string
---
system:
Write in a {{tone}} tone.
user:
{{search_results}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "prompts" / "answer.prompt.yaml", NATIVE)
    write(tmp_path / "prompts" / "summary.prompty", PROMPTY)
    return tmp_path


def test_init_writes_a_commented_configuration_that_loads(project: Path) -> None:
    result = invoke("init")
    assert result.exit_code == 0, result.output
    written = project / ".promptlint.yaml"
    text = written.read_text("utf-8")
    for family in FAMILIES:  # every family, each with its one-line comment
        assert re.search(rf"^#   PL\d  {re.escape(family)} +\S", text, re.M), family
    config = load_config(None, project, load_rules())
    assert config.source == written
    # declared trust is left alone; a name that says "outside text" is proposed as untrusted
    assert config.trust == {"untrusted": ["page_text", "search_results"], "trusted": []}
    unknown = re.findall(r"^  # unknown: (\S+)$", text, re.M)
    assert unknown == ["company", "tone"]  # `typo` is undeclared in a native file: PL002's, not trust's
    # it prints the pre-commit snippet, naming the hook this repository offers
    hooks = YAML(typ="safe").load((REPOSITORY / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert "repos:" in result.stdout and f"- id: {hooks[0]['id']}\n" in result.stdout
    assert "Wrote .promptlint.yaml" in result.stdout
    check = invoke("check", "prompts")
    assert check.exit_code in (0, 1), check.output  # the configuration is usable as written


def test_init_refuses_to_overwrite_without_force(project: Path) -> None:
    assert invoke("init").exit_code == 0
    config = project / ".promptlint.yaml"
    config.write_text("fail-on: error\n", "utf-8")
    again = invoke("init")
    assert again.exit_code == 2
    assert "already exists; pass --force" in again.stderr
    assert config.read_text("utf-8") == "fail-on: error\n"
    forced = invoke("init", "--force")
    assert forced.exit_code == 0, forced.output
    assert "trust:" in config.read_text("utf-8")


def test_init_pyproject_appends_a_table_and_leaves_the_rest_byte_for_byte(project: Path) -> None:
    original = b'[project]\nname = "demo"  # keep this comment\n\n[tool.ruff]\nline-length = 100'  # no final newline
    (project / "pyproject.toml").write_bytes(original)
    result = invoke("init", "--pyproject")
    assert result.exit_code == 0, result.output
    data = (project / "pyproject.toml").read_bytes()
    assert data.startswith(original + b"\n\n[tool.promptlint]\n")
    assert not (project / ".promptlint.yaml").exists()
    config = load_config(None, project, load_rules())
    assert config.source == project / "pyproject.toml"
    assert config.trust["untrusted"] == ["page_text", "search_results"]
    for flags in ((), ("--force",)):  # its own table is never rewritten
        again = invoke("init", "--pyproject", *flags)
        assert again.exit_code == 2 and "already has a [tool.promptlint] table" in again.stderr
        assert (project / "pyproject.toml").read_bytes() == data


def test_init_respects_a_configuration_in_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.promptlint]\nfail-on = "error"\n', "utf-8")
    refused = invoke("init")
    assert refused.exit_code == 2 and "already configures promptlint" in refused.stderr
    assert not (project / ".promptlint.yaml").exists()
    assert invoke("init", "--force").exit_code == 0
    assert find_config_file(project) == project / ".promptlint.yaml"
    assert (project / "pyproject.toml").read_text("utf-8") == '[tool.promptlint]\nfail-on = "error"\n'


def test_init_in_an_empty_tree_still_writes_a_loadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init").exit_code == 0
    assert load_config(None, tmp_path, load_rules()).trust == {"untrusted": [], "trusted": []}


def test_schema_prints_the_native_formats_json_schema() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == json.loads((REPOSITORY / "promptlint" / "schemas" / "prompt.schema.json").read_text("utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
