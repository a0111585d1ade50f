"""Credentials in prompt files (PL601 hardcoded-credential, PL602 credential-like-assignment).

A system prompt is recoverable by its users (OWASP LLM07), and the file is in git: a key in
either is disclosed. PL601 knows provider key shapes (prefixes and lengths adapted from the
gitleaks and secretlint rule sets); PL602 knows the words next to which a secret is assigned.
No message ever holds a whole secret: messages show `mask(secret)`, and findings ask the
engine to mask in their code frames every secret and piece of personal data of the file
(`redact`), since the lines around one may hold another.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.checks import lazy
from promptlint.checks.document_strings import DocumentString, document_strings
from promptlint.checks.personal_data import personal_data
from promptlint.context import CheckContext
from promptlint.findings import Finding, mask
from promptlint.model import Document, Span, Text


@dataclass(frozen=True)
class KeyKind:
    """A provider's key shape. `secret` is the group whose entropy is measured: the random part."""

    id: str
    name: str  # as messages say it: "an OpenAI API key"
    pattern: re.Pattern[str]


_B = r"(?<![A-Za-z0-9_-])"  # not inside a longer token
_E = r"(?![A-Za-z0-9_-])"


def _kind(id: str, name: str, pattern: str) -> KeyKind:
    return KeyKind(id, name, re.compile(pattern))


# More specific shapes first: where two match the same characters, the first wins.
KEY_KINDS: tuple[KeyKind, ...] = (
    _kind("anthropic", "an Anthropic API key", _B + r"sk-ant-(?:api|admin)\d{2}-(?P<secret>[A-Za-z0-9_-]{80,})" + _E),
    _kind("openai", "an OpenAI API key",
          _B + r"sk-(?:proj-|svcacct-|admin-)?(?P<secret>[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})" + _E),
    _kind("openai-legacy", "an OpenAI API key", _B + r"sk-(?P<secret>[A-Za-z0-9]{48})" + _E),
    _kind("aws", "an AWS access key ID", r"(?<![A-Za-z0-9])(?:AKIA|ASIA)(?P<secret>[0-9A-Z]{16})(?![A-Za-z0-9])"),
    _kind("github-pat", "a GitHub personal access token", _B + r"ghp_(?P<secret>[A-Za-z0-9]{36})" + _E),
    _kind("github-oauth", "a GitHub OAuth access token", _B + r"gho_(?P<secret>[A-Za-z0-9]{36})" + _E),
    _kind("github-user", "a GitHub user-to-server token", _B + r"ghu_(?P<secret>[A-Za-z0-9]{36})" + _E),
    _kind("github-server", "a GitHub server-to-server token", _B + r"ghs_(?P<secret>[A-Za-z0-9]{36})" + _E),
    _kind("github-refresh", "a GitHub refresh token", _B + r"ghr_(?P<secret>[A-Za-z0-9]{36})" + _E),
    _kind("github-fine-grained", "a GitHub fine-grained personal access token",
          _B + r"github_pat_(?P<secret>[A-Za-z0-9_]{80,})" + _E),
    _kind("slack", "a Slack token", _B + r"xox[abpors]-(?P<secret>[A-Za-z0-9-]{10,})" + _E),
    _kind("google", "a Google API key", _B + r"AIza(?P<secret>[0-9A-Za-z_-]{35})" + _E),
    _kind("stripe", "a Stripe live secret key", _B + r"sk_live_(?P<secret>[A-Za-z0-9]{20,})" + _E),
    _kind("stripe-restricted", "a Stripe live restricted key", _B + r"rk_live_(?P<secret>[A-Za-z0-9]{20,})" + _E),
    _kind("huggingface", "a Hugging Face access token", _B + r"hf_(?P<secret>[A-Za-z]{34})" + _E),
    # a header alone is prose ("never print -----BEGIN PRIVATE KEY----- blocks"): a key has a body
    _kind("private-key", "a private key",
          r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<secret>[A-Za-z0-9+/=\s:,.-]{40,}?)"
          r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    _kind("jwt", "a JSON Web Token", _B + r"(?P<secret>eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,})" + _E),
    _kind("url-password", "a password in a URL",
          r"\b[a-zA-Z][a-zA-Z0-9+.-]*://(?P<user>[^\s:/@\"'`<>]*):(?P<secret>[^\s/@\"'`<>]{3,})@"
          r"(?P<host>[^\s/?#:\"'`<>]+)"),
)
_ANCHORS = lazy(r"sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abpors]-|AIza|_live_|PRIVATE KEY|eyJ|://|hf_")

