"""MCP server manifests: the registry's server.json and docker's server.yaml are read as data, and
the rules that read every string of a file (secrets above all) see their committed configuration."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tool_helpers import lint, places

from promptlint.formats import read_document
from promptlint.model import Document

# a GitHub token of the right shape, made up for this test (its random part is not anyone's token)
TOKEN = "ghp_" + "Zq7Rk2Lm9Vt4Xw1Np8Hs3Jd6Fb0Gc5Ye2Ua7"
SERVER = f"""\
{{
  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  "name": "io.github.acme/issues",
  "description": "Reads and files issues in Acme's tracker.",
  "version": "1.4.0",
  "packages": [
    {{
      "registryType": "npm",
      "identifier": "@acme/issues-mcp",
      "version": "1.4.0",
      "transport": {{"type": "stdio"}},
      "environmentVariables": [
        {{"name": "TRACKER_TOKEN", "description": "Token for the tracker", "isSecret": true,
          "default": "{TOKEN}"}}
      ]
    }}
  ],
  "remotes": [{{"type": "streamable-http", "url": "https://mcp.acme.dev/issues"}}]
}}
"""


def read(folder: Path, name: str, content: str) -> Document | None:
    path = folder / name
    path.write_text(textwrap.dedent(content), "utf-8")
    return read_document(path, name)


def test_server_json_is_an_mcp_server_document(tmp_path: Path) -> None:
    doc = read(tmp_path, "server.json", SERVER)
    assert doc is not None
    assert (doc.format, doc.template_syntax) == ("mcp-server", "none")
    assert doc.messages == [] and doc.tools == [] and doc.problems == []
    assert doc.root is not None and doc.root.get("packages") is not None
    assert doc.metadata.id is not None and doc.metadata.id.string() == "io.github.acme/issues"
    assert doc.metadata.description is not None and doc.metadata.description.span.start_line == 4


def test_recognised_by_schema_or_by_name_and_shape(tmp_path: Path) -> None:
    by_schema = read(tmp_path, "acme-server.json", SERVER)
    assert by_schema is not None and by_schema.format == "mcp-server"
    plain = read(tmp_path, "server.json", '{"name": "x", "remotes": [{"type": "sse", "url": "https://x.dev"}]}')
    assert plain is not None and plain.format == "mcp-server"
    # another project's server.json (a dev-server setting, say) is not ours
    assert read(tmp_path, "server.json", '{"name": "dev", "port": 8080}') is None


def test_docker_registry_server_yaml(tmp_path: Path) -> None:
    doc = read(tmp_path, "server.yaml", """\
        name: acme-issues
        image: mcp/acme-issues
        type: server
        about:
          title: Acme issues
          description: Files issues in Acme's tracker.
        config:
          secrets:
            - name: acme-issues.token
              env: ACME_TOKEN
        """)
    assert doc is not None and doc.format == "mcp-server"
    assert doc.metadata.description is not None and doc.metadata.description.string() == \
        "Files issues in Acme's tracker."
    assert read(tmp_path, "server.yaml", "name: web\nport: 80\n") is None


def test_hard_coded_secret_default_is_found_at_its_place(tmp_path: Path) -> None:
    column = SERVER.splitlines()[13].index(TOKEN) + 1
    assert places(lint(tmp_path, SERVER, "ALL", name="server.json")) == [("PL601", 14, column)]


def test_a_default_is_assigned_to_the_name_beside_it_and_client_urls_are_configuration(tmp_path: Path) -> None:
    server = """\
{
  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  "name": "io.github.acme/db",
  "description": "Queries Acme's reporting database.",
  "packages": [{"registryType": "npm", "identifier": "@acme/db-mcp",
    "environmentVariables": [{"name": "DB_PASSWORD", "default": "q9Zr4TmX2vLp8KwB7nYd"}]}],
  "remotes": [{"type": "streamable-http", "url": "http://10.20.0.5:8080/mcp"}]
}
"""
    results = places(lint(tmp_path, server, "PL6", name="server.json"))
    column = server.splitlines()[5].index("q9Zr") + 1
    assert results == [("PL602", 6, column)]
