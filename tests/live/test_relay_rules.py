"""Relay rules as data: matching by direction, kind, text, regex and JSON path; each action's verdict."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsexplorer.live.relay_rules import ANY, Rule, RuleBook


def decide(rules: list[Rule], data: str | bytes, *, way: str = "c2s", kind: str | None = None):  # type: ignore[no-untyped-def]
    kind = kind or ("text" if isinstance(data, str) else "binary")
    return RuleBook(rules).decide(way, kind, data)  # type: ignore[arg-type]


def test_no_rule_passes_everything() -> None:
    verdict = decide([], "hello")
    assert (verdict.action, verdict.rule, verdict.data) == ("pass", None, "hello")
    assert not RuleBook([]).may_apply("c2s", "text")


def test_direction_and_kind() -> None:
    rule = Rule("drop", direction="s2c", kind="binary")
    assert decide([rule], b"x", way="s2c").action == "drop"
    assert decide([rule], b"x", way="c2s").action == "pass"
    assert decide([rule], "x", way="s2c").action == "pass"
    book = RuleBook([rule])
    assert book.may_apply("s2c", "binary") and not book.may_apply("c2s", "binary")
    assert not book.may_apply("s2c", "text")


def test_rules_without_kind_match_data_messages_only() -> None:
    rule = Rule("drop")
    assert decide([rule], "t").action == "drop"
    assert decide([rule], b"b").action == "drop"
    assert decide([rule], b"p", kind="ping").action == "pass"
    assert decide([Rule("drop", kind="ping")], b"p", kind="ping").action == "drop"
    assert RuleBook([rule]).may_apply("c2s", "text") and not RuleBook([rule]).may_apply("c2s", "pong")


def test_text_regex_and_binary() -> None:
    assert decide([Rule("drop", text="secret")], "a secret word").action == "drop"
    assert decide([Rule("drop", text="secret")], "nothing").action == "pass"
    assert decide([Rule("drop", text="ab")], b"\x00ab\x01").action == "drop"
    assert decide([Rule("drop", text=b"\xff")], b"\x00\xff").action == "drop"
    assert decide([Rule("drop", regex=r"^tick \d+$")], "tick 42").action == "drop"
    assert decide([Rule("drop", regex=r"^tick \d+$")], "tick x").action == "pass"


@pytest.mark.parametrize(
    ("path", "equals", "doc", "matches"),
    [
        ("$.type", ANY, {"type": "ping"}, True),
        ("$.type", "ping", {"type": "ping"}, True),
        ("$.type", "pong", {"type": "ping"}, False),
        ("user.name", "ann", {"user": {"name": "ann"}}, True),
        ("$.items[1].id", 7, {"items": [{"id": 1}, {"id": 7}]}, True),
        ("items.0.id", 1, {"items": [{"id": 1}]}, True),
        ("$.items[5]", ANY, {"items": [1]}, False),
        ("$.missing", ANY, {"type": "x"}, False),
    ],
)
def test_json_path(path: str, equals: object, doc: object, matches: bool) -> None:
    verdict = decide([Rule("drop", json_path=path, equals=equals)], json.dumps(doc))
    assert (verdict.action == "drop") is matches


def test_json_path_on_something_that_is_not_json() -> None:
    assert decide([Rule("drop", json_path="$.a")], "not json {").action == "pass"
    assert decide([Rule("drop", json_path="$.a")], b"\xff\xfe").action == "pass"


def test_first_matching_rule_decides_and_pass_exempts() -> None:
    rules = [Rule("pass", text="keep"), Rule("drop", text="e")]
    assert decide(rules, "keep me").action == "pass"
    verdict = decide(rules, "drop me")
    assert verdict.action == "drop" and verdict.rule is rules[1]


def test_limit_counts_per_book() -> None:
    book = RuleBook([Rule("drop", limit=2)])
    assert [book.decide("c2s", "text", "x").action for _ in range(3)] == ["drop", "drop", "pass"]
    assert book.applied == [2]
    assert RuleBook(book.rules).decide("c2s", "text", "x").action == "drop"  # a new connection, a new count


def test_delay_verdict() -> None:
    verdict = decide([Rule("delay", seconds=0.5)], "x")
    assert (verdict.action, verdict.seconds) == ("delay", 0.5)


@pytest.mark.parametrize(
    ("rule", "data", "expected"),
    [
        (Rule("modify", replacement=lambda d: d.upper()), "abc", "ABC"),
        (Rule("modify", text="cat", replacement="dog"), "cat and cat", "dog and dog"),
        (Rule("modify", text="cat", replacement=b"dog"), b"a cat", b"a dog"),
        (Rule("modify", regex=r"\d+", replacement="#"), "a1b22", "a#b#"),
        (Rule("modify", regex=r"\d+", replacement="#"), b"a1b22", b"a#b#"),
        (Rule("modify", replacement="whole new"), "old", "whole new"),
        (Rule("modify", replacement=b"\x01"), "old", b"\x01"),
        (
            Rule("modify", json_path="$.user.name", replacement="eve"),
            '{"user": {"name": "ann"}}',
            '{"user":{"name":"eve"}}',
        ),
        (Rule("modify", json_path="$.n[0]", replacement=5), b'{"n": [1, 2]}', b'{"n":[5,2]}'),
    ],
)
def test_modify(rule: Rule, data: str | bytes, expected: str | bytes) -> None:
    verdict = decide([rule], data)
    assert verdict.action == "modify"
    assert verdict.data == expected


def test_modify_returning_none_drops() -> None:
    assert decide([Rule("modify", replacement=lambda d: None)], "x").action == "drop"


def test_inject_verdict() -> None:
    verdict = decide([Rule("inject", text="hi", message=["a", b"b"], to="back")], "hi there")
    assert (verdict.action, verdict.data, verdict.inject, verdict.to) == (
        "inject",
        "hi there",
        ("a", b"b"),
        "back",
    )
    assert Rule("inject", message="one").inject_messages == ("one",)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": "explode"},
        {"action": "drop", "direction": "up"},
        {"action": "drop", "kind": "close"},
        {"action": "delay"},
        {"action": "modify"},
        {"action": "inject"},
        {"action": "inject", "message": "x", "to": "sideways"},
        {"action": "drop", "limit": 0},
        {"action": "drop", "json_path": "$"},
        {"action": "drop", "json_path": "a[b]"},
    ],
)
def test_invalid_rules_say_why(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Rule(**kwargs)  # type: ignore[arg-type]


def test_bad_regex_and_foreign_rules() -> None:
    with pytest.raises(Exception, match=r"unterminated|missing"):
        Rule("drop", regex="(")
    with pytest.raises(TypeError):
        RuleBook(["drop"])  # type: ignore[list-item]


def test_labels() -> None:
    assert Rule("drop", name="no secrets").label == "no secrets"
    assert Rule("drop", direction="c2s", text="x").label == "drop(direction='c2s', text='x')"
    assert "equals=3" in Rule("drop", json_path="a", equals=3).label


@given(st.text(max_size=40), st.sampled_from(["c2s", "s2c"]))
def test_a_message_no_rule_matches_passes_unchanged(text: str, way: str) -> None:
    rules = [Rule("drop", text="\x00never\x00"), Rule("modify", json_path="$.zz.yy", replacement=1)]
    verdict = RuleBook(rules).decide(way, "text", text)  # type: ignore[arg-type]
    assert verdict.action == "pass" and verdict.data == text
