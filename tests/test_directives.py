"""The directive extractor (promptlint/directives.py) and the comparisons the layer rules use:
exact spans per slot, the conflict / relaxes / redundant tables, conditions, masked examples,
silence on other languages; and PL304 on one document."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.directives import Directive, conflict, directives, redundant, relaxes
from promptlint.engine import lint_source, select_rules
from promptlint.formats import read_source
from promptlint.model import Document, SourceFile
from promptlint.registry import load_rules


def document(system: str, user: str | None = None) -> Document:
    text = "id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: |\n" + textwrap.indent(system, "      ")
    if user is not None:
        text += "\n  - role: user\n    content: |\n" + textwrap.indent(user, "      ")
    found = read_source(SourceFile(Path("t.prompt.yaml"), "t.prompt.yaml", text + "\n"), explicit=True)
    assert found is not None and not found.fatal
    return found


def extract(system: str, user: str | None = None) -> list[Directive]:
    return directives(document(system, user))


def one(sentence: str) -> Directive:
    found = extract(sentence)
    assert len(found) == 1, found
    return found[0]


def at(text: str, phrase: str) -> tuple[int, int]:
    """(line, column) of `phrase` in the system message's file, as `document` lays it out."""
    index = text.index(phrase)
    line = text.count("\n", 0, index)
    return 6 + line, index - (text.rfind("\n", 0, index) + 1) + 7


# --- extraction, slot by slot -------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "slot", "polarity", "value"), [
    ("Always answer in English.", "language", "must", "english"),
    ("Answer in the user's language.", "language", "must", "USER_LANGUAGE"),
    ("Reply in the same language as the question.", "language", "must", "USER_LANGUAGE"),
    ("Never respond in German.", "language", "must_not", "german"),
    ("Respond only with valid JSON.", "format", "must", "json"),
    ("Use Markdown with headings for each section.", "format", "must", "markdown"),
    ("Do not use Markdown.", "format", "must_not", "markdown"),
    ("Reply in at most two sentences.", "length", "must", ("sentences", 0, 2)),
    ("Give a detailed, step-by-step explanation of at least 300 words.", "length", "must", ("words", 300, None)),
    ("Keep your answers between 50 and 80 words.", "length", "must", ("words", 50, 80)),
    ("Never write more than 3 paragraphs.", "length", "must", ("paragraphs", 0, 3)),
    ("Answer in one or two sentences.", "length", "must", ("sentences", 1, 2)),
    ("Be concise.", "length", "must", "concise"),
    ("Write in ALL CAPS.", "case", "must", "upper"),
    ("Always write in lowercase.", "case", "must", "lower"),
    ("Use a formal register.", "tone", "must", "formal"),
    ("Keep it casual.", "tone", "must", "casual"),
    ("Never use emojis.", "emoji", "must_not", "emoji"),
    ("Use emojis generously.", "emoji", "must", "emoji"),
    ("Do not include any links.", "links", "must_not", "links"),
    ("Always call the search tool.", "tool-use", "must", "search"),
    ("Do not call any tools.", "tool-use", "must_not", "tools"),
    ("You are Ava, the assistant of Acme Bikes.", "persona", "must", "ava"),
    ("Never discuss competitor pricing.", "topic", "must_not", frozenset({"competitor", "price"})),
    ("You may quote prices from the price list.", "topic", "may", frozenset({"price", "list"})),
    ("Compare vendor prices, competitors included.", "topic", "must", frozenset({"competitor", "price"})),
])
def test_each_slot_is_read_with_its_value(sentence: str, slot: str, polarity: str, value: object) -> None:
    found = [directive for directive in extract(sentence) if directive.slot == slot]
    assert [(d.slot, d.polarity, d.value, d.condition) for d in found] == [(slot, polarity, value, None)]
    assert found[0].text == sentence
    assert (found[0].span.start_line, found[0].span.start_column) == (6, 7)
    assert found[0].message_index == 0


