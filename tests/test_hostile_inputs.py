"""Hostile input, through the real command line: each file below is linted in one run with a good
and a bad prompt, and gives at most one plain PL001 finding (with a location) or a listed skip,
never a traceback, within seconds and bounded memory; the good and bad prompts beside it are
still linted (the bad one's findings are there).

Inputs that once crashed the process (libyaml's composer recursing in C on 50,000 nested
brackets) run in a child process with an address-space limit, so a crash fails one test, not
the session."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import promptlint.discover
import promptlint.engine
from promptlint.cli import main
from promptlint.discover import LINK_LOOP, LINK_OUT_OF_TREE

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symbolic links")

GOOD = """\
id: hostile.good
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
messages:
  - role: system
    content: You are a billing assistant.
  - role: user
    content: "{{ question }}"
"""

# PL002 for 'quesion' at line 9, columns 18-25, and PL003 for 'question' at line 4
BAD = GOOD.replace("hostile.good", "hostile.bad").replace("{{ question }}", "{{ quesion }}")
BAD_FINDINGS = {("bad.prompt.yaml", "PL002", 9, 18), ("bad.prompt.yaml", "PL003", 4, 3)}

DEEP = 50_000  # nesting levels: far past any bound, and past the C stack of a recursive parser
SECONDS = 30  # generous: the machine is shared; each case takes well under a second alone
MEMORY = 2 * 1024 ** 3  # address space of the child process


def project(root: Path, name: str, data: bytes | str) -> Path:
    """A project holding the good and bad prompts and the hostile file `name`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.prompt.yaml").write_text(GOOD, encoding="utf-8")
    (root / "bad.prompt.yaml").write_text(BAD, encoding="utf-8")
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def check_in_process(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    monkeypatch.chdir(root)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--show-skipped", *args],
                                env={"NO_COLOR": None, "FORCE_COLOR": None}, catch_exceptions=False)
    assert time.monotonic() - started < SECONDS
    assert result.exit_code in (0, 1), result.output + result.stderr
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def check_in_child(root: Path) -> dict[str, Any]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    completed = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", ".", "--format", "json", "--show-skipped"], cwd=root,
        env=environment, capture_output=True, text=True, encoding="utf-8", check=False, timeout=SECONDS,
        preexec_fn=_limit_memory if os.name == "posix" else None,
    )
    assert completed.returncode in (0, 1), (completed.returncode, completed.stderr[-2000:])
    assert "Traceback" not in completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def outcome(report: dict[str, Any], name: str) -> tuple[str, Any]:
    """What the run made of the hostile file: ("finding", the PL001), ("skipped", why), or
    ("clean", None), after checking the rest of the run is intact."""
    assert report["errors"] == [], report["errors"]
    found = {(item["path"], item["rule_id"], item["start_line"], item["start_column"])
             for item in report["findings"]}
    assert found >= BAD_FINDINGS, found  # the bad file is still linted
    paths = {item["path"] for item in report["files"]}
    assert {"good.prompt.yaml", "bad.prompt.yaml"} <= paths
    assert not [item for item in report["findings"] if item["path"] == "good.prompt.yaml"]
    own = [item for item in report["findings"] if item["path"] == name]
    skipped = [item["reason"] for item in report["skipped"] if item["path"] == name]
    assert len(own) + len(skipped) <= 1, (own, skipped)
    if own:
        finding = own[0]
        assert finding["rule_id"] == "PL001"
        assert finding["start_line"] >= 1 and finding["start_column"] >= 1
        assert finding["message"] and "Traceback" not in finding["message"]
        assert "internal error" not in finding["message"]
        return "finding", finding
    if skipped:
        assert skipped[0] and "Traceback" not in skipped[0]
        return "skipped", skipped[0]
    return "clean", None


# --- resource bounds: nesting, aliases, size ---------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(  # 10^9 nodes if expanded
    f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True))

