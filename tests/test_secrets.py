"""PL601 hardcoded-credential and PL602 credential-like-assignment: key shapes, placeholders,
masking in every report format, and exact locations through YAML, JSON and Prompty.

Every key below is made up from runs of the alphabet: it has a provider's shape, not its value.
"""

from __future__ import annotations

import hashlib
import json
import string
from pathlib import Path

import pytest
from cli_helpers import invoke, write
from hygiene_helpers import lint, located, native

from promptlint.checks.secrets import KEY_KINDS, credential_name, masked, random_enough, shannon_entropy
from promptlint.findings import mask

UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
KEYS = {
    "an OpenAI API key": [
        "sk-proj-" + UPPER[:20] + "T3BlbkFJ" + LOWER[:20],
        "sk-svcacct-" + DIGITS + LOWER[:10] + "T3BlbkFJ" + LOWER[6:],
        "sk-admin-" + LOWER[:20] + "T3BlbkFJ" + UPPER[:20],
        "sk-" + UPPER[:20] + "T3BlbkFJ" + LOWER[:20],
        "sk-" + UPPER + LOWER[:22],  # the legacy 48 characters
    ],
    "an Anthropic API key": ["sk-ant-api03-" + UPPER + LOWER + DIGITS + "-_" + UPPER[:18] + "AA",
                             "sk-ant-admin01-" + LOWER + UPPER + DIGITS + "_-" + LOWER[:18] + "AA"],
    "an AWS access key ID": ["AKIA" + UPPER[:16], "ASIA" + UPPER[10:20] + "234567"],
    "a GitHub personal access token": ["ghp_" + UPPER + LOWER[:10]],
    "a GitHub OAuth access token": ["gho_" + LOWER + DIGITS],
    "a GitHub user-to-server token": ["ghu_" + DIGITS + UPPER],
    "a GitHub server-to-server token": ["ghs_" + LOWER[10:] + DIGITS + UPPER[:10]],
    "a GitHub refresh token": ["ghr_" + UPPER[10:] + LOWER[:20]],
    "a GitHub fine-grained personal access token": ["github_pat_11" + UPPER[:20] + "_" + LOWER + UPPER + DIGITS[:7]],
    "a Slack token": ["xoxb-1234567890-1234567890123-" + UPPER[:12] + LOWER[:12],
                      "xoxp-" + DIGITS + "-" + LOWER[:16]],
    "a Google API key": ["AIzaSy" + UPPER[:20] + LOWER[:13]],
    "a Stripe live secret key": ["sk_live_" + UPPER[:12] + LOWER[:12] + DIGITS[:4]],
    "a Stripe live restricted key": ["rk_live_" + DIGITS + UPPER[:14]],
    "a Hugging Face access token": ["hf_" + UPPER[:17] + LOWER[:17]],
    "a JSON Web Token": ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtcmVwb3J0aW5nIn0." + UPPER + LOWER[:17]],
}
SHAPES = [(name, key) for name, keys in KEYS.items() for key in keys]
PRIVATE_KEY = ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + UPPER + LOWER + DIGITS + "+/\n"
               + LOWER + UPPER + DIGITS + "/+\n-----END OPENSSH PRIVATE KEY-----")


def messages(results: list) -> list[str]:  # type: ignore[type-arg]
    return [result.message for result in results]


# --- PL601: shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "key"), SHAPES, ids=[key[:12] for _name, key in SHAPES])
def test_each_key_shape_is_found_named_and_masked(name: str, key: str) -> None:
    results = lint(native(f"Call the service with {key} when asked."))
    assert located(results) == [("PL601", 6, 29, 6, 29 + len(key))]
    message = results[0].message
    assert name in message and masked(key) in message and key not in message
    assert results[0].severity == "error"


def test_every_kind_in_the_table_has_a_test() -> None:
    names = {kind.name for kind in KEY_KINDS} - {"a private key", "a password in a URL"}
    assert names == set(KEYS)


