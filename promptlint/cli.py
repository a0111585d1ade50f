"""The command line: `promptlint check`, `promptlint rules`, `promptlint explain`.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage,
configuration or internal error.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from promptlint import __version__
from promptlint.baseline import BaselineError, apply_baseline, read_baseline, write_baseline_file
from promptlint.config import Config, ConfigError, Selectors, check_selectors, load_config
from promptlint.findings import SEVERITY_ORDER, Report
from promptlint.registry import Rule, RuleDefinitionError, load_rules
from promptlint.report import FORMATS

if TYPE_CHECKING:
    from promptlint.engine import Selection

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _selectors(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _project(config_path: Path | None, paths: tuple[Path, ...]) -> Config:
    """The configuration, and the paths checked to exist: what every command reading prompts needs."""
    try:
        config = load_config(config_path, Path.cwd(), _rules())
    except ConfigError as error:
        _fail(str(error))
    missing = [path for path in paths if not path.exists() and not path.is_symlink()]
    if missing:
        _fail(f"no such file or directory: {missing[0]}")
    return config


def _fail(message: str) -> NoReturn:
    click.echo(f"promptlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _rules() -> dict[str, Rule]:
    try:
        return load_rules()
    except RuleDefinitionError as error:
        _fail(f"bad rule definition: {error}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="promptlint")
def main() -> None:
    """Static checks for LLM prompt files and tool schemas."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "--output-format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Report format (`--output-format` is the same option, as in ruff).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--select", multiple=True, help="Rules to run (ids, prefixes such as PL1, names, or ALL).")
@click.option("--extend-select", multiple=True, help="Rules to run in addition to the selected ones.")
@click.option("--ignore", multiple=True, help="Rules not to run (ids, prefixes, names).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Configuration file (default: .promptlint.yaml or pyproject.toml, searched upward).")
@click.option("--fail-on", type=click.Choice(list(SEVERITY_ORDER)), default=None,
              help="Lowest severity that fails the run (default: warning; notes are advice).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings this baseline file does not record (see --write-baseline).")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Record the current findings in this file, to pass to --baseline later, and exit 0.")
@click.option("--statistics", is_flag=True, help="Show how many findings each rule has instead of the findings.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line, and nothing when there are no "
              "findings (text report).")
@click.option("--strict-suppressions", is_flag=True, help="Report suppressions that suppress nothing (PL009).")
@click.option("--force-exclude", is_flag=True, help="Apply the configured excludes to files named on the command "
              "line too (use it from pre-commit).")
@click.option("--stdin-filename", help="Lint standard input (the path `-`) as this file: the name chooses the "
              "format and the configuration that applies, and findings are reported under it.")
@click.option("--no-color", is_flag=True, help="Never colour the text report.")
@click.option("--show-files", "-v", is_flag=True,
              help="List every file read, with the format it was read as, and every file skipped, with why.")
@click.option("--show-skipped", is_flag=True, help="List the files skipped, with why (not ours, too large, ...).")
@click.option("--show-source/--no-show-source", default=True, show_default=True,
              help="Show a code frame under each finding in the text report.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes for large trees (0: one per CPU; trees under 200 files run in one).")
@click.option("--diff-base", metavar="REF", callback=lambda _context, _option, value: _diff_base(value),
              help="Compare each file with the same file at this git revision (`:` the staged version) for the "
              "versioning rules PL701-PL703 and PL707; without it they are skipped.")
@click.option("--no-cache", is_flag=True, envvar="PROMPTLINT_NO_CACHE",
              help="Lint every file afresh: neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar="PROMPTLINT_CACHE_DIR",
              help="Where the result cache lives (default: .promptlint_cache in the project root).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes findings carry, then report the findings that remain.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: unsafe fixes too (they may change what "
              "the model reads: review them).")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what --fix would change and write "
              "nothing; exit 1 when there is something to fix.")
