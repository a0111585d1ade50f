"""Layered prompts (PL3xx): a platform prompt, tenant customisations on top, user preferences on
top of those. Stacks come from `promptlint.layers`; PL305 and the cross-layer comparisons are
project-scope rules (they need the parents of each file), PL302 and PL306 need only the file
and its place."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from promptlint.checks import lazy
from promptlint.checks.phrases import override_matches, prose
from promptlint.context import CheckContext
from promptlint.directives import Directive
from promptlint.findings import Finding
from promptlint.layers import MAX_STACK_DEPTH, Place, place_of, stacks
from promptlint.model import Document, Span
from promptlint.positions import PRIVILEGED_ROLES
from promptlint.project import Entry, ProjectContext

# --- collect: each file's place, for the project-scope rules ---------------------------------


def layer_place(document: Document, context: CheckContext) -> Place | None:
    return place_of(document, context.settings)


# --- PL305 invalid-layer-composition ----------------------------------------------------------

def invalid_composition(project: ProjectContext) -> Iterator[Finding]:
    """Parents that cannot be read, a layer stacked on a lower one, cycles, two roots of the
    highest layer in one stack."""
    ancestors = {stack.entry.path: stack.ancestors for stack in stacks(project)}
    for entry in list(project.entries):
        if entry.path not in project.reported:
            continue
        place: Place = entry.data
        for parent in place.parents:
            span = _where(entry, parent.span)
            found, why = project.lookup(parent.path)
            named = f"'{parent.written}'" + ("" if parent.span is not None else " (from `layers`/`stacks` in the "
                                                                                   "configuration)")
            if found is None:
                yield project.finding(entry, span, f"this file stacks on {named}, which cannot be used: {why}. "
                                                   "Fix the path (it is relative to this file's folder)")
                continue
            above: Place = found.data
            if place.rank is not None and above.rank is not None and above.rank > place.rank:
                yield project.finding(
                    entry, span,
                    f"a {place.layer} layer stacks on {named}, a {above.layer} layer, which sits below it: a lower "
                    f"layer cannot hold rules a higher one builds on. Reverse the link: the {above.layer} file "
                    f"extends this one", (project.related(found, _where(found, above.layer_span),
                                                          f"'{above.path}' is a {above.layer} layer"),))
        cycle = _cycle(project, entry)
        if cycle:
            yield project.finding(entry, _where(entry, place.parents[0].span if place.parents else None),
                                  "this file's stack runs in a circle (" + " → ".join([entry.path, *cycle]) +
                                  "), so no layer is on top; remove one link")
        roots = [above for above in ancestors.get(entry.path, ()) if not above.data.parents]
        highest = [root for root in roots if root.data.rank == 0]
        if len(highest) > 1 and place.parents:
            yield project.finding(
                entry, _where(entry, place.parents[0].span),
                f"this file's stack has {len(highest)} roots of the {highest[0].data.layer} layer ("
                + ", ".join(f"'{root.path}'" for root in highest) + "): which one wins is the order they are "
                "concatenated in. Stack on one, and have it extend the other if both are needed",
                tuple(project.related(root, _where(root, root.data.layer_span), "a root of the stack")
                      for root in highest))


def _where(entry: Entry, span: Span | None) -> Span:
    return span if span is not None else entry.source.span(0, 0)


def _cycle(project: ProjectContext, entry: Entry) -> list[str]:
    """The path back to `entry` through its parents, if there is one."""
    stack: list[tuple[Entry, list[str]]] = [(entry, [])]
    seen: set[str] = set()
    while stack:
        current, trail = stack.pop()
        if len(trail) > MAX_STACK_DEPTH:
            continue
        for parent in current.data.parents:
            if parent.path == entry.path:
                return [*trail, entry.path]
            if parent.path in seen:
                continue
            seen.add(parent.path)
            found, _why = project.lookup(parent.path)
            if found is not None:
                stack.append((found, [*trail, parent.path]))
    return []


# --- PL306 layer-role-mismatch -------------------------------------------------------------------

DEFAULT_LAYER_ROLES = {"platform": ["system", "developer"], "tenant": ["system", "developer"], "user": []}


def layer_role_mismatch(document: Document, context: CheckContext) -> Iterator[Finding]:
    """A layer writing text in a role above its privilege (end-user custom instructions as `system`)."""
    place = place_of(document, context.settings)
    if place is None or place.layer is None:
        return
    allowed: dict[str, list[str]] = {**DEFAULT_LAYER_ROLES, **(context.options.get("layer-roles") or {})}
    if place.layer not in allowed:
        return
    for message in document.messages:
        role = message.role.lower()
        if role in PRIVILEGED_ROLES and role not in allowed[place.layer]:
            yield context.finding(
                message.role_span or message.span,
                f"this is a {place.layer} layer, but it writes a {role} message: text its authors control gets "
                f"{role} authority over the layers above it. Write it as a user message (or change `layer-roles` "
                "if this layer is trusted with it)")


# --- PL302 lower-layer-override-attempt -------------------------------------------------------

_LAYER_TARGETED = tuple(lazy(pattern, re.IGNORECASE) for pattern in (
    r"\b(?:ignore|disregard|override|overrule|forget|bypass|set\s+aside)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+)?"
    r"(?:platform|system|base|default|global|parent|higher|upstream|above|previous|earlier|original)(?:['\u2019]s)?\s+"
    r"(?:instructions?|rules|polic(?:y|ies)|guidelines|guardrails|restrictions|constraints|prompt)\b",
    r"\bthe\s+(?:above|previous|platform|base|default|earlier|original)\s+(?:instructions?|rules|polic(?:y|ies)|"
    r"guidelines|restrictions)\s+(?:no\s+longer|do\s+not|don['\u2019]t|does\s+not|doesn['\u2019]t)\s+apply\b",
    r"\byou\s+are\s+no\s+longer\s+(?:bound|restricted|limited)\b",
    r"\b(?:these|this|our|my)\s+(?:instructions?|rules)\s+(?:take\s+precedence|override|supersede|replace)\s+"
    r"(?:over\s+)?(?:all\s+|any\s+)?(?:the\s+)?(?:platform|system|previous|above|other|base|default)\b",
))


def lower_layer_override(document: Document, context: CheckContext) -> Iterator[Finding]:
    """Text in a tenant or user layer that tells the model to drop the layers above it."""
    place = place_of(document, context.settings)
    if place is None or not place.rank:
        return
    for item in context.analysis(document, prose):
        for start, end, phrase, how in override_matches(item, _LAYER_TARGETED):
            yield context.finding(
                item.text.span(start, end),
                f"this {place.layer} layer tells the model to set aside the layers above it ('{phrase}'){how}: in a "
                "layered prompt that is an injection committed to the repository, and the model may obey it. "
                "Remove it; a lower layer may narrow the rules above it, never lift them")


# --- PL301, PL303, PL307: a lower layer's directives against the layers above it ----------------

def layer_directives(document: Document, context: CheckContext) -> Place | None:
    """Collect: the file's place and its directives (sent to the main process with --jobs)."""
    from promptlint.directives import directives

    place = place_of(document, context.settings)
    if place is None:
        return None
    fixed = any(_FIXED_IDENTITY.search(item.masked(item.tags, item.fences, item.examples))
                for item in context.analysis(document, prose) if item.position == "privileged")
    return replace(place, payload=LayerText(tuple(directives(document)), fixed))


