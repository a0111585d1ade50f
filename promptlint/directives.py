"""The directive extractor (catalog §3.3): what a prompt tells the model to do, as comparable data.

Each sentence (bullet, `;` clause) of the privileged and user-message prose of a document is read
for a polarity (must, must_not, may, should), a condition ("if ...", "for billing questions") and
slots with a closed value grammar (language, format, length, case, tone, emoji, links, tool-use,
persona, topic). Deterministic and English only: a sentence with no English marker yields nothing,
so other languages stay silent rather than wrong. Word lists live in `promptlint/lexicons/`.

`conflict`, `relaxes` and `redundant` compare two directives (PL301/PL304, PL303, PL307).
Persona directives are extracted but never conflict: whether an identity is fixed is not
something a sentence says reliably, so that note-level check is left to a later rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, TypeAlias

from promptlint.checks import lazy
from promptlint.checks.phrases import MASK, analysed_windows, mask_text, prose
from promptlint.model import Document, Span, per_document

Polarity = str  # "must", "must_not", "may", "should"
Length: TypeAlias = "tuple[str, int, int | None]"  # (unit, lo, hi): hi None when unbounded
# a Length; a frozenset of stems for topics; a string otherwise ("english", "json", "concise")
Value: TypeAlias = "str | Length | frozenset[str]"

REQUIRING = ("must", "should")
EXCLUSIVE_FORMATS = frozenset({"json", "yaml", "csv", "xml", "html", "markdown", "plain-text"})
MARKDOWN_FORMATS = frozenset({"markdown", "table"})  # what "no Markdown" forbids
# Words per unit, (fewest, most): two lengths in different units conflict only when they stay
# apart under the most generous conversion.
WORDS_PER_UNIT = {"words": (1.0, 1.0), "tokens": (0.5, 1.0), "characters": (0.1, 0.34), "sentences": (3.0, 40.0),
                  "lines": (1.0, 25.0), "bullets": (1.0, 40.0), "paragraphs": (20.0, 250.0)}
OPPOSITES = {("upper", "lower"), ("formal", "casual")}


@dataclass(frozen=True)
class Directive:
    slot: str
    polarity: Polarity
    value: Value
    condition: str | None  # normalised condition clause; None when unconditional
    span: Span  # the clause in the file
    text: str  # the clause as written
    message_index: int | None


# --- lexicons ---------------------------------------------------------------------------------

def _lines(name: str) -> Iterator[str]:
    for line in resources.files("promptlint.lexicons").joinpath(name).read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


@cache
def _sections(name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    section = ""
    for line in _lines(name):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            found.setdefault(section, [])
        else:
            found[section].append(line)
    return found


def _words(section: str) -> list[str]:
    return _sections("directives-words.txt")[section]


def _pairs(section: str) -> dict[str, str]:
    return dict((key.strip(), value.strip()) for key, _, value in (line.partition(":") for line in _words(section)))


def _alternation(phrases: list[str]) -> str:
    """A regex alternation of phrases, longest first, any whitespace between words."""
    return "|".join(r"\s+".join(re.escape(word) for word in phrase.split())
                    for phrase in sorted(set(phrases), key=len, reverse=True))


@cache
def _stemmer() -> Any:
    import snowballstemmer  # only runs that compare directives pay for it

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)  # the stemmer is pure Python; prose repeats its words
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower().removesuffix("'s")))


@cache
def _grammar() -> dict[str, re.Pattern[str]]:
    """Every pattern, built once from the lexicons."""
    polarity = _sections("directives-polarity.txt")
    markers = _alternation([phrase for phrases in polarity.values() for phrase in phrases])
    languages = _alternation(list(_lines("directives-languages.txt")))
    modifiers = _alternation(_words("language-modifiers"))
    formats = _alternation(list(_pairs("formats")))
    units = _alternation(list(_pairs("length-units")))
    numbers = _alternation(list(_pairs("numbers")))
    number = rf"(?:\d[\d,]*|{numbers})"
    tones = _alternation(_words("tone-formal") + _words("tone-casual"))
    quality = _alternation(_words("concise") + _words("detailed"))
    responses = _alternation(_words("response-nouns"))
    i = re.IGNORECASE
    part = (r"(?!\s*(?:code\s+)?(?:blocks?|fences?|snippets?|fields?|keys?|files?|schemas?|strings?|values?|tags?|"
            r"comments?|properties|property|elements?|attributes?|syntax\s+for|links?|emphasis|headers?\s+for))")
    return {
        "marker": lazy(rf"(?<![\w'])(?:{markers})(?![\w'])", i),
        "imperative": lazy(rf"^(?:(?:{_alternation(_words('adverbs'))})[\s,]+)*"
                                 rf"(?:{_alternation(_words('imperative'))})\b", i),
        "language": lazy(
            rf"\b(?:in|using)\s+(?:(?:{modifiers})\s+)?(?P<lang>{languages})\b"
            r"(?!\s+(?:words?|terms?|names?|characters?|letters?|text\b|translation))"
            rf"(?!\s*(?:,|/|\bor\b|\band\b)\s*(?:{languages})\b)"
            rf"|\buse\s+(?:only\s+)?(?P<lang2>{languages})\b(?!\s+(?:words?|terms?|names?|characters?|letters?))"
            r"|\bin\s+(?P<user>(?:the\s+)?(?:same\s+language\s+(?:as|that|the)\b|(?:user|customer|caller|question|"
            r"query)'s\s+(?:own\s+)?language|language\s+(?:of|used\s+by)\s+the\s+(?:user|customer|question|"
            r"query|input|request|conversation)|whatever\s+language\s+the\s+user))", i),
        "format": lazy(
            rf"\b(?:in|as|using|with|into)\s+(?:(?:a|an|the|valid|only|raw|strict|pure|well-formed|proper|clean|"
            rf"minified|single|one|plain)\s+)*(?P<fmt>{formats})\b{part}"
            rf"|\b(?:use|apply)\s+(?:(?:only|proper|rich|clean|basic)\s+)*(?P<fmt2>{formats})\b{part}"
            rf"|\b(?:responses?|answers?|replies|reply|output)\s+(?:must|should|will|has\s+to|needs?\s+to)\s+be\s+"
            rf"(?:(?:a|an|valid|only|raw|in|formatted\s+as|written\s+in|strictly|pure)\s+)*(?P<fmt3>{formats})\b{part}"
            r"|\b(?P<nomd>without|no)\s+(?:any\s+)?markdown\b", i),
        "length": lazy(
            rf"\b(?:(?P<most>at\s+most|no\s+more\s+than|not\s+more\s+than|fewer\s+than|less\s+than|under|below|"
            rf"maximum(?:\s+of)?|a\s+maximum\s+of|max\.?|up\s+to|within|limited\s+to|exceed(?:ing)?)\s+"
            rf"|(?P<least>at\s+least|no\s+fewer\s+than|no\s+less\s+than|more\s+than|over|minimum(?:\s+of)?|"
            rf"a\s+minimum\s+of)\s+|(?P<between>between)\s+(?P<low>{number})\s+and\s+"
            rf"|(?P<low3>{number})\s+(?:or|to)\s+|(?P<low2>\d+)\s*[-\u2013]\s*"
            rf"|(?P<bare>in|to|of|with|exactly|about|around|approximately|roughly)\s+(?:(?:a|one|only|just)\s+)?)?"
            rf"(?P<n>{number})(?:\s+or\s+(?P<more>more|fewer|less))?[\s-]+(?P<unit>{units})\b", i),
        "quality": lazy(
            rf"\b(?:be|stay|remain|keep\s+(?:it|things|(?:your\s+|all\s+|the\s+)?(?:{responses}|writing)))\s+"
            rf"(?:[\w-]+,?\s+(?:and\s+)?){{0,2}}?(?P<q>{quality})\b"
            rf"|\b(?P<q2>{quality})\s+(?:and\s+[\w-]+\s+)?(?:{responses})\b", i),
        "case": lazy(r"\b(?:in|using|use|with)\s+(?:all\s+)?(?P<case>upper\s*-?case|lower\s*-?case|all\s+caps|"
                           r"caps|capital\s+letters|capitals|small\s+letters)\b", i),
        "tone": lazy(rf"\b(?P<tone>{tones}),?\s+(?:(?:and\s+)?[\w-]+\s+)?(?:tone|register|style|language|voice|"
                           rf"manner|way|wording)\b"
                           rf"|\b(?:be|stay|sound|remain|keep\s+(?:it|things|the\s+tone))\s+(?:(?:very|"
                           rf"polite|professional|friendly|strictly|always)\s+(?:and\s+)?)*(?P<tone2>{tones})\b", i),
        "emoji": lazy(r"\b(?:(?P<no>no|without|zero)\s+(?:any\s+)?|(?:use|using|include|including|add|adding|"
                            r"insert|sprinkle|put|avoid)\s+"
                            r"(?:(?:any|the|some|appropriate|relevant|a\s+few|an?|lots\s+of|"
                            r"plenty\s+of)\s+)*(?:[a-z-]+\s+)?)(?:emojis?|emoticons?)\b", i),
        "links": lazy(r"\b(?:(?P<no>no|without)\s+(?:any\s+)?|(?:include|add|provide|insert|give|use|return)\s+"
                            r"(?:(?:a|any|the|relevant|all|clickable)\s+)*)(?:links?|urls?|hyperlinks?)\b"
                            r"(?!\s+(?:to|from|for|of|that|which|about|in|on|only|unless|except)\b)", i),
        "tool": lazy(r"\b(?:call|use|invoke|run)\s+(?:(?:the|any|a)\s+)?(?:(?P<tools>tools|functions|"
                           r"tool\s+calls|function\s+calls)\b|`?(?P<name>[\w.-]+)`?\s+(?:tool|function)\b)", i),
        # "you are to ...", "you are allowed to ...": an order or a permission, not an identity
        "persona": lazy(r"^(?:you\s+are|your\s+name\s+is)\s+(?!to\b|not\b|in\b|going\b|now\b|no\b|also\b|"
                              r"allowed|able|expected|required|encouraged|free|welcome|responsible|forbidden|"
                              r"prohibited|"
                              r"permitted|being|given|provided|tasked|asked|an?\s+expert\s+(?:at|in)\b)"
                              r"(?P<who>(?:(?!\s+and\s+you\b)[^,.;:!?\n\x00]){2,80})", i),
        "topic": lazy(r"\b(?P<verb>discuss|mention|talk\s+about|reveal|provide|share|disclose|comment\s+on|"
                            r"quote|compare|offer|give)\s+(?P<np>[^.;:!?\n\x00]{2,100})", i),
    }


# --- sentences and conditions -----------------------------------------------------------------

_BREAK = lazy(r"[.!?](?=[\"'\u201d\u2019)\]]*(?:\s|$))|;|\n[ \t]*\n"
                    r"|\n(?=[ \t]*(?:[-*+>#|]|\d+[.)]|[A-Z<\x00*_]))")
_ABBREVIATION = lazy(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|no|dr|mr|mrs|ms)$", re.IGNORECASE)
_LEAD = lazy(r"[\s\x00]*(?:(?:[-*+>|]|#+)\s+|\d+[.)]\s*)?(?:\*\*[^*\n]{0,60}\*\*:?\s*)?")
_QUOTED = lazy(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»")
# "Example:" up to the next blank line; a transcript line ("User: hi", "Q: ...")
_EXAMPLE_LINE = lazy(r"^[ \t#*>-]*(?:for\s+)?(?:examples?|e\.g\.|samples?|demo)\b[^\n:]{0,20}:[^\n]*"
                           r"(?:\n(?![ \t]*\n)[^\n]*)*"
                           r"|^[ \t#*>-]*(?:input|output|user|assistant|human|ai|customer|agent|bot|q|a)[ \t]*:[ \t]*"
                           r"\S[^\n]*", re.IGNORECASE | re.MULTILINE)
_ENGLISH = lazy(r"\b(?:the|a|an|in|to|of|you|your|and|or|with|for|is|are|be|not|never|always|do)\b",
                      re.IGNORECASE)
_CONCESSIVE = lazy(r"[,\s]*\b(?:even\s+(?:if|when|though)|while|whilst|regardless\s+of|no\s+matter)\b[^,]*,?",
                         re.IGNORECASE)
_CONDITION_KEYWORD = (r"(?:if|when|whenever|unless|except|otherwise|in\s+case|only\s+if|as\s+long\s+as|until|before|"
                      r"after|once|where\s+(?:possible|appropriate|applicable|relevant|needed|necessary|helpful|useful|"
                      r"it\s+helps)|"
                      r"for\s+(?:[\w'-]+\s+){0,4}?(?:questions?|requests?|queries|tasks?|issues?|topics?|cases?|"
                      r"messages?|problems?|users?|customers?)\b|for\s+\w+ing\b|during\b|"
                      r"(?:in|at|for)\s+(?:the\s+|this\s+|each\s+)?(?:[\w-]+\s+){0,2}?"
                      r"(?:step|stage|phase|mode|turn|round)s?\b)")
_LEADING_CONDITION = lazy(rf"^(?:{_CONDITION_KEYWORD}|(?:for|in|on|with|during)\s+(?=[^,\n]{{1,40}},))"
                                rf"(?:[^,]*,|[^,]*?(?=\s(?:always|never|answer|respond|"
                                rf"reply|write|use|give|keep|be|do|don't|you)\b)|\s*$)", re.IGNORECASE)
_TRAILING_CONDITION = lazy(rf"[,\s]+\b{_CONDITION_KEYWORD}.*$", re.IGNORECASE | re.DOTALL)
_CONDITION_WORDS = {"when": "if", "whenever": "if", "once": "if", "the": "", "a": "", "an": ""}


# "do not call tools for small talk", "use a formal tone in e-mails": a qualifier after the slot
# phrase scopes the directive like a condition ("for each section" does not)
_QUALIFIER = lazy(r"(?:(?!\b(?:and|but|or)\b)[^.;:!?,])*?(?P<scope>\b(?:for(?!\s+(?:each|every|all|any)\b)|on|"
                        r"during|inside|within|when|while|that|which|without|unless|except)\b|\bin\s+(?!(?:your\s+|"
                        r"the\s+|any\s+|all\s+|every\s+|each\s+)?(?:answers?|responses?|replies|output|messages?)\b))"
                        r"(?:(?!\b(?:and|but|or)\b)[^.;:!?,])*", re.IGNORECASE)
_PURPOSE = lazy(r"(?:(?!\b(?:and|but|or)\b)[^.;:!?,])*?(?P<scope>\bto\b)(?:(?!\b(?:and|but|or)\b)[^.;:!?,])*",
                      re.IGNORECASE)  # "do not use tools to browse": only a prohibition is scoped by its purpose
_BLOCK = lazy(r"\{%-?\s*(?P<jinja>if|elif|else|endif|unless|endunless)\b[^%]*%\}"
                    r"|\{\{~?\s*(?P<handlebars>#if|#unless|else|/if|/unless)\b[^}]*\}\}", re.IGNORECASE)
_IDENTIFIER = lazy(r"`[\w.-]+`")
_BOUNDARY = lazy(r"[,;]|\b(?:and|but)\b")
# "use Markdown inside the summary field": the format of a part of the answer
_PART = lazy(r"\b(?:inside|within|in|for|of)\s+(?:the\s+|each\s+|every\s+|a\s+|an\s+|its\s+)?"
                   r"(?:[\w\x00'\"-]+\s+)?"
                   r"(?:fields?|strings?|values?|keys?|propert(?:y|ies)|cells?|columns?|attributes?|comments?|"
                   r"blocks?|parameters?|arguments?)\b", re.IGNORECASE)
# a heading that scopes what follows it ("## Step 2", "### When the user is angry") or shows examples
_HEADING = lazy(r"^[ \t]*(?:(?P<hashes>#{1,6})[ \t]+(?P<title>[^\n]+?)|\*\*(?P<bold>[^*\n]{1,80})\*\*:?)"
                      r"[ \t]*$", re.MULTILINE)
_SCOPE_TITLE = lazy(r"\b(?:step|stage|phase|mode|case|scenario|when|if|unless|during|for\s+\w+)\b"
                          r"|(?:questions|requests|tasks|issues)\W*$", re.IGNORECASE)
_EXAMPLE_TITLE = lazy(r"\b(?:examples?|samples?|demonstrations?|few[- ]shots?|transcripts?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Clause:
    start: int  # value indices of the clause in its text
    end: int
    body: str  # masked, the condition cut out (blanked, so offsets hold)
    condition: str | None


def _units(value: str) -> Iterator[tuple[int, int]]:
    """Sentence, bullet and `;` clause boundaries of a masked text."""
    start = 0
    for found in _BREAK.finditer(value):
        if found.group() == "." and _ABBREVIATION.search(value, max(0, found.start() - 8), found.start()):
            continue
        yield start, found.end() if found.group() in ".!?" else found.start()
        start = found.end()
    yield start, len(value)


def _normalise_condition(clause: str) -> str:
    words = re.findall(r"[\w']+", clause.lower())
    return " ".join(word for word in (_CONDITION_WORDS.get(word, _stem(word)) for word in words) if word)


def _headed(value: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The value with example sections masked, and the (start, end, title) of scoping sections:
    a section runs to the next heading of the same or a higher level."""
    headings = [(found.start(), found.end(), len(found.group("hashes") or "#######"),
                 found.group("title") or found.group("bold")) for found in _HEADING.finditer(value)]
    scopes: list[tuple[int, int, str]] = []
    for index, (_start, end, level, title) in enumerate(headings):
        finish = next((other[0] for other in headings[index + 1:] if other[2] <= level), len(value))
        if _EXAMPLE_TITLE.search(title):
            value = value[:end] + re.sub(r"[^\n]", MASK, value[end:finish]) + value[finish:]
        elif _SCOPE_TITLE.search(title):
            scopes.append((end, finish, title))
    return value, scopes


