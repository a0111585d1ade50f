"""Which files a walk finds: skipped folders, .gitignore precedence, and what it reports as skipped."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.discover import (
    LINK_BROKEN,
    LINK_LOOP,
    LINK_OUT_OF_TREE,
    Candidate,
    Skipped,
    discover,
)

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symbolic links")


def touch(path: Path, text: str = "id: x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(*paths: Path, root: Path, skipped: list[Skipped] | None = None, respect_gitignore: bool = True) -> set[str]:
    config = Config(root=root, respect_gitignore=respect_gitignore)
    return {candidate.display_path for candidate in discover(list(paths), config, skipped=skipped)}


# --- folders skipped by name or kind ---------------------------------------------------------------


def test_build_dist_and_site_packages_are_linted(tmp_path: Path) -> None:
    for folder in ("build", "dist", "lib/site-packages/pkg", "src/build"):
        touch(tmp_path / folder / "a.prompt.yaml")
    assert found(tmp_path, root=tmp_path) == {
        "build/a.prompt.yaml", "dist/a.prompt.yaml", "lib/site-packages/pkg/a.prompt.yaml", "src/build/a.prompt.yaml"}


def test_build_is_skipped_when_gitignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    touch(tmp_path / ".gitignore", "build/\n/dist/\n")
    for folder in ("build", "dist", "src/dist"):
        touch(tmp_path / folder / "a.prompt.yaml")
    assert found(tmp_path, root=tmp_path) == {"src/dist/a.prompt.yaml"}


def test_vcs_caches_node_modules_and_virtual_environments_are_skipped(tmp_path: Path) -> None:
    for folder in (".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".nox",
                   "node_modules", ".venv", "venv", "sub/node_modules/pkg"):
        touch(tmp_path / folder / "a.prompt.yaml")
    touch(tmp_path / "env" / "pyvenv.cfg", "home = /usr/bin\n")  # a virtual environment by any name
    touch(tmp_path / "env" / "lib" / "a.prompt.yaml")
    touch(tmp_path / "real.prompt.yaml")
    skipped: list[Skipped] = []
    assert found(tmp_path, root=tmp_path, skipped=skipped) == {"real.prompt.yaml"}
    assert skipped == []  # skipped by design, like ignored files: not worth a word


# --- .gitignore precedence, as git has it ------------------------------------------------------------


def test_a_nested_negation_re_includes_a_file(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "*.prompt.yaml\n")
    touch(tmp_path / "sub" / ".gitignore", "!keep.prompt.yaml\n")
    for name in ("keep.prompt.yaml", "sub/keep.prompt.yaml", "sub/drop.prompt.yaml", "sub/deeper/keep.prompt.yaml"):
        touch(tmp_path / name)
    assert found(tmp_path, root=tmp_path) == {"sub/keep.prompt.yaml", "sub/deeper/keep.prompt.yaml"}


def test_a_deeper_gitignore_overrides_a_negation_above(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "*.prompt.yaml\n!keep.prompt.yaml\n")
    touch(tmp_path / "sub" / ".gitignore", "keep.prompt.yaml\n")
    for name in ("keep.prompt.yaml", "drop.prompt.yaml", "sub/keep.prompt.yaml"):
        touch(tmp_path / name)
    assert found(tmp_path, root=tmp_path) == {"keep.prompt.yaml"}


def test_nothing_is_re_included_below_an_excluded_folder(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "generated/\n!generated/keep.prompt.yaml\n")
    touch(tmp_path / "generated" / ".gitignore", "!keep.prompt.yaml\n")
    touch(tmp_path / "generated" / "keep.prompt.yaml")
    touch(tmp_path / "other.prompt.yaml")
    assert found(tmp_path, root=tmp_path) == {"other.prompt.yaml"}
    # walking the excluded folder itself: git still ignores everything in it
    assert found(tmp_path / "generated", root=tmp_path) == set()


def test_a_negation_re_includes_in_a_folder_whose_contents_alone_are_excluded(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "generated/*\n")
    touch(tmp_path / "generated" / ".gitignore", "!keep.prompt.yaml\n")
    touch(tmp_path / "generated" / "keep.prompt.yaml")
    touch(tmp_path / "generated" / "drop.prompt.yaml")
    assert found(tmp_path, root=tmp_path) == {"generated/keep.prompt.yaml"}


def test_gitignore_files_above_the_walked_folder_keep_their_precedence(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    touch(tmp_path / ".gitignore", "*.prompt.yaml\n")
    touch(tmp_path / "a" / ".gitignore", "!keep.prompt.yaml\n")
    touch(tmp_path / "a" / "b" / "keep.prompt.yaml")
    touch(tmp_path / "a" / "b" / "drop.prompt.yaml")
    assert found(tmp_path / "a" / "b", root=tmp_path) == {"a/b/keep.prompt.yaml"}


def test_git_info_exclude_is_respected_and_gitignore_overrides_it(tmp_path: Path) -> None:
    touch(tmp_path / ".git" / "info" / "exclude", "*.local.prompt.yaml\nscratch/\n")
    touch(tmp_path / "sub" / ".gitignore", "!kept.local.prompt.yaml\n")
    for name in ("a.local.prompt.yaml", "scratch/b.prompt.yaml", "sub/kept.local.prompt.yaml", "c.prompt.yaml"):
        touch(tmp_path / name)
    assert found(tmp_path, root=tmp_path) == {"c.prompt.yaml", "sub/kept.local.prompt.yaml"}
    assert found(tmp_path / "sub", root=tmp_path) == {"sub/kept.local.prompt.yaml"}
    assert len(found(tmp_path, root=tmp_path, respect_gitignore=False)) == 4


def test_git_info_exclude_of_a_worktree_is_the_common_one(tmp_path: Path) -> None:
    main = tmp_path / "main"
    touch(main / ".git" / "info" / "exclude", "*.local.prompt.yaml\n")
    touch(main / ".git" / "worktrees" / "wt" / "commondir", "../..\n")
    worktree = tmp_path / "wt"
    touch(worktree / ".git", f"gitdir: {main / '.git' / 'worktrees' / 'wt'}\n")
    touch(worktree / "a.local.prompt.yaml")
    touch(worktree / "b.prompt.yaml")
    assert found(worktree, root=worktree) == {"b.prompt.yaml"}


# --- what a walk reports as skipped --------------------------------------------------------------


@needs_symlinks
def test_links_out_of_the_tree_loops_and_broken_links_are_reported(tmp_path: Path) -> None:
    outside = touch(tmp_path / "outside" / "secret.prompt.yaml").parent
    project = tmp_path / "project"
    touch(project / "own.prompt.yaml")
    touch(project / "ignored" / "x.txt")
    touch(project / ".gitignore", "ignored-link.prompt.yaml\n")
    os.symlink(outside / "secret.prompt.yaml", project / "link.prompt.yaml")
    os.symlink(outside / "secret.prompt.yaml", project / "ignored-link.prompt.yaml")  # ignored: no word
    os.symlink(outside, project / "linked-dir", target_is_directory=True)
    os.symlink(project / "missing.prompt.yaml", project / "dangling.prompt.yaml")
    (project / "l").mkdir()
    os.symlink("s.prompt.yaml", project / "l" / "s.prompt.yaml")  # a link to itself
    os.symlink("own.prompt.yaml", project / "z-inside.prompt.yaml")  # inside the tree: linted once
    os.symlink(project / "ignored", project / "inside-dir", target_is_directory=True)  # walked where it is
    skipped: list[Skipped] = []
    assert found(project, root=project, skipped=skipped) == {"own.prompt.yaml"}
    assert sorted(skipped, key=lambda entry: entry.display_path) == [
        Skipped("dangling.prompt.yaml", LINK_BROKEN),
        Skipped("l/s.prompt.yaml", LINK_LOOP),
        Skipped("link.prompt.yaml", LINK_OUT_OF_TREE),
        Skipped("linked-dir", LINK_OUT_OF_TREE),
    ]


@needs_symlinks
def test_a_named_link_loop_does_not_crash_discovery(tmp_path: Path) -> None:
    os.symlink("s.prompt.yaml", tmp_path / "s.prompt.yaml")
    assert list(discover([tmp_path / "s.prompt.yaml"], Config(root=tmp_path))) == [
        Candidate(tmp_path / "s.prompt.yaml", "s.prompt.yaml", explicit=True)]  # reading it reports the loop


def test_unreadable_folders_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "locked" / "a.prompt.yaml")
    touch(tmp_path / "open" / "b.prompt.yaml")
    scandir = os.scandir

    def refuse(path: str) -> object:  # chmod does not stop root, so refuse as the system would
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    skipped: list[Skipped] = []
    assert found(tmp_path, root=tmp_path, skipped=skipped) == {"open/b.prompt.yaml"}
    assert skipped == [Skipped("locked", "cannot read the directory: Permission denied")]


@pytest.mark.skipif(sys.platform == "darwin" or os.name == "nt", reason="needs file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_found_and_printable(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/\xff.prompt.yaml"
    try:
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY))
    except OSError:
        pytest.skip("the file system refuses names that are not UTF-8")
    for paths in ([tmp_path], [Path(os.fsdecode(name))]):
        (candidate,) = discover(paths, Config(root=tmp_path))
        assert candidate.display_path == "\\xff.prompt.yaml"
        candidate.display_path.encode("utf-8")
        assert candidate.path.exists()  # the real name still opens the file


# --- cost -----------------------------------------------------------------------------------------


@needs_symlinks
def test_resolve_is_called_at_most_once_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(20):
        touch(tmp_path / f"d{index % 4}" / f"{index}.prompt.yaml")
    os.symlink(tmp_path / "d0" / "0.prompt.yaml", tmp_path / "link.prompt.yaml")
    calls: list[Path] = []
    resolve = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        calls.append(self)
        return resolve(self, strict)

    monkeypatch.setattr(Path, "resolve", counting)
    assert len(list(discover([tmp_path], Config(root=tmp_path)))) == 20  # the link is d0/0.prompt.yaml again
    assert len(calls) <= 2  # the walked folder and the link; a plain file's real path follows from its folder
