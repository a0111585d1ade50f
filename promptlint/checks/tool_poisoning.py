"""Tool poisoning (PL230-PL232): tool descriptions that address the model instead of describing
the tool, hide text behind padding, or change how the model uses other tools.

A tool's description and its parameters' descriptions reach the model with the authority of the
application, and clients rarely show them whole to the user. Hidden characters and markup in
them are PL120-PL126's (promptlint/checks/hidden.py); override phrases alone are PL108's; these
rules read the visible words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptlint.checks import lazy
from promptlint.checks.hidden import SHELL
from promptlint.context import CheckContext
from promptlint.findings import Finding, Related, Severity
from promptlint.model import Document, Text, Tool
from promptlint.tool_schema import tool_parameters

_FLAGS = re.IGNORECASE
QUOTE_LENGTH = 70
# Unicode tag characters spell ASCII invisibly (PL122 reports them); read them as their letters
_TAG_LETTERS = {code: code - 0xE0000 for code in range(0xE0020, 0xE007F)}


@dataclass(frozen=True)
class DescriptionText:
    tool: Tool
    text: Text
    where: str  # "the description of tool 'add'"
    parameter: str | None = None


def description_texts(document: Document) -> list[DescriptionText]:
    """The description of every tool of the file and of each of its parameters, once each."""
    found: list[DescriptionText] = []
    seen: set[int] = set()
    for tool in document.tools:
        if tool.ref is not None:
            continue
        label = f"tool '{tool.name}'" if tool.name else "a tool"
        texts: list[tuple[Text | None, str, str | None]] = [(tool.description, f"the description of {label}", None)]
        texts.extend((parameter.description, f"the description of parameter '{parameter.name}' of {label}",
                      parameter.name) for parameter in tool_parameters(tool))
        for text, where, parameter in texts:
            if text is None or text.source is not document.source or not text.value.strip():
                continue
            start = text.offset(0)
            if start in seen:
                continue
            seen.add(start)
            found.append(DescriptionText(tool, text, where, parameter))
    return found


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH - 1] + "…"


# --- PL230 tool-description-instructions ------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    id: str
    what: str
    pattern: re.Pattern[str]
    strong: bool  # an error on its own; weak signals alone are warnings


_READ = (r"(?:read|reads|reading|cat|open|opens|load|loads|include|includes|attach|attaches|pass|passes|send|sends"
         r"|upload|uploads|uploading|copy|copies|get|gets|fetch|fetches|contents?\s+of|collect|collects|access|dump"
         r"|exfiltrate|grab|extract|matching)")
_SENSITIVE = (r"(?:~/\.ssh\b|\.ssh/|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws/credentials|(?<![\w.])\.env\b(?!\.example)"
              r"|\bmcp\.json\b|~/\.cursor\b|\.cursor/|/etc/(?:passwd|shadow)\b|\.npmrc\b|\.netrc\b|\.pgpass\b"
              r"|\.git-credentials\b|\.kube/config\b|\.docker/config\.json|\bcredentials\.json\b|\bwallet\.dat\b"
              r"|\.pem\b|\bprivate[ _-]keys?\b|\bclaude_desktop_config\.json\b)")
SIGNALS = (
    Signal("authority-tag", "pseudo-authority markup",
           lazy(r"<\s*/?\s*(?:important|system|instructions?|admin|secret|critical|hidden|note[_ -]to[_ -]"
                         r"(?:ai|model|assistant)|ai|assistant)\b[^<>]{0,80}>|\|\|\|\s*[\w ]*override\s*\|\|\|"
                         r"|(?-i:\b(?:SYSTEM|ADMIN|ADMINISTRATOR|DEVELOPER|ROOT)[ _]OVERRIDE\b)"
                         r"|(?-i:\bIMPORTANT\s+SYSTEM\s+INSTRUCTION)", _FLAGS), False),
    Signal("secrecy", "secrecy toward the user",
           lazy(r"\b(?:(?:do\s+not|don'?t|never|without)\s+(?:tell|telling|mention|mentioning|inform|informing"
                         r"|reveal|revealing|disclose|disclosing|alert|alerting|notify|notifying|let)\b"
                         r"|no\s+need\s+to\s+(?:mention|tell|inform|notify|explain))"
                         r"[^.\n]{0,80}?\b(?:users?|humans?|them|this|that|it)\b", _FLAGS), True),
    Signal("sensitive-file", "a request for secrets or sensitive files",
           lazy(rf"\b{_READ}\b[^.\n]{{0,80}}?{_SENSITIVE}", _FLAGS), True),
    Signal("harvest", "a request to collect credentials",
           lazy(r"\b(?:collect|harvest|harvested|extract|index|indexes|capture|exfiltrate|steal|send|forward"
                         r"|transmit|leak)\w*\s+(?:\w+[\s,:]+){0,4}?(?:[a-z]+_)?"
                         r"(?:api[ _-]?keys?|(?:access|auth|bearer|session|api|oauth|refresh)\s+(?:\S+\s+){0,2}?tokens?"
                         r"|credentials|passwords|secrets|private\s+keys?"
                         r"|ssh\s+keys?)\b", _FLAGS), True),
    Signal("side-channel", "data passed through a side parameter",
           lazy(r"\bpass(?:es)?\s+(?:its|the|their|this|that|all|any|your)?\s*(?:[\w-]+\s+){0,3}?"
                         r"(?:content|contents|data|information|info|history|file|files|keys?|secrets?|credentials)\s+"
                         r"(?:[\w-]+\s+){0,2}?(?:as|in|into|to|through|via)\b"
                         r"|\binclude\s+(?:[^.\n]{0,60}?)\bin\s+(?:the\s+)?(?:[\w`'\"-]+\s+){0,2}?"
                         r"(?:parameter|argument|field|sidenote|note)\b", _FLAGS), True),
    Signal("override", "an override of the model's instructions",
           lazy(r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?"
                         r"(?:previous|prior|above|earlier|preceding|system|original|safety)\s+(?:[a-z]+\s+){0,2}?"
                         r"(?:instructions?|prompts?|directions|rules|guidelines|guidance|policies)\b"
                         r"|\byou\s+are\s+now\s+(?:in\s+)?(?:an?\s+)?(?:unrestricted|jailbroken|developer\s+mode|DAN)\b"
                         r"|\bnew\s+instructions\s*:", _FLAGS), True),
    Signal("redirect", "a covert recipient or copy",
           lazy(r"\b(?:always|also|secretly|silently|quietly)\s+(?:bcc|cc|blind[- ]copy|forward|copy|send"
                         r"|upload|post|report)\b"
                         r"|\b(?:override|change|replace|redirect|rewrite)\s+(?:the\s+)?(?:recipient|destination"
                         r"|receiver|to[- ]address|phone\s+number|endpoint|webhook|target\s+url)s?\b"
                         r"|\bsend\s+all\s+(?:e-?mails|messages|data|requests)\s+to\b", _FLAGS), True),
    Signal("shell", "a shell payload",
           lazy(SHELL.pattern + r"|\bchmod\s+-R\s+0?[0-7]{3,4}\s+~|\brm\s+-rf\s+[/~]|\|\s*nc\s+\S"
                         r"|/dev/tcp/", _FLAGS), True),
    Signal("ordering", "an order to the model about when to call tools",
           lazy(r"\bbefore\s+(?:using|calling|invoking|running|you\s+(?:use|call))\s+(?:this|any|other|the)"
                         r"\s+(?:tool|function)s?\s*,?\s*(?:you\s+(?:must|should|need\s+to)\s+|always\s+|first\s+)?"
                         r"(?:read|call|run|fetch|get|open|send|pass|include|check|look\s+up|execute|load|collect)\b|\b(?:always|must)\s+(?:first\s+)?(?:call|consult|use|invoke|run)\s+"
                         r"this\s+(?:tool|function)\s+(?:first|immediately|before)\b|\bas\s+the\s+first\s+step\b"
                         r"|\bbefore\s+(?:returning|responding|answering|replying)\b[^.\n]{0,40}?\b(?:read|run|call"
                         r"|execute|send|fetch)\b", _FLAGS), False),
)


_QUOTED_BEFORE = lazy(r"(?:[\"'`“\u2018«]|\b(?:such\s+as|like|e\.\s?g\.|for\s+example|phrases?|strings?"
                               r"|patterns?|detects?|flags?|blocks?|scores?)\s*[:,]?\s*[\"'`“\u2018«]?)\s*$", _FLAGS)


_FENCE_BEFORE = lazy(r"(?:`{3,}|~{3,})[^\n`]*\s*$")


def _mentioned(value: str, start: int) -> bool:
    """Whether a phrase is quoted or given as an example (a scanner describing what it finds).
    A code fence is no quotation: in a tool description it is a place to hide an order."""
    before = value[max(0, start - 40):start]
    return _QUOTED_BEFORE.search(before) is not None and _FENCE_BEFORE.search(before) is None


def signals(value: str) -> list[tuple[Signal, int, int]]:
    """Every signal in a description: (signal, start, end), in text order. Override phrases and
    authority tags that are quoted or given as examples are mentioned, not said."""
    hidden = value.translate(_TAG_LETTERS)
    found: list[tuple[Signal, int, int]] = []
    for signal in SIGNALS:
        for match in signal.pattern.finditer(hidden):
            if signal.id in ("override", "authority-tag") and _mentioned(hidden, match.start()):
                continue
            found.append((signal, match.start(), match.end()))
    return sorted(found, key=lambda item: (item[1], -item[2]))


def tool_description_instructions(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL230: one finding per description, at its first signal, the others related."""
    for item in context.analysis(document, description_texts):
        found = signals(item.text.value)
        if not found:
            continue
        # one strong signal, or two different weak ones (pseudo-authority markup with an order)
        strong = any(signal.strong for signal, _start, _end in found) or \
            len({signal.id for signal, _start, _end in found}) > 1
        kinds: list[str] = []
        for signal, _start, _end in found:
            if signal.what not in kinds:
                kinds.append(signal.what)
        signal, start, end = found[0]
        quote = _quote(item.text.value[start:end])
        related = tuple(Related(document.path, item.text.span(other_start, other_end),
                                f"{other.what}: '{_quote(item.text.value[other_start:other_end])}'")
                        for other, other_start, other_end in found[1:])
        yield context.finding(
            item.text.span(start, end),
            f"{item.where} addresses the model instead of describing the tool ({', '.join(kinds)}; first: "
            f"'{quote}'): the model obeys tool descriptions, which users rarely see whole, so this is tool "
            "poisoning; do not connect the tool until the description only says what the tool does and takes "
            "(e.g. \"Adds two integers and returns the sum.\")",
            related, severity=None if strong else "warning",
            evidence=tuple(f"{other.id}: {_quote(item.text.value[s:e])}" for other, s, e in found))


