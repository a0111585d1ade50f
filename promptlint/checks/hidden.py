"""Hidden content (PL120-PL126): what a model reads but a person reviewing the file does not see.

Characters (PL120-PL123) are looked for in every text a model receives, in every string and
key of the file's data (enum values, defaults, variable descriptions), and in the raw file
(comments); each is reported once, where it is written (a JSON `\\u200b` escape is reported at
the escape), and a run of adjacent characters is one finding. Identifiers (PL124), markup
(PL125) and encoded payloads (PL126) are looked for where they reach the model.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import regex

from promptlint.checks import lazy_regex
from promptlint.context import CheckContext
from promptlint.findings import Applicability, Edit, Finding, Fix, Related, Severity
from promptlint.model import Document, Node, SourceFile, Span, Text
from promptlint.positions import PromptText, prompt_texts

# --- characters -------------------------------------------------------------------------------

# Everything any of PL120-PL123 may report: format controls, default-ignorables (they render as
# nothing), private use and unassigned code points (the `regex` module's Unicode version).
CANDIDATE = lazy_regex(r"[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Co}\p{Cn}]")
EMBEDDINGS = frozenset("\u202a\u202b\u202c\u202d\u202e")  # LRE RLE PDF LRO RLO
ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
PDI = "\u2069"
MARKS = frozenset("\u200e\u200f\u061c")  # LRM RLM ALM
BIDI = EMBEDDINGS | ISOLATE_OPENERS | {PDI} | MARKS
TAGS = (0xE0000, 0xE007F)
INVISIBLE = lazy_regex(
    r"(?V1)[[\p{Cf}\p{Default_Ignorable_Code_Point}]--[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
    r"\U000E0000-\U000E007F\p{Cn}\p{Prepended_Concatenation_Mark}]]")  # PCM (U+0600...) are visible
PRIVATE_OR_UNASSIGNED = lazy_regex(r"(?V1)[[\p{Co}\p{Cn}]--[\U000E0000-\U000E007F]]")
RTL_LETTER = lazy_regex(r"(?=\p{L})[\p{Bidi_Class=R}\p{Bidi_Class=AL}]")
EXTENDED_PICTOGRAPHIC = lazy_regex(r"\p{Extended_Pictographic}")
EMOJI = lazy_regex(r"\p{Emoji}")
EMOJI_MODIFIER = lazy_regex(r"\p{Emoji_Modifier}")
# bases of standardized variation sequences other than emoji: CJK ideographs, maths symbols, ...
VARIATION_BASE = lazy_regex(r"[\p{Ideographic}\p{Sm}\p{scx=Myanmar}\p{scx=Phags_Pa}\p{scx=Manichaean}]")
IDEOGRAPHIC = lazy_regex(r"\p{Ideographic}")
LETTER_OR_MARK = lazy_regex(r"[\p{L}\p{M}]")
ZWSP, ZWNJ, ZWJ, BOM = "\u200b", "\u200c", "\u200d", "\ufeff"
# ZWNJ/ZWJ shape letters in cursive and Indic scripts (Persian word breaks, Devanagari half forms)
JOINING_SCRIPTS = ("Arabic", "Syriac", "Nko", "Mongolian", "Phags_Pa", "Mandaic", "Manichaean", "Psalter_Pahlavi",
                   "Adlam", "Hanifi_Rohingya", "Sogdian", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya",
                   "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Tibetan", "Myanmar", "Khmer", "Balinese",
                   "Javanese")
# scripts written without spaces, where U+200B marks word boundaries for line breaking
UNSPACED_SCRIPTS = ("Thai", "Lao", "Khmer", "Myanmar", "Tibetan", "Tai_Tham", "Javanese", "Balinese")
_SCRIPT_PATTERNS: dict[str, regex.Pattern[str]] = {}
RGI_FLAG = lazy_regex(r"\U0001F3F4[\U000E0030-\U000E0039\U000E0061-\U000E007A]{2,6}\U000E007F")
# escapes a hidden character may be written as: JSON `\u` (a surrogate pair for astral
# characters) and YAML double-quoted `\x`, `\u`, `\U`
ESCAPE = lazy_regex(r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}"
                       r"|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)")
EXCERPT_CONTEXT = 24
SHOWN_HIDDEN = 8


def _has_script(char: str, scripts: tuple[str, ...]) -> bool:
    for script in scripts:
        pattern = _SCRIPT_PATTERNS.get(script)
        if pattern is None:
            pattern = _SCRIPT_PATTERNS[script] = regex.compile(rf"\p{{scx={script}}}")
        if pattern.match(char):
            return True
    return False


@lru_cache(maxsize=4096)
def _scripts(char: str, scripts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(script for script in scripts if _has_script(char, (script,)))


def _same_script(before: str, after: str, scripts: tuple[str, ...]) -> bool:
    return bool(_scripts(before, scripts) & _scripts(after, scripts))


@dataclass
class Place:
    """A text to look in: a located value (`text`), or the raw file (`text` None, indices are offsets)."""

    value: str
    text: Text | None
    where: str
    candidates: list[int] = field(default_factory=list)
    # prose (a message, a description, a comment): removing a hidden character from it can be a safe
    # fix; from a key, a name or a data value it changes an identifier the code matches, so never
    prose: bool = False

    def offset(self, index: int) -> int:
        return self.text.offset(index) if self.text is not None else index


@dataclass
class Scan:
    places: list[Place]


def scan_hidden(document: Document) -> Scan:
    """Every place in the file that holds a candidate character, best-labelled first."""
    source = document.source
    places: list[Place] = []
    covered: set[int] = set()  # source offsets of candidates a located text already holds

    def add(text: Text, where: str, prose: bool = False) -> None:
        if text.source is not source or not CANDIDATE.search(text.value):
            return
        place = Place(text.value, text, _escaped(where), prose=prose)
        for match in CANDIDATE.finditer(text.value):
            place.candidates.append(match.start())
            covered.add(text.offset(match.start()))
        places.append(place)

    if CANDIDATE.search(source.text) or "\\" in source.text:  # an escape may decode to one
        for item in prompt_texts(document):
            add(item.text, item.where, item.tool is None or item.text is not item.tool.name_text)
        for path, node, key in _walk(document.root):
            if key is not None and CANDIDATE.search(key) and node.key_span is not None:
                located = located_string(source, node.key_span, key)
                if located is not None:
                    add(located, f"the key '{_dotted(path)}'")
            if node.text is not None and CANDIDATE.search(node.text.value):
                add(node.text, f"the value of '{_dotted(path)}'")
    # what no located text holds: keys the loader could not read back, comments, markers
    in_comment, elsewhere = Place(source.text, None, "a comment", prose=True), Place(source.text, None, "the file")
    starts = [start for start, _end in document.comments]
    for match in CANDIDATE.finditer(source.text):
        offset = match.start()
        if offset in covered:
            continue
        index = bisect.bisect_right(starts, offset) - 1
        inside = index >= 0 and offset < document.comments[index][1]
        (in_comment if inside else elsewhere).candidates.append(offset)
    places.extend(place for place in (in_comment, elsewhere) if place.candidates)
    return Scan(places)


Path = tuple[str | int, ...]


def _walk(root: Node | None) -> Iterator[tuple[Path, Node, str | None]]:
    """(path, node, its key if a mapping holds it) of every node, in document order."""
    stack: list[tuple[Path, Node, str | None]] = [((), root, None)] if root is not None else []
    while stack:
        path, node, key = stack.pop()
        yield path, node, key
        if node.kind == "mapping":
            stack.extend(((*path, name), child, name) for name, child in reversed(list(node.items())))
        elif node.kind == "sequence":
            stack.extend(((*path, index), child, None) for index, child in reversed(list(enumerate(node.value))))


def _dotted(path: Path) -> str:
    """`tools[0].inputSchema.properties.unit`, built only for the few paths a message names."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(root)"


