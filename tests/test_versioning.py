"""Versions of prompts: SemVer, the canonical form, the classification of changes, and the
rules that compare a file with the same file at a git base, in real temporary repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from promptlint.git_base import STAGED, read_at, resolve
from promptlint.provider import DocumentProvider
from promptlint.versioning import Version, canonical_json, compare

PROMPT = """\
id: support.answer
version: 1.2.0
model: gpt-4o
variables:
  question: {trust: untrusted, max_tokens: 500}
  locale: {trust: trusted, max_tokens: 5, default: en}
messages:
  - role: system
    content: You answer billing questions in {{ locale }}.
  - role: user
    content: "<question>{{ question | tojson }}</question>"
output:
  format: json
  schema:
    type: object
    properties:
      answer: {type: string}
      status: {type: string, enum: [answered, unknown]}
    required: [answer, status]
"""


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return completed.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit holds PROMPT; the test runs inside it."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "commit.gpgsign", "false")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "answer.prompt.yaml").write_text(PROMPT, "utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edit(repo: Path, *replacements: tuple[str, str], stage: bool = False) -> None:
    path = repo / "prompts" / "answer.prompt.yaml"
    text = path.read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
    if stage:
        git(repo, "add", "prompts/answer.prompt.yaml")


def findings(*args: str, select: str = "PL701,PL702,PL703,PL707") -> list[dict[str, Any]]:
    result = invoke("check", "prompts", "--format", "json", "--select", select, *args)
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


def rules(found: list[dict[str, Any]]) -> list[str]:
    return [item["rule_id"] for item in found]


# --- SemVer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.0.0", "0.1.0", "1.0.0-alpha.1", "1.0.0+build.5", "10.20.30-rc.1+meta"])
def test_semver_accepts_valid_versions(text: str) -> None:
    assert str(Version.parse(text)) == text


@pytest.mark.parametrize("text", ["v1.0.0", "1.0", "1", "01.0.0", "1.0.0-", "1.0.0-01", "", "1.0.0.0"])
def test_semver_rejects_invalid_versions(text: str) -> None:
    assert Version.parse(text) is None


def test_semver_precedence_and_bumps() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
             "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    keys = [Version.parse(text).key() for text in order]  # type: ignore[union-attr]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert Version.parse("1.0.0+a").key() == Version.parse("1.0.0+b").key()  # type: ignore[union-attr]
    base = Version(1, 2, 3)
    assert (str(base.bump("breaking")), str(base.bump("minor")), str(base.bump("patch"))) == ("2.0.0", "1.3.0",
                                                                                                "1.2.4")
    assert str(Version(0, 3, 1).bump("breaking")) == "0.4.0"  # SemVer §4: below 1.0.0 a minor step
    assert Version(2, 0, 0).satisfies(base, "breaking") and not Version(1, 3, 0).satisfies(base, "breaking")
    assert Version(2, 0, 0, ("rc", "1")).satisfies(base, "breaking")
    assert not Version(1, 2, 4, ("rc", "1")).satisfies(base, "breaking")
    assert Version(2, 0, 0, ("rc", "2")).satisfies(Version(2, 0, 0, ("rc", "1")), "breaking")
    assert not Version(1, 2, 3).satisfies(base, "patch")


# --- the canonical form and the classification -----------------------------------------------------


def _document(text: str, name: str = "prompts/answer.prompt.yaml") -> Any:
    document = DocumentProvider(Path.cwd()).from_text(text, name)
    assert document is not None and not document.fatal
    return document


REFORMATTED = """\
# reformatted: comments, key order, quoting, flow vs block style; same data
version: '1.2.0'
id: "support.answer"
model: 'gpt-4o'
messages:
- {role: system, content: "You answer billing questions in {{ locale }}."}
- role: user
  content: '<question>{{ question | tojson }}</question>'
variables:
  locale:
    default: en
    max_tokens: 5
    trust: trusted
  question: {max_tokens: 500, trust: untrusted}   # the user's words
output:
  schema:
    required: [answer, status]
    type: object
    properties: {status: {enum: [answered, unknown], type: string}, answer: {type: string}}
  format: json