@dataclass(frozen=True)
class LayerText:
    """What the cross-layer rules need of a layer's prose (sent between processes with --jobs)."""

    directives: tuple[Directive, ...]
    identity_fixed: bool  # the layer says the assistant's name or persona may not change


# "Always introduce yourself as Aria", "never use another name": a persona the layers below may not rename
_FIXED_IDENTITY = lazy(
    r"\b(?:always\s+(?:introduce|refer\s+to|present|call)\s+yourself\s+as|(?:never|do\s+not|don't)\s+(?:change|"
    r"use\s+(?:any\s+)?(?:another|other|a\s+different)|adopt\s+(?:any\s+)?(?:another|other|a\s+different)|take\s+on"
    r"\s+(?:another|a\s+different))\s+(?:name|persona|identity)|your\s+(?:name|identity|persona)\s+(?:is\s+)?"
    r"(?:fixed|always|cannot\s+change|must\s+not\s+change|never\s+changes))", re.IGNORECASE)
# the proper name a persona directive gives the assistant
_PERSONA_NAME = lazy(
    r"\b(?i:your\s+name\s+is|named|called|introduce\s+yourself\s+as|you\s+are)\s+([A-Z][\w-]+)\b(?!['\u2019]s)"
    r"(?=\s*(?:[,.;:!]|$|\s+(?:the|a|an|and)\b))")


Judge = Callable[["Directive", "Directive"], "str | bool | None"]


