"""`promptlint init`: a first configuration for an existing project.

It writes `.promptlint.yaml` (or appends a `[tool.promptlint]` table to pyproject.toml, leaving
every other byte of that file as it was) with the rule families, the common keys commented,
and a `trust:` skeleton listing the template variables of the project's prompt files that
declare no trust, read through the same discovery and readers as `check`. It never overwrites
a configuration without `--force`, and never rewrites pyproject.toml's own promptlint tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from promptlint.config import Config, _pyproject_section
from promptlint.registry import FAMILIES, Rule

# what each family checks, in one line for the comments of the written configuration
FAMILY_SUMMARIES = {
    "documents": "files parse, variables are declared and used, suppressions are used",
    "injection": "untrusted variables in instruction roles, missing delimiters, role spoofing",
    "tool-schemas": "tool definitions: strict schemas, bounded arguments, clear and unpoisoned descriptions",
    "layers": "platform, tenant and user prompts that contradict or override each other",
    "tokens": "token budgets against the model's context window, cacheable prefixes",
    "abstention": "prompts that say what to do when the answer is unknown or out of scope",
    "hygiene": "hidden characters, secrets, personal data, leftover placeholders",
    "versioning": "prompt versions bumped when prompts change (needs --diff-base)",
}

PRE_COMMIT_SNIPPET = """\
# .pre-commit-config.yaml
repos:
  - repo: <the URL of the promptlint repository>
    rev: main          # or a commit: `pre-commit autoupdate --freeze` pins one
    hooks:
      - id: promptlint
