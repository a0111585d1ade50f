"""The native versioned prompt file, `*.prompt.yaml` (format: promptlint/schemas/prompt.schema.json)."""

from __future__ import annotations

from promptlint.formats.chat import read_messages
from promptlint.formats.schema_check import schema_problems
from promptlint.formats.semantic_kernel import looks_like_template, read_template
from promptlint.formats.tools import tool_from_node
from promptlint.loaders.yaml_tree import load_yaml
from promptlint.model import Document, Node, OutputSchema, Problem, SourceFile, Tool, Variable

SCHEMA = "prompt.schema.json"


def read_native(source: SourceFile) -> Document | None:
    document = Document(source=source, format="native", declares_variables=True)
    root, problems = load_yaml(source)
    if root is not None and _is_semantic_kernel(root):
        # Semantic Kernel also names its templates *.prompt.yaml: its reader's when the shape is SK's own
        return read_template(source, root, problems) if looks_like_template(root) else None
    document.problems.extend(problems)
    if root is None:
        if not problems:
            document.problems.append(Problem(
                "empty prompt file: a native prompt needs at least 'id' and 'messages'", source.span(0, 0)))
        return document
    if root.kind != "mapping":
        document.problems.append(Problem("a native prompt file must be a YAML mapping (id, version, messages, ...)",
                                         root.span))
        return document
    document.root = root
    document.problems.extend(schema_problems(root, SCHEMA))
    metadata = document.metadata
    metadata.id = root.get("id")
    metadata.version = root.get("version")
    metadata.description = root.get("description")
    metadata.model = root.get("model")
    metadata.layer = root.get("layer")
    extends = root.get("extends")
    if extends is not None:
        metadata.extends = extends.elements() if extends.kind == "sequence" else [extends]
    document.variables = read_variables(root.get("variables"))
    document.messages = read_messages(root.get("messages"), document.template_syntax)
    for message in document.messages:
        document.problems.extend(message.template.problems)
    document.tools = _read_tools(root.get("tools"))
    output = root.get("output")
    schema = output.get("schema") if output is not None else None
    if output is not None and schema is not None and schema.kind == "mapping":
        output_format = output.get("format")
        document.output = OutputSchema(schema, schema.span, output_format.string() if output_format else None)
    return document


def _is_semantic_kernel(root: Node) -> bool:
    """A Semantic Kernel prompt template: `template` with `template_format`/`input_variables`."""
    return (root.kind == "mapping" and root.get("template") is not None and root.get("messages") is None
            and (root.get("template_format") is not None or root.get("input_variables") is not None))


def read_variables(node: Node | None) -> dict[str, Variable]:
    variables: dict[str, Variable] = {}
    for name, spec in node.items() if node is not None else ():
        trust = spec.get("trust")
        max_tokens = spec.get("max_tokens")
        description = spec.get("description")
        variables[name] = Variable(
            name=name,
            span=spec.key_span or spec.span,
            trust=trust.value if trust is not None and trust.value in ("trusted", "untrusted") else "unknown",
            max_tokens=max_tokens.value if max_tokens is not None and isinstance(max_tokens.value, int) else None,
            description=description.string() if description is not None else None,
        )
    return variables


def _read_tools(node: Node | None) -> list[Tool]:
    tools: list[Tool] = []
    for item in node.elements() if node is not None else ():
        reference = item.get("$ref")
        if reference is not None and reference.string():
            # resolved by the cross-file analyses; the referenced file is linted on its own
            tools.append(Tool(name="", span=item.span, provider="native", node=item, ref=reference.string()))
            continue
        tool = tool_from_node(item)
        if tool is not None:
            tools.append(tool)
    return tools
