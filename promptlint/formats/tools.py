"""Tool definitions of OpenAI, Anthropic and MCP, read into `Tool`s.

Shapes understood (one tool, a list, or a wrapper around a list):
- OpenAI: `{"type": "function", "function": {name, description, parameters}}`, the flat
  Responses form `{"type": "function", name, parameters}` and legacy `functions` items
  `{name, description, parameters}`;
- Anthropic: `{name, description, input_schema}`;
- MCP: `{name, description, inputSchema, annotations}`, and a `tools/list` result;
- the docker MCP registry's `tools.json`: `{name, description, arguments: [{name, type, desc}]}`.
"""

from __future__ import annotations

from promptlint.model import Node, Tool


def tool_from_node(node: Node) -> Tool | None:
    """The tool a mapping defines, or None when it is not a tool definition."""
    if node.kind != "mapping":
        return None
    function = node.get("function")
    type_node = node.get("type")
    if type_node is not None and type_node.value == "function" and function is not None and function.kind == "mapping":
        return _tool(function, node, "openai", function.get("parameters"))
    if node.get("input_schema") is not None:
        return _tool(node, node, "anthropic", node.get("input_schema"))
    if node.get("inputSchema") is not None:
        return _tool(node, node, "mcp", node.get("inputSchema"))
    if node.get("parameters") is not None and node.get("name") is not None:
        return _tool(node, node, "openai", node.get("parameters"))
    arguments = node.get("arguments")
    if arguments is not None and arguments.kind == "sequence" and node.get("name") is not None \
            and all(item.kind == "mapping" and item.get("name") is not None for item in arguments.elements()):
        return _summary(_tool(node, node, "mcp", _registry_schema(arguments)))
    return None


def _summary(tool: Tool) -> Tool:
    tool.schema_summary = True
    return tool


def _registry_schema(arguments: Node) -> Node:
    """The docker MCP registry lists a tool's `arguments` as `[{name, type, desc}]`: the same
    parameters as a JSON Schema object, built from the located nodes so every span stays exact."""
    properties: dict[str, Node] = {}
    for item in arguments.elements():
        name_node = item.get("name")
        name = name_node.string() if name_node is not None else None
        if not name:
            continue
        # every JSON Schema keyword the listing gives (type, items, enum, ...), `desc` as the description
        members = {("description" if key == "desc" else key): value for key, value in item.items()
                   if key != "name" and not (key == "description" and item.get("desc") is not None)}
        properties[name] = Node("mapping", members, item.span, key_span=name_node.span if name_node else None)
    object_type = Node("scalar", "object", arguments.span)
    return Node("mapping", {"type": object_type, "properties": Node("mapping", properties, arguments.span)},
                arguments.span, key_span=arguments.key_span)


def tools_from_list(node: Node | None) -> list[Tool]:
    if node is None or node.kind != "sequence":
        return []
    tools = []
    registry = _is_registry_list(node)
    for item in node.elements():
        tool = tool_from_node(item)
        if tool is None and registry and item.kind == "mapping":  # a registry tool that takes no arguments
            tool = _summary(_tool(item, item, "mcp", _registry_schema(Node("sequence", [], item.span))))
        if tool is not None:
            tools.append(tool)
    return tools


def _is_registry_list(node: Node) -> bool:
    """A docker MCP registry list: every item names and describes a tool, some list `arguments`."""
    items = node.elements()
    return any(item.get("arguments") is not None for item in items) and all(
        item.kind == "mapping" and item.get("name") is not None and item.get("description") is not None
        for item in items)


def looks_like_tools(node: Node) -> bool:
    """Whether a data file holds tool definitions (checked on content, for .json and .yaml)."""
    if node.kind == "sequence":
        return bool(node.elements()) and (_is_registry_list(node) or all(
            tool_from_node(item) is not None for item in node.elements()))
    if tool_from_node(node) is not None:
        return True
    for key in ("tools", "functions"):
        listed = node.get(key)
        if listed is not None and tools_from_list(listed):
            return True
    result = node.get("result")
    return result is not None and looks_like_tools(result)


def tools_in(node: Node) -> list[Tool]:
    """Every tool definition a tool file holds, in source order."""
    if node.kind == "sequence":
        return tools_from_list(node)
    single = tool_from_node(node)
    if single is not None:
        return [single]
    found: list[Tool] = []
    for key in ("tools", "functions"):
        found.extend(tools_from_list(node.get(key)))
    result = node.get("result")
    if result is not None and result.kind == "mapping":
        found.extend(tools_in(result))
    return found


def _tool(definition: Node, whole: Node, provider: str, parameters: Node | None) -> Tool:
    name_node = definition.get("name")
    description = definition.get("description")
    name = name_node.string() if name_node is not None else None
    return Tool(
        name=name or "",
        span=whole.span,
        provider=provider,  # type: ignore[arg-type]
        name_span=name_node.span if name_node is not None else None,
        name_text=name_node.text if name_node is not None else None,
        description=description.text if description is not None else None,
        parameters=parameters,
        annotations=definition.get("annotations"),
        node=whole,
    )