def check(paths: tuple[Path, ...], output_format: str, output: Path | None, select: tuple[str, ...],
          extend_select: tuple[str, ...], ignore: tuple[str, ...], config_path: Path | None, fail_on: str | None,
          exit_zero: bool, strict_suppressions: bool, force_exclude: bool, no_color: bool, show_files: bool,
          show_skipped: bool, jobs: int, stdin_filename: str | None = None, diff_base: str | None = None,
          baseline_path: Path | None = None, write_baseline: Path | None = None, statistics: bool = False,
          quiet: bool = False, fix: bool = False, unsafe_fixes: bool = False, show_diff: bool = False,
          show_source: bool = True, no_cache: bool = False, cache_dir: Path | None = None) -> None:
    """Lint prompt files and tool schemas under PATHS (default: the current directory)."""
    from promptlint.engine import lint_paths, select_rules
    from promptlint.report import renderer

    rules = _rules()
    try:
        config = load_config(config_path, Path.cwd(), rules)
        for key, values in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore)):
            check_selectors(key, _selectors(values), rules)
    except ConfigError as error:
        _fail(str(error))
    if select or extend_select or ignore:
        config.command_line = Selectors(_selectors(select) or None, _selectors(extend_select), _selectors(ignore))
    config.diff_base = diff_base
    try:
        baseline = read_baseline(baseline_path, write_baseline)
    except BaselineError as error:
        _fail(str(error))
    stdin_name = _stdin_name(paths, stdin_filename)  # what standard input is linted as; None: read the paths
    missing = [path for path in paths if stdin_name is None and not path.exists() and not path.is_symlink()]
    if missing:
        _fail(f"no such file or directory: {missing[0]}")
    if unsafe_fixes and not (fix or show_diff):
        _fail("--unsafe-fixes chooses which fixes --fix or --diff apply: add one of them")
    if (fix or show_diff) and stdin_name is not None:
        _fail("--fix and --diff change files on disk: they do not read standard input")
    try:
        selection = select_rules(rules, config, strict_suppressions)
        if stdin_name is not None:
            report = _lint_stdin(stdin_name, selection, force_exclude)
        else:
            from promptlint.cache import open_cache

            cache = None if no_cache else open_cache(selection, cache_dir)
            report = lint_paths(list(paths) or [Path(".")], selection, force_exclude, jobs or _cpu_count(),
                                cache=cache)
            if fix or show_diff:  # after writing, lint again: the simplest report of what remains that is right
                report = _fix(report, unsafe_fixes, show_diff, output_format == "text" and output is None,
                              lambda: lint_paths(list(paths) or [Path(".")], selection, force_exclude,
                                                 jobs or _cpu_count(), cache=cache))
    except RuleDefinitionError as error:
        _fail(f"bad rule definition: {error}")
    except Exception as error:  # a traceback would exit 1, which means "findings"
        _fail(f"internal error: {error!r}; please report it")
    report.show_files, report.show_skipped, report.show_source = show_files, show_skipped, show_source
    if write_baseline is not None:
        try:
            click.echo(write_baseline_file(report, write_baseline))
        except BaselineError as error:
            _fail(str(error))
        sys.exit(EXIT_ERROR if report.errors else EXIT_CLEAN)
    notes = [] if baseline is None else [apply_baseline(report, baseline, selection)]
    if stdin_name is not None and report.skipped and not report.files_scanned:
        # one line that says why nothing was checked; json and sarif still write their (empty) report
        skipped = report.skipped[0]
        click.echo(f"promptlint: {skipped.path} not checked: {skipped.reason}", err=output_format != "text")
        if output_format in ("text", "github"):
            sys.exit(EXIT_CLEAN)
    render = renderer(output_format, statistics, quiet, notes)
    if output is not None:
        try:
            # a lone surrogate (legal in JSON strings) or an undecodable file name must not stop the report
            handle = output.open("w", encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            _fail(f"cannot write the report to {output}: {error.strerror or error}")
        with handle:
            render(report, rules, handle, False)
    else:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(errors="backslashreplace")
        render(report, rules, sys.stdout, _color(sys.stdout, no_color))
    if output_format == "github" and not (quiet and not report.results):  # stdout: workflow commands only
        from promptlint.report.summary import summary_line

        click.echo(summary_line(report), err=True)
    if report.errors:
        sys.exit(EXIT_ERROR)
    threshold = SEVERITY_ORDER[fail_on or config.fail_on]
    failing = report.unchecked or any(SEVERITY_ORDER[result.severity] >= threshold for result in report.results)
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN)