"""


class InitError(Exception):
    """Why `init` wrote nothing (the command line exits 2)."""


@dataclass
class Variables:
    """Template variables without declared trust, by what promptlint would infer for them."""

    untrusted: list[str] = field(default_factory=list)  # inferred from the name or description
    unknown: list[str] = field(default_factory=list)  # nothing says; promptlint assumes neither
    files: int = 0  # prompt files read


def undeclared_trust(paths: list[Path], config: Config) -> Variables:
    from promptlint.engine import read_documents
    from promptlint.trust import analyse

    untrusted: set[str] = set()
    unknown: set[str] = set()
    found = Variables()
    for document, settings in read_documents(paths, config):
        if not document.messages:
            continue
        found.files += 1
        for name, trust in analyse(document, settings).variables.items():
            # a name a format with declarations uses undeclared is PL002's business (a typo, often)
            undeclared = document.declares_variables and name not in document.variables
            if trust.source in ("inferred", "unknown") and not undeclared:
                (untrusted if trust.untrusted else unknown).add(name)
    found.untrusted = sorted(untrusted)
    found.unknown = sorted(unknown - untrusted)
    return found


def _families(rules: dict[str, Rule]) -> list[tuple[str, str, str]]:
    """(id prefix, family, summary) for every family that has rules, in FAMILIES order."""
    prefixes: dict[str, str] = {}
    for rule in rules.values():
        prefixes.setdefault(rule.family, rule.id[:3])
    return [(prefixes[family], family, FAMILY_SUMMARIES.get(family, "")) for family in FAMILIES if family in prefixes]


def _header(rules: dict[str, Rule], variables: Variables) -> list[str]:
    lines = ["promptlint configuration, written by `promptlint init` (README: \"Configuration\").",
             "",
             "Rule families, by id prefix (`promptlint rules` lists every rule, `promptlint explain ID` one):"]
    lines += [f"  {prefix}  {family:<12}  {summary}" for prefix, family, summary in _families(rules)]
    lines += ["",
              f"trust: the template variables of the {variables.files} prompt file"
              f"{'s' if variables.files != 1 else ''} found that declare no trust.",
              "Variables under `untrusted` carry outside text (the user's words, documents, tool output):",
              "the injection rules (PL1) check where they land. Move each name listed as unknown into the",
              "list that fits; a variable left unknown is never treated as untrusted."]
    return lines


def _names(names: list[str]) -> str:
    return "[" + ", ".join(json.dumps(name, ensure_ascii=False) for name in names) + "]"


def yaml_config(rules: dict[str, Rule], variables: Variables) -> str:
    lines = [f"# {line}".rstrip() for line in _header(rules, variables)]
    lines += [
        "",
        "# select: [PL0, PL1, PL2]      # rules to run: ids, prefixes, names or ALL (default: all not opt-in)",
        "# extend-select: [PL009]       # add opt-in rules to the selection",
        "ignore: []                     # rules not to run",
        "exclude: []                    # gitignore-style patterns a directory walk skips",
        "fail-on: warning               # lowest severity that fails the run: error | warning | note",
        "# default-model: gpt-4o        # for token budgets of files that name no model",
        "trust:",
        f"  untrusted: {_names(variables.untrusted)}",
        "  trusted: []",
    ]
    lines += [f"  # unknown: {name}" for name in variables.unknown]
    return "\n".join(lines) + "\n"


def toml_config(rules: dict[str, Rule], variables: Variables) -> str:
    lines = ["[tool.promptlint]"]
    lines += [f"# {line}".rstrip() for line in _header(rules, variables)]
    lines += [
        "",
        '# select = ["PL0", "PL1", "PL2"]  # rules to run: ids, prefixes, names or ALL (default: all not opt-in)',
        '# extend-select = ["PL009"]       # add opt-in rules to the selection',
        "ignore = []                       # rules not to run",
        "exclude = []                      # gitignore-style patterns a directory walk skips",
        'fail-on = "warning"               # lowest severity that fails the run: error | warning | note',
        '# default-model = "gpt-4o"        # for token budgets of files that name no model',
        f"trust = {{ untrusted = {_names(variables.untrusted)}, trusted = [] }}",
    ]
    lines += [f"# unknown: {name}" for name in variables.unknown]
    return "\n".join(lines) + "\n"


_PROMPTLINT_TABLE = re.compile(r"^\s*\[\[?\s*tool\s*\.\s*promptlint\s*[.\]]", re.M)


def write_config(directory: Path, rules: dict[str, Rule], variables: Variables, pyproject: bool,
                 force: bool) -> Path:
    """Write the configuration into `directory`; the file written. Refuses (InitError) to replace
    a configuration without `force`, and to touch pyproject.toml's own promptlint tables at all."""
    yaml_files = [directory / name for name in (".promptlint.yaml", ".promptlint.yml") if (directory / name).exists()]
    project = directory / "pyproject.toml"
    has_section = project.is_file() and (_PROMPTLINT_TABLE.search(project.read_text("utf-8", errors="replace"))
                                         is not None or _section(project))
    if pyproject:
        if has_section:
            raise InitError(f"{project} already has a [tool.promptlint] table; promptlint init does not edit it "
                            "(--force neither): remove the table first, or edit it by hand")
        if yaml_files and not force:
            raise InitError(f"{yaml_files[0]} already configures promptlint and would take precedence over "
                            "pyproject.toml; remove it, or pass --force to add the table anyway")
        existing = project.read_bytes() if project.exists() else b""
        separator = b"" if not existing else b"\n" if existing.endswith(b"\n") else b"\n\n"
        _write(project, existing + separator + toml_config(rules, variables).encode("utf-8"))
        return project
    target = directory / ".promptlint.yaml"
    if not force and (yaml_files or has_section):
        if yaml_files:
            raise InitError(f"{yaml_files[0]} already exists; pass --force to replace it")
        raise InitError(f"{project} already configures promptlint; pass --force to write {target.name} anyway "
                        "(it takes precedence over pyproject.toml, whose table is left as it is)")
    _write(target, yaml_config(rules, variables).encode("utf-8"))
    return target


def _section(project: Path) -> bool:
    try:
        return _pyproject_section(project) is not None
    except Exception:  # an unreadable pyproject.toml: the regex above already decided
        return False


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        raise InitError(f"cannot write {path}: {error.strerror or error}") from error


def written_message(path: Path, variables: Variables) -> str:
    def count(number: int, noun: str) -> str:
        return f"{number} {noun}{'s' if number != 1 else ''}"

    untrusted = count(len(variables.untrusted), "untrusted variable")
    unknown = count(len(variables.unknown), "variable")
    return (f"Wrote {path.name}: a trust skeleton with {untrusted} and {unknown} of unknown trust, from "
            f"{count(variables.files, 'prompt file')}. Add promptlint to pre-commit with:")
