"""Version discipline across files (PL7xx). PL704 is a project-scope rule: it needs every
file of the run, so it collects each file's identity and compares them once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.context import CheckContext
from promptlint.findings import Edit, Finding, Fix, Related
from promptlint.git_base import read_at
from promptlint.lockfile import find_lock, pin, pinnable, read_lock
from promptlint.model import LINE_BREAK, Document, Span
from promptlint.project import Entry, ProjectContext
from promptlint.versioning import Comparison, Version, compare, document_version

# Formats whose id names the prompt for the code that loads it (Dotprompt calls it `name`).
IDENTIFIED = ("native", "prompty", "dotprompt")


@dataclass(frozen=True)
class Identity:
    id: str
    version: str | None
    span: Span


def prompt_identity(document: Document, context: CheckContext) -> Identity | None:
    node = document.metadata.id
    if document.format not in IDENTIFIED or node is None or node.string() is None:
        return None
    version = document.metadata.version
    shown = None if version is None or version.value is None else str(version.value)
    return Identity(node.string() or "", shown, node.span)


def duplicate_prompt_id(project: ProjectContext) -> Iterator[Finding]:
    """PL704: the second (and later) file declaring an id already declared with the same
    version, or where either file gives no version, in the order the run found them."""
    seen: dict[str, list[Entry]] = {}
    for entry in project.entries:
        identity: Identity = entry.data
        earlier = seen.setdefault(identity.id, [])
        clash = next((other for other in earlier if _same_version(other.data, identity)), None)
        earlier.append(entry)
        if clash is None:
            continue
        version = f" version {identity.version}" if identity.version else ""
        yield project.finding(
            entry, identity.span,
            f"prompt id '{identity.id}'{version} is already declared in {clash.path}; code that loads prompts by "
            "id gets one of the two at random. Give this prompt its own id, or a new version if it is one",
            (project.related(clash, clash.data.span, f"'{identity.id}' first declared here"),),
        )


def _same_version(first: Identity, second: Identity) -> bool:
    return first.version is None or second.version is None or first.version == second.version


# --- version declared, and SemVer (PL708, PL709) ----------------------------------------------

# Formats whose `version` is the prompt's SemVer. Dotprompt's `version` is a content hash by its
# spec, never checked as SemVer; it is compared only when both sides happen to be SemVer.
SEMVER_FORMATS = ("native", "prompty", "markdown")


def missing_version(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL708: a native prompt (or a configured format) without `version`."""
    required = document.format == "native" or document.format in (context.options.get("require-version") or [])
    if not required or document.metadata.version is not None:
        return
    where = document.metadata.id.key_span if document.metadata.id is not None else None
    yield context.finding(
        where or document.source.span(0, 0),
        "this prompt declares no version: without one, a change of what the model receives cannot be told from "
        "the prompt that was reviewed and evaluated. Add `version: 1.0.0` (SemVer)",
        fixes=_add_version(document),
    )


def _add_version(document: Document) -> tuple[Fix, ...]:
    """`version: 1.0.0` on the line after a top-level `id: ...` written on one YAML line; nothing
    when the id is written otherwise (JSON, a flow mapping, a value over several lines). Safe:
    a version is metadata, and the model receives the same text."""
    node, source = document.metadata.id, document.source
    if node is None or node.key_span is None or node.span.end_line != node.key_span.start_line:
        return ()
    line = node.key_span.start_line
    if node.key_span.start_column != 1 or not source.line_text(line).startswith("id:"):
        return ()
    end = source.line_starts[line] if line < source.line_count else len(source.text)
    found = LINE_BREAK.search(source.text, source.line_starts[line - 1], end)
    if found is None:  # the id is on the last line, which has no break: give it the file's first break
        first = LINE_BREAK.search(source.text)
        insert = (first.group() if first else "\n") + "version: 1.0.0"
    else:
        insert = "version: 1.0.0" + found.group()
    return (Fix("add `version: 1.0.0`", (Edit(source.span(end, end), insert),), "safe"),)


