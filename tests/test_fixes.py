"""Applying fixes: byte-exact round trips, overlaps, --fix / --unsafe-fixes / --diff, and the
files that must never be written (changed since the lint, reached through a symlink out of the tree)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.findings import LocatedEdit, LocatedFix, Location, Report, Result
from promptlint.fixes import apply_fixes, plan_fixes, unified_diff, write_fixes
from promptlint.registry import load_rules
from tests.cli_helpers import invoke

RULES = load_rules()
ZWSP, WJ = "\u200b", "\u2060"


def native(content: str, comment: str = "# owner: support\n") -> str:
    return f"{comment}id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: {content}\n"


def lint(root: Path, select: str = "PL121") -> Report:
    config = Config(root=root, select=[select])
    report = lint_paths([root], select_rules(RULES, config))
    assert not report.errors, report.errors
    return report


def write(path: Path, text: str, newline: str = "\n", bom: bool = False) -> bytes:
    data = (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8")
    path.write_bytes(data)
    return data


def expected(text: str, newline: str = "\n", bom: bool = False) -> bytes:
    return write_bytes_of(text.replace(ZWSP, "").replace(WJ, ""), newline, bom)


def write_bytes_of(text: str, newline: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8")


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_only_the_edits_change_byte_for_byte(tmp_path: Path, newline: str, bom: bool) -> None:
    # comments kept, non-ASCII before the edit (code points, not bytes), two fixes in one file
    text = native(f"Réponds en français — ünïcödé 😀 Ne{ZWSP}ver skip; al{WJ}ways check.",
                  comment="# propriétaire: équipe 支援\n")
    path = tmp_path / "a.prompt.yaml"
    write(path, text, newline, bom)
    outcome = apply_fixes(lint(tmp_path), unsafe=True)
    assert outcome.written == ["a.prompt.yaml"]
    assert len(outcome.applied) == 2
    assert path.read_bytes() == expected(text, newline, bom)
    assert lint(tmp_path).results == []


def test_a_second_line_edit_after_crlf_and_astral_characters(tmp_path: Path) -> None:
    text = native("|\n      😀😀 first line\n      sec" + ZWSP + "ond line")
    path = tmp_path / "a.prompt.yaml"
    write(path, text, "\r\n")
    apply_fixes(lint(tmp_path), unsafe=True)
    assert path.read_bytes() == expected(text, "\r\n")


# --- overlaps ----------------------------------------------------------------------------------


def located(path: str, line: int, start: int, end: int, replacement: str, rule: str = "PL999") -> Result:
    location = Location(path, line, start, line, end, start, end)
    fix = LocatedFix(f"replace with {replacement!r}", "safe", (LocatedEdit(location, replacement),))
    return Result(rule, "test", "warning", "m", location, "", rule + replacement, fixes=(fix,))


def test_overlapping_fixes_the_first_wins_the_second_is_left(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"abcdef\r\nghij\n")
    report = Report(root=str(tmp_path), results=[located("f.txt", 1, 2, 4, "X"), located("f.txt", 1, 3, 5, "Y"),
                                                 located("f.txt", 2, 1, 2, "Z")])
    outcome = apply_fixes(report)
    assert (tmp_path / "f.txt").read_bytes() == b"aXdef\r\nZhij\n"
    (plan,) = outcome.plans
    assert [item.fix.description for item in plan.applied] == ["replace with 'X'", "replace with 'Z'"]
    assert [item.reason for item in plan.skipped] == ["it overlaps another fix; run again to apply it"]
    assert any("not fixed: f.txt:1:3 PL999" in note for note in outcome.notes())


def test_an_edit_outside_the_file_is_left(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"ab\n")
    outcome = apply_fixes(Report(root=str(tmp_path), results=[located("f.txt", 1, 2, 9, "X")]))
    assert outcome.written == [] and (tmp_path / "f.txt").read_bytes() == b"ab\n"


# --- files never written -----------------------------------------------------------------------


def test_a_file_changed_between_lint_and_write_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.yaml"
    write(path, native(f"Ne{ZWSP}ver skip."))
    outcome = plan_fixes(lint(tmp_path), unsafe=True)
    changed = native(f"Ne{ZWSP}ver skip. Edited meanwhile.")
    write(path, changed)
    write_fixes(outcome)
    assert outcome.written == [] and path.read_text("utf-8") == changed
    assert any("changed while it was being fixed" in note for note in outcome.notes())


def test_a_file_changed_between_lint_and_planning_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.yaml"
    write(path, native(f"Ne{ZWSP}ver skip."))
    report = lint(tmp_path)
    changed = native(f"Ne{ZWSP}ver skip. Edited meanwhile.")
    write(path, changed)
    outcome = apply_fixes(report, unsafe=True)
    assert outcome.written == [] and path.read_text("utf-8") == changed
    # and with the text the lint read, any change at all is caught
    outcome = apply_fixes(report, unsafe=True, texts={"a.prompt.yaml": native(f"Ne{ZWSP}ver skip.")})
    assert outcome.written == [] and path.read_text("utf-8") == changed


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_symlink_out_of_the_tree_is_never_written_through(tmp_path: Path) -> None:
    outside, project = tmp_path / "outside", tmp_path / "project"
    outside.mkdir()
    project.mkdir()
    target = outside / "a.prompt.yaml"
    original = native(f"Ne{ZWSP}ver skip.")
    write(target, original)
    (project / "link.prompt.yaml").symlink_to(target)
    report = Report(root=str(project), results=[located("link.prompt.yaml", 6, 16, 17, "")])
    outcome = apply_fixes(report, unsafe=True)
    assert outcome.written == [] and target.read_text("utf-8") == original
    assert "outside the project root" in outcome.notes()[0]


# --- the command line --------------------------------------------------------------------------

UNSAFE_AND_SAFE = f"""\
id: t
version: 1.0.0
variables:
  question: {{trust: untrusted, max_tokens: 500}}
