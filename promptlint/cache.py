"""The result cache (`.promptlint_cache/`): a re-run over files that did not change costs little
more than hashing them.

One entry per file, named by a hash of everything its per-file result depends on: the file's
bytes and path, the configuration, the selected rules, and promptlint itself (its version and
the signature of its installed files, so an edited checkout never reads an older result). The
entry keeps the other files that lint read (see `inputs`) with their signatures, and is used
only while every one of them is unchanged. Project-scope rules (layers, duplicate ids) always
run again, over what each file's entry collected for them.

Entries are pickles, which are code to Python: each is signed with HMAC-SHA256 under a key kept
in the user's own cache folder (never in the project), and one whose signature does not verify
is ignored. A cache folder committed to a repository, or planted in it, can therefore neither
run code nor hide a finding. Writes go to a temporary file that is renamed into place, so runs
in parallel never see half an entry. A folder that cannot be written simply means no cache.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint import __version__
from promptlint.config import Settings
from promptlint.inputs import Input, signature

if TYPE_CHECKING:
    from promptlint.engine import Batch, Selection

FOLDER_NAME = ".promptlint_cache"
FORMAT = b"promptlint-cache-1\n"
SECRET_BYTES = 32
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a bigger entry is not worth reading back
_PACKAGE = Path(__file__).resolve().parent


class ResultCache:
    def __init__(self, folder: Path, run_key: str, secret: bytes,
                 settings_for: Callable[[str], Settings] | None = None) -> None:
        self.folder = folder
        self.settings_for = settings_for or _defaults  # each file's max-file-size
        self.run_key = run_key
        self.secret = secret
        self.hits = 0
        self.misses = 0
        self._signatures: dict[Input, str] = {}  # each input is looked at once per process

    def key(self, display_path: str, data: bytes) -> str:
        digest = hashlib.sha256(self.run_key.encode())
        digest.update(display_path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def load(self, key: str) -> Batch | None:
        """The batch stored under `key`, if it is ours and its inputs have not changed."""
        try:
            with open(self._path(key), "rb") as handle:
                blob = handle.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            self.misses += 1
            return None
        payload = self._verified(key, blob)
        if payload is None:
            self.misses += 1
            return None
        try:
            inputs, batch = pickle.loads(payload)  # signed with our own key, verified above
        except Exception:  # an entry written by another version of a class: a miss
            self.misses += 1
            return None
        if any(self._signature(item) != expected for item, expected in inputs):
            self.misses += 1
            return None
        self.hits += 1
        batch_: Batch = batch
        return batch_

    def store(self, key: str, batch: Batch, inputs: set[Input]) -> None:
        try:
            payload = pickle.dumps(([(item, self._signature(item)) for item in sorted(inputs)], batch),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something in the batch that does not pickle: simply not cached
            return
        blob = FORMAT + self._mac(key, payload) + payload
        if len(blob) > MAX_ENTRY_BYTES:
            return
        path = self._path(key)
        try:
            if path.parent.is_symlink():
                return
            path.parent.mkdir(exist_ok=True)
            temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                handle.write(blob)
            os.replace(temporary, path)
        except OSError:
            return

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def _mac(self, key: str, payload: bytes) -> bytes:
        return hmac.new(self.secret, key.encode() + b"\0" + payload, hashlib.sha256).digest()

    def _verified(self, key: str, blob: bytes) -> bytes | None:
        if not blob.startswith(FORMAT) or len(blob) > MAX_ENTRY_BYTES:
            return None
        mac, payload = blob[len(FORMAT):len(FORMAT) + 32], blob[len(FORMAT) + 32:]
        return payload if hmac.compare_digest(mac, self._mac(key, payload)) else None

    def _signature(self, item: Input) -> str:
        if item not in self._signatures:
            self._signatures[item] = signature(item)
        return self._signatures[item]


def _defaults(_path: str) -> Settings:
    return Settings()


def open_cache(selection: Selection, folder: Path | None = None) -> ResultCache | None:
    """The cache for this run, or None when there can be none (a folder that cannot be made or
    is a link, no place for the key, a run against a git base)."""
    config = selection.config
    if getattr(config, "diff_base", None):
        return None  # findings depend on a revision the key does not see; such runs are one-off in CI
    folder = folder if folder is not None else config.root / FOLDER_NAME
    secret = _secret()
    if secret is None or not _prepare(folder):
        return None
    run_key = hashlib.sha256("\0".join([
        __version__, _installation_signature(), repr(config), ",".join(rule.id for rule in selection.rules),
    ]).encode("utf-8", "surrogateescape")).hexdigest()
    return ResultCache(folder, run_key, secret, config.settings_for)


def _prepare(folder: Path) -> bool:
    try:
        if folder.is_symlink():
            return False  # a planted link could send our writes out of the tree
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by promptlint: the cache is never committed\n*\n", "utf-8")
        tag = folder / "CACHEDIR.TAG"  # backup tools skip a folder with this tag
        if not tag.exists():
            tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                           "# promptlint's result cache; delete it at any time.\n", "utf-8")
        return os.access(folder, os.W_OK)
    except OSError:
        return False


def _secret() -> bytes | None:
    """This user's signing key, made on first use; None when there is nowhere to keep it."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None  # no home folder: never a key inside the project
    path = os.path.join(base, "promptlint", "secret")
    try:
        with open(path, "rb") as handle:
            secret = handle.read(SECRET_BYTES + 1)
        return secret if len(secret) == SECRET_BYTES else None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it just now
        return _secret()
    except OSError:
        return None
    secret = os.urandom(SECRET_BYTES)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    return secret


def _installation_signature() -> str:
    """promptlint's own files (code, rules, lexicons), by size and time: an edited checkout or a
    reinstall never reads results of the code before it."""
    digest = hashlib.sha256()
    import promptlint.rules

    rules = Path(promptlint.rules.__file__).resolve().parent  # inside the package in a wheel, apart when editable
    roots = [_PACKAGE] + ([] if _PACKAGE in rules.parents else [rules])
    for root in roots:
        for folder, names, files in os.walk(root):
            names[:] = sorted(name for name in names if name != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def describe(cache: Any) -> str:
    """'N of M files from the cache', for --show-files."""
    if cache is None:
        return "cache off"
    return f"{cache.hits} of {cache.hits + cache.misses} files from the cache"
