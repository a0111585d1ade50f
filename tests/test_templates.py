"""Template scanning: which names a Jinja or Handlebars template reads, binds and comments, and where."""

from __future__ import annotations

from pathlib import Path

from promptlint.model import SourceFile, Template, TemplateSyntax, Text
from promptlint.templates import scan_template


def scan(body: str, syntax: TemplateSyntax = "jinja", prefix: str = "") -> Template:
    """Scan `body` placed after `prefix` in a file, so positions are whole-file positions."""
    source = SourceFile(Path("t.txt"), "t.txt", prefix + body)
    return scan_template(Text.verbatim(body, source, len(prefix)), syntax, 3)


def names(template: Template) -> list[str]:
    return [use.name for use in template.uses]


def located(template: Template) -> list[tuple[str, int, int, int]]:
    return [(use.name, use.span.start_line, use.span.start_column, use.span.end_column) for use in template.uses]


def hbs(body: str) -> Template:
    return scan(body, "handlebars")


# --- Jinja ---------------------------------------------------------------------------------

def test_jinja_uses_with_exact_spans() -> None:
    template = scan("Hello {{ user }}!\nYou asked:\n  {{question}} {{- tail -}}", prefix="content: |\n")
    assert located(template) == [("user", 2, 10, 14), ("question", 4, 5, 13), ("tail", 4, 20, 24)]
    first = template.uses[0]
    assert (first.tag_span.start_line, first.tag_span.start_column, first.tag_span.end_column) == (2, 7, 17)
    assert first.message_index == 3
    assert not first.context_relative


def test_jinja_filters_are_not_variables() -> None:
    template = scan("{{ user.name | upper | truncate(10) }} {{ x|default(y) }}")
    assert names(template) == ["user", "x", "y"]
    assert template.uses[0].filters == ("upper", "truncate")
    assert template.uses[1].filters == ("default",)


def test_jinja_attributes_and_subscripts_read_only_the_root() -> None:
    template = scan("{{ order.items[0].price }} {{ data['key'] }} {{ a.b.c }}")
    assert names(template) == ["order", "data", "a"]


def test_jinja_for_targets_are_locals() -> None:
    template = scan("{% for k, v in pairs.items() %}{{ k }}={{ v }} {{ loop.index }}{% endfor %}{{ after }}")
    assert names(template) == ["pairs", "after"]
    assert {"k", "v"} <= template.locals
    assert located(template)[0] == ("pairs", 1, 16, 21)


def test_jinja_set_targets_are_locals_and_values_are_read() -> None:
    template = scan("{% set greeting = 'Hi ' ~ name %}{% set a, b = pair %}{{ greeting }}{{ a }}{{ b }}")
    assert names(template) == ["name", "pair"]
    assert {"greeting", "a", "b"} <= template.locals


def test_jinja_block_set_defines_its_target() -> None:
    template = scan("{% set intro %}Hello {{ who }}{% endset %}{{ intro }}")
    assert names(template) == ["who"]
    assert "intro" in template.locals


def test_jinja_namespace_attribute_assignment_reads_the_namespace() -> None:
    template = scan("{% set ns = namespace(total=0) %}{% set ns.total = ns.total + count %}")
    assert names(template) == ["count"]
    assert "ns" in template.locals


def test_jinja_macro_name_and_parameters_are_locals() -> None:
    template = scan("{% macro card(title, body='') %}{{ title }}: {{ body }} {{ footer }}{% endmacro %}"
                    "{{ card(heading) }}")
    assert names(template) == ["footer", "heading"]
    assert {"card", "title", "body"} <= template.locals


def test_jinja_raw_content_is_ignored() -> None:
    template = scan("{% raw %}{{ not_a_var }} {# not a comment #} {{ unclosed {% endraw %}{{ real }}")
    assert names(template) == ["real"]
    assert template.comments == []
    assert template.problems == []


def test_jinja_raw_with_whitespace_control() -> None:
    assert names(scan("{%- raw -%}{{ x }}{%- endraw -%}{{ y }}")) == ["y"]


def test_jinja_comments_are_recorded_and_hide_their_content() -> None:
    template = scan("a\n{# note {{ hidden }} #}{{ shown }}")
    assert names(template) == ["shown"]
    assert len(template.comments) == 1
    comment = template.comments[0]
    assert (comment.start_line, comment.start_column, comment.end_line, comment.end_column) == (2, 1, 2, 24)


def test_jinja_unclosed_expression_is_a_problem() -> None:
    template = scan("Ticket:\n  {{ ticket }\nbye", prefix="x\n")
    assert template.uses == []
    assert len(template.problems) == 1
    problem = template.problems[0]
    assert "'{{' is never closed with '}}'" in problem.message
    assert (problem.span.start_line, problem.span.start_column, problem.span.end_column) == (3, 3, 5)


def test_jinja_unclosed_statement_is_a_problem_and_earlier_uses_stay() -> None:
    template = scan("{{ a }} {% if b ")
    assert names(template) == ["a"]
    assert ["'{%' is never closed" in p.message for p in template.problems] == [True]