def _fix(report: Report, unsafe: bool, diff_only: bool, to_stdout: bool, relint: Callable[[], Report]) -> Report:
    """Apply (or, with --diff, print and exit) the fixes of `report`; the report after them."""
    from promptlint.fixes import apply_fixes, fixed_lines, plan_fixes, unified_diff

    if diff_only:
        planned = plan_fixes(report, unsafe)
        diff = unified_diff(planned)
        click.echo(diff, nl=False)
        for note in planned.notes():
            click.echo(note, err=True)
        sys.exit(EXIT_ERROR if report.errors else EXIT_FINDINGS if diff else EXIT_CLEAN)
    outcome = apply_fixes(report, unsafe)
    for line in fixed_lines(outcome) + outcome.notes():  # a JSON or SARIF report keeps stdout to itself
        click.echo(line, err=not to_stdout)
    return relint() if outcome.written else report


def _stdin_name(paths: tuple[Path, ...], stdin_filename: str | None) -> str | None:
    """The name standard input is linted as, when the command reads it (the path `-`, or no
    path with --stdin-filename, as ruff does); None when it reads the paths."""
    if not any(str(path) == "-" for path in paths):
        if stdin_filename is not None and paths:
            _fail("--stdin-filename names the text read from standard input: pass `-` as the only path")
        if stdin_filename == "":
            _fail("--stdin-filename needs a file name, such as prompts/support.prompt.yaml")
        return stdin_filename
    if len(paths) > 1:
        _fail("`-` (standard input) cannot be combined with other paths; lint them in another run")
    if not stdin_filename:
        _fail("`-` reads standard input, which has no file name: pass --stdin-filename NAME (for example "
              "--stdin-filename prompts/support.prompt.yaml); the name chooses the format and the configuration "
              "that applies, and findings are reported under it")
    return stdin_filename


def _lint_stdin(name: str, selection: Selection, force_exclude: bool) -> Report:
    """Standard input linted as the file `name` (which need not exist), relative to the
    current directory like a path on the command line."""
    from promptlint.discover import PathPatterns, display_path
    from promptlint.engine import lint_source
    from promptlint.findings import Skipped
    from promptlint.formats import max_file_bytes, path_reader

    config = selection.config
    shown = display_path(Path(name), config.root)
    excludes = PathPatterns(config.root, config.exclude) if force_exclude and config.exclude else None
    if excludes is not None and excludes.matches(Path(name).absolute(), False):
        return Report(root=str(config.root.absolute()), skipped=[Skipped(shown, "excluded by the configuration")])
    limit = max_file_bytes(config.settings_for(shown))  # `max-file-size` applies as to the file on disk
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        _fail(f"standard input is larger than {limit // (1024 * 1024)} MiB (max-file-size: {limit} bytes); "
              "raise `max-file-size` in the configuration to lint it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        _fail(f"standard input is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
              "prompt files must be UTF-8 text")
    report = lint_source(text, shown, selection)
    if not report.files_scanned and not report.errors:
        if path_reader(shown) is None and not config.settings_for(shown).get("format"):
            why = ("promptlint reads no format by this name (prompt and tool files are named like *.prompt.yaml, "
                   "*.prompty, *.prompt, *.md, *.json, *.yaml or AGENTS.md; `formats:` in the configuration can "
                   "assign a format)")
        else:
            why = ("the text holds no prompt or tool definitions of the kind this name says (Markdown without "
                   "prompt front matter, JSON or YAML without chat messages or tools)")
        report.skipped.append(Skipped(shown, why))
    return report


def _cpu_count() -> int:
    """CPUs this process may run on (a container or `taskset` may allow fewer than the host has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _color(stream: IO[str], no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


@main.command("rules")
def list_rules() -> None:
    """List every rule: id, name, family, default severity."""
    rules = _rules()
    width = max((len(rule.name) for rule in rules.values()), default=10)
    for rule in rules.values():
        state = "" if rule.enabled else "  (opt-in)"
        click.echo(f"{rule.id}  {rule.name:<{width}}  {rule.family:<12}  {rule.severity:<7}  {rule.summary}{state}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print the full documentation of a rule (by id or name)."""
    rules = _rules()
    rule = rules.get(rule_id.upper()) or next((r for r in rules.values() if r.name == rule_id), None)
    if rule is None:
        _fail(f"no rule '{rule_id}'; `promptlint rules` lists them")
    lines = [
        f"{rule.id} {rule.name}",
        "",
        f"Family: {rule.family}.  Default severity: {rule.severity}."
        + (f"  Security severity: {rule.security_severity}." if rule.security_severity else "")
        + ("  Opt-in: enable it by selecting it." if not rule.enabled else ""),
        "",
        rule.summary,
        "",
        "Why it matters",
        rule.description,
        "",
        "How to fix",
        rule.fix_hint,
    ]
    if rule.options:
        lines += ["", "Options (under [tool.promptlint.rules." + rule.id + "])"]
        for name, spec in rule.options.items():
            lines.append(f"  {name}: {spec.get('description', '')} (default: {spec.get('default')!r})")
    if rule.references:
        lines += ["", "References"]
        lines += [f"  - {ref.get('title', '')}: {ref.get('url', '')}" for ref in rule.references]
    if rule.tags:
        lines += ["", "Tags: " + ", ".join(rule.tags)]
    click.echo("\n".join(lines))


