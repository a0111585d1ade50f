"""Scan template text for its tags and variable uses, without rendering anything.

Two families are understood: Jinja-like (`{{ expr }}`, `{% stmt %}`, `{# comment #}`; also
Nunjucks and Liquid for what we need) and Handlebars/Mustache (`{{path}}`, `{{#block}}`,
`{{! comment}}`, `{{> partial}}`). We only need to know which names a template reads and
which it binds itself, so expressions are tokenised, not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.model import Problem, Span, Template, TemplateSyntax, Text, VariableUse
from promptlint.templates_fstring import scan_fstring
from promptlint.templates_semantic_kernel import scan_semantic_kernel

Bindings = dict[str, list[tuple[int, set[str]]]]  # name -> (source offset of the binding, names it reads)
_JINJA_OPEN = re.compile(r"\{\{|\{%|\{#")
_JINJA_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_JINJA_TOKEN = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<number>\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>==|!=|<=|>=|\*\*|//|[-+*/%~|.,:;()\[\]{}<>=!?])
    |(?P<space>\s+)
    |(?P<other>.)""",
    re.X | re.S,
)
# Only words that can never be variable names inside an expression; words such as
# `context` or `missing` are keywords only in particular statements, handled there.
_JINJA_KEYWORDS = {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None"}
_JINJA_GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "varargs", "kwargs",
                  "caller", "self", "super"}

