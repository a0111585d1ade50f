"""The engine: discover files, read each into a Document, run the selected rules, apply
per-file ignores and inline suppressions, and collect Results for the reports."""

from __future__ import annotations

import hashlib
import re
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from promptlint.config import Config, enabled_rules, selector_matches
from promptlint.context import CheckContext
from promptlint.discover import Candidate, PathPatterns, discover
from promptlint.findings import Finding, Location, RelatedLocation, Report, Result, RunError
from promptlint.formats import read_document
from promptlint.model import Document, SourceFile, Span
from promptlint.registry import Rule
from promptlint.suppressions import parse_directives

INVALID_DOCUMENT = "PL001"
UNUSED_SUPPRESSION = "PL009"
PARALLEL_FROM = 200  # below this many files, starting worker processes costs more than it saves
SNIPPET_CONTEXT = 1  # lines shown around a finding in code frames


@dataclass
class Selection:
    rules: list[Rule]
    config: Config
    all_rules: dict[str, Rule]


def select_rules(all_rules: dict[str, Rule], config: Config, strict_suppressions: bool = False) -> Selection:
    rules = enabled_rules(all_rules, config.select, config.extend_select, config.ignore)
    if config.command_line is not None:
        line = config.command_line
        rules = enabled_rules(all_rules, line.select, line.extend_select, line.ignore, {rule.id for rule in rules})
    unused = all_rules.get(UNUSED_SUPPRESSION)
    if (strict_suppressions or config.strict_suppressions) and unused is not None and unused not in rules:
        rules.append(unused)
    return Selection(rules, config, all_rules)


def lint_paths(paths: list[Path], selection: Selection, force_exclude: bool = False, jobs: int = 1,
               parallel_from: int = PARALLEL_FROM) -> Report:
    """Lint every file under `paths`. Files are independent, so with `jobs` > 1 and at least
    `parallel_from` files they are linted in worker processes; the report's order does not
    depend on it."""
    candidates = list(discover(paths, selection.config, force_exclude))
    report = Report(root=str(selection.config.root.absolute()))
    if jobs <= 1 or len(candidates) < parallel_from:
        batches = [lint_batch(candidates, selection)]
    else:
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, len(candidates) // (jobs * 4))  # several batches per worker evens out slow files
        chunks = [candidates[start:start + size] for start in range(0, len(candidates), size)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            batches = list(pool.map(lint_batch, chunks, [selection] * len(chunks)))
    for batch in batches:
        report.results.extend(batch.results)
        report.files_scanned.extend(batch.files_scanned)
        report.errors.extend(batch.errors)
        report.suppressed += batch.suppressed
    return report


def lint_batch(candidates: list[Candidate], selection: Selection) -> Report:
    report = Report()
    per_file = [(PathPatterns(selection.config.root, [glob]), selectors)
                for glob, selectors in selection.config.per_file_ignores.items()]
    for candidate in candidates:
        lint_candidate(candidate, selection, per_file, report)
    return report


def lint_candidate(candidate: Candidate, selection: Selection, per_file: list[tuple[PathPatterns, list[str]]],
                   report: Report) -> None:
    try:
        document = read_document(candidate.path, candidate.display_path, candidate.explicit)
    except Exception:  # a reader bug must not end the run; say so and go on
        report.errors.append(RunError(f"internal error while reading: {traceback.format_exc(limit=3)}",
                                      candidate.display_path))
        return
    if document is None:
        return
    report.files_scanned.append(candidate.display_path)
    ignored = [selector for patterns, selectors in per_file if patterns.matches(candidate.path, False)
               for selector in selectors]
    rules = [rule for rule in selection.rules
             if not any(selector_matches(selector, rule) for selector in ignored)]
    findings: list[Finding] = []
    analyses: dict[str, object] = {}
    for rule in rules:
        if rule.produced_by_engine or (document.problems and rule.id != INVALID_DOCUMENT):
            continue  # a document that did not read cleanly gets its PL001 findings, nothing built on sand
        context = CheckContext(rule, {**rule.default_options(), **selection.config.rule_options.get(rule.id, {})},
                               selection.config.default_model, analyses)
        try:
            findings.extend(rule.load_check()(document, context))
        except Exception:
            report.errors.append(RunError(
                f"internal error in rule {rule.id} ({rule.name}): {traceback.format_exc(limit=3)}",
                candidate.display_path))
    findings = _apply_suppressions(document, findings, rules, selection.all_rules, report)
    report.results.extend(_results(document, findings, selection))


def _apply_suppressions(document: Document, findings: list[Finding], rules: list[Rule],
                        all_rules: dict[str, Rule], report: Report) -> list[Finding]:
    directives = parse_directives(document.source)
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
    unused_rule = all_rules.get(UNUSED_SUPPRESSION)
    if unused_rule is not None and unused_rule in rules:
        for directive in directives:
            for selector in directive.selectors:
                if selector not in directive.used:
                    kept.append(Finding(
                        unused_rule.id,
                        f"suppression of '{selector}' suppresses nothing here; remove it (or fix the rule "
                        "name) so it cannot hide a future finding",
                        directive.span,
                    ))
    return kept


def _results(document: Document, findings: list[Finding], selection: Selection) -> list[Result]:
    source = document.source
    results = []
    occurrences: Counter[str] = Counter()
    for finding in sorted(findings, key=lambda f: (f.span.start, f.rule_id, f.message)):
        rule = selection.all_rules[finding.rule_id]
        identity = _identity(source, finding)
        occurrences[identity] += 1
        fingerprint = hashlib.sha256(f"{identity}\0{occurrences[identity]}".encode()).hexdigest()[:32]
        related = tuple(
            RelatedLocation(_location(source if item.path == source.display_path else None, item.path, item.span),
                            item.message)
            for item in finding.related
        )
        results.append(Result(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=selection.config.severity.get(rule.id, rule.severity),  # type: ignore[arg-type]
            message=finding.message,
            location=_location(source, source.display_path, finding.span),
            fix=rule.fix,
            fingerprint=fingerprint,
            related=related,
            snippet_start=max(1, finding.span.start_line - SNIPPET_CONTEXT),
            snippet=tuple(source.line_text(line) for line in range(
                max(1, finding.span.start_line - SNIPPET_CONTEXT),
                min(source.line_count, finding.span.start_line + SNIPPET_CONTEXT) + 1)),
        ))
    return results


def _identity(source: SourceFile, finding: Finding) -> str:
    """What a finding is about, without its line number: stable when unrelated lines move."""
    text = source.text[finding.span.start:finding.span.end] or source.line_text(finding.span.start_line)
    normalised = re.sub(r"\s+", " ", text).strip()
    return f"{finding.rule_id}\0{source.display_path}\0{normalised}\0{finding.message}"


def _location(source: SourceFile | None, path: str, span: Span) -> Location:
    def utf16(line: int, column: int) -> int:
        if source is None:
            return column
        prefix = source.line_text(line)[:column - 1]
        return 1 + sum(2 if ord(char) > 0xFFFF else 1 for char in prefix)

    return Location(path, span.start_line, span.start_column, span.end_line, span.end_column,
                    utf16(span.start_line, span.start_column), utf16(span.end_line, span.end_column))