messages:
  - role: system
    content: Ne{ZWSP}ver skip.
  - role: user
    content: "{{{{ quesion }}}}"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".promptlint.yaml").write_text("select: [PL002, PL121]\n", encoding="utf-8")
    return tmp_path


def test_fix_applies_safe_fixes_and_leaves_unsafe_ones(project: Path) -> None:
    path = project / "a.prompt.yaml"
    path.write_text(UNSAFE_AND_SAFE, encoding="utf-8")
    result = invoke("check", "--fix", ".")
    assert "fixed: a.prompt.yaml:7:16 PL121 remove the invisible characters" in result.stdout
    assert "PL002" in result.stdout and "PL121" not in result.stdout.replace("fixed: a.prompt.yaml:7:16 PL121", "")
    assert result.exit_code == 1  # the PL002 error remains
    assert path.read_text("utf-8") == UNSAFE_AND_SAFE.replace(ZWSP, "")


def test_unsafe_fixes_apply_the_rename_too(project: Path) -> None:
    path = project / "a.prompt.yaml"
    path.write_text(UNSAFE_AND_SAFE, encoding="utf-8")
    result = invoke("check", "--fix", "--unsafe-fixes", ".")
    assert result.exit_code == 0, result.output
    assert "PL002 rename 'quesion' to 'question'" in result.stdout
    assert path.read_text("utf-8") == UNSAFE_AND_SAFE.replace(ZWSP, "").replace("quesion", "question")


def test_without_fix_nothing_is_written(project: Path) -> None:
    path = project / "a.prompt.yaml"
    path.write_text(UNSAFE_AND_SAFE, encoding="utf-8")
    invoke("check", ".")
    assert invoke("check", "--unsafe-fixes", ".").exit_code == 2
    assert path.read_text("utf-8") == UNSAFE_AND_SAFE


def test_diff_prints_what_fix_would_change_and_writes_nothing(project: Path) -> None:
    path = project / "a.prompt.yaml"
    path.write_text(UNSAFE_AND_SAFE, encoding="utf-8")
    result = invoke("check", "--diff", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/a.prompt.yaml\n+++ b/a.prompt.yaml\n@@ -4,6 +4,6 @@\n"
        "   question: {trust: untrusted, max_tokens: 500}\n messages:\n   - role: system\n"
        f"-    content: Ne{ZWSP}ver skip.\n+    content: Never skip.\n"
        "   - role: user\n     content: \"{{ quesion }}\"\n"
    )
    assert path.read_text("utf-8") == UNSAFE_AND_SAFE
    assert '+    content: "{{ question }}"' in invoke("check", "--diff", "--unsafe-fixes", ".").stdout
    path.write_text(UNSAFE_AND_SAFE.replace(ZWSP, "").replace("quesion", "question"), encoding="utf-8")
    result = invoke("check", "--diff", ".")
    assert (result.exit_code, result.stdout) == (0, "")


