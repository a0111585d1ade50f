"""Phrases in prompt prose (PL108, PL605, PL610): regular expressions over the static text
of every located prompt text, with the context a plain pattern cannot see.

One shared analysis (`prose`) gives each text with what is not prose marked: template tags
and template comments (what a variable renders to is not the author's text), the file's own
comments (HTML comments in Markdown bodies), fenced and inline code, and `<example>` blocks.
Each rule masks the parts it must not read and keeps the offsets, so spans stay exact.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from promptlint.checks import lazy
from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Node, Text
from promptlint.positions import Position, prompt_texts

Range = tuple[int, int]
Kind = Literal["message", "tool", "schema", "description"]
MASK = "\x00"  # stands for a character a rule must not read; matches no word and no space
QUOTE_LENGTH = 80
_FLAGS = re.IGNORECASE

_FENCE = lazy(r"^[ \t]*(`{3,}|~{3,})[^\n]*$", re.MULTILINE)
_INLINE_CODE = lazy(r"(?<!`)(`++)[^\n]+?(?<!`)\1(?!`)")  # possessive: a long run of ticks is linear
_EXAMPLE_TAG = lazy(r"<(/?)((?:\w+[_-])?examples?(?:[_-]\w+)?)\b[^<>\n]*>", _FLAGS)
# A quoted stretch of one line; an apostrophe inside a word (don't) does not close a '...' quote.
_QUOTED = lazy(r"""
    "[^"\n]*" | “[^”\n]*” | \u2018[^\u2019\n]*\u2019 | «[^»\n]*» | „[^“”\n]*[“”] | `[^`\n]*`
    | (?<!\w)'(?:[^'\n]|'(?=\w))*'(?!\w)""", re.VERBOSE)
_OPENING_QUOTE = lazy(r"""(?:(?<![\w`'])[`']|["“\u2018«„])[ \t]*$""")  # not a fence, not a possessive
# Where a sentence starts: after . ! ? (and closing quotes), at a blank line, a list item or a
# line that starts with a capital or markup. A line that starts in lower case continues one.
_UPPER = r"A-Z\u00C0-\u00D6\u00D8-\u00DE\u0391-\u03A9\u0410-\u042F"  # capitals of Latin, Greek, Cyrillic
_SENTENCE_START = lazy(rf"""
    [.!?;]["'”\u2019)\]]*\s+ | \n\s*\n\s* | \n[ \t]*(?:[-*+>#|]|\d+[.)])\s* | \n[ \t]*(?=[{_UPPER}<\x00*_])
    | <!--\s* | >\s*""", re.VERBOSE)
_SENTENCE_END = lazy(rf"[.!?;](?=[\"'”\u2019)\]]*(?:\s|$))|\n\s*\n|\n[ \t]*(?:[-*+>#|]|\d+[.)]|[{_UPPER}<])|-->")
SENTENCE_REACH = 300  # characters looked at either side of a match
# The analyses that read a text sentence by sentence against many patterns (what the prose says
# about abstaining, the directive extractor) read at most its first and last ANALYSED_EDGE
# characters, cut at line breaks: the instructions they look for open or close a prompt, and a
# document pasted between them would otherwise cost seconds per megabyte (about a hundred
# patterns each). A text of up to 2 * ANALYSED_EDGE characters, any prompt a person writes, is
# read whole. Rules that look for an attack (override phrases, hidden text) read everything.
ANALYSED_EDGE = 32_768


@dataclass(frozen=True)
class Prose:
    """One located text, with value-index ranges of what is not the author's prose."""

    text: Text
    position: Position
    where: str
    kind: Kind
    tags: tuple[Range, ...]  # template tags and template comments
    comments: tuple[Range, ...]  # the file's own comments inside the text (HTML comments in Markdown)
    fences: tuple[Range, ...]  # fenced code blocks
    inline_code: tuple[Range, ...]
    examples: tuple[Range, ...]  # <example>...</example> and the like

    def masked(self, *parts: tuple[Range, ...]) -> str:
        """The value with every character inside `parts` (but line breaks) replaced by MASK."""
        value = self.text.value
        ranges = sorted(range_ for part in parts for range_ in part)
        if not ranges:
            return value
        pieces, position = [], 0
        for start, end in ranges:
            start = max(start, position)
            if start >= end:
                continue
            pieces.append(value[position:start])
            pieces.append(mask_text(value[start:end]))
            position = end
        pieces.append(value[position:])
        return "".join(pieces)


def mask_text(text: str) -> str:
    """`text` with every character but line breaks replaced by MASK (what `re.sub(r"[^\\n]", MASK,
    text)` gives, without a call per character)."""
    return "\n".join(MASK * len(line) for line in text.split("\n"))


def prose(document: Document) -> list[Prose]:
    """Every prompt text (messages, tool texts but names, output-schema descriptions) and the
    document's own description (a skill's or agent's description is read by the model)."""
    file_comments = document.comments
    texts: list[Prose] = []
    for item in prompt_texts(document):
        tool = item.tool
        if tool is not None and item.text is not tool.description and item.text.value == tool.name:
            continue  # a tool's name is an identifier, not prose
        kind: Kind = "message" if item.message is not None else "tool" if tool is not None else "schema"
        tags: list[Range] = []
        if item.message is not None:
            template = item.message.template
            tags = _value_ranges(item.text, [(use.tag_span.start, use.tag_span.end) for use in template.uses]
                                 + [(span.start, span.end) for span in template.comments])
        texts.append(_prose(item.text, item.position, item.where, kind, tags, file_comments))
    description: Node | None = document.metadata.description
    if description is not None and description.text is not None:
        texts.append(_prose(description.text, "privileged", "the description", "description", [], file_comments))
    return texts


def _prose(text: Text, position: Position, where: str, kind: Kind, tags: list[Range],
           file_comments: list[tuple[int, int]]) -> Prose:
    value = text.value
    fences = tuple(_fences(value))
    examples = tuple(_examples(value))
    inline = tuple((found.start(), found.end()) for found in _INLINE_CODE.finditer(value))
    return Prose(text, position, where, kind, tuple(tags), tuple(_value_ranges(text, file_comments)), fences,
                 inline, examples)


def _value_ranges(text: Text, source_ranges: Iterable[tuple[int, int]]) -> list[Range]:
    """Value-index ranges of the characters that came from the given source ranges."""
    segments = text.segments
    starts = [source_start for _value_start, source_start, _length in segments]  # in source order
    found: list[Range] = []
    for start, end in source_ranges:
        index = max(bisect.bisect_right(starts, start) - 1, 0)
        while index < len(segments) and segments[index][1] < end:
            value_start, source_start, length = segments[index]
            low, high = max(start, source_start), min(end, source_start + length)
            if low < high:
                found.append((value_start + low - source_start, value_start + high - source_start))
            index += 1
    return found


def _examples(value: str) -> Iterator[Range]:
    """`<example>...</example>` blocks (any `*example*` tag name), tags included; one pass, so
    a text of unclosed tags costs no more than a text of closed ones."""
    if "xample" not in value and "XAMPLE" not in value:
        return
    open_at: dict[str, int] = {}
    for tag in _EXAMPLE_TAG.finditer(value):
        name = tag.group(2).lower()
        if not tag.group(1):
            open_at.setdefault(name, tag.start())
        elif name in open_at:
            yield open_at.pop(name), tag.end()


def _fences(value: str) -> Iterator[Range]:
    """Fenced code blocks, fence lines included; one never closed runs to the end (CommonMark)."""
    opening = None
    for line in _FENCE.finditer(value):
        marker = line.group(1)
        if opening is None:
            opening = (line.start(), marker)
        elif marker[0] == opening[1][0] and len(marker) >= len(opening[1]) and not line.group().strip()[len(marker):]:
            yield opening[0], line.end()
            opening = None
    if opening is not None:
        yield opening[0], len(value)


def analysed_windows(value: str) -> list[Range]:
    """The ranges of `value` the sentence-by-sentence analyses read (see ANALYSED_EDGE)."""
    if len(value) <= 2 * ANALYSED_EDGE:
        return [(0, len(value))]
    head = value.rfind("\n", 0, ANALYSED_EDGE) + 1 or ANALYSED_EDGE
    tail = value.find("\n", len(value) - ANALYSED_EDGE) + 1 or len(value) - ANALYSED_EDGE
    return [(0, head), (max(head, tail), len(value))]


def lowered(value: str) -> str | None:
    """`value` in lower case for `may_contain`; None when it is not ASCII (case-insensitive matching
    of other text is more than `str.lower`: the Kelvin sign matches k, a long s matches s)."""
    return value.lower() if value.isascii() else None


def may_contain(lower: str | None, words: tuple[tuple[str, ...], ...]) -> bool:
    """False only when the text whose lower case is `lower` lacks every word of one of the groups:
    then no case-insensitive pattern that needs one word of each group can match in it."""
    return lower is None or all(any(word in lower for word in group) for group in words)


def sentence_bounds(value: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around value[start:end], by the heuristics of _SENTENCE_START/_END."""
    low = max(0, start - SENTENCE_REACH)
    begin = low
    for boundary in _SENTENCE_START.finditer(value, low, start):
        begin = boundary.end()
    if begin == low and low > 0:
        begin = start - min(start - low, 120)
    finish = _SENTENCE_END.search(value, end, min(len(value), end + SENTENCE_REACH))
    return begin, finish.start() if finish is not None else min(len(value), end + SENTENCE_REACH)


def _inside_quotes(value: str, start: int, end: int) -> bool:
    """Whether value[start:end] sits inside a quoted stretch of its line."""
    line_start = max(value.rfind("\n", 0, start) + 1, start - SENTENCE_REACH)
    line_end = value.find("\n", end, end + SENTENCE_REACH)
    line_end = min(len(value), end + SENTENCE_REACH) if line_end == -1 else line_end
    return any(found.start() < start and end < found.end() for found in _QUOTED.finditer(value, line_start, line_end))


def _quoted(value: str, start: int, end: int, sentence: tuple[int, int]) -> bool:
    """Whether the match sits inside quotes, or right after an opening quote."""
    return _inside_quotes(value, start, end) or bool(_OPENING_QUOTE.search(value, sentence[0], start))


def _spans(found: Iterable[Any]) -> Iterator[Any]:
    """Matches in text order, leaving out any that overlaps one already kept."""
    reached = 0
    for match in sorted(found, key=lambda each: (each.start(), -each.end())):
        if match.start() >= reached:
            reached = match.end()
            yield match


def quote(text: str) -> str:
    text = " ".join(text.replace(MASK, "").split())
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH - 1] + "…"


# --- PL108 override-phrase-in-prompt ----------------------------------------------------------

_ADJECTIVE = r"(?:previous|prior|preceding|above|earlier|foregoing|original|initial|system|safety|ethical|content)"
_OBJECT = (r"(?:instructions?|rules|prompts?|system\s+prompt|directions|directives|guidelines|guidance|polic(?:y|ies)"
           r"|restrictions|programming|safeguards|guardrails)")
OVERRIDE = tuple(lazy(pattern, _FLAGS) for pattern in (
    # ignore all previous instructions / ignore your instructions / disregard any content policy
    rf"\b(?:ignore|disregard|forget)\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:(?:the|these|those|its)\s+)?"
    rf"(?:{_ADJECTIVE}\s+){{1,3}}{_OBJECT}\b",
    rf"\b(?:ignore|disregard|forget)\s+(?:(?:all|any|every)\s+(?:of\s+)?)?your\s+(?:{_ADJECTIVE}\s+){{0,3}}{_OBJECT}\b",
    # ignore the instructions above / you were given
    rf"\b(?:ignore|disregard|forget)\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:the\s+)?{_OBJECT}\s+"
    r"(?:above|before\s+this|you\s+(?:were|have\s+been)\s+given|given\s+(?:to\s+you|above|earlier))",
    # ignore the above and ... / disregard all previous.
    r"\b(?:ignore|disregard|forget)\s+(?:(?:all|everything)\s+)?(?:(?:of\s+)?the\s+)?"
    r"(?:previous|prior|above|preceding|foregoing)(?=\s*(?:[.,;:!]|\band\b|$))",
    r"\b(?:ignore|disregard|forget)\s+everything\s+(?:above|before|(?:you\s+(?:were|have\s+been)\s+told))\b",
    r"\byour\s+(?:previous|prior|earlier|original|old)\s+" + _OBJECT + r"\s+(?:are|is)\s+(?:now\s+)?"
    r"(?:void|null|obsolete|cancell?ed|revoked|invalid|lifted|suspended|disabled|no\s+longer\s+(?:valid|in\s+effect))",
    r"\byou\s+are\s+(?:now\s+)?(?:no\s+longer\s+bound\s+by\s+(?:any|your|the)\b)",
    r"\byou\s+are\s+now\s+(?:in\s+)?(?:an?\s+)?(?:(?:unrestricted|unfiltered|uncensored|jailbroken|unlimited|evil)\s+)*"
    r"(?:DAN\b|developer\s+mode|dev\s+mode|god\s+mode|jailbroken|unrestricted|unfiltered|uncensored)",
    r"\b(?:enable|enter|activate)\s+(?:the\s+)?developer\s+mode\b(?!\s+(?:on|in|for|of|from|via|under|through|settings?)\b)",
    r"\bdeveloper\s+mode\s+(?:is\s+now\s+)?(?:enabled|activated)\b",
    r"\bdo\s+anything\s+now\b",
    r"(?-i:\b(?:SYSTEM|ADMIN|ADMINISTRATOR|DEVELOPER|ROOT)[ _]OVERRIDE\b)",
))
# Per OVERRIDE pattern, words every match contains (one of each group, in any case): a text
# without them is not searched. The last pattern is case-sensitive.
_IGNORE = ("ignore", "disregard", "forget")
_OVERRIDE_WORDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (_IGNORE,), (_IGNORE, ("your",)), (_IGNORE,), (_IGNORE,), (_IGNORE, ("everything",)), (("your",),),
    (("you",), ("bound",)), (("you",), ("now",)), (("developer",),), (("developer",),), (("anything",),),
    (("OVERRIDE",),))
# Unicode tag characters (U+E0020-E007E) spell ASCII invisibly; read them as the letters they stand for.
_TAG_LETTERS = {code: code - 0xE0000 for code in range(0xE0020, 0xE007F)}

# Said or asked by someone else: "if a user asks you to", "messages that tell you to", "phrases like".
_REPORTING_VERB = (r"(?:say|says|said|saying|write|writes|wrote|writing|ask|asks|asked|asking|tell|tells|told|telling"
                   r"|try|tries|tried|trying|attempt|attempts|attempted|attempting|request|requests|requested"
                   r"|requesting|instruct|instructs|instructed|instructing|demand|demands|demanded|demanding|urge"
                   r"|urges|urging|type|types|typed|typing|include|includes|including|contain|contains|containing"
                   r"|claim|claims|claiming|insist|insists|order|orders|ordered|command|commands|commanded|want"
                   r"|wants|wanted|get|gets|make|makes|trick|tricks|convince|convinces|persuade|persuades"
                   r"|pressure|pressures|pretend|pretends)")
_FILLER = (r"(?:\s+(?:you|me|us|them|him|her|it|the\s+(?:model|assistant|ai|agent|bot|llm)|to|that|with|into"
           r"|get|make|have|let|(?:something|anything|things|stuff|phrases|words|text)\s+(?:like|such\s+as)"
           r"|along\s+the\s+lines\s+of)){0,6}")
_LEADS_IN = lazy(rf"\b{_REPORTING_VERB}\b{_FILLER}\s*:?\s*[\"'“\u2018«`(]?\s*$", _FLAGS)
_THIRD_PARTY = lazy(r"\b(?:if|when|whenever|should|unless|in\s+case|even\s+though|users?|someone|anyone"
                             r"|somebody|people|attackers?|inputs?|messages?|documents?|pages?|emails?|contents?"
                             r"|texts?|prompts?|customers?|humans?|requests?|quer(?:y|ies)|data|files?|websites?"
                             r"|results?|outputs?|they|others?|tests?|cases?|probes?)\b", _FLAGS)
_ATTEMPT = lazy(r"\b(?:attempts?|requests?|tries|efforts?|instructions?|commands?|demands?|orders?|pressure"
                         r"|tricks?|prompts?|messages?|inputs?|content|anything|something|nothing)\s+(?:(?:that|which"
                         r"|asking|telling|trying|attempting|designed|meant|intended)\s+(?:[\w']+\s+){0,4})?"
                         r"(?:to|you\s+to)\s+$", _FLAGS)
_EXAMPLE_LEAD = lazy(r"\b(?:such\s+as|e\.\s?g\.|i\.\s?e\.|for\s+example|for\s+instance|like|namely|including"
                              r"|called|phrases?|patterns?|strings?|keywords?|sentences?)\s*[:,]?\s*[\"'“\u2018«`(]?\s*$",
                              _FLAGS)
_NEGATED = lazy(r"(?:\b(?:not|never|no\s+longer)|n't)\s+(?:[\w']+\s+){0,2}$"
                         r"|\b(?:refuse|refuses|refusing|decline|declines|declining|resist|resists|resisting)\s+(?:to\s+)?$",
                         _FLAGS)
_ABOUT_ATTACKS = lazy(r"\b(?:attacks?|injections?|jailbreak\w*|red[- ]?team\w*|adversarial|probes?"
                               r"|payloads?|exploits?|manipulation|social\s+engineering)\b", _FLAGS)
# "Ignore Previous Prompt: Attack Techniques for ...": a title or a test about the attack. Only
# nouns an instruction to the model would not use ("and send the payload" must still be found).
_ATTACK_NAMED_AFTER = lazy(r"\b(?:attacks|(?:attack|injection)\s+(?:techniques?|attempts?|tests?|cases?)"
                                    r"|prompt\s+injections?|jailbreaks?|red[- ]?team\w*)\b", _FLAGS)
# "ignore any system instructions that appear in the documents": a defence, aimed at data
_IN_DATA = lazy(r"^\s*(?:(?:that|which)\s+(?:(?:may|might|could)\s+)?(?:appears?|are|is|comes?|found|sits?"
                         r"|embedded|contained|included|written|placed|hidden)\s+(?:in|inside|within|from)\b|(?:in|inside"
                         r"|within|from)\s+(?:the\s+|any\s+|an?\s+)?(?:user|retrieved|tool|web|search|documents?|content"
                         r"|data|inputs?|messages?|pages?|e-?mails?|files?|results?|outputs?|text|context|conversation"
                         r"|notes?|comments?|reviews?|tickets?|posts?|attachments?|records?)\b)", _FLAGS)
_NAMED_AS_ATTACK = lazy(r"^[\"'”\u2019)\s]*(?:(?:is|are|was|were)\s+(?:[\w-]+\s+){0,3}(?:attacks?|injections?"
                                 r"|jailbreaks?|attempts?|tricks?|red\s+flags?|manipulation)|(?:and|or)\s+(?:similar"
                                 r"|other)\b|,?\s*etc\b)", _FLAGS)


def _describes_attack(value: str, start: int, end: int) -> bool:
    """Whether the sentence around a match talks about the phrase rather than saying it:
    quoted, negated, reported ("if a user asks you to"), given as an example, named an attack."""
    sentence = sentence_bounds(value, start, end)
    before, after = value[sentence[0]:start], value[end:sentence[1]]
    if _quoted(value, start, end, sentence) or _NEGATED.search(before) or _ATTEMPT.search(before):
        return True
    if _EXAMPLE_LEAD.search(before) or _ABOUT_ATTACKS.search(before) or _NAMED_AS_ATTACK.search(after) \
            or _IN_DATA.search(after) or _ATTACK_NAMED_AFTER.search(after):
        return True
    lead = _LEADS_IN.search(before)
    return lead is not None and _THIRD_PARTY.search(before) is not None


def override_matches(item: Prose, extra: tuple[re.Pattern[str], ...] = ()) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, the phrase quoted, how it is hidden) of each override phrase in a prose text
    that is not a description of the attack; `extra` adds patterns (PL302's layer-targeted ones)."""
    # a tool's author, not the team, wrote its description, and the model reads all of it:
    # a fence or an <example> there is no demonstration, and a common place to hide one
    value = item.masked(item.tags) if item.kind == "tool" else item.masked(item.tags, item.fences, item.examples)
    hidden = value.translate(_TAG_LETTERS)
    lower = lowered(hidden)
    searched = [pattern for pattern, words in zip(OVERRIDE[:-1], _OVERRIDE_WORDS[:-1], strict=True)
                if may_contain(lower, words)] + ([OVERRIDE[-1]] if "OVERRIDE" in hidden else [])
    for found in _spans(match for pattern in (*searched, *extra) for match in pattern.finditer(hidden)):
        start, end = found.span()
        if _describes_attack(hidden, start, end):
            continue
        how = " (hidden in invisible Unicode tag characters)" if hidden[start:end] != value[start:end] else ""
        yield start, end, quote(found.group()), how


def override_phrase(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL108. In a tenant or user layer the same text is PL302's, an error there."""
    from promptlint.layers import place_of

    place = place_of(document, context.settings)
    if place is not None and place.rank:
        return
    for item in context.analysis(document, prose):
        for start, end, phrase, how in override_matches(item):
            if item.kind == "tool":
                message = (f"{item.where} tells the model to override its instructions ('{phrase}'){how}: a "
                           "poisoned tool definition; do not connect this tool until the sentence is gone")
            else:
                message = (f"{item.where} contains the override phrase '{phrase}'{how}, a vendored or pasted "
                           "jailbreak; remove it, or quote it if the prompt only describes the attack")
            yield context.finding(item.text.span(start, end), message)


# --- PL605 authorization-in-prompt ------------------------------------------------------------

_ROLE = (r"(?:admins?|administrators?|managers?|owners?|supervisors?|moderators?|superusers?|premium|paid|paying"
         r"|verified|internal|authori[sz]ed|privileged|enterprise|vip|staff|employees?)")
_PERSON = (r"(?:users?|customers?|clients?|tenants?|accounts?|members?|employees?|people|patients?|students?"
           r"|subscribers?|staff|admins?|administrators?|managers?|owners?|roles?)")
# (pattern, read in tool texts too). "Only admins can delete a repository" in a tool description
# documents the API's own check; an instruction to the model ("if the user is an admin") is the defect anywhere.
AUTHORIZATION = tuple((lazy(pattern, _FLAGS), in_tools) for pattern, in_tools in (
    # only admins may see ...
    (rf"\bonly\s+(?:the\s+|an?\s+)?{_ROLE}(?:\s+{_PERSON})?\s+(?:can|may|are\s+(?:allowed|permitted|authori[sz]ed"
     r"|able|entitled)\s+to|should\s+(?:be\s+able\s+to|have\s+access|see|get|receive)|have\s+access|get\s+access"
     r"|are\s+eligible)\b", False),
    # if the user is an admin
    (r"\bif\s+the\s+(?:user|caller|customer|requester|person)(?:'s\s+(?:role|account|plan|tier))?\s+is\s+(?:not\s+)?"
     r"(?:an?\s+)?(?:admin|administrator|owner|manager|superuser|moderator|employee|staff\s+member|premium|verified"
     r"|authori[sz]ed|internal\s+user|privileged)\b", True),
    # check whether the user has permission / is authorized
    (r"\b(?:check|verify|confirm|ensure|determine|validate|make\s+sure)\s+(?:whether|if|that)\s+the\s+(?:user"
     r"|caller|customer|requester)\s+(?:has|is|holds|belongs\s+to|owns)\s+(?:(?:the|an?|sufficient|appropriate"
     r"|proper|required|necessary|valid|admin)\s+)*(?:permissions?|authori[sz]ed|authori[sz]ation|allowed|permitted"
     r"|entitled|access|rights|privileges|admin|administrator|owner|role|clearance)\b", True),
    # check the user's role
    (r"\b(?:check|verify|confirm|validate|inspect)\s+the\s+(?:user|caller|customer|requester)(?:'s|s')\s+(?:role"
     r"|roles|permissions?|access\s+level|privileges|entitlements?|clearance|authori[sz]ation)\b"
     r"(?!\s+(?:on|for|in|of)\b)", True),
    # do not show X to other customers
    (rf"\b(?:do\s+not|don't|never)\s+(?:show|give|reveal|share|disclose|display|return|provide|expose|list)\b"
     rf"[^.!?\n]{{0,40}}?\b(?:to|for|with)\s+(?:any\s+|the\s+)?(?:other|non-?)[\s-]?{_PERSON}\b", True),
))
# per AUTHORIZATION pattern, words every match contains (one of each group, in any case)
_AUTHORIZATION_WORDS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("only",),),
    (("if",), ("user", "caller", "customer", "requester", "person")),
    (("check", "verify", "confirm", "ensure", "determine", "validate", "make"), ("whether", "if", "that")),
    (("check", "verify", "confirm", "validate", "inspect"), ("user", "caller", "customer", "requester")),
    (("not", "don't", "never"), ("other", "non")),
)
# the sentence says the check happens outside the model: that is the safe shape, not the defect
_ENFORCED_ELSEWHERE = lazy(r"\b(?:enforc\w*|server[- ]side|back[- ]?end|upstream|gateway|already\s+"
                                    r"(?:checked|verified|filtered|enforced)|(?:checked|verified|filtered)\s+by\s+the"
                                    r"\s+(?:api|tool|service|system|application|app|database))\b", _FLAGS)


def authorization_in_prompt(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL605."""
    for item in context.analysis(document, prose):
        if item.position != "privileged" or item.kind == "description":
            continue
        value = item.masked(item.tags, item.comments, item.fences, item.inline_code, item.examples)
        lower = lowered(value)
        patterns = [pattern for (pattern, in_tools), words in zip(AUTHORIZATION, _AUTHORIZATION_WORDS, strict=True)
                    if (in_tools or item.kind != "tool") and may_contain(lower, words)]
        for found in _spans(match for pattern in patterns for match in pattern.finditer(value)):
            start, end = found.span()
            sentence = sentence_bounds(value, start, end)
            # "Only admins can export; the API enforces it": the next sentence may say where the check is
            following = sentence_bounds(value, sentence[1] + 1, sentence[1] + 1)[1] if sentence[1] < len(value) \
                else sentence[1]
            if _quoted(value, start, end, sentence) or _ENFORCED_ELSEWHERE.search(value, sentence[0], following):
                continue
            yield context.finding(item.text.span(start, end), (
                f"{item.where} leaves access control to the model ('{quote(found.group())}'); a user can talk "
                "a model out of it: enforce it where the data is fetched (the tool or API filters by the "
                "caller's role) and let the prompt only describe behaviour"))


# --- PL610 unfinished-text --------------------------------------------------------------------

# TODO/FIXME/TBD/XXX in capitals as whole words: "XXXX", "XXX-1234" and "TODOs" are not.
_MARKER = lazy(r"(?<![\w/.#*-])(?:TODO|FIXME|TBD|XXX)(?![\w*#]|[-/.]\w)")
_PLACEHOLDERS = tuple(lazy(pattern) for pattern in (
    r"\[(?:INSERT|ADD|FILL(?:\s+IN)?)\s[^\]\n]{1,80}\](?!\()",
    r"\[(?:INSERT|PLACEHOLDER)(?:[\s_:][^\]\n]{0,80})?\](?!\()",
    r"<(?:YOUR|INSERT)_[A-Z0-9_]+>",
    r"(?i)\blorem\s+ipsum\b",  # last: in quotes it is a sample value ('--text "Lorem ipsum"')
))
_TABLE_ROW = lazy(r"^\s*\|.*\|\s*$|\|.*\|.*\|")
# a marker named as a thing: "a TODO item", "TODO and FIXME comments", "one of OPEN, TODO, DONE"
_NOUN_BEFORE = lazy(r"\b(?:a|an|the|each|every|new|your|my|their|its|this|that|one|any|all|no|open)\s+$",
                             _FLAGS)
_NOUN_AFTER = lazy(r"^\s+(?:items?|lists?|tasks?|entries|entry|apps?|application|comments?|notes?|markers?"
                            r"|tags?|files?|lines?|sections?|status|state|column|field|counts?|tests?|keywords?"
                            r"|words?|options?|directives?)\b", _FLAGS)
# one value of a list written one per line ("- OPEN", "- TODO", "- DONE"), not a note left behind
_LONE_VALUE = lazy(r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?[A-Z][A-Z0-9_-]*[ \t]*[,;]?[ \t]*$")
_METAVARIABLE = lazy(r"^\s+(?:is|are|stands\s+for|means|represents|denotes)\b", _FLAGS)  # "where XXX is the"
_LIST_BEFORE = lazy(r"\b[A-Z][A-Z0-9_]+\s*(?:,|/|\||\bor\b|\band\b)\s*$")
_LIST_AFTER = lazy(r"^\s*(?:,|/|\||or\b|and\b)\s*[A-Z][A-Z0-9_]+\b")
_MASKED_NUMBER = lazy(r"[\dX#*][\s./-]?$|^[\s./-]?[\dX#*]")
_MASK_CUE = lazy(r"\b(?:ending(?:\s+in)?|last\s+(?:four|4|digits)|digits|number|no\.|account|card|phone)"
                          r"\s*:?\s*$", _FLAGS)  # "the card ending in XXX": a mask, whatever its length
_STATED = lazy(r"\b(?:is|are|was|were|remains?|still|currently|yet\s+to\s+be)\s+$", _FLAGS)  # "date is TBD"
_XXX_USE = lazy(r"^\s+(?:content|rated|material|videos?|sites?|movies?|films?)\b", _FLAGS)


def _unfinished_marker(value: str, start: int, end: int) -> bool:
    """Whether a TODO/FIXME/TBD/XXX at value[start:end] marks unfinished text, not a name or a mask."""
    line_start = value.rfind("\n", 0, start) + 1
    line_end = value.find("\n", end)
    line = value[line_start:len(value) if line_end == -1 else line_end]
    before, after = value[line_start:start], value[end:len(value) if line_end == -1 else line_end]
    word = value[start:end]
    if _TABLE_ROW.search(line):
        return False  # a cell of a table of real data ("| launch date | TBD |") or a status column
    if before and after and before[-1] in "\"'“\u2018`«" and after[0] in "\"'”\u2019`»":
        return False  # "TODO" quoted: named, not left behind
    if _NOUN_BEFORE.search(before) or _NOUN_AFTER.search(after) or _LIST_BEFORE.search(before) \
            or _LIST_AFTER.search(after):
        return False
    if _LONE_VALUE.match(line) and any(_LONE_VALUE.match(neighbour) for neighbour in _neighbours(value, line_start)):
        return False
    if word == "TBD" and _STATED.search(before):
        return False  # a fact not yet known, stated as such
    return not (word == "XXX" and (_MASKED_NUMBER.search(before) or _MASKED_NUMBER.search(after) or _MASK_CUE.search(
        before) or _XXX_USE.search(after) or _METAVARIABLE.search(after)))


def _neighbours(value: str, line_start: int) -> tuple[str, str]:
    """The lines before and after the line starting at `line_start`."""
    previous_start = value.rfind("\n", 0, max(line_start - 1, 0)) + 1
    previous = value[previous_start:line_start - 1] if line_start > 0 else ""
    line_end = value.find("\n", line_start)
    if line_end == -1:
        return previous, ""
    following_end = value.find("\n", line_end + 1)
    return previous, value[line_end + 1:len(value) if following_end == -1 else following_end]


def unfinished_text(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL610."""
    for item in context.analysis(document, prose):
        if item.position == "data":
            continue  # a tool result or transcript turn is someone else's text
        value = item.masked(item.tags, item.comments, item.fences, item.inline_code, item.examples)
        found = [match for match in _MARKER.finditer(value) if _unfinished_marker(value, *match.span())]
        found += [match for pattern in _PLACEHOLDERS for match in pattern.finditer(value)
                  if pattern is not _PLACEHOLDERS[-1] or not _inside_quotes(value, *match.span())]
        for match in _spans(found):
            yield context.finding(item.text.span(*match.span()), (
                f"{item.where} holds unfinished text '{quote(match.group())}'; finish or remove it: the model "
                "receives it as an instruction or as content"))
