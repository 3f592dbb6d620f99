"""``wsexplorer accept`` and ``wsexplorer dump``: the RFC's examples, stdin and files, bad input."""

from __future__ import annotations

from pathlib import Path

from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeResponse

from .conftest import ANSI, assert_one_line_error, run_cli

HELLO_MASKED = "818537fa213d7f9f4d5158"  # RFC 6455 §5.7: a masked "Hello" from a client
HELLO = "810548656c6c6f"  # RFC 6455 §5.7: an unmasked "Hello" from a server


def test_accept_shows_the_steps_of_the_rfc_example() -> None:
    done = run_cli("accept", "dGhlIHNhbXBsZSBub25jZQ==")
    assert done.returncode == 0, done.stderr
    assert "=> Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in done.stdout  # RFC 6455 §1.3
    assert "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" in done.stdout
    assert "RFC 6455 §4.2.2 step 5.4" in done.stdout
    assert not ANSI.search(done.stdout), "piped output must be plain"


def test_accept_quiet_prints_only_the_value() -> None:
    done = run_cli("accept", "-q", "dGhlIHNhbXBsZSBub25jZQ==")
    assert (done.returncode, done.stdout, done.stderr) == (0, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n", "")


def test_accept_of_a_bad_key_computes_anyway_and_exits_1() -> None:
    done = run_cli("accept", "abc")
    assert done.returncode == 1
    assert "[FAILED]" in done.stdout and "not a multiple of 4" in done.stdout
    quiet = run_cli("accept", "-q", "abc")
    assert quiet.returncode == 1 and quiet.stdout.strip() == "zwKd5BnoWxQ6GxTxxSmBSHGHX9M="
    assert "a server refuses this key" in quiet.stderr


def test_dump_of_a_valid_frame_exits_0() -> None:
    done = run_cli("dump", HELLO_MASKED, "--sender", "client")
    assert done.returncode == 0, done.stderr
    assert "Frame · TEXT [FM] len=5 'Hello' · frame #1, message #1 · sent by the client" in done.stdout
    assert "37 fa 21 3d" in done.stdout and "text: 'Hello' (shown unmasked)" in done.stdout
    assert "violations: none" in done.stdout


def test_dump_judges_frames_in_the_context_given() -> None:
    as_server = run_cli("dump", HELLO_MASKED, "--sender", "server")
    assert as_server.returncode == 1
    assert "a server must not mask frames it sends" in as_server.stdout
    unknown = run_cli("dump", HELLO_MASKED)
    assert unknown.returncode == 0 and "the masking rule (RFC 6455 §5.1) was not checked" in unknown.stderr
    compressed = Frame.build(1, b"\xf2\x48\xcd\xc9\xc9\x07\x00", rsv1=True)  # RFC 7692 §7.2.3.1
    plain = run_cli("dump", bytes(compressed).hex(), "--sender", "server")
    assert plain.returncode == 1 and "RSV1 is set but no extension" in plain.stdout
    deflate = run_cli("dump", bytes(compressed).hex(), "--sender", "server", "--deflate")
    assert deflate.returncode == 0, deflate.stdout


def test_dump_reads_stdin_and_files(tmp_path: Path) -> None:
    two = bytes.fromhex(HELLO + HELLO)
    piped = run_cli("dump", "-", "--sender", "server", stdin=two.hex(" ").encode() + b"\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.count("Frame · TEXT [F] len=5 'Hello'") == 2
    raw = tmp_path / "frames.bin"
    raw.write_bytes(two)
    from_file = run_cli("dump", str(raw), "--sender", "server")
    assert from_file.stdout == piped.stdout
    text = tmp_path / "frames.txt"
    text.write_text("0x81 0x05 48:65:6c:6c:6f\n")
    assert run_cli("dump", str(text), "--sender", "server").stdout.count("'Hello'") >= 1


def test_dump_of_a_response_then_frames_takes_the_negotiated_extension(tmp_path: Path) -> None:
    response = HandshakeResponse.switching_protocols(
        "dGhlIHNhbXBsZSBub25jZQ==", headers=[("Sec-WebSocket-Extensions", "permessage-deflate")]
    )
    compressed = Frame.build(1, b"\xf2\x48\xcd\xc9\xc9\x07\x00", rsv1=True)
    path = tmp_path / "server.bin"
    path.write_bytes(bytes(response) + bytes(compressed))
    done = run_cli("dump", str(path))
    assert done.returncode == 0, done.stdout
    assert "HTTP/1.1 101 Switching Protocols" in done.stdout
    assert "sent by the server; permessage-deflate" in done.stdout
    assert f"frames start at byte {len(bytes(response))} of the input" in done.stderr


def test_dump_shows_what_is_missing_from_a_cut_frame() -> None:
    done = run_cli("dump", HELLO + "8105486c", "--sender", "server")
    assert done.returncode == 0
    assert (
        "incomplete: incomplete frame: the header announces 5 payload bytes, 2 present, 3 missing"
        in done.stdout
    )


def test_dump_bad_input_is_one_line() -> None:
    assert_one_line_error(run_cli("dump", "81zz"), 3, "'z' at offset 2 is not a hex digit")
    assert_one_line_error(run_cli("dump", "8105486"), 3, "odd number of hex digits")
    assert_one_line_error(run_cli("dump", "81"), 3, "byte 1", "incomplete frame header")
    assert_one_line_error(run_cli("dump", "missing.bin"), 3, "missing.bin: no such file")
    assert_one_line_error(run_cli("dump", "-", stdin=b""), 3, "stdin: empty")
    assert_one_line_error(run_cli("dump", "474554202f20485454502f312e310d0a"), 3, "blank line")
    assert_one_line_error(run_cli("dump", "no/such/file"), 3, "not hex either")
    assert_one_line_error(run_cli("dump", "/"), 3, "/: cannot read: Is a directory")