BOUNDED = [  # (file name, content, what the message says)
    ("bomb.prompt.yaml", BOMB, "more than 100000 nodes"),
    ("flow.prompt.yaml", "[" * DEEP + "]" * DEEP, "deeper than 200 levels"),
    ("block.prompt.yaml", "- " * DEEP + "x\n", "deeper than 200 levels"),
    ("tools.json", '{"tools": ' + "[" * DEEP + "]" * DEEP + "}", "deeper than 200 levels"),
    ("x.json", '{"tools": ' + "[" * DEEP + "]" * DEEP + "}", "deeper than 200 levels"),  # ours by its start
    ("x.yaml", "tools:\n  " + "- " * DEEP + "x\n", "deeper than 200 levels"),
    ("functions.yaml", "functions: " + "[" * DEEP + "]" * DEEP + "\n", "deeper than 200 levels"),
    ("bomb-tools.yaml", "tools: []\n" + BOMB, "more than 100000 nodes"),
    ("chat.json", '{"messages": [{"role": "user", "content": ' + "[" * DEEP + "]" * DEEP + "}]}",
     "deeper than 200 levels"),
]


@pytest.mark.parametrize(("name", "text", "bound"), BOUNDED, ids=[case[0] for case in BOUNDED])
def test_a_file_past_a_bound_is_one_finding_naming_the_bound(tmp_path: Path, name: str, text: str,
                                                              bound: str) -> None:
    kind, finding = outcome(check_in_child(project(tmp_path, name, text)), name)
    assert kind == "finding"
    assert bound in finding["message"] and "the most promptlint reads" in finding["message"]


NOT_OURS = [  # deep data with nothing of ours before the bound: listed as skipped, with the bound
    ("arrays.json", "[" * DEEP + "]" * DEEP),
    ("objects.json", '{"a":' * DEEP + "1" + "}" * DEEP),
    ("arrays.yaml", "[" * DEEP + "]" * DEEP),
    ("bomb.yaml", BOMB),
]


@pytest.mark.parametrize(("name", "text"), NOT_OURS, ids=[case[0] for case in NOT_OURS])
def test_deep_data_that_is_not_ours_is_a_listed_skip(tmp_path: Path, name: str, text: str) -> None:
    kind, reason = outcome(check_in_child(project(tmp_path, name, text)), name)
    assert kind == "skipped"
    assert "the most promptlint reads" in reason


def test_a_five_megabyte_line_is_refused_with_how_to_raise_the_bound(tmp_path: Path) -> None:
    text = "id: big\nmessages:\n  - role: user\n    content: '" + "word " * 1_000_000 + "'\n"
    kind, finding = outcome(check_in_child(project(tmp_path, "big.prompt.yaml", text)), "big.prompt.yaml")
    assert kind == "finding" and (finding["start_line"], finding["start_column"]) == (1, 1)
    assert "larger than" in finding["message"] and "raise `max-file-size`" in finding["message"]


def test_a_tool_file_padded_past_the_size_bound_is_reported_and_other_data_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    padding = " " * (3 * 1024 * 1024)
    root = project(tmp_path, "x.json", '{"tools": [{"type": "function", "function": {"name": "f"}}]}' + padding)
    (root / "data.json").write_text('{"name": "lock", "packages": {}}' + padding, encoding="utf-8")
    report = check_in_process(root, monkeypatch)
    kind, finding = outcome(report, "x.json")
    assert kind == "finding" and "max-file-size" in finding["message"]
    kind, reason = outcome(report, "data.json")
    assert kind == "skipped" and "raise `max-file-size`" in reason


def test_max_file_size_is_configurable_and_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "big/large.prompt.yaml", BAD.replace("hostile.bad", "hostile.large"))
    (root / ".promptlint.yaml").write_text(
        "max-file-size: 100\noverrides:\n  - files: ['big/**']\n    max-file-size: 4096\n", encoding="utf-8")
    report = check_in_process(root, monkeypatch)
    refused = [item for item in report["findings"] if item["path"] in ("good.prompt.yaml", "bad.prompt.yaml")]
    assert {item["rule_id"] for item in refused} == {"PL001"}
    assert all("max-file-size: 100 bytes" in item["message"] for item in refused)
    assert {item["rule_id"] for item in report["findings"] if item["path"] == "big/large.prompt.yaml"} == {
        "PL002", "PL003"}


