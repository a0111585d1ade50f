"""Read a file as it was at a git revision, or as it is staged, for the versioning rules.

Read-only and offline: `git cat-file blob` (never a text conversion, a pager or a hook), with
fetching disabled so a partial clone cannot reach the network for a missing object, a time
limit and an output bound. Every "cannot" is None: not a git repository, git not installed,
an unknown revision, a file that did not exist there. The callers skip silently then.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from promptlint.formats import MAX_FILE_BYTES

TIMEOUT = 15  # seconds for one git command
STAGED = ":"  # the revision that names the index (the staged version), as in `git show :path`
_ENVIRONMENT = {"GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def _git(arguments: list[str], directory: Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """Standard output of a successful git command run in `directory`, or None (failed, too
    large, too slow, no git)."""
    if not directory.is_dir():
        return None
    command = ["git", "-c", "protocol.allow=never", "-C", str(directory), *arguments]
    try:
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env={**os.environ, **_ENVIRONMENT}) as process:
            assert process.stdout is not None
            data = process.stdout.read(limit + 1)
            if len(data) > limit:
                process.kill()
                return None
            if process.wait(timeout=TIMEOUT) != 0:
                return None
            return data
    except (OSError, subprocess.SubprocessError):
        return None


def _valid_revision(revision: str) -> bool:
    # never an option (`--output=...`), never a path spec of its own
    return bool(revision) and not revision.startswith("-") and ":" not in revision and "\0" not in revision


def read_at(revision: str, path: Path) -> str | None:
    """The text of the file at `path` at `revision` (`:` for the staged version), or None when
    that cannot be read: outside a repository, unknown revision, file absent there, not UTF-8."""
    if revision != STAGED and not _valid_revision(revision):
        return None
    path = path.absolute()
    # `./name` is resolved from git's working directory, so no repository-relative path is needed
    spec = f"{'' if revision == STAGED else revision}:./{path.name}"
    data = _git(["cat-file", "blob", spec], path.parent)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def inside_repository(directory: Path) -> bool:
    return _git(["rev-parse", "--is-inside-work-tree"], directory, 64) == b"true\n"


def resolve(revision: str, directory: Path) -> str | None:
    """The commit `revision` names in the repository around `directory`, or None."""
    if revision == STAGED:
        return STAGED
    if not _valid_revision(revision):
        return None
    data = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], directory, 256)
    return data.decode("ascii", "replace").strip() if data else None