@main.command("init")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option("--pyproject", is_flag=True, help="Append a [tool.promptlint] table to pyproject.toml instead of "
              "writing .promptlint.yaml.")
@click.option("--force", is_flag=True, help="Replace an existing .promptlint.yaml.")
def init_command(paths: tuple[Path, ...], pyproject: bool, force: bool) -> None:
    """Write a commented configuration for the project in the current directory, with a trust
    skeleton for the variables its prompt files (under PATHS, default .) leave undeclared."""
    from promptlint.scaffold import PRE_COMMIT_SNIPPET, InitError, undeclared_trust, write_config, written_message

    rules, directory = _rules(), Path.cwd()
    try:
        variables = undeclared_trust(list(paths) or [Path(".")], Config(root=directory))
        written = write_config(directory, rules, variables, pyproject, force)
    except InitError as error:
        _fail(str(error))
    click.echo(f"{written_message(written, variables)}\n\n{PRE_COMMIT_SNIPPET}", nl=False)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the native prompt format (*.prompt.yaml), for editors."""
    from importlib import resources

    click.echo(resources.files("promptlint.schemas").joinpath("prompt.schema.json").read_text("utf-8"), nl=False)


@main.command("tokens")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
@click.option("--model", "model_name", help="Count for this model instead of the one each file names.")
@click.option("--detail", is_flag=True, help="Show every message's tokens too.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Configuration file (default: .promptlint.yaml or pyproject.toml, searched upward).")
@click.option("--no-color", is_flag=True, help="Never colour the table.")
def tokens_command(paths: tuple[Path, ...], output_format: str, model_name: str | None, detail: bool,
                   config_path: Path | None, no_color: bool) -> None:
    """Count the tokens each prompt under PATHS sends, exactly and offline: static text, tools,
    variable bounds, reserved output, worst case against the model's window, cacheable prefix."""
    import json

    from promptlint.budget import analyse, registry_for, summary
    from promptlint.engine import read_documents
    from promptlint.provider import DocumentProvider

    config = _project(config_path, paths)
    if model_name is not None:
        registry = registry_for(config.settings_for(""))
        if registry.lookup(model_name) is None:
            close = registry.nearest(model_name)
            _fail(f"unknown model '{model_name}'" + (f"; did you mean {' or '.join(close)}?" if close else
                                                      "; add it under `models:` in the configuration"))
    provider = DocumentProvider(config.root, config.settings_for)
    rows = []
    try:
        for document, settings in read_documents(list(paths), config):
            if not (document.messages or document.tools):
                continue
            rows.append(summary(document, analyse(document, settings, provider, model_name=model_name)))
    except Exception as error:  # a traceback would exit 1
        _fail(f"internal error: {error!r}; please report it")
    if output_format == "json":
        click.echo(json.dumps({"files": rows}, indent=2, ensure_ascii=False))
        return
    _tokens_table(rows, detail, _color(sys.stdout, no_color))


