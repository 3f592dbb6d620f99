"""A capture joined after the opening handshake of a permessage-deflate connection (issue 10).

The capture is cut from ``ws_deflate.pcapng`` with dpkt (not with our own reader), as a capture that
began late would be. Data frames with RSV1 then mean permessage-deflate (RFC 7692 §6): it is assumed,
said so, and nothing is reported as an RSV1 violation; a message compressed against history the
capture does not hold (context takeover, §7.2.3) is shown as not inflated, and the next one is tried
afresh. When the capture begins with the server's 101, its extensions are taken instead of assumed.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import dpkt  # type: ignore[import-untyped]
import dpkt.pcap  # type: ignore[import-untyped]
import dpkt.pcapng  # type: ignore[import-untyped]
import pytest

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.frames import Frame
from wsexplorer.errors import InvalidPayloadData
from wsexplorer.record.capture import WebSocketCapture
from wsexplorer.record.context import ASSUMED_EXTENSIONS, HISTORY_MISSING, AssumedDeflateState
from wsexplorer.record.pcap import import_capture
from wsexplorer.record.session import C2S, S2C, Direction, Session

from ..cli.conftest import run_cli
from .capture_samples import DEFLATE, MESSAGES, Flow, messages, write_pcap

# Packets of ws_deflate.pcapng (tests/record/captures/README.md): 1-3 the TCP handshake, 4 the GET,
# 5 its ACK, 6 the 101, 7 its ACK; from 8 on, the frames (8 the client's first text, 9 its echo).


def cut_capture(path: Path, first: int) -> Path:
    """ws_deflate.pcapng as a capture started at packet ``first`` would hold it (a pcap, by dpkt)."""
    with open(DEFLATE, "rb") as source, open(path, "wb") as target:
        reader = dpkt.pcapng.Reader(source)
        writer = dpkt.pcap.Writer(target, linktype=reader.datalink(), nano=True)
        for number, (ts, data) in enumerate(reader, start=1):
            if number >= first:
                writer.writepkt(data, ts)
    return path


def single(path: Path) -> WebSocketCapture:
    (ws,) = import_capture(path).websockets
    return ws


def all_violations(session: Session, direction: Direction) -> list[str]:
    replay = session.replay(direction)
    return [v.rule for i in range(session.frame_count(direction)) for v in replay.frame(i).violations]


def test_joined_after_the_handshake_permessage_deflate_is_assumed_and_every_message_inflated(
    tmp_path: Path,
) -> None:
    ws = single(cut_capture(tmp_path / "late.pcap", 8))
    session = ws.session
    assert ws.midstream and not session.handshake
    assert session.meta[ASSUMED_EXTENSIONS] == ["permessage-deflate"]
    assumption = session.meta["assumption"]
    assert "first frame boundary" in assumption and "permessage-deflate is assumed" in assumption
    assert any(f.kind == "mid-connection" and "permessage-deflate is assumed" in f.rule for f in ws.findings)
    for d in (C2S, S2C):
        assert all_violations(session, d) == []
        replay = session.replay(d)
        assert replay.failure is None and replay.context.rsv1_allowed
        assert "permessage-deflate assumed" in replay.context.assumptions[0]
        assert [m.note for m in replay.messages] == [""] * len(MESSAGES)
        assert messages(session, d) == MESSAGES  # the capture holds every message's history


def test_a_message_whose_history_precedes_the_capture_is_noted_and_the_next_ones_inflated(
    tmp_path: Path,
) -> None:
    # Packets 8 and 9 (the first "Hello Server!" both ways) are lost: the second one refers back to it.
    ws = single(cut_capture(tmp_path / "later.pcap", 10))
    session = ws.session
    for d in (C2S, S2C):
        assert all_violations(session, d) == []
        replay = session.replay(d)
        replay.advance()
        assert replay.failure is None
        first, *rest = replay.messages
        assert first.compressed and first.note == HISTORY_MISSING and first.size == 0
        assert first.head_text() == f"[{HISTORY_MISSING}]"
        assert [m.note for m in rest] == [""] * len(rest)
        # delivered empty, never in part; every later message inflated (the next with an empty window)
        assert messages(session, d) == ["", *MESSAGES[2:]]
        assert replay.payload(first.number) == b""


def test_the_assumption_survives_saving_and_loading(tmp_path: Path) -> None:
    ws = single(cut_capture(tmp_path / "late.pcap", 10))
    ws.session.save(tmp_path / "late.wsx")
    loaded = Session.load(tmp_path / "late.wsx")
    assert loaded.meta[ASSUMED_EXTENSIONS] == ["permessage-deflate"] and not loaded.handshake
    for d in (C2S, S2C):
        assert all_violations(loaded, d) == [] and messages(loaded, d) == ["", *MESSAGES[2:]]
        assert loaded.replay(d).messages[0].note == HISTORY_MISSING


def test_explain_on_the_cut_capture_breaks_no_rule(tmp_path: Path) -> None:
    for first in (8, 10):
        path = cut_capture(tmp_path / f"from{first}.pcap", first)
        done = run_cli("explain", str(path))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "RSV1" not in done.stdout.replace("RSV1 is set on data frames", "")
        assert "permessage-deflate is assumed" in done.stdout
        assert (
            done.stdout.strip()
            .splitlines()[-1]
            .endswith(
                f"0 rules broken in 1 connection(s), {17 if first == 8 else 15} frame(s) checked; 5 note(s)"
            )
        )


def test_a_captured_101_gives_the_extensions_agreed(tmp_path: Path) -> None:
    ws = single(cut_capture(tmp_path / "answer.pcap", 6))  # the request is lost, the 101 is not
    session = ws.session
    agreed = "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
    assert session.meta[ASSUMED_EXTENSIONS] == [agreed]
    assert f"the extensions agreed are read from the server's answer: {agreed}" in session.meta["assumption"]
    assert "is assumed" not in session.meta["assumption"]
    for d in (C2S, S2C):
        assert all_violations(session, d) == [] and messages(session, d) == MESSAGES


def test_rsv1_after_a_captured_101_without_extensions_is_still_a_violation(tmp_path: Path) -> None:
    response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = (squeeze.compress(b"hello") + squeeze.flush(zlib.Z_SYNC_FLUSH))[:-4]
    frames = [bytes(Frame.text(payload, rsv1=True, mask=b"abcd")), bytes(Frame.ping(b"", mask=b"abcd"))]
    server = [bytes(Frame.text(payload, rsv1=True)), bytes(Frame.pong(b""))]
    packets = Flow().connection([b"".join(frames * 2)], [response + b"".join(server * 2)], syn=False)
    write_pcap(tmp_path / "plain101.pcap", packets)
    session = single(tmp_path / "plain101.pcap").session
    assert ASSUMED_EXTENSIONS not in session.meta
    assert "read from the server's answer: none" in session.meta["assumption"]
    for d in (C2S, S2C):
        assert all_violations(session, d)[0] == "RSV1 is set but no extension that defines it was negotiated"


def test_assumed_extensions_from_a_file_are_checked_never_raised() -> None:
    key = b"\x01\x02\x03\x04"
    for value in (
        ["x-unknown"],
        ["permessage-deflate; server_max_window_bits=99"],
        "permessage-deflate",
        [7],
    ):
        session = Session("client", handshake=False, meta={ASSUMED_EXTENSIONS: value})
        session.record(C2S, bytes(Frame.text(b"\xf2\x00", rsv1=True, mask=key)), 1)
        replay = session.replay(C2S)
        assert not replay.context.rsv1_allowed and "not usable" in replay.context.assumptions[0]
        assert all_violations(session, C2S)[0].startswith("RSV1 is set")


# -- the receiver's side of the assumption (record/context.py) -------------------------------------------


def compressed(*texts: bytes) -> list[bytes]:
    """Each text compressed as one message by a sender with context takeover (RFC 7692 §7.2.1)."""
    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    return [(squeeze.compress(t) + squeeze.flush(zlib.Z_SYNC_FLUSH))[:-4] for t in texts]


def test_assumed_deflate_notes_a_message_it_cannot_inflate_and_starts_the_next_afresh() -> None:
    lower = b"alpha beta gamma delta " * 4
    upper = b"ALPHA BETA GAMMA DELTA " * 2
    digits = b"0123456789" * 5  # no byte of it was sent before: inflates with an empty window
    _, second, third, fourth = compressed(lower, upper + lower, digits, digits)
    state = AssumedDeflateState(ExtensionOffer("permessage-deflate"), "client")
    half = len(second) // 2
    # the message's first part inflates, its second refers to a message the state never saw:
    # nothing is delivered in part
    assert state.decompress(second[:half], fin=False) == b""
    assert state.decompress(second[half:], fin=True) == b""
    assert state.decompress(third[:5], fin=False) == b""  # handed over whole at the last frame
    assert state.decompress(third[5:], fin=True) == digits
    assert state.decompress(fourth, fin=True) == digits  # its window now holds the third message
    assert [state.note(k) for k in range(3)] == [HISTORY_MISSING, "", ""]
    assert state.note(0) == ""  # each note is given once


def test_assumed_deflate_still_fails_on_data_that_is_no_deflate_stream() -> None:
    state = AssumedDeflateState(ExtensionOffer("permessage-deflate"), "client")
    with pytest.raises(InvalidPayloadData, match="invalid block type"):
        state.decompress(b"\xff\xff\xff", fin=True)


# -- a capture that starts inside a fragmented message (RFC 6455 §5.4) ---------------------------------------


@pytest.mark.parametrize("first", [17, 18])  # packets 16-19: the client's text in four fragments
def test_the_rest_of_a_message_begun_before_the_capture_is_passed_over(tmp_path: Path, first: int) -> None:
    ws = single(cut_capture(tmp_path / "inside.pcap", first))
    session = ws.session
    assert "end a message begun before the capture and are not recorded" in session.meta["assumption"]
    assert [f.frame.opcode for f in session.frames(C2S)] == [0x9, 0x8]  # the ping, the close
    for d in (C2S, S2C):
        assert all_violations(session, d) == [] and session.replay(d).failure is None
    assert messages(session, S2C) == [MESSAGES[-1]]


def test_a_direction_aligned_later_passes_over_a_message_begun_before_the_capture(tmp_path: Path) -> None:
    key = b"\x05\x06\x07\x08"
    client = b"".join(bytes(Frame.text(t, mask=key)) for t in "abc")  # judged before the server speaks
    tail = [Frame.build(0, b"xx", fin=False), Frame.ping(b"!"), Frame.build(0, b"yy")]  # a message's end
    server = [*tail, Frame.text("whole"), Frame.pong(b"!"), Frame.close(1000)]
    packets = Flow().connection([client], [b"".join(bytes(f) for f in server)], syn=False)
    write_pcap(tmp_path / "late_server.pcap", packets)
    ws = single(tmp_path / "late_server.pcap")
    end = sum(len(bytes(f)) for f in tail)
    (rule,) = [f.rule for f in ws.findings if f.direction == S2C and f.kind == "mid-connection"]
    assert rule.startswith(f"this direction's first frame boundary is at byte 0; bytes 0..{end - 1} end a")
    assert messages(ws.session, S2C) == ["whole"] and all_violations(ws.session, S2C) == []
    assert messages(ws.session, C2S) == ["a", "b", "c"]
