"""Scan Python `str.format` templates (LangChain's default "f-string" format) for the names they read.

The grammar is CPython's (`Objects/stringlib/unicode_format.h`): `{{` and `}}` are literal
braces; `{` opens a field that runs to its matching `}` (braces nest, for a format spec such
as `{value:{width}}`); a field is `name[.attr|[key]]...[!conversion][:spec]`, and the spec is
itself a format string whose fields are read too. A use is the field's root name.

What makes formatting fail is a problem (not fatal: the rest is still read), at its exact
place: a single `{` or `}`, a positional field (`{}`, `{0}`: LangChain formats with keyword
arguments only), a field name that is no name (`{"key": 1}`, JSON left unescaped), a bad
conversion. So is what current LangChain refuses in f-string templates although `str.format`
takes it: attribute access and indexing (`{x.__class__}` reaches Python internals) and
fields nested in a format spec; the use is still recorded, as older versions format them.
"""

from __future__ import annotations

import re

from promptlint.model import Problem, Template, Text, VariableUse

_BRACE = re.compile(r"[{}]")
_FIELD_MARK = re.compile(r"[{}\[:!]")
# a key someone can pass by name: identifiers, and the hyphenated names LangChain accepts too
_NAME = re.compile(r"[^\W\d][\w-]*")
_LITERAL_HINT = "if the braces are meant as text (JSON, code), double them: '{{' and '}}'"
_CONVERSIONS = ("r", "s", "a")
_MAX_DEPTH = 2  # str.format expands a spec's fields, but not fields inside those ("Max string recursion")


def scan_fstring(text: Text, message_index: int | None = None) -> Template:
    template = Template()
    _scan(text, 0, len(text.value), template, message_index, _MAX_DEPTH)
    return template


def _scan(text: Text, start: int, end: int, template: Template, message_index: int | None, depth: int) -> None:
    value = text.value
    position = start
    while True:
        found = _BRACE.search(value, position, end)
        if found is None:
            return
        index = found.start()
        brace = found.group()
        if index + 1 < end and value[index + 1] == brace:  # `{{` or `}}`: one literal brace
            position = index + 2
            continue
        if brace == "}":
            _problem(template, text, index, index + 1,
                     f"single '}}' in an f-string template: formatting it raises ValueError; {_LITERAL_HINT}")
            position = index + 1
            continue
        close = _field_end(value, index + 1, end)
        if close is None:
            _problem(template, text, index, index + 1,
                     f"single '{{' is never closed in an f-string template: formatting it raises ValueError; "
                     f"{_LITERAL_HINT}")
            position = index + 1  # go on: the fields after it are still read, as the author meant them
            continue
        _field(text, index, close, template, message_index, depth)
        position = close + 1


def _field_end(value: str, position: int, end: int) -> int | None:
    """The index of the `}` that closes the field whose body starts at `position`.

    Braces nest; in the field name (before `:` or `!`) a `[key]` is skipped whole, braces and all."""
    depth = 1
    in_name = True
    while True:
        found = _FIELD_MARK.search(value, position, end)
        if found is None:
            return None
        mark, position = found.group(), found.end()
        if mark == "[" and in_name:
            bracket = value.find("]", position, end)
            if bracket == -1:
                return None
            position = bracket + 1
        elif mark in ":!":
            in_name = False
        elif mark in "{}":
            depth += 1 if mark == "{" else -1
            if depth == 0:
                return found.start()


def _field(text: Text, opening: int, close: int, template: Template, message_index: int | None, depth: int) -> None:
    """One `{...}` from `opening` to `close` (the indices of its braces)."""
    value = text.value
    whole = value[opening:close + 1]
    name_end = opening + 1
    while name_end < close and value[name_end] not in "!:":
        if value[name_end] == "{":
            _problem(template, text, opening, close + 1,
                     f"'{_short(whole)}' has a '{{' in its field name: formatting it raises ValueError; "
                     f"{_LITERAL_HINT}")
            return
        if value[name_end] == "[":  # a key runs to the next `]`, whatever it holds
            bracket = value.find("]", name_end, close)
            name_end = close - 1 if bracket == -1 else bracket
        name_end += 1
    spec_start = name_end
    if name_end < close and value[name_end] == "!":
        conversion = value[name_end + 1] if name_end + 1 < close else ""
        if conversion not in _CONVERSIONS or (name_end + 2 < close and value[name_end + 2] != ":"):
            _problem(template, text, name_end, close,
                     f"'{_short(whole)}' has no valid conversion (!r, !s or !a): formatting it raises ValueError")
        spec_start = name_end + 2
    field_name = value[opening + 1:name_end]
    root = re.split(r"[.\[]", field_name, maxsplit=1)[0]
    if not root or root.isdigit():
        _problem(template, text, opening, close + 1,
                 f"'{_short(whole)}' is a positional field: LangChain passes variables by name, so formatting it "
                 f"fails; name the variable; {_LITERAL_HINT}")
    elif not _NAME.fullmatch(root):
        _problem(template, text, opening, close + 1,
                 f"'{_short(whole)}' is a template field named {root!r}: LangChain asks for a variable of that "
                 f"name and formatting fails without one; {_LITERAL_HINT}")
    else:
        template.uses.append(VariableUse(root, text.span(opening + 1, opening + 1 + len(root)),
                                         text.span(opening, close + 1), message_index))
        if len(root) < len(field_name):
            reached = "an attribute" if field_name[len(root)] == "." else "an item"
            _problem(template, text, opening + 1 + len(root), name_end,
                     f"'{_short(whole)}' reads {reached} of '{root}': "
                     "current LangChain rejects attribute access and indexing in f-string templates, since "
                     "they reach Python internals (`{x.__class__}`); pass the value itself as a variable")
    if spec_start < close and value[spec_start] == ":" and "{" in value[spec_start:close]:
        _problem(template, text, spec_start, close,
                 f"'{_short(whole)}' has a field inside its format spec: current LangChain rejects nested fields "
                 "in f-string templates; pass the formatted value as a variable")
        if depth > 1:  # older versions format it: what it reads is still a use
            _scan(text, spec_start + 1, close, template, message_index, depth - 1)


def _short(field: str) -> str:
    shown = " ".join(field.split())
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _problem(template: Template, text: Text, start: int, end: int, message: str) -> None:
    # not fatal: every other field is read, so the rest of the document can still be checked
    template.problems.append(Problem(message, text.span(start, end), fatal=False))
