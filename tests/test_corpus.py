"""The real-world corpus in ../shared/corpus: formats recognised, spans exact, quiet on good files.

The corpus sits beside the repository on development machines and in CI, not in a user's
clone; without it these tests skip.
"""

from __future__ import annotations

import csv

import pytest
from conftest import SHARED
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document
from promptlint.formats.frontmatter import split_front_matter
from promptlint.registry import load_rules

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(),
                                reason="../shared/corpus is not beside this checkout")

# the manifest's format names, mapped to what promptlint reads them as (None: not a format we read)
EXPECTED_FORMAT = {
    "prompty-v1": "prompty", "prompty-v2": "prompty", "dotprompt": "dotprompt",
    "vscode-copilot-agent-md": "markdown", "vscode-copilot-instructions-md": "markdown",
    "openhands-microagent-md": "markdown", "mcp-tool-json": "tools", "mcp-tools-list-json": "tools",
    "openai-tools-json": "tools", "openai-responses-tools-json": "tools", "openai-functions-yaml": "tools",
    "dotprompt-spec-yaml": "dotprompt",
    "promptflow-jinja2": "template", "openhands-jinja2-system-prompt": "template", "jinja2-system-template": "template",
    "promptfoo-prompt-txt": "template", "promptfoo-prompts-txt": "template", "promptfoo-jinja2-message": "template",
    "promptfoo-message-json": "template", "promptfoo-config-yaml": "promptfoo",
    "promptflow-flow-dag-yaml": "promptflow",
    "sk-config-json": "semantic-kernel", "sk-skprompt": "semantic-kernel", "sk-prompt-template-yaml": "semantic-kernel",
    "langchain-few-shot-yaml": "langchain", "langchain-prompt-yaml": "langchain", "langchain-prompt-json": "langchain",
    "langchain-chat-prompt-json": "langchain", "langchain-chat-prompt-yaml": "langchain",
}


def manifest() -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def expected_format(row: dict[str, str]) -> str | None:
    kind = row["format"].split(" ")[0]
    if kind == "docker-mcp-registry-tools-json":
        return "tools"  # `arguments` lists are read as the JSON Schema they stand for; some carry inputSchema
    return EXPECTED_FORMAT.get(kind)


def documents():  # type: ignore[no-untyped-def]
    for row in manifest():
        path = SHARED / row["local_path"]
        yield row, read_document(path, row["local_path"], explicit=True)


def test_every_manifest_kind_is_a_format_we_read() -> None:
    unknown = {row["format"] for row in manifest() if expected_format(row) is None}
    assert not unknown, f"corpus files of kinds promptlint does not read: {sorted(unknown)}"


def test_every_corpus_file_is_read_as_its_format() -> None:
    wrong = []
    for row, document in documents():
        got = document.format if document is not None else None
        if got != expected_format(row):
            wrong.append(f"{row['local_path']}: manifest says {row['format']!r}, read as {got}")
    assert not wrong, "\n".join(wrong)


def test_spans_point_at_the_characters_they_describe() -> None:
    checked = 0
    for row, document in documents():
        if document is None:
            continue
        text = document.source.text
        for message in document.messages:
            for index, char in enumerate(message.text.value):
                if char.isspace():
                    continue
                at = text[message.text.offset(index)]
                assert at in (char, "\\"), f"{row['local_path']}: message char {index} {char!r} maps to {at!r}"
                checked += 1
        for use in document.variable_uses():
            written = text[use.span.start:use.span.end]
            assert written.removeprefix("@root.") == use.name, f"{row['local_path']}: use {use.name} spans {written!r}"
        for tool in document.tools:
            if tool.description is not None and tool.description.value:
                first = tool.description.value.lstrip()[:1]
                offset = tool.description.offset(len(tool.description.value) - len(tool.description.value.lstrip()))
                assert text[offset] in (first, "\\")
    assert checked > 50_000  # the whole corpus, not a sample


def test_pl001_only_where_the_file_really_does_not_parse() -> None:
    rules = load_rules()
    report = lint_paths([CORPUS], select_rules(rules, Config(root=SHARED, select=["PL001"])))
    assert not report.errors
    flagged = {result.location.path for result in report.results}
    assert flagged, "the corpus holds front matter that no YAML parser accepts"
    for row, document in documents():
        if document is None or document.format not in ("prompty", "dotprompt", "markdown") \
                or not row["local_path"].endswith((".prompty", ".prompt", ".md")):
            continue  # files with front matter (not Dotprompt's YAML spec suites)
        front = split_front_matter(document.source, leading_comments=document.format == "dotprompt")
        body = document.source.text
        try:  # an independent opinion: the plain safe loader on the same front matter text
            start = body.index("---") + 3
            YAML(typ="safe", pure=True).load(body[start:body.index("\n---", start)])
            parses = True
        except YAMLError:
            parses = False
        assert (row["local_path"] in flagged) == (not parses), row["local_path"]
        assert front.present


def test_whole_corpus_lints_without_internal_errors() -> None:
    rules = load_rules()
    report = lint_paths([CORPUS], select_rules(rules, Config(root=SHARED, select=list(rules))))
    assert not report.errors, report.errors
    assert len(report.files_scanned) >= 60
    for result in report.results:
        lines = (SHARED / result.location.path).read_text("utf-8").splitlines()
        assert 1 <= result.location.start_line <= len(lines) + 1
        assert result.location.start_column >= 1


def test_a_walk_reads_every_corpus_file_and_skips_none() -> None:
    rules = load_rules()
    report = lint_paths([CORPUS], select_rules(rules, Config(root=SHARED, select=["PL001"])))
    assert not report.errors and not report.skipped, report.skipped
    assert sorted(report.files_scanned) == sorted(row["local_path"] for row in manifest())
    assert "unreadable" not in report.file_formats.values()
