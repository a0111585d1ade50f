"""Token budgets: exact offline counts, the model registry, the worst case and the PL4xx rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptlint import tokens
from promptlint.budget import analyse, static_text
from promptlint.config import ConfigError, build_config
from promptlint.engine import lint_paths, select_rules
from promptlint.formats import read_document
from promptlint.provider import DocumentProvider
from promptlint.registry import load_rules

RULES = load_rules()

# Reference ids: the OpenAI cookbook ("How to count tokens with tiktoken") and tiktoken's README.
KNOWN_IDS = [
    ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
    ("cl100k_base", "hello world", [15339, 1917]),
    ("o200k_base", "hello world", [24912, 2375]),
]
TEXTS = [
    "Grüße aus Köln: die Bremsbeläge quietschen.",
    "東京の自転車店で修理を予約してください。",
    "Привет! Цепь прыгает на подъёме 🚲🔧",
    "مرحبا، كيف يمكنني مساعدتك اليوم؟",
    "  indented\n\n\ttabs\r\nand CRLF  \n",
    "<|endoftext|> is plain text in a prompt",
    "1234567890 3.14159 -42 1e10",
]


@pytest.mark.parametrize(("name", "text", "expected"), KNOWN_IDS)
def test_counts_equal_tiktoken_reference_ids(name: str, text: str, expected: list[int]) -> None:
    assert tokens.encoding(name).encode(text) == expected
    assert tokens.count_tokens(text, name) == len(expected)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
@pytest.mark.parametrize("text", TEXTS)
def test_counts_equal_a_pure_python_bpe_over_the_same_ranks(name: str, text: str) -> None:
    # tiktoken's educational encoder merges byte pairs in Python: an independent check of the Rust one
    from tiktoken._educational import SimpleBytePairEncoding

    spec = tokens.ENCODINGS[name]
    simple = SimpleBytePairEncoding(pat_str=spec.pattern, mergeable_ranks=tokens.load_ranks(spec))
    assert tokens.encoding(name).encode(text, disallowed_special=()) == simple.encode(text, visualise=None)


@pytest.mark.parametrize(("name", "expected"), [("o200k_base", 60001), ("cl100k_base", 60001)])
def test_long_input_round_trips_and_counts_stably(name: str, expected: int) -> None:
    text = "Grüße, 東京! " * 10000 + "end"
    ids = tokens.encoding(name).encode(text, disallowed_special=())
    assert tokens.encoding(name).decode(ids) == text
    assert tokens.count_tokens(text, name) == len(ids) <= tokens.upper_bound(text)
    assert len(ids) == pytest.approx(expected, rel=0.5)  # about 6 tokens per repetition, not per byte


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_utf8_byte_length_bounds_the_token_count(text: str) -> None:
    # byte-level BPE: every token is at least one byte of the text
    for name in ("o200k_base", "cl100k_base"):
        assert tokens.count_tokens(text, name) <= tokens.upper_bound(text)


@pytest.mark.parametrize(("written", "family"), [
    ("gpt-4o", "gpt-4o"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # the first snapshot has its own output limit
    ("openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("gpt-4-0613", "gpt-4"),
    ("gpt-35-turbo", "gpt-3.5-turbo"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
    ("o3-mini-2025-01-31", "o3-mini"),
    ("gpt-5-2025-08-07", "gpt-5"),
    ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"),
    ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
    ("Claude Sonnet 4", "claude-sonnet-4"),
    ("googleai/gemini-2.0-flash", "gemini-2.0-flash"),
    ("gemini-2.0-flash-001", "gemini-2.0-flash"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1"),
    ("mistral-large-latest", "mistral-large"),
])
def test_registry_resolves_snapshots_and_provider_paths(written: str, family: str) -> None:
    model = tokens.model_registry().lookup(written)
    assert model is not None and model.name == family


def test_registry_rows_are_complete() -> None:
    for model in tokens.model_registry().models.values():
        assert model.context_window > 0 and model.max_output_tokens and model.checked, model.name
        assert model.estimated == (model.provider not in ("openai", "azure-openai")), model.name
    gpt5 = tokens.model_registry().lookup("gpt-5")
    assert gpt5 is not None and gpt5.max_input_tokens == 272000


def test_unknown_model_suggests_the_nearest_names() -> None:
    registry = tokens.model_registry()
    assert registry.lookup("gpt4o") is None
    assert registry.nearest("gpt4o")[0] == "gpt-4o"


def test_estimates_are_labelled_and_rounded_up() -> None:
    claude = tokens.model_registry().lookup("claude-sonnet-4")
    assert claude is not None and claude.method.startswith("≈ estimated")
    assert claude.tokens(10) == 12 and claude.tokens(11) == 14


def test_config_models_override_and_extend_the_registry(tmp_path: Path) -> None:
    config = build_config({"models": {
        "gpt-4o": {"context-window": 64000},  # a reseller serving less
        "acme-ft-1": {"context_window": 32000, "max_output_tokens": 2048, "encoding": "cl100k_base",
                      "aliases": ["acme-ft"]},
    }}, tmp_path, RULES)
    from promptlint.budget import registry_for

    registry = registry_for(config.settings_for("a.prompt.yaml"))
    gpt = registry.lookup("gpt-4o-2024-08-06")
    assert gpt is not None and gpt.context_window == 64000 and gpt.max_output_tokens == 16384
    acme = registry.lookup("acme-ft")
    assert acme is not None and acme.context_window == 32000 and acme.method == "exact (cl100k_base)"


@pytest.mark.parametrize(("value", "message"), [
    ("gpt-4o", "'models' must map model names"),
    ({"new-model": {"max-output-tokens": 10}}, "models.new-model: 'context-window' is required"),
    ({"gpt-4o": {"context-window": -1}}, "models.gpt-4o.context-window must be a positive integer"),
    ({"gpt-4o": {"encoding": "p50k_base"}}, "models.gpt-4o.encoding must be one of"),
    ({"gpt-4o": {"window": 5}}, "models.gpt-4o: unknown field"),
])
def test_config_models_shape_is_checked(tmp_path: Path, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        build_config({"models": value}, tmp_path, RULES)


def test_static_text_drops_template_tags() -> None:
    assert static_text("Hi {{ name }}{% if x %}!{% endif %}{# note #}", "jinja") == "Hi !"
    assert static_text("Hi {{{raw}}} {{name}}{{! c }}", "handlebars") == "Hi  "
    assert static_text("Hi {name}, {{literal}}", "f-string") == "Hi , {literal}"
    assert static_text("Hi {{ name }}", "none") == "Hi {{ name }}"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _lint(folder: Path, select: list[str], **config: object) -> list[tuple[str, int, str]]:
    built = build_config(dict(config), folder, RULES)
    built.select = select
    report = lint_paths([folder], select_rules(RULES, built))
    assert not report.errors, report.errors
    return [(result.rule_id, result.location.start_line, result.message) for result in report.results]


def test_overrun_message_gives_the_breakdown(tmp_path: Path) -> None:
    _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
model: {name: gpt-4, max_output_tokens: 4096}
variables:
  docs: {trust: untrusted, max_tokens: 2100}
  extra: {trust: trusted}
messages:
  - role: system
    content: Answer from the documents.
  - role: user
    content: "{{ docs }} {{ docs }} {{ extra }}"
""")
    [(rule, line, message)] = _lint(tmp_path, ["PL401"])
    assert rule == "PL401" and line == 3
    assert message.startswith("worst case static 15 + variables 4,200 + output 4,096 = 8,311 > 8,192 for gpt-4")
    assert "a lower bound: 'extra' has no max_tokens" in message