_JINJA_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
# an expression or statement ends at the first closer outside a string literal: `{{ "}}" ~ name }}`
_JINJA_CLOSER_OR_QUOTE = {"}}": re.compile(r"\}\}|['\"]"), "%}": re.compile(r"%\}|['\"]")}
_JINJA_STRING = {"'": re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'", re.S), '"': re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)}
_HANDLEBARS_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<params>\|[^|]*\|)
    |(?P<hash>[A-Za-z_$][\w$-]*)=
    |(?P<path>(?:\.\./)*@?(?:[A-Za-z_$][\w$-]*|\[[^\]]*\])(?:[./](?:[A-Za-z_$][\w$-]*|\[[^\]]*\]|\d+))*)
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<paren>[()])
    |(?P<space>\s+)
    |(?P<other>.)""",
    re.X | re.S,
)
# Handlebars' ID: any run of characters but whitespace and !"#%&'()*+,./;<=>@[\]^`{|}~
_HANDLEBARS_RAW_CLOSE = re.compile(r"\{\{\{\{/[^\s!\"#%-,./;->@\[-\^`{-~]+\}\}\}\}")
_ANY_CHARACTER = re.compile(r"(?P<other>.)", re.S)
_HANDLEBARS_LITERALS = {"true", "false", "null", "undefined", "this", "else", "as"}
# Dotprompt's helpers that take no argument; with arguments any first name is a helper
_HANDLEBARS_BARE_HELPERS = {"history", "else"}
_CONTEXT_BLOCKS = {"each", "with"}


@dataclass(frozen=True)
class _Name:
    name: str
    start: int  # value indices into the text
    end: int


def scan_template(text: Text, syntax: TemplateSyntax, message_index: int | None = None) -> Template:
    if syntax == "none":
        return Template()
    if syntax == "handlebars":
        return _scan_handlebars(text, message_index)
    if syntax == "semantic-kernel":
        return scan_semantic_kernel(text, message_index)
    if syntax == "f-string":
        return scan_fstring(text, message_index)
    return _scan_jinja(text, message_index)


# --- Jinja -----------------------------------------------------------------------------

def _scan_jinja(text: Text, message_index: int | None) -> Template:
    template = Template()
    value = text.value
    position = 0
    bindings: Bindings = {}
    unclosable: set[str] = set()  # openers with no closer anywhere after: reported once
    unterminated = {"'": len(value), '"': len(value)}  # from where quotes of each kind open no string
    while True:
        opening = _JINJA_OPEN.search(value, position)
        if opening is None:
            break
        opener = opening.group()
        position = opening.end()
        if opener in unclosable:
            close = -1
        elif opener == "{#":
            close = value.find("#}", position)  # a comment is not tokenised: quotes in it are text
        else:
            close = _jinja_closer(value, position, _JINJA_CLOSERS[opener], unterminated)
        if close == -1:
            if opener not in unclosable:
                template.problems.append(Problem(
                    f"template tag '{opener}' is never closed with '{_JINJA_CLOSERS[opener]}'; close it, or "
                    f"write the braces as literal text ({{{{ '{opener}' }}}})",
                    text.span(opening.start(), opening.end()),
                ))
            unclosable.add(opener)
            continue
        position = close + 2
        tag_span = text.span(opening.start(), position)
        if opener == "{#":
            template.comments.append(tag_span)
            continue
        body_start = opening.end()
        body = value[body_start:close]
        if opener == "{%":
            keyword = body.strip(" \t\r\n-+").split(None, 1)[0] if body.strip(" \t\r\n-+") else ""
            if keyword == "raw":
                # raw text ends at the first endraw, whatever it holds (even an unclosed `{{`)
                closing = _JINJA_ENDRAW.search(value, position)
                position = closing.start() if closing is not None else len(value)
                continue
            names, defined, filters = _jinja_statement(body, body_start)
        else:
            names, defined, filters = _jinja_expression(body, body_start)
        template.locals.update(defined)
        for bound in defined:  # `for x in y`, `set x = y`, `with x = y`: from here on, x carries y
            bindings.setdefault(bound, []).append((tag_span.start, {name.name for name in names}))
        for name in names:
            template.uses.append(VariableUse(
                name.name, text.span(name.start, name.end), tag_span, message_index, filters=tuple(filters),
            ))
    _split_local_uses(template, bindings)
    return template


def _split_local_uses(template: Template, bindings: Bindings) -> None:
    """Keep uses of the template's own names apart, each with the variables it derives from:
    the binding in force where it is used (two loops may both call their item `item`)."""
    def roots(name: str, at: int, seen: frozenset[str]) -> frozenset[str]:
        found: set[str] = set()
        entries = bindings.get(name, [])
        before = [sources for position, sources in entries if position <= at]
        for source in (before[-1] if before else set().union(*(sources for _position, sources in entries))):
            if source in template.locals:
                if source not in seen:
                    found |= roots(source, at, seen | {source})
            else:
                found.add(source)
        return frozenset(found)

    template.derived = [(use, roots(use.name, use.span.start, frozenset({use.name}))) for use in template.uses
                        if use.name in template.locals]
    template.uses = [use for use in template.uses if use.name not in template.locals]


def _jinja_closer(value: str, position: int, closer: str, unterminated: dict[str, int]) -> int:
    """Where the first `closer` outside a string literal starts, from `position`; -1 if there is none.

    A quote with no end is not a string (Jinja rejects it anyway). Every later quote of the same
    kind has no end either (it is escaped inside that failed scan, which then runs in step with
    its own), so `unterminated` keeps no quote from being scanned to the end of the text twice.
    """
    search = _JINJA_CLOSER_OR_QUOTE[closer]
    while True:
        found = search.search(value, position)
        if found is None:
            return -1
        token, start = found.group(), found.start()
        if token == closer:
            return start
        string = _JINJA_STRING[token].match(value, start) if start < unterminated[token] else None
        if string is None:
            unterminated[token] = min(start, unterminated[token])
            position = start + 1
        else:
            position = string.end()


def _token_matches(pattern: re.Pattern[str], body: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(body)`, except that quotes of a kind already seen unterminated are single characters.

    Trying a quote with no end as a string scans to the end of the body; every later quote of that
    kind has no end either (see `_jinja_closer`), so trying each would take quadratic time.
    """
    position, unterminated = 0, {"'": len(body), '"': len(body)}
    while position < len(body):
        char = body[position]
        if char in unterminated and position >= unterminated[char]:
            match = _ANY_CHARACTER.match(body, position)
        else:
            match = pattern.match(body, position)
            if char in unterminated and match is not None and match.lastgroup != "string":
                unterminated[char] = position
        assert match is not None  # both token patterns end with a catch-all alternative
        yield match
        position = match.end()


def _jinja_tokens(body: str, offset: int) -> list[tuple[str, str, int]]:
    tokens = []
    for match in _token_matches(_JINJA_TOKEN, body):
        kind = match.lastgroup or "other"
        if kind != "space":
            tokens.append((kind, match.group(), offset + match.start()))
    return tokens


