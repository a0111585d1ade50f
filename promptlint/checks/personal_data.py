"""Personal data in prompt files (PL603 personal-data-in-prompt): e-mail addresses, payment
card numbers, IBANs, US social security numbers and, on request, phone numbers.

Prompts are sent to providers, logged, cached and versioned; a real person's data belongs in
runtime data with consent, not in a template (OWASP LLM02, CWE-359). Each kind has a check
that real data passes and most look-alikes do not (Luhn and issuer prefixes, mod-97, SSN
number ranges), and published test and documentation values stay quiet. Messages mask the
value as they do secrets: a report must not copy the data it warns about.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from promptlint.checks import lazy
from promptlint.checks.document_strings import DocumentString, document_strings
from promptlint.context import CheckContext
from promptlint.findings import Finding, mask
from promptlint.model import Document, Span

# --- e-mail addresses ---------------------------------------------------------------------------

EMAIL = lazy(
    r"(?<![\w.%+$/{}-])(?P<local>[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])")
# Domains reserved for documentation and testing (RFC 2606, RFC 6761), at any depth.
RESERVED_EMAIL_DOMAIN = lazy(r"(?i)(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$")
# Mailboxes of a role or a system, not of a person (RFC 2142 and common practice).
ROLE_MAILBOXES = frozenset({
    "abuse", "admin", "billing", "careers", "compliance", "contact", "enquiries", "feedback", "hello", "help",
    "helpdesk", "hostmaster", "hr", "info", "inquiries", "jobs", "legal", "marketing", "no-reply", "noc",
    "noreply", "do-not-reply", "donotreply", "notifications", "office", "postmaster", "press", "privacy",
    "sales", "security", "service", "support", "team", "webmaster", "bot", "bounce", "mailer-daemon",
})
# Local parts that stand for "someone" in documentation.
PLACEHOLDER_LOCAL_PARTS = frozenset({
    "user", "username", "name", "firstname", "lastname", "first.last", "firstname.lastname", "first.lastname",
    "your.name", "yourname", "your-name", "you", "me", "someone", "somebody", "email", "mail", "test", "foo",
    "bar", "john.doe", "jane.doe", "johndoe", "janedoe", "john.smith", "jane.smith", "alice", "bob",
})
# `ssh deploy@build-01.acme.io` names a login, not a mailbox.
_LOGIN_BEFORE = lazy(r"\b(?:ssh|scp|sftp|rsync|mosh)\b[^.;:@\n]{0,30}\Z")
# `logo@2x.png` is a file name, not an address.
FILE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "mjs", "ts", "tsx", "jsx",
                             "json", "yaml", "yml", "txt", "css", "html", "htm", "xml", "pdf", "zip"})

# --- payment cards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardBrand:
    name: str  # with its article, as messages say it
    prefixes: tuple[tuple[int, int], ...]  # inclusive ranges of the leading digits (each range's width)
    lengths: tuple[int, ...]


CARD_BRANDS: tuple[CardBrand, ...] = (
    CardBrand("a Visa", ((4, 4),), (13, 16, 19)),
    CardBrand("a Mastercard", ((51, 55), (2221, 2720)), (16,)),
    CardBrand("an American Express", ((34, 34), (37, 37)), (15,)),
    CardBrand("a Discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), (16, 17, 18, 19)),
    CardBrand("a JCB", ((3528, 3589),), (16, 17, 18, 19)),
    CardBrand("a Diners Club", ((300, 305), (3095, 3095), (36, 36), (38, 39)), (14, 15, 16, 17, 18, 19)),
    CardBrand("a UnionPay", ((62, 62),), (16, 17, 18, 19)),
    CardBrand("a Maestro", ((5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304), (6759, 6759),
                          (6761, 6763)), (13, 14, 15, 16, 17, 18, 19)),
)
# Published test numbers of card networks and payment providers (Stripe, Adyen, Braintree, PayPal).
TEST_CARDS = frozenset({
    "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222", "4000056655665556",
    "4000000000000002", "4000000000009995", "4000000000000077", "4000000000000069", "4000000000000127",
    "4000000000000119", "4000002500003155", "4000002760003184", "4000000000003220", "4000003800000446",
    "4917610000000000", "4988438843884305", "4012000033330026", "4005519200000004", "4009348888881881",
    "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222", "2223000048400011",
    "5454545454545454", "5425233430109903", "2222400070000005", "5101180000000007",
    "378282246310005", "371449635398431", "378734493671000", "370000000000002", "340000000000009",
    "6011111111111117", "6011000990139424", "6011000000000012", "6445644564456445",
    "3056930009020004", "36227206271667", "30569309025904", "38520000023237", "36006666333344",
    "3566002020360505", "3530111333300000", "3566111111111113", "6200000000000005", "6205500000000000004",
})
CARD = lazy(
    r"(?<![\w.-])(?:\d{13,19}|\d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{1,4}(?:(?P=sep)\d{1,3})?"
    r"|\d{4}(?P<amex>[ -])\d{6}(?P=amex)\d{4,5})(?![\w-]|[.,]\d)")

# --- IBANs --------------------------------------------------------------------------------------

# Length of each country's IBAN (ISO 13616 registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
# IBANs printed in standards, bank documentation and Wikipedia as examples.
EXAMPLE_IBANS = frozenset({
    "GB82WEST12345698765432", "GB29NWBK60161331926819", "GB33BUKB20201555555555", "DE89370400440532013000",
    "FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957",
    "ES9121000418450200051332", "IT60X0542811101000000123456", "AT611904300234573201",
    "PL61109010140000071219812874", "SE4550000000058398257466", "DK5000400440116243", "NO9386011117947",
    "FI2112345600000785", "IE29AIBK93115212345678", "PT50000201231234567890154", "LU280019400644750000",
})
IBAN = lazy(r"(?<![A-Za-z0-9])(?P<country>[A-Z]{2})\d{2}(?:[ ]?[A-Z0-9]){11,30}")

# --- US social security numbers and phones ------------------------------------------------------

SSN = lazy(r"(?<![\w-])(?P<area>\d{3})-(?P<group>\d{2})-(?P<serial>\d{4})(?![\w-])")
# Numbers published as examples (and the Woolworth wallet card's, voided by the SSA).
EXAMPLE_SSNS = frozenset({"123-45-6789", "078-05-1120", "219-09-9999", "457-55-5462"})
_ASCII_DIGIT = lazy(r"[0-9]")


def _has_digit(value: str) -> bool:
    """Whether any character of `value` is a digit (`str.isdigit`), at C speed for ASCII text."""
    if _ASCII_DIGIT.search(value):
        return True
    return not value.isascii() and any(character.isdigit() for character in value)


PHONE = lazy(r"(?<![\w+])\+\d(?:[ .-]?\(?\d\)?){7,16}(?![\w])")


@dataclass(frozen=True)
class PersonalData:
    kind: str  # "an e-mail address"
    value: str
    span: Span
    where: str


def personal_data(document: Document) -> list[PersonalData]:
    """Every candidate in the strings a model receives; options (allowed domains, phones) apply later."""
    found: list[PersonalData] = []
    for item in document_strings(document):
        if not item.configuration:
            found.extend(_in(item))
    return found


def _in(item: DocumentString) -> Iterator[PersonalData]:
    value = item.text.value
    taken: list[tuple[int, int]] = []  # the digits of an IBAN are not also a card number

    def hit(kind: str, start: int, end: int) -> Iterator[PersonalData]:
        if not any(start < other_end and other_start < end for other_start, other_end in taken):
            taken.append((start, end))
            yield PersonalData(kind, value[start:end], item.text.span(start, end), item.where)

    if "@" in value:
        for match in EMAIL.finditer(value):
            if _personal_email(match, value):
                yield from hit("an e-mail address", match.start(), match.end())
    if not _has_digit(value):
        return
    for match in IBAN.finditer(value):
        end = iban_end(value, match)
        if end is not None:
            yield from hit("an IBAN", match.start(), end)
    for match in CARD.finditer(value):
        brand = card_brand(re.sub(r"[ -]", "", match.group()))
        if brand is not None:
            yield from hit(f"{brand} card number", match.start(), match.end())
    for match in SSN.finditer(value):
        if valid_ssn(match.group()):
            yield from hit("a US social security number", match.start(), match.end())
    for match in PHONE.finditer(value):
        digits = re.sub(r"\D", "", match.group())
        if 8 <= len(digits) <= 15 and not _fictional_phone(digits):
            yield from hit("a phone number", match.start(), match.end())


def _personal_email(match: re.Match[str], value: str) -> bool:
    local, domain = match.group("local").lower(), match.group("domain").lower()
    if RESERVED_EMAIL_DOMAIN.search(domain) or domain.rsplit(".", 1)[-1] in FILE_EXTENSIONS:
        return False
    if local in ROLE_MAILBOXES or local in PLACEHOLDER_LOCAL_PARTS or local.startswith(("noreply", "no-reply")):
        return False
    after = value[match.end():match.end() + 2]
    if after[:1] == ":" and after[1:2] not in ("", " ", "\n", "\t"):
        return False  # `git@github.com:owner/repo.git` is an SSH address
    token_start = max(value.rfind(" ", 0, match.start()), value.rfind("\n", 0, match.start())) + 1
    if "://" in value[token_start:match.start()]:
        return False  # `https://user:pass@host` names a login
    return not _LOGIN_BEFORE.search(value, max(0, match.start() - 40), match.start())


def luhn(digits: str) -> bool:
    total = 0
    for index, character in enumerate(reversed(digits)):
        digit = int(character)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The network of a card number that passes Luhn and is not a published test number."""
    if digits in TEST_CARDS or not luhn(digits):
        return None
    # one digit in half the places: a test or filler number, not an issued card
    if max(Counter(digits).values()) * 2 >= len(digits):
        return None
    for brand in CARD_BRANDS:
        if len(digits) not in brand.lengths:
            continue
        for low, high in brand.prefixes:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return brand.name
    return None