# Placeholders in documentation and templates: `sk-...`, `sk-xxxx`, `<your-key>`, `YOUR_API_KEY`.
PLACEHOLDER = lazy(
    r"(?i)x{4,}|\.{3}|…|\*{3,}|<[^<>]*>|\byour|your[_-]|example|dummy|chang(?:e|e_|e-)me|redacted|placeholder"
    r"|sample|fake|insert[_-]|replace[_-]?(?:me|this|with)|(.)\1{7,}")
# A template variable or an environment reference instead of a value: `{{ api_key }}`,
# `${OPENAI_API_KEY}`, `${env:KEY}`, `{api_key}`, `$API_KEY`, `%API_KEY%`, `os.environ[...]`.
REFERENCE = lazy(
    r"\{\{|\{%|\$\{|\A\$[A-Za-z_]|\A\{[A-Za-z_][\w.]*\}|\A%[A-Za-z_]\w*%|\Aenv:|os\.environ|process\.env|getenv"
    r"|\A(?:secrets|vars|env)\.|\A(?:arn:|vault:|projects/|ref\+)", re.I)
# Passwords that stand for "the password" in connection-string examples.
PLACEHOLDER_PASSWORDS = frozenset({
    "password", "passwd", "pass", "pwd", "secret", "changeme", "admin", "root", "guest", "test", "user",
    "username", "postgres", "mysql", "redis", "rabbitmq", "mongo", "sa", "default", "token", "apikey", "key",
    "supersecret", "mysecret", "mypassword", "yourpassword", "foo", "bar", "foobar", "demo",
})
# Hosts of documentation: credentials in their URLs are examples (RFC 2606, RFC 6761).
EXAMPLE_HOST = lazy(r"(?i)(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$")
# Widely published example values that are not anyone's secret (jwt.io's sample token).
KNOWN_EXAMPLES = frozenset({"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})

# Words a credential is assigned to. A name's last word decides; `key` and `token` need a
# word before them that makes them secret (`api_key`, `access_token`), since `primary_key`,
# `sort_key`, `max_tokens` and `page_token` are not secrets.
SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "secret", "apikey", "credential",
                          "credentials", "bearer"})
KEY_WORDS = frozenset({"api", "access", "secret", "private", "signing", "encryption", "master", "license",
                       "client", "subscription", "app", "auth", "admin", "account", "service", "openai",
                       "anthropic", "stripe", "aws"})