def _branches(value: str) -> list[tuple[int, int, str]]:
    """(start, end, condition) of each branch of a template conditional: text in `{% if %}` and
    `{% else %}` (`{{#if}}`, `{{else}}`) is never sent together, so it never contradicts."""
    regions: list[tuple[int, int, str]] = []
    open_at: list[tuple[int, str]] = []  # where the current branch of each enclosing conditional starts
    for number, tag in enumerate(_BLOCK.finditer(value)):
        word = (tag.group("jinja") or tag.group("handlebars")).lower()
        opening, closing = word in ("if", "unless", "#if", "#unless"), word in ("endif", "endunless", "/if", "/unless")
        if not opening and open_at:  # an else or an end closes the branch before it
            start, title = open_at.pop()
            regions.append((start, tag.start(), title))
        if not closing:
            open_at.append((tag.end(), f"template branch {number} {' '.join(tag.group().strip('{}%#/~- ').split())}"))
    regions.extend((start, len(value), title) for start, title in open_at)
    return sorted(regions)


def _clauses(value: str, branches: list[tuple[int, int, str]]) -> Iterator[_Clause]:
    value, scopes = _headed(value)
    scopes = sorted(scopes + branches)
    for start, end in _units(value):
        lead = _LEAD.match(value, start, end)
        start = lead.end() if lead else start
        text = value[start:end]
        if not text.strip() or text.rstrip().endswith("?") or text.rstrip().endswith(":") or MASK * 3 in text:
            continue
        if not _ENGLISH.search(text) and not _grammar()["imperative"].match(text):
            continue  # not English, or no sentence at all: no directive rather than a wrong one
        body = _CONCESSIVE.sub(lambda found: " " * len(found.group()), text)
        condition = None
        leading = _LEADING_CONDITION.match(body)
        if leading and leading.end() < len(body.rstrip(" .!")):
            condition = leading.group().strip(" ,")
            body = " " * leading.end() + body[leading.end():]
        trailing = _TRAILING_CONDITION.search(body)
        if trailing:
            condition = f"{condition} {trailing.group().strip(' ,.')}" if condition else trailing.group().strip(" ,.")
            body = body[:trailing.start()] + " " * (len(body) - trailing.start())
        enclosing = [title for low, high, title in scopes if low <= start < high]  # outermost first
        condition = " ".join([*enclosing, condition] if condition else enclosing) or None
        yield _Clause(start, start + len(text.rstrip()), body, _normalise_condition(condition) if condition else None)


