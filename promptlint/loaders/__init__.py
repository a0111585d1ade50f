"""Located data loaders: YAML and JSON into Nodes that keep their source spans."""

from __future__ import annotations

from dataclasses import dataclass

from promptlint.model import Problem


@dataclass(frozen=True)
class BoundProblem(Problem):
    """A file refused at one of promptlint's own bounds (nesting depth, node count), not for
    its syntax. `keys` are the mapping keys read before the bound: a reader that recognises
    its files by content tells from them whether the file starts like one of its own, which
    is then reported rather than skipped (nesting a tool file must not hide it)."""

    keys: frozenset[str] = frozenset()