def _jinja_expression(body: str, offset: int) -> tuple[list[_Name], set[str], list[str]]:
    """Names read by an expression, names it binds (none), and the filters applied at its top level."""
    tokens = _jinja_tokens(body, offset)
    return _jinja_reads(tokens), set(), _top_level_filters(tokens)


def _jinja_reads(tokens: list[tuple[str, str, int]]) -> list[_Name]:
    names: list[_Name] = []
    depth = 0
    for index, (kind, token, start) in enumerate(tokens):
        if kind == "op":
            if token in "([{":
                depth += 1
            elif token in ")]}":
                depth = max(0, depth - 1)
            continue
        if kind != "name" or token in _JINJA_KEYWORDS or token in _JINJA_GLOBALS:
            continue
        previous = tokens[index - 1][1] if index else ""
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if previous in (".", "|"):
            continue  # an attribute or a filter name
        if previous == "is" or (previous == "not" and index >= 2 and tokens[index - 2][1] == "is"):
            continue  # a test name
        if following == "=" and depth > 0:
            continue  # a keyword argument's name
        if following == ":" and depth > 0 and previous in ("{", ","):
            continue  # a bare key in a dict literal
        names.append(_Name(token, start, start + len(token)))
    return names


def _top_level_filters(tokens: list[tuple[str, str, int]]) -> list[str]:
    filters = []
    depth = 0
    for index, (kind, token, _start) in enumerate(tokens):
        if kind == "op" and token in "([{":
            depth += 1
        elif kind == "op" and token in ")]}":
            depth = max(0, depth - 1)
        elif kind == "name" and depth == 0 and index and tokens[index - 1][1] == "|":
            filters.append(token)
    return filters


def _jinja_statement(body: str, offset: int) -> tuple[list[_Name], set[str], list[str]]:
    tokens = _jinja_tokens(body, offset)
    while tokens and tokens[0][1] in ("-", "+"):
        tokens = tokens[1:]
    while tokens and tokens[-1][1] in ("-", "+"):
        tokens = tokens[:-1]
    if not tokens:
        return [], set(), []
    keyword = tokens[0][1]
    rest = tokens[1:]
    defined: set[str] = set()
    if keyword == "for":
        split = next((i for i, t in enumerate(rest) if t[1] == "in"), len(rest))
        defined = {t[1] for t in rest[:split] if t[0] == "name"}
        iterated = rest[split + 1:]
        if iterated and iterated[-1][1] == "recursive":
            iterated = iterated[:-1]
        return _jinja_reads(iterated), defined, []
    if keyword == "set":
        split = next((i for i, t in enumerate(rest) if t[1] == "="), len(rest))
        targets = rest[:split]
        reads = _jinja_reads(rest[split + 1:])
        for index, (kind, token, start) in enumerate(targets):
            if kind == "name" and (index == 0 or targets[index - 1][1] == ","):
                if index + 1 < len(targets) and targets[index + 1][1] == ".":
                    reads.append(_Name(token, start, start + len(token)))  # ns.attr = ...: reads ns
                else:
                    defined.add(token)
        return reads, defined, []
    if keyword in ("macro", "call"):
        names = [t for t in rest if t[0] == "name"]
        if keyword == "macro" and names:
            defined.add(names[0][1])
            defined.update(t[1] for i, t in enumerate(rest) if t[0] == "name" and i > 0
                           and rest[i - 1][1] in ("(", ","))
            return [], defined, []
        return _jinja_reads(rest), defined, []
    if keyword == "with":
        for index, (kind, token, _start) in enumerate(rest):
            if kind == "name" and index + 1 < len(rest) and rest[index + 1][1] == "=" and (
                    index == 0 or rest[index - 1][1] == ","):
                defined.add(token)
        values = [t for i, t in enumerate(rest) if t[1] not in defined or (i and rest[i - 1][1] == "=")]
        return _jinja_reads(values), defined, []
    if keyword in ("import", "from"):
        names = [t for t in rest if t[0] == "name" and t[1] not in ("import", "as", "with", "without", "context")]
        defined.update(t[1] for t in names)
        return [], defined, []
    if keyword == "filter":
        return _jinja_reads(rest[1:]), defined, []
    if keyword in ("block", "endblock", "extends", "include", "raw", "endraw", "trans", "endtrans",
                   "pluralize", "autoescape", "endautoescape"):
        return [], defined, []  # template names and markers, not data
    # if, elif, else, end*, do, and statements of other dialects: read what they mention
    return _jinja_reads(rest), defined, []