def test_a_private_key_block_is_found_across_lines_and_a_bare_header_is_not() -> None:
    text = native("Sign with this key:\n" + PRIVATE_KEY)
    results = lint(text)
    assert located(results) == [("PL601", 7, 7, 10, 40)]
    assert "a private key (" + masked(UPPER + LOWER + DIGITS + "+/" + LOWER + UPPER + DIGITS + "/+") + ")" \
        in results[0].message
    assert lint(native("Private keys start with -----BEGIN RSA PRIVATE KEY----- and never reach you.")) == []
    truncated = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END PRIVATE KEY-----"
    assert lint(native(truncated)) == []


@pytest.mark.parametrize("url", [
    "postgres://reporting:Q7v!mZ2xLw9@db.acme-corp.io:5432/sales",
    "redis://:s3cr3tHunter42@cache.acme-corp.io:6379",
    "https://deploy:Tr0ub4dor3x@registry.acme-corp.io/v2/",
])
def test_a_password_in_a_url_is_reported_at_the_password(url: str) -> None:
    results = lint(native(f"Connect to {url} for the numbers."))
    password = url.split("://")[1].split("@")[0].split(":")[1]
    start = 6 + len("Connect to ") + url.index(":" + password + "@") + 1 + 1
    assert located(results) == [("PL601", 6, start, 6, start + len(password))]
    assert "a password in a URL" in results[0].message and password not in results[0].message


@pytest.mark.parametrize("url", [
    "postgres://user:password@db.acme-corp.io/app",  # says "password"
    "postgres://admin:admin@db.acme-corp.io/app",  # the user name again
    "postgres://app:Q7v!mZ2xLw9@db.example.com/app",  # a documentation host
    "postgres://${DB_USER}:${DB_PASSWORD}@db.acme-corp.io/app",
    "postgres://app:{password}@db.acme-corp.io/app",
    "postgres://app:<password>@db.acme-corp.io/app",
    "https://api.acme-corp.io:8443/v1/reports",  # a port, no password
])
def test_urls_without_a_real_password_are_quiet(url: str) -> None:
    assert lint(native(f"Connect to {url} for the numbers.")) == []


# --- PL601: placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Export the key as OPENAI_API_KEY=sk-... before you start.",
    "Paste sk-xxxx into the settings.",
    "An unset key shows as sk-" + "x" * 48 + " in the logs.",
    "An unset key shows as sk-proj-XXXXXXXXXXXXXXXXXXXXT3BlbkFJXXXXXXXXXXXXXXXXXXXX in the logs.",
    "Replace <your-key> or YOUR_API_KEY with the key from the dashboard.",
    "The key is XXXX-XXXX-XXXX.",
    "The key comes from ${OPENAI_API_KEY} at run time.",
    "The AWS guide uses AKIAIOSFODNN7EXAMPLE as its sample id.",
    "Use the dummy key sk_live_dummyDUMMYdummyDUMMY1234 in tests.",
    "Use the key changeme, or sk-proj-changemeCHANGEME1234T3BlbkFJchangemeCHANGEME12 as a stand-in.",
    "Keys are shown as *** or <redacted> in logs.",
    "A token looks like ghp_... and a Slack bot token like xoxb-your-token-here.",
    "The jwt.io sample eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0Ijo"
    "xNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c is not anyone's token.",
    "Low entropy is no key: AKIAAAAAAAAAAAAAAAAA, ghp_" + "ab" * 18 + ".",
    "Press the Enter key to submit. Key points come first; the key takeaway is brevity.",
    "The gateway passes the key as {{ api_key }}.",
])
def test_placeholders_and_the_word_key_are_quiet(text: str) -> None:
    assert lint(native(text)) == []


def test_comments_are_not_text() -> None:
    text = "id: t\nversion: 1.0.0\n# the old key was sk-" + UPPER + LOWER[:22] + "\nmessages:\n" \
           "  - role: system\n    content: Answer briefly.  # ghp_" + UPPER + LOWER[:10] + "\n"
    assert lint(text) == []


