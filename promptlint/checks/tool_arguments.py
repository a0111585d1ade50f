"""Tool arguments that hand the model a dangerous capability (PL201-PL208, family tool-schemas).

A tool's parameters are the model's whole interface to the code behind it: a free string that
becomes SQL, a shell command, program code, a URL the server fetches or a path it opens makes
prompt injection into SQL injection, command injection, code injection, server-side request
forgery or path traversal (OWASP LLM06:2025 Excessive Agency). Each rule reads every parameter at
any depth (`tool_parameters`), from its name AND its description and the tool's name and
description; an `enum` or a `const` (a vetted set of values) quiets it, and so does a `pattern`
where the rule says so.

* PL201 raw-sql-argument: a string that is a SQL (or Cypher) statement or fragment. A read-only
  tool whose description names a read-only connection, transaction or role is still reported,
  one severity lower: read-only SQL still reads every table the connection can see.
* PL202 shell-command-argument, PL203 code-execution-argument: a command line, a script or
  program code the tool runs. `x-promptlint-sandboxed: true` on the tool or the option
  `sandboxed-tools` marks a reviewed exception.
* PL204 unrestricted-url-argument, PL205 unrestricted-path-argument: a URL or a path without an
  `enum`, `const` or `pattern` (`format: uri` is no bound). A browser, or a fetcher of web pages,
  is expected to take URLs, and a tool whose description states a bound the server enforces
  ("only works within allowed directories", an allow-list) confines it where the schema cannot
  show it: both are notes that say why, not silence, since prose is a claim a schema reader
  cannot check (the reference filesystem server does enforce it; another server may only say
  so). A path inside a hosted repository or gist names no file of the host and is quiet.
* PL206 free-form-object-argument: no type, `{}`, or an object with no properties.
* PL207 unbounded-count-argument: a count or a limit with no `maximum`.
* PL208 generic-http-tool: a URL together with an HTTP method or free headers or body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from promptlint.checks import lazy
from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Node, Span, Tool
from promptlint.tool_schema import Capabilities, Parameter, capabilities, resolve_pointer, tool_parameters, words


@dataclass(frozen=True)
class ToolFacts:
    tool: Tool
    parameters: tuple[Parameter, ...]
    capabilities: Capabilities
    name_words: tuple[str, ...]
    description: str  # the tool's description, "" when it has none
    sandboxed: bool  # `x-promptlint-sandboxed: true` on the definition

    @property
    def span(self) -> Span:
        return self.tool.name_span or self.tool.span


Evidence = Callable[[ToolFacts, Parameter], str | None]  # why a parameter carries what a rule looks for


def tool_facts(document: Document) -> list[ToolFacts]:
    """Each tool of the document with its parameters and capabilities, computed once."""
    facts: list[ToolFacts] = []
    for tool in document.tools:
        if tool.ref is not None and tool.parameters is None:
            continue  # a reference to another file, linted as that file
        sandboxed = False
        for node in (tool.node, tool.node.get("function") if tool.node is not None else None):
            flag = node.get("x-promptlint-sandboxed") if node is not None else None
            sandboxed = sandboxed or (flag is not None and flag.value is True)
        facts.append(ToolFacts(tool, tuple(tool_parameters(tool)), capabilities(tool), tuple(words(tool.name)),
                               tool.description.value if tool.description is not None else "", sandboxed))
    return facts


def _facts(document: Document, context: CheckContext) -> list[ToolFacts]:
    return context.analysis(document, tool_facts)


def _name_words(parameter: Parameter) -> list[str]:
    return words(parameter.name)


def _description(parameter: Parameter) -> str:
    return parameter.description.value if parameter.description is not None else ""


def _is_string(parameter: Parameter) -> bool:
    return "string" in parameter.types


def _vetted(parameter: Parameter) -> bool:
    return "enum" in parameter.constraints or "const" in parameter.constraints


def shown_name(pointer: str) -> str:
    """A parameter's JSON pointer as people write it: `filter.where_clause`, `files[].path`,
    `$defs.Filter.sql`; branches (`anyOf/0`) are left out."""
    parts: list[str] = []
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("anyOf", "oneOf", "allOf") and index + 1 < len(tokens):
            index += 2
            continue
        if token == "items":
            if parts:
                parts[-1] += "[]"
            index += 2 if index + 1 < len(tokens) and tokens[index + 1].isdigit() else 1
            continue
        if token == "properties" and index + 1 < len(tokens):
            parts.append(tokens[index + 1])
            index += 2
            continue
        parts.append(token)
        index += 1
    return ".".join(parts)


def _where(facts: ToolFacts, parameter: Parameter) -> str:
    return f"parameter '{shown_name(parameter.pointer)}' of tool '{facts.tool.name}'"


def _allowed(context: CheckContext, facts: ToolFacts) -> bool:
    return facts.sandboxed or facts.tool.name in (context.options.get("sandboxed-tools") or [])


# --- PL201 raw SQL ---------------------------------------------------------------------------------------

SQL_NAMES = frozenset({"sql", "where_clause", "order_by", "orderby", "order_by_clause", "filter_sql", "cypher",
                       "sparql"})
# names that are SQL only when the description or the tool says so (`where` may be a place)
QUERY_NAMES = frozenset({"query", "q", "statement", "stmt", "querystring", "query_string", "where", "having"})
SQL_EVIDENCE = lazy(
    r"(?i:\b(?:sql|sqlite|postgres(?:ql)?|mysql|mariadb|t-sql|pl/sql|duckdb|snowflake|bigquery|cypher|sparql)\b"
    r"|\bwhere clause|\bdatabase quer(?:y|ies)\b|\bquery (?:the |a )?database\b)"
    r"|\b(?:SELECT|INSERT|UPDATE|DELETE|DROP|CREATE TABLE|MATCH \()")
# a description that says the value IS a statement or a fragment, whatever the parameter's name
SQL_DESCRIBED = lazy(
    r"(?i:\b(?:raw |an? |the )?(?:sql|cypher|sparql) (?:query|queries|statement|statements|expression|fragment|"
    r"condition|clause|filter|snippet|code|to (?:run|execute))\b|\b(?:where|order by|having) clause\b)"
    r"|\bSELECT (?:statement|query)\b")
RUN_QUERY_TOOL = lazy(r"(?i)(?:run|exec|execute)_?(?:sql|query|cypher)|(?:sql|cypher)_?(?:query|exec)")
READ_ONLY_CONNECTION = lazy(
    r"(?i:\bread[- ]only (?:transaction|connection|role|user|replica|session|database user|credentials|mode)"
    r"|\b(?:transaction|connection|role|user|replica|session)s? (?:is |are |that is |that are )?read[- ]only\b)"
    r"|\bREAD ONLY\b")
READ_ONLY_WORDS = lazy(r"(?i)\bread[- ]only\b|\bonly (?:reads|select)\b")


def _language(text: str) -> str:
    lowered = text.lower()
    if "cypher" in lowered or "neo4j" in lowered:
        return "Cypher"
    if "sparql" in lowered:
        return "SPARQL"
    return "SQL"


PROSE_NAMES = frozenset({"description", "title", "summary", "name", "comment", "note", "notes", "explanation",
                         "reason", "label", "purpose", "names", "ids", "id"})
NATURAL_LANGUAGE = lazy(r"(?i)\b(natural[- ]language|plain (english|language)|in your own words)\b")


def _sql_evidence(facts: ToolFacts, parameter: Parameter) -> str | None:
    """Why this parameter carries SQL, or None."""
    name = parameter.name.lower()
    name_words = _name_words(parameter)
    description = _description(parameter)
    if "sql" in name_words or name in SQL_NAMES or "cypher" in name_words or "sparql" in name_words:
        return f"its name '{parameter.name}' says so"
    if name_words and name_words[-1] in PROSE_NAMES:
        return None  # a description or title of a query is prose about it, and names are identifiers
    if NATURAL_LANGUAGE.search(description):
        return None  # the tool writes the SQL from a question; the question is not SQL
    said = SQL_DESCRIBED.search(description)
    if said is not None:
        return f"its description says '{said.group()}'"
    if name not in QUERY_NAMES and not (name_words and name_words[-1] in ("query", "statement")):
        return None
    if SQL_EVIDENCE.search(description):
        return "its description speaks of SQL"
    if RUN_QUERY_TOOL.search(facts.tool.name) and name != "expression":
        return f"the tool '{facts.tool.name}' runs queries"
    if SQL_EVIDENCE.search(facts.tool.name.replace("_", " ")) or SQL_EVIDENCE.search(facts.description):
        return "the tool's description speaks of SQL"
    return None


def _open_parameters(document: Document, context: CheckContext, evidence: Evidence,
                     accepts: Callable[[Parameter], bool] | None = None) -> Iterator[tuple[ToolFacts, Parameter, str]]:
    """Parameters no `enum`, `const` or `pattern` restricts, of tools not allowed by option, with why
    `evidence` says they carry what the rule looks for (by default, string parameters only)."""
    for facts in _facts(document, context):
        if _allowed(context, facts):
            continue
        for parameter in facts.parameters:
            if _vetted(parameter) or "pattern" in parameter.constraints:
                continue
            if not (accepts or _is_string)(parameter):
                continue
            why = evidence(facts, parameter)
            if why is not None:
                yield facts, parameter, why


def raw_sql_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts, parameter, why in _open_parameters(document, context, _sql_evidence):
        language = _language(" ".join((parameter.name, _description(parameter), facts.tool.name,
                                       facts.description)))
        told = " ".join((facts.description, _description(parameter)))
        read_only = facts.capabilities.annotations.get("readOnlyHint") is True \
            or READ_ONLY_WORDS.search(told) is not None
        message = (f"{_where(facts, parameter)} takes raw {language} ({why}): the model writes the statement, "
                   f"so a prompt injection becomes {language} injection. Expose typed, named operations "
                   "(an `enum` of vetted queries with typed parameters) instead.")
        if read_only and READ_ONLY_CONNECTION.search(told):
            yield context.finding(
                parameter.span,
                message + " Lowered to a warning: the tool is read-only and its description says the "
                "statement runs on a read-only connection, which still reads every table it can see.",
                severity="warning", evidence=(why, "read-only connection named in the description"))
        else:
            if read_only:
                message += (" It is described as read-only, but no read-only connection, transaction or role "
                            "is named, so nothing shows the database enforces it.")
            yield context.finding(parameter.span, message, evidence=(why,))


# --- PL202 shell command, PL203 code -------------------------------------------------------------------

SHELL_NAMES = frozenset({"command", "cmd", "shell", "bash", "sh", "zsh", "powershell", "shell_command",
                         "commandline", "command_line", "cmdline", "command_string"})
SHELL_WEAK_NAMES = frozenset({"script", "cli", "exec", "args", "argv", "arguments", "commands", "cmds"})
SHELL_EVIDENCE = lazy(
    r"(?i)\b(?:shell|terminal|console|command[- ]line|subprocess|bash|zsh|powershell|cmd\.exe|/bin/sh|"
    r"system commands?|os commands?|shell commands?|terminal commands?|cli commands?)\b")
SHELL_DESCRIBED = lazy(r"(?i)\b(?:shell|bash|terminal|system|os|powershell) (?:command|script)s?(?: line)?\b"
                            r"|\bcommand line to (?:run|execute)\b")
RUN_EVIDENCE = lazy(r"(?i)\b(?:run|runs|running|execute|executes|executing|exec|invoke|invokes|spawn|eval"
                          r"|evaluate|evaluates|interpreter|repl)\b")
CODE_NAMES = frozenset({"code", "source", "source_code", "python", "python_code", "javascript", "js", "eval",
                        "snippet", "code_snippet", "program", "lua", "ruby", "script", "script_code", "js_code"})
CODE_DESCRIBED = lazy(
    r"(?i)\b(?:python|javascript|js|typescript|ruby|lua|node\.?js|bash) (?:code|script|snippet|program|source)"
    r"(?: to (?:run|execute|evaluate))?\b|\bcode to (?:run|execute|evaluate)\b")
CODE_WEAK_NAMES = frozenset({"source", "expression", "snippet", "program", "script"})
CODE_EVIDENCE = lazy(r"(?i)\b(?:python|javascript|node\.?js|typescript|ruby|lua|source code|program|script|"
                           r"code (?:to|cell|snippet|block)|eval\(?|interpreter|repl|jupyter|notebook|kernel)\b")
CODE_LANGUAGE = lazy(r"(?i)\b(?:python|javascript|typescript|node\.?js|ruby|lua|js)\b")
MATH_ONLY = lazy(r"(?i)\b(?:math(?:ematical)?|arithmetic|calculat\w*|numeric)\b")


def _shell_evidence(facts: ToolFacts, parameter: Parameter) -> str | None:
    name = parameter.name.lower()
    last = (_name_words(parameter) or [""])[-1]
    strong = name in SHELL_NAMES or last in ("command", "cmd")
    weak = name in SHELL_WEAK_NAMES
    said = SHELL_DESCRIBED.search(_description(parameter))
    if said is not None and (_is_string(parameter) or _string_items(parameter)):
        return f"its description says '{said.group()}'"
    if not (strong or weak):
        return None
    if weak and parameter.types and not (_is_string(parameter) or _string_items(parameter)):
        return None
    if not strong and CODE_LANGUAGE.search(" ".join((_description(parameter), facts.description))):
        return None  # a script in a programming language: code (PL203), not a command line
    for text, where in ((_description(parameter), "its description"), (facts.tool.name.replace("_", " "),
                        f"the tool name '{facts.tool.name}'"), (facts.description, "the tool's description")):
        match = SHELL_EVIDENCE.search(text)
        if match:
            return f"{where} says '{match.group()}'"
    if strong and "runs-code" in facts.capabilities:
        return facts.capabilities.evidence["runs-code"]
    if strong and RUN_EVIDENCE.search(" ".join((_description(parameter), facts.description))):
        return "the tool runs it"
    return None


def _string_items(parameter: Parameter) -> bool:
    items = parameter.schema.get("items")
    kind = items.get("type") if items is not None else None
    return kind is not None and kind.value == "string"


def shell_command_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    def accepts(parameter: Parameter) -> bool:  # untyped too: a command may come as a string or a list of them
        return not parameter.types or _is_string(parameter) or _string_items(parameter)

    for facts, parameter, why in _open_parameters(document, context, _shell_evidence, accepts):
        yield context.finding(
            parameter.span,
            f"{_where(facts, parameter)} takes a command line ({why}): whoever steers the model (a prompt "
            "injection in any text it reads) runs commands on the host. Offer named operations instead, "
            "such as an `enum` of vetted sub-commands with typed arguments.",
            evidence=(why,))


def _code_evidence(facts: ToolFacts, parameter: Parameter) -> str | None:
    name = parameter.name.lower()
    if _shell_evidence(facts, parameter) is not None:
        return None  # reported as a command (PL202)
    said = CODE_DESCRIBED.search(_description(parameter))
    if said is not None:
        return f"its description says '{said.group()}'"
    if name not in CODE_NAMES and name != "expression":
        return None
    texts = " ".join((_description(parameter), facts.tool.name.replace("_", " "), facts.description))
    if name == "expression" and MATH_ONLY.search(texts) and not re.search(r"(?i)\b(?:python|javascript|eval)\b",
                                                                          texts):
        return None  # a calculator's arithmetic, not a program
    if name in CODE_WEAK_NAMES and not CODE_EVIDENCE.search(texts):
        return None  # a `source` language, an `expression` of a filter: not a program
    run = RUN_EVIDENCE.search(texts) or ("runs-code" in facts.capabilities and facts.capabilities.evidence.get(
        "runs-code"))
    if not run:
        return None
    return f"the tool says '{run.group()}'" if isinstance(run, re.Match) else str(run)


def code_execution_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts, parameter, why in _open_parameters(document, context, _code_evidence):
        yield context.finding(
            parameter.span,
            f"{_where(facts, parameter)} takes program code that the tool runs ({why}): a prompt injection "
            "becomes code execution. Offer typed operations (`stat: enum[mean, median]` over `values`), or "
            "mark a reviewed sandbox with `x-promptlint-sandboxed: true` or the `sandboxed-tools` option.",
            evidence=(why,))


# --- PL204 URL, PL205 path ------------------------------------------------------------------------------

URL_NAMES = frozenset({"url", "uri", "urls", "uris", "link", "href", "endpoint", "webhook", "callback",
                       "callback_url", "image_url", "webhook_url", "base_url", "target_url", "redirect_uri"})
URL_FORMATS = frozenset({"uri", "url", "iri", "uri-reference", "iri-reference"})
# A browser takes URLs by design; a fetcher too, when what it fetches is a web page or a URL (a
# `fetch_report` with a `base_url` override is a report client whose endpoint should stay fixed).
BROWSE_WORDS = frozenset({"browse", "browser", "navigate", "scrape", "crawl", "visit", "screenshot", "goto",
                          "webpage", "puppeteer", "playwright"})
FETCH_WORDS = frozenset({"fetch", "download", "get", "read", "open", "load"})
WEB_WORDS = lazy(r"(?i)\b(?:web ?pages?|web|pages?|urls?|websites?|sites?|html|links?)\b")
FETCH_VERBS = frozenset({"fetch", "fetches", "browse", "browses", "navigate", "navigates", "scrape", "scrapes",
                         "crawl", "crawls", "download", "downloads", "visit", "visits", "retrieve", "retrieves"})
PATH_NAMES = frozenset({"path", "paths", "file", "files", "filename", "filenames", "filepath", "file_path",
                        "dir", "directory", "folder", "dirname", "dirpath", "dir_path", "directory_path",
                        "folder_path", "source", "destination", "src", "dest"})
# a description that opens by saying the value is a path: "Absolute path to the file", "Local file path"
PATH_DESCRIBED = lazy(r"(?i)(?:the |an? )?(?:(?:absolute|relative|full|local) )*(?:file ?|directory |folder )?"
                            r"path (?:to|of|where)\b|(?:the |an? )?(?:local )?(?:file|directory|folder) ?path\b")
PATH_LAST_WORDS = frozenset({"path", "paths", "filename", "filepath", "dir", "directory", "folder"})
DECLARED_BOUND = lazy(
    r"(?i)\bonly (?:works? |operates? |accessible |allowed |permitted )?(?:with)?in (?:the )?allowed "
    r"(?:directories|directory|paths|roots|folders|domains|hosts)"
    r"|\b(?:allow[- ]?list(?:ed)?|whitelist(?:ed)?|allowed (?:directories|domains|hosts|roots|paths))\b"
    r"|\brestricted to (?:the )?(?:allowed|configured|permitted)\b"
    r"|\b(?:must|has to) (?:be|reside|stay|lie) (?:with)?in(?:side)? (?:an? |the )?(?:allowed|configured|permitted)"
    r" (?:director(?:y|ies)|paths?|roots?|folders?|domains?|hosts?)")
# A path in a hosted repository or gist names an object the service stores, not a file of the host.
REMOTE_STORE = lazy(r"(?i)\b(?:github|gitlab|bitbucket) repositor(?:y|ies)\b|\bgists?\b")
LOCAL_FILES = lazy(r"(?i)\bfrom (?:the |your )?local\b|\blocal (?:file ?system|disk|machine|director)"
                         r"|\bon (?:the )?(?:disk|server|host)\b")


def _url_like(parameter: Parameter) -> bool:
    if not (_is_string(parameter) or _string_items(parameter)):
        return False
    name = parameter.name.lower()
    last = (_name_words(parameter) or [""])[-1]
    return name in URL_NAMES or last in ("url", "uri", "urls", "uris", "endpoint", "webhook") \
        or str(parameter.constraints.get("format", "")).lower() in URL_FORMATS


def _path_like(parameter: Parameter) -> bool:
    if not (_is_string(parameter) or _string_items(parameter)):
        return False
    name = parameter.name.lower()
    name_words = _name_words(parameter)
    if name in ("source", "destination", "src", "dest"):  # paths only when the parameter or the tool says so
        said = " ".join((_description(parameter), parameter.tool.name.replace("_", " ")))
        return re.search(r"(?i)\b(?:path|file|director(?:y|ies)|folder)s?\b", said) is not None
    if name in PATH_NAMES or (bool(name_words) and name_words[-1] in PATH_LAST_WORDS):
        return True
    return PATH_DESCRIBED.match(_description(parameter).strip()) is not None


def _fetcher(facts: ToolFacts) -> str | None:
    """Why the tool is a fetcher or a browser, which takes URLs by design, or None."""
    web = WEB_WORDS.search(" ".join((facts.tool.name.replace("_", " "), facts.description)))
    word = next((word for word in facts.name_words if word in BROWSE_WORDS), None)
    if word is not None:
        return f"its name says '{word}'"
    word = next((word for word in facts.name_words if word in FETCH_WORDS), None)
    if word is not None and web is not None:
        return f"its name says '{word}' and it takes '{web.group()}'"
    first = words(facts.description[:60])[:1]
    if first and first[0] in FETCH_VERBS and web is not None:
        return f"its description starts with '{first[0]}' and speaks of '{web.group()}'"
    if facts.capabilities.annotations.get("openWorldHint") is True and facts.capabilities.read_only:
        return "it is annotated read-only and open-world"
    return None


def _bounded(parameter: Parameter) -> bool:
    return _vetted(parameter) or "pattern" in parameter.constraints


def _declared_bound(facts: ToolFacts, parameter: Parameter) -> str | None:
    for text, where in ((_description(parameter), "the parameter's description"),
                        (facts.description, "the tool's description")):
        match = DECLARED_BOUND.search(text)
        if match:
            return f"{where} says '{match.group()}'"
    return None


def unrestricted_url_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts in _facts(document, context):
        for parameter in facts.parameters:
            if not _url_like(parameter) or _bounded(parameter):
                continue
            lead = (f"{_where(facts, parameter)} takes any URL: the tool requests it or hands it on, so the model "
                    "can point it at an internal address (server-side request forgery) or at an attacker's host that "
                    "receives data or users.")
            shape = " Pin it with a `pattern` on scheme and host (`^https://api\\.example\\.com/`), an `enum`, or " \
                    "keep the endpoint inside the tool."
            bound = _declared_bound(facts, parameter)
            fetcher = _fetcher(facts)
            if bound is not None:
                yield context.finding(parameter.span, lead + f" Reported as a note: {bound}, a bound the server "
                                      "enforces but the schema does not show." + shape, severity="note",
                                      evidence=(bound,))
            elif fetcher is not None:
                yield context.finding(parameter.span, lead + f" Reported as a note: the tool fetches pages "
                                      f"({fetcher}), so it is expected to take URLs; make sure the server refuses "
                                      "private addresses." + shape, severity="note", evidence=(fetcher,))
            else:
                yield context.finding(parameter.span, lead + shape)


def unrestricted_path_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts in _facts(document, context):
        for parameter in facts.parameters:
            if not _path_like(parameter) or _bounded(parameter) or _url_like(parameter):
                continue
            lead = (f"{_where(facts, parameter)} takes any path: `../` or an absolute path reaches files outside "
                    "the folder the tool is meant for (`~/.ssh`, `.env`).")
            shape = " Take an id instead, or add a `pattern` such as `^(?!/)(?!.*\\.\\.)[\\w./-]+$` and resolve " \
                    "the path under a fixed root on the server."
            told = " ".join((_description(parameter), facts.description))
            if REMOTE_STORE.search(told) and not LOCAL_FILES.search(told):
                continue  # a path inside a hosted repository: `..` reaches nothing on the host
            bound = _declared_bound(facts, parameter)
            if bound is not None:
                yield context.finding(parameter.span, lead + f" Reported as a note: {bound}, a bound the server "
                                      "enforces but the schema does not show." + shape, severity="note",
                                      evidence=(bound,))
            else:
                yield context.finding(parameter.span, lead + shape)


# --- PL206 free-form objects, PL207 counts, PL208 generic HTTP -------------------------------------------

def _parts(schema: Node, root: Node | None) -> list[Node]:
    """The schema, what its local $ref names and its branches: one level, enough for a shape."""
    parts = [schema]
    reference = schema.get("$ref")
    if reference is not None and root is not None:
        target = resolve_pointer(reference.string(), root)
        if target is not None and target.kind == "mapping":
            parts.append(target)
    for part in list(parts):
        for key in ("anyOf", "oneOf", "allOf"):
            branches = part.get(key)
            parts.extend(branch for branch in (branches.elements() if branches is not None else ())
                         if branch.kind == "mapping")
    return parts


def _free_form(schema: Node, root: Node | None) -> str | None:
    """Why a schema admits any value or any object, or None."""
    parts = _parts(schema, root)
    keys = {key for part in parts for key, node in part.items()
            if not (key in ("properties", "patternProperties") and node.kind == "mapping" and not node.value)}
    if keys & {"enum", "const", "not", "if"}:
        return None
    reference = schema.get("$ref")
    if reference is not None and len(parts) == 1:
        return None  # a reference we cannot follow: its target has the shape
    types: set[str] = set()
    for part in parts:
        node = part.get("type")
        if node is not None:
            types.update(str(item.value) for item in (node.elements() if node.kind == "sequence" else [node]))
    branched = any(part.get(key) is not None for part in parts for key in ("anyOf", "oneOf", "allOf"))
    if not types and not branched and not keys & {"properties", "patternProperties", "items", "format", "pattern",
                                                  "minimum", "maximum", "maxLength", "required"}:
        return "it has no type, so any JSON value is accepted"
    if "object" in types and not keys & {"properties", "patternProperties"}:
        additional = [part.get("additionalProperties") for part in parts]
        if any(node is not None and node.value is False for node in additional):
            return None  # an object that must be empty
        if any(node is not None and node.kind == "mapping" and node.value for node in additional):
            return "it is an object with no named properties (any key, values of one schema)"
        return "it is an object with no properties, so any keys and values are accepted"
    return None


def _root(parameter: Parameter) -> Node | None:
    return parameter.tool.parameters


def free_form_object_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts in _facts(document, context):
        if facts.tool.schema_summary:
            continue  # a registry listing cannot state properties or items: their absence says nothing
        for parameter in facts.parameters:
            why = _free_form(parameter.schema, _root(parameter))
            items = parameter.schema.get("items")
            if why is None and "array" in parameter.types:
                if items is None:
                    why = "it is an array whose items have no schema"
                elif items.kind == "mapping":
                    inner = _free_form(items, _root(parameter))
                    why = f"it is an array whose items are free-form: {inner}" if inner is not None else None
            if why is None:
                continue
            yield context.finding(
                parameter.span,
                f"{_where(facts, parameter)} is free-form: {why}. The model can send anything and nothing can "
                "validate it (strict mode cannot apply). Name the properties it takes, with their types, and set "
                "`additionalProperties: false`.",
                evidence=(why,))


# what a `num_`, `max_` or `top_` parameter counts when it is a number of results
COUNTED = frozenset({"results", "result", "items", "rows", "records", "entries", "documents", "docs", "pages",
                     "hits", "matches", "k", "n", "messages", "emails", "files", "tokens", "chunks", "passages",
                     "users", "issues", "events", "logs", "lines", "comments", "repos", "commits", "tweets", "posts",
                     "images", "links", "urls", "queries", "candidates", "answers", "samples", "neighbors"})
STATED_MAXIMUM = lazy(r"(?i)\bmax(?:imum)?\.?\s*(?:of\s*|is\s*|[:=]\s*)?(\d[\d,]*)|\b\d+\s*[-\u2013]\s*(\d+)\b"
                            r"|\bup to (\d[\d,]*)|\bat most (\d[\d,]*)")


def _count_like(parameter: Parameter) -> bool:
    name = parameter.name.lower()
    name_words = _name_words(parameter)
    if not name_words:
        return False
    if name in ("n", "k", "top_k", "topk", "top_n", "topn", "limit", "count", "max", "first", "last"):
        return True
    if name_words[-1] in ("limit", "count") and name_words[0] not in ("min", "retry", "retries"):
        return True
    if name_words[-1] == "size" and name_words[0] in ("page", "batch", "result", "results", "sample"):
        return True
    return name_words[0] in ("num", "max", "top") and len(name_words) > 1 and name_words[1] in COUNTED


def unbounded_count_argument(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts in _facts(document, context):
        if facts.tool.schema_summary:
            continue  # a registry listing cannot state a maximum
        for parameter in facts.parameters:
            if not {"integer", "number"} & set(parameter.types) or not _count_like(parameter):
                continue
            if {"maximum", "exclusiveMaximum", "enum", "const"} & set(parameter.constraints):
                continue
            stated = STATED_MAXIMUM.search(_description(parameter))
            bound = next((group for group in stated.groups() if group), None) if stated is not None else None
            shape = f"`maximum: {bound.replace(',', '')}`, as its description states" if bound is not None \
                else "`{type: integer, minimum: 1, maximum: 100}`"
            yield context.finding(
                parameter.span,
                f"{_where(facts, parameter)} is a count with no `maximum`: a prompt injection can ask for a million "
                f"results and exhaust tokens, time or money. Bound it in the schema: {shape}.")


HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})


def generic_http_tool(document: Document, context: CheckContext) -> Iterator[Finding]:
    for facts in _facts(document, context):
        top = [parameter for parameter in facts.parameters if parameter.depth == 0]
        urls = [parameter for parameter in top if _url_like(parameter) and not _bounded(parameter)]
        if not urls:
            continue
        reasons: list[str] = []
        for parameter in top:
            name = parameter.name.lower()
            values = parameter.constraints.get("enum")
            verbs = {str(value).lower() for value in values} if isinstance(values, list) else set()
            if (name in ("method", "http_method", "verb") and (not verbs or verbs & HTTP_VERBS)) \
                    or len(verbs & HTTP_VERBS) >= 2:
                reasons.append(f"'{parameter.name}' picks the HTTP method")
            elif name in ("headers", "body", "data", "payload", "json") and \
                    _free_form(parameter.schema, _root(parameter)) is not None:
                reasons.append(f"'{parameter.name}' is free-form")
        if not reasons:
            continue
        yield context.finding(
            facts.span,
            f"tool '{facts.tool.name}' is a generic HTTP client ('{urls[0].name}' takes any URL, "
            f"{', '.join(reasons)}): it can call any service with any data, a universal channel for exfiltration "
            "and the excessive functionality OWASP LLM06 warns of. Offer narrow tools per endpoint "
            "(`create_ticket(title, body)`) that hold the URL themselves.")
