"""Frames: RFC 6455 §5.7 examples byte for byte, fields at bit precision, violations, streaming."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.anatomy import Span
from wsexplorer.codec.frame_builder import serialize_frame
from wsexplorer.codec.frame_header import LengthForm, Opcode
from wsexplorer.codec.frame_parser import FrameParser
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import IncompleteInput, TrailingBytes, WSExplorerError

# RFC 6455 §5.7, each example as it appears in the RFC.
RFC_EXAMPLES = [
    ("single-frame unmasked text", "810548656c6c6f", Opcode.TEXT, True, False, b"Hello"),
    ("single-frame masked text", "818537fa213d7f9f4d5158", Opcode.TEXT, True, True, b"Hello"),
    ("fragmented text, first", "010348656c", Opcode.TEXT, False, False, b"Hel"),
    ("fragmented text, last", "80026c6f", Opcode.CONTINUATION, True, False, b"lo"),
    ("unmasked ping", "890548656c6c6f", Opcode.PING, True, False, b"Hello"),
    ("masked pong", "8a8537fa213d7f9f4d5158", Opcode.PONG, True, True, b"Hello"),
]


@pytest.mark.parametrize(("name", "hexdata", "opcode", "fin", "masked", "payload"), RFC_EXAMPLES)
def test_rfc_5_7_examples_parse(
    name: str, hexdata: str, opcode: Opcode, fin: bool, masked: bool, payload: bytes
) -> None:
    data = bytes.fromhex(hexdata)
    frame = Frame.parse(data)
    assert frame.opcode is opcode
    assert frame.fin is fin
    assert frame.masked is masked
    assert frame.payload == payload
    assert frame.payload_length == len(payload)
    assert frame.length_form is LengthForm.BITS_7
    assert bytes(frame) == data
    assert frame.violations == []


@pytest.mark.parametrize(("name", "hexdata", "opcode", "fin", "masked", "payload"), RFC_EXAMPLES)
def test_rfc_5_7_examples_build(
    name: str, hexdata: str, opcode: Opcode, fin: bool, masked: bool, payload: bytes
) -> None:
    data = bytes.fromhex(hexdata)
    key = data[2:6] if masked else False
    frame = Frame.build(opcode, payload, fin=fin, mask=key)
    assert bytes(frame) == data


def test_rfc_5_7_masked_key_and_masked_bytes() -> None:
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))
    assert frame.masking_key == bytes.fromhex("37fa213d")
    assert frame.masked_payload == bytes.fromhex("7f9f4d5158")
    assert frame.header_length == 6


def test_rfc_5_7_256_byte_binary_16_bit_length() -> None:
    payload = os.urandom(256)
    data = bytes.fromhex("827e0100") + payload
    frame = Frame.parse(data)
    assert frame.opcode is Opcode.BINARY
    assert frame.length_form is LengthForm.BITS_16
    assert frame.payload == payload
    assert bytes(Frame.binary(payload)) == data


def test_rfc_5_7_64_kib_binary_64_bit_length() -> None:
    payload = os.urandom(65536)
    data = bytes.fromhex("827f0000000000010000") + payload
    frame = Frame.parse(data)
    assert frame.length_form is LengthForm.BITS_64
    assert frame.payload_length == 65536
    assert frame.payload == payload
    assert bytes(Frame.binary(payload)) == data


def test_bit_precise_spans() -> None:
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))
    spans = {f.name: f.span for f in frame.fields}
    assert spans["FIN"] == Span(0, 1)
    assert spans["RSV1"] == Span(1, 1)
    assert spans["RSV2"] == Span(2, 1)
    assert spans["RSV3"] == Span(3, 1)
    assert spans["opcode"] == Span(4, 4)
    assert spans["MASK"] == Span(8, 1)
    assert spans["payload length"] == Span(9, 7)
    assert spans["masking key"] == Span(16, 32)
    assert spans["payload data"] == Span(48, 40)
    by_name = {f.name: f for f in frame.fields}
    assert by_name["opcode"].bits == "0001"
    assert "text frame" in by_name["opcode"].meaning
    assert by_name["payload length"].bits == "0000101"
    assert by_name["MASK"].bits == "1"
    assert by_name["masking key"].raw == bytes.fromhex("37fa213d")
    assert by_name["payload data"].value == b"Hello"


def test_extended_length_fields_and_meanings() -> None:
    frame = Frame.binary(b"x" * 300, mask=b"abcd")
    by_name = {f.name: f for f in frame.fields}
    assert by_name["payload length"].value == 126
    assert "16-bit extended" in by_name["payload length"].meaning
    ext = by_name["extended payload length (16-bit)"]
    assert ext.span == Span(16, 16)
    assert ext.value == 300
    assert by_name["masking key"].span == Span(32, 32)
    big = Frame.binary(b"y" * 70000)
    by_name = {f.name: f for f in big.fields}
    assert by_name["extended payload length (64-bit)"].span == Span(16, 64)
    assert "64-bit extended" in by_name["payload length"].meaning


def test_span_extract_matches_field_values() -> None:
    frame = Frame.build(0x3, b"abc", fin=False, rsv2=True, mask=b"\x01\x02\x03\x04")
    wire = bytes(frame)
    for field in frame.fields:
        if field.is_bitfield:
            assert field.bits == format(field.span.extract(wire), f"0{field.span.bit_length}b")


def test_close_frame_fields() -> None:
    frame = Frame.close(1001, "bye", mask=b"\x00\x00\x00\x00")
    assert frame.close_code == 1001
    assert frame.close_reason == "bye"
    names = [f.name for f in frame.fields]
    assert "close code" in names and "close reason" in names
    code_field = next(f for f in frame.fields if f.name == "close code")
    assert "going away" in code_field.meaning


def test_parse_incomplete_names_missing_bytes() -> None:
    with pytest.raises(IncompleteInput) as err:
        Frame.parse(bytes.fromhex("8105486c"))
    assert err.value.missing == 3
    assert "3 missing" in str(err.value)
    with pytest.raises(IncompleteInput) as err:
        Frame.parse(b"\x81")
    assert err.value.missing == 1
    with pytest.raises(IncompleteInput) as err:
        Frame.parse(bytes.fromhex("81fe00"))  # 16-bit length + mask key: 8 header bytes
    assert err.value.missing == 5


def test_parse_trailing_bytes_named() -> None:
    with pytest.raises(TrailingBytes) as err:
        Frame.parse(bytes.fromhex("810548656c6c6f0000"))
    assert err.value.extra == 2
    assert err.value.offset == 7
    assert "2 bytes left over" in str(err.value)


def _rules(frame: Frame, **kw: object) -> list[tuple[str, str, int | None]]:
    return [(v.field, v.section, v.close_code) for v in frame.check(**kw)]  # type: ignore[arg-type]


def test_lenient_parse_reports_violations() -> None:
    cases = {
        "reserved opcode": (Frame.build(0x3, b"x"), ("opcode", "RFC 6455 §5.2", 1002)),
        "rsv2": (Frame.build(Opcode.TEXT, b"x", rsv2=True), ("RSV2", "RFC 6455 §5.2", 1002)),
        "rsv1 without extension": (
            Frame.build(Opcode.TEXT, b"x", rsv1=True),
            ("RSV1", "RFC 6455 §5.2", 1002),
        ),
        "non-minimal": (
            Frame.build(Opcode.TEXT, b"x", length_form="16-bit"),
            ("payload length", "RFC 6455 §5.2", 1002),
        ),
        "fragmented ping": (
            Frame.build(Opcode.PING, b"", fin=False),
            ("FIN", "RFC 6455 §5.5", 1002),
        ),
        "long ping": (
            Frame.build(Opcode.PING, b"p" * 126),
            ("payload length", "RFC 6455 §5.5", 1002),
        ),
        "bad close code": (
            Frame.build(Opcode.CLOSE, b"\x03\xec"),
            ("close code", "RFC 6455 §7.4.1", 1002),
        ),
        "close of 1 byte": (
            Frame.build(Opcode.CLOSE, b"\x03"),
            ("payload data", "RFC 6455 §5.5.1", 1002),
        ),
        "bad close reason": (
            Frame.build(Opcode.CLOSE, b"\x03\xe8\xff"),
            ("close reason", "RFC 6455 §5.5.1", 1007),
        ),
        "invalid utf-8": (
            Frame.build(Opcode.TEXT, b"ab\xc0"),
            ("payload data", "RFC 6455 §8.1", 1007),
        ),
    }
    for name, (frame, expected) in cases.items():
        parsed = Frame.parse(bytes(frame))
        assert expected in _rules(parsed), name


def test_64_bit_length_with_top_bit_set_parses_and_is_flagged() -> None:
    # Structurally a frame can announce 2**63 bytes; parsing a header this large only reports it.
    data = bytes.fromhex("827f8000000000000000")
    parser = FrameParser()
    assert parser.feed(data) == []
    offset, hlen, plen, opcode = parser.peek_header()  # type: ignore[misc]
    assert (offset, hlen, plen, opcode) == (0, 10, 1 << 63, 2)
    with pytest.raises(IncompleteInput) as err:
        Frame.parse(data + b"z")
    assert err.value.missing == (1 << 63) - 1
    top = Frame.parse(data + b"z", allow_truncated=True)
    assert top.missing == (1 << 63) - 1
    assert top.payload_length == 1 << 63
    assert bytes(top) == data + b"z"
    assert ("extended payload length (64-bit)", "RFC 6455 §5.2", 1002) in _rules(top)
    assert "truncated" in next(f for f in top.fields if f.name == "payload data").meaning


def test_masking_rule_needs_the_sender() -> None:
    unmasked = Frame.text("hi")
    masked = Frame.text("hi", mask=b"abcd")
    assert _rules(unmasked) == []
    assert ("MASK", "RFC 6455 §5.1", 1002) in _rules(unmasked, sender="client")
    assert ("MASK", "RFC 6455 §5.1", 1002) in _rules(masked, sender="server")
    assert _rules(masked, sender="client") == []


def test_rsv1_allowed_with_deflate_but_not_on_control() -> None:
    data = Frame.build(Opcode.TEXT, b"x", rsv1=True)
    assert _rules(data, rsv1_allowed=True) == []
    ping = Frame.build(Opcode.PING, b"", rsv1=True)
    assert ("RSV1", "RFC 7692 §6.1", 1002) in _rules(ping, rsv1_allowed=True)


def test_violation_text_names_rule_bytes_section() -> None:
    frame = Frame.build(Opcode.TEXT, b"ok\xff", mask=b"\x00\x00\x00\x00")
    (violation,) = frame.violations
    assert violation.start == 8 and violation.end == 9  # header 6 bytes + payload byte 2
    text = str(violation)
    assert "invalid UTF-8" in text and "RFC 6455 §8.1" in text and "close 1007" in text


def test_fragment_utf8_allows_split_character() -> None:
    first = Frame.build(Opcode.TEXT, "é".encode()[:1], fin=False)
    assert first.violations == []
    assert first.check() == []


def test_builders() -> None:
    assert bytes(Frame.ping(b"x")) == b"\x89\x01x"
    assert bytes(Frame.pong()) == b"\x8a\x00"
    assert bytes(Frame.close(1000)) == b"\x88\x02\x03\xe8"
    assert bytes(Frame.close()) == b"\x88\x00"
    assert bytes(Frame.continuation(b"a", fin=False)) == b"\x00\x01a"
    key_frame = Frame.text("Hello", mask=True, rng=lambda n: bytes.fromhex("37fa213d"))
    assert bytes(key_frame) == bytes.fromhex("818537fa213d7f9f4d5158")
    with pytest.raises(ValueError, match="4 bytes"):
        Frame.text("x", mask=b"abc")
    with pytest.raises(ValueError, match="length form"):
        Frame.text("x", length_form="12-bit")
    with pytest.raises(ValueError, match="does not fit"):
        serialize_frame(1, b"x" * 200, length_form=LengthForm.BITS_7)


def test_non_minimal_forms_round_trip() -> None:
    for form in ("16-bit", "64-bit"):
        frame = Frame.text("hi", length_form=form)
        again = Frame.parse(bytes(frame))
        assert again.length_form.label == form
        assert again.payload == b"hi"
        assert bytes(again) == bytes(frame)


def test_stream_parser_offsets_and_chunks() -> None:
    stream = b"".join(bytes.fromhex(h) for _, h, *_ in RFC_EXAMPLES)
    whole = FrameParser().feed(stream)
    assert [f.offset for f in whole] == [0, 7, 18, 23, 27, 34]
    parser = FrameParser()
    pieces: list[Frame] = []
    for i in range(len(stream)):
        pieces.extend(parser.feed(stream[i : i + 1]))
    assert pieces == whole
    assert [f.offset for f in pieces] == [f.offset for f in whole]
    assert parser.buffered == 0


def test_repr_and_summary() -> None:
    frame = Frame.parse(bytes.fromhex("818537fa213d7f9f4d5158"))
    assert repr(frame) == "<Frame TEXT [FM] len=5 'Hello'>"
    assert Frame.build(0xB, b"").summary().startswith("0xB")


# -- properties --------------------------------------------------------------------------------------

frames = st.builds(
    lambda op, payload, fin, r1, r2, r3, key, form: Frame.build(
        op, payload, fin=fin, rsv1=r1, rsv2=r2, rsv3=r3, mask=key, length_form=form
    ),
    st.integers(0, 15),
    st.binary(max_size=300),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.one_of(st.just(False), st.binary(min_size=4, max_size=4)),
    st.sampled_from([None, "16-bit", "64-bit"]),
)


@settings(deadline=None, max_examples=300)
@given(frames)
def test_parse_of_bytes_is_identity(frame: Frame) -> None:
    again = Frame.parse(bytes(frame))
    assert again == frame
    assert bytes(again) == bytes(frame)
    assert again.payload == frame.payload
    assert (again.fin, again.rsv1, again.rsv2, again.rsv3, again.opcode) == (
        frame.fin,
        frame.rsv1,
        frame.rsv2,
        frame.rsv3,
        frame.opcode,
    )
    assert again.masking_key == frame.masking_key
    assert again.length_form == frame.length_form


@settings(deadline=None, max_examples=200)
@given(st.lists(frames, min_size=1, max_size=8), st.lists(st.integers(1, 40), max_size=30))
def test_random_chunks_equal_whole(frame_list: list[Frame], cuts: list[int]) -> None:
    stream = b"".join(bytes(f) for f in frame_list)
    whole = FrameParser().feed(stream)
    parser = FrameParser()
    got: list[Frame] = []
    pos = 0
    for cut in cuts:
        got.extend(parser.feed(stream[pos : pos + cut]))
        pos += cut
    got.extend(parser.feed(stream[pos:]))
    assert got == whole == frame_list
    assert [f.offset for f in got] == [f.offset for f in whole]


@settings(deadline=None, max_examples=500)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_our_errors(data: bytes) -> None:
    try:
        frame = Frame.parse(data)
    except WSExplorerError:
        return
    # A parsed frame can always describe and check itself.
    frame.fields  # noqa: B018
    frame.check(sender="client", rsv1_allowed=True)
    frame.summary()


# -- differential: the websockets package on the same bytes --------------------------------------------


def _ws_parse(data: bytes, *, mask: bool) -> object:
    from websockets.frames import Frame as WSFrame
    from websockets.streams import StreamReader

    reader = StreamReader()
    reader.feed_data(data)
    gen = WSFrame.parse(reader.read_exact, mask=mask)
    try:
        next(gen)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("websockets wanted more bytes")


@settings(deadline=None, max_examples=200)
@given(
    st.sampled_from([Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION, Opcode.PING, Opcode.PONG]),
    st.binary(max_size=2000),
    st.booleans(),
    st.binary(min_size=4, max_size=4),
)
def test_differential_against_websockets(op: Opcode, payload: bytes, fin: bool, key: bytes) -> None:
    from websockets.frames import Frame as WSFrame
    from websockets.frames import Opcode as WSOpcode

    if op.is_control:
        payload = payload[:125]
        fin = True
    ours = Frame.build(op, payload, fin=fin, mask=key)
    theirs = _ws_parse(bytes(ours), mask=True)
    assert theirs.opcode.value == int(op)  # type: ignore[attr-defined]
    assert theirs.data == payload  # type: ignore[attr-defined]
    assert theirs.fin == fin  # type: ignore[attr-defined]
    # And the other way: websockets serializes, we parse.
    ws_bytes = WSFrame(WSOpcode(int(op)), payload, fin=fin).serialize(mask=False)
    assert bytes(Frame.build(op, payload, fin=fin)) == ws_bytes
    parsed = Frame.parse(ws_bytes)
    assert parsed.payload == payload and parsed.fin == fin and parsed.opcode == op
    masked_ws = WSFrame(WSOpcode(int(op)), payload, fin=fin).serialize(mask=True)
    parsed = Frame.parse(masked_ws)
    assert parsed.masked and parsed.payload == payload
