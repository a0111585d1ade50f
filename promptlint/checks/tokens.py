"""Token budgets (PL401-PL408), from the shared analysis in promptlint/budget.py.

Each rule first asks the cheap upper bound (UTF-8 bytes; no encoding loaded) and counts
exactly only when the bound does not settle it: a pre-commit run over small files never
loads an encoding.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptlint.budget import CAP_FORMATS, Budget, budget_analysis
from promptlint.context import CheckContext
from promptlint.findings import Finding
from promptlint.model import Document, Span

# what Claude Code subagents and similar files write instead of a model id: the runtime chooses
RUNTIME_CHOSEN = frozenset({"inherit", "default", "auto", "sonnet", "opus", "haiku"})


def _n(value: int) -> str:
    return f"{value:,}"


def _where(document: Document, budget: Budget) -> Span:
    """The model key, else the first message, else the top of the file."""
    if budget.model_node is not None:
        return budget.model_node.span
    if document.messages:
        return document.messages[0].span
    return document.source.span(0, 0)


def _breakdown(budget: Budget, reserve: int, input_only: bool = False) -> str:
    parts = [f"static {_n(budget.static())}"]
    if budget.tools:
        parts.append(f"tools {_n(budget.tool_tokens())}")
    if budget.variables:
        parts.append(f"variables {_n(budget.variable_tokens())}")
    if not input_only:
        parts.append(f"output {_n(reserve)}")
    return " + ".join(parts)


def _lower_bound_note(budget: Budget) -> str:
    unbounded = budget.unbounded()
    if not unbounded:
        return ""
    names = ", ".join(f"'{variable.name}'" for variable in unbounded[:3])
    verbs = ("has", "counts") if len(unbounded) == 1 else ("have", "count")
    return f"; a lower bound: {names} {verbs[0]} no max_tokens and {verbs[1]} as 0"


def context_window_exceeded(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    model = budget.model
    if model is None or not document.messages:
        return  # a tool file alone is no request: its cost is PL408's
    default = int(context.options.get("default-reserve") or 4096)
    reserve = budget.reserve(default)
    cap = model.max_input_tokens
    if budget.worst_case(False, default) <= model.context_window and (
            cap is None or budget.input_tokens(False) <= cap):
        return  # the byte bound already fits: no encoding needed
    worst = budget.worst_case(True, default)
    reserved = "" if budget.output is not None else \
        f"; no output cap is set, so {_n(reserve)} tokens are reserved for the answer"
    if worst > model.context_window:
        yield context.finding(_where(document, budget), (
            f"worst case {_breakdown(budget, reserve)} = {_n(worst)} > {_n(model.context_window)} for "
            f"{budget.describe_model()}, {model.method}{_lower_bound_note(budget)}{reserved}: the request does not "
            "fit the context window"))
    elif cap is not None and budget.input_tokens(True) > cap:
        total = budget.input_tokens(True)
        yield context.finding(_where(document, budget), (
            f"worst-case input {_breakdown(budget, reserve, input_only=True)} = {_n(total)} > {_n(cap)} input "
            f"tokens allowed for {budget.describe_model()}, {model.method}{_lower_bound_note(budget)}"))


def context_budget_high(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    model = budget.model
    if model is None or not document.messages:
        return
    options = context.options
    default = 4096
    if budget.worst_case(False, default) > model.context_window and \
            budget.worst_case(True, default) > model.context_window:
        return  # an overrun is PL401's
    where = _where(document, budget)
    share = options.get("max-static-share")
    window = model.context_window
    if share is not None and budget.static(False) + budget.tool_tokens(False) > share * window:
        static = budget.static() + budget.tool_tokens()
        if static > share * window:
            yield context.finding(where, (
                f"static text and tool definitions take {static / window:.0%} of {budget.describe_model()}'s "
                f"{_n(window)}-token window ({_n(static)} tokens, {model.method}; budget {share:.0%}): little room "
                "is left for the data, and instructions far from the end of a long context are followed less"))
    total = options.get("max-total")
    if total is not None and budget.worst_case(False, default) > total and budget.worst_case(True, default) > total:
        yield context.finding(where, (
            f"worst case {_breakdown(budget, budget.reserve(default))} = {_n(budget.worst_case(True, default))} "
            f"tokens is above the budget of {_n(total)} ({model.method})"))
    system = options.get("max-system")
    if system is not None and budget.system(False) > system and budget.system(True) > system:
        yield context.finding(where, (
            f"the system and developer messages cost {_n(budget.system())} tokens, above the budget of "
            f"{_n(system)} ({model.method})"))


def output_limit_exceeds_model(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    model = budget.model
    if model is None or budget.output is None or budget.output_node is None or model.max_output_tokens is None:
        return
    if budget.output > model.max_output_tokens:
        key = budget.output_node
        yield context.finding(key.key_span or key.span, (
            f"output limit {_n(budget.output)} is above {budget.describe_model()}'s maximum output of "
            f"{_n(model.max_output_tokens)} tokens; the API rejects the request (or a reseller clips it)"))


def unbounded_variable(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    if budget.model is None or document.format != "native":
        return  # only the native format can declare max_tokens on a variable
    for variable in budget.unbounded():
        if not variable.untrusted or not variable.declared_here:
            continue
        yield context.finding(variable.span, (
            f"untrusted variable '{variable.name}' has no max_tokens: nothing bounds the tokens it adds to each "
            f"call to {budget.describe_model()}, so the worst case cannot be computed and a long value costs in "
            "full; declare max_tokens and have the application truncate to it"),
            evidence=(variable.trust_evidence,))


def unknown_model(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    name = budget.model_name
    if budget.model is not None or budget.model_node is None or not name or budget.inline_window:
        return
    if any(mark in name for mark in ("${", "{{", "$", "%")) or name.lower() in RUNTIME_CHOSEN:
        return  # filled in at run time: nothing to look up
    from promptlint.budget import registry_for

    close = registry_for(context.settings).nearest(name)
    hint = f"did you mean {' or '.join(close)}? If not, " if close else ""
    inline = "declare its limits (model: {name, context_window, max_output_tokens}) or " \
        if document.format == "native" else ""
    yield context.finding(budget.model_node.span, (
        f"unknown model '{name}': promptlint's model registry does not know it, so its token budget is not "
        f"checked; {hint}{inline}add it under `models:` in the configuration"))


def output_budget_unset(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    name = budget.model_name
    if budget.model_node is None or budget.output is not None or document.format not in CAP_FORMATS:
        return
    if not name or name.lower() in RUNTIME_CHOSEN:
        return
    where = {"native": "model.max_output_tokens", "prompty": "model.parameters.max_tokens",
             "dotprompt": "config.maxOutputTokens", "chat": "max_completion_tokens (or max_tokens)",
             "semantic-kernel": "execution_settings max_tokens"}[document.format or "native"]
    yield context.finding(budget.model_node.span, (
        f"no output cap for {name}: a runaway generation is billed in full (Anthropic rejects a request without "
        f"one); set {where}"))


def cache_hostile_prefix(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    dynamic = budget.first_dynamic
    if budget.model is None or dynamic is None:
        return
    minimum = int(context.options.get("min-static-after") or 1024)
    if budget.after_dynamic(False) < minimum:
        return
    after = budget.after_dynamic(True)
    if after < minimum:
        return
    written = " ".join(dynamic.written.split())
    yield context.finding(dynamic.span, (
        f"'{written}' changes per request and comes before {_n(after)} static tokens, {budget.model.method}: "
        "providers cache only an unchanged prompt prefix (OpenAI from 1,024 tokens, Anthropic up to a "
        "cache_control breakpoint), so every call pays full price for them; put per-request values after the "
        "static instructions"))


def tool_definitions_budget(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = budget_analysis(document, context)
    model = budget.model
    if model is None or not budget.tools or budget.tool_span is None:
        return
    limit = int(context.options.get("max-tool-tokens") or 4000)
    share = float(context.options.get("max-window-share") or 0.1)
    threshold = min(limit, share * model.context_window)
    if budget.tool_tokens(False) <= threshold:
        return
    cost = budget.tool_tokens(True)
    if cost <= threshold:
        return
    yield context.finding(budget.tool_span, (
        f"{len(budget.tools)} tool definitions cost about {_n(cost)} tokens on every call to "
        f"{budget.describe_model()}, {model.method} (the provider's serialisation is approximated), above "
        f"{_n(int(threshold))} ({'max-tool-tokens' if threshold == limit else f'{share:.0%} of the window'}): "
        "send only the tools the task needs"))