def test_allow_fingerprints_accepts_a_listed_key() -> None:
    key = "ghp_" + UPPER + LOWER[:10]
    digest = hashlib.sha256(key.encode()).hexdigest()
    results = lint(native(f"Use {key}."))
    assert any(digest in line for line in results[0].evidence)
    assert lint(native(f"Use {key}."), options={"PL601": {"allow-fingerprints": [digest.upper()]}}) == []


# --- PL601: where keys hide ---------------------------------------------------------------------------


def test_keys_in_variable_defaults_metadata_and_comments_of_the_data() -> None:
    key = "sk-" + UPPER + LOWER[:22]
    text = (f"id: t\nversion: 1.0.0\nvariables:\n  token: {{trust: trusted, default: \"{key}\"}}\n"
            f"metadata:\n  owner_key: {key}\nx-notes: \"old key: {key}\"\nmessages:\n"
            "  - role: system\n    content: \"Session {{ token }}.\"\n")
    results = lint(text)
    lines = text.split("\n")
    assert located(results) == [("PL601", line, lines[line - 1].index(key) + 1, line, lines[line - 1].index(key) + 52)
                                for line in (4, 6, 7)]
    assert [result.message.split(" contains")[0] for result in results] == [
        "the value at 'variables.token.default'", "the value at 'metadata.owner_key'", "the value at 'x-notes'"]


def test_a_key_in_a_json_string_with_escapes_is_located_in_the_source() -> None:
    key = "AIzaSy" + UPPER[:20] + LOWER[:13]
    tool = ('{"name": "geocode", "description": "Geocode \\"addresses\\" (caf\\u00e9s too)\\nwith ' + key
            + '.", "inputSchema": {"type": "object", "properties": {"q": {"type": "string", '
              '"description": "Query.", "examples": ["' + key + '"]}}}}')
    results = lint(tool, "geocode.json")
    first = tool.index(key) + 1
    second = tool.rindex(key) + 1
    assert located(results) == [("PL601", 1, first, 1, first + len(key)), ("PL601", 1, second, 1, second + len(key))]
    assert "the description of tool 'geocode'" in results[0].message
    assert "inputSchema.properties.q.examples[0]" in results[1].message


def test_a_key_in_a_prompty_body_and_its_configuration() -> None:
    key = "sk-" + UPPER + LOWER[:22]
    text = ("---\nname: x\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    api_key: " + key
            + "\n---\nsystem:\nYou help.\n  Use " + key + " for the CRM.\n\nuser:\nHi\n")
    assert located(lint(text, "x.prompty")) == [("PL601", 7, 14, 7, 65), ("PL601", 11, 7, 11, 58)]


def test_a_key_in_a_folded_block_scalar_keeps_its_place() -> None:
    key = "ghp_" + UPPER + LOWER[:10]
    text = (f"id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: >-\n      Read issues\n\n"
            f"      with {key}.\n")
    assert located(lint(text)) == [("PL601", 8, 12, 8, 52)]


# --- PL602 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "name", "value"), [
    ("Connect with db_password: Xk9q!vT2rLp8 and never write.", "db_password", "Xk9q!vT2rLp8"),
    ("The admin password is Abc123Def456Ghi789.", "password", "Abc123Def456Ghi789"),
    ('The client sends {"api_key": "Zq8xW3vT5rLp9NmK"} to the gateway.', "api_key", "Zq8xW3vT5rLp9NmK"),
    ("Set API_SECRET=Zq8xW3vT5rLp9NmK in the shell.", "API_SECRET", "Zq8xW3vT5rLp9NmK"),
    ("Call https://api.acme-corp.io/v1?apiKey=Zq8xW3vT5rLp9NmK&format=json.", "apiKey", "Zq8xW3vT5rLp9NmK"),
    ("Send the header X-Api-Key: 3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e.", "X-Api-Key", "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"),
    ("Your access token: Tk3nAbc123Def456, valid for an hour.", "access_token", "Tk3nAbc123Def456"),
    ("Use client_secret=Xk9q!vT2rLp8Wm4 when it expires.", "client_secret", "Xk9q!vT2rLp8Wm4"),
    ("The aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY9q2Lm4Np.", "aws_secret_access_key",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCY9q2Lm4Np"),
])
def test_credential_like_assignments_in_text(text: str, name: str, value: str) -> None:
    results = lint(native(text))
    start = 7 + text.index(value)
    assert located(results) == [("PL602", 6, start, 6, start + len(value))]
    assert f"'{name}'" in results[0].message and value not in results[0].message and mask(value) in results[0].message
    assert results[0].severity == "warning"