"""


def test_formatting_only_changes_compare_equal() -> None:
    assert canonical_json(_document(PROMPT)) == canonical_json(_document(REFORMATTED))
    assert compare(_document(PROMPT), _document(REFORMATTED)).level is None
    # whitespace inside message text is what the model reads: a change
    spaced = PROMPT.replace("questions in", "questions  in")
    assert compare(_document(PROMPT), _document(spaced)).level == "patch"


@pytest.mark.parametrize(("old", "new", "level", "says"), [
    ("You answer billing questions", "You answer billing and refund questions", "patch", "system message"),
    ("  locale: {trust: trusted, max_tokens: 5, default: en}\n", "", "breaking", "variable 'locale' removed"),
    ("  locale: {trust: trusted, max_tokens: 5, default: en}", "  locale: {trust: trusted, max_tokens: 5}",
     "breaking", "now required"),
    ("  locale: {trust: trusted, max_tokens: 5, default: en}\n",
     "  locale: {trust: trusted, max_tokens: 5, default: en}\n  tone: {trust: trusted, max_tokens: 5, default: warm}\n",
     "minor", "new optional variable 'tone'"),
    ("      answer: {type: string}\n", "", "breaking", "output field 'output.answer' removed"),
    ("answer: {type: string}", "answer: {type: [string, 'null']}", "breaking", "type changed"),
    ("enum: [answered, unknown]", "enum: [answered, unknown, escalated]", "breaking", "new enum value"),
    ("enum: [answered, unknown]", "enum: [answered]", "minor", "no longer produced"),
    ("model: gpt-4o", "model: claude-sonnet-4", "breaking", "another family"),
    ("model: gpt-4o", "model: gpt-4o-mini", "minor", "model changed"),
    ("question: {trust: untrusted, max_tokens: 500}", "question: {trust: untrusted, max_tokens: 900}", "patch",
     "max_tokens 500 → 900"),
])
def test_changes_are_classified(old: str, new: str, level: str, says: str) -> None:
    comparison = compare(_document(PROMPT), _document(PROMPT.replace(old, new)))
    assert comparison.level == level
    assert any(says in change.message for change in comparison.changes), [c.message for c in comparison.changes]


TOOLS = """\
id: support.tools
version: 1.0.0
messages:
  - role: system
    content: Look orders up.
tools:
  - name: lookup_order
    description: Find an order by its id.
    parameters:
      type: object
      properties:
        order_id: {type: string}
        verbose: {type: boolean}
      required: [order_id]
  - name: cancel_order
    description: Cancel an order.
    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
