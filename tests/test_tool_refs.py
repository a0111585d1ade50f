"""`$ref`'d tool files (PL209) and the document provider's bounds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import json_report, write

import promptlint.formats

TOOL = {"name": "order_status", "description": "Return the status of one order.",
        "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string", "description": "Its id."}}}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    (root / ".promptlint.yaml").write_text("select: [PL209]\n", "utf-8")
    write(root / "tools" / "orders.json", json.dumps(TOOL))
    return root


def prompt(ref: str) -> str:
    return f"id: p\nversion: 1.0.0\nmessages:\n  - role: user\n    content: Hi.\ntools:\n  - $ref: {ref}\n"


def messages(report: dict[str, object]) -> list[str]:
    return [item["message"] for item in report["findings"]]  # type: ignore[attr-defined, index]


def test_a_reference_resolves_relative_to_the_prompt(project: Path) -> None:
    write(project / "prompts" / "p.prompt.yaml", prompt("../tools/orders.json#order_status"))
    assert messages(json_report("prompts")) == []


@pytest.mark.parametrize(("ref", "reason"), [
    ("../tools/missing.json", "no such file"),
    ("../../outside.json", "outside the project root"),
    ("../tools/orders.json#cancel_order", "it defines no tool named 'cancel_order'"),
    ("../prompts/notes.json", "not a prompt or tool file"),
])
def test_an_unresolved_reference_says_why(project: Path, ref: str, reason: str) -> None:
    (project.parent / "outside.json").write_text(json.dumps(TOOL), "utf-8")
    write(project / "prompts" / "notes.json", '{"title": "not a tool"}')
    write(project / "prompts" / "p.prompt.yaml", prompt(ref))
    [message] = messages(json_report("prompts/p.prompt.yaml"))
    assert reason in message


def test_a_link_out_of_the_tree_is_never_read(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project.parent / "secret.json").write_text(json.dumps(TOOL), "utf-8")
    os.symlink(project.parent / "secret.json", project / "tools" / "linked.json")
    write(project / "prompts" / "p.prompt.yaml", prompt("../tools/linked.json"))
    read: list[str] = []
    original = promptlint.formats.read_document

    def recording(path: Path, *args: object, **kwargs: object) -> object:
        read.append(str(path))
        return original(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(promptlint.formats, "read_document", recording)
    [message] = messages(json_report("prompts/p.prompt.yaml"))
    assert "a link leads out of it" in message
    assert not any("secret" in path for path in read)
