#!/usr/bin/env python3
"""Speed and memory figures for promptlint; prints them, asserts nothing.

    python scripts/benchmark.py [--sizes 100,1000,10000] [--corpus ../shared/corpus] [--quick]

1. Start-up: a one-file check (what each pre-commit batch pays) and `promptlint --version`
   against a bare `python -c "import click, rich, ruamel.yaml"`, measured in the same run.
2. Trees of 100, 1,000 and 10,000 files in every format promptlint reads (native prompts with
   layer stacks, tool schemas, Prompty, Dotprompt, templates, agent files), copied from the
   good fixtures and, when present, the real-world corpus, with ids made unique. Per size: wall
   time with every rule on (one process, and one per CPU), files/s, peak memory of the largest
   process, the parse floor (discovering and reading the same files with the same readers and
   no rule), the ratio to it, and a warm re-run from the result cache. Then the slope of time
   against file count.
3. Hostile and huge single files, and token counting.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = REPOSITORY / "fixtures"
PYTHON = sys.executable
LINT = [PYTHON, "-m", "promptlint", "check", "--select", "ALL", "--format", "json", "--output", os.devnull]

# the parse floor: the same discovery and readers as `check`, no rule
FLOOR = """
import sys
from pathlib import Path
from promptlint.config import load_config
from promptlint.discover import discover
from promptlint.formats import read_candidate
from promptlint.registry import load_rules
config = load_config(None, Path.cwd(), load_rules())
read = 0
for candidate in discover([Path(sys.argv[1])], config):
    document, _ = read_candidate(candidate.path, candidate.display_path, False,
                                 config.settings_for(candidate.display_path))
    read += document is not None