@pytest.mark.parametrize("value", ["-1", "0", "big", "true", "1.5"])
def test_a_bad_max_file_size_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      value: str) -> None:
    root = project(tmp_path, "x.prompt.yaml", GOOD)
    (root / ".promptlint.yaml").write_text(f"max-file-size: {value}\n", encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "."], catch_exceptions=False)
    assert result.exit_code == 2 and "max-file-size" in result.stderr


# --- bytes and text ------------------------------------------------------------------------------------------

ENCODED = [  # (file name, bytes, what the finding or skip says)
    ("nul.prompt.yaml", b"id: x\x00\nmessages: []\n", "NUL"),
    ("latin1.prompt.yaml", b"id: x\nmessages:\n  - role: user\n    content: caf\xe9\n", "not valid UTF-8"),
    ("utf16.prompt.yaml", "\ufeff".encode("utf-16-le") + GOOD.encode("utf-16-le"), "UTF-16"),
    ("utf16-be.prompt.yaml", "\ufeff".encode("utf-16-be") + GOOD.encode("utf-16-be"), "UTF-16"),
    ("utf32.prompt.yaml", GOOD.encode("utf-32"), "UTF-32"),
    ("utf16.json", '[{"role": "user", "content": "hi"}]'.encode("utf-16"), "UTF-16"),
    ("nul.json", b'{"tools": []}\x00', "NUL"),
]


@pytest.mark.parametrize(("name", "data", "says"), ENCODED, ids=[case[0] for case in ENCODED])
def test_bytes_that_are_not_utf8_text_are_one_plain_finding_or_skip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, says: str) -> None:
    kind, what = outcome(check_in_process(project(tmp_path, name, data), monkeypatch), name)
    message = what["message"] if kind == "finding" else what
    assert kind == ("finding" if name.endswith(".prompt.yaml") else "skipped")
    assert says in message and "UTF-8" in message


def test_invalid_utf8_is_located_at_the_bad_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"id: x\nmessages:\n  - role: user\n    content: caf\xe9\n"
    _, finding = outcome(check_in_process(project(tmp_path, "latin1.prompt.yaml", data), monkeypatch),
                         "latin1.prompt.yaml")
    assert (finding["start_line"], finding["start_column"]) == (4, 17)


@pytest.mark.parametrize("name", ["empty.prompt.yaml", "empty.json", "empty.yaml", "empty.prompty"])
def test_an_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    kind, what = outcome(check_in_process(project(tmp_path, name, b""), monkeypatch), name)
    if name == "empty.prompt.yaml":  # a native prompt needs id and messages
        assert kind == "finding" and "empty" in what["message"]
    else:
        assert kind in ("skipped", "finding", "clean")


def _at(text: str, finding: dict[str, Any]) -> str:
    """The text a finding's location points at, counting lines as the README does (CRLF, CR, LF)."""
    lines: list[str] = re.split(r"\r\n|\r|\n", text)
    assert finding["start_line"] == finding["end_line"]
    line = str(lines[finding["start_line"] - 1])
    start, end = int(finding["start_column"]), int(finding["end_column"])
    return line[start - 1:end - 1]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_lone_cr_keep_spans_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str) -> None:
    text = BAD.replace("hostile.bad", "hostile.endings").replace("\n", newline)
    report = check_in_process(project(tmp_path, "endings.prompt.yaml", text), monkeypatch)
    outcome(report, "other")  # the good and bad files are intact
    own = sorted((item for item in report["findings"] if item["path"] == "endings.prompt.yaml"),
                 key=lambda item: item["rule_id"])
    assert [(item["rule_id"], item["start_line"], item["start_column"]) for item in own] == [
        ("PL002", 9, 18), ("PL003", 4, 3)]
    assert [_at(text, item) for item in own] == ["quesion", "question"]