NOT_SECRET_TOKENS = frozenset({
    "page", "next", "prev", "previous", "continuation", "cursor", "max", "min", "stop", "bos", "eos", "pad",
    "unk", "sep", "cls", "mask", "special", "start", "end", "num", "total", "input", "output", "completion",
    "prompt", "reasoning", "cached", "sync", "pagination", "resume", "design", "css", "color", "cancellation",
})
_KEYWORD = lazy(r"(?i)pass(?:word|wd|phrase)|pwd|secret|token|key|credential|bearer")
_NAME_CHARS = lazy(r"[A-Za-z0-9_.-]*")
_CAMEL = lazy(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# what may stand between a name and its value: `api_key: v`, `"api_key": "v"`, `password=v`, `password is v`
_SEPARATOR = lazy(r"""["'`]?[ \t]*(?::=|=>|[:=]|[ \t]is[ \t])[ \t]*["'`]?|[ \t]+(?=[A-Za-z0-9._~+/-]{16,})""")
_VALUE = lazy(r"""[^\s"'`&,;<>]+""")  # `&`: the next parameter of a query string
_TRAILING = ".,;:!?)]}>"
# Values that name something rather than being a secret: a path, a URL, an environment variable's
# name, code (`settings.SECRET_KEY`, `getpass()`, `Optional[str]`).
_NOT_A_VALUE = lazy(
    r"://|\A[/~]|\A\.\.?/|\A[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z|[\[\](){}]|\A[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    length = len(value)
    return -sum(count / length * math.log2(count / length) for count in Counter(value).values())


def random_enough(value: str) -> bool:
    """Shannon entropy of at least 3.5 bits per character, scaled down for short values:
    `n` characters carry at most log2(n) bits each, so a fixed 3.5 is unreachable below 12
    characters and misses a third of real 16-character keys (AWS key ids)."""
    return shannon_entropy(value) >= min(3.5, 0.75 * math.log2(max(len(value), 2)))


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.search(value) or REFERENCE.search(value))


@dataclass(frozen=True)
class Hit:
    what: str  # "an OpenAI API key", or the name the value is assigned to
    secret: str
    span: Span
    where: str
    fingerprint: str | None  # sha256 of a key's value, for `allow-fingerprints`; None for human passwords


@dataclass(frozen=True)
class Credentials:
    keys: tuple[Hit, ...]
    assignments: tuple[Hit, ...]


def credentials(document: Document) -> Credentials:
    """Known key shapes, then credential-like assignments that are not one of them."""
    keys: list[Hit] = []
    assignments: list[Hit] = []
    for item in document_strings(document):
        found = list(_keys(item))
        keys.extend(found)
        taken = [(hit.span.start, hit.span.end) for hit in found]
        for hit in _assignments(item):
            if not any(start < hit.span.end and hit.span.start < end for start, end in taken):
                assignments.append(hit)
                taken.append((hit.span.start, hit.span.end))
    return Credentials(tuple(keys), tuple(assignments))


def _keys(item: DocumentString) -> Iterator[Hit]:
    value = item.text.value
    if not _ANCHORS.search(value):
        return
    taken: list[tuple[int, int]] = []
    for kind in KEY_KINDS:
        for match in kind.pattern.finditer(value):
            start, end = match.span("secret") if kind.id == "url-password" else match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            secret = match.group("secret")
            if kind.id == "url-password":
                if not _url_password(match, secret):
                    continue
            elif (is_placeholder(match.group()) or any(example in match.group() for example in KNOWN_EXAMPLES)
                  or not random_enough(re.sub(r"\s", "", secret))):
                continue
            taken.append((start, end))
            whole = value[start:end]
            fingerprint = None if kind.id == "url-password" else hashlib.sha256(whole.encode()).hexdigest()
            # a private key's first and last characters are its dashes: the message shows its body's
            shown = re.sub(r"\s", "", secret) if kind.id == "private-key" else whole
            yield Hit(kind.name, shown, item.text.span(start, end), item.where, fingerprint)


def _url_password(match: re.Match[str], password: str) -> bool:
    if is_placeholder(password) or REFERENCE.search(match.group("user")) or EXAMPLE_HOST.search(match.group("host")):
        return False
    plain = password.lower().rstrip("0123456789")
    return plain not in PLACEHOLDER_PASSWORDS and password.lower() != match.group("user").lower()


def credential_name(name: str) -> bool:
    """Whether a name (`db_password`, `apiKey`, `X-Api-Key`, `API key`) is one a secret is assigned to."""
    words = [word for word in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if word]
    if not words:
        return False
    last = words[-1]
    if last in SECRET_WORDS:
        return True
    before = words[-2] if len(words) > 1 else None
    if last == "key":
        return before in KEY_WORDS
    if last == "token":
        return before not in NOT_SECRET_TOKENS
    return False


def credential_value(value: str) -> bool:
    """A value that looks like a secret and not like prose, a name or a reference: eight or more
    characters, random enough, and mixing letters with digits (or three character classes),
    since words and identifiers (`Authorization`, `nextPageToken`) can be random enough too."""
    if len(value) < 8 or is_placeholder(value) or _NOT_A_VALUE.search(value) or value in KNOWN_EXAMPLES:
        return False
    classes = sum(bool(re.search(pattern, value)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    mixed = classes >= 3 or (re.search(r"[0-9]", value) is not None and re.search(r"[A-Za-z]", value) is not None)
    return mixed and random_enough(value)


def _assignments(item: DocumentString) -> Iterator[Hit]:
    text = item.text
    value = text.value
    if item.name is not None and credential_name(item.name):
        # a data value assigned to a credential key: `api_key: ...`, `"password": "..."`
        stripped = value.strip()
        offset = value.find(stripped)
        if stripped and not re.search(r"\s", stripped) and credential_value(stripped):
            yield _assignment(text, offset, offset + len(stripped), item.name, item.where)
            return
    done = 0
    for keyword in _KEYWORD.finditer(value):
        if keyword.start() < done:
            continue
        start = keyword.start()
        while start > 0 and _NAME_CHARS.fullmatch(value[start - 1]):
            start -= 1
        end = _NAME_CHARS.match(value, keyword.end())
        name_end = end.end() if end else keyword.end()
        name = value[start:name_end].rstrip(".-")
        name_end = start + len(name)
        done = name_end
        if name.lower() in ("key", "token", "secret"):  # two words: "API key", "access token"
            before = re.search(r"([A-Za-z]+)[ \t]+\Z", value[max(0, start - 40):start])
            if before is not None:
                name = f"{before.group(1)}_{name}"
        if not credential_name(name):
            continue
        separator = _SEPARATOR.match(value, name_end)
        if separator is None or (not separator.group().strip() and name.lower() != "bearer"):
            continue
        found = _VALUE.match(value, separator.end())
        if found is None or is_placeholder(found.group()):
            continue
        candidate = found.group().rstrip(_TRAILING)
        if credential_value(candidate):
            done = found.end()
            yield _assignment(text, found.start(), found.start() + len(candidate), name, item.where)


def _assignment(text: Text, start: int, end: int, name: str, where: str) -> Hit:
    return Hit(name, text.value[start:end], text.span(start, end), where, None)


def masked(secret: str) -> str:
    """`mask(secret)` for a message, its run of asterisks shortened: a private key is long."""
    shown = mask(secret)
    return shown if len(shown) <= 64 else f"{shown[:4]}{'*' * 12}...{'*' * 12}{shown[-4:]}"


def sensitive_spans(document: Document, context: CheckContext) -> tuple[Span, ...]:
    """Every credential and every piece of personal data of the document: a hygiene finding masks
    them all in its code frame, since the lines around one may hold another."""
    found = context.analysis(document, credentials)
    return tuple(hit.span for hit in found.keys + found.assignments) + tuple(
        item.span for item in context.analysis(document, personal_data))


def hardcoded_credential(document: Document, context: CheckContext) -> Iterator[Finding]:
    allowed = {str(item).lower() for item in context.options.get("allow-fingerprints") or ()}
    hidden = sensitive_spans(document, context)
    for hit in context.analysis(document, credentials).keys:
        if hit.fingerprint is not None and hit.fingerprint in allowed:
            continue
        evidence = (f"sha256 of the value: {hit.fingerprint} (list it in allow-fingerprints if this is a "
                    "published test key)",) if hit.fingerprint else ()
        yield context.finding(
            hit.span,
            f"{hit.where} contains {hit.what} ({masked(hit.secret)}); anyone who can read the prompt or the "
            "repository can use it: revoke it, and let the tool or the runtime hold it instead",
            evidence=evidence,
            redact=hidden,
        )


def credential_like_assignment(document: Document, context: CheckContext) -> Iterator[Finding]:
    hidden = sensitive_spans(document, context)
    for hit in context.analysis(document, credentials).assignments:
        said = "sends a bearer token" if hit.what.lower() == "bearer" else f"assigns '{hit.what}' a value"
        yield context.finding(
            hit.span,
            f"{hit.where} {said} that looks like a secret ({masked(hit.secret)}); if it is real, revoke it "
            "and let the tool or the runtime read it from a secret store",
            redact=hidden,
        )