print(read)
"""


def measure(args: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of the largest process of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def median_of(runs: int, args: list[str], cwd: Path | None = None) -> float:
    return statistics.median(measure(args, cwd)[0] for _ in range(runs))


def seed_units(corpus: Path | None) -> list[tuple[Path, list[Path]]]:
    """Groups of files copied together (a rule's good fixtures with the stacks and companions
    beside them; a corpus repository), as (root, files under it)."""
    units = []
    for folder in sorted(path for path in FIXTURES.iterdir() if path.is_dir()):
        files = [path for path in sorted(folder.rglob("*")) if path.is_file() and "bad" not in
                 path.relative_to(folder).parts and not path.name.endswith((".expect.yaml", ".base"))]
        if files:
            units.append((folder, files))
    if corpus is not None and corpus.is_dir():
        for group in sorted(path for path in corpus.iterdir() if path.is_dir()):
            for repository in sorted(path for path in group.iterdir() if path.is_dir()):
                files = [path for path in sorted(repository.rglob("*")) if path.is_file()]
                if files:
                    units.append((repository, files))
    return units


_ID = re.compile(r"^(id|name): *([\w.\-]+) *$", re.M)


def build_tree(target: Path, size: int, units: list[tuple[Path, list[Path]]]) -> int:
    """Copy units round-robin into target/u<k>/ until it holds `size` files."""
    written = copy = 0
    while written < size:
        for root, files in units:
            for file in files:
                if written >= size:
                    return written
                destination = target / f"u{copy}" / root.name / file.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                data = file.read_bytes()
                if file.suffix in (".yaml", ".yml", ".prompt", ".prompty", ".md"):
                    text = data.decode("utf-8", "surrogateescape")
                    data = _ID.sub(rf"\1: \2.copy{copy}", text, count=1).encode("utf-8", "surrogateescape")
                destination.write_bytes(data)
                written += 1
            copy += 1
    return written


def startup() -> None:
    bare = median_of(7, [PYTHON, "-c", "import click, rich, ruamel.yaml"])
    version = median_of(7, [PYTHON, "-m", "promptlint", "--version"])
    with tempfile.TemporaryDirectory() as scratch:
        one = Path(scratch) / "support.prompt.yaml"
        shutil.copy(FIXTURES / "PL101" / "good" / os.listdir(FIXTURES / "PL101" / "good")[0], one)
        single = median_of(7, [PYTHON, "-m", "promptlint", "check", "--no-cache", str(one)], cwd=Path(scratch))
        single_all = median_of(7, [*LINT, "--no-cache", str(one)], cwd=Path(scratch))
    print("start-up (median of 7)")
    print(f"  bare `import click, rich, ruamel.yaml`   {bare * 1000:8.1f} ms")
    print(f"  promptlint --version                     {version * 1000:8.1f} ms   {version / bare:4.1f}x bare")
    print(f"  check one file (default rules, text)     {single * 1000:8.1f} ms   {single / bare:4.1f}x bare")
    print(f"  check one file (ALL rules, json)         {single_all * 1000:8.1f} ms   {single_all / bare:4.1f}x bare")


def trees(sizes: list[int], corpus: Path | None) -> None:
    units = seed_units(corpus)
    points = []
    print("\ntrees (every rule on; peak = largest process)")
    print(f"  {'files':>6} {'1 proc s':>9} {'files/s':>8} {'peak MiB':>8} {'floor s':>8} {'ratio':>6} "
          f"{'per-CPU s':>9} {'warm s':>7}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            tree = Path(scratch) / "repo"
            count = build_tree(tree, size, units)
            subprocess.run(["git", "init", "-q", str(tree)], check=False)  # .gitignore is honoured as in a repo
            one_process, peak = measure([*LINT, "--no-cache", "--jobs", "1", "."], cwd=tree)
            floor, _ = measure([PYTHON, "-c", FLOOR, "."], cwd=tree)
            per_cpu, peak_jobs = measure([*LINT, "--no-cache", "."], cwd=tree)
            measure([*LINT, "."], cwd=tree)  # fills the cache
            warm, _ = measure([*LINT, "."], cwd=tree)
            points.append((count, one_process, per_cpu))
            print(f"  {count:>6} {one_process:>9.2f} {count / one_process:>8,.0f} {max(peak, peak_jobs):>8.1f} "
                  f"{floor:>8.2f} {one_process / floor:>6.2f} {per_cpu:>9.2f} {warm:>7.2f}")
    if len(points) >= 2:
        (small, small_one, small_cpu), (large, large_one, large_cpu) = points[-2], points[-1]
        slope = (large_one - small_one) / (large - small) * 1000
        print(f"  slope, one process: {slope:.2f} s per 1,000 files; per-CPU: "
              f"{(large_cpu - small_cpu) / (large - small) * 1000:.2f} s per 1,000 files; "
              f"time per file at {large:,} / at {small:,} files: {large_one / large / (small_one / small):.2f}")


def hostile() -> None:
    print("\nsingle hostile or huge files (one process)")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        big = folder / "big.prompt.yaml"
        line = "      Answer politely and cite the article you used for every claim you make.\n"
        body = line * ((2 * 1024 * 1024 - 4096) // len(line))
        big.write_text("id: big\nversion: 1.0.0\nmessages:\n  - role: system\n    content: |\n" + body, "utf-8")
        bomb = folder / "bomb.prompt.yaml"
        levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for index in range(1, 9):
            previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
            levels.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
        bomb.write_text("\n".join(levels) + "\nid: bomb\nmessages: []\n", "utf-8")
        unclosed = folder / "unclosed.prompt"
        unclosed.write_text("---\nmodel: x\n---\n" + "{{ a\n" * 200_000, "utf-8")
        quotes = folder / "quotes.prompt.yaml"
        quotes.write_text("id: q\nmessages:\n  - role: user\n    content: |\n      {{ '"
                          + "\\'" * 200_000 + " }} {{ 'a " * 50_000 + "\n", "utf-8")
        nested = folder / "tools.json"
        nested.write_text('{"tools": ' + "[" * 50_000 + "]" * 50_000 + "}", "utf-8")
        for label, path in ((f"a {big.stat().st_size / 1048576:.1f} MiB prompt", big),
                            ("a YAML alias bomb (10^9 nodes)", bomb), ("200,000 unclosed '{{' tags", unclosed),
                            ("250,000 unterminated quotes in tags", quotes), ("JSON tools nested 50,000 deep", nested)):
            elapsed, peak = measure([*LINT, "--no-cache", "--jobs", "1", str(path)], cwd=folder)
            print(f"  {label:<38} {elapsed:8.2f} s  {peak:7.1f} MiB")


def token_figures() -> None:
    """What loading an encoding costs, how fast counting is, and what the byte-bound shortcut
    saves a one-file check (PL4xx only, so the difference is the counting)."""
    print("\ntokens")
    for name in ("o200k_base", "cl100k_base"):
        code = ("import time; from promptlint import tokens; t = time.perf_counter(); "
                f"tokens.encoding('{name}'); print(time.perf_counter() - t)")
        loads = [float(subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout)
                 for _ in range(3)]
        print(f"  load {name} (median of 3, in process)   {statistics.median(loads) * 1000:8.1f} ms")
    from promptlint import tokens

    text = "Answer politely and cite the article you used for every claim you make.\n" * 25_000
    tokens.encoding("o200k_base")
    started = time.perf_counter()
    count = tokens.count_tokens(text, "o200k_base")
    elapsed = time.perf_counter() - started
    print(f"  count {count:,} o200k_base tokens          {elapsed:8.2f} s   ({count / elapsed:,.0f} tokens/s)")
    with tempfile.TemporaryDirectory() as scratch:
        small = Path(scratch) / "support.prompt.yaml"
        shutil.copy(FIXTURES / "PL101" / "good" / os.listdir(FIXTURES / "PL101" / "good")[0], small)
        shortcut = median_of(5, [PYTHON, "-m", "promptlint", "check", "--no-cache", "--select", "PL4", "--exit-zero",
                                 str(small)])
        counted = median_of(5, [PYTHON, "-m", "promptlint", "tokens", "--format", "json", str(small)])
    print(f"  one-file PL4xx check, byte-bound shortcut {shortcut * 1000:8.1f} ms  (no encoding loaded)")
    extra = (counted - shortcut) * 1000
    print(f"  the same file counted exactly (tokens)    {counted * 1000:8.1f} ms  (+{extra:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000", help="tree sizes, comma-separated")
    parser.add_argument("--corpus", type=Path, default=REPOSITORY.parent / "shared" / "corpus")
    parser.add_argument("--quick", action="store_true", help="start-up and the trees only")
    options = parser.parse_args()
    print(f"promptlint benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    startup()
    trees([int(size) for size in options.sizes.split(",")], options.corpus if options.corpus.is_dir() else None)
    if not options.quick:
        hostile()
        token_figures()


if __name__ == "__main__":
    main()