# --- polarity ---------------------------------------------------------------------------------

@cache
def _marker_polarity() -> dict[str, str]:
    return {" ".join(phrase.split()): polarity
            for polarity, phrases in _sections("directives-polarity.txt").items() for phrase in phrases}


def _polarity(body: str, at: int) -> str | None:
    """The polarity of a slot phrase at `at`: the last marker before it in the clause; a clause
    that opens with an imperative verb is a MUST. None: not an instruction to the model."""
    grammar = _grammar()
    markers = list(grammar["marker"].finditer(body, 0, at))
    opening = body.lstrip(" ,")
    if markers:
        last = markers[-1]
        polarity = _marker_polarity()[" ".join(last.group().lower().split())]
        cut = [found.end() for found in _BOUNDARY.finditer(body, 0, markers[0].start())]
        subject = {word.lower() for word in re.findall(r"[\w']+", body[cut[-1] if cut else 0:markers[0].start()])}
        filler, _verbs, nouns, _adjectives = _vocabulary()
        if subject & _third_party() or not (subject <= filler | nouns or grammar["imperative"].match(opening)):
            return None  # "the user must write in English", "summaries should be short": someone or something else
        # "Never use emojis and respond in English": a new verb after the marker starts a new order
        between = body[last.end():at]
        restart = re.search(r"(?:,|\band\b|\bbut\b)\s*(?=\S)", between)
        if polarity != "must" and restart and grammar["imperative"].match(between[restart.end():]):
            return "must"
        return polarity
    if grammar["imperative"].match(opening):
        return "must"
    return None


