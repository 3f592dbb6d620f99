"""``wsexplorer import`` and ``wsexplorer export``: captures and HAR in, pcapng and HAR out, round trips."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wsexplorer.protocol.events import BinaryMessage, TextMessage
from wsexplorer.record.har import import_har
from wsexplorer.record.pcap import import_capture
from wsexplorer.record.session import C2S, S2C, Session

from .conftest import CAPTURES, CI, assert_one_line_error, run_cli


def messages(session: Session) -> list[tuple[int, str | bytes]]:
    return [
        (d, e.data)
        for d in (C2S, S2C)
        for e in session.events(d)
        if isinstance(e, (TextMessage, BinaryMessage))
    ]


def test_import_a_pcapng_writes_the_connection_as_a_session(tmp_path: Path) -> None:
    out = tmp_path / "deflate.wsx"
    done = run_cli("import", str(CAPTURES / "ws_deflate.pcapng"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: connection 1 (127.0.0.1:55620 → 127.0.0.1:40477), 17 frames" in done.stdout
    assert "ws://127.0.0.1:40477/echo" in done.stdout  # the table of connections
    loaded = Session.load(out)
    original = import_capture(CAPTURES / "ws_deflate.pcapng").sessions[0]
    assert loaded.stream(C2S) == original.stream(C2S) and loaded.stream(S2C) == original.stream(S2C)
    assert messages(loaded) == messages(original)


def test_import_a_har_rebuilds_frames_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "plain.wsx"
    done = run_cli("import", str(CAPTURES / "ws_plain.har"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "rebuilt from a HAR (messages only)" in done.stderr
    loaded = Session.load(out)
    log = import_har(CAPTURES / "ws_plain.har")[0]
    assert sorted(messages(loaded), key=repr) == sorted(
        ((m.direction, m.data) for m in log.messages), key=repr
    )
    assert loaded.meta["rebuilt"].startswith("rebuilt from a HAR")
    assert loaded.response is not None and loaded.response.status == 101


def test_export_har_round_trips_the_messages(tmp_path: Path) -> None:
    session = tmp_path / "plain.wsx"
    assert run_cli("import", str(CAPTURES / "ws_plain.pcap"), "-o", str(session)).returncode == 0
    done = run_cli("export", str(session), "--har")
    har = tmp_path / "plain.har"
    assert done.returncode == 0 and f"wrote {har}: HAR (messages only)" in done.stdout
    exported = import_har(har)[0]
    shipped = import_har(CAPTURES / "ws_plain.har")[0]
    assert [(m.direction, m.data, m.time) for m in exported.messages] == [
        (m.direction, m.data, m.time) for m in shipped.messages
    ]


def test_export_pcapng_is_read_back_by_the_importer_and_tshark(tmp_path: Path) -> None:
    session = tmp_path / "deflate.wsx"
    assert run_cli("import", str(CAPTURES / "ws_deflate.pcapng"), "-o", str(session)).returncode == 0
    out = tmp_path / "again.pcapng"
    done = run_cli("export", str(session), "--pcapng", "-o", str(out))
    assert done.returncode == 0 and f"wrote {out}: pcapng capture of 17 frames" in done.stdout
    again = import_capture(out).sessions[0]
    assert messages(again) == messages(Session.load(session))
    if shutil.which("tshark") is None:
        if CI:
            pytest.fail("tshark is missing under CI: bash scripts/setup-capture-tools.sh")
        pytest.skip("tshark is not installed (bash scripts/setup-capture-tools.sh)")
    fields = subprocess.run(
        ["tshark", "-n", "-r", str(out), "-Y", "websocket", "-T", "fields", "-e", "websocket.opcode"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert sum(len(f.split(",")) for f in fields) == 17


def test_import_and_export_refuse_clearly(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("import", str(CAPTURES / "wss_tls.pcap"), "-o", str(tmp_path / "x.wsx")),
        3,
        "no WebSocket connection to import",
    )
    assert_one_line_error(
        run_cli("import", str(CAPTURES / "ws_plain.pcap"), "-o", str(tmp_path / "x.wsx"), "-c", "2"),
        2,
        "--connection 2",
        "has 1 WebSocket connection(s)",
    )
    session = tmp_path / "s.wsx"
    assert run_cli("import", str(CAPTURES / "ws_plain.pcap"), "-o", str(session)).returncode == 0
    assert_one_line_error(
        run_cli("import", str(session), "-o", str(tmp_path / "y.wsx")), 3, "already a session"
    )
    assert_one_line_error(run_cli("export", str(CAPTURES / "ws_plain.pcap"), "--har"), 3, "ws_plain.pcap")
    assert_one_line_error(
        run_cli("export", str(session), "--pcapng", "-o", str(session)), 2, "would overwrite the session"
    )
    assert_one_line_error(
        run_cli("import", str(CAPTURES / "ws_plain.pcap"), "-o", str(tmp_path / "no" / "dir.wsx")),
        3,
        "cannot write",
    )
    usage = run_cli("export", str(session))
    assert usage.returncode == 2 and "one of the arguments --pcapng --har is required" in usage.stderr