def test_spans_point_at_each_sentence_and_bullet() -> None:
    system = ("You help with orders. Always answer in English.\n"
              "- **Format:** Respond only with valid JSON.\n"
              "1. Never use emojis and respond in English.")
    found = extract(system, "Reply in at most two sentences.")
    assert [(d.slot, d.span.start_line, d.span.start_column, d.span.end_column, d.message_index) for d in found] == [
        ("language", *at(system, "Always answer"), at(system, "Always answer")[1] + 25, 0),
        ("format", *at(system, "Respond only"), at(system, "Respond only")[1] + 29, 0),
        ("language", *at(system, "Never use"), at(system, "Never use")[1] + 40, 0),
        ("emoji", *at(system, "Never use"), at(system, "Never use")[1] + 40, 0),
        ("length", 11, 7, 38, 1),
    ]
    assert found[2].polarity == "must"  # "and respond" starts a new order after "never"
    assert found[3].polarity == "must_not"


def test_one_sentence_may_hold_several_directives() -> None:
    assert [(d.slot, d.polarity, d.value) for d in extract("Respond in plain text, without Markdown.")] == [
        ("format", "must", "plain-text"), ("format", "must_not", "markdown")]


def test_conditions_are_read_and_normalised() -> None:
    found = extract("If the user writes in Spanish, answer in Spanish.\n"
                    "Answer in Spanish when the user writes in Spanish.\n"
                    "For billing questions reply in at most two sentences; for troubleshooting give step-by-step "
                    "detail.\n"
                    "Respond in English, even if the user writes in German.")
    assert [(d.slot, d.value, d.condition) for d in found] == [
        ("language", "spanish", "if user write in spanish"),
        ("language", "spanish", "if user write in spanish"),
        ("length", ("sentences", 0, 2), "for bill question"),
        ("language", "english", None),  # a concession is no condition, and its language is not read
    ]


def test_a_qualifier_after_the_slot_phrase_scopes_the_directive() -> None:
    found = extract("Do not call tools for small talk.\nUse a formal tone in e-mails to customers.\n"
                    "Do not use tools to browse the web.\nUse the calculator tool to add numbers.\n"
                    "Use Markdown with headings for each section.\nNever use emojis in your answers.")
    assert [(d.slot, d.condition) for d in found] == [
        ("tool-use", "for small talk"), ("tone", "in e mail to custom"), ("tool-use", "to brows web"),
        ("tool-use", None), ("format", None), ("emoji", None)]


def test_template_branches_are_conditions() -> None:
    found = extract("{% if formal %}Use a formal register.{% else %}Keep it casual.{% endif %}\n"
                    "{{#if short}}Reply in at most two sentences.{{else}}Write at least 300 words.{{/if}}\n"
                    "Always answer in English.")
    assert [d.slot for d in found] == ["tone", "tone", "length", "length", "language"]
    assert len({d.condition for d in found}) == 5 and found[-1].condition is None
    assert conflict(found[0], found[1]) is None and conflict(found[2], found[3]) is None
    assert (found[0].span.start_line, found[0].span.start_column) == (6, 22)


def test_examples_code_quotes_transcripts_and_tags_yield_nothing() -> None:
    assert extract("<example>\nAlways respond in French.\n</example>\n"
                   "```\nWrite in ALL CAPS.\n```\n"
                   'A prompt that says "Always respond in German." is wrong.\n'
                   "Example:\nAlways answer in Italian.\n\n"
                   "User: Never use emojis.\n"
                   "Answer in {{ language }}.") == []


def test_assistant_turns_are_not_read() -> None:
    text = ("id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: Answer in English.\n"
            "  - role: assistant\n    content: Always respond in French.\n")
    found = read_source(SourceFile(Path("t.prompt.yaml"), "t.prompt.yaml", text), explicit=True)
    assert found is not None
    assert [d.value for d in directives(found)] == ["english"]