def test_tabs_in_text_count_one_column_and_tab_indentation_is_one_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = BAD.replace("hostile.bad", "hostile.tabs").replace('"{{ quesion }}', '"\t<question>\t{{ quesion }}')
    root = project(tmp_path, "tabs.prompt.yaml", text)
    (root / "indented.prompt.yaml").write_text("id: x\nmessages:\n\t- role: user\n", encoding="utf-8")
    report = check_in_process(root, monkeypatch)
    typo = [item for item in report["findings"] if item["path"] == "tabs.prompt.yaml" and item["rule_id"] == "PL002"]
    assert [_at(text, item) for item in typo] == ["quesion"]
    kind, finding = outcome(report, "indented.prompt.yaml")
    assert kind == "finding" and (finding["start_line"], finding["start_column"]) == (3, 1)
    assert "tab" in finding["message"]


def test_a_block_scalar_that_starts_with_a_tab_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml refuses it ("found a tab character where an indentation space is expected"); YAML allows it
    text = BAD.replace("hostile.bad", "hostile.block").replace('content: "{{ quesion }}"',
                                                                 "content: |\n      \t{{ quesion }}")
    report = check_in_process(project(tmp_path, "block.prompt.yaml", text), monkeypatch)
    outcome(report, "other")
    typo = [item for item in report["findings"] if item["path"] == "block.prompt.yaml" and item["rule_id"] != "PL003"]
    assert [(item["rule_id"], _at(text, item)) for item in typo] == [("PL002", "quesion")]
    assert (typo[0]["start_line"], typo[0]["start_column"]) == (10, 11)


def test_duplicate_keys_are_one_finding_at_the_second_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "id: dup\nversion: 1.0.0\nid: again\nmessages:\n  - role: user\n    content: hi\n"
    kind, finding = outcome(check_in_process(project(tmp_path, "dup.prompt.yaml", text), monkeypatch),
                            "dup.prompt.yaml")
    assert kind == "finding" and (finding["start_line"], finding["start_column"]) == (3, 1)
    assert "duplicate key 'id'" in finding["message"]


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['touch {marker}']",
                                 "!!python/object/new:os.system ['touch {marker}']",
                                 "!!python/name:os.system", "!Foo [1]", "!Foo {{a: 1}}"])
@pytest.mark.parametrize("name", ["tagged.prompt.yaml", "tools.yaml"])
def test_yaml_tags_are_never_constructed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str,
                                         name: str) -> None:
    marker = tmp_path / "constructed"
    text = f"id: x\nmessages: {tag.format(marker=marker)}\n"
    kind, finding = outcome(check_in_process(project(tmp_path / "project", name, text), monkeypatch), name)
    assert not marker.exists()
    assert kind == "finding" and "unsupported YAML tag" in finding["message"]
    assert (finding["start_line"], finding["start_column"]) == (2, 11)


# --- the file system ------------------------------------------------------------------------------------------


def test_a_directory_named_like_a_prompt_file_is_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "x.prompt.yaml/inner.prompt.yaml", BAD.replace("hostile.bad", "hostile.inner"))
    report = check_in_process(root, monkeypatch)
    outcome(report, "x.prompt.yaml")
    assert {item["rule_id"] for item in report["findings"] if item["path"] == "x.prompt.yaml/inner.prompt.yaml"} == {
        "PL002", "PL003"}


@needs_symlinks
def test_a_symbolic_link_loop_is_a_listed_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "x.txt", "")
    os.symlink("loop.prompt.yaml", root / "loop.prompt.yaml")
    os.symlink("b.prompt.yaml", root / "a.prompt.yaml")
    os.symlink("a.prompt.yaml", root / "b.prompt.yaml")
    os.symlink("..", root / "up", target_is_directory=True)  # a folder loop: never followed
    report = check_in_process(root, monkeypatch)
    for name in ("loop.prompt.yaml", "a.prompt.yaml", "b.prompt.yaml"):
        assert outcome(report, name) == ("skipped", LINK_LOOP)
    assert not [item for item in report["files"] if item["path"].startswith("up/")]