def located_string(source: SourceFile, span: Span, value: str) -> Text | None:
    """`value` (a key or a name) as a located Text, read back from its span in the source: plain,
    or quoted with escapes. None when the source there does not spell it."""
    raw = source.text[span.start:span.end]
    if raw == value:
        return Text.verbatim(value, source, span.start)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        offsets, chars, index = [], [], 1
        while index < len(raw) - 1:
            if raw[0] == '"' and raw[index] == "\\":
                escape = ESCAPE.match(raw, index)
                decoded = _decode_escape(escape.group()) if escape else None
                if escape is None or decoded is None:
                    return None
                chars.append(decoded)
                offsets.append(span.start + index)
                index = escape.end()
            elif raw[0] == "'" and raw.startswith("''", index):
                chars.append("'")
                offsets.append(span.start + index)
                index += 2
            else:
                chars.append(raw[index])
                offsets.append(span.start + index)
                index += 1
        if "".join(chars) == value:
            return Text.from_offsets(value, source, offsets, span.start)
    found = raw.find(value) if value else -1
    return Text.verbatim(value, source, span.start + found) if found >= 0 else None


def _decode_escape(escape: str) -> str | None:
    code = escape[1]
    if code in "uUx" and len(escape) > 2:
        if len(escape) == 12:  # a surrogate pair
            high, low = int(escape[2:6], 16), int(escape[8:12], 16)
            return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        return chr(int(escape[2:], 16))
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "/": "/", "\\": "\\", '"': '"',
              "_": "\u00a0", "N": "\u0085", "L": "\u2028", "P": "\u2029", " ": " ", "e": "\x1b", "a": "\a",
              "v": "\v"}
    return simple.get(code)


def _char_end(source_text: str, offset: int) -> int:
    """The source offset just after the character written at `offset`: past an escape if it is one."""
    if source_text.startswith("\\", offset):
        escape = ESCAPE.match(source_text, offset)
        if escape is not None:
            return int(escape.end())
    return offset + 1


def _line_bounds(value: str, index: int) -> tuple[int, int]:
    start = max(value.rfind("\n", 0, index), value.rfind("\r", 0, index)) + 1
    ends = [end for end in (value.find("\n", index), value.find("\r", index)) if end != -1]
    return start, min(ends, default=len(value))


# --- runs, spans, messages --------------------------------------------------------------------

Predicate = Callable[[Place, int], bool]


def _runs(document: Document, context: CheckContext, flagged: Predicate) -> Iterator[tuple[Place, int, int, Span]]:
    """(place, start, end, span) of each run of adjacent flagged characters, once per place in the file."""
    scan = context.analysis(document, scan_hidden)
    reported: set[int] = set()
    for place in scan.places:
        runs: list[list[int]] = []
        for index in place.candidates:
            if not flagged(place, index):
                continue
            if runs and runs[-1][1] == index:
                runs[-1][1] = index + 1
            else:
                runs.append([index, index + 1])
        for start, end in runs:
            offsets = [place.offset(index) for index in range(start, end)]
            if offsets[0] in reported:
                continue
            reported.update(offsets)
            text = document.source.text
            yield place, start, end, document.source.span(offsets[0], _char_end(text, offsets[-1]))


