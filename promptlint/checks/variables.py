"""Template variables against their declarations (PL002, PL003)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from promptlint.context import CheckContext
from promptlint.findings import Edit, Finding, Fix, Related
from promptlint.model import Document

# Where each format declares its variables, for messages that say where to add one.
DECLARED_IN = {
    "native": "'variables'",
    "prompty": "'inputs' in the front matter",
    "dotprompt": "'input.schema' in the front matter",
    "markdown": "'inputs' in the front matter",
    "semantic-kernel": "'input_variables' (in the config.json beside skprompt.txt)",
    "template": "the node's 'inputs' in flow.dag.yaml",
    "langchain": "'input_variables'",
}


def undeclared_variable(document: Document, context: CheckContext) -> Iterator[Finding]:
    if not document.declares_variables or document.format is None:
        return
    declared = set(document.variables)
    where = DECLARED_IN.get(document.format, "the variable declarations")
    for use in document.variable_uses():
        if use.context_relative or use.name in declared:
            continue
        close = difflib.get_close_matches(use.name, sorted(declared), n=1)
        hint = f"did you mean '{close[0]}'? Otherwise declare" if close else "declare"
        declaration = document.variables[close[0]] if close else None
        where_declared = declaration.source.display_path if declaration and declaration.source else document.path
        related = (Related(where_declared, declaration.span, f"'{close[0]}' is declared here"),) \
            if declaration else ()
        # renaming changes what the template reads, so it is offered as unsafe: a person confirms the guess
        fixes = (Fix(f"rename '{use.name}' to '{close[0]}'", (Edit(use.span, close[0]),), "unsafe"),) if close else ()
        yield context.finding(
            use.span,
            f"variable '{use.name}' is used but not declared; {hint} it in {where}, or it renders as an "
            "empty string (or fails) at run time",
            related,
            fixes=fixes,
        )


def written(document: Document, name: str) -> str:
    """How the document's template syntax writes a use of `name`."""
    syntax = document.template_syntax
    if syntax == "f-string":
        return f"{{{name}}}"
    if syntax == "semantic-kernel":
        return f"{{{{${name}}}}}"
    if syntax == "handlebars":
        return f"{{{{{name}}}}}"
    return f"{{{{ {name} }}}}"


def unused_variable(document: Document, context: CheckContext) -> Iterator[Finding]:
    if not document.declares_variables:
        return
    used = {use.name for use in document.variable_uses()}
    for name, variable in document.variables.items():
        if name not in used and variable.source is None:  # declared in another file: this one holds no place for it
            yield context.finding(
                variable.span,
                f"variable '{name}' is declared but no message uses it; remove the declaration, or use it "
                f"as {written(document, name)} where it belongs",
            )
