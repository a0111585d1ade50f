"""What tools let the model do on its own (PL220-PL223): destructive tools without a human in
the loop, MCP annotations that are missing or wrong, and tool sets that hold the lethal trifecta.

The capability classes come from the shared analysis `promptlint.tool_schema.capabilities`;
this module only sharpens them where a rule needs the tool's *action* rather than any word of
its name: `send_email` sends, it does not read private mail, and `get_order` reads, it does not
pay. Every finding names the tool, says the risk in one sentence and shows the safer shape.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.checks import lazy
from promptlint.checks.tool_refs import referenced_tools
from promptlint.context import CheckContext
from promptlint.findings import Finding, Related
from promptlint.model import Document, Node, SourceFile, Span, Tool
from promptlint.tool_schema import CLASSES, READ_VERBS, Capabilities, Parameter, capabilities, tool_parameters, words
from promptlint.trust import trust_analysis

APPROVAL_KEY = "x-promptlint-approval"
# verbs (a tool name's first word, or a description's first word) whose call cannot be taken back
DESTRUCTIVE_VERBS = CLASSES["destructive"] | {"cancel", "deactivate", "suspend", "ban", "void", "unpublish"}
DESTRUCTIVE_ACTS = {"rm": "deletes", "kill": "kills processes", "reset": "resets", "wipe": "wipes",
                    "purge": "purges", "erase": "erases", "drop": "drops", "truncate": "truncates",
                    "destroy": "destroys", "deprovision": "deprovisions", "uninstall": "uninstalls"}
MONEY_VERBS = frozenset({"pay", "charge", "refund", "transfer", "purchase", "buy", "withdraw", "payout", "order",
                         "checkout", "tip", "donate", "wire"})
SEND_VERBS = frozenset({"send", "email", "mail", "post", "publish", "notify", "message", "sms", "text", "tweet",
                        "reply", "forward", "share", "invite", "broadcast", "dm", "comment", "submit"})
WRITE_VERBS = CLASSES["write"] - {"add", "check"}  # `add` is also arithmetic
# words of a name or description that mean the tool reaches outside (a URL or an address)
URL_NAMES = lazy(r"(?i)^(?:.*_)?(?:url|uri|urls|uris|href|link|endpoint|webhook(?:_url)?|website)$")

# "The user will be asked for confirmation", "after the user confirms", "requires explicit approval"
APPROVAL_NOTE = lazy(
    r"(?i)\b(?:(?:user|human|operator|owner|admin(?:istrator)?)s?\s+(?:will\s+be|is|are|must\s+be|gets?)\s+"
    r"(?:asked|prompted|required)\s+(?:to\s+confirm|for\s+(?:\w+\s+)?(?:confirmation|approval|consent))"
    r"|after\s+(?:the\s+)?(?:user|human|operator)\s+(?:has\s+)?(?:explicitly\s+)?(?:confirm|approve|typ)\w*"
    r"|confirmation\s+(?:prompt|dialog|step|screen)\s+(?:is|will\s+be)\s+(?:shown|displayed|required)"
    r"|requires?\s+(?:an?\s+)?(?:explicit\s+|human\s+|user\s+|manual\s+)*(?:confirmation|approval|consent)"
    r"|human[- ]in[- ]the[- ]loop|(?:approved|confirmed)\s+by\s+(?:a|the)\s+(?:user|human|operator)"
    r"|with\s+(?:the\s+)?(?:user|human)'?s?\s+(?:explicit\s+)?(?:approval|consent|confirmation))")
DRY_RUN_NAMES = frozenset({"dry_run", "dryrun", "preview", "simulate", "simulation", "validate_only", "plan_only",
                           "what_if", "whatif", "safe_mode", "test_mode"})
CONFIRM_NAMES = frozenset({"confirm", "confirmed", "confirmation", "approve", "approved", "user_confirmed",
                           "i_am_sure", "are_you_sure", "acknowledge"})
TOKEN_NAMES = lazy(r"(?i)^(?:confirmation|confirm|approval)(?:_?(?:token|code|id|phrase|text))?$")
# a boolean that destroys unless told otherwise: `archive: default true`, `permanent: default true`
DESTRUCTIVE_FLAG_WORDS = frozenset({"delete", "remove", "purge", "archive", "overwrite", "permanent", "permanently",
                                    "hard", "cascade", "wipe", "destroy", "truncate", "force", "replace", "prune",
                                    "erase", "drop", "clobber"})


def _first(name: str) -> str:
    found = words(name)
    return found[0] if found else ""


def _description(tool: Tool) -> str:
    return tool.description.value if tool.description is not None else ""


def _first_description_word(tool: Tool) -> str:
    found = words(_description(tool).strip()[:80])
    return found[0] if found else ""


@dataclass(frozen=True)
class Action:
    """What calling the tool does that cannot be taken back, and the word that says so."""

    kind: str  # "deletes", "pays", "sends"
    word: str
    where: str  # "the name" | "the description"


def action(tool: Tool) -> Action | None:
    """The irreversible action of a tool, from the verb of its name (any word of a snake or camel
    name that is a destructive verb: `repo_delete`, `forceDelete`), else the verb its description
    starts with. A name that starts with a read verb (`get_order`, `list_payments`) only reads."""
    name_words = words(tool.name)
    if name_words and name_words[0] in READ_VERBS:
        return None
    for where, candidates in (("the name", name_words), ("the description", [_first_description_word(tool)])):
        for word in candidates:
            if word in DESTRUCTIVE_VERBS:
                return Action(DESTRUCTIVE_ACTS.get(word, f"{word}s"), word, where)
            if where == "the name" and (word != name_words[0] or not _verb_first(name_words)):
                continue
            if word in MONEY_VERBS:
                return Action("moves money", word, where)
            if word in SEND_VERBS and _carries(tool):
                return Action("sends on the user's behalf", word, where)
    return None


# nouns that end a name made of a noun and its record: `order_status`, `message_history`
RECORD_NOUNS = frozenset({"status", "history", "details", "detail", "info", "id", "ids", "list", "lookup", "summary",
                          "count", "template", "templates", "settings", "log", "logs", "preview", "draft", "drafts",
                          "thread", "threads", "search", "stats", "report", "tracking", "state"})
AMBIGUOUS_VERBS = frozenset({"order", "post", "message", "text", "email", "mail", "comment", "share", "tip", "charge",
                             "transfer", "payment", "sms", "dm", "invoice"})


def _verb_first(name_words: list[str]) -> bool:
    """Whether a name's first word is its verb: `send_invoice`, `order_pizza`; not `order_status`,
    `email_templates` (a noun and what about it is read)."""
    if name_words[0] not in AMBIGUOUS_VERBS:
        return True
    return len(name_words) > 1 and name_words[-1] not in RECORD_NOUNS


# what a message is sent to, or made of: a sending tool with none of these (`send_test_email(template)`)
# sends a fixed message to a fixed place
CARRIER_WORDS = frozenset({"to", "recipient", "recipients", "email", "emails", "address", "addresses", "cc", "bcc",
                           "channel", "body", "text", "message", "messages", "content", "subject", "phone", "number",
                           "url", "uri", "webhook", "endpoint", "payload", "data", "html", "markdown", "attachment",
                           "attachments", "comment", "note", "title", "post", "reply", "chat", "destination", "target",
                           "room", "thread", "user", "users", "contact", "contacts", "audience", "status", "caption"})


DESTINATION_WORDS = frozenset({"to", "recipient", "recipients", "email", "address", "addresses", "cc", "bcc",
                               "channel", "phone", "url", "uri", "webhook", "endpoint", "destination", "target",
                               "room", "host"})


def _carries(tool: Tool) -> bool:
    """Whether a sending tool takes a destination or a payload (or its parameters are unknown)."""
    if tool.parameters is None:
        return True
    return any(CARRIER_WORDS & set(words(parameter.name)) for parameter in tool_parameters(tool)
               if not parameter.constraints.get("const"))


def _tool_label(tool: Tool) -> str:
    return f"tool '{tool.name}'" if tool.name else "a tool"


def _where(tool: Tool) -> Span:
    return tool.name_span or tool.span


def _approval_key(tool: Tool) -> Node | None:
    node = tool.node
    if node is None:
        return None
    function = node.get("function")
    for holder in (node, function):
        if holder is not None and holder.get(APPROVAL_KEY) is not None:
            return holder.get(APPROVAL_KEY)
    return None


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _default(parameter: Parameter) -> object:
    node = parameter.schema.get("default")
    return node.value if node is not None and node.kind == "scalar" else None


def _normalised(name: str) -> str:
    return "_".join(words(name))


def destructive_default(tool: Tool) -> tuple[Parameter, str] | None:
    """A boolean flag that destroys unless the model says otherwise, and why it does. A dry-run
    flag that defaults to false is the usual shape of a tool that writes, and a destructive
    default only on a tool that destroys (or pays, or sends)."""
    destroys = action(tool) is not None
    for parameter in tool_parameters(tool):
        if "boolean" not in parameter.types:
            continue
        default = _default(parameter)
        name = _normalised(parameter.name)
        if default is True and DESTRUCTIVE_FLAG_WORDS & set(name.split("_")):
            return parameter, f"'{parameter.name}' defaults to true"
        if default is False and name in DRY_RUN_NAMES and destroys:
            return parameter, f"'{parameter.name}' defaults to false, so a call runs for real unless the model asks " \
                              "for a dry run"
    return None


def _mitigation(tool: Tool, parameters: list[Parameter]) -> tuple[str, str | None]:
    """("approved", why) when a person or the host stands between the model and the action;
    ("model-confirm", name) when only a flag the model sets itself does; ("none", None) otherwise."""
    key = _approval_key(tool)
    if key is not None and key.value not in (False, "none", "model"):
        return "approved", f"{APPROVAL_KEY}: {key.value}"
    annotations = tool.annotations.plain() if tool.annotations is not None and tool.annotations.kind == "mapping" \
        else {}
    if tool.provider == "mcp" and annotations.get("destructiveHint") is True:
        return "approved", "annotation destructiveHint: true (MCP clients ask the user before such a call)"
    note = APPROVAL_NOTE.search(_description(tool))
    if note is not None:
        return "approved", f"its description says '{' '.join(note.group().split())}'"
    model_confirm = None
    for parameter in parameters:
        name = _normalised(parameter.name)
        if name in DRY_RUN_NAMES and "boolean" in parameter.types and _default(parameter) is True:
            return "approved", f"'{parameter.name}' defaults to true"
        if TOKEN_NAMES.match(name) and "string" in parameter.types and parameter.required:
            return "approved", f"the required string '{parameter.name}' the host issues"
        if name in CONFIRM_NAMES and "boolean" in parameter.types:
            model_confirm = parameter.name
    if model_confirm is not None:
        return "model-confirm", model_confirm
    return "none", None


SAFER = ('put it behind the host\'s approval and say so ("x-promptlint-approval": "host", or the rule\'s '
         '`approved-by-host` option), or add {"dry_run": {"type": "boolean", "default": true}} so a call only '
         'previews until a person confirms')


def destructive_tool_without_approval(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL220."""
    approved: list[str] = list(context.options.get("approved-by-host") or [])
    for tool in document.tools:
        if tool.ref is not None or not tool.name or _matches(tool.name, approved):
            continue
        flag = destructive_default(tool)
        if flag is not None:
            parameter, why = flag
            safe = "default: true" if _normalised(parameter.name) in DRY_RUN_NAMES else "default: false"
            yield context.finding(
                parameter.span,
                f"{_tool_label(tool)} has a destructive default: {why}; a call the model makes without thinking "
                f"about '{parameter.name}' (or one an injected instruction makes) destroys by default. Make the "
                f"safe choice the default ({safe}) so destroying takes an explicit argument",
                evidence=(why,))
            continue
        found = action(tool)
        if found is None:
            continue
        state, detail = _mitigation(tool, tool_parameters(tool))
        if state == "approved":
            continue
        what = f"{_tool_label(tool)} {found.kind} ({found.where} says '{found.word}')"
        evidence = (f"{found.where} says '{found.word}'",)
        if state == "model-confirm":
            yield context.finding(
                _where(tool),
                f"{what} and its only safeguard is '{detail}', a flag the model sets itself: a prompt injection "
                f"sets it to true too, so it is no human in the loop; {SAFER}",
                severity="note", evidence=(*evidence, f"model-settable confirmation '{detail}'"))
            continue
        yield context.finding(
            _where(tool),
            f"{what} with no dry-run default, no host-issued confirmation and no human-approval note: the model "
            f"can do it on its own, and so can whoever injects instructions into its context; {SAFER}",
            evidence=evidence)