def invalid_version(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL709: `version` present but not SemVer 2.0.0."""
    node = document.metadata.version
    if document.format not in SEMVER_FORMATS or node is None:
        return
    text, version = document_version(document)
    if version is not None:
        return
    shown = "an empty value" if not text else f"'{text}'"
    suggestion = _suggest(text)
    hint = f"; write it as `\"{suggestion}\"`" if suggestion else "; write it as MAJOR.MINOR.PATCH, such as 1.0.0"
    number = " (YAML reads it as a number: quote it)" if node.value is not None and not isinstance(node.value, str) \
        else ""
    yield context.finding(node.span, f"version {shown} is not a SemVer 2.0.0 version{number}, so no tool can tell "
                                     f"whether a change raised it{hint}")


def _suggest(text: str | None) -> str | None:
    """`v1.2` or `1.2` as the SemVer version it most likely means."""
    parts = (text or "").strip().lstrip("vV").split(".")
    if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        return None
    numbers = [str(int(part)) for part in parts] + ["0"] * (3 - len(parts))
    return ".".join(numbers)


# --- against a git base (PL701, PL702, PL703, PL707) -----------------------------------------
# The base is `check --diff-base REF` (Settings "diff-base"); without it, outside a repository,
# or for a file that is new at the base, these rules say nothing.


@dataclass(frozen=True)
class Against:
    ref: str
    base: Document
    old: Version | None
    new: Version | None
    comparison: Comparison


def against_base(document: Document, context: CheckContext) -> Against | None:
    """The document at the base and the comparison with it, once per document for all four rules."""
    ref = context.settings.get("diff-base") if context.settings is not None else None
    if not ref or context.provider is None:
        return None
    key = f"promptlint.checks.versions.against_base:{ref}"
    if key not in document.analyses:
        document.analyses[key] = _against(document, context, str(ref))
    found: Against | None = document.analyses[key]
    return found


def _against(document: Document, context: CheckContext, ref: str) -> Against | None:
    assert context.provider is not None
    text = read_at(ref, document.source.path)
    base = context.provider.from_text(text, document.path) if text is not None else None
    if base is None or base.fatal or base.format != document.format:
        return None  # new at the base, unreadable there, or another kind of file then
    return Against(ref, base, document_version(base)[1], document_version(document)[1], compare(base, document))


def _version_span(document: Document) -> Span:
    node = document.metadata.version
    if node is not None:
        return node.key_span or node.span
    return document.source.span(0, 0)


def _related(document: Document, against: Against, level: str | None = None) -> tuple[Related, ...]:
    changes = [change for change in against.comparison.changes if level is None or change.level == level]
    return tuple(Related(document.path, change.new_span, change.message)
                 for change in changes if change.new_span is not None)[:5]


def _listed(paths: list[str], limit: int = 4) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def changed_without_version_bump(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL701: what the model receives differs from the base, and the version is the same."""
    against = against_base(document, context)
    if against is None or against.old is None or against.new is None:
        return
    level = against.comparison.level
    if level is None or against.new.key() != against.old.key():
        return
    paths = list(dict.fromkeys(change.path for change in against.comparison.changes))
    required = against.old.bump(level)
    yield context.finding(
        _version_span(document),
        f"what the model receives changed since {against.ref} ({_listed(paths)}) but the version is still "
        f"{against.new}; the change is {'a ' + level if level != 'breaking' else 'breaking'} change: bump the "
        f"version to {required}",
        _related(document, against),
    )


def version_not_increasing(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL702: the version is lower than at the base."""
    against = against_base(document, context)
    if against is None or against.old is None or against.new is None or against.new.key() >= against.old.key():
        return
    yield context.finding(
        _version_span(document),
        f"the version went backwards: {against.old} at {against.ref}, {against.new} now; versions only grow, or "
        "two different prompts share one version",
    )


def breaking_change_without_major_bump(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL703: a breaking change with a version raised, but by less than a major step."""
    against = against_base(document, context)
    if against is None or against.old is None or against.new is None or against.comparison.level != "breaking":
        return
    if against.new.key() <= against.old.key() or against.new.satisfies(against.old, "breaking"):
        return  # not raised at all (PL701, PL702), or raised enough
    breaking = [change.message for change in against.comparison.of("breaking")]
    required = against.old.bump("breaking")
    yield context.finding(
        _version_span(document),
        f"breaking change since {against.ref} ({'; '.join(breaking[:3])}"
        f"{f'; and {len(breaking) - 3} more' if len(breaking) > 3 else ''}) with only {against.old} → "
        f"{against.new}: it requires {required}",
        _related(document, against, "breaking"),
    )


def trust_downgraded(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL707: a variable untrusted at the base is trusted now (or its trust was removed)."""
    against = against_base(document, context)
    if against is None:
        return
    for name, variable in document.variables.items():
        was = against.base.variables.get(name)
        if was is None or was.trust != "untrusted" or variable.trust == "untrusted":
            continue
        now = "trusted" if variable.trust == "trusted" else "no longer declared untrusted"
        yield context.finding(
            variable.span,
            f"variable '{name}' was untrusted at {against.ref} and is {now}: the injection rules (PL101, PL102, "
            "PL404) stop checking where it goes. If a review found its value can no longer come from users or "
            "retrieved content, suppress this with the reason",
        )


# --- tool pins (PL705) -------------------------------------------------------------------------


def tool_definition_drift(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL705: a tool of a file pinned in `promptlint.lock` whose definition is not its pin."""
    tools = pinnable(document)
    root = context.provider.root if context.provider is not None else None
    found = find_lock(document.source.path, root or document.source.path.absolute().parent)
    if found is None:
        return  # no lock: nothing is pinned
    lock = read_lock(found)
    if lock.error is not None:
        if tools:
            yield context.finding(document.source.span(0, 0), f"{found.name} cannot be read, so this file's tools "
                                  f"cannot be checked against their pins: {lock.error}")
        return
    key = lock.key(document.source.path)
    pins = lock.tools.get(key or "")
    if not pins:
        return  # only files the lock pins are checked
    for name, tool in tools.items():
        where = tool.name_span or tool.span
        if name not in pins:
            yield context.finding(where, f"tool '{name}' is not pinned in {found.name}: review it and run "
                                  "`promptlint lock` to pin it", severity="warning")
        elif pins[name] != pin(tool):
            yield context.finding(where, f"tool '{name}' no longer matches its pin in {found.name}: its name, "
                                  "description or argument schema changed since it was reviewed. Review the change "
                                  "(a changed description can instruct the model), then run `promptlint lock`")
    for name in sorted(set(pins) - set(tools)):
        yield context.finding(document.source.span(0, 0), f"tool '{name}' is pinned in {found.name} but no longer "
                              "defined here; run `promptlint lock` to drop its pin", severity="note")
