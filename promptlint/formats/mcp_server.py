"""MCP server manifests: the MCP registry's `server.json` and the docker MCP registry's `server.yaml`.

`server.json` (`$schema` ending in `server.schema.json`): `name`, `description`, `version`,
`packages[]` (`registryType`, `identifier`, `environmentVariables[{name, description, isSecret,
default}]`, `packageArguments`, `runtimeArguments`) and `remotes[]` (`type`, `url`, `headers`).
Docker's `server.yaml`: `name`, `type: server | remote | poci`, `about{title, description}`,
`config{secrets, env, parameters}`, `remote{url}`.

Neither lists tools (docker keeps them in `tools.json`, read as a tool listing). What they hold
that matters is text: the description users and MCP clients are shown, and the defaults and
values of environment variables and headers, which are configuration committed to git. The
document is its data: the rules that read every string of a file (secrets, hidden characters,
endpoints) see all of it; the description is also the document's description, as prose.
"""

from __future__ import annotations

from promptlint.model import Document, Node, SourceFile

SCHEMA_SUFFIX = "server.schema.json"
DOCKER_TYPES = frozenset({"server", "remote", "poci"})


def looks_like_mcp_server(source: SourceFile, root: Node) -> bool:
    if root.kind != "mapping":
        return False
    schema = root.get("$schema")
    if schema is not None and (schema.string() or "").endswith(SCHEMA_SUFFIX):
        return True
    name = source.path.name
    if name == "server.json":
        return root.get("name") is not None and any(root.get(key) is not None for key in ("packages", "remotes"))
    if name in ("server.yaml", "server.yml"):
        kind = root.get("type")
        return root.get("name") is not None and kind is not None and kind.string() in DOCKER_TYPES \
            and root.get("about") is not None
    return False


def read_mcp_server(source: SourceFile, root: Node) -> Document | None:
    if not looks_like_mcp_server(source, root):
        return None
    document = Document(source=source, format="mcp-server", root=root, template_syntax="none")
    about = root.get("about")
    description = root.get("description") or (about.get("description") if about is not None else None)
    document.metadata.id = root.get("name")
    document.metadata.version = root.get("version")
    document.metadata.description = description if description is not None and description.text else None
    return document