def _tokens_table(rows: list[dict[str, object]], detail: bool, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(no_color=not color, highlight=False, width=None if sys.stdout.isatty() else 200)
    if not rows:
        console.print("no prompt files with messages or tools found")
        return
    table = Table(title="Tokens per request (worst case)", show_lines=False)
    for column, justify in (("file", "left"), ("model", "left"), ("counting", "left"), ("static", "right"),
                            ("tools", "right"), ("variables", "right"), ("output", "right"),
                            ("worst case", "right"), ("window", "right"), ("share", "left"),
                            ("cacheable prefix", "right")):
        # a file's path is what a reader looks for: wrap it, never cut it to an ellipsis
        table.add_column(column, justify=justify, overflow="fold" if column == "file" else "ellipsis")  # type: ignore[arg-type]

    def number(value: object) -> str:
        return f"{value:,}" if isinstance(value, int) else "—"

    for row in rows:
        share = row["share"]
        if isinstance(share, float):
            filled = min(10, round(share * 10))
            style = "red" if share > 1 else "yellow" if share > 0.5 else "green"
            bar = f"[{style}]{'█' * filled}{'░' * (10 - filled)}[/{style}] {share:.0%}"
        else:
            bar = "—"
        unbounded = row["unbounded"]
        variables = number(row["variable_tokens"]) + (" + unbounded" if unbounded else "")
        output = row["output"]
        reserved = output["reserved"] if isinstance(output, dict) else 0
        declared = isinstance(output, dict) and output["declared"] is not None
        model = row["resolved_model"] or row["model"] or "—"
        table.add_row(str(row["path"]), str(model), str(row["method"]), number(row["static"]), number(row["tools"]),
                      variables, number(reserved) + ("" if declared else " (default)"), number(row["worst_case"]),
                      number(row["context_window"]), bar, number(row["cacheable_prefix"]))
    console.print(table)
    if detail:
        for row in rows:
            messages = Table(title=f"{row['path']}: messages", title_justify="left")
            for column in ("message", "role", "file", "line", "tokens"):
                messages.add_column(column, justify="right" if column in ("line", "tokens") else "left")
            for message in row["messages"]:  # type: ignore[attr-defined]
                messages.add_row(message["label"], message["role"], message["file"], number(message["line"]),
                                 number(message["tokens"]))
            console.print(messages)


def _diff_base(revision: str | None) -> str | None:
    """--diff-base as given, once it is known to name a commit where there is a repository: a
    typo must not turn the versioning rules off silently. Outside a repository they skip."""
    from promptlint.git_base import inside_repository, resolve

    if revision is None or not inside_repository(Path.cwd()):
        return revision
    if resolve(revision, Path.cwd()) is None:
        _fail(f"--diff-base: '{revision}' names no commit in this repository (try HEAD, or origin/main after a fetch)")
    return revision


@main.command("lock")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--lock", "lock_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The lock file to write (default: promptlint.lock in the configuration's folder).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Configuration file (default: .promptlint.yaml or pyproject.toml, searched upward).")
def lock_command(paths: tuple[Path, ...], lock_path: Path | None, config_path: Path | None) -> None:
    """Pin the tools defined under PATHS in promptlint.lock (PL705 reports a tool that drifts
    from its pin). Pins of files not under PATHS are kept; nothing else is written."""
    from promptlint.engine import read_documents
    from promptlint.lockfile import LOCK_NAME, Lock, read_lock, updated, write_lock

    config = _project(config_path, paths)
    target = lock_path or config.root / LOCK_NAME
    current = read_lock(target) if target.exists() else Lock(target)
    if current.error is not None:
        _fail(f"{target} cannot be read ({current.error}); fix or delete it first")
    try:
        documents = [document for document, _settings in read_documents(list(paths), config)]
    except Exception as error:  # a traceback would exit 1
        _fail(f"internal error: {error!r}; please report it")
    lock, outside = updated(current, documents)
    for shown in outside:
        click.echo(f"promptlint: {shown} is not under {target.parent}; its tools are not pinned", err=True)
    try:
        write_lock(lock)
    except OSError as error:
        _fail(f"cannot write {target}: {error.strerror or error}")
    count = sum(len(pins) for pins in lock.tools.values())
    click.echo(f"{target}: {count} tool{'s' if count != 1 else ''} pinned in {len(lock.tools)} "
               f"file{'s' if len(lock.tools) != 1 else ''}")


@main.command("diff")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "from_ref", metavar="REF", help="Compare FILE as it is at this git revision (`:` the "
              "staged version)...")
@click.option("--to", "to_ref", metavar="REF", help="...with FILE at this revision (default: the working tree).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Configuration file (default: .promptlint.yaml or pyproject.toml, searched upward).")
@click.option("--no-color", is_flag=True, help="Never colour the text report.")
def diff_command(files: tuple[Path, ...], from_ref: str | None, to_ref: str | None, output_format: str,
                 config_path: Path | None, no_color: bool) -> None:
    """What changed for the model between two versions of a prompt: `diff OLD NEW`, or
    `diff FILE --from REF [--to REF]`. Each change is classified breaking, minor or patch, with
    the version bump it requires. Exit 1 when the new version's bump is smaller than that."""
    import json

    from promptlint.discover import display_path
    from promptlint.provider import DocumentProvider
    from promptlint.versioning import diff_report

    try:
        config = load_config(config_path, Path.cwd(), _rules())
    except ConfigError as error:
        _fail(str(error))
    if not ((len(files) == 2 and from_ref is None and to_ref is None) or (len(files) == 1 and from_ref is not None)):
        _fail("give two files (`diff OLD NEW`) or one file and a revision (`diff FILE --from REF [--to REF]`)")
    provider = DocumentProvider(config.root, config.settings_for)
    sides = []
    for index, (path, ref) in enumerate(((files[0], from_ref), (files[-1], to_ref))):
        shown = display_path(path, config.root)
        text = _text_at(path, ref)
        label = shown if ref is None else f"{'staged' if ref == ':' else ref}:{shown}"
        if text is None:
            where = "on disk" if ref is None else f"at {ref} (or this is not a git repository)"
            _fail(f"{path} does not exist {where}" if index == 0 or ref is not None else f"cannot read {path}")
        try:
            document = provider.from_text(text, shown)
        except Exception as error:  # a traceback would exit 1
            _fail(f"internal error: {error!r}; please report it")
        if document is None or document.fatal:
            _fail(f"{label} is not a prompt or tool file promptlint can read")
        sides.append((document, label))
    report = diff_report(sides[0][0], sides[1][0], sides[0][1], sides[1][1])
    report["tokens"] = _token_delta(sides[0][0], sides[1][0], config.settings_for(sides[1][0].path), provider)
    if output_format == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _diff_text(report, _color(sys.stdout, no_color))
    sys.exit(EXIT_FINDINGS if report["bump_ok"] is False else EXIT_CLEAN)


def _text_at(path: Path, ref: str | None) -> str | None:
    from promptlint.formats import MAX_FILE_BYTES
    from promptlint.git_base import read_at

    if ref is not None:
        return read_at(ref, path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            _fail(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _token_delta(old: Any, new: Any, settings: Any, provider: Any) -> dict[str, Any] | None:
    """Tokens of both versions, counted for the new version's model (so the delta is the text's)."""
    from promptlint.budget import analyse, summary

    try:
        model = new.metadata.model_name
        before = summary(old, analyse(old, settings, provider, model_name=model))
        after = summary(new, analyse(new, settings, provider, model_name=model))
    except Exception:  # counting is a courtesy here: never let it fail the diff
        return None
    figures = {key: {"old": before[key], "new": after[key]} for key in ("static", "tools", "worst_case")
               if isinstance(before[key], int) and isinstance(after[key], int)}
    return {"model": after["resolved_model"] or after["model"], "counting": after["counting"], **figures}


def _diff_text(report: dict[str, Any], color: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(no_color=not color, highlight=False, width=None if sys.stdout.isatty() else 200)
    old, new = report["old"], report["new"]
    console.print(f"[bold]{escape(old['label'])}[/bold] ({old['version'] or 'no version'}) → "
                  f"[bold]{escape(new['label'])}[/bold] ({new['version'] or 'no version'})")
    styles = {"breaking": "red", "minor": "yellow", "patch": "cyan"}
    for change in report["changes"]:
        style = styles[change["level"]]
        console.print(f"  [{style}]{change['level']:<8}[/{style}] {escape(change['path'])}: "
                      f"{escape(change['message'])}")
        for line in (change["diff"] or "").splitlines()[2:]:  # the ---/+++ header says nothing here
            line_style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            console.print(f"             [{line_style}]{escape(line)}[/{line_style}]")
    counted = report.get("tokens")
    if counted:
        parts = [f"{key.replace('_', ' ')} {value['old']:,} → {value['new']:,} ({value['new'] - value['old']:+,})"
                 for key, value in counted.items() if isinstance(value, dict) and value["old"] != value["new"]]
        if parts:
            console.print(f"  tokens ({escape(str(counted['model'] or 'no model'))}, {counted['counting']}): "
                          + "; ".join(parts))
    ok = report["bump_ok"]
    style = "green" if ok is not False else "red"
    console.print(f"[{style}]{escape(report['verdict'])}[/{style}]")
