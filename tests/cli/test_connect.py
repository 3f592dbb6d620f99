"""``wsexplorer connect``: interactive in a pseudo-terminal, piped, ``-x``, TLS options, failures."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from wsexplorer.record.session import C2S, Session

from .conftest import ANSI, CI, COLOUR, Background, Terminal, assert_one_line_error, run_cli


def test_interactive_in_a_terminal(echo_server: Background) -> None:
    term = Terminal(["connect", echo_server.url])
    try:
        term.read_until(r"connected to ws://127\.0\.0\.1:\d+/: HTTP/1\.1 101 Switching Protocols")
        term.type("hello")
        term.read_until(r"< TEXT \[F1\] len=\d+ .*inflated: 'hello' \(5 bytes\)")
        term.type("/binary 00 01 02 ff")
        term.read_until(r"< BINARY \[F1\] len=\d+")
        term.type("/ping abc")
        term.read_until(r"pong after \d+\.\d{3} ms")
        term.type("/nope")
        term.read_until(r"error: unknown command '/nope'")
        term.type("/close 1000 done")
        text = term.read_until(r"closed: received 1000, sent 1000")
        assert term.wait() == 0
    finally:
        term.close()
    assert "> CLOSE [FM] len=6 code=1000 reason='done'" in text
    assert COLOUR.search(term.seen), "a terminal gets colours"


def test_no_color_in_a_terminal(echo_server: Background) -> None:
    term = Terminal(["connect", echo_server.url, "--no-deflate"], NO_COLOR="1")
    try:
        term.read_until("connected to")
        term.type("plain")
        term.read_until(r"< TEXT \[F\] len=5 'plain'")
        term.type("/close")
        term.read_until("closed: received 1000")
        assert term.wait() == 0
    finally:
        term.close()
    assert not COLOUR.search(term.seen), "NO_COLOR: no colour codes"


def test_piped_lines_and_end_of_input(echo_server: Background, tmp_path: Path) -> None:
    saved = tmp_path / "talk.wsx"
    done = run_cli(
        "connect", echo_server.url, "--no-deflate", "-w", "2", "--save", str(saved), stdin=b"one\n//two\n"
    )
    assert done.returncode == 0, done.stderr
    assert not ANSI.search(done.stdout + done.stderr)
    lines = done.stdout.splitlines()
    # each direction in order; how the two interleave depends on timing (piped lines go at once)
    assert [line for line in lines if line.startswith(">")][:2] == [
        "> TEXT [FM] len=3 'one'",
        "> TEXT [FM] len=4 '/two'",
    ]
    assert [line for line in lines if line.startswith("<")][:2] == [
        "< TEXT [F] len=3 'one'",
        "< TEXT [F] len=4 '/two'",
    ]
    assert "closed: received 1000, sent 1000" in done.stderr
    session = Session.load(saved)
    assert session.frame_count(C2S) == 3 and session.meta["url"] == echo_server.url


def test_execute_and_a_broken_rule(echo_server: Background) -> None:
    done = run_cli("connect", echo_server.url, "-x", "hi", "-x", "/raw 8a00", "-w", "2")
    assert done.returncode == 4, done.stderr
    assert "> PONG [F] len=0\n  ! a client must mask every frame it sends" in done.stdout
    assert "RFC 6455 §5.1) -> close 1002" in done.stdout
    assert "< CLOSE [F] len=41 code=1002 reason='a client must mask every frame it sends'" in done.stdout
    assert "closed: received 1002" in done.stderr
    dumped = run_cli("connect", echo_server.url, "--dump", "--no-deflate", "-x", "hi", "-w", "1")
    assert dumped.returncode == 0, dumped.stderr
    assert "Sec-WebSocket-Key" in dumped.stdout and "HTTP/1.1 101 Switching Protocols" in dumped.stdout
    assert "Frame · TEXT [FM] len=2 'hi' · frame #1, message #1 · sent by the client" in dumped.stdout
    assert "masking key" in dumped.stdout and "violations: none" in dumped.stdout


def test_connection_failures_are_one_line() -> None:
    assert_one_line_error(run_cli("connect", "ws://127.0.0.1:9/"), 4, "ws://127.0.0.1:9/: cannot connect")
    assert_one_line_error(run_cli("connect", "http://127.0.0.1:9/"), 3, "the scheme must be ws or wss")
    assert_one_line_error(run_cli("connect", "ws://127.0.0.1:9/", "--insecure"), 3, "are for wss:// URLs")
    assert_one_line_error(run_cli("connect", "ws://127.0.0.1:9/", "-H", "broken"), 3, "'Name: value'")


def test_a_refused_handshake(tmp_path: Path) -> None:
    from .conftest import start_cli

    server = start_cli("serve", "-p", "0", "--origins", "https://ok.example")
    try:
        done = run_cli("connect", server.url, "-o", "https://evil.example")
    finally:
        assert server.stop()[0] == 0
    assert done.returncode == 4
    assert "the server answered: HTTP/1.1 403 Forbidden" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("wsexplorer: error: connect: ")


TLS_SERVER = textwrap.dedent(
    """
    import asyncio, ssl, sys
    import trustme
    import wsexplorer as wsx

    async def main():
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        ca.cert_pem.write_to_path(sys.argv[1])
        server = await wsx.serve_echo(ssl=context, extensions=None)
        print(server.url.replace("127.0.0.1", "localhost"), flush=True)
        await asyncio.sleep(120)

    asyncio.run(main())
    """
)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    import importlib.util
    import select
    import subprocess

    if importlib.util.find_spec("trustme") is None:
        if CI:
            pytest.fail("trustme is missing under CI (pip install -e '.[test]')")
        pytest.skip("trustme is not installed")
    ca = tmp_path / "ca.pem"
    proc = subprocess.Popen(
        [sys.executable, "-c", TLS_SERVER, str(ca)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        url = proc.stdout.readline().strip() if ready else ""
        assert url.startswith("wss://localhost:"), proc.stderr.read() if proc.poll() is not None else url
        yield url, ca
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def test_wss_checks_the_certificate_unless_told(tls_server: tuple[str, Path], tmp_path: Path) -> None:
    url, ca = tls_server
    unknown = run_cli("connect", url, "-x", "x", "-w", "0")
    assert_one_line_error(unknown, 4, "certificate verification failed for localhost: unknown issuer")
    keylog = tmp_path / "keys.log"
    trusted = run_cli("connect", url, "--ca", str(ca), "--keylog", str(keylog), "-x", "secret", "-w", "2")
    assert trusted.returncode == 0, trusted.stderr
    assert "< TEXT [F] len=6 'secret'" in trusted.stdout
    assert "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in keylog.read_text() or "CLIENT_RANDOM" in keylog.read_text()
    insecure = run_cli("connect", url, "--insecure", "-x", "again", "-w", "2")
    assert insecure.returncode == 0, insecure.stderr
    assert "warning: --insecure: the server's certificate is NOT checked" in insecure.stderr
    assert_one_line_error(run_cli("connect", url, "--ca", str(tmp_path / "none.pem")), 3, "--ca")
