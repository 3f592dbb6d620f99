"""``wsexplorer serve`` and ``wsexplorer relay``: servers in a subprocess, their printed frames, SIGTERM."""

from __future__ import annotations

from pathlib import Path

from wsexplorer.record.session import C2S, Session

from .conftest import ANSI, assert_one_line_error, run_cli, start_cli


def test_serve_prints_connections_and_frames() -> None:
    server = start_cli("serve", "-p", "0", "--subprotocols", "chat,superchat")
    try:
        done = run_cli("connect", server.url, "-s", "superchat", "--no-deflate", "-x", "hi", "-w", "1")
        assert done.returncode == 0, done.stderr
        assert "(subprotocol superchat)" in done.stderr
    finally:
        status, out, err = server.stop()
    assert status == 0, err
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0].startswith("listening on ws://127.0.0.1:")
    assert any(
        line.startswith("#1 + 127.0.0.1:") and line.endswith("GET / (subprotocol superchat)")
        for line in lines
    )
    assert "#1 < TEXT [FM] len=2 'hi'" in lines and "#1 > TEXT [F] len=2 'hi'" in lines
    assert any(
        line.startswith("#1 - 127.0.0.1:") and line.endswith("closed: received 1000") for line in lines
    )
    assert "stopped: every connection closed with 1001 (going away)" in err


def test_serve_misbehaves_only_when_asked() -> None:
    listed = run_cli("serve", "--misbehave", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("wrong-accept ")
    server = start_cli("serve", "-p", "0", "--misbehave", "mask-frames")
    try:
        done = run_cli("connect", server.url, "-x", "hi", "-w", "2")
    finally:
        assert server.stop()[0] == 0
    assert done.returncode == 4
    assert "  ! a server must not mask frames it sends" in done.stdout
    assert_one_line_error(run_cli("serve", "--misbehave", "bogus"), 2, "unknown misbehaviour ['bogus']")


def test_serve_on_a_busy_port_is_one_line() -> None:
    server = start_cli("serve", "-p", "0")
    try:
        port = server.url.rsplit(":", 1)[1].strip("/")
        assert_one_line_error(run_cli("serve", "-p", port), 3, f"cannot listen on 127.0.0.1:{port}")
    finally:
        assert server.stop()[0] == 0


def test_relay_shows_both_legs(tmp_path: Path) -> None:
    upstream = start_cli("serve", "-p", "0")
    relay = start_cli(
        "relay", upstream.url, "-p", "0", "--open-timeout", "2", "--save", str(tmp_path / "r.wsx")
    )
    try:
        assert relay.first_line.startswith("listening on ws://127.0.0.1:")
        assert relay.first_line.strip().endswith(f"→ {upstream.url}")
        done = run_cli("connect", relay.first_line.split()[2], "--no-deflate", "-x", "through", "-w", "1")
        assert done.returncode == 0, done.stderr
        assert "< TEXT [F] len=7 'through'" in done.stdout
    finally:
        status, out, err = relay.stop()
        assert upstream.stop()[0] == 0
    assert status == 0, err
    lines = out.splitlines()
    for leg in ("client  ", "upstream"):
        assert f"#1 {leg} > TEXT [FM] len=7 'through'" in lines
        assert f"#1 {leg} < TEXT [F] len=7 'through'" in lines
    assert "#1 client leg and upstream leg: no differences" in out
    client, upstream_leg = (Session.load(tmp_path / f"r-1-{leg}.wsx") for leg in ("client", "upstream"))
    assert client.frame_count(C2S) == upstream_leg.frame_count(C2S) == 2
    assert_one_line_error(run_cli("relay", "http://example.invalid/"), 3, "the scheme must be ws or wss")