# --- slots ------------------------------------------------------------------------------------

def _about_response(body: str, at: int) -> bool:
    """Whether the words between the instruction and the slot phrase at `at` name the answer,
    not something in it ("write SQL keywords in upper case" is about the keywords)."""
    markers = list(_grammar()["marker"].finditer(body, 0, at))
    start = markers[-1].end() if markers else 0
    # "never use emojis and respond in English": a new order after "and" or a comma starts afresh
    boundaries = [found for found in _BOUNDARY.finditer(body, start, at)
                  if _grammar()["imperative"].match(body[found.end():].lstrip())]
    start = boundaries[-1].end() if boundaries else start
    words = [word.lower() for word in re.findall(r"[\w'-]+", body[start:at])]
    filler, verbs, nouns, adjectives = _vocabulary()
    content = [word for word in words if word not in filler and not word.isdigit()]
    if not content:
        return True
    if content[0] not in verbs and content[0] not in nouns:
        return False  # "translate ...", "the article ...": some other task or text
    # other words may only describe the answer ("a detailed, step-by-step explanation")
    last_noun = max((index for index, word in enumerate(content) if word in nouns), default=-1)
    return all(word in verbs or word in nouns or word in adjectives or index < last_noun
               for index, word in enumerate(content))


@cache
def _third_party() -> frozenset[str]:
    return frozenset(_words("third-party"))


@cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    return (frozenset(_words("filler")), frozenset(_words("imperative") + _words("language-verbs")),
            frozenset(_words("response-nouns")), frozenset(_words("concise") + _words("detailed")))


def _number(text: str) -> int:
    text = " ".join(text.lower().split()).replace(",", "")
    return int(text) if text.isdigit() else int(_pairs("numbers")[text])


def _length(found: re.Match[str]) -> tuple[str, int, int | None]:
    unit = _pairs("length-units")[" ".join(found.group("unit").lower().split())]
    n = _number(found.group("n"))
    if found.group("most") or found.group("more") in ("fewer", "less"):
        exceed = (found.group("most") or "").lower().startswith("exceed")
        return (unit, n, None) if exceed else (unit, 0, n)
    if found.group("least") or found.group("more") == "more":
        return unit, n, None
    if found.group("between") or found.group("low2") or found.group("low3"):
        low = _number(found.group("low") or found.group("low2") or found.group("low3"))
        return unit, min(low, n), max(low, n)
    return unit, n, n


def _topic(noun_phrase: str) -> frozenset[str]:
    """The content words of a topic: synonym groups folded, stop words dropped, stemmed."""
    text = " " + noun_phrase.lower() + " "
    for name, pattern in _synonyms():
        text = pattern.sub(f" {name} ", text)
    stop = set(_words("topic-stopwords"))
    stems = {_stem(word) for word in re.findall(r"[a-z][\w'-]*", text) if word not in stop}
    folded = _stem_synonyms()
    return frozenset(folded.get(stem, stem) for stem in stems)


