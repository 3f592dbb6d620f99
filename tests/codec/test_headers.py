"""Tests for the header-value grammar (RFC 7230 §3.2.6, §7; RFC 6455 §9.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.headers import (
    TCHARS,
    is_token,
    join_header_values,
    locate_offset,
    parse_each_line,
    parse_extension_list,
    parse_protocol_list,
    parse_quoted_string,
    parse_token_list,
    quote_string,
    serialize_extension_list,
    serialize_token_list,
)
from wsexplorer.errors import HandshakeParseError, WSExplorerError

# -- tokens ----------------------------------------------------------------------------------------


def test_tchar_set_is_rfc_7230() -> None:
    assert len(TCHARS) == 15 + 10 + 52
    for c in '()<>@,;:\\"/[]?={} \t':
        assert c not in TCHARS


@pytest.mark.parametrize(
    ("text", "expected"),
    [("websocket", True), ("permessage-deflate", True), ("x!#$%&'*+-.^_`|~9", True), ("", False),
     ("a b", False), ("a,b", False), ("é", False), ('"q"', False)],
)  # fmt: skip
def test_is_token(text: str, expected: bool) -> None:
    assert is_token(text) is expected


# -- token lists -----------------------------------------------------------------------------------


def test_token_list_seed_example() -> None:
    assert parse_token_list(["chat, superchat"]) == ["chat", "superchat"]


def test_token_list_no_lines_is_empty() -> None:
    assert parse_token_list([]) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Upgrade"], ["Upgrade"]),
        (["keep-alive, Upgrade"], ["keep-alive", "Upgrade"]),
        (["keep-alive,Upgrade"], ["keep-alive", "Upgrade"]),
        ([" a \t,\tb "], ["a", "b"]),
        ([",a,,b,"], ["a", "b"]),  # RFC 7230 §7: empty elements are ignored
        ([", , a"], ["a"]),
        (["a", "b, c"], ["a", "b", "c"]),  # repeated lines join with ", "
        (["a", ""], ["a"]),  # an empty line adds nothing once joined
    ],
)
def test_token_list_accepts(values: list[str], expected: list[str]) -> None:
    assert parse_token_list(values) == expected


@pytest.mark.parametrize(
    ("values", "offset", "section", "words"),
    [
        (["a b"], 2, "RFC 7230 §7", "',' or the end of the list"),
        (["a, b@"], 4, "RFC 7230 §7", "found '@'"),
        (["a, @"], 3, "RFC 7230 §3.2.6", "a token"),
        ([""], 0, "RFC 7230 §7", "at least one"),
        ([" , ,"], 0, "RFC 7230 §7", "at least one"),
        (['"chat"'], 0, "RFC 7230 §3.2.6", "a token"),
    ],
)
def test_token_list_errors(values: list[str], offset: int, section: str, words: str) -> None:
    with pytest.raises(HandshakeParseError) as info:
        parse_token_list(values)
    err = info.value
    assert err.offset == offset
    assert err.section == section
    assert err.http_status == 400
    assert words in err.rule
    assert "expected" in err.rule


def test_token_list_error_offset_counts_in_joined_text() -> None:
    values = ["chat", "super chat"]
    with pytest.raises(HandshakeParseError) as info:
        parse_token_list(values)
    assert info.value.offset == len("chat, super ")
    assert locate_offset(values, info.value.offset or 0) == (1, 6)


def test_locate_offset() -> None:
    values = ["ab", "cde", "f"]
    joined = join_header_values(values)
    assert joined == "ab, cde, f"
    assert locate_offset(values, 0) == (0, 0)
    assert locate_offset(values, 2) == (0, 2)
    assert locate_offset(values, 4) == (1, 0)
    assert locate_offset(values, 6) == (1, 2)
    assert locate_offset(values, 9) == (2, 0)
    assert locate_offset(values, 99) == (2, 1)


def test_protocol_list_allows_versions() -> None:
    assert parse_protocol_list(["websocket"]) == ["websocket"]
    assert parse_protocol_list(["HTTP/2.0, websocket"]) == ["HTTP/2.0", "websocket"]
    with pytest.raises(HandshakeParseError) as info:
        parse_protocol_list(["HTTP/"])
    assert info.value.offset == 5


def test_parse_each_line_skips_bad_lines() -> None:
    assert parse_each_line(["a, b", "c d", "e"], parse_token_list) == ["a", "b", "e"]


def test_serialize_token_list() -> None:
    assert serialize_token_list(["chat", "superchat"]) == "chat, superchat"
    with pytest.raises(ValueError, match="not a token"):
        serialize_token_list(["two words"])


# -- quoted strings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [('""', ""), ('"abc"', "abc"), ('"a\\"b"', 'a"b'), ('"a\\\\b"', "a\\b"), ('"\\x"', "x"),
     ('"tab\there"', "tab\there"), ('"caf\xe9"', "caf\xe9")],
)  # fmt: skip
def test_quoted_string(text: str, expected: str) -> None:
    assert parse_quoted_string(text) == expected


@pytest.mark.parametrize(
    ("text", "offset", "words"),
    [('abc', 0, "opening"), ('"abc', 4, "closing"), ('"a\x01"', 2, "qdtext"),
     ('"a\\', 3, "after '\\'"), ('"a" b', 3, "end of the value")],
)  # fmt: skip
def test_quoted_string_errors(text: str, offset: int, words: str) -> None:
    with pytest.raises(HandshakeParseError) as info:
        parse_quoted_string(text)
    assert info.value.offset == offset
    assert words in info.value.rule
    assert info.value.section == "RFC 7230 §3.2.6"


def test_quote_string() -> None:
    assert quote_string('a"b\\c') == '"a\\"b\\\\c"'
    for bad in ("line\nbreak", "del\x7f", "\u20ac"):
        with pytest.raises(ValueError):
            quote_string(bad)


# -- extension lists -------------------------------------------------------------------------------


def test_extension_list_rfc7692_offer() -> None:
    offers = parse_extension_list(["permessage-deflate; client_max_window_bits"])
    assert offers == [ExtensionOffer("permessage-deflate", (("client_max_window_bits", None),))]


def test_extension_list_rfc6455_9_1_split_lines_equal_joined() -> None:
    split = parse_extension_list(["foo", "bar; baz=2"])
    joined = parse_extension_list(["foo, bar; baz=2"])
    assert split == joined == [ExtensionOffer("foo"), ExtensionOffer("bar", (("baz", "2"),))]


def test_extension_list_quoted_value_is_unquoted() -> None:
    offers = parse_extension_list(['permessage-deflate; server_max_window_bits="10"'])
    assert offers[0].params == (("server_max_window_bits", "10"),)


def test_extension_list_whitespace_around_separators() -> None:
    offers = parse_extension_list([' a ;b\t=\t1 ; c , d;e = "x" '])
    assert offers == [
        ExtensionOffer("a", (("b", "1"), ("c", None))),
        ExtensionOffer("d", (("e", "x"),)),
    ]


def test_extension_list_keeps_repeated_offers_in_order() -> None:
    offers = parse_extension_list(["permessage-deflate; server_max_window_bits=10, permessage-deflate"])
    assert [o.name for o in offers] == ["permessage-deflate", "permessage-deflate"]
    assert offers[1].params == ()


@pytest.mark.parametrize(
    ("value", "offset", "section", "words"),
    [
        ('a; b="1 2"', 5, "RFC 6455 §9.1", "not a token once unquoted"),
        ('a; b=""', 5, "RFC 6455 §9.1", "not a token once unquoted"),
        ("a; =1", 3, "RFC 6455 §9.1", "parameter name"),
        ("a; b=", 5, "RFC 6455 §9.1", "value for parameter 'b'"),
        ("; b", 0, "RFC 6455 §9.1", "extension name"),
        ("a b", 2, "RFC 7230 §7", "',' or the end"),
        ('a; b="1', 7, "RFC 7230 §3.2.6", "closing"),
        ("", 0, "RFC 7230 §7", "at least one"),
    ],
)
def test_extension_list_errors(value: str, offset: int, section: str, words: str) -> None:
    with pytest.raises(HandshakeParseError) as info:
        parse_extension_list([value])
    err = info.value
    assert (err.offset, err.section, err.http_status) == (offset, section, 400)
    assert words in err.rule
    assert f"at byte {offset}" in str(err)


def test_serialize_extension_list() -> None:
    offers = [
        ExtensionOffer("permessage-deflate", (("client_max_window_bits", None),)),
        ExtensionOffer("x", (("a", "1"), ("b", None))),
    ]
    text = serialize_extension_list(offers)
    assert text == "permessage-deflate; client_max_window_bits, x; a=1; b"
    assert serialize_extension_list(offers, quote_values=True).endswith('a="1"; b')
    assert parse_extension_list([text]) == offers


@pytest.mark.parametrize(
    "offer",
    [ExtensionOffer("bad name"), ExtensionOffer("x", (("bad key", None),)),
     ExtensionOffer("x", (("k", "two words"),))],
)  # fmt: skip
def test_serialize_extension_list_rejects_non_tokens(offer: ExtensionOffer) -> None:
    with pytest.raises(ValueError, match="token"):
        serialize_extension_list([offer])


# -- properties ------------------------------------------------------------------------------------

tokens = st.text(alphabet=sorted(TCHARS), min_size=1, max_size=12)
ows = st.text(alphabet=" \t", max_size=2)
params = st.lists(st.tuples(tokens, st.none() | tokens), max_size=4).map(tuple)
offers_strategy = st.lists(st.builds(ExtensionOffer, tokens, params), min_size=1, max_size=4)


@settings(deadline=None)
@given(offers_strategy, st.booleans())
def test_extension_list_round_trip(offers: list[ExtensionOffer], quoted: bool) -> None:
    text = serialize_extension_list(offers, quote_values=quoted)
    assert parse_extension_list([text]) == offers


@settings(deadline=None)
@given(st.lists(st.tuples(ows, tokens, ows, st.integers(0, 2)), min_size=1, max_size=6))
def test_token_list_with_odd_spacing_and_empty_elements(
    items: list[tuple[str, str, str, int]],
) -> None:
    text = ",".join(f"{a}{tok}{b}" + "," * extra for a, tok, b, extra in items)
    assert parse_token_list([text]) == [tok for _, tok, _, _ in items]


@settings(deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(lambda c: c != "\x7f")))
def test_quoted_string_round_trip(text: str) -> None:
    assert parse_quoted_string(quote_string(text)) == text


@settings(deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0xFF)), max_size=3))
def test_random_values_raise_only_handshake_parse_errors(values: list[str]) -> None:
    for parser in (parse_token_list, parse_protocol_list, parse_extension_list):
        try:
            parser(values)
        except HandshakeParseError as err:
            assert isinstance(err, WSExplorerError)
            assert err.offset is not None
            assert 0 <= err.offset <= len(join_header_values(values))