# --- Handlebars / Mustache -----------------------------------------------------------------

def _scan_handlebars(text: Text, message_index: int | None) -> Template:
    template = Template()
    value = text.value
    context_depth = 0
    block_stack: list[bool] = []  # whether each open block changes the context
    contexts: list[frozenset[str]] = []  # the variables each open context block iterates or enters
    bindings: Bindings = {}  # block parameters: `{{#each docs as |doc|}}`
    for start, end, kind, body_start in _handlebars_tags(value):
        tag_span = text.span(start, end)
        if kind == "comment":
            template.comments.append(tag_span)
            continue
        body = value[body_start:end - {"triple": 3, "raw": 4}.get(kind, 2)]
        if kind == "raw":  # its name is always a helper's; its arguments are read
            tokens = _handlebars_tokens(body, body_start)
            names, _params, _helper = _handlebars_reads(tokens, block=False, helper_call=True)
            _add_uses(template, text, names, tag_span, message_index, context_depth > 0, contexts)
            continue
        stripped = body.lstrip("~ \t\r\n")
        lead = body_start + len(body) - len(stripped)
        stripped = stripped.rstrip("~ \t\r\n")
        if not stripped:
            continue
        sigil = stripped[0]
        if sigil == "!":
            template.comments.append(tag_span)
            continue
        if sigil in (">", "<"):
            continue  # partials are named, not read from the data
        if sigil == "/":
            if block_stack and block_stack.pop():
                context_depth -= 1
                contexts.pop()
            continue
        inner_start = lead + (1 if sigil in "#^&" else 0)
        inner = value[inner_start:lead + len(stripped)]
        tokens = _handlebars_tokens(inner, inner_start)
        if sigil == "#":
            names, block_params, helper = _handlebars_reads(tokens, block=True)
            template.locals.update(block_params)
            changes_context = helper is None or helper in _CONTEXT_BLOCKS
            read = _add_uses(template, text, names, tag_span, message_index, context_depth > 0, contexts)
            # what the block's items come from: the names it reads (through the outer context when relative)
            roots = frozenset(root for use in read for root in
                              (contexts[-1] if use.context_relative and contexts else {use.name}))
            for parameter in block_params:
                bindings.setdefault(parameter, []).append((tag_span.start, set(roots)))
            block_stack.append(changes_context)
            if changes_context:
                context_depth += 1
                contexts.append(roots)
            continue
        names, _params, _helper = _handlebars_reads(tokens, block=False)
        _add_uses(template, text, names, tag_span, message_index, context_depth > 0, contexts)
        if sigil == "^" and tokens:  # an inverted section opens a block in the same context (`{{^}}` is else)
            block_stack.append(False)
    relative = template.derived
    _split_local_uses(template, bindings)
    template.derived += relative
    return template