def _removal(span: Span, place: Place, start: int, end: int, source_text: str, what: str,
             safe: bool = False) -> tuple[Fix, ...]:
    """An edit deleting the run, when it is written contiguously in the file (it always is, but
    an edit must never cut through text that is not part of the run). `safe`: the rule judged the
    characters meaningless; the fix is safe only if, besides, deleting them cannot change structure."""
    offsets = [place.offset(index) for index in range(start, end)]
    if any(_char_end(source_text, a) != b for a, b in pairwise(offsets)):
        return ()
    applicability: Applicability = "safe" if safe and place.prose and _joins_cleanly(source_text, span) else "unsafe"
    return (Fix(f"remove the {what}", (Edit(span, ""),), applicability),)


WORD_CHARACTER = lazy_regex(r"[\p{L}\p{M}\p{N}]")
SENTENCE_END = frozenset(".!;)\"'")


def _joins_cleanly(source_text: str, span: Span) -> bool:
    """Whether deleting `span` joins text that cannot become syntax: a letter or digit on one side,
    or the end of a sentence before a space. Other pairs could meet as `{{`, `${`, `: `, `- ` or
    ` #` (a template tag, a YAML key or item, a comment), and a value left empty reads as null."""
    before = source_text[span.start - 1] if span.start > 0 else " "
    after = source_text[span.end] if span.end < len(source_text) else " "
    if WORD_CHARACTER.match(before) or WORD_CHARACTER.match(after):
        return True
    return before in SENTENCE_END and after.isspace()


def char_name(char: str) -> str:
    """`U+200B ZERO WIDTH SPACE`; private-use and unassigned code points have no name."""
    name = unicodedata.name(char, "")
    if not name:
        if regex.match(r"\p{Co}", char):
            name = "(private use)"
        elif (ord(char) & 0xFFFE) == 0xFFFE or 0xFDD0 <= ord(char) <= 0xFDEF:
            name = "(noncharacter)"
        elif regex.match(r"\p{Cn}", char):
            name = "(unassigned)"
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def describe(run: str, kind: str) -> str:
    """`invisible character U+2060 WORD JOINER`, `3 invisible characters (U+200B ZERO WIDTH SPACE, ...)`."""
    distinct = list(dict.fromkeys(run))
    names = ", ".join(char_name(char) for char in distinct[:3]) + (", ..." if len(distinct) > 3 else "")
    return f"{kind} {names}" if len(run) == 1 else f"{len(run)} {kind}s ({names})"


def _escaped(text: str) -> str:
    """`text` with hidden and unprintable characters written as escapes."""
    if text.isprintable() and not CANDIDATE.search(text):
        return text
    out = []
    for char in text:
        if char == "\t":
            out.append("\\t")
        elif CANDIDATE.match(char) or not char.isprintable():
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "".join(out)


def excerpt(value: str, start: int, end: int) -> str:
    """The run in its line, characters escaped: 'Approve\\u2060 refunds...'."""
    line_start, line_end = _line_bounds(value, start)
    left_start = max(line_start, start - EXCERPT_CONTEXT)
    right_end = max(end, min(line_end, end + EXCERPT_CONTEXT))
    hidden = value[start:end]
    shown = _escaped(hidden[:SHOWN_HIDDEN]) + (f"...(+{len(hidden) - SHOWN_HIDDEN})" if len(hidden) > SHOWN_HIDDEN
                                               else "")
    return ("'" + ("..." if left_start > line_start else "") + _escaped(value[left_start:start]) + shown
            + _escaped(value[end:right_end]) + ("..." if right_end < line_end else "") + "'")


# --- PL120 bidi-control-character -------------------------------------------------------------


def _balanced_isolates(value: str, start: int, end: int) -> bool:
    depth = 0
    for char in value[start:end]:
        if char in ISOLATE_OPENERS:
            depth += 1
        elif char == PDI:
            if depth == 0:
                return False
            depth -= 1
    return depth == 0


def bidi_control_character(document: Document, context: CheckContext) -> Iterator[Finding]:
    allow_rtl = bool(context.options.get("allow-in-rtl-text", True))

    def flagged(place: Place, index: int) -> bool:
        char = place.value[index]
        if char not in BIDI:
            return False
        if char in EMBEDDINGS or not allow_rtl:
            return True
        # marks, and isolates that close on their line, are how RTL text is written correctly
        start, end = _line_bounds(place.value, index)
        if not RTL_LETTER.search(place.value, start, end):
            return True
        return char not in MARKS and not _balanced_isolates(place.value, start, end)

    for place, start, end, span in _runs(document, context, flagged):
        run = place.value[start:end]
        yield context.finding(
            span,
            f"{describe(run, 'bidirectional control character')} in {place.where}: "
            f"{excerpt(place.value, start, end)}; it changes the order in which the text is displayed, so a "
            "reviewer reads something other than what the model reads",
            # on a line without right-to-left letters a bidi control only reorders what people see
            fixes=_removal(span, place, start, end, document.source.text, "bidirectional control characters",
                           not RTL_LETTER.search(place.value, *_line_bounds(place.value, start))),
        )


# --- PL121 invisible-format-character ---------------------------------------------------------


def _allowed_characters(values: list[str]) -> frozenset[str]:
    allowed = set()
    for value in values:
        text = str(value).strip()
        code = text.upper().removeprefix("U+").removeprefix("\\U").removeprefix("0X")
        if len(text) == 1:
            allowed.add(text)
        elif regex.fullmatch(r"[0-9A-F]{4,6}", code) and int(code, 16) <= 0x10FFFF:
            allowed.add(chr(int(code, 16)))
    return frozenset(allowed)


