"""Whatever a file holds, reading and linting it never raises: bad input becomes findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlint.config import Config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document
from promptlint.registry import load_rules

SUFFIXES = [".prompt.yaml", ".prompty", ".prompt", ".md", ".json", ".yaml", ".system.j2", ".hbs", ".jsonl",
            "_prompt.txt", "/skprompt.txt"]
RULES = load_rules()

# text built from the pieces that matter to our parsers, so that examples get past the first byte
fragments = st.sampled_from([
    "---\n", "id: x\n", "messages:\n", "  - role: system\n", "    content: |\n", "      ", "{{ ", " }}", "{%", "%}",
    "{#", "#}", "{{#each xs}}", "{{/each}}", "system:\n", "user:\n", '{"messages": [', '{"role": "user", ',
    '"content": "', '"}', "]}", "[", "]", "{", "}", ":", ",", "&a ", "*a", "!!python/object ", "\t", "\ufeff", "é",
    "😀", "\u202e", "\\", '"', "'", "\n", "# promptlint: disable=PL002\n", "input:\n  schema:\n    a: string\n",
    "{{$a}}", '<message role="user">', "</message>", "# user:\n", "{a}", "_type: prompt\n", "template: '",
    "input_variables: [a]\n", '{"name": "t", "parameters": {', "\n---\n",
])
texts = st.lists(st.one_of(fragments, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, suffix=st.sampled_from(SUFFIXES))
def test_reading_any_text_never_raises_and_spans_stay_in_the_file(tmp_path: Path, text: str, suffix: str) -> None:
    path = tmp_path / f"f{suffix}"
    path.parent.mkdir(exist_ok=True)  # "/skprompt.txt": a Semantic Kernel function folder
    path.write_text(text, encoding="utf-8")
    document = read_document(path, path.name, explicit=True)
    if document is None:
        return
    length = len(document.source.text)
    for problem in document.problems:
        assert 0 <= problem.span.start <= problem.span.end <= length
    for use in document.variable_uses():
        assert 0 <= use.span.start <= use.span.end <= length


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200), suffix=st.sampled_from(SUFFIXES))
def test_linting_any_bytes_reports_no_internal_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"g{suffix}"
    path.parent.mkdir(exist_ok=True)  # "/skprompt.txt": a Semantic Kernel function folder
    path.write_bytes(data)
    report = lint_paths([path], select_rules(RULES, Config(root=tmp_path, select=list(RULES))))
    assert not report.errors, report.errors


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_empty_file_is_handled(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.parent.mkdir(exist_ok=True)  # "/skprompt.txt": a Semantic Kernel function folder
    path.write_text("", encoding="utf-8")
    report = lint_paths([path], select_rules(RULES, Config(root=tmp_path)))
    assert not report.errors
    # a native prompt needs content; a file whose name makes it a prompt template is an empty message;
    # other empty files are simply not prompts (skipped, with why)
    expected = {".prompt.yaml": ["PL001"], ".system.j2": ["PL005"], "_prompt.txt": ["PL005"],
                "/skprompt.txt": ["PL005"]}
    assert [result.rule_id for result in report.results] == expected.get(suffix, [])