def test_gpt5_input_cap_is_checked(tmp_path: Path) -> None:
    _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
model: {name: gpt-5, max_output_tokens: 1000}
variables:
  docs: {trust: untrusted, max_tokens: 300000}
messages:
  - role: user
    content: "{{ docs }}"
""")
    [(_rule, _line, message)] = _lint(tmp_path, ["PL401"])
    assert "> 272,000 input tokens allowed for gpt-5" in message


def test_default_model_and_silence_without_a_model(tmp_path: Path) -> None:
    _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
variables:
  docs: {trust: untrusted, max_tokens: 9000}
messages:
  - role: user
    content: "{{ docs }}"
""")
    assert _lint(tmp_path, ["PL4"]) == []
    [(rule, line, message)] = _lint(tmp_path, ["PL4"], **{"default-model": "gpt-4"})
    assert rule == "PL401" and line == 6 and "for gpt-4" in message


def test_layer_parents_add_their_static_tokens(tmp_path: Path) -> None:
    platform = "Keep every answer short and polite. " * 300
    _write(tmp_path, "platform/base.prompt.yaml", f"""\
id: base
version: 1.0.0
layer: platform
messages:
  - role: system
    content: "{platform}"
""")
    tenant = _write(tmp_path, "tenant/shop.prompt.yaml", """\
id: shop
version: 1.0.0
layer: tenant
extends: ../platform/base.prompt.yaml
model: {name: gpt-4, max_output_tokens: 4000}
messages:
  - role: system
    content: You help the customers of the bicycle shop.
""")
    config = build_config({}, tmp_path, RULES)
    document = read_document(tenant, "tenant/shop.prompt.yaml")
    assert document is not None
    budget = analyse(document, config.settings_for(document.path), DocumentProvider(tmp_path, config.settings_for))
    assert [message.path for message in budget.parents] == ["platform/base.prompt.yaml"]
    assert budget.static() > budget.static(parents=False) + 2000
    assert [rule for rule, _line, _message in _lint(tmp_path / "tenant", ["PL401"])] == []  # 2.1k + 4k < 8k
    assert budget.worst_case() < 8192