# --- PL231 tool-description-padding -----------------------------------------------------------------

SPACE_RUN = lazy(r"[ \t\u00a0\u3000]{20,}")
LONG_RUN = 50  # spaces that push what follows off any client's line, whatever it says
BLANK_LINES = lazy(r"(?:[ \t]*(?:\r\n|\r|\n)){6,}")


def _token_count(value: str) -> int:
    try:
        from promptlint.tokens import count_tokens

        return count_tokens(value)
    except Exception:  # a missing tokenizer falls back to the usual estimate
        return len(value) // 4


def tool_description_padding(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL231."""
    limit = int(context.options.get("max-description-tokens") or 400)
    for item in context.analysis(document, description_texts):
        value = item.text.value
        reported = False
        for pattern, what in ((SPACE_RUN, "spaces"), (BLANK_LINES, "blank lines")):
            for match in pattern.finditer(value):
                after = value[match.end():].strip()
                if not after:
                    continue  # trailing padding hides nothing
                if what == "spaces" and len(match.group()) < LONG_RUN and not signals(after[:300]):
                    continue  # alignment in an example, with nothing to hide after it
                count = len(match.group()) if what == "spaces" else match.group().count("\n") - 1 + \
                    match.group().count("\r") - match.group().count("\r\n")
                instruction = signals(after)
                yield context.finding(
                    item.text.span(match.start(), match.end()),
                    f"{item.where} has {count} {what} in a row before '{_quote(after)}': clients that show a "
                    "description's first line or first screen hide what follows, and the model still reads it"
                    + (f" (and it reads as {instruction[0][0].what})" if instruction else "")
                    + "; write the description as one short paragraph",
                    evidence=(f"{count} {what}",))
                reported = True
                break
            if reported:
                break
        if reported:
            continue
        if len(value) > limit * 2:
            tokens = _token_count(value)
            if tokens > limit:
                yield context.finding(
                    item.text.span(0, min(len(value), 80)),
                    f"{item.where} is {tokens} tokens long (limit {limit}): clients truncate long descriptions in "
                    "their tool lists while the model reads all of it, so nobody reviews the end; keep it to what "
                    "the tool does and takes, and move usage advice to the prompt",
                    severity="note", evidence=(f"{tokens} tokens",))


# --- PL232 tool-description-cross-reference ---------------------------------------------------------

_NAME = r"[`'\"]?(?:\([\w.-]+\)\s*)?[`'\"]?(?P<name>[A-Za-z_][\w.:-]*[A-Za-z0-9_])[`'\"]?"
_NOT_NAMES = frozenset({"this", "that", "it", "any", "other", "another", "the", "a", "an", "tool", "tools", "function",
                        "you", "they", "user", "users", "data", "request", "requests", "called", "used", "one",
                        "each", "every", "all", "some", "these", "those", "its", "results", "result"})
SHADOW = (
    lazy(rf"\b(?:when(?:ever)?|before|after|if|each\s+time|every\s+time|once)\s+(?:the\s+|a\s+|an\s+)?{_NAME}"
                  r"\s+(?:tool\s+|function\s+)?(?:is|are|gets?|has\s+been|was)\s+(?:being\s+)?(?:used|called|invoked"
                  r"|present|available|run|executed|triggered|loaded|connected)\b", _FLAGS),
    lazy(rf"\b(?:when(?:ever)?|before|after|each\s+time|every\s+time)\s+(?:you\s+)?(?:use|using|call|calling"
                  rf"|invoke|invoking|run|running)\s+(?:the\s+)?{_NAME}", _FLAGS),
    lazy(rf"\b(?:the\s+)?{_NAME}\s+(?:tool|function)\s+(?:must|should|shall)\s+(?:always|also|only|never)\b",
                  _FLAGS),
)
ALL_TOOLS = lazy(r"\b(?:all|every|any|each)\s+(?:other\s+)?(?:tools?|functions?|commands?|tool\s+calls?"
                          r"|mcp\s+servers?|servers?)\b[^.\n]{0,60}?\b(?:must|should|shall|always|need\s+to|have\s+to"
                          r"|are\s+required)\b", _FLAGS)


CAMEL = lazy(r"[a-z][A-Z]")
# what an order about another tool of the same set changes, beyond when to call it
MODIFIES = lazy(r"\b(?:bcc|cc|forward|send|change|override|replace|redirect|prefix|append|include|also"
                         r"|always|instead|secretly|silently)\b", _FLAGS)


def _identifier(name: str) -> bool:
    """Whether a word reads as a tool name: snake, kebab, dotted or camel case, or quoted."""
    return "_" in name or "-" in name or "." in name or ":" in name or CAMEL.search(name) is not None


def _sentence(value: str, start: int, end: int) -> tuple[int, int]:
    begin = max(value.rfind(". ", 0, start), value.rfind("\n", 0, start)) + 1
    finish = min((index for index in (value.find(". ", end), value.find("\n", end)) if index != -1),
                 default=len(value))
    return begin, finish


def tool_description_cross_reference(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL232."""
    names = {tool.name for tool in document.tools if tool.name}
    for item in context.analysis(document, description_texts):
        value = item.text.value.translate(_TAG_LETTERS)
        own = {parameter.name for parameter in tool_parameters(item.tool)}
        found: list[tuple[int, int, str, Any]] = []
        for pattern in SHADOW:
            for match in pattern.finditer(value):
                name = match.group("name")
                if name.lower() in _NOT_NAMES or name == item.tool.name or name in own:
                    continue
                if name in names and not MODIFIES.search(value, *_sentence(value, match.start(), match.end())):
                    continue  # when to call another tool of the set: routing advice
                quoted = value[max(0, match.start("name") - 1):match.start("name")] in ("`", "'", '"')
                if name not in names and not (quoted or _identifier(name) or match.re is SHADOW[0]):
                    continue
                found.append((match.start(), match.end(), name, match))
        for match in ALL_TOOLS.finditer(value):
            found.append((match.start(), match.end(), "", match))
        if not found:
            continue
        start, end, name, _match = min(found, key=lambda each: each[0])
        sentence = _quote(value[start:end])
        if not name:
            message = (f"{item.where} gives orders about every tool ('{sentence}'): a description that changes how "
                       "the model uses other tools shadows them, whichever server they come from")
            severity: Severity | None = None
        elif name in names:
            message = (f"{item.where} tells the model how to use '{name}', another tool of this set ('{sentence}'); "
                       "if the two come from different servers this is shadowing, and even from one server the rule "
                       f"belongs in the description of '{name}'")
            severity = "note"
        else:
            message = (f"{item.where} changes how the model uses '{name}', a tool this set does not define "
                       f"('{sentence}'): a description that rewrites another server's tool is shadowing")
            severity = None
        yield context.finding(
            item.text.span(start, end),
            message + "; describe only this tool (what it does and takes), and put cross-tool rules in the prompt",
            severity=severity)
