"""Answers are read by value: hex, base64, numbers, names, lists (wsexplorer.exercises.answers)."""

from __future__ import annotations

import pytest

from wsexplorer.exercises.answers import (
    BASE64,
    BOOL,
    BYTES,
    CLOSE_CODE,
    EXTENSION,
    INT,
    INT_LIST,
    OPCODE,
    PAYLOAD,
    STATUS,
    TEXT,
    Choice,
    Unreadable,
)


@pytest.mark.parametrize(
    "typed",
    [
        "81 05 48 65",
        "810548 65",
        "0x81 0x05 0x48 0x65",
        "81:05:48:65",
        "\\x81\\x05\\x48\\x65",
        "81 05 48 65\n",
    ],
)
def test_hex_with_or_without_spaces_prefixes_and_case(typed: str) -> None:
    assert BYTES.read(typed) == bytes.fromhex("81054865")
    assert BYTES.read(typed.upper().replace("0X", "0x").replace("\\X", "\\x")) == bytes.fromhex("81054865")


def test_hex_says_what_is_wrong() -> None:
    with pytest.raises(Unreadable, match="'g' is not a hex digit"):
        BYTES.read("8g")
    with pytest.raises(Unreadable, match="one is missing"):
        BYTES.read("810")
    assert BYTES.read("none") is None and BYTES.read(b"\x01") == b"\x01"


def test_base64_padding_and_spaces_do_not_matter() -> None:
    right = BASE64.read("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    assert BASE64.read("s3pPLMBiTxaQ9kYGzzhZRbK+xOo") == right
    assert BASE64.read("  s3pPLMBiTxaQ9kYG zzhZRbK+xOo=\n") == right
    assert BASE64.read(b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == right
    assert BASE64.read("S3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != right  # base64 is case-sensitive: another value
    with pytest.raises(Unreadable, match="not a base64 character"):
        BASE64.read("s3pP-LMB")


@pytest.mark.parametrize("typed", ["126", "0x7E", "0x7e", "0b1111110", 126, "126 bytes", "1_26"])
def test_numbers_in_any_base(typed: object) -> None:
    assert INT.read(typed) == 126


def test_bits_opcodes_close_codes_statuses_by_name_or_number() -> None:
    assert [BOOL.read(v) for v in ("1", "yes", "set", True, 0, "unset", "0")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert [OPCODE.read(v) for v in ("text", "TEXT", "0x1", "1", "Opcode.TEXT", 1)] == [1] * 6
    assert OPCODE.read("pong") == 0xA and OPCODE.show(0xA) == "0xA (pong)"
    assert [
        CLOSE_CODE.read(v) for v in ("1002", "protocol error", "PROTOCOL_ERROR", "1002 (protocol error)")
    ] == [1002] * 4
    assert CLOSE_CODE.read("invalid utf-8") == 1007 and CLOSE_CODE.read("none") is None
    assert [STATUS.read(v) for v in ("426", "Upgrade Required", "426 Upgrade Required")] == [426] * 3
    with pytest.raises(Unreadable):
        OPCODE.read("banana")


def test_payload_text_or_hex_and_lists() -> None:
    assert PAYLOAD.read('"Hello"') == b"Hello" == PAYLOAD.read("48 65 6c 6c 6f") == PAYLOAD.read("Hello")
    assert PAYLOAD.read("(empty)") == b"" and PAYLOAD.show(b"") == "(empty)"
    assert (
        INT_LIST.read("3, 1")
        == INT_LIST.read("[1, 3]")
        == INT_LIST.read("#1 and #3")
        == INT_LIST.read([3, 1])
        == (1, 3)
    )
    assert INT_LIST.read("none") == ()
    assert TEXT.read(" 'hi' ") == "hi"


def test_extensions_compare_as_sets_of_parameters() -> None:
    a = EXTENSION.read("permessage-deflate; server_max_window_bits=10; client_no_context_takeover")
    assert (
        EXTENSION.read(
            "Sec-WebSocket-Extensions: PERMESSAGE-DEFLATE;client_no_context_takeover;"
            "server_max_window_bits=10"
        )
        == a
    )
    assert EXTENSION.read("none") == () and EXTENSION.show(()) == "none"
    with pytest.raises(Unreadable, match="not an extension list"):
        EXTENSION.read("permessage-deflate; =")


def test_choices_by_any_listed_word() -> None:
    sides = Choice("choice", "", (("server", ("the server",)), ("client", ())))
    assert sides.read("The Server") == "server" and sides.read("CLIENT") == "client"
    with pytest.raises(Unreadable, match="not one of the choices: server, client"):
        sides.read("proxy")


def test_an_answer_past_the_bound_is_refused_not_parsed() -> None:
    with pytest.raises(Unreadable, match="characters long"):
        BYTES.read("00" * (1 << 20))
