"""JSON with every value's bytes and pointer (RFC 8259, RFC 6901), never raising."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.subprotocols.json_scan import MAX_DEPTH, escape_pointer, scan_json


def test_every_value_has_its_pointer_and_bytes() -> None:
    text = '{"a": [1, {"b/c": "x~y"}], "é": true, "n": null, "f": -1.5e3}'.encode()
    doc = scan_json(text)
    assert doc.ok and doc.value == json.loads(text)
    spans = {n.pointer: text[n.start : n.end] for n in doc.nodes}
    assert spans == {
        "": text,
        "/a": b'[1, {"b/c": "x~y"}]',
        "/a/0": b"1",
        "/a/1": b'{"b/c": "x~y"}',
        "/a/1/b~1c": b'"x~y"',
        "/\u00e9": b"true",
        "/n": b"null",
        "/f": b"-1.5e3",
    }
    assert [n.pointer for n in doc.nodes][:3] == ["", "/a", "/a/0"]  # document order
    assert doc.node("/a/1/b~1c") is not None and doc.node("/a/1/b~1c").value == "x~y"  # type: ignore[union-attr]
    assert doc.node("/nope") is None


def test_pointer_tokens_escape_tilde_then_slash() -> None:
    assert escape_pointer("a~/b") == "a~0~1b"


def test_escapes_and_surrogate_pairs_decode() -> None:
    doc = scan_json(b'["\\u00e9\\n\\ud83d\\ude00", "\\/"]')
    assert doc.value == ["é\n😀", "/"]


def test_spans_are_relative_to_the_whole_buffer() -> None:
    data = b'42["hi",2]'
    doc = scan_json(data, 2)
    assert doc.value == ["hi", 2] and [(n.start, n.end) for n in doc.nodes] == [(2, 10), (3, 7), (8, 9)]


def _problem(data: bytes) -> tuple[str, int, int, str]:
    [p] = scan_json(data).problems
    return p.rule, p.start, p.end, p.section


def test_syntax_errors_say_which_byte_and_stop() -> None:
    assert _problem(b'{"a" 1}') == ("expected ':' after a member name, found '1'", 5, 6, "RFC 8259 §2")
    assert _problem(b"[1,]") == ("unexpected ']' where a value should start", 3, 4, "RFC 8259 §2")
    assert _problem(b"[1 2]") == ("expected ',' or ']', found '2'", 3, 4, "RFC 8259 §2")
    assert _problem(b"") == ("no JSON value: the text is empty", 0, 0, "RFC 8259 §2")
    assert _problem(b"[1") == ("expected ',' or ']', found the end of the text", 2, 2, "RFC 8259 §2")
    assert _problem(b"1 2") == ("unexpected data after the JSON value", 2, 3, "RFC 8259 §2")
    assert _problem(b"01") == ("unexpected data after the JSON value", 1, 2, "RFC 8259 §2")
    assert _problem(b"{1:2}") == ("expected a member name (a string), found '1'", 1, 2, "RFC 8259 §2")


def test_string_rules_cite_section_7_and_8() -> None:
    assert _problem(b'"a\x01"') == ("unescaped control character U+0001 in a string", 2, 3, "RFC 8259 §7")
    assert _problem(b'"a\\x"') == ("invalid escape '\\\\x' in a string", 2, 4, "RFC 8259 §7")
    assert _problem(b'"abc') == ("a string is not terminated before the end of the text", 0, 4, "RFC 8259 §7")
    assert _problem(b'"\xff"') == ("invalid UTF-8 in a string", 1, 2, "RFC 8259 §8.1")
    assert _problem(b"\xef\xbb\xbf1") == (
        "a byte order mark must not precede JSON text",
        0,
        3,
        "RFC 8259 §8.1",
    )


def test_a_repeated_member_name_is_flagged_but_parsed() -> None:
    doc = scan_json(b'{"a":1,"a":2}')
    assert doc.complete and doc.value == {"a": 2}
    [p] = doc.problems
    assert p.section == "RFC 8259 §4" and (p.start, p.end) == (11, 12) and "'a' repeated" in p.rule


def test_a_huge_integer_is_kept_as_text() -> None:
    digits = "9" * 5000
    doc = scan_json(digits.encode())
    assert doc.value == digits and "5000 digits" in doc.problems[0].rule


def test_nesting_is_bounded() -> None:
    deep = b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)
    doc = scan_json(deep)
    assert not doc.complete and doc.problems[0].section == "RFC 8259 §9"
    assert scan_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH).ok


def test_recorded_values_are_bounded() -> None:
    doc = scan_json(json.dumps(list(range(50))).encode(), max_nodes=10)
    assert len(doc.nodes) == 10 and doc.omitted == 41 and doc.value == list(range(50))
    assert doc.nodes[0].pointer == ""


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_and_spans_stay_inside(data: bytes) -> None:
    doc = scan_json(data)
    for n in doc.nodes:
        assert 0 <= n.start <= n.end <= len(data)
    for p in doc.problems:
        assert 0 <= p.start <= p.end <= len(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(deadline=None, max_examples=300)
@given(json_values, st.booleans())
def test_any_json_value_round_trips_with_exact_spans(value: object, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    doc = scan_json(data)
    assert doc.ok and doc.value == value
    for n in doc.nodes:
        assert json.loads(data[n.start : n.end]) == n.value


def test_past_the_limit_the_rest_is_read_fast_with_the_same_result() -> None:
    data = json.dumps({"a": [{"b": i, "c": [i, str(i)]} for i in range(300)], "z": {"y": None}}).encode()
    doc = scan_json(data, max_nodes=5)
    assert doc.ok and doc.value == json.loads(data) and len(doc.nodes) == 5
    assert doc.omitted == 2 + 300 * 5 + 2 - 5  # every value of the document, but the 5 recorded
    assert not scan_json(b"[1, 2, 3, NaN]", max_nodes=2).complete  # the json module's extensions are refused


json_alphabet = st.lists(st.sampled_from(list(b'[]{}",:01 -e.tnx\\u')), max_size=40).map(bytes)


@settings(deadline=None, max_examples=400)
@given(st.one_of(json_alphabet, json_values.map(lambda v: json.dumps(v).encode())), st.integers(0, 4))
def test_the_fast_path_agrees_with_the_slow_path(data: bytes, limit: int) -> None:
    fast, slow = scan_json(data, max_nodes=limit), scan_json(data)
    assert fast.complete == slow.complete and fast.value == slow.value
    if not slow.complete:
        assert fast.problems[-1] == slow.problems[-1]
