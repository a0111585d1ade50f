"""Version discipline across files (PL7xx). PL704 is a project-scope rule: it needs every
file of the run, so it collects each file's identity and compares them once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Span
from promptlint.project import Entry, ProjectContext

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
