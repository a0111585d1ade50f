"""PL603 personal-data-in-prompt: e-mail addresses, card numbers, IBANs, SSNs and (opt-in)
phone numbers; documentation values stay quiet; messages and code frames mask the value.

The numbers below are built from digit sequences and completed to pass their checksums.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke, write
from hygiene_helpers import lint, located, native

from promptlint.checks.personal_data import card_brand, luhn, valid_ssn
from promptlint.findings import mask


def only(text: str, **options: object) -> list[tuple[str, int, int, int, int]]:
    return located(lint(text, select=("PL603",), options={"PL603": dict(options)} if options else None))


@pytest.mark.parametrize(("value", "kind"), [
    ("priya.raman@northwind-mail.io", "an e-mail address"),
    ("Marcus.Webb+payroll@hr-payroll.net", "an e-mail address"),
    ("4123 4567 8901 2349", "a Visa card number"),
    ("4123-4567-8901-2349", "a Visa card number"),
    ("5123456789012346", "a Mastercard card number"),
    ("2221004567890125", "a Mastercard card number"),
    ("3712 345678 90120", "an American Express card number"),
    ("6011123456789019", "a Discover card number"),
    ("3528123456789012", "a JCB card number"),
    ("DE43 1234 5678 9012 3456 78", "an IBAN"),
    ("FR4812345678901234567890123", "an IBAN"),
    ("NL19ABCD0123456789", "an IBAN"),
    ("321-54-9876", "a US social security number"),
])
def test_personal_data_is_found_named_and_masked(value: str, kind: str) -> None:
    results = lint(native(f"Customer record: {value}, from the old ticket."), select=("PL603",))
    assert located(results) == [("PL603", 6, 24, 6, 24 + len(value))]
    assert kind in results[0].message and mask(value) in results[0].message and value not in results[0].message


@pytest.mark.parametrize("text", [
    "Write to jane.doe@example.com, ops@billing.example.org, qa@shop.test, x@host.invalid or a@b.example.",
    "Escalate to support@northwind-mail.io; updates come from noreply@northwind-mail.io and no-reply-bot@x.io.",
    "Addresses look like user@company.com or firstname.lastname@company.com.",
    "Clone git@github.com:acme/reports.git; images are logo@2x.png; packages @acme/ui@1.2.3.",
    "Run `ssh -p 2222 deploy@build-01.northwind-mail.io` or scp to ops@bastion.northwind-mail.io.",
    "Log in at https://deploy@registry.northwind-mail.io/v2 with your own account.",
    "The address is {{ user }}@northwind-mail.io, or ${USER}@northwind-mail.io.",
    "Test cards: 4111 1111 1111 1111, 4242 4242 4242 4242, 5555 5555 5555 4444, 378282246310005.",
    "Filler: 4000 0000 0000 0002 and 4444 4444 4444 4448.",
    "Order 4000123412341230 shipped at 1700000000000; invoice 1234567890123456.",
    "The example IBAN GB82 WEST 1234 5698 7654 32, and DE89 3704 0044 0532 0130 00.",
    "IBAN-like DE00 1234 5678 9012 3456 78 fails mod-97; XX12 3456 7890 1234 5678 is no country.",
    "Sample SSN 123-45-6789; invalid 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000.",
    "Call +1 415 555 0100 or +44 20 7946 0958 (phones are opt-in).",
    "The date 2024-05-17 and version 1.2.3 and the zip 94107-1234.",
])
def test_documentation_values_and_look_alikes_are_quiet(text: str) -> None:
    assert only(native(text)) == []


def test_allowed_email_domains_cover_subdomains() -> None:
    text = native("Forward to payroll@acme-corp.io or ana@eu.acme-corp.io, not to ana@acme-corp.io.evil.net.")
    assert only(text, **{"allowed-email-domains": ["acme-corp.io"]}) == [("PL603", 6, 70, 6, 95)]
    assert only(text, **{"allowed-email-domains": ["*.acme-corp.io", "evil.net"]}) == []


def test_phones_only_on_request() -> None:
    text = native("Call the customer on +49 30 12345678 or +1 (212) 734-9821 after nine.")
    assert only(text) == []
    assert only(text, **{"detect-phones": True}) == [("PL603", 6, 28, 6, 43), ("PL603", 6, 47, 6, 64)]
    assert only(native("Call +1 415 555 0123 or +1 111 111 1111."), **{"detect-phones": True}) == []


def test_configuration_and_authorship_are_not_prompts() -> None:
    text = ("---\nname: Desk\nauthors:\n  - Lena Fischer <lena.fischer@contoso-support.de>\nmodel:\n  api: chat\n"
            "---\nsystem:\nYou help. Write to lena.fischer@contoso-support.de for refunds.\n")
    assert located(lint(text, "desk.prompty", select=("PL603",))) == [("PL603", 9, 20, 9, 51)]
    native_text = native("Hi.", extra="metadata:\n  owner: lena.fischer@contoso-support.de\nx-owner: a@acme-corp.io\n")
    assert only(native_text) == []


def test_tool_schema_examples_and_defaults() -> None:
    tool = json.dumps({"name": "lookup", "description": "Look up a customer.", "inputSchema": {
        "type": "object", "properties": {
            "email": {"type": "string", "examples": ["tomas.lindqvist@bluefjord-post.se", "user@example.com"]},
            "card": {"type": "string", "default": "6011123456789019"}}}})
    results = lint(tool, "lookup.json", select=("PL603",))
    assert [(result.message.split(" contains")[0]) for result in results] == [
        "the value at 'inputSchema.properties.email.examples[0]'", "the value at 'inputSchema.properties.card.default'"]


def test_locations_in_a_json_string_with_escapes_and_a_prompty_body() -> None:
    tool = '{"name": "t", "description": "Caf\\u00e9 \\"owner\\": ana.lima@quinta-azul.pt\\nok"}'
    start = tool.index("ana.lima") + 1
    assert only(tool) == [("PL603", 1, start, 1, start + len("ana.lima@quinta-azul.pt"))]
    prompty = "---\nname: x\nmodel:\n  api: chat\n---\nsystem:\nYou help.\n\nuser:\n  My card is 4123456789012349.\n"
    assert located(lint(prompty, "x.prompty", select=("PL603",))) == [("PL603", 10, 14, 10, 30)]


def test_checksums() -> None:
    assert luhn("4242424242424242") and not luhn("4242424242424241")
    assert card_brand("4123456789012349") == "a Visa"
    assert card_brand("4111111111111111") is None  # a published test number
    assert card_brand("9123456789012345") is None or not luhn("9123456789012345")
    assert card_brand("1234567812345670") is None  # no issuer starts with 1
    assert valid_ssn("321-54-9876") and not valid_ssn("078-05-1120") and not valid_ssn("111-11-1111")


def test_the_text_report_masks_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    email, card = "priya.raman@northwind-mail.io", "4123 4567 8901 2349"
    write(tmp_path / "p.prompt.yaml", native(f"Ticket from {email}\nabout card {card}."))
    monkeypatch.chdir(tmp_path)
    output = invoke("check", "p.prompt.yaml", "--select", "PL603").stdout
    assert output.count("warning[PL603]") == 2
    assert email not in output and card not in output and mask(email) in output