def _against_stack(project: ProjectContext, judge: Judge) -> Iterator[tuple[Entry, Directive, Entry, Directive, Any]]:
    """(lower file, its directive, higher file, its directive, the judgement) for each directive of
    a reported file that the judge flags against one in a file above it: the nearest layer first,
    each lower directive once."""
    for stack in stacks(project):
        lower: Entry = stack.entry
        for low in _directives(lower):
            for higher in stack.ancestors:
                verdict = next(((high, found) for high in _directives(higher) if (found := judge(high, low))), None)
                if verdict is not None:
                    yield lower, low, higher, verdict[0], verdict[1]
                    break


def _directives(entry: Entry) -> tuple[Directive, ...]:
    text: LayerText | None = entry.data.payload
    return text.directives if text is not None else ()


def _persona_clash(project: ProjectContext) -> Iterator[Finding]:
    """A lower layer naming the assistant otherwise than a higher layer that says its name is fixed."""
    for stack in stacks(project):
        lower = stack.entry
        for low in _directives(lower):
            name = _persona_name(low)
            if name is None:
                continue
            for higher in stack.ancestors:
                text: LayerText | None = higher.data.payload
                if text is None or not text.identity_fixed:
                    continue
                high = next((high for high in text.directives if (other := _persona_name(high)) is not None
                             and other.lower() != name.lower()), None)
                if high is not None:
                    yield project.finding(
                        lower, low.span,
                        f"this {_layer(lower)} calls the assistant '{name}', but {higher.path} names it "
                        f"'{_persona_name(high)}' and says that identity does not change: the model will answer "
                        "to one of them. Drop the rename, or let the higher layer allow it",
                        (project.related(higher, high.span, f"the {_layer(higher)} names the assistant here"),),
                        severity="note")
                    break


def _persona_name(directive: Directive) -> str | None:
    if directive.slot != "persona":
        return None
    found = _PERSONA_NAME.search(directive.text)
    return found.group(1) if found else None


def _layer(entry: Entry) -> str:
    place: Place = entry.data
    return f"{place.layer} layer" if place.layer else "file"


def layer_conflict(project: ProjectContext) -> Iterator[Finding]:
    """PL301: a lower layer requires what a higher one forbids, or another value of a closed set."""
    from promptlint.directives import conflict, relaxes

    def judge(high: Directive, low: Directive) -> str | None:
        return None if relaxes(high, low) else conflict(high, low)

    lifted = {(lower.path, low) for lower, low, _higher, _high, _verdict in _against_stack(project, relaxes)}
    for lower, low, higher, high, reason in _against_stack(project, judge):
        if (lower.path, low) in lifted:
            continue  # a prohibition the lower layer lifts is PL303's, once
        yield project.finding(
            lower, low.span,
            f"this {_layer(lower)} says '{_clip(low.text)}', which conflicts with '{_clip(high.text)}' in "
            f"{higher.path} ({reason}): the model silently picks one, often the lower. Remove it, narrow the higher "
            "rule in its own layer, or make this one conditional ('for ... questions, ...')",
            (project.related(higher, high.span, f"the {_layer(higher)} says this"),))
    yield from _persona_clash(project)


def relaxed_prohibition(project: ProjectContext) -> Iterator[Finding]:
    """PL303: a lower layer allows or requires what a higher one forbids."""
    from promptlint.directives import relaxes

    for lower, low, higher, high, _verdict in _against_stack(project, relaxes):
        yield project.finding(
            lower, low.span,
            f"this {_layer(lower)} allows '{_clip(low.text)}', which the {_layer(higher)} forbids: "
            f"'{_clip(high.text)}' ({higher.path}). A lower layer may narrow a prohibition, never lift it; if this "
            "tenant needs it, change the rule where it is written",
            (project.related(higher, high.span, f"the {_layer(higher)} forbids it here"),))


def redundant_directive(project: ProjectContext) -> Iterator[Finding]:
    """PL307: a lower layer repeats a directive it already inherits."""
    from promptlint.directives import redundant

    for lower, low, higher, high, _verdict in _against_stack(project, redundant):
        yield project.finding(
            lower, low.span,
            f"'{_clip(low.text)}' repeats what {higher.path} already says ('{_clip(high.text)}'); it costs tokens "
            "on every call and drifts when one copy changes. Delete this copy",
            (project.related(higher, high.span, "inherited from here"),))


def _clip(text: str, length: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"