def test_a_bearer_token_is_an_assignment_of_its_own() -> None:
    results = lint(native("Send Authorization: Bearer Abc123Def456Ghi789Jkl on each call."))
    assert located(results) == [("PL602", 6, 34, 6, 55)]
    assert "sends a bearer token" in results[0].message


@pytest.mark.parametrize("text", [
    "Requests carry api_key: {{ api_key }} and token: {{ token }}.",
    "Read api_key={api_key} and password=%DB_PASSWORD% and secret=$APP_SECRET.",
    "The script sets API_KEY=OPENAI_API_KEY and secret: os.environ['APP_SECRET'].",
    "The token: ${SERVICE_TOKEN}, the key: ${env:KEY}, the password: process.env.DB_PASSWORD.",
    "A password: required, at least 12 characters long; the secret: Authorization header.",
    "Paginate with page_token: CAoQAA2024xyz until nextPageToken: is empty; set max_tokens: 4096.",
    "The primary key: order_id_2024; the sort_key: created_at_20240517.",
    "A token looks like token: <your-token>, a password like password=changeme123, api_key=sk-...",
    "Passwords are hashed; the password: hunter2 is too short to be one.",
    "Read the secret from secret: projects/42/secrets/db-pass/versions/3 or arn:aws:secretsmanager:eu-west-1.",
    "The api_key: https://vault.acme-corp.io/v1/kv/reporting2 holds it; the password: /run/secrets/db2.",
    "Press the Enter key: it sends the form. Key points: summary first, details 2nd.",
    "The special token: <|endoftext|> ends a document; the eos_token: </s2>.",
    "In code: secret_key = settings.SECRET_KEY2, api_key: Optional[str] = None, password = getpass(prompt2).",
    "The secret_hash: 9f86d081884c7d659a2feaa0c55ad015 and token_count: 12345678 are not secrets.",
])
def test_assignments_without_a_secret_value_are_quiet(text: str) -> None:
    assert lint(native(text)) == []


def test_data_assigned_to_a_credential_key() -> None:
    tool = json.dumps({"name": "login", "description": "Log in.", "inputSchema": {"type": "object", "properties": {
        "password": {"type": "string", "default": "Pw9!xQ4mZr7Lk2Vb"},
        "apiKey": {"type": "string", "examples": ["Zq8xW3vT5rLp9NmK", "{api_key}"]},
        "sort_key": {"type": "string", "default": "Zq8xW3vT5rLp9NmK"},
        "page_token": {"type": "string", "default": "CAoQAA2024xyzQ"}}}}, indent=1)
    results = lint(tool, "login.json")
    assert [(result.rule_id, result.message.split(" assigns")[0]) for result in results] == [
        ("PL602", "the value at 'inputSchema.properties.password.default'"),
        ("PL602", "the value at 'inputSchema.properties.apiKey.examples[0]'")]


def test_prompty_configuration_references_are_quiet_and_literals_are_not() -> None:
    front = ("---\nname: x\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    api_key: {}\n---\n"
             "system:\nHi.\n")
    assert lint(front.format("${env:OPENAI_API_KEY}"), "x.prompty") == []
    assert lint(front.format("${env:WEATHER_API_KEY:demo}"), "x.prompty") == []
    assert located(lint(front.format('"Zq8xW3vT5rLp9NmK"'), "x.prompty")) == [("PL602", 7, 15, 7, 31)]


def test_a_known_key_shape_is_reported_once_by_pl601() -> None:
    key = "sk-" + UPPER + LOWER[:22]
    results = lint(native(f"Set api_key: {key} first.") + "  - role: user\n    content: Hi\n"
                   + "metadata:\n  api_key: " + key + "\n")
    assert [result.rule_id for result in results] == ["PL601", "PL601"]