@cache
def _synonyms() -> list[tuple[str, re.Pattern[str]]]:
    """Multi-word synonyms ("other vendors") are folded as phrases, before words are split."""
    groups = []
    for line in _lines("directives-synonyms.txt"):
        entries = [entry.strip().lower() for entry in line.split(",") if entry.strip()]
        phrases = [entry for entry in entries if " " in entry]
        if phrases:
            groups.append((entries[0].replace(" ", "_"), lazy(rf"(?<![\w])(?:{_alternation(phrases)})(?![\w])")))
    return groups


@cache
def _stem_synonyms() -> dict[str, str]:
    folded: dict[str, str] = {}
    for line in _lines("directives-synonyms.txt"):
        entries = [entry.strip().lower() for entry in line.split(",") if entry.strip()]
        name = _stem(entries[0]) if " " not in entries[0] else entries[0].replace(" ", "_")
        for entry in entries:
            folded[_stem(entry) if " " not in entry else entry.replace(" ", "_")] = name
    return folded


@cache
def _slot_words() -> dict[str, tuple[str, ...]]:
    """Per slot pattern of `_grammar`, words one of which every match contains: a clause (in
    ASCII, where case-insensitive matching is `str.lower`) without any is not searched for it.
    A phrase of the lexicons is matched whole, so each of its words (the longest is taken) is in
    every match of it."""

    def longest(phrases: list[str]) -> tuple[str, ...]:
        return tuple(sorted({max(phrase.split(), key=len).lower() for phrase in phrases if phrase.split()}))

    return {
        "language": (*longest(list(_lines("directives-languages.txt"))), "language"),
        "format": (*longest(list(_pairs("formats"))), "markdown"),
        "length": longest(list(_pairs("length-units"))),
        "quality": longest(_words("concise") + _words("detailed")),
        "case": ("upper", "lower", "caps", "capital", "small"),
        "tone": longest(_words("tone-formal") + _words("tone-casual")),
        "emoji": ("emoji", "emoticon"),
        "links": ("link", "url"),
        "tool": ("tool", "function"),
        "topic": ("discuss", "mention", "talk", "reveal", "provide", "share", "disclose", "comment", "quote",
                  "compare", "offer", "give"),
    }


def _slots(body: str) -> Iterator[tuple[str, Value, tuple[int, int], str | None]]:
    """(slot, value, where the phrase is, polarity forced by the phrase itself)."""
    grammar = _grammar()
    lower = body.lower() if body.isascii() else None  # None: no prefilter (see `_slot_words`)
    needed = _slot_words()

    def may(slot: str) -> bool:
        return lower is None or any(word in lower for word in needed[slot])

    persona = grammar["persona"].match(body.lstrip(" ,"))
    if persona:
        who = " ".join(persona.group("who").lower().split())
        if who:
            yield "persona", who, (0, 0), "must"
    languages = [found for found in grammar["language"].finditer(body) if _about_response(body, found.start())] \
        if may("language") else []
    if len(languages) == 1:  # "in English or French" is a choice, not a rule
        found = languages[0]
        name = found.group("lang") or found.group("lang2")
        yield "language", " ".join(name.lower().split()) if name else "USER_LANGUAGE", found.span(), None
    for found in grammar["format"].finditer(body) if may("format") else ():
        if found.group("nomd"):
            yield "format", "markdown", found.span(), "must_not"
        elif (_about_response(body, found.start()) or found.group("fmt3")) and not _PART.search(body, found.end()):
            name = found.group("fmt") or found.group("fmt2") or found.group("fmt3")
            yield "format", _pairs("formats")[" ".join(name.lower().split())], found.span(), None
    lengths = list(grammar["length"].finditer(body)) if may("length") else []
    # "each bullet under 20 words" bounds a part; "every answer under 100 words" is the response
    if lengths and not re.search(r"\b(?:each|per|every)\s+(?!(?:answer|response|reply|replies|message|output)s?\b)",
                                 body, re.IGNORECASE):
        found = lengths[0]
        if len(lengths) == 1 and _about_response(body, found.start()):
            yield "length", _length(found), found.span(), None
    elif not lengths:
        quality = grammar["quality"].search(body) if may("quality") else None
        if quality and _about_response(body, quality.start()):
            word = (quality.group("q") or quality.group("q2")).lower()
            yield "length", "concise" if word in _words("concise") else "detailed", quality.span(), None
    for found in grammar["case"].finditer(body) if may("case") else ():
        if _about_response(body, found.start()):
            word = found.group("case").lower()
            yield "case", "lower" if word.startswith(("lower", "small")) else "upper", found.span(), None
    for found in grammar["tone"].finditer(body) if may("tone") else ():
        word = (found.group("tone") or found.group("tone2")).lower()
        yield "tone", "formal" if word in _words("tone-formal") else "casual", found.span(), None
    for found in grammar["emoji"].finditer(body) if may("emoji") else ():
        yield "emoji", "emoji", found.span(), "must_not" if found.group("no") else None
    for found in grammar["links"].finditer(body) if may("links") else ():
        yield "links", "links", found.span(), "must_not" if found.group("no") else None
    for found in grammar["tool"].finditer(body) if may("tool") else ():
        name = found.group("name")
        if name and name.lower() in _words("tool-non-names"):
            continue
        yield "tool-use", "tools" if found.group("tools") else (name or "").lower(), found.span(), None
    for found in grammar["topic"].finditer(body) if may("topic") else ():
        phrase = re.split(r"\b(?:unless|except|if|when|because|since|so\s+that|in\s+order|even|but|and\s+(?:then|"
                          r"always|never|do)|to\s+(?:the|a|any)\s+(?:user|customer)s?)\b|\s[-\u2013\u2014]\s",
                          found.group("np"), maxsplit=1, flags=re.IGNORECASE)[0]
        words = _topic(phrase)
        if words:
            yield "topic", words, found.span(), " ".join(found.group("verb").lower().split())


