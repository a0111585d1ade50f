"""PL604 internal-endpoint-in-prompt: internal host names, private and metadata addresses,
localhost only as a URL or host:port, `allowed-hosts`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hygiene_helpers import RULES, lint, located, native

from promptlint.checks.endpoints import allowed_host, host_reason
from promptlint.config import ConfigError, build_config


def only(text: str, path: str = "p.prompt.yaml", **options: object) -> list[tuple[str, int, int, int, int]]:
    return located(lint(text, path, select=("PL604",), options={"PL604": dict(options)} if options else None))


@pytest.mark.parametrize(("written", "reason"), [
    ("http://reports.corp.internal:8080/api", "a host under .internal"),
    ("https://gateway.acme.corp/admin", "a host under .corp"),
    ("http://printer-2f.lan:631/ipp", "a host under .lan"),
    ("http://nas.local:5000", "a host under .local"),
    ("metrics.monitoring.svc.cluster.local", "a Kubernetes in-cluster service name"),
    ("metadata.google.internal", "a host under .internal"),
    ("router.home.arpa", "a host under .home.arpa"),
    ("10.20.30.40", "a private (RFC 1918) address"),
    ("172.20.1.15", "a private (RFC 1918) address"),
    ("192.168.12.7:5432", "a private (RFC 1918) address"),
    ("169.254.169.254", "the cloud instance metadata address"),
    ("http://169.254.169.254/latest/meta-data/", "the cloud instance metadata address"),
    ("fd12:3456:789a:1::10", "a unique local (RFC 4193) address"),
    ("http://[fd00:ec2::254]/latest", "the cloud instance metadata address"),
    ("http://localhost:3000/health", "localhost"),
    ("localhost:8080", "localhost"),
    ("http://127.0.0.1:9000", "a loopback address"),
    ("127.0.0.1:5432", "a loopback address"),
    ("http://host.docker.internal:8000", "the Docker host"),
    ("172.17.0.1:9000", "the Docker host (default bridge gateway)"),
])
def test_internal_endpoints_are_found_and_quoted(written: str, reason: str) -> None:
    results = lint(native(f"Fetch data from {written} when asked."), select=("PL604",))
    assert located(results) == [("PL604", 6, 23, 6, 23 + len(written))]
    assert f"'{written}' ({reason})" in results[0].message


@pytest.mark.parametrize("text", [
    "The service runs on localhost during development; start it with `make run`.",
    "Requests from 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 are refused; fc00::/7 too.",
    "The broadcast address 192.168.1.255 and the network 10.1.2.0 are ranges, not hosts.",
    "Version 10.2.3.4 of the client, build v10.1.1.1, added retries.",
    "Public: https://api.example.com/v2, 8.8.8.8, https://docs.python.org/3/library/threading.html.",
    "Use threading.local for per-thread state; see https://docs.python.org/3/library/threading.local.",
    "from google.protobuf.internal import containers",
    "A host such as {{ service }}.svc.cluster.local or <service>.internal, http://your-service.internal.",
    "Hosts like api.example.internal are examples.",
    "The file settings.local.json and .env.local hold overrides.",
    "From a container, reach the machine as host.docker.internal or 172.17.0.1; in the emulator as 10.0.2.2.",
])
def test_prose_ranges_and_public_addresses_are_quiet(text: str) -> None:
    assert only(native(text)) == []


def test_allowed_hosts_take_names_suffixes_addresses_and_networks() -> None:
    text = native("Use http://ci.corp.internal:8080 and 10.1.2.3 and http://db.corp.internal and 192.168.1.7.")
    assert len(only(text)) == 4
    assert only(text, **{"allowed-hosts": ["*.corp.internal", "10.0.0.0/8", "192.168.1.7"]}) == []
    assert allowed_host("CI.corp.internal", ["ci.corp.internal"])
    assert not allowed_host("corp.internal.evil.net", ["*.corp.internal"])
    assert not allowed_host("10.1.2.3", ["not-a-network"])


def test_model_configuration_is_where_an_endpoint_belongs() -> None:
    text = ("---\nname: x\nmodel:\n  api: chat\n  configuration:\n    type: openai\n"
            "    base_url: http://localhost:11434/v1\n---\nsystem:\nSummarise the notes.\n")
    assert only(text, "x.prompty") == []


def test_tool_schema_strings_and_json_escapes() -> None:
    tool = json.dumps({"name": "fetch", "description": "Caf\u00e9 \"reports\" at http://10.0.4.12:9000/r.",
                       "inputSchema": {"type": "object", "properties": {
                           "base": {"type": "string", "default": "http://reports-db.internal:9000"}}}})
    results = only(tool, "fetch.json")
    start = tool.index("http://10") + 1
    assert results[0] == ("PL604", 1, start, 1, start + len("http://10.0.4.12:9000/r"))
    assert len(results) == 2


def test_host_reason() -> None:
    assert host_reason("LOCALHOST", in_url=True) == "localhost"
    assert host_reason("localhost", in_url=False) is None
    assert host_reason("8.8.8.8", in_url=True) is None
    assert host_reason("api.internal.", in_url=False) == "a host under .internal"


def test_options_are_checked_when_the_configuration_loads() -> None:
    for rule, option, value in (("PL604", "allowed-hosts", "ci.corp.internal"), ("PL603", "detect-phones", "yes"),
                                ("PL603", "allowed-email-domains", [1]), ("PL601", "allow-fingerprints", "abc")):
        with pytest.raises(ConfigError, match=option):
            build_config({"rules": {rule: {option: value}}}, Path("."), RULES)