"""


@pytest.mark.parametrize(("old", "new", "level", "says"), [
    ("Find an order by its id.", "Find one order by its id.", "patch", "description changed"),
    ("      required: [order_id]\n  - name: cancel", "      required: [order_id, verbose]\n  - name: cancel",
     "breaking", "parameter 'verbose' made required"),
    ("        verbose: {type: boolean}\n", "", "breaking", "parameter 'verbose' removed"),
    ("  - name: cancel_order\n    description: Cancel an order.\n    parameters: {type: object, properties: "
     "{order_id: {type: string}}, required: [order_id]}\n", "", "breaking", "tool 'cancel_order' removed"),
    ("        verbose: {type: boolean}\n", "        verbose: {type: boolean}\n        limit: {type: integer}\n",
     "minor", "new optional parameter 'limit'"),
])
def test_tool_changes_are_classified(old: str, new: str, level: str, says: str) -> None:
    comparison = compare(_document(TOOLS, "t.prompt.yaml"), _document(TOOLS.replace(old, new), "t.prompt.yaml"))
    assert comparison.level == level
    assert any(says in change.message for change in comparison.changes), [c.message for c in comparison.changes]


# --- reading a git base ---------------------------------------------------------------------------


def test_read_at_reads_commits_and_the_index_and_says_none_otherwise(repo: Path, tmp_path_factory: Any) -> None:
    path = repo / "prompts" / "answer.prompt.yaml"
    assert read_at("HEAD", path) == PROMPT
    edit(repo, ("version: 1.2.0", "version: 1.3.0"), stage=True)
    assert "1.3.0" in (read_at(STAGED, path) or "")
    assert read_at("HEAD", path) == PROMPT
    assert read_at("HEAD", repo / "prompts" / "new.prompt.yaml") is None  # new at the base
    assert read_at("no-such-ref", path) is None
    assert read_at("--output=/tmp/x", path) is None  # never an option
    assert resolve("HEAD", repo) is not None and resolve("nope", repo) is None
    outside = tmp_path_factory.mktemp("plain") / "a.prompt.yaml"
    outside.write_text(PROMPT, "utf-8")
    assert read_at("HEAD", outside) is None  # not a repository


# --- the rules, against a real repository ---------------------------------------------------------


def test_no_diff_base_no_findings(repo: Path) -> None:
    edit(repo, ("billing questions", "refund questions"))
    assert findings() == []


def test_changed_without_a_bump_is_pl701_naming_the_version(repo: Path) -> None:
    edit(repo, ("billing questions", "refund questions"))
    found = findings("--diff-base", "HEAD")
    assert rules(found) == ["PL701"]
    assert found[0]["start_line"] == 2  # at the version key
    assert "messages[0].content" in found[0]["message"] and "1.2.1" in found[0]["message"]
    assert found[0]["related"], "the changed message is a related location"


def test_a_breaking_change_without_a_bump_asks_for_the_major_version(repo: Path) -> None:
    edit(repo, ("  locale: {trust: trusted, max_tokens: 5, default: en}\n", ""),
         ("in {{ locale }}", "in English"))
    found = findings("--diff-base", "HEAD")
    assert rules(found) == ["PL701"] and "2.0.0" in found[0]["message"]


def test_formatting_only_change_needs_no_bump(repo: Path) -> None:
    (repo / "prompts" / "answer.prompt.yaml").write_text(REFORMATTED, "utf-8")
    assert findings("--diff-base", "HEAD") == []


def test_a_bump_that_is_large_enough_is_clean(repo: Path) -> None:
    edit(repo, ("billing questions", "refund questions"), ("version: 1.2.0", "version: 1.2.1"))
    assert findings("--diff-base", "HEAD") == []


def test_version_going_backwards_is_pl702(repo: Path) -> None:
    edit(repo, ("version: 1.2.0", "version: 1.1.9"))
    found = findings("--diff-base", "HEAD")
    assert rules(found) == ["PL702"] and "1.2.0" in found[0]["message"]


def test_breaking_change_with_a_minor_bump_is_pl703(repo: Path) -> None:
    edit(repo, ("      answer: {type: string}\n", ""), ("required: [answer, status]", "required: [status]"),
         ("version: 1.2.0", "version: 1.3.0"))
    found = findings("--diff-base", "HEAD")
    assert rules(found) == ["PL703"]
    assert "output field 'output.answer' removed" in found[0]["message"] and "requires 2.0.0" in found[0]["message"]


def test_breaking_change_with_a_major_bump_is_clean(repo: Path) -> None:
    edit(repo, ("      answer: {type: string}\n", ""), ("required: [answer, status]", "required: [status]"),
         ("version: 1.2.0", "version: 2.0.0"))
    assert findings("--diff-base", "HEAD") == []


def test_trust_downgraded_is_pl707(repo: Path) -> None:
    edit(repo, ("question: {trust: untrusted", "question: {trust: trusted"), ("version: 1.2.0", "version: 1.2.1"))
    found = findings("--diff-base", "HEAD")
    assert rules(found) == ["PL707"] and found[0]["start_line"] == 5


def test_trust_kept_untrusted_is_clean(repo: Path) -> None:
    edit(repo, ("max_tokens: 500", "max_tokens: 800"), ("version: 1.2.0", "version: 1.2.1"))
    assert findings("--diff-base", "HEAD") == []


def test_a_file_new_at_the_base_is_not_a_change(repo: Path) -> None:
    (repo / "prompts" / "new.prompt.yaml").write_text(PROMPT.replace("support.answer", "support.new"), "utf-8")
    assert findings("--diff-base", "HEAD") == []


def test_outside_a_repository_the_rules_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "answer.prompt.yaml").write_text(PROMPT, "utf-8")
    monkeypatch.chdir(tmp_path)
    assert findings("--diff-base", "HEAD") == []


def test_an_unknown_revision_is_a_usage_error(repo: Path) -> None:
    result = invoke("check", "prompts", "--diff-base", "orgin/main")
    assert result.exit_code == 2 and "names no commit" in result.output


def test_the_pre_commit_path_a_staged_edit_without_a_bump_fails(repo: Path) -> None:
    # pre-commit runs the hook on the staged files (unstaged edits stashed) with --diff-base HEAD
    edit(repo, ("billing questions", "refund questions"), stage=True)
    result = invoke("check", "prompts/answer.prompt.yaml", "--diff-base", "HEAD", "--select", "PL7")
    assert result.exit_code == 1
    assert "PL701" in result.output and "bump the version to 1.2.1" in result.output
    git(repo, "commit", "-q", "-m", "second")  # what a later commit compares with is this one
    assert findings("--diff-base", "HEAD") == []


def test_history_comparison_with_an_older_commit(repo: Path) -> None:
    edit(repo, ("version: 1.2.0", "version: 1.3.0"), stage=True)
    git(repo, "commit", "-q", "-m", "bump only")
    edit(repo, ("billing questions", "refund questions"))
    assert rules(findings("--diff-base", "HEAD")) == ["PL701"]
    assert findings("--diff-base", "HEAD~1") == []  # 1.2.0 -> 1.3.0 with a wording change


# --- PL708 and PL709 ------------------------------------------------------------------------------


def test_missing_version_in_front_matter_formats_only_when_configured(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.prompty").write_text("---\nname: A\nmodel:\n  id: gpt-4o\n---\nsystem:\nBe brief.\n",
                                                    "utf-8")
    monkeypatch.chdir(tmp_path)
    assert findings(select="PL708") == []
    (tmp_path / ".promptlint.yaml").write_text("rules:\n  PL708: {require-version: [prompty]}\n", "utf-8")
    assert rules(findings(select="PL708")) == ["PL708"]


def test_dotprompt_versions_are_never_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.prompt").write_text("---\nname: a\nversion: not-semver\n---\nBe brief.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert findings(select="PL709") == []


# --- PL705 and `promptlint lock` -------------------------------------------------------------------

MCP_TOOLS = {"tools": [
    {"name": "search_issues", "description": "Search issues by keyword.",
     "inputSchema": {"type": "object", "properties": {"query": {"type": "string", "maxLength": 200}},
                     "required": ["query"], "additionalProperties": False}},
    {"name": "get_issue", "description": "Read one issue by number.",
     "inputSchema": {"type": "object", "properties": {"number": {"type": "integer", "maximum": 1000000}},
                     "required": ["number"], "additionalProperties": False}},
]}


def test_lock_pins_tools_and_drift_is_reported_until_the_lock_is_updated(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mcp").mkdir()
    tools = tmp_path / "mcp" / "github.tools.json"
    tools.write_text(json.dumps(MCP_TOOLS, indent=2), "utf-8")
    result = invoke("check", "mcp", "--format", "json", "--select", "PL705")
    assert json.loads(result.stdout)["findings"] == []  # no lock, nothing pinned
    result = invoke("lock", "mcp")
    assert result.exit_code == 0 and "2 tools pinned in 1 file" in result.output
    lock = (tmp_path / "promptlint.lock").read_text("utf-8")
    assert list(json.loads(lock)["tools"]) == ["mcp/github.tools.json"]
    invoke("lock", "mcp")
    assert (tmp_path / "promptlint.lock").read_text("utf-8") == lock  # deterministic

    # reformatted (key order, indentation): the same definitions, the same pins
    tools.write_text(json.dumps(MCP_TOOLS, indent=4, sort_keys=True), "utf-8")
    assert json.loads(invoke("check", "mcp", "--format", "json", "--select", "PL705").stdout)["findings"] == []

    changed = json.loads(json.dumps(MCP_TOOLS))
    changed["tools"][0]["description"] = "Search issues by keyword. Include private repositories."
    changed["tools"].pop(1)
    changed["tools"].append({"name": "delete_issue", "description": "Delete an issue.",
                             "inputSchema": {"type": "object", "properties": {}, "additionalProperties": False}})
    tools.write_text(json.dumps(changed, indent=2), "utf-8")
    found = json.loads(invoke("check", "mcp", "--format", "json", "--select", "PL705").stdout)["findings"]
    by_message = {item["severity"]: item for item in found}
    assert sorted(by_message) == ["error", "note", "warning"]
    assert "'search_issues' no longer matches its pin" in by_message["error"]["message"]
    assert "'delete_issue' is not pinned" in by_message["warning"]["message"]
    assert "'get_issue' is pinned" in by_message["note"]["message"]

    assert invoke("lock", "mcp").exit_code == 0  # reviewed: pin again
    assert json.loads(invoke("check", "mcp", "--format", "json", "--select", "PL705").stdout)["findings"] == []


def test_a_file_the_lock_does_not_name_is_not_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mcp").mkdir()
    (tmp_path / "mcp" / "a.tools.json").write_text(json.dumps(MCP_TOOLS), "utf-8")
    invoke("lock", "mcp/a.tools.json")
    (tmp_path / "mcp" / "b.tools.json").write_text(json.dumps(MCP_TOOLS), "utf-8")
    assert json.loads(invoke("check", "mcp", "--format", "json", "--select", "PL705").stdout)["findings"] == []


# --- `promptlint diff` ----------------------------------------------------------------------------


def diff_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = invoke("diff", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, data


def test_diff_of_a_revision_classifies_and_gates_on_the_bump(repo: Path) -> None:
    edit(repo, ("      answer: {type: string}\n", ""), ("required: [answer, status]", "required: [status]"),
         ("billing questions", "refund questions"), ("version: 1.2.0", "version: 1.3.0"))
    code, report = diff_json("prompts/answer.prompt.yaml", "--from", "HEAD")
    assert code == 1
    assert (report["level"], report["required_version"], report["bump_ok"]) == ("breaking", "2.0.0", False)
    levels = [change["level"] for change in report["changes"]]
    assert levels[0] == "breaking" and "patch" in levels
    message = next(change for change in report["changes"] if change["path"] == "messages[0].content")
    assert "-You answer billing questions" in message["diff"] and "+You answer refund questions" in message["diff"]
    assert report["tokens"]["model"] == "gpt-4o" and set(report["tokens"]["static"]) == {"old", "new"}
    edit(repo, ("version: 1.3.0", "version: 2.0.0"))
    assert diff_json("prompts/answer.prompt.yaml", "--from", "HEAD")[0] == 0


def test_diff_between_two_revisions_and_the_index(repo: Path) -> None:
    edit(repo, ("billing questions", "refund questions"), stage=True)
    git(repo, "commit", "-q", "-m", "wording, no bump")
    code, report = diff_json("prompts/answer.prompt.yaml", "--from", "HEAD~1", "--to", "HEAD")
    assert code == 1 and (report["level"], report["required_version"]) == ("patch", "1.2.1")
    edit(repo, ("version: 1.2.0", "version: 1.2.1"), stage=True)
    code, report = diff_json("prompts/answer.prompt.yaml", "--from", "HEAD~1", "--to", ":")
    assert code == 0 and report["bump_ok"] is True


def test_diff_of_two_files_with_no_semantic_change(repo: Path) -> None:
    (repo / "other.prompt.yaml").write_text(REFORMATTED, "utf-8")
    code, report = diff_json("prompts/answer.prompt.yaml", "other.prompt.yaml")
    assert code == 0 and report["level"] is None and report["changes"] == []


def test_diff_minor_change_with_a_patch_bump_fails(repo: Path) -> None:
    edit(repo, ("  locale: {trust: trusted, max_tokens: 5, default: en}\n",
                "  locale: {trust: trusted, max_tokens: 5, default: en}\n  tone: {trust: trusted, max_tokens: 5, "
                "default: warm}\n"), ("in {{ locale }}", "in {{ locale }}, {{ tone }}"),
         ("version: 1.2.0", "version: 1.2.1"))
    code, report = diff_json("prompts/answer.prompt.yaml", "--from", "HEAD")
    assert code == 1 and (report["level"], report["required_version"]) == ("minor", "1.3.0")


def test_diff_text_report_and_usage_errors(repo: Path) -> None:
    edit(repo, ("billing questions", "refund questions"))
    result = invoke("diff", "prompts/answer.prompt.yaml", "--from", "HEAD")
    assert result.exit_code == 1
    assert "patch" in result.output and "requires 1.2.1" in result.output and "+You answer refund" in result.output
    assert invoke("diff", "prompts/answer.prompt.yaml").exit_code == 2
    assert invoke("diff", "prompts/new.prompt.yaml", "--from", "HEAD").exit_code == 2


def test_an_unreadable_lock_is_said_and_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.tools.json").write_text(json.dumps(MCP_TOOLS), "utf-8")
    (tmp_path / "promptlint.lock").write_text("{not json", "utf-8")
    found = json.loads(invoke("check", ".", "--format", "json", "--select", "PL705").stdout)["findings"]
    assert len(found) == 1 and "cannot be read" in found[0]["message"]
    result = invoke("lock")
    assert result.exit_code == 2 and (tmp_path / "promptlint.lock").read_text("utf-8") == "{not json"