def _emoji_before(value: str, index: int) -> bool:
    """Whether an emoji ends just before `index` (skipping its presentation selector and skin tone)."""
    index -= 1
    while index >= 0 and (value[index] == "\ufe0f" or EMOJI_MODIFIER.match(value[index])):
        index -= 1
    return index >= 0 and bool(EXTENDED_PICTOGRAPHIC.match(value[index]))


def _legitimate_invisible(value: str, index: int, at_file_start: bool) -> bool:
    """The catalogue's false-positive controls: uses of these characters that text needs."""
    char = value[index]
    before = value[index - 1] if index > 0 else ""
    after = value[index + 1] if index + 1 < len(value) else ""
    letters = bool(before and after and LETTER_OR_MARK.match(before) and LETTER_OR_MARK.match(after))
    if char == BOM:
        return at_file_start  # a byte-order mark (the reader strips it anyway)
    if char == ZWJ and _emoji_before(value, index) and after and EXTENDED_PICTOGRAPHIC.match(after):
        return True  # an emoji ZWJ sequence (woman + ZWJ + laptop: a developer)
    if char in (ZWJ, ZWNJ):
        return letters and _same_script(before, after, JOINING_SCRIPTS)
    if char == ZWSP:
        return letters and _same_script(before, after, UNSPACED_SCRIPTS)
    if "\ufe00" <= char <= "\ufe0f":
        if not before:
            return False
        return bool((char in "\ufe0e\ufe0f" and EMOJI.match(before)) or VARIATION_BASE.match(before))
    if "\U000e0100" <= char <= "\U000e01ef":
        return bool(before and IDEOGRAPHIC.match(before))  # an ideographic variation sequence
    if "\u180b" <= char <= "\u180f":  # Mongolian variation selectors and vowel separator
        return bool(before and _has_script(before, ("Mongolian",)))
    if char in "\u17b4\u17b5":  # Khmer inherent vowels
        return bool(before and _has_script(before, ("Khmer",)))
    if char == "\u115f":  # Hangul choseong filler, before a vowel jamo
        return bool(after and ("\u1160" <= after <= "\u11a7" or "\ud7b0" <= after <= "\ud7c6"))
    if char == "\u1160":  # Hangul jungseong filler, after an initial consonant jamo
        return bool(before and ("\u1100" <= before <= "\u115f" or "\ua960" <= before <= "\ua97c"))
    return False


# what PL121 may remove as a safe fix: characters that only hint at line breaking or joining; the
# rest (variation selectors, fillers, the combining grapheme joiner, ...) may carry meaning
SAFE_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")


def _meaningless(value: str, start: int, end: int) -> bool:
    """Whether a flagged run can go without changing the text: only SAFE_INVISIBLE characters, and
    not next to a letter of a script where joiners and spaces shape or break words (a flagged
    ZWJ there may be a near miss of a legitimate use, such as a Devanagari half form at a word end)."""
    if not set(value[start:end]) <= SAFE_INVISIBLE:
        return False
    neighbours = [value[index] for index in (start - 1, end) if 0 <= index < len(value)]
    return not any(_has_script(char, JOINING_SCRIPTS + UNSPACED_SCRIPTS) for char in neighbours)


def invisible_format_character(document: Document, context: CheckContext) -> Iterator[Finding]:
    allowed = _allowed_characters(list(context.options.get("allow") or []))

    def flagged(place: Place, index: int) -> bool:
        char = place.value[index]
        if char in allowed or not INVISIBLE.match(char):
            return False
        return not _legitimate_invisible(place.value, index, place.text is None and index == 0)

    for place, start, end, span in _runs(document, context, flagged):
        run = place.value[start:end]
        yield context.finding(
            span,
            f"{describe(run, 'invisible character')} in {place.where}: {excerpt(place.value, start, end)}; it "
            "shows as nothing to a reviewer but is part of what the model reads (and can split or smuggle words)",
            fixes=_removal(span, place, start, end, document.source.text, "invisible characters",
                           _meaningless(place.value, start, end)),
        )


# --- PL122 unicode-tag-character ----------------------------------------------------------------


def _in_flag(value: str, index: int) -> bool:
    """Whether `index` lies in an emoji subdivision flag (U+1F3F4, 2-6 tag letters or digits, cancel tag)."""
    black_flag = value.rfind("\U0001F3F4", max(0, index - 8), index)
    if black_flag == -1:
        return False
    match = RGI_FLAG.match(value, black_flag)
    return match is not None and index < match.end()


def hidden_tag_text(run: str) -> str:
    """What tag characters spell: U+E0020-U+E007E are ASCII shifted into the tag block."""
    return "".join(chr(ord(char) - 0xE0000) for char in run if 0xE0020 <= ord(char) <= 0xE007E)


def unicode_tag_character(document: Document, context: CheckContext) -> Iterator[Finding]:
    def flagged(place: Place, index: int) -> bool:
        return TAGS[0] <= ord(place.value[index]) <= TAGS[1] and not _in_flag(place.value, index)

    for place, start, end, span in _runs(document, context, flagged):
        run = place.value[start:end]
        spelled = hidden_tag_text(run)
        shown = spelled if len(spelled) <= 80 else spelled[:80] + "..."
        hidden = f"hidden text: '{_escaped(shown)}'" if spelled.strip() else "they spell nothing printable"
        yield context.finding(
            span,
            f"{describe(run, 'Unicode tag character')} in {place.where}, invisible to a reviewer but read by "
            f"the model; {hidden}",
            fixes=_removal(span, place, start, end, document.source.text, "tag characters", True),
        )


