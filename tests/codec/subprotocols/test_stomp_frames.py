"""One STOMP frame: command, headers (with escaping), body, NUL, each with its bytes (STOMP 1.2)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.subprotocols.base import DecodedMessage, MessageBuilder
from wsexplorer.codec.subprotocols.stomp_frames import fill_frame, read_head, required_headers

from .samples import only, spanned


def frame(raw: bytes, version: str = "1.2") -> DecodedMessage:
    """Decode a whole frame (its head ends at the first blank line; its body at the last byte)."""
    lf, crlf = raw.find(b"\n\n"), raw.find(b"\n\r\n")
    head_end = crlf + 3 if 0 <= crlf < (lf if lf >= 0 else len(raw)) else lf + 2
    b = MessageBuilder("stomp", raw, "client")
    fill_frame(b, read_head(raw, head_end, version), len(raw) - 1, version)
    return b.build()


def test_every_part_of_a_frame_is_a_field() -> None:
    d = frame(b"SEND\r\ndestination:/queue/a\r\ncontent-type:text/plain\r\n\r\nhello\x00")
    assert d.violations == () and d.kind == "SEND" and d.headline == "destination='/queue/a'"
    assert [(f.name, f.raw) for f in d.fields] == [
        ("command", b"SEND"),
        ("header destination", b"destination:/queue/a"),
        ("header content-type", b"content-type:text/plain"),
        ("end of headers", b"\r\n"),
        ("body", b"hello"),
        ("NUL", b"\x00"),
    ]
    assert d.attributes["destination"] == "/queue/a" and d.value == b"hello"


def test_header_values_are_unescaped_except_in_connect() -> None:
    d = frame(b"SEND\ndestination:/a\nkey\\cname:line\\none\\\\two\n\n\x00")
    assert d.attributes["key:name"] == "line\none\\two" and d.violations == ()
    connect = frame(b"CONNECT\naccept-version:1.2\nhost:h\npasscode:a\\b\n\n\x00")
    assert connect.attributes["passcode"] == "a\\b" and connect.violations == ()


def test_repeated_headers_the_first_counts() -> None:
    d = frame(b"MESSAGE\ndestination:/a\nmessage-id:1\nsubscription:0\nfoo:1\nfoo:2\n\n\x00")
    assert d.attributes["foo"] == "1"
    assert "only the first counts" in [f.meaning for f in d.fields if f.name == "header foo"][1]


@pytest.mark.parametrize(
    ("raw", "version", "rule", "section", "where"),
    [
        (b"HELLO\n\n\x00", "1.2", "unknown command 'HELLO'", "STOMP 1.2: Frames and Headers", b"HELLO"),
        (
            b"SEND\ndestination:/a\nx:a\\tb\n\n\x00",
            "1.2",
            "undefined escape '\\\\t' in a header: a fatal protocol error",
            "STOMP 1.2: Value Encoding",
            b"\\t",
        ),
        (
            b"SEND\ndestination:/a\nx:a\\rb\n\n\x00",
            "1.1",
            "undefined escape '\\\\r' in a header: a fatal protocol error",
            "STOMP 1.1: Value Encoding",
            b"\\r",
        ),
        (
            b"SEND\ndestination:/a\nnocolon\n\n\x00",
            "1.2",
            "a header line without ':'",
            "STOMP 1.2: Augmented BNF",
            b"nocolon",
        ),
        (
            b"SEND\n\n\x00",
            "1.2",
            "SEND needs the 'destination' header",
            "STOMP 1.2: Frames and Headers",
            b"SEND",
        ),
        (
            b"SUBSCRIBE\ndestination:/a\n\n\x00",
            "1.2",
            "SUBSCRIBE needs the 'id' header",
            "STOMP 1.2: Frames and Headers",
            b"SUBSCRIBE",
        ),
        (
            b"ACK\nsubscription:0\n\n\x00",
            "1.1",
            "ACK needs the 'message-id' header",
            "STOMP 1.1: Frames and Headers",
            b"ACK",
        ),
        (
            b"BEGIN\ntransaction:t\n\nbody\x00",
            "1.2",
            "BEGIN must not have a body",
            "STOMP 1.2: Body",
            b"body",
        ),
        (
            b"SEND\ndestination:/a\ncontent-length:x\n\n\x00",
            "1.2",
            "content-length 'x' is not a number of octets",
            "STOMP 1.2: Header content-length",
            b"content-length:x",
        ),
        (
            b"SUBSCRIBE\nid:0\ndestination:/a\nack:manual\n\n\x00",
            "1.2",
            "ack mode 'manual': auto, client or client-individual",
            "STOMP 1.2: SUBSCRIBE ack Header",
            b"ack:manual",
        ),
        (
            b"CONNECT\naccept-version:1.2\nhost:h\nheart-beat:soon\n\n\x00",
            "1.2",
            "heart-beat 'soon' is two integers 'x,y'",
            "STOMP 1.2: Heart-beating",
            b"heart-beat:soon",
        ),
        (
            b"SEND\ndestination:/\xff\n\n\x00",
            "1.2",
            "headers are UTF-8; invalid UTF-8 here",
            "STOMP 1.2: Value Encoding",
            b"\xff",
        ),
    ],
)
def test_each_rule_names_its_section_and_bytes(
    raw: bytes, version: str, rule: str, section: str, where: bytes
) -> None:
    d = frame(raw, version)
    v = only(d)
    assert (v.rule, v.section, spanned(d, v)) == (rule, section, where)


def test_with_content_length_the_octet_after_the_body_must_be_nul() -> None:
    raw = b"SEND\ndestination:/a\ncontent-length:2\n\nabX"
    b = MessageBuilder("stomp", raw, "client")
    fill_frame(b, read_head(raw, raw.index(b"\n\n") + 2, "1.2"), len(raw) - 1, "1.2")
    v = only(b.build())
    assert v.rule == "content-length 2: the octet after the body must be NUL" and v.start == len(raw) - 1


def test_required_headers_by_version() -> None:
    assert required_headers("CONNECT", "1.2") == ("accept-version", "host")
    assert required_headers("CONNECT", "1.0") == ()
    assert required_headers("ACK", "1.2") == ("id",) and required_headers("NACK", "1.1") == (
        "message-id",
        "subscription",
    )
    assert required_headers("MESSAGE", "1.0") == ("destination", "message-id")
