"""Scan Semantic Kernel's own template syntax, as its tokenizer reads it, without rendering.

A block is `{{ ... }}`; inside it, whitespace separates tokens: `$name` (a variable),
`'...'`/`"..."` (a literal, `\\` escapes a quote), `name=$x`/`name='v'` (a named argument),
and any other word is a function (`time.Date`, `Plugin.Function`). `{{Plugin.Fn $arg}}` reads
`arg` and passes it through the function, recorded as the use's filter: the function's result,
not the value itself, is what the text receives. A `}}` inside a literal does not close the
block, so `{{ "{{" }}` is how a template writes braces. A `{{` that opens a new block before the
previous one closed leaves the previous one as text, as SK does. SK has no comment syntax.
"""

from __future__ import annotations

import re

from promptlint.model import Problem, Template, Text, VariableUse

_TOKEN = re.compile(r"""(?P<string>'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?)|(?P<word>[^\s'"]+)""", re.S)
_NAME = re.compile(r"[A-Za-z0-9_]+")
_NAMED_ARGUMENT = re.compile(r"[A-Za-z0-9_]+=")


def scan_semantic_kernel(text: Text, message_index: int | None = None) -> Template:
    template = Template()
    value = text.value
    for start, end in _blocks(value, template, text):
        tag_span = text.span(start, end)
        tokens = list(_TOKEN.finditer(value, start + 2, end - 2))
        words = [token for token in tokens if token.lastgroup == "word"]
        # the first word of a block with more than one token, or one that is not a variable, names a function
        function = words[0].group() if words and tokens[0] is words[0] and not words[0].group().startswith("$") \
            else None
        for token in words:
            word, offset = token.group(), token.start()
            named = _NAMED_ARGUMENT.match(word)
            if named:  # `arg=$x`: the argument's name is the function's, its value may be a variable
                word, offset = word[named.end():], offset + named.end()
            if not word.startswith("$"):
                continue
            name = word[1:]
            if not _NAME.fullmatch(name):
                template.problems.append(Problem(
                    f"'{word}' is not a Semantic Kernel variable name (letters, digits and '_' after '$'); "
                    "the template fails to render", text.span(offset, offset + len(word)), fatal=False))
                continue
            filters = (function,) if function is not None else ()
            template.uses.append(VariableUse(name, text.span(offset + 1, offset + 1 + len(name)), tag_span,
                                             message_index, filters=filters))
    return template


def _blocks(value: str, template: Template, text: Text) -> list[tuple[int, int]]:
    """(start, end) of each `{{ ... }}` block; an unclosed `{{` is reported, and SK renders it as text."""
    blocks: list[tuple[int, int]] = []
    position = 0
    while True:
        start = value.find("{{", position)
        if start == -1:
            return blocks
        index, quote = start + 2, ""
        while index < len(value):
            char = value[index]
            if quote:
                if char == "\\":
                    index += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif value.startswith("}}", index):
                break
            elif value.startswith("{{", index):
                break  # a new block opens: the earlier `{{` was text
            index += 1
        if index < len(value) and value.startswith("}}", index):
            blocks.append((start, index + 2))
            position = index + 2
            continue
        if index >= len(value):
            template.problems.append(Problem(
                "template block '{{' is never closed with '}}': Semantic Kernel renders it as literal text; "
                "close it, or write the braces as a literal ({{ \"{{\" }})", text.span(start, start + 2),
                fatal=False))
            return blocks
        position = index  # restart at the inner `{{`