@per_document
def directives(document: Document) -> list[Directive]:
    """Directives of the privileged and user-message prose, in document order; examples, code,
    quotes, template tags and other languages yield none."""
    indices = {id(message.text): message.index for message in document.messages}
    found: list[Directive] = []
    for item in prose(document):
        if item.kind != "message" or item.position not in ("privileged", "user"):
            continue
        code = tuple((start, end) for start, end in item.inline_code
                     if not _IDENTIFIER.fullmatch(item.text.value, start, end))  # `read_file` names a tool
        value = item.masked(item.tags, item.comments, item.fences, code, item.examples)
        windows = analysed_windows(value)
        if len(windows) > 1:  # a long text: only its opening and closing stretches are read
            (_, head), (tail, _) = windows
            value = value[:head] + mask_text(value[head:tail]) + value[tail:]
        value = _EXAMPLE_LINE.sub(lambda match: re.sub(r"[^\n]", MASK, match.group()), value)
        value = _QUOTED.sub(lambda match: MASK * len(match.group()), value).replace("\u2019", "'")  # one apostrophe
        branches = _branches(item.text.value)
        value = _BLOCK.sub(lambda match: " " * len(match.group()), value) if branches else value
        for clause in _clauses(value, branches):
            seen: set[tuple[str, Any]] = set()
            for slot, slot_value, (at, after), forced in _slots(clause.body):
                if slot == "topic":  # `forced` holds the verb: which verbs count depends on the polarity
                    polarity = _polarity(clause.body, at)
                    if polarity is None or forced not in _words(f"topic-verbs-{polarity}"):
                        continue
                else:
                    polarity = forced or _polarity(clause.body, at)
                if polarity is None:
                    continue
                condition = clause.condition
                scope = None if slot in ("topic", "persona") else _QUALIFIER.match(clause.body, after) or (
                    _PURPOSE.match(clause.body, after) if polarity == "must_not" else None)
                if scope is not None:
                    qualifier = _normalise_condition(scope.group()[scope.start("scope") - scope.start():])
                    condition = f"{condition} {qualifier}" if condition else qualifier
                if slot == "length" and polarity == "must_not" and isinstance(slot_value, tuple):
                    # "never write more than 3 paragraphs" is "at most 3 paragraphs"
                    unit, low, high = slot_value
                    if high is None:
                        polarity, slot_value = "must", (unit, 0, low)
                    elif low == 0:
                        polarity, slot_value = "must", (unit, high, None)
                    else:
                        continue
                if (slot, slot_value) in seen:
                    continue
                seen.add((slot, slot_value))
                span = item.text.span(clause.start, clause.end)
                text = " ".join(item.text.value[clause.start:clause.end].split())
                found.append(Directive(slot, polarity, slot_value, condition, span, text,
                                       indices.get(id(item.text))))
    return found


# --- comparing two directives -----------------------------------------------------------------

def _covers(forbidden: frozenset[str], allowed: frozenset[str]) -> bool:
    """Whether what is allowed falls under what is forbidden: every concept of the prohibition is
    in the permission ("competitor pricing" forbidden, "vendor prices, competitors included"
    allowed), so "discuss our pricing" does not lift "never discuss competitor pricing"."""
    return bool(forbidden and allowed) and forbidden <= allowed