@needs_symlinks
def test_a_linked_folder_inside_the_tree_is_walked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "real/inner.prompt.yaml", BAD.replace("hostile.bad", "hostile.inner"))
    os.symlink(root / "real", root / "alias", target_is_directory=True)
    os.symlink("real/inner.prompt.yaml", root / "same.prompt.yaml")  # a file link inside: linted once
    report = check_in_process(root, monkeypatch)
    outcome(report, "alias")
    paths = [item["path"] for item in report["files"]]
    assert not [path for path in paths if path.startswith("alias/")]
    once = [path for path in paths if path in ("real/inner.prompt.yaml", "same.prompt.yaml")]
    assert len(once) == 1  # under the name the walk meets first
    typos = [item["path"] for item in report["findings"] if item["rule_id"] == "PL002"]
    assert sorted(typos) == ["bad.prompt.yaml", *once]


@needs_symlinks
def test_links_out_of_the_tree_are_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.prompt.yaml").write_text(BAD.replace("hostile.bad", "hostile.secret"), encoding="utf-8")
    root = project(tmp_path / "project", "x.txt", "")
    os.symlink(outside / "secret.prompt.yaml", root / "link.prompt.yaml")
    os.symlink(outside, root / "linked", target_is_directory=True)
    report = check_in_process(root, monkeypatch)
    assert outcome(report, "link.prompt.yaml") == ("skipped", LINK_OUT_OF_TREE)
    assert outcome(report, "linked") == ("skipped", LINK_OUT_OF_TREE)
    assert not [item for item in report["findings"] if "secret" in item["path"] or "link" in item["path"]]


def test_an_unreadable_file_is_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 000 does not stop root (tests run as root in CI), so refuse the read as the system would
    root = project(tmp_path, "locked.prompt.yaml", GOOD.replace("hostile.good", "hostile.locked"))
    (root / "locked.tools.json").write_text('{"tools": []}', encoding="utf-8")
    real_open = pathlib.Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name.startswith("locked."):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    report = check_in_process(root, monkeypatch)
    kind, finding = outcome(report, "locked.prompt.yaml")
    assert kind == "finding" and "cannot read the file: Permission denied" in finding["message"]
    kind, _ = outcome(report, "locked.tools.json")  # named as tools: reported too
    assert kind == "finding"


def test_a_file_deleted_during_the_run_is_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, "gone.prompt.yaml", GOOD.replace("hostile.good", "hostile.gone"))
    walk = promptlint.discover.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Iterator[Any]:
        found = list(walk(*args, **kwargs))
        (root / "gone.prompt.yaml").unlink()  # after the walk, before the read
        yield from found

    monkeypatch.setattr(promptlint.engine, "discover", discover_then_delete)
    kind, finding = outcome(check_in_process(root, monkeypatch), "gone.prompt.yaml")
    assert kind == "finding" and "cannot read the file" in finding["message"]
    assert (finding["start_line"], finding["start_column"]) == (1, 1)


# --- everything at once -----------------------------------------------------------------------------------------


def test_every_hostile_file_in_one_tree(tmp_path: Path) -> None:
    root = project(tmp_path, "x.txt", "")
    cases: list[tuple[str, str | bytes]] = [(f"bounded/{name}", text) for name, text, _ in BOUNDED]
    cases += [(f"data/{name}", text) for name, text in NOT_OURS]
    cases += [(f"encoded/{name}", data) for name, data, _ in ENCODED]
    for name, data in cases:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    report = check_in_child(root)
    for name, _ in cases:
        outcome(report, name)  # one finding or skip each, and the good and bad files intact


def test_many_findings_on_one_long_line_stay_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    from promptlint.config import Config
    from promptlint.engine import lint_paths, select_rules
    from promptlint.registry import load_rules

    path = tmp_path / "uses.prompt.yaml"
    path.write_text("id: x\nversion: 1.0.0\nmessages:\n  - role: user\n    content: '" + "a b {{ v }} " * 3000
                    + "'\n", encoding="utf-8")
    selection = select_rules(load_rules(), Config(root=tmp_path))
    tracemalloc.start()
    try:
        report = lint_paths([path], selection)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len([result for result in report.results if result.rule_id == "PL002"]) == 3000
    assert peak < 50 * 1024 * 1024, peak  # the line is 36 KB; 3000 copies of it are 108 MB