def iban_end(value: str, match: re.Match[str]) -> int | None:
    """Where the IBAN starting at `match` ends, if it has its country's length and passes mod-97."""
    length = IBAN_LENGTHS.get(match.group("country"))
    if length is None:
        return None
    characters: list[str] = []
    index = match.start()
    while index < len(value) and len(characters) < length:  # groups may be split by single spaces
        character = value[index]
        if character.isascii() and (character.isdigit() or character.isupper()):
            characters.append(character)
        elif character != " " or value[index - 1] == " ":
            return None
        index += 1
    if len(characters) < length or (index < len(value) and value[index].isalnum()):
        return None
    iban = "".join(characters)
    if iban in EXAMPLE_IBANS:
        return None
    number = "".join(str(int(character, 36)) for character in iban[4:] + iban[:4])
    return index if int(number) % 97 == 1 else None


def valid_ssn(ssn: str) -> bool:
    """Issuable: area not 000, 666 or 900-999, group not 00, serial not 0000; not a published example."""
    area, group, serial = ssn.split("-")
    if ssn in EXAMPLE_SSNS or area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(area + group + serial)) > 1


def _fictional_phone(digits: str) -> bool:
    # North American 555-0100 to 555-0199 are reserved for fiction; a repeated digit is filler
    return (digits.startswith("1") and len(digits) == 11 and digits[4:8] == "5550" and digits[8] == "1") or \
        max(Counter(digits).values()) * 2 > len(digits)


def _allowed_domain(domain: str, allowed: list[str]) -> bool:
    domain = domain.lower()
    for entry in allowed:
        suffix = entry.lower().lstrip("*").lstrip(".")
        if domain == suffix or domain.endswith("." + suffix):
            return True
    return False


def personal_data_in_prompt(document: Document, context: CheckContext) -> Iterator[Finding]:
    allowed = [str(domain) for domain in context.options.get("allowed-email-domains") or ()]
    phones = bool(context.options.get("detect-phones"))
    from promptlint.checks.secrets import sensitive_spans  # secrets imports this module's analysis

    hidden = sensitive_spans(document, context)
    for item in context.analysis(document, personal_data):
        if item.kind == "a phone number" and not phones:
            continue
        if item.kind == "an e-mail address" and _allowed_domain(item.value.rsplit("@", 1)[1], allowed):
            continue
        yield context.finding(
            item.span,
            f"{item.where} contains {item.kind} ({mask(item.value)}); prompts are sent to providers, logged "
            "and kept in version control: use a placeholder (an example.com address, a test card number) "
            "or pass real data at run time",
            redact=hidden,
        )
