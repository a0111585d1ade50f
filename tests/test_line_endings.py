"""Line breaks are `\\r\\n`, `\\r` or `\\n`, as YAML, editors and SARIF count them: the same prompt
written with any of them gives the same findings at the same line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document
from promptlint.model import Document, SourceFile, Span
from promptlint.registry import load_rules

RULES = load_rules()
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}

# Each prompt has undeclared variables (PL002), an unused one (PL003) where the format declares
# variables, and places where a reader must find line starts: front matter fences, role lines,
# block scalars, multi-line quoted strings and suppression comments (`suppressed` is not reported).
PROMPTS = {
    "native.prompt.yaml": """\
id: support.answer
version: 1.0.0
variables:
  question: {trust: untrusted, max_tokens: 500}
  unused: {trust: trusted}
messages:
  - role: system
    content: |
      You are a billing assistant.
        Indented {{ quesion }} here.
  - role: user
    content: "Q:
      {{ question }} and
      \\ {{ typo_two }}"
  - role: assistant
    # promptlint: disable=PL002
    content: folded {{ suppressed }}
      plain {{ typo_three }}
  - role: user
    content: >
      folded
      block {{ typo_four }}
""",
    "helpdesk.prompty": """\

---
name: Helpdesk
inputs:
  question:
    type: string
  unused:
    type: string
---
system:
You answer HR questions.
Mind {{ quesion }}.

user:
{{ question }}
![history]
""",
    "orders.prompt": """\
# a licence header
---
model: googleai/gemini-2.0-flash
input:
  schema:
    question: string
    unused: string
---
{{role "system"}}
You answer {{ quesion }}.
{{! promptlint: disable=PL002 }}
{{ suppressed }}
{{role "user"}}
{{ question }}
""",
    "review.agent.md": """\
---
name: reviewer
inputs:
  - name: diff
  - name: unused
---
Review this diff:
{{ dif }}
Be strict.
""",
    "chat.json": """\
{"messages": [
  {"role": "system", "content": "You help."},
  {"role": "user",
   "content": ""},
  {"role": "user", "content": "Answer {{ question }}"}
]}
""",
}

# (rule, line, column) of the undeclared variables and empty messages the LF version must report
EXPECTED = {
    "native.prompt.yaml": {("PL002", 10, 21), ("PL002", 14, 12), ("PL002", 18, 16), ("PL002", 22, 16)},
    "helpdesk.prompty": {("PL002", 12, 9)},
    "orders.prompt": {("PL002", 10, 15)},
    "review.agent.md": {("PL002", 8, 4)},
    "chat.json": {("PL005", 4, 15)},
}


def written(tmp_path: Path, name: str, ending: str) -> Path:
    path = tmp_path / ending / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(PROMPTS[name].replace("\n", ENDINGS[ending]).encode("utf-8"))
    return path


def findings(path: Path) -> list[tuple[str, int, int, int, int, str, tuple[str, ...]]]:
    report = lint_paths([path], select_rules(RULES, Config(root=path.parent, select=list(RULES))))
    assert not report.errors, report.errors
    return sorted((result.rule_id, result.location.start_line, result.location.start_column,
                   result.location.end_line, result.location.end_column, result.message, result.snippet)
                  for result in report.results)


def shape(document: Document) -> list[object]:
    """What a reader made of the file, by line and column."""
    def where(span: Span) -> tuple[int, int, int, int]:
        return (span.start_line, span.start_column, span.end_line, span.end_column)

    return [
        document.format,
        [(message.role, where(message.span), where(message.text.span()),
          message.text.value.replace("\r\n", "\n").replace("\r", "\n")) for message in document.messages],
        [(use.name, where(use.span), where(use.tag_span)) for use in document.variable_uses()],
        [(name, where(variable.span)) for name, variable in document.variables.items()],
        [(problem.message, where(problem.span)) for problem in document.problems],
    ]


@pytest.mark.parametrize("name", sorted(PROMPTS))
def test_findings_are_at_the_same_place_whatever_the_line_breaks(tmp_path: Path, name: str) -> None:
    lf = findings(written(tmp_path, name, "lf"))
    # every rule runs and must agree across line breaks; the places checked by hand are PL002's and PL005's
    assert {(rule, line, column) for rule, line, column, *_ in lf if rule in ("PL002", "PL005")} == EXPECTED[name]
    assert findings(written(tmp_path, name, "crlf")) == lf
    assert findings(written(tmp_path, name, "cr")) == lf


@pytest.mark.parametrize("name", sorted(PROMPTS))
def test_readers_see_the_same_document_whatever_the_line_breaks(tmp_path: Path, name: str) -> None:
    documents = {ending: read_document(written(tmp_path, name, ending), name) for ending in ENDINGS}
    lf = documents["lf"]
    assert lf is not None and lf.messages and not lf.problems
    for ending in ("crlf", "cr"):
        document = documents[ending]
        assert document is not None
        assert shape(document) == shape(lf), ending


def test_cr_only_prompty_keeps_its_front_matter(tmp_path: Path) -> None:
    document = read_document(written(tmp_path, "helpdesk.prompty", "cr"), "helpdesk.prompty")
    assert document is not None and document.root is not None
    assert list(document.variables) == ["question", "unused"]
    assert [message.role for message in document.messages] == ["system", "user"]
    assert document.messages[0].text.value == "You answer HR questions.\rMind {{ quesion }}.\r\r"


@pytest.mark.parametrize("break_", ["\n", "\r\n", "\r"])
def test_source_file_positions_and_lines(break_: str) -> None:
    text = f"ab{break_}{break_}cd{break_}e"
    source = SourceFile(Path("t"), "t", text)
    assert source.line_count == 4
    assert [source.line_text(line) for line in range(1, 5)] == ["ab", "", "cd", "e"]
    assert source.line_text(5) == ""
    width = len(break_)
    assert source.position(0) == (1, 1)
    assert source.position(2) == (1, 3)  # the break itself is the end of its line
    assert source.position(2 + width) == (2, 1)
    assert source.position(2 + 2 * width) == (3, 1)
    assert source.position(len(text) - 1) == (4, 1)
    assert source.position(len(text)) == (4, 2)


def test_source_file_mixed_breaks_count_a_crlf_pair_once() -> None:
    source = SourceFile(Path("t"), "t", "a\r\nb\rc\nd\n\re\r\r\nf")
    assert source.line_starts == [0, 3, 5, 7, 9, 10, 12, 14]
    assert [source.line_text(line) for line in range(1, source.line_count + 1)] == [
        "a", "b", "c", "d", "", "e", "", "f"]
    assert source.position(2) == (1, 3)  # the LF of a CRLF pair is still on its line
    assert source.span(4, 6).end_line == 3