def _words_range(value: Length) -> tuple[float, float]:
    unit, low, high = value
    fewest, most = WORDS_PER_UNIT[unit]
    return low * fewest, float("inf") if high is None else high * most


def _describe(directive: Directive) -> str:
    value = directive.value
    if isinstance(value, tuple):
        unit, low, high = value
        if high is None:
            return f"at least {low} {unit}"
        return f"at most {high} {unit}" if low == 0 else f"{low} {unit}" if low == high else f"{low}-{high} {unit}"
    if directive.slot == "topic" and isinstance(value, frozenset):
        return "topic " + "/".join(sorted(value))
    if directive.slot in ("case", "tone"):
        return f"{value} {'case' if directive.slot == 'case' else 'tone'}"
    if value == "USER_LANGUAGE":
        return "the user's language"
    text = str(value)
    text = {"json": "JSON", "yaml": "YAML", "csv": "CSV", "xml": "XML", "html": "HTML", "markdown": "Markdown",
            "plain-text": "plain text", "numbered-list": "a numbered list", "tools": "any tool"}.get(text, text)
    return text[:1].upper() + text[1:] if directive.slot == "language" else text


def _forbidden(directive: Directive) -> str:
    return f"no {_describe(directive)}" if directive.slot != "tool-use" else f"never {_describe(directive)}"


def conflict(higher: Directive, lower: Directive) -> str | None:
    """Why the two cannot both be followed ("English vs French"), or None (PL301/PL304 table).
    Refinements (a narrower length, an added option) and different conditions never conflict."""
    if higher.slot != lower.slot or higher.condition != lower.condition or higher.slot == "persona":
        return None
    slot, a, b = higher.slot, higher.value, lower.value
    need_a, need_b = higher.polarity in REQUIRING, lower.polarity in REQUIRING
    if slot == "topic":
        if not (isinstance(a, frozenset) and isinstance(b, frozenset)) or not (need_a or need_b):
            return None
        if (higher.polarity == "must_not" and need_b and _covers(a, b)) or (
                lower.polarity == "must_not" and need_a and _covers(b, a)):
            return f"{_describe(higher)} required and forbidden"
        return None
    if slot == "length":
        # "concise" and "thorough" sit together in most prompts, as one style: only numbers conflict
        if not (need_a and need_b) or not isinstance(a, tuple) or not isinstance(b, tuple):
            return None
        if a[0] == b[0]:
            apart = (a[2] is not None and a[2] < b[1]) or (b[2] is not None and b[2] < a[1])
        else:
            (low_a, high_a), (low_b, high_b) = _words_range(a), _words_range(b)
            apart = high_a < low_b or high_b < low_a
        return f"{_describe(higher)} vs {_describe(lower)}" if apart else None
    forbids_a, forbids_b = higher.polarity == "must_not", lower.polarity == "must_not"
    if slot == "tool-use":
        if (need_a and forbids_b and b in (a, "tools")) or (need_b and forbids_a and a in (b, "tools")):
            required, forbidden = (higher, lower) if need_a else (lower, higher)
            return f"call {_describe(required)} vs {_forbidden(forbidden)}"
        return None
    if (need_a and forbids_b) or (need_b and forbids_a):
        required, forbidden = (higher, lower) if need_a else (lower, higher)
        if required.value == forbidden.value or (slot == "format" and forbidden.value == "markdown"
                                                 and required.value in MARKDOWN_FORMATS):
            return f"{_describe(required)} vs {_forbidden(forbidden)}"
        return None
    if not (need_a and need_b) or a == b:
        return None
    if slot == "language" or (slot == "format" and a in EXCLUSIVE_FORMATS and b in EXCLUSIVE_FORMATS) \
            or (a, b) in OPPOSITES or (b, a) in OPPOSITES:
        return f"{_describe(higher)} vs {_describe(lower)}"
    return None


def relaxes(higher: Directive, lower: Directive) -> bool:
    """PL303: the higher forbids a value (a topic included) that the lower allows or requires."""
    if higher.polarity != "must_not" or lower.polarity not in ("may", "must", "should") or higher.slot != lower.slot \
            or (None not in (higher.condition, lower.condition) and higher.condition != lower.condition) \
            or higher.slot == "persona":
        # an unconditional prohibition is relaxed by a permission under any condition, and a conditional
        # one by a permission that holds always; two different conditions may never meet
        return False
    if higher.slot == "topic":
        return isinstance(higher.value, frozenset) and isinstance(lower.value, frozenset) and _covers(
            higher.value, lower.value)
    if higher.slot == "tool-use":
        return higher.value in (lower.value, "tools")
    if higher.slot == "format" and higher.value == "markdown":
        return lower.value in MARKDOWN_FORMATS
    return higher.value == lower.value


def redundant(higher: Directive, lower: Directive) -> bool:
    """PL307: the lower repeats the higher (same slot, polarity, value and condition)."""
    return (higher.slot, higher.polarity, higher.value, higher.condition) == (
        lower.slot, lower.polarity, lower.value, lower.condition)