def test_headings_scope_what_follows_them() -> None:
    found = extract("## Output\nAlways answer in English.\n"
                    "## Step 2: hand-off\nAlways answer in German.\n"
                    "### Examples\nAlways answer in Italian.\n"
                    "## Tone\nKeep it casual.")
    assert [(d.value, d.condition) for d in found] == [
        ("english", None), ("german", "step 2 hand off"), ("casual", None)]


@pytest.mark.parametrize("sentence", [
    "Antworte immer auf Deutsch und benutze keine Emojis.",
    "Responde siempre en español y no uses emojis.",
    "Réponds toujours en français, sans emojis.",
    "始终用中文回答。",
])
def test_other_languages_yield_no_directive(sentence: str) -> None:
    assert extract(sentence) == []


@pytest.mark.parametrize("sentence", [
    "Write SQL keywords in uppercase.",  # about the keywords, not the answer
    "Write a title of at most 10 words.",
    "Keep each bullet under 20 words.",
    "The user must write in English.",  # an order to someone else
    "Answer in English or German.",  # a choice, not a rule
    "Use this tool regularly.",
    "Provide actionable next steps.",  # an ordinary task is no topic directive
    "Should I answer in English?",
    "Translate the customer's text into French.",  # the translation's language, not the answer's
    "Use Markdown inside the summary field.",  # the format of a part
    "Summaries should be 3-5 sentences.",  # about summaries, not the answer
    "Do not use Markdown in code comments.",
])
def test_sentences_that_set_nothing(sentence: str) -> None:
    assert [(d.slot, d.value) for d in extract(sentence) if d.slot != "persona"] == []


# --- the comparisons ----------------------------------------------------------------------------

def pair(higher: str, lower: str) -> tuple[Directive, Directive]:
    first, second = extract(higher), extract(lower)
    assert len(first) == 1 and len(second) == 1, (first, second)
    return first[0], second[0]


@pytest.mark.parametrize(("higher", "lower", "reason"), [
    ("Always answer in English.", "Always respond in French.", "English vs French"),
    ("Always answer in English.", "Answer in the user's language.", "English vs the user's language"),
    ("Reply in at most two sentences.", "Give a detailed explanation of at least 300 words.",
     "at most 2 sentences vs at least 300 words"),
    ("Keep your answers under 150 words.", "Write at least 400 words.", "at most 150 words vs at least 400 words"),
    ("Respond only with valid JSON.", "Use Markdown with headings for each section.", "JSON vs Markdown"),
    ("Do not use Markdown.", "Present the answer as a table.", "table vs no Markdown"),
    ("Write in ALL CAPS.", "Always write in lowercase.", "upper case vs lower case"),
    ("Use a formal register.", "Keep it casual.", "formal tone vs casual tone"),
    ("Never use emojis.", "Always use emojis.", "emoji vs no emoji"),
    ("Do not call any tools.", "Always call the search tool.", "call search vs never any tool"),
    ("IMPORTANT: you must always respond in French.", "It is important that you always answer in English.",
     "French vs English"),
    ("Never discuss competitor pricing.", "Compare vendor prices, competitors included.",
     "topic competitor/price required and forbidden"),
])
def test_conflicts(higher: str, lower: str, reason: str) -> None:
    first, second = pair(higher, lower)
    assert conflict(first, second) == reason
    assert conflict(second, first) is not None