def _handlebars_tags(value: str) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, kind, body start) of each `{{...}}`, `{{{...}}}` and `{{!-- --}}`.

    Found with str.find rather than a lazy regex, so that text full of unclosed `{{` costs
    linear time instead of rescanning to the end from every opening.
    """
    position = 0
    while True:
        start = value.find("{{", position)
        if start == -1:
            return
        if start and value[start - 1] == "\\":  # `\{{` is literal text
            position = start + 2
            continue
        if value.startswith("{{{{", start):  # a raw block: `{{{{helper args}}}}literal text{{{{/helper}}}}`
            found = value.find("}}}}", start + 4)
            if found == -1:
                return
            yield start, found + 4, "raw", start + 4
            position = _raw_block_end(value, found + 4)
            if position == -1:
                return  # never closed: Handlebars rejects it; the rest is its literal text
            continue
        if value.startswith("{{!--", start):
            kind, body_start = "comment", start + 5
            ends = [found + len(closer) for closer in ("--}}", "--~}}")
                    if (found := value.find(closer, body_start)) != -1]
            end = min(ends) if ends else -1
        elif value.startswith("{{{", start):
            kind, body_start = "triple", start + 3
            found = value.find("}}}", body_start)
            end = found + 3 if found != -1 else -1
        else:
            kind, body_start = "tag", start + 2
            found = value.find("}}", body_start)
            end = found + 2 if found != -1 else -1
        if end == -1:
            return  # nothing closes it, so nothing after it can be a tag either
        yield start, end, kind, body_start
        position = end


def _raw_block_end(value: str, position: int) -> int:
    """The end of the closer of the raw block whose content starts at `position`, or -1.

    As Handlebars' lexer: raw blocks nest (`{{{{` not followed by `/` opens one), and only an
    exact `{{{{/name}}}}` closes one; any other text, `{{` included, is content.
    """
    depth = 1
    while True:
        found = value.find("{{{{", position)
        if found == -1:
            return -1
        if not value.startswith("/", found + 4):
            depth += 1
            position = found + 4
            continue
        closer = _HANDLEBARS_RAW_CLOSE.match(value, found)
        if closer is None:
            position = found + 1  # content; the name run it tried ends before the next `{{{{`
            continue
        depth -= 1
        position = closer.end()
        if depth == 0:
            return position


def _add_uses(template: Template, text: Text, names: list[_Name], tag_span: Span, message_index: int | None,
              context_relative: bool, contexts: list[frozenset[str]] | None = None) -> list[VariableUse]:
    added = []
    for name in names:
        relative = context_relative and not name.name.startswith("@root")
        root = name.name.removeprefix("@root.")
        use = VariableUse(root, text.span(name.start, name.start + len(name.name)), tag_span,
                          message_index, context_relative=relative)
        template.uses.append(use)
        if relative and contexts and root not in template.locals:  # `{{title}}` in `{{#each docs}}`: from docs
            template.derived.append((use, contexts[-1]))
        added.append(use)
    return added


def _handlebars_tokens(inner: str, offset: int) -> list[tuple[str, str, int]]:
    tokens = []
    for match in _token_matches(_HANDLEBARS_TOKEN, inner):
        kind = match.lastgroup or "other"
        if kind != "space":
            token = match.group(kind) if kind == "hash" else match.group()
            tokens.append((kind, token, offset + match.start()))
    return tokens


def _handlebars_reads(tokens: list[tuple[str, str, int]], block: bool,
                      helper_call: bool = False) -> tuple[list[_Name], set[str], str | None]:
    """Names a mustache reads, block parameters it binds, and the helper it calls (if any).

    `helper_call`: the first name is a helper's even without arguments (a raw block's).
    """
    names: list[_Name] = []
    params: set[str] = set()
    helper: str | None = None
    arguments = [t for t in tokens if t[0] in ("path", "string", "number", "hash", "paren")]
    has_arguments = helper_call or len(arguments) > 1
    for index, (kind, token, start) in enumerate(tokens):
        if kind == "params":
            params.update(token.strip("|").split())
            continue
        if kind != "path":
            continue
        previous = tokens[index - 1] if index else ("", "", 0)
        is_first = index == 0 or previous[1] == "(" or (index == 1 and previous[1] == "else")  # {{else if x}}
        if is_first and (has_arguments or previous[1] == "("):
            if index == 0:
                helper = token
            continue  # a helper (or subexpression helper) name
        if index == 0 and not has_arguments and token in _HANDLEBARS_BARE_HELPERS:
            helper = token
            continue
        root = _handlebars_root(token)
        if root:
            names.append(_Name(root, start, start + len(root)))
    if block and helper is None and not names:
        return names, params, None
    return names, params, helper


def _handlebars_root(path: str) -> str | None:
    """The data name a Handlebars path starts from, or None for literals and context data."""
    if path.startswith("../"):
        return None  # the parent context: resolved at render time, not a top-level name
    if path.startswith("@root."):
        head = re.split(r"[./\[]", path[len("@root."):], maxsplit=1)[0]
        return "@root." + head if head else None
    if path.startswith("@"):
        return None  # @index, @key, @first: data the block provides
    head = re.split(r"[./\[]", path, maxsplit=1)[0]
    if not head or head in _HANDLEBARS_LITERALS:
        return None
    return head
