"""promptflow's `flow.dag.yaml`: the flow's inputs and its nodes. LLM nodes name the template
they render (read by `template_files`, which wires the node's inputs to the template's
variables) and may carry OpenAI `functions` as a JSON string inside the YAML: those are tools
the model is offered, read from the string with every span in this file."""

from __future__ import annotations

from promptlint.formats.tools import tools_in
from promptlint.loaders.json_tree import load_json_in
from promptlint.model import Document, Node, SourceFile

FLOW_FILES = frozenset({"flow.dag.yaml", "flow.dag.yml"})


def read_flow(source: SourceFile, root: Node) -> Document | None:
    if source.path.name not in FLOW_FILES or root.kind != "mapping" or root.get("nodes") is None:
        return None
    document = Document(source=source, format="promptflow", root=root, template_syntax="none")
    nodes = root.get("nodes")
    for node in nodes.elements() if nodes is not None else ():
        inputs = node.get("inputs")
        functions = inputs.get("functions") if inputs is not None else None
        if functions is None:
            continue
        listing = functions
        if functions.text is not None and functions.text.value.strip():
            listing, problems = load_json_in(functions.text)  # type: ignore[assignment]
            # the node fails at run time on JSON that does not parse; the rest of the flow still reads
            document.problems.extend(problem.__class__(f"'functions' {problem.message}", problem.span, False)
                                     for problem in problems)
        if listing is not None:
            document.tools.extend(tools_in(listing))
    return document
