"""Internal endpoints in prompt files (PL604 internal-endpoint-in-prompt).

OWASP LLM07 lists internal architecture among what a leaked system prompt gives away: host
names under private suffixes, private addresses and the cloud metadata address map a network
for whoever extracts the prompt, and name the targets of server-side request forgery. A tool
that holds the address (`get_report(report_id)`) keeps it out of the prompt.

`localhost`, loopback addresses and the names a container or a virtual machine has for its host
(`host.docker.internal`) count only as URLs or `host:port`: the word in prose ("runs on
localhost") names no endpoint. Network ranges (`10.0.0.0/8`) are not endpoints.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.checks import lazy
from promptlint.checks.document_strings import DocumentString, document_strings
from promptlint.checks.secrets import sensitive_spans
from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Span

# Suffixes of names that resolve only inside a network, most specific first.
INTERNAL_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("svc.cluster.local", "a Kubernetes in-cluster service name"),
    ("internal", "a host under .internal"),
    ("corp", "a host under .corp"),
    ("local", "a host under .local"),
    ("lan", "a host under .lan"),
    ("home.arpa", "a host under .home.arpa"),
)
ADDRESS_KINDS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("169.254.169.254/32"), "the cloud instance metadata address"),
    (ipaddress.ip_network("fd00:ec2::254/128"), "the cloud instance metadata address"),
    (ipaddress.ip_network("10.0.0.0/8"), "a private (RFC 1918) address"),
    (ipaddress.ip_network("172.16.0.0/12"), "a private (RFC 1918) address"),
    (ipaddress.ip_network("192.168.0.0/16"), "a private (RFC 1918) address"),
    (ipaddress.ip_network("fc00::/7"), "a unique local (RFC 4193) address"),
)
LOOPBACK = "a loopback address"
# Names a container or a virtual machine has for the machine it runs on: public defaults that, like
# localhost, say nothing about a network unless they address a service (a URL, host:port).
HOST_MACHINE = {"host.docker.internal": "the Docker host", "gateway.docker.internal": "the Docker host",
                "172.17.0.1": "the Docker host (default bridge gateway)",
                "10.0.2.2": "the virtual machine's host (QEMU, VirtualBox, Android emulator)"}
_SUFFIX = "|".join(re.escape(suffix) for suffix, _reason in INTERNAL_SUFFIXES)

URL = lazy(
    r"\b[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@\"'`<>]*@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:?#\"'`<>\[\](){}|\\,;]+)"
    r"(?::(?P<port>\d{1,5}))?[^\s\"'`<>]*")
_HOST_MACHINE = "|".join(re.escape(host) for host in HOST_MACHINE)
LOOPBACK_PORT = lazy(
    rf"(?<![\w.:/@-])(?P<host>localhost|127(?:\.\d{{1,3}}){{3}}|\[::1\]|{_HOST_MACHINE}):(?P<port>\d{{1,5}})(?!\w)")
HOST = lazy(
    rf"(?<![\w.@/$-])(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+(?:{_SUFFIX}))"
    r"(?::(?P<port>\d{1,5}))?(?![\w-]|\.[A-Za-z0-9]|\()")
IPV4 = lazy(r"(?<![\w.:/-])(?P<host>\d{1,3}(?:\.\d{1,3}){3})(?::(?P<port>\d{1,5}))?(?![\w]|\.\d|/\d)")
IPV6 = lazy(r"(?i)(?<![\w:])(?P<host>f[cd][0-9a-f]{2}:[0-9a-f:]*[0-9a-f])(?![\w:]|/\d)")
PLACEHOLDER_HOST = lazy(r"(?i)(?:^|[.-])(?:example|your|placeholder)(?:[.-]|$)|xxx")
_VERSION_BEFORE = lazy(r"(?i)\b(?:version|release|build|v)\s*\Z")
_IMPORT = lazy(r"[ \t]*(?:from|import)[ \t]+")  # a module path, as the line's import statement
_TRAILING = ".,;:!?)]}>*_"


@dataclass(frozen=True)
class Endpoint:
    host: str
    shown: str  # as written: the URL, or the host and port
    reason: str
    span: Span
    where: str


def host_reason(host: str, in_url: bool) -> str | None:
    """Why `host` (a name or an address) is internal, or None."""
    host = host.strip("[]").lower().rstrip(".")
    if PLACEHOLDER_HOST.search(host):
        return None
    if host in HOST_MACHINE:
        return HOST_MACHINE[host] if in_url else None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            return "localhost" if in_url else None
        for suffix, reason in INTERNAL_SUFFIXES:
            if host.endswith("." + suffix):
                return reason
        return None
    if address.is_loopback:
        return LOOPBACK if in_url else None
    for network, reason in ADDRESS_KINDS:
        if address.version == network.version and address in network:
            return reason
    return None


def internal_endpoints(document: Document) -> list[Endpoint]:
    found: list[Endpoint] = []
    for item in document_strings(document):
        if not item.configuration:
            found.extend(_in(item))
    return found


def _in(item: DocumentString) -> Iterator[Endpoint]:
    value = item.text.value
    if "." not in value and ":" not in value:
        return
    taken: list[tuple[int, int]] = []

    def hit(match: re.Match[str], reason: str, end: int | None = None) -> Endpoint:
        end = match.end() if end is None else end
        taken.append((match.start(), end))
        return Endpoint(match.group("host"), value[match.start():end], reason, item.text.span(match.start(), end),
                        item.where)

    def free(match: re.Match[str]) -> bool:
        return not any(start < match.end() and match.start() < end for start, end in taken)

    if "://" in value:
        for match in URL.finditer(value):
            reason = host_reason(match.group("host"), in_url=True)
            if reason is not None:
                yield hit(match, reason, match.start() + len(match.group().rstrip(_TRAILING)))
    for match in LOOPBACK_PORT.finditer(value):
        reason = host_reason(match.group("host"), in_url=True)
        if free(match) and reason is not None:
            yield hit(match, reason)
    for match in HOST.finditer(value):
        host = match.group("host")
        line_start = value.rfind("\n", 0, match.start()) + 1
        if not free(match) or _IMPORT.fullmatch(value, line_start, match.start()):
            continue
        if host.count(".") == 1 and host.endswith(".local") and match.group("port") is None:
            continue  # `threading.local`, `werkzeug.local`: Python names; an mDNS host comes as a URL or host:port
        reason = host_reason(host, in_url=False)
        if reason is not None:
            yield hit(match, reason)
    for pattern in (IPV4, IPV6):
        for match in pattern.finditer(value):
            if not free(match) or _VERSION_BEFORE.search(value, max(0, match.start() - 12), match.start()):
                continue
            host = match.group("host")
            if pattern is IPV4 and match.group("port") is None and host.rsplit(".", 1)[-1] in ("0", "255"):
                continue  # a network or broadcast address names a range, not an endpoint
            reason = host_reason(host, in_url=False)
            if reason is not None:
                yield hit(match, reason)


def allowed_host(host: str, allowed: list[str]) -> bool:
    """`allowed-hosts` entries: a host name, `*.suffix` (or `.suffix`), an address, or a network."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in allowed:
        entry = entry.strip().lower()
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        elif entry.startswith(("*.", ".")):
            suffix = entry.lstrip("*").lstrip(".")
            if host == suffix or host.endswith("." + suffix):
                return True
        elif host == entry:
            return True
    return False


def internal_endpoint_in_prompt(document: Document, context: CheckContext) -> Iterator[Finding]:
    allowed = [str(entry) for entry in context.options.get("allowed-hosts") or ()]
    found = context.analysis(document, internal_endpoints)
    hidden = sensitive_spans(document, context) if found else ()
    for endpoint in found:
        if allowed_host(endpoint.host, allowed):
            continue
        shown = endpoint.shown if len(endpoint.shown) <= 80 else endpoint.shown[:77] + "..."
        yield context.finding(
            endpoint.span,
            f"{endpoint.where} names an internal endpoint, '{shown}' ({endpoint.reason}); whoever extracts "
            "the prompt learns what sits behind it, and a model with a fetch tool has a target: let a tool "
            "hold the address instead",
            redact=hidden,
        )