# --- PL123 private-use-or-unassigned-character ------------------------------------------------


def private_use_or_unassigned_character(document: Document, context: CheckContext) -> Iterator[Finding]:
    def flagged(place: Place, index: int) -> bool:
        return bool(PRIVATE_OR_UNASSIGNED.match(place.value[index]))

    for place, start, end, span in _runs(document, context, flagged):
        run = place.value[start:end]
        kinds = sorted({"private-use" if regex.match(r"\p{Co}", char) else "unassigned" for char in run})
        yield context.finding(
            span,
            f"{describe(run, ' or '.join(kinds) + ' character')} in {place.where}: "
            f"{excerpt(place.value, start, end)}; "
            "people see a box, an icon or nothing, the model reads tokens whose meaning nobody agreed on",
            fixes=_removal(span, place, start, end, document.source.text, "characters"),
        )


# --- PL124 confusable-identifier ----------------------------------------------------------------

def _table(pairs: str) -> dict[str, str]:
    """`"0430 a, 0435 e"`: code points written in hex, so this file shows no lookalike itself."""
    return {chr(int(code, 16)): looks for code, looks in (pair.split() for pair in pairs.split(",") if pair.strip())}


# Letters that look like ASCII letters (after NFKD, which already folds fullwidth and mathematical
# letters), after the prototypes of Unicode's confusables.txt for Latin, Cyrillic, Greek and
# Armenian. Small on purpose: it names what an identifier reads as, it is not a font.
CONFUSABLES = _table(
    # Cyrillic
    "0430 a, 0435 e, 043E o, 0440 p, 0441 c, 0443 y, 0445 x, 0455 s, 0456 i, 0458 j, 04BB h, 0501 d, "
    "051B q, 051D w, 04CF l, 04AF y, 0410 A, 0412 B, 0415 E, 041A K, 041C M, 041D H, 041E O, 0420 P, "
    "0421 C, 0422 T, 0423 Y, 0425 X, 0405 S, 0406 l, 0408 J, 051A Q, 051C W, 04AE Y, 04C0 l, "
    # Greek
    "03B1 a, 03BF o, 03BD v, 03B9 i, 03C1 p, 03C5 u, 03C7 x, 03F2 c, 03F3 j, 03B3 y, 0391 A, 0392 B, "
    "0395 E, 0396 Z, 0397 H, 0399 l, 039A K, 039C M, 039D N, 039F O, 03A1 P, 03A4 T, 03A5 Y, 03A7 X, "
    "03F9 C, 037F J, "
    # Armenian
    "0585 o, 057D u, 0570 h, 0578 n, 0566 q, 0581 g, 0555 O, 054D U, "
    # Latin letters that pass for others
    "0131 i, 0251 a, 0261 g, 0269 i, 01C0 l, "
    # ASCII itself, as confusables.txt maps it
    "0049 l, 0031 l, 007C l, 0030 O"
)
ASCII_SEQUENCES = (("rn", "m"), ("vv", "w"))
DEFAULT_IGNORABLE = lazy_regex(r"\p{Default_Ignorable_Code_Point}")
COMMON_OR_INHERITED = lazy_regex(r"[\p{sc=Common}\p{sc=Inherited}]")
# UAX #31 Recommended scripts, then scripts whose letters pass for Latin ones
RECOMMENDED = ("Latin", "Arabic", "Armenian", "Bengali", "Bopomofo", "Cyrillic", "Devanagari", "Ethiopic",
               "Georgian", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana", "Kannada",
               "Katakana", "Khmer", "Lao", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thaana",
               "Thai", "Tibetan")
KNOWN_SCRIPTS = (*RECOMMENDED, "Cherokee", "Coptic", "Canadian_Aboriginal", "Lisu", "Tifinagh", "Runic", "Ogham",
                               "Gothic", "Old_Italic", "Deseret", "Glagolitic", "Nko", "Syriac", "Mongolian", "Vai",
                               "Yi", "Osage", "Adlam")
# UTS #39 augmented script sets: Japanese, Korean and Chinese writing mix scripts by nature
AUGMENT = {"Han": {"Jpan", "Kore", "Hanb"}, "Hiragana": {"Jpan"}, "Katakana": {"Jpan"}, "Hangul": {"Kore"},
           "Bopomofo": {"Hanb"}}
# UTS #39 "moderately restrictive": Latin with CJK, or with one other Recommended script except
# the two whose letters pass for Latin ones
ALLOWED_MIXES = [{"Latin", "Jpan"}, {"Latin", "Hanb"}, {"Latin", "Kore"}] + [
    {"Latin", script} for script in RECOMMENDED if script not in ("Latin", "Cyrillic", "Greek")]


@lru_cache(maxsize=4096)
def script_set(char: str) -> frozenset[str]:
    """A character's augmented script extensions; empty for Common and Inherited (digits, `_`, marks)."""
    if COMMON_OR_INHERITED.match(char):
        return frozenset()
    scripts = set(_scripts(char, KNOWN_SCRIPTS)) or {"Unknown"}
    for script in list(scripts):
        scripts |= AUGMENT.get(script, set())
    return frozenset(scripts)


def _script_name(char: str) -> str:
    return min((script for script in script_set(char) if script in KNOWN_SCRIPTS), default="another script")


def skeleton(identifier: str) -> str:
    """What an identifier looks like (UTS #39 skeleton, with the small table above)."""
    text = DEFAULT_IGNORABLE.sub("", unicodedata.normalize("NFKD", identifier))
    text = "".join(CONFUSABLES.get(char, char) for char in text)
    for sequence, looks_like in ASCII_SEQUENCES:
        text = text.replace(sequence, looks_like)
    return unicodedata.normalize("NFD", text)


