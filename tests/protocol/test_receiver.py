"""FrameReceiver's fast path (whole small messages straight from the bytes) against its general path.

A receiver with ``frame_events=True`` takes every frame through the parser, the header rules and the
assembler; one with ``frame_events=False`` takes single-frame messages of up to 125 bytes the short way.
Fed the same streams, valid and broken, cut anywhere, both must report the same messages and fail with
the same rule at the same offset.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.codec.extensions.base import ExtensionOffer
from wsexplorer.codec.extensions.permessage_deflate.state import PerMessageDeflateState
from wsexplorer.codec.frame_builder import serialize_frame
from wsexplorer.errors import CloseCode, ProtocolError
from wsexplorer.protocol.events import BinaryMessage, Event, FrameReceived
from wsexplorer.protocol.receiver import FrameReceiver

KINDS = [
    "text",
    "binary",
    "bad-utf8",
    "ping",
    "pong",
    "ping-no-fin",
    "ping-long",
    "fragmented",
    "rsv2",
    "wrong-mask",
    "long",
    "deflate-text",
    "deflate-binary",
    "deflate-bad-utf8",
    "deflate-garbage",
    "close",
]


def _frames(kinds: list[tuple[str, int]], sender: str, peer: PerMessageDeflateState) -> bytes:
    """The wire bytes of one frame (or two, for a fragmented message) per kind."""
    out = []

    def frame(
        opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False, masked: bool | None = None
    ) -> bytes:
        mask = (sender == "client") if masked is None else masked
        return serialize_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=os.urandom(4) if mask else None)

    for kind, size in kinds:
        text = (b"ab\xc3\xa9" * 32)[:size].decode("utf-8", "ignore").encode("utf-8")
        data = os.urandom(size)
        if kind == "text":
            out.append(frame(1, text))
        elif kind == "binary":
            out.append(frame(2, data))
        elif kind == "bad-utf8":
            out.append(frame(1, text[: size // 2] + b"\xff" + text[size // 2 :]))
        elif kind == "ping":
            out.append(frame(9, data[:125]))
        elif kind == "pong":
            out.append(frame(10, data[:125]))
        elif kind == "ping-no-fin":
            out.append(frame(9, data[:125], fin=False))
        elif kind == "ping-long":
            out.append(frame(9, os.urandom(126)))
        elif kind == "fragmented":
            out.append(frame(2, data[:3], fin=False) + frame(0, data[3:]))
        elif kind == "rsv2":
            raw = bytearray(frame(2, data))
            raw[0] |= 0x20
            out.append(bytes(raw))
        elif kind == "wrong-mask":
            out.append(frame(2, data, masked=sender != "client"))
        elif kind == "long":
            out.append(frame(2, os.urandom(126 + size)))
        elif kind == "deflate-text":
            out.append(frame(1, peer.compress(text), rsv1=True))
        elif kind == "deflate-binary":
            out.append(frame(2, peer.compress(data), rsv1=True))
        elif kind == "deflate-bad-utf8":
            out.append(frame(1, peer.compress(b"ok\xc3("), rsv1=True))
        elif kind == "deflate-garbage":
            out.append(frame(2, b"\xff" * (size + 1), rsv1=True))
        else:
            out.append(frame(8, b"\x03\xe8"))
    return b"".join(out)


def _run(data: bytes, cuts: list[int], fast: bool, sender: str, deflate: bool, limit: int | None) -> Any:
    receiver = FrameReceiver(
        sender=sender,  # type: ignore[arg-type]
        max_frame_size=limit,
        max_message_size=limit,
        stream_base=7,
        frame_events=not fast,
    )
    if deflate:
        receiver.use(
            PerMessageDeflateState(
                ExtensionOffer("permessage-deflate"), "server" if sender == "client" else "client"
            )
        )
    events: list[Event] = []
    controls = []
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    error = None
    try:
        for a, b in itertools.pairwise(points):
            scratch = bytearray(data[a:b])  # a reused read buffer: nothing may be kept by reference
            controls.append(receiver.feed(memoryview(scratch), events))
            scratch[:] = b"\xee" * len(scratch)
    except ProtocolError as exc:
        error = (type(exc), exc.rule, exc.offset, exc.close_code, exc.section)
    shown = [e for e in events if not isinstance(e, FrameReceived)]
    if error is not None:  # a failed connection reads no further: where its parser stopped is moot
        return shown, controls, error, None, None, receiver.closed
    return shown, controls, error, receiver.stream_offset, receiver.buffered, receiver.closed


@settings(max_examples=300, deadline=None)
@given(
    kinds=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 125)), min_size=1, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=1 << 12), max_size=10),
    sender=st.sampled_from(["client", "server"]),
    deflate=st.booleans(),
    limit=st.sampled_from([None, 1 << 20, 40]),
)
def test_fast_and_general_paths_agree(
    kinds: list[tuple[str, int]], cuts: list[int], sender: str, deflate: bool, limit: int | None
) -> None:
    peer = PerMessageDeflateState(ExtensionOffer("permessage-deflate"), sender)  # type: ignore[arg-type]
    data = _frames(kinds, sender, peer)
    fast = _run(data, cuts, True, sender, deflate, limit)
    general = _run(data, cuts, False, sender, deflate, limit)
    assert fast == general


@pytest.mark.parametrize("sender", ["client", "server"])
def test_fast_path_messages_carry_offsets_and_text(sender: str) -> None:
    key = b"abcd" if sender == "client" else None
    frames = [
        serialize_frame(1, "héllo".encode(), mask_key=key),
        serialize_frame(2, bytes(range(125)), mask_key=key),
        serialize_frame(1, b"", mask_key=key),
    ]
    events, controls, error, offset, buffered, closed = _run(b"".join(frames), [], True, sender, False, None)
    assert error is None and controls == [False] and buffered == 0 and not closed
    assert offset == 7 + sum(map(len, frames))
    assert [e.data for e in events] == ["héllo", bytes(range(125)), ""]  # type: ignore[attr-defined]
    starts = [7, 7 + len(frames[0]), 7 + len(frames[0]) + len(frames[1])]
    assert [e.message.offsets for e in events] == [(n,) for n in starts]  # type: ignore[attr-defined]
    assert [e.message.wire_size for e in events] == [6, 125, 0]  # type: ignore[attr-defined]


def test_a_broken_frame_after_good_ones_fails_where_it_starts() -> None:
    good = serialize_frame(1, b"hello", mask_key=b"abcd")
    bad = serialize_frame(1, b"\xff", mask_key=b"abcd")
    events, _, error, *_ = _run(good + bad, [], True, "client", False, None)
    assert [e.data for e in events] == ["hello"]  # type: ignore[attr-defined]
    assert error is not None
    assert error[2:4] == (7 + len(good) + 6, 1007)  # the invalid byte: after the second header


def test_a_large_frame_is_checked_before_its_payload_is_allocated() -> None:
    """The parser streams a large frame only from the read after its header; the receiver refuses an
    announcement over the limit on the read that completed the header, so nothing is allocated for it."""
    refused = FrameReceiver(sender="client", max_frame_size=1 << 20, max_message_size=1 << 20)
    header = bytes([0x82, 0xFF]) + (2 << 20).to_bytes(8, "big") + b"\x00" * 4
    with pytest.raises(ProtocolError) as caught:
        refused.feed(header + b"x" * 100, [])
    assert caught.value.close_code == CloseCode.MESSAGE_TOO_BIG
    assert refused._parser._writer is None
    accepted = FrameReceiver(sender="client", max_frame_size=1 << 20, max_message_size=1 << 20)
    header = bytes([0x82, 0xFF]) + (100_000).to_bytes(8, "big") + b"\x00" * 4
    events: list[Event] = []
    accepted.feed(header + b"x" * 100, events)
    assert accepted._parser._writer is None  # not yet: the header was checked on this read
    accepted.feed(b"x" * 1000, events)
    assert accepted._parser._writer is not None
    accepted.feed(b"x" * (100_000 - 1100), events)
    (message,) = [e for e in events if isinstance(e, BinaryMessage)]
    assert message.data == b"x" * 100_000