@pytest.mark.parametrize(("name", "secret"), [
    ("api_key", True), ("apiKey", True), ("X-Api-Key", True), ("Ocp-Apim-Subscription-Key", True),
    ("OPENAI_API_KEY", True), ("db_password", True), ("client_secret", True), ("access_token", True),
    ("githubToken", True), ("token", True), ("passphrase", True), ("primary_key", False), ("key", False),
    ("sort_key", False), ("max_tokens", False), ("page_token", False), ("nextPageToken", False),
    ("eos_token", False), ("keyboard", False), ("tokenizer", False), ("secretary", False),
])
def test_credential_names(name: str, secret: bool) -> None:
    assert credential_name(name) is secret


def test_entropy_bound_scales_with_length() -> None:
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
    assert random_enough("Xk9q!vT2rLp8")  # 12 distinct characters: log2(12) = 3.58 bits
    assert random_enough("Summer2024!x")  # a real password of 12 characters reaches the scaled bound
    assert not random_enough("aaaaaaaab1")
    assert not random_enough("abababababababababababab")
    assert random_enough("AKIA" + "QBCDEFGHIJ234567"[:16])


# --- masking in every report format -------------------------------------------------------------------


def test_no_report_format_prints_a_whole_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-proj-" + UPPER[:20] + "T3BlbkFJ" + LOWER[:20]
    other = "ghp_" + UPPER + LOWER[:10]
    password = "Xk9q!vT2rLp8"
    url_password = "Q7v!mZ2xLw9Pp"
    email = "priya.raman@northwind-mail.io"
    card = "4123 4567 8901 2349"
    write(tmp_path / "leaky.prompt.yaml", native(
        f"Call the CRM with {key}.\nThe bot uses {other} too.\nConnect with db_password: {password} now.\n"
        f"Read postgres://app:{url_password}@db.acme-corp.io/sales daily.\n"
        f"Write to {email} about card {card}."))
    monkeypatch.chdir(tmp_path)
    secrets = (key, other, password, url_password, email, card)
    for output_format in ("text", "json", "sarif", "github"):
        result = invoke("check", "leaky.prompt.yaml", "--format", output_format)
        assert result.exit_code == 1, result.output
        assert "PL601" in result.stdout and "PL602" in result.stdout and "PL603" in result.stdout
        for secret in secrets:
            assert secret not in result.stdout, (output_format, secret)
            assert secret not in result.stderr, (output_format, secret)
        result = invoke("check", "leaky.prompt.yaml", "--format", output_format, "--output", "report.out")
        written = (tmp_path / "report.out").read_text("utf-8")
        assert written and not any(secret in written for secret in secrets), output_format


def test_the_text_report_masks_neighbouring_secrets_in_each_code_frame(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "ghp_" + UPPER + LOWER[:10], "gho_" + LOWER + DIGITS
    write(tmp_path / "two.prompt.yaml", native(f"Read with {first}\nand write with {second}."))
    monkeypatch.chdir(tmp_path)
    output = invoke("check", "two.prompt.yaml", "--select", "PL601").stdout
    assert output.count("error[PL601]") == 2
    assert first not in output and second not in output
    assert f"Read with {mask(first)}" in output and f"and write with {mask(second)}." in output


def test_a_secret_stays_masked_in_other_rules_code_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # PL002 reports the line below the key: its code frame shows the key's line too
    monkeypatch.chdir(tmp_path)
    key = "sk-proj-" + UPPER[:20] + "T3BlbkFJ" + LOWER[:20]
    write(tmp_path / "p.prompt.yaml", "id: p\nmessages:\n  - role: system\n    content: |\n"
                                      f"      Use {key} for the CRM.\n      Greet {{{{ nme }}}}.\n")
    text = invoke("check", "p.prompt.yaml").stdout
    assert "error[PL002]" in text and "error[PL601]" in text and key not in text
