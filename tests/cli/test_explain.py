"""``wsexplorer explain``: every rule broken in captures, HAR and session files, one line each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.record.pcap import export_pcapng
from wsexplorer.record.session import Session

from .conftest import CAPTURES, assert_one_line_error, run_cli

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def broken_session() -> Session:
    """A connection whose server answers with another key's accept, masks a frame and uses opcode 3."""
    session = Session("client", meta={"url": "ws://127.0.0.1:9/chat"})
    session.sent(bytes(HandshakeRequest.build("ws://127.0.0.1:9/chat", key=KEY)), 1_000)
    session.received(bytes(HandshakeResponse.switching_protocols("x3JJHMbDL1EzLkh9GBhXDw==")), 2_000)
    session.sent(bytes(Frame.text("hi", mask=b"abcd")), 3_000)
    session.received(bytes(Frame.build(1, b"ok", mask=b"abcd")), 4_000)
    session.received(bytes(Frame.build(3, b"??")), 5_000)
    return session


@pytest.mark.parametrize("name", ["ws_plain.pcap", "ws_deflate.pcapng", "ws_plain.har"])
def test_the_shipped_captures_break_no_rule(name: str) -> None:
    done = run_cli("explain", str(CAPTURES / name))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(
        r": 0 rules broken in 1 connection\(s\), (17|10) frame\(s\) checked$", done.stdout.strip()
    )


def test_a_tls_capture_is_a_note() -> None:
    done = run_cli("explain", str(CAPTURES / "wss_tls.pcap"))
    assert done.returncode == 0
    assert "note: TLS connection" in done.stdout and "for localhost" in done.stdout
    assert "encrypted, its WebSocket frames cannot be read" in done.stdout


def test_a_session_file_gives_one_line_per_rule(tmp_path: Path) -> None:
    path = tmp_path / "broken.wsx"
    broken_session().save(path)
    done = run_cli("explain", str(path))
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert lines[-1].endswith("3 rules broken in 1 connection(s), 3 frame(s) checked; 1 note(s)")
    accept = next(line for line in lines if "client's check of the response" in line)
    assert (
        "check failed (Sec-WebSocket-Accept matches): the server sent" in accept and "RFC 6455 §4.1" in accept
    )
    masked = next(line for line in lines if "a server must not mask" in line)
    start = len(bytes(HandshakeResponse.switching_protocols("x3JJHMbDL1EzLkh9GBhXDw==")))
    assert f"server→client frame #1 at stream byte {start}" in masked
    assert f"(byte {start + 1}, field MASK; RFC 6455 §5.1) -> close 1002" in masked
    opcode = next(line for line in lines if "reserved opcode" in line)
    assert "server→client frame #2" in opcode and "RFC 6455 §5.2" in opcode
    assert "the receiver failed the connection at frame #1" in done.stdout


def test_a_capture_names_the_packet(tmp_path: Path) -> None:
    path = tmp_path / "broken.pcapng"
    export_pcapng(broken_session(), path)
    done = run_cli("explain", str(path))
    assert done.returncode == 1
    masked = next(line for line in done.stdout.splitlines() if "a server must not mask" in line)
    # SYN, SYN-ACK, ACK, request, response, the client's frame, then the masked server frame
    assert masked.startswith(f"{path}: connection 1 (127.0.0.1:50000 → 127.0.0.1:80)")
    assert ", packet 7:" in masked


def test_a_har_entry_is_checked_as_rebuilt(tmp_path: Path) -> None:
    har = json.loads((CAPTURES / "ws_plain.har").read_text())
    messages = har["log"]["entries"][0]["_webSocketMessages"]
    messages.append({"type": "receive", "time": messages[-1]["time"], "opcode": 3, "data": "odd"})
    path = tmp_path / "odd.har"
    path.write_text(json.dumps(har))
    done = run_cli("explain", str(path))
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if "reserved opcode" in line)
    assert f"entry 0 (ws://127.0.0.1:36615/echo), _webSocketMessages[{len(messages) - 1}] (receive)" in line


def test_bad_files_are_one_line(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes((CAPTURES / "ws_plain.pcap").read_bytes()[:700])
    assert_one_line_error(run_cli("explain", str(cut)), 3, str(cut), "packet")
    zipped = tmp_path / "bad.wsx"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    assert_one_line_error(run_cli("explain", str(zipped)), 3, str(zipped))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert_one_line_error(
        run_cli("explain", str(text)), 3, "not a capture (pcap, pcapng), HAR or session file"
    )
    har = tmp_path / "bad.har"
    har.write_text('{"log": {"entries": [{"_webSocketMessages": 5}]}}')
    assert_one_line_error(run_cli("explain", str(har)), 3, str(har), "entry 0")
    assert_one_line_error(run_cli("explain", str(tmp_path / "none.pcap")), 3, "cannot read")
    limited = run_cli("explain", str(CAPTURES / "ws_plain.pcap"), "--max-bytes", "100")
    assert_one_line_error(limited, 3, "member packet", "max_bytes=100")
    session = tmp_path / "s.wsx"
    broken_session().save(session)
    assert_one_line_error(run_cli("explain", str(session), "--max-bytes", "-1"), 3, "max_bytes")