def _reads_as(identifier: str) -> str | None:
    """The ASCII an identifier passes for, when it has non-ASCII letters that all have a lookalike
    (invisible characters alone are PL120-PL122's)."""
    text = DEFAULT_IGNORABLE.sub("", unicodedata.normalize("NFKD", identifier))
    if DEFAULT_IGNORABLE.sub("", identifier).isascii():
        return None
    looks = "".join(CONFUSABLES.get(char, char) if not char.isascii() else char for char in text)
    return looks if looks.isascii() else None


def mixed_scripts(identifier: str) -> list[int] | None:
    """Indices of the characters outside the identifier's main script, when its scripts may not
    mix (UTS #39 moderately restrictive, and never with a lookalike letter); else None."""
    sets = [(index, script_set(char)) for index, char in enumerate(identifier) if script_set(char)]
    if not sets:
        return None
    resolved = frozenset.intersection(*(scripts for _index, scripts in sets))
    if resolved:
        return None
    lookalike = any(identifier[index] in CONFUSABLES and not identifier[index].isascii() for index, _ in sets)
    if not lookalike and any(all(scripts & mix for _index, scripts in sets) for mix in ALLOWED_MIXES):
        return None
    counts: dict[str, int] = {}
    for _index, scripts in sets:
        for script in scripts:
            counts[script] = counts.get(script, 0) + 1
    main = max(sorted(counts), key=lambda script: (counts[script], script == "Latin"))
    return [index for index, scripts in sets if main not in scripts]


@dataclass(frozen=True)
class Identifier:
    name: str
    what: str  # "tool name 'x'"
    span: Span
    text: Text | None = None  # the name as located, when the reader kept it
    tool: bool = False
    source: SourceFile | None = None

    def span_at(self, index: int) -> Span:
        """The span of the name's character `index`, read back from the source when needed
        (only for the few names reported)."""
        text = self.text
        if text is None or text.value != self.name or text.source is not self.source:
            text = located_string(self.source, self.span, self.name) if self.source is not None else None
        if text is None or index >= len(text.value):
            return self.span
        return text.span(index, index + 1)


def identifiers(document: Document) -> list[Identifier]:
    """Names a model or a runtime matches on: tool and parameter names, variables, the prompt id."""
    found: list[Identifier] = []

    def add(name: str, what: str, span: Span | None, text: Text | None = None, tool: bool = False) -> None:
        if name and span is not None:
            found.append(Identifier(name, _escaped(what), span, text, tool, document.source))

    for tool in document.tools:
        if tool.name_text is not None:
            add(tool.name, f"tool name '{tool.name}'", tool.name_span, tool.name_text, tool=True)
        elif tool.name_span is not None:
            add(tool.name, f"tool name '{tool.name}'", tool.name_span, tool=True)
        for name, key_span in _parameter_names(tool.parameters):
            add(name, f"parameter '{name}' of tool '{tool.name}'", key_span)
    if document.variables:
        names_at = {(node.key_span.start, node.string()): node for _path, node, _key in _walk(document.root)
                    if node.key_span is not None and node.string() is not None}
        for name, variable in document.variables.items():
            if variable.source is not None:
                continue  # declared in another file, which is linted as a document of its own
            name_node = names_at.get((variable.span.start, name))  # `- name: x` declarations point at the key
            if name_node is not None:
                add(name, f"variable '{name}'", name_node.span, name_node.text)
            else:
                add(name, f"variable '{name}'", variable.span)
    seen = set(document.variables)
    for use in document.variable_uses():
        if use.name not in seen:
            seen.add(use.name)
            add(use.name, f"variable '{use.name}'", use.span)
    prompt_id = document.metadata.id
    if prompt_id is not None and prompt_id.string():
        add(prompt_id.string() or "", f"prompt id '{prompt_id.string()}'", prompt_id.span, prompt_id.text)
    return found


def _parameter_names(parameters: Node | None) -> Iterator[tuple[str, Span]]:
    seen: set[int] = set()
    for _path, node, _key in _walk(parameters):
        properties = node.get("properties") if node.kind == "mapping" else None
        if properties is None or properties.kind != "mapping" or id(properties) in seen:
            continue
        seen.add(id(properties))
        for name, child in properties.items():
            if child.key_span is not None:
                yield name, child.key_span


def _own_reasons(name: str) -> tuple[list[str], int]:
    """Why one identifier is confusable on its own, and the index of the character to point at."""
    if name.isascii():
        return [], 0
    foreign = mixed_scripts(name)
    if foreign:
        char = name[foreign[0]]
        looks = CONFUSABLES.get(char)
        scripts = sorted({_script_name(name[index]) for index in foreign})
        main = _script_name(next(c for index, c in enumerate(name) if index not in foreign and script_set(c)))
        return [f"mixes {main} with {' and '.join(scripts)}: '{_escaped(char)}' is {char_name(char)}"
                + (f", which looks like '{looks}'" if looks else "")], foreign[0]
    if _reads_as(name) is not None:
        index = next((i for i, char in enumerate(name) if not char.isascii() and not DEFAULT_IGNORABLE.match(char)), 0)
        return [f"is written with non-ASCII letters ('{name[index]}' is {char_name(name[index])})"], index
    return [], 0


