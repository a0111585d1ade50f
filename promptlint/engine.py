"""The engine: discover files, read each into a Document, run the selected rules, apply
per-file ignores and inline suppressions, run project-scope rules over what the files
gave them, and collect Results for the reports.

Per file (in worker processes for big trees): read, run file rules, suppress, build
Results; keep a `FileState` (directives, which rules ran) and what project rules collect.
Then once, in this process: project rules, then unused suppressions, then one ordering.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.config import Config, Selectors, Settings, enabled_rules, selector_matches
from promptlint.context import CheckContext
from promptlint.declarative import declarative_check
from promptlint.discover import Candidate, PathPatterns, discover
from promptlint.discover import Skipped as WalkSkipped
from promptlint.findings import (
    Finding,
    LocatedEdit,
    LocatedFix,
    Location,
    RelatedLocation,
    Report,
    Result,
    RunError,
    Skipped,
    mask,
)
from promptlint.formats import read_candidate
from promptlint.inputs import recording
from promptlint.model import Document, SourceFile, Span
from promptlint.project import Entry, ProjectContext
from promptlint.provider import DocumentProvider
from promptlint.registry import Rule, RuleDefinitionError
from promptlint.suppressions import Directive, parse_directives

if TYPE_CHECKING:
    from promptlint.cache import ResultCache

INVALID_DOCUMENT = "PL001"
UNUSED_SUPPRESSION = "PL009"
PARALLEL_FROM = 200  # below this many files, starting worker processes costs more than it saves
SNIPPET_CONTEXT = 1  # lines shown around a finding in code frames

Check = Callable[..., Iterable[Finding]]


@dataclass
class Selection:
    rules: list[Rule]
    config: Config
    all_rules: dict[str, Rule]
    # implementations, resolved once when rules are selected: a bad one is a load error
    checks: dict[str, Check] = field(default_factory=dict)
    collectors: dict[str, Callable[..., Any]] = field(default_factory=dict)


def _resolve(rule: Rule, reference: str | None) -> Check:
    if reference is None:
        return declarative_check
    module_name, _, function_name = reference.partition(":")
    try:
        implementation: Check = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise RuleDefinitionError(f"{rule.origin}: cannot load '{reference}': {error}") from error
    return implementation


def select_rules(all_rules: dict[str, Rule], config: Config, strict_suppressions: bool = False) -> Selection:
    """The rules to run, as the configuration and then the command line select them.

    `strict-suppressions` selects PL009 in the layer that says it (the file's setting or the
    command-line flag), so a later `--ignore PL009`, or a `--select` that starts afresh, wins.
    """
    unused = [UNUSED_SUPPRESSION] if UNUSED_SUPPRESSION in all_rules else []
    rules = enabled_rules(all_rules, config.select,
                          config.extend_select + (unused if config.strict_suppressions else []), config.ignore)
    line = config.command_line
    if line is None and strict_suppressions:
        line = Selectors(None, [], [])
    if line is not None:
        rules = enabled_rules(all_rules, line.select, line.extend_select + (unused if strict_suppressions else []),
                              line.ignore, {rule.id for rule in rules})
    selection = Selection(rules, config, all_rules)
    for rule in rules:
        if rule.produced_by_engine:
            continue
        selection.checks[rule.id] = _resolve(rule, rule.check)
        if rule.scope == "project":
            selection.collectors[rule.id] = _resolve(rule, rule.collect)
    return selection


@dataclass
class FileState:
    """What the main process keeps of a file after its per-file pass."""

    path: str
    source: SourceFile | None  # kept only when suppressions or project findings may need it
    directives: list[Directive]
    ran: frozenset[str]  # ids of the rules that ran on it
    ignored: tuple[str, ...]  # its per-file-ignores selectors
    redact: tuple[Span, ...] = ()  # secrets found in it, masked in every code frame


@dataclass
class Batch:
    report: Report = field(default_factory=Report)
    states: list[FileState] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)


def lint_paths(paths: list[Path], selection: Selection, force_exclude: bool = False, jobs: int = 1,
               parallel_from: int = PARALLEL_FROM, cache: ResultCache | None = None) -> Report:
    """Lint every file under `paths`. Files are independent, so with `jobs` > 1 and at least
    `parallel_from` files they are linted in worker processes; the report does not depend on it,
    nor on whether a file's per-file results come from `cache`."""
    report = Report(root=str(selection.config.root.absolute()))
    skipped: list[WalkSkipped] = []
    try:
        candidates = list(discover(paths, selection.config, force_exclude, skipped=skipped))
    except Exception as error:  # a walk that breaks is a run error, never a traceback
        report.errors.append(RunError(f"cannot list the files to lint: {error!r}"))
        return report
    report.skipped = [Skipped(entry.display_path, entry.reason) for entry in skipped]
    if jobs <= 1 or len(candidates) < parallel_from:
        batches = [lint_batch(candidates, selection, cache)]
    else:
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, len(candidates) // (jobs * 4))  # several batches per worker evens out slow files
        chunks = [candidates[start:start + size] for start in range(0, len(candidates), size)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            batches = list(pool.map(lint_batch, chunks, [selection] * len(chunks), [cache] * len(chunks)))
    return _finish(report, batches, selection)


def read_documents(paths: list[Path], config: Config) -> Iterator[tuple[Document, Settings]]:
    """Each file under `paths` that reads as a usable document, with its settings: for commands
    that look at prompts without linting them (tokens, lock, init)."""
    for candidate in discover(paths or [Path(".")], config):
        settings = config.settings_for(candidate.display_path)
        document, _why = read_candidate(candidate.path, candidate.display_path, False, settings)
        if document is not None and not document.fatal:
            yield document, settings


def lint_source(text: str, display_path: str, selection: Selection) -> Report:
    """Lint text in memory (an editor buffer, a file at a git base) as the file `display_path`
    under the configuration's root, through the same engine as files on disk."""
    report = Report(root=str(selection.config.root.absolute()))
    provider = _provider(selection.config)
    batch = Batch()
    try:
        document = provider.from_text(text, display_path)
    except Exception:
        batch.report.errors.append(RunError(f"internal error while reading: {traceback.format_exc(limit=3)}",
                                            display_path))
        document = None
    if document is not None:
        lint_document(document, selection, _per_file_ignores(selection.config), provider, batch)
    return _finish(report, [batch], selection)


def _provider(config: Config) -> DocumentProvider:
    return DocumentProvider(config.root, config.settings_for)


def _per_file_ignores(config: Config) -> list[tuple[PathPatterns, list[str]]]:
    return [(PathPatterns(config.root, [glob]), selectors) for glob, selectors in config.per_file_ignores.items()]


def lint_batch(candidates: list[Candidate], selection: Selection, cache: ResultCache | None = None) -> Batch:
    batch = Batch()
    per_file = _per_file_ignores(selection.config)
    provider = _provider(selection.config)
    for candidate in candidates:
        key = _cache_key(cache, candidate)
        cached = cache.load(key) if cache is not None and key is not None else None
        if cached is not None:
            _merge(batch, cached)
            batch.report.from_cache += 1
            continue
        one = Batch()
        with recording() as inputs:
            _lint_candidate(candidate, selection, per_file, provider, one)
        if cache is not None and key is not None and not one.report.errors:
            cache.store(key, one, inputs)
        _merge(batch, one)
    return batch


def _lint_candidate(candidate: Candidate, selection: Selection, per_file: list[tuple[PathPatterns, list[str]]],
                    provider: DocumentProvider, batch: Batch) -> None:
    try:
        settings = selection.config.settings_for(candidate.display_path)
        # a file named on the command line (by pre-commit, say) is recognised as in a walk, so the
        # hook and `promptlint check .` agree; a file that is not ours is listed as skipped
        document, why_not = read_candidate(candidate.path, candidate.display_path, False, settings)
    except Exception:  # a reader bug must not end the run; say so and go on
        batch.report.errors.append(RunError(f"internal error while reading: {traceback.format_exc(limit=3)}",
                                            candidate.display_path))
        return
    if document is not None:
        lint_document(document, selection, per_file, provider, batch, settings)
    else:
        batch.report.skipped.append(Skipped(candidate.display_path, why_not))


def _cache_key(cache: ResultCache | None, candidate: Candidate) -> str | None:
    """The file's cache key from its bytes (None: no cache, or a file that cannot be read now,
    whose diagnostic the reader gives)."""
    if cache is None:
        return None
    from promptlint.formats import max_file_bytes

    try:
        with candidate.path.open("rb") as handle:  # the whole of what the reader would read, and one byte more
            data = handle.read(max_file_bytes(cache.settings_for(candidate.display_path)) + 1)
    except OSError:
        return None
    return cache.key(candidate.display_path, data)


def _merge(batch: Batch, one: Batch) -> None:
    """Add one file's outcome to the batch (both are in the order the files were linted)."""
    report, part = batch.report, one.report
    report.results.extend(part.results)
    report.files_scanned.extend(part.files_scanned)
    report.errors.extend(part.errors)
    report.unchecked.extend(part.unchecked)
    report.skipped.extend(part.skipped)
    report.file_formats.update(part.file_formats)
    report.suppressed += part.suppressed
    batch.states.extend(one.states)
    for rule_id, found in one.entries.items():
        batch.entries.setdefault(rule_id, []).extend(found)


def lint_document(document: Document, selection: Selection, per_file: list[tuple[PathPatterns, list[str]]],
                  provider: DocumentProvider, batch: Batch, settings: Settings | None = None) -> None:
    report = batch.report
    path = document.path
    report.files_scanned.append(path)
    report.file_formats[path] = document.format or "unreadable"
    ignored = tuple(selector for patterns, selectors in per_file if patterns.matches(document.source.path, False)
                    for selector in selectors)
    rules = [rule for rule in selection.rules
             if not any(selector_matches(selector, rule) for selector in ignored)]
    fatal = document.fatal
    if fatal and not any(rule.id == INVALID_DOCUMENT for rule in rules):
        problem = next(problem for problem in document.problems if problem.fatal)
        report.unchecked.append(Skipped(path, f"{problem.span.start_line}:{problem.span.start_column}: "
                                              f"{problem.message}"))
    settings = settings or selection.config.settings_for(path)
    findings: list[Finding] = []
    ran = set()
    collected = False
    for rule in rules:
        if rule.produced_by_engine or (fatal and rule.id != INVALID_DOCUMENT):
            continue  # a document that could not be read gets its PL001 findings, nothing built on sand
        ran.add(rule.id)
        context = CheckContext(rule, settings.rule_options(rule), settings, provider)
        try:
            if rule.scope == "project":
                data = selection.collectors[rule.id](document, context)
                if data is not None:
                    batch.entries.setdefault(rule.id, []).append(Entry(path, document.source, data))
                    collected = True
            else:
                findings.extend(selection.checks[rule.id](document, context))
        except Exception:
            report.errors.append(RunError(
                f"internal error in rule {rule.id} ({rule.name}): {traceback.format_exc(limit=3)}", path))
    directives = parse_directives(document.source, document.comments)
    # a secret one rule found stays masked in every code frame of the file, whichever rule shows the line
    redact = tuple(span for finding in findings for span in finding.redact)
    findings = _suppress(findings, directives, selection.all_rules, report)
    report.results.extend(_results(document.source, findings, selection, redact))
    batch.states.append(FileState(path, document.source if directives or collected else None, directives,
                                  frozenset(ran), ignored, redact))


def _suppress(findings: list[Finding], directives: list[Directive], all_rules: dict[str, Rule],
              report: Report) -> list[Finding]:
    if not directives:
        return findings
    kept = []
    for finding in findings:
        rule = all_rules[finding.rule_id]
        suppressed = False
        for directive in directives:
            selector = directive.covers(rule.id, rule.name, finding.span.start_line)
            if selector is not None:
                directive.used.add(selector)
                suppressed = True
        if suppressed:
            report.suppressed += 1
        else:
            kept.append(finding)
    return kept


def _finish(report: Report, batches: list[Batch], selection: Selection) -> Report:
    states: dict[str, FileState] = {}
    entries: dict[str, list[Entry]] = {}
    for batch in batches:
        report.results.extend(batch.report.results)
        report.files_scanned.extend(batch.report.files_scanned)
        report.errors.extend(batch.report.errors)
        report.unchecked.extend(batch.report.unchecked)
        report.skipped.extend(batch.report.skipped)
        report.file_formats.update(batch.report.file_formats)
        report.suppressed += batch.report.suppressed
        report.from_cache += batch.report.from_cache
        for state in batch.states:
            states[state.path] = state
        for rule_id, found in batch.entries.items():
            entries.setdefault(rule_id, []).extend(found)
    _run_project_rules(report, states, entries, selection)
    _report_unused_suppressions(report, states, selection)
    order = {path: index for index, path in enumerate(report.files_scanned)}
    report.results.sort(key=lambda result: (order.get(result.location.path, len(order)), result.location.start_line,
                                            result.location.start_column, result.rule_id, result.message))
    return report


def _run_project_rules(report: Report, states: dict[str, FileState], entries: dict[str, list[Entry]],
                       selection: Selection) -> None:
    project_rules = [rule for rule in selection.rules if rule.scope == "project"]
    if not project_rules:
        return
    provider = _provider(selection.config)
    reported = frozenset(states)
    for rule in project_rules:
        rule_entries = entries.get(rule.id, [])
        sources = {entry.path: entry.source for entry in rule_entries}
        context = ProjectContext(rule, selection.config.settings_for("").rule_options(rule), list(rule_entries),
                                 provider, reported, _collector(rule, selection, provider))
        try:
            findings = list(selection.checks[rule.id](context))
        except Exception:
            report.errors.append(RunError(
                f"internal error in rule {rule.id} ({rule.name}): {traceback.format_exc(limit=3)}"))
            continue
        by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            state = states.get(finding.path or "")
            if state is None or rule.id not in state.ran:
                continue  # only files the run checks, and that this rule was not ignored in
            by_file.setdefault(state.path, []).append(finding)
        for path, in_file in by_file.items():
            state = states[path]
            source = state.source or sources.get(path)
            if source is None:
                continue
            kept = _suppress(in_file, state.directives, selection.all_rules, report)
            report.results.extend(_results(source, kept, selection, state.redact))


def _collector(rule: Rule, selection: Selection, provider: DocumentProvider) -> Callable[[Document], Any]:
    """The rule's collect step for a file read on demand, with that file's own settings."""
    collect = selection.collectors[rule.id]

    def run(document: Document) -> Any:
        settings = selection.config.settings_for(document.path)
        return collect(document, CheckContext(rule, settings.rule_options(rule), settings, provider))

    return run


def _report_unused_suppressions(report: Report, states: dict[str, FileState], selection: Selection) -> None:
    unused_rule = selection.all_rules.get(UNUSED_SUPPRESSION)
    if unused_rule is None or unused_rule not in selection.rules:
        return
    for state in states.values():
        if not state.directives or state.source is None:
            continue
        if any(selector_matches(selector, unused_rule) for selector in state.ignored):
            continue
        findings = []
        for directive in state.directives:
            for selector in directive.selectors:
                if selector in directive.used or not _judged(selector, state, selection.all_rules):
                    continue
                findings.append(Finding(
                    unused_rule.id,
                    f"suppression of '{selector}' suppresses nothing here; remove it (or fix the rule "
                    "name) so it cannot hide a future finding",
                    directive.span,
                ))
        report.results.extend(_results(state.source, findings, selection, state.redact))


def _judged(selector: str, state: FileState, all_rules: dict[str, Rule]) -> bool:
    """Whether a suppression can be called unused: some rule it names ran on the file (a rule
    that was not selected, or a file that did not read, says nothing about it)."""
    return any(rule_id in state.ran for rule_id, rule in all_rules.items()
               if selector.lower() == "all" or selector == rule.name or rule_id.startswith(selector))


def _results(source: SourceFile, findings: list[Finding], selection: Selection,
             redact: tuple[Span, ...] = ()) -> list[Result]:
    results = []
    occurrences: Counter[str] = Counter()
    lines = Lines(source)  # many findings on one long line share its text instead of copying it each
    for finding in sorted(findings, key=lambda f: (f.span.start, f.rule_id, f.message)):
        rule = selection.all_rules[finding.rule_id]
        identity = _identity(source, finding)
        occurrences[identity] += 1
        key = f"{identity}\0{occurrences[identity]}".encode("utf-8", "surrogatepass")  # JSON allows lone surrogates
        fingerprint = hashlib.sha256(key).hexdigest()[:32]
        related = []
        for item in finding.related:
            other = item.source if item.source is not None else (source if item.path == source.display_path else None)
            hidden = redact if other is source else ()
            other_lines = lines if other is source else Lines(other) if other is not None else None
            start, shown = _snippet(other_lines, item.span, hidden) if other_lines is not None else (0, ())
            related.append(RelatedLocation(_location(other_lines, item.path, item.span), item.message, start, shown))
        fixes = tuple(
            LocatedFix(fix.description, fix.applicability, tuple(
                LocatedEdit(_location(lines, source.display_path, edit.span), edit.replacement)
                for edit in fix.edits))
            for fix in finding.fixes
        )
        snippet_start, snippet = _snippet(lines, finding.span, finding.redact + redact)
        severity = selection.config.severity.get(rule.id) or finding.severity or rule.severity
        results.append(Result(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=severity,  # type: ignore[arg-type]
            message=finding.message,
            location=_location(lines, source.display_path, finding.span),
            fix_hint=finding.hint or rule.fix_hint,
            fingerprint=fingerprint,
            related=tuple(related),
            snippet_start=snippet_start,
            snippet=snippet,
            evidence=finding.evidence,
            fixes=fixes,
        ))
    return results


class Lines:
    """A source's lines as findings need them, each taken from the text once per file."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self._lines: dict[int, tuple[str, bool]] = {}

    def text(self, line: int) -> str:
        return self._line(line)[0]

    def ascii(self, line: int) -> bool:
        return self._line(line)[1]

    def _line(self, line: int) -> tuple[str, bool]:
        if line not in self._lines:
            text = self.source.line_text(line)
            self._lines[line] = (text, text.isascii())
        return self._lines[line]


def _snippet(lines_of: Lines, span: Span, redact: tuple[Span, ...] = ()) -> tuple[int, tuple[str, ...]]:
    source = lines_of.source
    first = max(1, span.start_line - SNIPPET_CONTEXT)
    last = min(source.line_count, span.start_line + SNIPPET_CONTEXT)
    lines = [lines_of.text(line) for line in range(first, last + 1)]
    for hidden in redact:
        for line in range(max(first, hidden.start_line), min(last, hidden.end_line) + 1):
            text = lines[line - first]
            start = hidden.start_column - 1 if line == hidden.start_line else 0
            end = hidden.end_column - 1 if line == hidden.end_line else len(text)
            lines[line - first] = text[:start] + mask(text[start:end]) + text[end:]
    return first, tuple(lines)



def _identity(source: SourceFile, finding: Finding) -> str:
    """What a finding is about, without its line number: stable when unrelated lines move."""
    text = source.text[finding.span.start:finding.span.end] or source.line_text(finding.span.start_line)
    normalised = re.sub(r"\s+", " ", text).strip()
    return f"{finding.rule_id}\0{source.display_path}\0{normalised}\0{finding.message}"


def _location(lines: Lines | None, path: str, span: Span) -> Location:
    def utf16(line: int, column: int) -> int:
        if lines is None or lines.ascii(line):
            return column
        prefix = lines.text(line)[:column - 1]
        # characters outside the BMP are two UTF-16 units; encoding counts them at C speed on long lines
        return 1 + len(prefix.encode("utf-16-le", "surrogatepass")) // 2

    return Location(path, span.start_line, span.start_column, span.end_line, span.end_column,
                    utf16(span.start_line, span.start_column), utf16(span.end_line, span.end_column))
