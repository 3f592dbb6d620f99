"""Message reassembly on its own (the connection tests cover it in context)."""

from __future__ import annotations

import pytest

from wsexplorer.codec.assembler import MessageAssembler
from wsexplorer.codec.frame_parser import FrameParser
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import InvalidPayloadData, MessageTooBig, ProtocolError


def frames(*fs: Frame) -> list[Frame]:
    return FrameParser().feed(b"".join(bytes(f) for f in fs))


def test_single_and_fragmented() -> None:
    a = MessageAssembler()
    (f,) = frames(Frame.binary(b"abc"))
    m = a.add(f)
    assert m is not None and m.payload == b"abc" and m.fragments == 1 and not m.compressed
    parts = frames(Frame.text("Hel", fin=False), Frame.continuation("lo"))
    assert a.add(parts[0]) is None and a.in_progress
    m = a.add(parts[1])
    assert m is not None and m.data == "Hello" and m.offsets == (0, 5) and m.ratio == 1.0
    assert not a.in_progress


def test_ordering_rules() -> None:
    a = MessageAssembler()
    (c,) = frames(Frame.continuation("x"))
    with pytest.raises(ProtocolError, match="continuation frame without"):
        a.add(c)
    first, second = frames(Frame.text("a", fin=False), Frame.binary(b"b"))
    a.add(first)
    with pytest.raises(ProtocolError, match="while a fragmented message") as err:
        a.add(second)
    assert err.value.offset == 3


def test_rsv1_without_inflater() -> None:
    (f,) = frames(Frame.build(1, b"x", rsv1=True))
    with pytest.raises(ProtocolError, match="RSV1"):
        MessageAssembler().add(f)


def test_limit_inclusive_and_announced() -> None:
    a = MessageAssembler(max_message_size=4)
    (f,) = frames(Frame.binary(b"1234"))
    assert a.add(f) is not None
    a.check_announced(4, 0)
    with pytest.raises(MessageTooBig, match="5 bytes"):
        a.check_announced(5, 0)
    first, second = frames(Frame.binary(b"12", fin=False), Frame.continuation(b"345"))
    a.add(first)
    with pytest.raises(MessageTooBig):
        a.add(second)


def test_invalid_utf8_offset_in_stream() -> None:
    first, second = frames(Frame.text("ok", fin=False), Frame.continuation(b"\xffz"))
    a = MessageAssembler()
    a.add(first)
    with pytest.raises(InvalidPayloadData) as err:
        a.add(second)
    assert err.value.offset == 4 + 2  # second frame at byte 4, payload after its 2-byte header
