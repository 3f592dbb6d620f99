"""``wsexplorer replay``: a recorded session sent again, to the same server and to one that misbehaves."""

from __future__ import annotations

from pathlib import Path

from wsexplorer.record.session import Session

from .conftest import CAPTURES, assert_one_line_error, run_cli, start_cli


def test_replay_against_the_same_and_a_different_server(tmp_path: Path) -> None:
    original = tmp_path / "original.wsx"
    same = start_cli("serve", "-p", "0")
    other = start_cli("serve", "-p", "0", "--misbehave", "mask-frames")
    try:
        recorded = run_cli("connect", same.url, "-x", "one", "-x", "two", "-w", "1", "--save", str(original))
        assert recorded.returncode == 0, recorded.stderr
        again = tmp_path / "again.wsx"
        done = run_cli("replay", str(original), same.url, "--save", str(again))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "original and replay: no differences" in done.stdout
        assert "> TEXT [F1M]" in done.stdout and "inflated: 'one' (3 bytes)" in done.stdout
        assert Session.load(again).frame_count() == Session.load(original).frame_count()
        differs = run_cli("replay", str(original), other.url, "--answer-timeout", "1")
        assert differs.returncode == 1, differs.stderr
        assert "! a server must not mask frames it sends" in differs.stdout
        assert "original vs replay:" in differs.stdout
        assert "     1 only in original text 'one' (3 B) | –" in differs.stdout
    finally:
        assert same.stop()[0] == 0 and other.stop()[0] == 0


def test_replay_refuses_clearly(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("replay", str(CAPTURES / "ws_plain.pcap"), "ws://127.0.0.1:9/"), 3, "not a session file"
    )
    session = tmp_path / "s.wsx"
    assert run_cli("import", str(CAPTURES / "ws_plain.pcap"), "-o", str(session)).returncode == 0
    assert_one_line_error(run_cli("replay", str(session), "ws://127.0.0.1:9/"), 4, "cannot connect")
    assert_one_line_error(run_cli("replay", str(session), "ftp://x/"), 3, "ws or wss")