def test_output_caps_are_read_from_prompty_and_chat_requests(tmp_path: Path) -> None:
    _write(tmp_path, "a.prompty", """\
---
name: A
model:
  api: chat
  configuration:
    type: azure_openai
    azure_deployment: gpt-4
  parameters:
    max_tokens: 9000
---
system:
You help the customers of the bicycle shop.
""")
    _write(tmp_path, "b.json", '{"model": "gpt-4o-mini", "max_completion_tokens": 20000, '
                              '"messages": [{"role": "user", "content": "Hello"}]}')
    found = sorted((rule, line) for rule, line, _message in _lint(tmp_path, ["PL403"]))
    assert found == [("PL403", 1), ("PL403", 9)]


def test_unbounded_estimate_and_cache_rules(tmp_path: Path) -> None:
    policy = "Refunds are possible within thirty days when the receipt is shown. " * 120
    _write(tmp_path, "a.prompt.yaml", f"""\
id: a
version: 1.0.0
model: {{name: claude-sonnet-4, max_output_tokens: 1000}}
variables:
  customer_name: {{trust: trusted, max_tokens: 20}}
  page_text: {{trust: untrusted}}
messages:
  - role: system
    content: "Customer: {{{{ customer_name }}}}. {policy}"
  - role: user
    content: "<page>{{{{ page_text | replace('</page>', '') }}}}</page>"
""")
    found = {rule: message for rule, _line, message in _lint(tmp_path, ["PL404", "PL407"])}
    assert "'page_text' has no max_tokens" in found["PL404"]
    assert "'{{ customer_name }}' changes per request" in found["PL407"]
    assert "≈ estimated (o200k_base ×1.2)" in found["PL407"]  # noqa: RUF001


def test_small_files_never_load_an_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> int:
        raise AssertionError("an exact count was not needed")

    monkeypatch.setattr(tokens, "count_tokens", refuse)
    _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
model: {name: gpt-4o, max_output_tokens: 500}
variables:
  question: {trust: untrusted, max_tokens: 500}
tools:
  - {type: function, function: {name: get_order, description: Look up an order., parameters: {type: object,
     properties: {order_id: {type: string, description: The order number}}, required: [order_id]}}}
messages:
  - role: system
    content: Today is {{ question }}. You help the customers of the bicycle shop.
  - role: user
    content: "{{ question }}"
""")
    assert _lint(tmp_path, ["PL4"]) == []


def test_referenced_tool_files_are_counted(tmp_path: Path) -> None:
    _write(tmp_path, "tools/orders.json", '[{"type": "function", "function": {"name": "get_order", "description": '
                                          '"Look up an order by its number.", "parameters": {"type": "object", '
                                          '"properties": {"order_id": {"type": "string", "description": "The order '
                                          'number"}}, "required": ["order_id"]}}}]')
    prompt = _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
model: {name: gpt-4o, max_output_tokens: 500}
messages:
  - role: system
    content: You help the customers of the bicycle shop.
tools:
  - $ref: ./tools/orders.json
""")
    config = build_config({}, tmp_path, RULES)
    document = read_document(prompt, "a.prompt.yaml")
    assert document is not None
    budget = analyse(document, config.settings_for(document.path), DocumentProvider(tmp_path, config.settings_for))
    # the cookbook's figures: 7 per function + "get_order:Look up an order by its number" (9)
    # + 3 for the property list + 3 per property + "order_id:string:The order number" (7) + 12 at the end
    assert [tool.name for tool in budget.tools] == ["get_order"]
    assert budget.tool_tokens() == 7 + 9 + 3 + 3 + 7 + 12


def test_budget_options_total_and_system(tmp_path: Path) -> None:
    _write(tmp_path, "a.prompt.yaml", """\
id: a
version: 1.0.0
model: {name: gpt-4o, max_output_tokens: 2000}
variables:
  question: {trust: untrusted, max_tokens: 500}
messages:
  - role: system
    content: You help the customers of the bicycle shop with repairs, rentals and orders.
  - role: user
    content: "<q>{{ question }}</q>"
""")
    assert _lint(tmp_path, ["PL402"]) == []
    found = _lint(tmp_path, ["PL402"], rules={"PL402": {"max-total": 2500, "max-system": 10}})
    messages = sorted(message for _rule, _line, message in found)
    assert messages[0].startswith("the system and developer messages cost 18 tokens, above the budget of 10")
    assert messages[1].startswith("worst case static ") and "above the budget of 2,500" in messages[1]


def test_semantic_kernel_function_takes_its_model_from_config_json(tmp_path: Path) -> None:
    _write(tmp_path, "Summarize/config.json", '{"schema": 1, "description": "Summarise", "execution_settings": '
                                               '{"default": {"model_id": "gpt-4", "max_tokens": 9000}}, '
                                               '"input_variables": [{"name": "input", "description": "text"}]}')
    _write(tmp_path, "Summarize/skprompt.txt", "Summarise the text in two sentences.\n{{$input}}\n")
    built = build_config({}, tmp_path, RULES)
    built.select = ["PL401", "PL403"]
    report = lint_paths([tmp_path], select_rules(RULES, built))
    found = sorted((result.location.path, result.rule_id) for result in report.results)
    # the overrun is the template's (9,000 reserved of gpt-4's 8,192), the cap is reported where it is set
    assert found == [("Summarize/config.json", "PL403"), ("Summarize/skprompt.txt", "PL401")]