def test_jinja_keyword_arguments_are_not_read() -> None:
    template = scan("{{ fmt(value, width=w, fill='-') }} {{ items | map(attribute='name') | join(', ') }}")
    assert names(template) == ["fmt", "value", "w", "items"]


def test_jinja_tests_are_not_variables() -> None:
    template = scan("{% if x is defined and y is not none and z is divisibleby(3) %}{{ z }}{% endif %}")
    assert names(template) == ["x", "y", "z", "z"]


def test_jinja_string_literals_and_keywords_are_not_variables() -> None:
    template = scan("{{ 'name' }} {{ \"str {{ inner\" }} {{ a if cond else 'none' }} {{ true and not flag }}")
    assert names(template) == ["a", "cond", "flag"]


def test_jinja_dict_literal_keys_are_not_variables() -> None:
    assert names(scan("{{ {'a': b, c: d} }}")) == ["b", "d"]  # Nunjucks-style bare keys are strings


def test_jinja_globals_are_not_variables() -> None:
    assert names(scan("{% for i in range(n) %}{{ loop.index }}{{ caller() }}{% endfor %}")) == ["n"]


def test_jinja_with_block_binds_its_names() -> None:
    template = scan("{% with a = b %}{{ a }}{% endwith %}")
    assert names(template) == ["b"]
    assert "a" in template.locals


def test_jinja_import_binds_its_alias() -> None:
    template = scan("{% import 'macros.j2' as m %}{% from 'x' import y %}{{ m.f() }}{{ y() }}")
    assert names(template) == []
    assert {"m", "y"} <= template.locals


def test_none_syntax_scans_nothing() -> None:
    template = scan("{{ not_a_template }} {{ unclosed", "none")
    assert template.uses == [] and template.problems == []


# --- Handlebars ------------------------------------------------------------------------------

def test_handlebars_simple_uses_with_spans() -> None:
    template = scan("Hi {{name}} and\n{{ user.first }}", "handlebars", prefix="---\n")
    assert located(template) == [("name", 2, 6, 10), ("user", 3, 4, 8)]
    assert all(not use.context_relative for use in template.uses)


def test_handlebars_if_reads_its_condition_without_changing_context() -> None:
    template = hbs("{{#if x}}{{y}}{{else if z}}{{w}}{{else}}no{{/if}}")
    assert names(template) == ["x", "y", "z", "w"]
    assert [use.context_relative for use in template.uses] == [False] * 4


def test_handlebars_each_block_params_are_locals() -> None:
    template = hbs("{{#each items as |item idx|}}{{item.name}} {{idx}} {{@index}}{{/each}}")
    assert names(template) == ["items"]
    assert {"item", "idx"} <= template.locals
    assert located(template) == [("items", 1, 9, 14)]


def test_handlebars_uses_inside_each_and_with_are_context_relative() -> None:
    template = hbs("{{#each orders}}{{id}}{{../outer}}{{this}}{{/each}}"
                   "{{#with person}}{{first}}{{/with}}{{after}}")
    assert [(use.name, use.context_relative) for use in template.uses] == [
        ("orders", False), ("id", True), ("person", False), ("first", True), ("after", False)]


def test_handlebars_nested_blocks_restore_the_context() -> None:
    template = hbs("{{#each list}}{{#if flag}}{{v}}{{/if}}{{u}}{{/each}}{{w}}")
    assert [(use.name, use.context_relative) for use in template.uses] == [
        ("list", False), ("flag", True), ("v", True), ("u", True), ("w", False)]


def test_handlebars_inverted_section_closes_its_own_block() -> None:
    template = hbs("{{#each items}}{{^empty}}none{{/empty}}{{name}}{{/each}}{{top}}")
    assert [(use.name, use.context_relative) for use in template.uses] == [
        ("items", False), ("empty", True), ("name", True), ("top", False)]


def test_handlebars_root_reference_is_not_context_relative() -> None:
    template = hbs("{{#each items}}{{@root.customer.name}}{{/each}}")
    use = template.uses[1]
    assert (use.name, use.context_relative) == ("customer", False)
    assert (use.span.start_column, use.span.end_column) == (18, 32)


def test_handlebars_partials_and_comments_read_nothing() -> None:
    template = hbs("{{> header}}{{! says {{x}}}}{{!-- long {{y}} }} --}}{{z}}")
    assert names(template) == ["z"]
    assert len(template.comments) == 2
    long_comment = template.comments[1]
    assert (long_comment.start_column, long_comment.end_column) == (29, 53)


def test_handlebars_helpers_are_not_variables() -> None:
    template = hbs('{{json data}} {{media url=photo}} {{#if (eq a "b")}}{{/if}} {{lookup obj key}}')
    assert names(template) == ["data", "photo", "a", "obj", "key"]
    assert located(template)[1] == ("photo", 1, 27, 32)


