"""What tools let the model do on its own (PL220-PL223): exact places, every safeguard that
quiets a finding, and the false-positive controls found on real MCP servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tool_helpers import RULES, at, lint, places

ID = {"type": "string", "description": "Record id such as R-1.", "pattern": "^R-[0-9]{1,8}$"}
MESSAGE = {"to": {"type": "string", "maxLength": 254}, "body": {"type": "string", "maxLength": 20000}}


def mcp(name: str, description: str = "Does one thing.", properties: dict[str, Any] | None = None,
        annotations: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    tool: dict[str, Any] = {"name": name, "description": description,
                            "inputSchema": {"type": "object", "properties": properties or {"id": ID}}}
    if annotations is not None:
        tool["annotations"] = annotations
    tool.update(extra)
    return tool


def tools_list(*tools: dict[str, Any]) -> str:
    return json.dumps({"tools": list(tools)}, indent=2)



# --- PL220 destructive-tool-without-approval ---------------------------------------------------------


def test_a_delete_tool_is_reported_at_its_name_with_the_safer_shape(tmp_path: Path) -> None:
    text = tools_list(mcp("delete_customer", "Deletes a customer and their invoices."))
    (result,) = lint(tmp_path, text, "PL220")
    assert places([result]) == [("PL220", *at(text, '"delete_customer"'))]
    assert "tool 'delete_customer' deletes (the name says 'delete')" in result.message
    assert '"x-promptlint-approval": "host"' in result.message and '"dry_run"' in result.message


def test_money_and_sending_verbs_are_actions_too(tmp_path: Path) -> None:
    text = tools_list(mcp("refund_payment"), mcp("send_email", properties=MESSAGE), mcp("transferFunds"))
    results = lint(tmp_path, text, "PL220")
    assert [result.message.split(" (")[0] for result in results] == [
        "tool 'refund_payment' moves money", "tool 'send_email' sends on the user's behalf",
        "tool 'transferFunds' moves money"]


def test_a_send_tool_with_no_destination_or_payload_sends_nothing_the_model_chose(tmp_path: Path) -> None:
    text = tools_list(mcp("send_test_email", properties={"template_name": {"type": "string", "maxLength": 40}}))
    assert lint(tmp_path, text, "PL220") == []


def test_readers_and_nouns_are_not_actions(tmp_path: Path) -> None:
    text = tools_list(mcp("get_order_status"), mcp("order_status"), mcp("list_payments"), mcp("add"),
                      mcp("email_templates"), mcp("search_deleted_items"), mcp("create_note"))
    assert lint(tmp_path, text, "PL220") == []


def test_every_safeguard_quiets_it(tmp_path: Path) -> None:
    text = tools_list(
        mcp("delete_a", **{"x-promptlint-approval": "host"}),
        mcp("delete_b", annotations={"readOnlyHint": False, "destructiveHint": True}),
        mcp("delete_c", "Deletes a project. The user will be asked for confirmation before anything is deleted."),
        mcp("delete_d", "Deletes a project; requires explicit approval in the console."),
        mcp("delete_e", properties={"id": ID, "dry_run": {"type": "boolean", "default": True,
                                                          "description": "Preview only."}}),
        mcp("delete_f", properties={"id": ID, "confirmation_token": {"type": "string", "maxLength": 64,
                                                                     "description": "Issued by the host."}}),
    )
    data = json.loads(text)
    data["tools"][5]["inputSchema"]["required"] = ["id", "confirmation_token"]
    assert lint(tmp_path, json.dumps(data, indent=2), "PL220") == []


def test_the_approved_by_host_option_takes_globs(tmp_path: Path) -> None:
    text = tools_list(mcp("delete_customer"), mcp("delete_order"))
    results = lint(tmp_path, text, "PL220", options={"PL220": {"approved-by-host": ["delete_cust*"]}})
    assert [result.message.split(" ")[1] for result in results] == ["'delete_order'"]


def test_a_confirm_flag_the_model_sets_is_only_a_note_and_says_why(tmp_path: Path) -> None:
    text = tools_list(mcp("purge_cache", properties={"confirm": {"type": "boolean", "description": "Really?"}}))
    (result,) = lint(tmp_path, text, "PL220")
    assert result.severity == "note"
    assert "a flag the model sets itself" in result.message and "no human in the loop" in result.message


def test_a_destructive_default_gets_its_own_message_at_the_parameter(tmp_path: Path) -> None:
    text = tools_list(
        mcp("sync_folder", properties={"delete_missing": {"type": "boolean", "default": True, "description": "x"}}),
        mcp("drop_table", properties={"dry_run": {"type": "boolean", "default": False, "description": "x"}}),
        mcp("edit_file", properties={"dryRun": {"type": "boolean", "default": False, "description": "x"}}),
    )
    results = lint(tmp_path, text, "PL220")
    assert places(results) == [("PL220", *at(text, '"delete_missing"')), ("PL220", *at(text, '"dry_run"'))]
    assert "destructive default: 'delete_missing' defaults to true" in results[0].message
    assert "(default: false)" in results[0].message and "(default: true)" in results[1].message


def test_inline_tools_of_a_native_prompt(tmp_path: Path) -> None:
    text = ("id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: Pay invoices.\ntools:\n"
            "  - name: pay_invoice\n    description: Pays one invoice.\n"
            "    input_schema: {type: object, properties: {id: {type: string, maxLength: 9}}}\n")
    (result,) = lint(tmp_path, text, "PL220", name="a.prompt.yaml")
    assert places([result]) == [("PL220", 7, 11)]


# --- PL221 mcp-annotations-missing ---------------------------------------------------------------------


def test_pl221_is_opt_in(tmp_path: Path) -> None:
    assert RULES["PL221"].enabled is False
    assert lint(tmp_path, tools_list(mcp("list_notes")), "PL22") == []


def test_missing_hints_are_reported_with_a_suggestion(tmp_path: Path) -> None:
    text = tools_list(mcp("list_notes"), mcp("archive_note", annotations={"readOnlyHint": False}),
                      mcp("get_note", annotations={"readOnlyHint": True}))
    results = lint(tmp_path, text, "PL221")
    assert places(results) == [("PL221", *at(text, '"list_notes"')), ("PL221", *at(text, '"annotations"'))]
    assert '"readOnlyHint": true' in results[0].message
    assert "assume destructiveHint: true" in results[1].message


def test_other_providers_have_no_annotations(tmp_path: Path) -> None:
    text = json.dumps({"type": "function", "function": {"name": "list_notes", "description": "Lists notes.",
                                                        "parameters": {"type": "object", "properties": {}}}})
    assert lint(tmp_path, text, "PL221") == []


# --- PL222 annotation-contradicts-behaviour ------------------------------------------------------------


def test_hints_that_contradict_the_name(tmp_path: Path) -> None:
    url = {"type": "string", "format": "uri", "description": "Page address."}
    text = tools_list(
        mcp("delete_note", annotations={"readOnlyHint": True}),
        mcp("purge_trash", annotations={"readOnlyHint": False, "destructiveHint": False}),
        mcp("get_page_text", properties={"page_url": url}, annotations={"readOnlyHint": True, "openWorldHint": False}),
    )
    results = lint(tmp_path, text, "PL222")
    first = text.index('"readOnlyHint": true')
    assert places(results) == [("PL222", *at(text, '"readOnlyHint"', first)),
                               ("PL222", *at(text, '"destructiveHint": false')),
                               ("PL222", *at(text, '"openWorldHint": false'))]
    assert "readOnlyHint: true" in results[0].message and "'delete'" in results[0].message
    assert results[2].related and "page_url" in results[2].message


def test_consistent_hints_and_readers_are_quiet(tmp_path: Path) -> None:
    text = tools_list(
        mcp("get_order_status", annotations={"readOnlyHint": True}),
        mcp("add", annotations={"readOnlyHint": True}),
        mcp("delete_note", annotations={"readOnlyHint": False, "destructiveHint": True}),
        mcp("create_note", annotations={"readOnlyHint": False, "destructiveHint": False}),
        mcp("get_page", properties={"page_url": {"type": "string", "enum": ["https://a.example/"]}},
            annotations={"readOnlyHint": True, "openWorldHint": False}),
    )
    assert lint(tmp_path, text, "PL222") == []


# --- PL223 lethal-trifecta -------------------------------------------------------------------------------


def test_the_trifecta_is_reported_once_with_each_leg_related(tmp_path: Path) -> None:
    text = tools_list(mcp("get_customer_record"), mcp("search_web"), mcp("get_weather"),
                      mcp("send_email", properties=MESSAGE))
    (result,) = lint(tmp_path, text, "PL223")
    assert places([result]) == [("PL223", *at(text, '"get_customer_record"'))]
    assert [(related.location.start_line, related.message.split(":")[0]) for related in result.related] == [
        (at(text, '"get_customer_record"')[0], "private data"), (at(text, '"search_web"')[0], "untrusted content"),
        (at(text, '"send_email"')[0], "a way out")]
    assert "'send_email'" in result.message and "Break one leg" in result.message


def test_legs_prefer_distinct_tools(tmp_path: Path) -> None:
    text = tools_list(mcp("read_inbox_messages"), mcp("list_accounts"), mcp("send_reply", properties=MESSAGE))
    (result,) = lint(tmp_path, text, "PL223")
    assert "'list_accounts' reads private data" in result.message
    assert "'read_inbox_messages' brings in content others write" in result.message


def test_two_legs_or_an_approved_sender_are_not_the_trifecta(tmp_path: Path) -> None:
    assert lint(tmp_path, tools_list(mcp("get_customer_record"), mcp("send_email", properties=MESSAGE)), "PL223") == []
    approved = tools_list(mcp("get_customer_record"), mcp("search_web"),
                          mcp("send_email", properties=MESSAGE, **{"x-promptlint-approval": "host"}))
    assert lint(tmp_path, approved, "PL223") == []


def test_a_url_fetcher_is_both_a_source_and_a_way_out(tmp_path: Path) -> None:
    url = {"type": "string", "format": "uri", "description": "Page address."}
    text = tools_list(mcp("read_file"), mcp("fetch_page", properties={"url": url}))
    (result,) = lint(tmp_path, text, "PL223")
    assert "'fetch_page' reads any URL" in result.message and "'fetch_page' requests any URL" in result.message


def test_admin_nouns_are_not_outside_content(tmp_path: Path) -> None:
    # an identity provider's tools: users are private, but templates and error pages are the admin's own
    text = tools_list(mcp("list_users"), mcp("list_email_templates"), mcp("get_customized_error_page"),
                      mcp("send_test_email"))
    assert lint(tmp_path, text, "PL223") == []


def test_an_openai_request_is_one_set(tmp_path: Path) -> None:
    def function(name: str) -> dict[str, Any]:
        return {"type": "function", "function": {"name": name, "description": "Does one thing.",
                                                 "parameters": {"type": "object", "properties": {"id": ID, **MESSAGE}}}}
    text = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
                       "tools": [function("get_issue_comments"), function("get_api_key"), function("post_message")]},
                      indent=2)
    (result,) = lint(tmp_path, text, "PL223")
    assert places([result]) == [("PL223", *at(text, '"get_issue_comments"'))]
    assert "'get_api_key' reads secrets" in result.message


def test_tools_a_native_prompt_refs_join_its_set(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "mail.json").write_text(
        tools_list(mcp("read_inbox"), mcp("send_email", properties=MESSAGE)), encoding="utf-8")
    text = ("id: t\nversion: 1.0.0\nmessages:\n  - role: system\n    content: Answer e-mail.\ntools:\n"
            "  - $ref: tools/mail.json\n  - name: list_customers\n    description: Lists customers.\n"
            "    input_schema: {type: object, properties: {plan: {type: string, enum: [free, pro]}}}\n")
    (result,) = lint(tmp_path, text, "PL223", name="a.prompt.yaml")
    assert places([result]) == [("PL223", 7, 11)]  # at the reference: the first leg comes from it
    assert [related.location.path for related in result.related] == ["a.prompt.yaml", "tools/mail.json",
                                                                      "tools/mail.json"]
    assert "'list_customers' reads private data" in result.message


def test_a_declared_untrusted_variable_is_the_untrusted_leg(tmp_path: Path) -> None:
    tools = ("tools:\n  - name: list_customers\n    description: Lists customers.\n"
             "    input_schema: {type: object, properties: {plan: {type: string, enum: [free, pro]}}}\n"
             "  - name: send_email\n    description: Sends an e-mail.\n"
             "    input_schema: {type: object, properties: {to: {type: string, maxLength: 254}}}\n")
    text = ("id: t\nversion: 1.0.0\nvariables:\n  email_body: {trust: untrusted, max_tokens: 2000}\n"
            "messages:\n  - role: system\n    content: Answer the e-mail.\n  - role: user\n"
            "    content: \"<email>{{ email_body }}</email>\"\n" + tools)
    results = [result for result in lint(tmp_path, text, "PL223", name="a.prompt.yaml")]
    (result,) = results
    assert "'email_body' is untrusted text written into the prompt" in result.message
    assert places([result]) == [("PL223", *at(text, "list_customers"))]
    assert (result.related[1].location.start_line, result.related[1].location.start_column) == at(text, "email_body }}")
    inferred = text.replace("{trust: untrusted, max_tokens: 2000}", "{max_tokens: 2000}")
    assert lint(tmp_path, inferred, "PL223", name="a.prompt.yaml") == []  # a name alone is not enough


def test_a_sender_bound_to_listed_destinations_is_no_way_out(tmp_path: Path) -> None:
    bound = {"to": {"type": "string", "enum": ["support@example.com"]}, "body": {"type": "string", "maxLength": 900}}
    text = tools_list(mcp("get_customer_record"), mcp("search_web"), mcp("send_email", properties=bound))
    assert lint(tmp_path, text, "PL223") == []