# --- PL221 mcp-annotations-missing ------------------------------------------------------------------


def _suggested_annotations(tool: Tool, caps: Capabilities) -> str:
    if caps.read_only:
        return '"annotations": {"readOnlyHint": true, "openWorldHint": false}'
    found = action(tool)
    destructive = "true" if found is not None and found.kind not in ("sends on the user's behalf", "moves money") \
        else "false"
    return f'"annotations": {{"readOnlyHint": false, "destructiveHint": {destructive}, "openWorldHint": false}}'


def mcp_annotations_missing(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL221."""
    for tool in document.tools:
        if tool.provider != "mcp" or not tool.name:
            continue
        annotations = tool.annotations
        plain = annotations.plain() if annotations is not None and annotations.kind == "mapping" else {}
        caps = capabilities(tool)
        if "readOnlyHint" not in plain:
            missing = "no annotations" if annotations is None else "no readOnlyHint annotation"
            span = annotations.key_span or annotations.span if annotations is not None else _where(tool)
            yield context.finding(
                span,
                f"MCP {_tool_label(tool)} has {missing}: clients then assume it writes, destroys and reaches the "
                f"open world, and ask for every call (so users learn to click through); declare what it does: "
                f"{_suggested_annotations(tool, caps)}")
        elif plain.get("readOnlyHint") is False and "destructiveHint" not in plain:
            span = annotations.key_span or annotations.span if annotations is not None else _where(tool)
            yield context.finding(
                span,
                f"MCP {_tool_label(tool)} says readOnlyHint: false but not whether it destroys: clients then assume "
                f"destructiveHint: true; declare it: {_suggested_annotations(tool, caps)}")


# --- PL222 annotation-contradicts-behaviour ---------------------------------------------------------


def _name_action(tool: Tool) -> tuple[str, str] | None:
    """(what, word) of the verb a tool's name starts with, ignoring its annotations."""
    name_words = words(tool.name)
    if not name_words or name_words[0] in READ_VERBS:
        return None
    for word in name_words:
        if word in DESTRUCTIVE_VERBS:
            return "destroys", word
    verb = name_words[0]
    if not _verb_first(name_words):
        return None
    if verb in MONEY_VERBS:
        return "moves money", verb
    if verb in SEND_VERBS:
        return "sends", verb
    if verb in WRITE_VERBS and len(name_words) > 1:
        return "writes", verb
    return None


def _url_parameter(tool: Tool) -> Parameter | None:
    for parameter in tool_parameters(tool):
        if parameter.constrained:
            continue
        if URL_NAMES.match(_normalised(parameter.name)) or parameter.constraints.get("format") in ("uri", "url",
                                                                                                    "iri"):
            return parameter
    return None


def annotation_contradicts_behaviour(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL222."""
    for tool in document.tools:
        annotations = tool.annotations
        if annotations is None or annotations.kind != "mapping" or not tool.name:
            continue
        found = _name_action(tool)
        read_only = annotations.get("readOnlyHint")
        if read_only is not None and read_only.value is True and found is not None:
            what, word = found
            yield context.finding(
                read_only.key_span or read_only.span,
                f"{_tool_label(tool)} {what} (its name says '{word}') yet declares readOnlyHint: true: clients skip "
                f"the confirmation they give to tools that change things, so the hint is a bypass; declare "
                f'"readOnlyHint": false, "destructiveHint": {"true" if what == "destroys" else "false"}')
        destructive = annotations.get("destructiveHint")
        if destructive is not None and destructive.value is False and found is not None and found[0] == "destroys" \
                and not (read_only is not None and read_only.value is True):
            yield context.finding(
                destructive.key_span or destructive.span,
                f"{_tool_label(tool)} destroys (its name says '{found[1]}') yet declares destructiveHint: false: "
                f'clients treat its calls as additive and skip the warning; declare "destructiveHint": true')
        open_world = annotations.get("openWorldHint")
        url = _url_parameter(tool)
        if open_world is not None and open_world.value is False and url is not None:
            yield context.finding(
                open_world.key_span or open_world.span,
                f"{_tool_label(tool)} takes any URL ('{url.name}') yet declares openWorldHint: false: it reaches "
                f'whatever host the model names, so clients must treat it as open-world; declare "openWorldHint": '
                f"true, or bound '{url.name}' to an enum of allowed hosts",
                related=(Related(document.path, url.span, f"the URL parameter '{url.name}'"),))


# --- PL223 lethal-trifecta --------------------------------------------------------------------------

SECRET_WORDS = frozenset({"secret", "secrets", "credential", "credentials", "password", "passwords", "token",
                          "tokens", "apikey", "key", "keys", "env", "ssh", "keychain", "vault", "wallet"})
PRIVATE_NOUNS = (CLASSES["private-data"] - {"message", "sql", "table", "issue", "ticket", "repository", "repo",
                                              "document", "documents"}) | SECRET_WORDS | {
    "mailbox", "mail", "notes", "note", "history", "profile", "profiles", "patient", "patients", "health",
    "medical", "salary", "payroll", "bank", "transactions", "chat", "chats", "conversation", "conversations",
    "dm", "dms", "query", "memory", "memories", "clipboard", "screen", "location", "photos", "directory"}
PRIVATE_READ_VERBS = READ_VERBS | {"export", "dump", "open", "load", "access", "cat", "tail", "grep", "lookup"}
OUTSIDE_WORDS = frozenset({"web", "internet", "url", "urls", "webpage", "webpages", "website", "websites", "rss",
                           "browser", "online"})
UNTRUSTED_NOUNS = frozenset({"feed", "feeds",
                             "inbox", "email", "emails", "mail", "comment", "comments", "issue", "issues", "review",
                             "reviews", "post", "posts", "tweet", "tweets", "news", "html", "article", "articles",
                             "message", "messages", "pull", "discussion", "forum", "reddit", "youtube", "transcript",
                             "wiki", "wikipedia"})
UNTRUSTED_VERBS = frozenset({"browse", "scrape", "crawl", "navigate", "visit", "download"})
EXTERNAL_WORDS = lazy(r"(?i)\b(?:from|on|of)\s+(?:the\s+|a\s+|any\s+)?(?:web(?:site|page)?|internet|public|"
                            r"url|page|site|online)\b|\bweb\s+search\b|\bsearch(?:es)?\s+the\s+web\b")
SEND_NOUNS = frozenset({"email", "mail", "sms", "webhook", "http", "request", "slack", "tweet", "message", "dm"})


@dataclass(frozen=True)
class Member:
    """A tool of the set: defined here, or `$ref`'d from another file (then located at the reference)."""

    tool: Tool
    anchor: Span  # where in this document the tool is named or referenced
    path: str  # the file that defines it
    source: SourceFile | None  # that file, when it is another one


@dataclass(frozen=True)
class Leg:
    """One leg of the trifecta: a tool of the set, or an untrusted variable the prompt writes in."""

    name: str
    why: str
    anchor: Span  # where in this document it is named, referenced or used
    path: str  # the file that defines it
    span: Span  # where, in that file
    source: SourceFile | None  # that file, when it is another one
    key: object  # the same tool (or variable) is the same key

    @classmethod
    def of(cls, member: Member, why: str) -> Leg:
        return cls(member.tool.name, why, member.anchor, member.path, _where(member.tool), member.source,
                   id(member.tool))


def _untrusted_variables(document: Document, context: CheckContext) -> list[Leg]:
    """Variables declared or configured untrusted that the prompt writes into its text."""
    legs: list[Leg] = []
    seen: set[str] = set()
    for emission in trust_analysis(document, context).emissions:
        trust = emission.trust
        if not trust.untrusted or trust.source not in ("declared", "configured") or emission.variable in seen:
            continue
        seen.add(emission.variable)
        legs.append(Leg(emission.variable, f"is untrusted text written into the prompt ({trust.evidence})",
                        emission.use.span, document.path, emission.use.span, None, ("variable", emission.variable)))
    return legs


def _members(document: Document, context: CheckContext) -> list[Member]:
    """The effective tool set: inline tools, and the tools each `$ref` entry resolves to."""
    members: list[Member] = []
    referenced = {id(entry): tools for entry, tools, _reason in referenced_tools(document, context)}
    for tool in document.tools:
        if tool.ref is None:
            if tool.name:
                members.append(Member(tool, _where(tool), document.path, None))
            continue
        node = tool.node.get("$ref") if tool.node is not None else None
        anchor = node.span if node is not None else tool.span
        for target in referenced.get(id(tool), []):
            source = target.name_text.source if target.name_text is not None else None
            if target.name and source is not None:
                members.append(Member(target, anchor, source.display_path, source))
    return members


def private_leg(tool: Tool, caps: Capabilities) -> str | None:
    """Why the tool reads private data: a read verb (or none) over a private noun or a secret."""
    name_words = words(tool.name)
    if not name_words or action(tool) is not None or _name_action(tool) is not None:
        return None
    verb_reads = name_words[0] in PRIVATE_READ_VERBS or len(name_words) == 1 or caps.read_only
    secret = next((word for word in name_words if word in SECRET_WORDS), None)
    if secret is not None and verb_reads:
        return f"reads secrets (the name says '{secret}')"
    noun = next((word for word in name_words[1:] or name_words if word in PRIVATE_NOUNS), None)
    if noun is not None and verb_reads:
        return f"reads private data (the name says '{noun}')"
    return None


def untrusted_leg(tool: Tool, caps: Capabilities) -> str | None:
    """Why the tool brings text from outside into the context: web, mail, comments, open-world."""
    name_words = words(tool.name)
    if not name_words or action(tool) is not None or _name_action(tool) is not None:
        return None
    verb = next((word for word in name_words if word in UNTRUSTED_VERBS), None)
    if verb is not None:
        return f"brings in outside content (the name says '{verb}')"
    # the head noun of a compound name is its last word: `get_comments` reads comments,
    # `list_email_templates` reads templates; `web` anywhere (`web_search`) means the web
    outside = next((word for word in name_words if word in OUTSIDE_WORDS), None)
    if outside is None and name_words[-1] in UNTRUSTED_NOUNS:
        outside = name_words[-1]
    if outside is not None:
        return f"brings in content others write (the name says '{outside}')"
    if name_words[0] in READ_VERBS or caps.read_only:
        first = re.split(r"(?<=[.!?])\s", _description(tool).strip(), maxsplit=1)[0]
        external = EXTERNAL_WORDS.search(first)
        if external is not None:
            return f"brings in outside content (its description says '{' '.join(external.group().split())}')"
    if caps.annotations.get("openWorldHint") is True and caps.read_only:
        return "brings in outside content (annotation openWorldHint: true)"
    if _url_parameter(tool) is not None and (name_words[0] in READ_VERBS or caps.read_only):
        return f"reads any URL ('{_url_parameter(tool).name}')"  # type: ignore[union-attr]
    return None


def exfiltration_leg(tool: Tool, caps: Capabilities) -> str | None:
    """Why the tool can carry data out: it sends, posts, or requests a URL the model chooses."""
    if _mitigation(tool, tool_parameters(tool))[0] == "approved":
        return None  # a person sees what leaves
    destinations = [parameter for parameter in tool_parameters(tool)
                    if DESTINATION_WORDS & set(words(parameter.name))]
    if destinations and all("enum" in parameter.constraints or "const" in parameter.constraints
                            for parameter in destinations):
        return None  # it can only reach places the developer listed
    found = action(tool)
    if found is not None and found.kind == "sends on the user's behalf":
        return f"sends data out ({found.where} says '{found.word}')"
    name_words = words(tool.name)
    if name_words and name_words[0] not in READ_VERBS:
        noun = next((word for word in name_words if word in SEND_NOUNS), None)
        if noun is not None and name_words[0] in WRITE_VERBS | {"create", "draft"} and noun != "request":
            return None  # a draft or a record, not a delivery
        if noun in ("webhook", "http", "request"):
            return f"sends requests out (the name says '{noun}')"
    url = _url_parameter(tool)
    if url is not None:
        return f"requests any URL the model writes ('{url.name}'), which can carry data in its query"
    return None


def lethal_trifecta(document: Document, context: CheckContext) -> Iterator[Finding]:
    """PL223: one finding per tool set, at the first leg's tool name, every leg related."""
    candidates: tuple[list[Leg], list[Leg], list[Leg]] = ([], [], [])
    for member in _members(document, context):
        caps = capabilities(member.tool)
        for found, leg in zip(candidates, (private_leg, untrusted_leg, exfiltration_leg), strict=True):
            why = leg(member.tool, caps)
            if why is not None and len(found) < 8:
                found.append(Leg.of(member, why))
    if candidates[0] and candidates[2]:
        candidates[1].extend(_untrusted_variables(document, context)[:8])
    if not all(candidates):
        return
    # the combination with the most distinct tools (a tool that is two legs shows less), earliest first
    private, untrusted, outbound = max(
        itertools.product(*candidates),
        key=lambda combo: (len({leg.key for leg in combo}), -sum(leg.anchor.start for leg in combo)))
    legs = (("private data", private), ("untrusted content", untrusted), ("a way out", outbound))
    if len({leg.key for _label, leg in legs}) < 2:
        return  # one tool that is all three is a single-tool question, not a combination
    # at the first tool of the combination (a variable leg is only related)
    first = min((leg for _label, leg in legs if not isinstance(leg.key, tuple)), key=lambda leg: leg.anchor.start)
    related = tuple(Related(leg.path, leg.span, f"{label}: '{leg.name}' {leg.why}", leg.source)
                    for label, leg in legs)
    yield context.finding(
        first.anchor,
        f"this tool set holds the lethal trifecta: '{private.name}' {private.why}, '{untrusted.name}' "
        f"{untrusted.why}, and '{outbound.name}' {outbound.why}; instructions hidden in the outside content "
        f"can make the model read the private data and send it away. Break one leg: drop '{outbound.name}' "
        "from this set or put it behind the host's approval, or split the set between agents",
        related, evidence=tuple(f"{label}: {leg.name} {leg.why}" for label, leg in legs))
