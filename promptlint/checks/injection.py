"""Untrusted text in the wrong place (PL101-PL106): checks over the trust analysis
(promptlint/trust.py) and the privilege of positions (promptlint/positions.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptlint.checks import lazy
from promptlint.context import CheckContext
from promptlint.findings import Finding, Severity
from promptlint.model import Document, Message, VariableUse
from promptlint.positions import message_position
from promptlint.trust import Emission, Trust, trust_analysis

LOWER: dict[Severity, Severity] = {"error": "warning", "warning": "note", "note": "note"}
_TEMPLATE_TAG = lazy(r"\{%.*?%\}|\{#.*?#\}|\{\{\{.*?\}\}\}|\{\{.*?\}\}", re.S)
_XML_TAG = lazy(r"<(/?)([A-Za-z][\w.:-]*)(?:\s[^<>]*)?(/?)>")
# formats whose runtime renders the whole body to text and then splits it into messages at role markers
SPLIT_AFTER_RENDERING = {"prompty": "Prompty splits the rendered body at lines such as `system:`",
                         "dotprompt": "Dotprompt renders without HTML escaping, then splits the text at "
                                      "`<<<dotprompt:role:...>>>` markers",
                         "semantic-kernel": "Semantic Kernel reads `<message role=\"...\">` tags out of the rendered "
                                            "text",
                         "role-lines": "promptflow renders the template and then splits it at lines such as "
                                       "`# system:`"}
# formats whose role markers are whole lines: only a value at the start of a line can forge one
LINE_MARKERS = frozenset({"prompty", "role-lines"})
REMEDY = {"prompty": "remove line breaks from the value (`| replace(\"\\n\", \" \")`)",
          "role-lines": "remove line breaks from the value (`| replace(\"\\n\", \" \")`)",
          "semantic-kernel": "drop `allow_dangerously_set_content: true` (SK then HTML-encodes the value)"}
# filters whose output cannot contain a line break (or any markup): the value cannot forge a role line
ONE_LINE_FILTERS = frozenset({"tojson", "b64encode", "urlencode", "replace", "datamark", "striptags", "escape", "e",
                              "wordwrap_none", "oneline"})


def _severity(context: CheckContext, trust: Trust) -> Severity | None:
    """A finding resting on inferred trust sits one severity lower than one on a declaration."""
    return LOWER[context.rule.severity] if trust.source == "inferred" else None


def _evidence(emission: Emission) -> tuple[str, ...]:
    via = (f"its value reaches the text through `{emission.via}`",) if emission.via else ()
    return (emission.trust.evidence, *via)


def _untrusted(document: Document, context: CheckContext) -> Iterator[Emission]:
    """Untrusted values written where the template puts them (not under a role the data chooses)."""
    allowed = set(context.options.get("allow") or ())
    for emission in trust_analysis(document, context).emissions:
        if emission.trust.untrusted and emission.variable not in allowed and not emission.role_from_data:
            yield emission


def _shown(emission: Emission) -> str:
    return f"`{emission.via}` (from `{emission.variable}`)" if emission.via else f"`{emission.variable}`"


def untrusted_in_privileged_position(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL101."""
    for emission in _untrusted(document, context):
        message = emission.message
        if message is None or message_position(message.role) != "privileged":
            continue
        where = "the body of this agent instruction file" if document.format == "markdown" else \
            f"the {message.role} message"
        yield context.finding(
            emission.use.tag_span,
            f"untrusted {_shown(emission)} is written into {where}, which the model obeys as instructions: "
            f"text in it can take over the prompt ({emission.trust.evidence}). Move it into a user message "
            f"inside delimiters (<data>{{{{ {emission.use.name} }}}}</data>), or declare it trusted if the "
            "application fully controls its value",
            severity=_severity(context, emission.trust), evidence=_evidence(emission))