def test_handlebars_role_and_bare_helpers_read_nothing() -> None:
    assert hbs('{{role "system"}}{{history}}{{section "x"}}').uses == []


def test_handlebars_triple_stash_and_ampersand_are_reads() -> None:
    template = hbs("{{{raw_html}}} {{&also_raw}} {{~trimmed~}}")
    assert located(template) == [("raw_html", 1, 4, 12), ("also_raw", 1, 19, 27), ("trimmed", 1, 33, 40)]


def test_handlebars_escaped_mustache_is_literal() -> None:
    assert names(hbs("\\{{literal}} {{real}}")) == ["real"]


def test_handlebars_section_block_reads_its_name_and_changes_context() -> None:
    template = hbs("{{#section}}{{inner}}{{/section}}")
    assert [(use.name, use.context_relative) for use in template.uses] == [("section", False), ("inner", True)]


def test_many_unclosed_tags_give_one_problem_each_kind_and_later_tags_still_count() -> None:
    template = scan("{{ a " * 500 + "{% if x %}" + "{# note" * 3)
    assert [problem.message.split("'")[1] for problem in template.problems] == ["{{", "{#"]
    assert names(template) == ["x"]  # the statement has its own closer
    closed_later = scan("{{ a {{ b }} {% if x %}")
    assert names(closed_later) == ["a", "b", "x"]


def test_handlebars_text_after_an_unclosed_tag_is_not_scanned() -> None:
    template = hbs("{{name}} and {{ broken " + "{{ " * 100)
    assert names(template) == ["name"]


# --- Handlebars raw blocks -------------------------------------------------------------------

def test_handlebars_raw_block_content_is_literal_text() -> None:
    template = hbs("{{{{raw}}}}{{undeclared}} {{#each items}}{{/each}} {{ open {{{{/raw}}}} {{real}}")
    assert located(template) == [("real", 1, 75, 79)]
    assert (template.problems, template.comments, template.locals) == ([], [], set())


def test_handlebars_raw_block_helper_is_not_read_but_its_arguments_are() -> None:
    template = hbs("{{{{raw-helper value key=other}}}}{{x}}{{{{/raw-helper}}}}")
    assert located(template) == [("value", 1, 16, 21), ("other", 1, 26, 31)]


def test_handlebars_raw_blocks_nest_and_close_only_at_an_exact_closer() -> None:
    template = hbs("{{{{raw}}}} {{{{raw}}}} {{a}} {{{{/raw}}}} {{b}} {{{{/ raw}}}} {{{{/raw }}}} {{/raw}} {{c}}"
                   "{{{{/raw}}}}{{d}}")
    assert names(template) == ["d"]


def test_handlebars_unclosed_raw_block_is_literal_to_the_end() -> None:
    template = hbs("{{x}} {{{{raw}}}} {{a}} {{#each b}}")
    assert names(template) == ["x"]
    assert template.problems == []


# --- Jinja string literals inside tags ---------------------------------------------------------

def test_jinja_closer_inside_a_string_literal_does_not_end_the_tag() -> None:
    assert located(scan('{{ "}}" ~ name }}')) == [("name", 1, 11, 15)]
    statement = scan('{% set x = "%}" ~ suffix %}{{ x }}')
    assert names(statement) == ["suffix"]
    assert "x" in statement.locals
    assert names(scan(r"""{{ 'it\'s }}' ~ a }} {{ "a\\" ~ b }}""")) == ["a", "b"]
    assert names(scan('{{ x ~ "}} {{ y }}" }}')) == ["x"]


def test_jinja_unterminated_quote_is_not_a_string() -> None:
    template = scan("""{{ a ' }} {{ b }} {% if c == " %}{{ d }}{% endif %}""")
    assert names(template) == ["a", "b", "c", "d"]
    assert template.problems == []
    assert names(scan("""{# don't "#} {{ e }}""")) == ["e"]  # a comment is not tokenised


def scanned_in_linear_time(body: str, syntax: TemplateSyntax = "jinja") -> Template:
    # linear scanning takes a fraction of a second here, rescanning from each quote or opener
    # minutes; the time itself is measured by scripts/benchmark.py, not asserted here
    return scan(body, syntax)


def test_unterminated_quotes_and_unclosed_openers_are_scanned_to_the_end() -> None:
    escaped = scanned_in_linear_time("{{ '" + "\\'" * 100_000 + " }} {{ after }}")
    assert (names(escaped), escaped.problems) == (["after"], [])
    unclosed = scanned_in_linear_time("{{ 'a " * 50_000 + '{% "b ' * 50_000)
    assert [problem.message.split("'")[1] for problem in unclosed.problems] == ["{{", "{%"]
    assert names(scanned_in_linear_time('{{ "' + '\\"' * 100_000 + " }} {{after}}", "handlebars")) == ["after"]
    raw = scanned_in_linear_time("{{{{raw}}}}" + "{{{{/ {{{{/x" * 50_000 + "{{{{raw}}}}" * 50_000 + "{{x}}",
                                 "handlebars")
    assert names(raw) == []