def confusable_identifier(document: Document, context: CheckContext) -> Iterator[Finding]:
    found = identifiers(document)
    own = [_own_reasons(identifier.name) for identifier in found]
    # tools whose names look alike (UTS #39 skeletons); equal names are a duplicate, not a lookalike
    groups: dict[str, list[int]] = {}
    for position, identifier in enumerate(found):
        if identifier.tool:
            groups.setdefault(skeleton(identifier.name), []).append(position)
    reported: set[int] = set()
    for position, identifier in enumerate(found):
        name = identifier.name
        reasons, index = list(own[position][0]), own[position][1]
        related: tuple[Related, ...] = ()
        group = groups.get(skeleton(name), []) if identifier.tool else []
        others = [found[other] for other in group if found[other].name != name]
        if others:
            other = others[0]
            # a pair of lookalikes is reported once: at the odd one, or at the later of two plain names
            blame = any(own[member][0] for member in group)
            if reasons or (not blame and group.index(position) > group.index(found.index(other))):
                if not reasons:
                    index = next((i for i, (a, b) in enumerate(zip(name, other.name, strict=False)) if a != b),
                                 min(len(name), len(other.name)) - 1)
                reasons.append(f"looks the same as {other.what}")
                related = (Related(document.path, other.span, f"{other.what} is defined here"),)
        if not reasons:
            continue
        span = identifier.span_at(max(0, min(index, len(name) - 1)))
        if span.start in reported:
            continue
        reported.add(span.start)
        reads_as = _reads_as(name)
        yield context.finding(
            span,
            f"{identifier.what} {' and '.join(reasons)}"
            + (f"; it reads as '{reads_as}'" if reads_as is not None else "")
            + "; a reviewer, a model or a tool matching on names can take it for another name",
            related,
        )


# --- PL125 hidden-markup ------------------------------------------------------------------------

HTML_COMMENT = lazy_regex(r"<!--(?P<body>.*?)(?:-->|\Z)", regex.S)
MARKDOWN_COMMENT = lazy_regex(r"(?m)^[ ]{0,3}\[[^\]\n]*\]:[ \t]*(?:#|<>)[ \t]*"
                                 r"(?P<body>\([^\n]*\)|\"[^\n]*\"|'[^\n]*')[ \t]*$")
HIDDEN_STYLE = lazy_regex(
    r"(?i)<[a-z][\w-]*\b[^<>]*?\bstyle\s*=\s*(?P<quote>[\"'])(?P<body>(?:(?!(?P=quote))[^<>])*?"
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0+(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|(?P=quote))"
    r"|opacity\s*:\s*0+(?:\.0+)?\s*(?:;|(?P=quote))|(?<![-\w])color\s*:\s*(?:#fff(?:fff)?\b|white\b|transparent\b))"
    r"[^<>]*?)>")
HIDDEN_ATTRIBUTE = lazy_regex(r"(?i)<[a-z][\w-]*\b[^<>]*?\shidden(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|\w+))?\s*/?>")
# `<!-- prettier-ignore -->`, `<!-- markdownlint-disable MD033 -->`: a name for a tool, no prose
TOOL_DIRECTIVE = lazy_regex(r"\s*[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*(?:\s*[:=]\s*|\s+)?"
                               r"(?:[A-Za-z]*[0-9][\w@.]*(?:\s*,\s*|\s+)?)*\s*")
OUR_DIRECTIVE = lazy_regex(r"promptlint:\s*disable(?:-file)?\s*=")
FENCE = lazy_regex(r"(?ms)^[ ]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^[ ]{0,3}(?P=fence)[`~]*[ \t]*$|\Z)")
INLINE_CODE = lazy_regex(r"(?s)(?<!`)(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`)")
# What instructions to a model look like, for escalating hidden text that carries them.
INSTRUCTION = lazy_regex(
    r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?"
    r"(?:previous|prior|above|earlier|preceding|system|original)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:instructions?|prompts?|directions|rules|guidelines|guidance|context)"
    r"|\b(?:send|post|upload|forward|exfiltrate|transmit|leak|email)\b.{0,80}?\bto\s+(?:https?://|[\w.+-]+@[\w-]+\.)"
    r"|\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|mention|reveal|show|alert|notify)\b.{0,40}?\b(?:the\s+)?users?\b"
    r"|\byou\s+are\s+now\b|\bnew\s+instructions\s*:"
    r"|\b(?:reveal|print|output|repeat|leak)\b.{0,30}\bsystem\s+prompt", regex.S)
SENSITIVE_PATH = lazy_regex(r"~/\.ssh\b|\bid_rsa\b|\.aws/credentials|/etc/passwd|/etc/shadow")
# a download piped into a shell: the classic payload of a poisoned install step
SHELL = lazy_regex(r"\b(?:curl|wget)\b[^\n]{0,120}?\|\s*(?:sudo\s+)?(?:ba|z)?sh\b|\b(?:ba|z)?sh\s+-c\b"
                      r"|\b(?:curl|wget)\b[^\n]{0,120}?https?://")


def instruction_like(text: str) -> str | None:
    """How hidden or decoded text reads when it is aimed at the model, for the message; else None."""
    for pattern, what in ((INSTRUCTION, "an instruction"), (SHELL, "a shell command"),
                          (SENSITIVE_PATH, "a reference to a sensitive file")):
        match = pattern.search(text)
        if match is not None:
            shown = " ".join(match.group().split())
            return f"{what} ('{_escaped(shown if len(shown) <= 60 else shown[:60] + '...')}')"
    return None


def _code_ranges(value: str) -> list[tuple[int, int]]:
    """Fenced code blocks and code spans: Markdown shows what they hold, comments included."""
    if "`" not in value and "~~~" not in value:
        return []
    ranges = [(match.start(), match.end()) for match in FENCE.finditer(value)]
    ranges.extend((match.start(), match.end()) for match in INLINE_CODE.finditer(value)
                  if not any(start <= match.start() < end for start, end in ranges))
    return ranges


