#!/usr/bin/env python3
"""Speed and memory figures for promptlint; prints them, asserts nothing.

    python scripts/benchmark.py [--files 2000] [--corpus ../shared/corpus]

Measures: start-up plus one file (what each pre-commit batch pays) against a bare Python
start; a synthetic tree of native prompt files (files per second, peak memory); the
real-world corpus if present; one file near the size bound; a YAML alias bomb; token
counting (encoding load, tokens per second, a one-file check with and without the byte-bound
shortcut).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPT = """id: bench.prompt{n}
version: 1.{n}.0
description: Synthetic prompt number {n}.
model: gpt-4o
variables:
  question: {{trust: untrusted, max_tokens: 500}}
  articles: {{trust: untrusted, max_tokens: 6000}}
  company: {{trust: trusted}}
messages:
  - role: system
    content: |
      You are the billing assistant of {{{{ company }}}}.
      Answer only from these articles:
      {{% for article in articles %}}
      <article>{{{{ article }}}}</article>
      {{% endfor %}}
      If the articles do not answer the question, say you do not know.
  - role: user
    content: "{{{{ question }}}}"
"""


def run(args: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def median_of(runs: int, args: list[str], cwd: Path | None = None) -> float:
    return statistics.median(run(args, cwd) for _ in range(runs))


def child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    options = parser.parse_args()
    python = sys.executable
    lint = [python, "-m", "promptlint", "check", "--format", "json", "--output", "/dev/null"]
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "prompts"
        tree.mkdir()
        for n in range(options.files):
            (tree / f"p{n}.prompt.yaml").write_text(PROMPT.format(n=n), encoding="utf-8")
        one = tree / "p0.prompt.yaml"

        bare = median_of(5, [python, "-c", "pass"])
        single = median_of(5, [*lint, str(one)])
        single_text = median_of(5, [python, "-m", "promptlint", "check", str(one)])
        print(f"python start-up (median of 5):           {bare * 1000:8.1f} ms")
        print(f"check one file, json report (median):    {single * 1000:8.1f} ms  (+{(single - bare) * 1000:.1f} ms)")
        print(f"check one file, text report (median):    {single_text * 1000:8.1f} ms")

        for jobs in (1, 0):
            elapsed = run([*lint, "--jobs", str(jobs), str(tree)])
            label = "one process" if jobs == 1 else "one per CPU"
            print(f"check {options.files} native files, {label}: {elapsed:8.2f} s   "
                  f"({options.files / elapsed:,.0f} files/s, {elapsed / options.files * 1000:.2f} ms/file)")
        print(f"peak memory of the runs so far:          {child_peak_mib():8.1f} MiB")

        if options.corpus.is_dir():
            files = sum(1 for path in options.corpus.rglob("*") if path.is_file())
            elapsed = run([*lint, "--select", "ALL", str(options.corpus)])
            print(f"check the corpus ({files} files):          {elapsed:8.2f} s")
        else:
            print(f"corpus not found at {options.corpus}; skipped")

        big = Path(scratch) / "big.prompt.yaml"
        line = "      Answer politely and cite the article you used for every claim you make.\n"
        body = line * ((2 * 1024 * 1024 - 4096) // len(line))
        big.write_text("id: big\nversion: 1.0.0\nmessages:\n  - role: system\n    content: |\n" + body, "utf-8")
        elapsed = run([*lint, str(big)])
        print(f"check one {big.stat().st_size / 1048576:.1f} MiB file:                 {elapsed:8.2f} s")

        bomb = Path(scratch) / "bomb.prompt.yaml"
        levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for index in range(1, 9):
            previous = chr(ord("a") + index - 1)
            name = chr(ord("a") + index)
            levels.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
        bomb.write_text("\n".join(levels) + "\nid: bomb\nmessages: []\n", "utf-8")
        elapsed = run([*lint, str(bomb)])
        print(f"check a YAML alias bomb (10^9 nodes):    {elapsed:8.2f} s   (stopped at the node bound)")
        unclosed = Path(scratch) / "unclosed.prompt"
        unclosed.write_text("---\nmodel: x\n---\n" + "{{ a\n" * 200_000, "utf-8")
        elapsed = run([*lint, str(unclosed)])
        print(f"check 200,000 unclosed '{{{{' tags:          {elapsed:8.2f} s")
        quotes = Path(scratch) / "quotes.prompt.yaml"
        quotes.write_text("id: q\nmessages:\n  - role: user\n    content: |\n      {{ '"
                          + "\\'" * 200_000 + " }} {{ 'a " * 50_000 + "\n", "utf-8")
        elapsed = run([*lint, str(quotes)])
        print(f"check 250,000 unterminated quotes in tags:  {elapsed:8.2f} s")
        print(f"peak memory of any run:                  {child_peak_mib():8.1f} MiB")

        token_figures(python, one, big)


def token_figures(python: str, small: Path, big: Path) -> None:
    """Token counting: what loading an encoding costs, how fast counting is, and what the
    byte-bound shortcut saves a one-file check (PL4xx only, so the difference is the counting)."""
    for name in ("o200k_base", "cl100k_base"):
        code = ("import time; from promptlint import tokens; t = time.perf_counter(); "
                f"tokens.encoding('{name}'); print(time.perf_counter() - t)")
        loads = [float(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
                 for _ in range(3)]
        print(f"load {name} (median of 3, in process):  {statistics.median(loads) * 1000:8.1f} ms")
    from promptlint import tokens

    text = big.read_text("utf-8")
    tokens.encoding("o200k_base")
    started = time.perf_counter()
    count = tokens.count_tokens(text, "o200k_base")
    elapsed = time.perf_counter() - started
    print(f"count {count:,} o200k_base tokens:         {elapsed:8.2f} s   ({count / elapsed:,.0f} tokens/s)")
    check = [python, "-m", "promptlint", "check", "--select", "PL4", "--exit-zero", str(small)]
    exact = [python, "-m", "promptlint", "tokens", "--format", "json", str(small)]
    shortcut = median_of(5, check)
    counted = median_of(5, exact)
    print(f"one-file PL4xx check, byte-bound shortcut: {shortcut * 1000:8.1f} ms  (no encoding loaded)")
    extra = (counted - shortcut) * 1000
    print(f"the same file counted exactly (tokens):    {counted * 1000:8.1f} ms  (+{extra:.1f} ms)")


if __name__ == "__main__":
    main()