def undelimited_untrusted_variable(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL102."""
    spotlight = set(context.options.get("spotlight-filters") or ())
    for emission in _untrusted(document, context):
        message = emission.message
        if message is None or message_position(message.role) not in ("user", "data"):
            continue
        if (emission.trust.kind == "user" and message_position(message.role) == "user") or _replayed(emission):
            continue  # the user's own words in the user's own turn, or a stored turn replayed: the turn itself
        if spotlight & set(emission.use.filters) or delimiting(message, emission) is not None:
            continue
        yield context.finding(
            emission.use.tag_span,
            f"untrusted {_shown(emission)} is pasted into {message.label} without delimiters, so the "
            f"model cannot tell where it starts and ends ({emission.trust.evidence}). Enclose it in a tag pair "
            f"named for what it holds (<document>{{{{ {emission.use.name} }}}}</document>) and refer to the tag in "
            "the instructions, or send it as a message of its own",
            severity=_severity(context, emission.trust), evidence=_evidence(emission))


def delimiter_breakout(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL104: delimited by a fixed tag pair only, with nothing that escapes a closing tag in the value."""
    escaping = set(context.options.get("escape-filters") or ())
    for emission in _untrusted(document, context):
        message = emission.message
        if message is None or emission.trust.source == "inferred" or escaping & set(emission.use.filters):
            continue
        how = delimiting(message, emission)
        if how is None or not how.startswith("<"):
            continue
        yield context.finding(
            emission.use.tag_span,
            f"untrusted {_shown(emission)} is delimited only by {how}: a value containing the closing tag ends the "
            f"data block early and what follows reads as instructions. Strip the closing tag from the value "
            f"(`| replace(\"</...>\", \"\")`), encode it (`| tojson`), or datamark it",
            evidence=_evidence(emission))


def _replayed(emission: Emission) -> bool:
    """A turn of a stored conversation written back by a loop under its own role (`{% for item in
    history %}# assistant:{{ item.answer }}`): the conversation replayed, not text put in a new place."""
    return emission.trust.kind == "history" and emission.via is not None


def untrusted_in_assistant_turn(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL105."""
    for emission in _untrusted(document, context):
        message = emission.message
        if message is None or message_position(message.role) != "model" or _replayed(emission):
            continue
        yield context.finding(
            emission.use.tag_span,
            f"untrusted {_shown(emission)} is written into an {message.role} turn, which the model reads as its own "
            f"earlier answer: a forged commitment ({emission.trust.evidence}). Keep assistant turns static; put the "
            "value in a user message inside delimiters",
            severity=_severity(context, emission.trust), evidence=_evidence(emission))


def role_marker_injection_surface(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL106: a value that can forge a role marker in a format that splits roles after rendering."""
    kind: str = document.format or ""
    if kind == "template" and any(message.role_span is not None for message in document.messages):
        kind = "role-lines"  # a standalone template split at promptflow's `# role:` lines
    runtime = SPLIT_AFTER_RENDERING.get(kind)
    semantic_kernel = kind == "semantic-kernel"
    # SK's HTML encoding keeps values from forging tags, but a role attribute written from data still chooses
    if runtime is None or (document.role_markers_strict and not semantic_kernel):
        return
    closing = ("set `template.format.strict: true` (the runtime then rejects role markers that rendered text "
               "forges), or " if document.format == "prompty" else "")
    analysis = trust_analysis(document, context)
    reported: set[int] = set()
    for emission in analysis.emissions:
        message = emission.message
        if message is None or emission.trust.level == "trusted" or emission.use.tag_span.start in reported:
            continue
        value = message.text.value
        start = message.text.index_of(emission.use.tag_span.start)
        end = message.text.index_of(emission.use.tag_span.end - 1)
        if emission.writes_role:  # a role attribute sits outside the message text
            tag = document.source.text[emission.use.tag_span.start:emission.use.tag_span.end]
            reported.add(emission.use.tag_span.start)
            severity: Severity | None = None if emission.trust.untrusted and emission.trust.source != "inferred" \
                else "note"
            yield context.finding(
                emission.use.tag_span,
                f"the role of this turn is written from data ({tag.strip()}): {runtime}, so a value of `system` "
                f"turns the next text into a system message. Send such turns as structured messages the "
                f"application builds, with roles it chooses; or {closing}map the role through a fixed list",
                severity=severity, evidence=_evidence(emission))
            continue
        if not emission.trust.untrusted or emission.role_from_data or set(emission.use.filters) & ONE_LINE_FILTERS:
            continue
        if start is None or end is None or (semantic_kernel and _encoded(document, emission.variable)):
            continue
        line_start = value.rfind("\n", 0, start) + 1
        if kind in LINE_MARKERS and value[line_start:start].strip():
            continue  # role markers that are whole lines: a value after other text cannot begin one
        reported.add(emission.use.tag_span.start)
        remedy = REMEDY.get(kind, "strip `<<<` from the value before rendering")
        yield context.finding(
            emission.use.tag_span,
            f"untrusted {_shown(emission)} is rendered into the body before it is split into messages: {runtime}, "
            f"so a value holding such a marker forges a new message, a system one included "
            f"({emission.trust.evidence}). Assumed: a runtime that splits after rendering. Close it: {closing}"
            f"{remedy}, or have the application send it as a message of its own",
            severity=_severity(context, emission.trust), evidence=_evidence(emission))


def _encoded(document: Document, name: str) -> bool:
    """Whether Semantic Kernel HTML-encodes the value (its default), so that it cannot write a tag."""
    variable = document.variables.get(name)
    if variable is not None and variable.encoded is not None:
        return variable.encoded
    return document.role_markers_strict is not False


def trust_undeclared(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL103 (opt-in): variables whose trust is not declared, so teams can declare them."""
    analysis = trust_analysis(document, context)
    first_use: dict[str, VariableUse] = {}
    for use in document.variable_uses():
        first_use.setdefault(use.name, use)
    for name, trust in analysis.variables.items():
        if trust.source in ("declared", "configured"):
            continue
        variable = document.variables.get(name)
        local = variable is not None and variable.source is None
        span = variable.span if local and variable else first_use[name].span if name in first_use else None
        if span is None:
            continue
        how = "`trust: untrusted` (or `trusted`) on its declaration" if document.format == "native" else \
            "it under `trust.untrusted` (or `trust.trusted`) in the configuration"
        state = "is inferred untrusted" if trust.untrusted else "is unknown"
        yield context.finding(
            span, f"the trust of `{name}` {state} ({trust.evidence}); declare {how}, so the injection rules "
                  "judge it at full strength", evidence=(trust.evidence,))


def delimiting(message: Message, emission: Emission) -> str | None:
    """How a value written at `emission` is set apart from the instructions around it, if at all."""
    value = message.text.value
    start = message.text.index_of(emission.use.tag_span.start)
    end = message.text.index_of(emission.use.tag_span.end - 1)
    if start is None or end is None:
        return None
    end += 1
    if not _TEMPLATE_TAG.sub("", value).strip():
        return "the message boundary"  # the value is the whole turn
    if value[start - 1:start] in ('"', "'", "\u201c", "`") and value[end:end + 1] in ('"', "'", "\u201d", "`"):
        return "quotes"
    if value[start - 2:start] == "](" and value[end:end + 1] == ")":
        return "a Markdown link target"
    for fence in ("```", '"""', "'''", "~~~"):
        if value.count(fence, 0, start) % 2 == 1 and fence in value[end:]:
            return f"a {fence} block"
    pair = _enclosing_tag(value, start, end)
    if pair is not None:
        return f"<{pair}>…</{pair}>"
    return None


def _enclosing_tag(value: str, start: int, end: int) -> str | None:
    """The innermost XML-like tag pair around [start, end), as Anthropic's and Spotlighting's
    guidance delimit data: `<document>{{ doc }}</document>`."""
    open_tags: list[str] = []
    for match in _XML_TAG.finditer(value, 0, start):
        closing, name, self_closing = match.group(1), match.group(2), match.group(3)
        if self_closing:
            continue
        if closing:
            if name in open_tags:
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name):]
        else:
            open_tags.append(name)
    for name in reversed(open_tags):
        if re.search(rf"</{re.escape(name)}\s*>", value[end:]):
            return name
    return None