def _hidden_markup(item: PromptText, document: Document) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, what it is, the hidden text) of each piece of hidden markup in one text."""
    value = item.text.value
    if "<" not in value and "]:" not in value:
        return
    code = _code_ranges(value)
    found: list[tuple[int, int, str, str]] = []
    for match in HTML_COMMENT.finditer(value):
        body = match.group("body")
        if document.format == "markdown" and OUR_DIRECTIVE.search(body):
            continue  # our own suppression comment in an agent file's body
        if len(body) <= 80 and TOOL_DIRECTIVE.fullmatch(body):
            continue
        closed = match.group().endswith("-->")
        found.append((match.start(), match.end(), "an HTML comment" if closed else "an unclosed HTML comment", body))
    for match in MARKDOWN_COMMENT.finditer(value):
        found.append((match.start(), match.end(), "a Markdown comment (`[//]: #`)", match.group("body")[1:-1]))
    for pattern in (HIDDEN_STYLE, HIDDEN_ATTRIBUTE):
        for match in pattern.finditer(value):
            content = value[match.end():match.end() + 300].split("</", 1)[0]  # up to the next closing tag
            found.append((match.start(), match.end(), "an element styled to be invisible", content))
    for start, end, what, body in sorted(found):
        if not any(low <= start < high for low, high in code):
            yield start, end, what, body


def hidden_markup(document: Document, context: CheckContext) -> Iterator[Finding]:
    reported: set[int] = set()
    for item in context.analysis(document, prompt_texts):
        if item.text.source is not document.source:
            continue
        for start, end, what, body in _hidden_markup(item, document):
            span = item.text.span(start, end)
            if span.start in reported:
                continue
            reported.add(span.start)
            instruction = instruction_like(body)
            # tool and schema descriptions reach the model with authority and sit in no chat log
            schema_text = item.message is None
            severity: Severity | None = None if schema_text or instruction else "note"
            shown = " ".join(body.split())
            shown = shown if len(shown) <= 60 else shown[:60] + "..."
            yield context.finding(
                span,
                f"{what} in {item.where} hides text from anyone reading it rendered (Markdown preview, an MCP "
                f"client), but the model reads it: '{_escaped(shown)}'"
                + (f"; it reads as {instruction}" if instruction else ""),
                severity=severity,
            )


# --- PL126 encoded-payload ----------------------------------------------------------------------

BASE64_RUN = lazy_regex(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{64,}={0,2}(?![A-Za-z0-9+/=_-])")
HEX_RUN = lazy_regex(r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{2}){32,}(?![0-9A-Za-z])")
DATA_URI = lazy_regex(r"(?i)data:[\w.+-]+/[\w.+-]+(?:;[\w=.-]+)*,\s*$")
PEM = lazy_regex(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", regex.S)
PRINTABLE_SHARE = 0.8


def decode_payload(run: str) -> tuple[str, str] | None:
    """(encoding, decoded text) when `run` is base64 or hex of mostly printable text."""
    data: bytes | None = None
    encoding = "hex"
    if len(run) % 2 == 0 and regex.fullmatch(r"[0-9A-Fa-f]+", run):
        data = binascii.unhexlify(run)
    if data is None or _printable_share(data) < PRINTABLE_SHARE:
        encoding = "base64"
        if ("-" in run or "_" in run) and ("+" in run or "/" in run):
            return None
        body = run.rstrip("=")
        body = body[:len(body) - len(body) % 4] if len(body) % 4 == 1 else body
        try:
            data = base64.b64decode(body.translate(str.maketrans("-_", "+/")) + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            return None
    if _printable_share(data) < PRINTABLE_SHARE:
        return None
    return encoding, data.decode("utf-8", errors="replace")


def _printable_share(data: bytes) -> float:
    """The share of printable characters in `data` read as UTF-8 (bytes that are not UTF-8 count as not)."""
    if not data:
        return 0.0
    text = data.decode("utf-8", errors="replace")
    printable = sum(1 for char in text if (char.isprintable() and char != "\ufffd") or char in "\t\n\r")
    return printable / len(text)


def encoded_payload(document: Document, context: CheckContext) -> Iterator[Finding]:
    reported: set[int] = set()
    for item in context.analysis(document, prompt_texts):
        value = item.text.value
        if item.text.source is not document.source or len(value) < 64:
            continue
        pem = [(match.start(), match.end()) for match in PEM.finditer(value)] if "-----BEGIN" in value else []
        runs = list(BASE64_RUN.finditer(value)) + [match for match in HEX_RUN.finditer(value)]
        for match in sorted(runs, key=lambda match: match.start()):
            if any(start <= match.start() < end for start, end in pem):
                continue  # key material is PL601's
            if DATA_URI.search(value, max(0, match.start() - 100), match.start()):
                continue  # an inline file (an image), which the model receives as such
            decoded = decode_payload(match.group())
            if decoded is None:
                continue
            span = item.text.span(match.start(), match.end())
            if span.start in reported:
                continue
            reported.add(span.start)
            encoding, text = decoded
            instruction = instruction_like(text)
            shown = " ".join(text.split())
            shown = shown if len(shown) <= 80 else shown[:80] + "..."
            yield context.finding(
                span,
                f"{encoding} text ({len(match.group())} characters) in {item.where} decodes to readable text: "
                f"'{_escaped(shown)}'; the model can decode and follow it, a reviewer cannot read it"
                + (f"; it reads as {instruction}" if instruction else ""),
                severity="warning" if instruction else None,
            )