def test_diff_marks_a_last_line_without_a_break(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"one\ntwo")
    outcome = plan_fixes(Report(root=str(tmp_path), results=[located("f.txt", 2, 1, 2, "T")]))
    assert unified_diff(outcome) == ("--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n one\n"
                                     "-two\n\\ No newline at end of file\n+Two\n\\ No newline at end of file\n")
    assert (tmp_path / "f.txt").read_bytes() == b"one\ntwo"


# --- which removals of hidden characters are safe -----------------------------------------------

TAG_A = "\U000e0041"


@pytest.mark.parametrize(("name", "text", "rule", "applicability"), [
    ("a.prompt.yaml", native(f"pass{ZWSP}word"), "PL121", "safe"),
    ("a.prompt.yaml", native(f"Be kind.{TAG_A}{TAG_A} Thanks"), "PL122", "safe"),
    ("a.prompt.yaml", native("Pay \u202eusers\u202c now"), "PL120", "safe"),
    # right-to-left text may need its embeddings, even where the rule reports them
    ("a.prompt.yaml", native("\u05e9\u05dc\u202e\u05d5\u05dd"), "PL120", "unsafe"),
    # a ZWJ after a Devanagari virama at a word's end shows a half form
    ("a.prompt.yaml", native("\u0915\u094d\u200d end"), "PL121", "unsafe"),
    # two braces joined would become a template tag; a colon and a space a YAML key
    ("a.prompt.yaml", native(f"'Write {{{ZWSP}{{ literally'"), "PL121", "unsafe"),
    ("a.prompt.yaml", native(f"'note:{ZWSP} this'"), "PL121", "unsafe"),
    # a value left empty would read as null
    ("a.prompt.yaml", native(ZWSP), "PL121", "unsafe"),
    # a variation selector may choose a glyph; a private-use character is someone's icon
    ("a.prompt.yaml", native("a\ufe0fb"), "PL121", "unsafe"),
    ("a.prompt.yaml", native("see \ue000 here"), "PL123", "unsafe"),
    # a key or a tool name is matched by code: renaming it is a change of behaviour
    ("a.prompt.yaml", native("Hi", comment=f"x-no{ZWSP}te: a\n"), "PL121", "unsafe"),
    ("tool.json", '{"name": "get\\u200bweather", "description": "Weather.", "inputSchema": {"type": "object"}}',
     "PL121", "unsafe"),
    ("a.prompt.yaml", native("Hi", comment=f"# owner{ZWSP}s: support\n"), "PL121", "safe"),
])
def test_which_removals_are_safe(tmp_path: Path, name: str, text: str, rule: str, applicability: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    results = [result for result in lint(tmp_path, "PL12").results if result.rule_id == rule]
    assert results and all([fix.applicability for fix in result.fixes] == [applicability] for result in results)


# --- PL708: a missing version is added after the id ---------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_missing_version_is_added_after_the_id(tmp_path: Path, newline: str) -> None:
    text = "# a prompt\nid: t  # its id\nmessages:\n  - role: system\n    content: Be brief.\n"
    path = tmp_path / "a.prompt.yaml"
    write(path, text, newline)
    (result,) = lint(tmp_path, "PL708").results
    assert [fix.applicability for fix in result.fixes] == ["safe"]
    assert apply_fixes(lint(tmp_path, "PL708")).written == ["a.prompt.yaml"]
    assert path.read_bytes() == text.replace("its id\n", "its id\nversion: 1.0.0\n").replace("\n", newline).encode()
    assert lint(tmp_path, "PL70").results == []


def test_an_id_on_the_last_line_gets_the_version_after_a_break(tmp_path: Path) -> None:
    path = tmp_path / "a.prompt.yaml"
    write(path, "messages:\r\n  - role: system\r\n    content: Be brief.\r\nid: t")
    apply_fixes(lint(tmp_path, "PL708"))
    assert path.read_bytes() == b"messages:\r\n  - role: system\r\n    content: Be brief.\r\nid: t\r\nversion: 1.0.0"


def test_no_version_is_added_where_the_id_is_not_a_plain_top_level_line(tmp_path: Path) -> None:
    write(tmp_path / "a.prompt.yaml", "{id: t, messages: [{role: system, content: Be brief.}]}\n")
    write(tmp_path / "b.prompt.yaml", "'id': t\nmessages:\n  - role: system\n    content: Be brief.\n")
    results = lint(tmp_path, "PL708").results
    assert len(results) == 2 and all(result.fixes == () for result in results)
