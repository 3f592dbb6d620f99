"""Plain JSON messages: a field per value, named by its pointer, spanning its bytes."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import conversation
from wsexplorer.codec.subprotocols.json_messages import JsonConversation, pretty

from .samples import field, only, run


def test_every_value_is_a_field_named_by_its_pointer() -> None:
    [d] = run(JsonConversation(), [("server", '{"price": 12.5, "tags": ["a", "é"]}')])
    assert d.violations == () and d.kind == "object" and d.headline == "{price, tags}"
    assert [f.name for f in d.fields] == ["(root)", "/price", "/tags", "/tags/0", "/tags/1"]
    by_name = {f.name: f for f in d.fields}
    assert by_name["/tags/1"].raw == '"é"'.encode()
    assert by_name["/price"].meaning == "number" and by_name["/price"].rfc_ref == "RFC 8259 §6"
    assert by_name["/tags"].value == "array of 2 items"
    assert field(d, "/tags/0") == "a"
    assert d.value == {"price": 12.5, "tags": ["a", "é"]}


def test_scalars_and_arrays_are_messages_too() -> None:
    kinds = [
        d.kind for d in run(JsonConversation(), [("client", "[1,2]"), ("client", '"hi"'), ("client", "7")])
    ]
    assert kinds == ["array", "value", "value"]


def test_text_that_is_not_json_is_shown_with_the_rule_and_the_byte() -> None:
    [d] = run(JsonConversation(), [("client", '{"a": tru}')])
    v = only(d)
    assert d.kind == "not JSON" and v.section == "RFC 8259 §2" and (v.start, v.end) == (6, 7)
    assert v.rule == "not JSON: unexpected 't' where a value should start" and v.close_code is None


def test_many_values_are_listed_up_to_the_limit_and_counted() -> None:
    [d] = run(JsonConversation(), [("server", str(list(range(2000))))])
    assert d.fields[-1].name == "(more values)" and d.fields[-1].value == 1001


def test_pretty_indents_and_keeps_non_ascii() -> None:
    assert pretty({"é": [1]}) == '{\n  "é": [\n    1\n  ]\n}'


def test_json_is_chosen_explicitly_not_negotiated() -> None:
    assert conversation("json") is None
    assert isinstance(conversation(None, choice="json"), JsonConversation)
