"""`--format junit`: JUnit XML as CI dashboards read it (GitLab, Jenkins, Azure Pipelines):
one test suite, one test case per file checked, a `<failure>` per finding."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from typing import IO

from promptlint.findings import Report
from promptlint.registry import Rule

# characters XML 1.0 cannot carry even escaped (controls, lone surrogates, U+FFFE/FFFF); a
# finding about hidden characters may quote one, and one such character makes the file unreadable
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub(lambda match: f"<U+{ord(match.group()):04X}>", value)


def render(report: Report, rules: dict[str, Rule], out: IO[str], color: bool) -> None:
    by_path = {path: list(results) for path, results in
               groupby(sorted(report.results, key=lambda result: result.location.path),
                       key=lambda result: result.location.path)}
    paths = list(dict.fromkeys([*report.files_scanned, *by_path, *(item.path for item in report.unchecked)]))
    unchecked = {item.path: item.reason for item in report.unchecked}
    suites = ET.Element("testsuites", name="promptlint")
    suite = ET.SubElement(suites, "testsuite", name="promptlint")
    failures = errors = 0
    for path in paths:
        case = ET.SubElement(suite, "testcase", name=_text(path), classname="promptlint", file=_text(path))
        for result in by_path.get(path, ()):
            location = result.location
            failure = ET.SubElement(case, "failure", type=result.rule_id,
                                    message=_text(f"{result.rule_id} {result.rule_name}: {result.message}"))
            failure.text = _text(f"{path}:{location.start_line}:{location.start_column} {result.rule_id} "
                                 f"[{result.severity}] {result.message}")
            failures += 1
        if path in unchecked:
            error = ET.SubElement(case, "error", type="unchecked",
                                  message=_text(f"promptlint could not read this file: {unchecked[path]}"))
            error.text = _text(f"{path}: not checked: {unchecked[path]}")
            errors += 1
    for run_error in report.errors:  # promptlint's own failures, not findings about a file
        case = ET.SubElement(suite, "testcase", name=_text(run_error.path or "promptlint"), classname="promptlint")
        ET.SubElement(case, "error", type="promptlint", message=_text(run_error.message))
        errors += 1
    tests = len(suite)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    suite.set("skipped", "0")
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