@pytest.mark.parametrize(("higher", "lower"), [
    ("Be concise.", "Keep answers under 50 words."),  # a refinement
    ("Keep answers under 100 words.", "Keep answers under 50 words."),  # a narrower interval
    ("Keep answers under 50 words.", "Keep answers under 100 words."),  # overlapping, either way
    ("Answer in the user's language.", "Use a formal register."),  # another slot
    ("Be concise.", "Be thorough."),  # a style, not numbers
    ("Always answer in English.", "If the user writes in Spanish, answer in Spanish."),  # conditional
    ("Reply in at most two sentences.", "Write at least 30 words."),  # two long sentences can hold 30 words
    ("Respond in plain text.", "Do not use Markdown."),
    ("Never discuss competitor pricing.", "Quote our own list prices."),
    ("Never discuss pricing.", "You may quote prices from the price list."),  # relaxes, not a conflict
    ("You are Ava.", "You are Max."),  # persona never conflicts
    ("Use Markdown formatting where helpful.", "Respond only with valid JSON."),  # conditional
])
def test_no_conflict(higher: str, lower: str) -> None:
    first, second = pair(higher, lower)
    assert conflict(first, second) is None
    assert conflict(second, first) is None


def test_different_conditions_never_conflict() -> None:
    first, second = extract("For billing questions reply in at most two sentences.\n"
                            "For troubleshooting questions write at least 300 words.")
    assert first.condition != second.condition
    assert conflict(first, second) is None


@pytest.mark.parametrize(("higher", "lower", "expected"), [
    ("Never discuss pricing.", "You may quote prices from the price list.", True),
    ("Never discuss competitor pricing.", "Compare vendor prices, competitors included.", True),
    ("Never discuss competitor pricing.", "You may discuss rival prices.", True),
    ("Never discuss competitor pricing.", "Quote our own list prices.", False),
    ("Never use emojis.", "You may use emojis.", True),
    ("Do not use Markdown.", "You can use Markdown tables.", True),
    ("Do not call any tools.", "Use the search tool.", True),
    ("Never discuss pricing.", "Refer pricing questions to sales@example.com.", False),
    ("Never discuss pricing.", "Never discuss pricing.", False),
    ("Never use emojis.", "If the user writes with emojis, you may use emojis.", True),  # an exception relaxes
    ("Do not use Markdown.", "Use Markdown tables for product comparisons.", True),
    ("If the user is upset, never use emojis.", "If the user is happy, you may use emojis.", False),
    ("If the user is upset, never use emojis.", "You may use emojis.", True),
    ("Always answer in English.", "Always answer in English.", False),
])
def test_relaxes(higher: str, lower: str, expected: bool) -> None:
    found_higher, found_lower = extract(higher), extract(lower)
    assert found_higher, higher
    assert any(relaxes(found_higher[0], each) for each in found_lower) is expected


def test_redundant() -> None:
    first, second = pair("Always answer in English.", "Always answer in English!")
    assert redundant(first, second)
    first, second = pair("Always answer in English.", "If asked, always answer in English.")
    assert not redundant(first, second)
    first, second = pair("Always answer in English.", "Never answer in English.")
    assert not redundant(first, second)


def test_directives_pickle() -> None:
    found = extract("Always answer in English. Reply in at most two sentences. Never discuss competitor pricing.")
    assert len(found) == 3
    assert pickle.loads(pickle.dumps(found)) == found


# --- PL304 --------------------------------------------------------------------------------------

def test_pl304_places_the_finding_on_the_later_directive() -> None:
    text = ("id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: |\n"
            "      Always answer in English.\n      Help with bookings.\n      Always respond in French.\n")
    report = lint_source(text, "t.prompt.yaml", select_rules(load_rules(), Config(root=Path("."), select=["PL304"])))
    assert [(r.rule_id, r.location.start_line, r.location.start_column) for r in report.results] == [("PL304", 8, 7)]
    result = report.results[0]
    assert "'Always respond in French.'" in result.message and "'Always answer in English.'" in result.message
    assert [(r.location.start_line, r.location.start_column) for r in result.related] == [(6, 7)]


def test_a_permission_narrower_than_the_prohibition_does_not_lift_it() -> None:
    higher = one("Never discuss competitor pricing.")
    assert relaxes(higher, one("Compare vendor prices, competitors included."))
    assert not relaxes(higher, one("You may discuss our pricing."))
    assert relaxes(one("Never discuss pricing."), one("You may discuss our pricing."))
