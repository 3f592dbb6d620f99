"""Record real WebSocket traffic on loopback with tcpdump and write the sample captures.

A ``websockets`` server and client talk on 127.0.0.1 while ``tcpdump -i lo --immediate-mode -U`` records
the server's port; the same conversation is recorded without compression, with permessage-deflate, and
over TLS (``wss://`` with a throw-away ``trustme`` CA, server name ``localhost``). The files are what
tests/record/test_pcap.py and the notebooks import:

    ws_plain.pcap     tcpdump's own pcap, no extension
    ws_plain.har      the same conversation as a browser would save it (messages only), from the pcap
    ws_deflate.pcapng the same conversation with permessage-deflate, converted to pcapng by editcap
    wss_tls.pcap      a wss:// connection: TLS, with the SNI "localhost"

    python scripts/make_captures.py                      # rewrites tests/record/captures/
    python scripts/make_captures.py --out DIR --only plain --large 200000

Needs tcpdump, editcap (Debian's wireshark-common, installed with tshark) and capture rights on ``lo``
(root); ``bash scripts/setup-capture-tools.sh`` installs the tools.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tests" / "record" / "captures"
CAPTURES = {"plain": "ws_plain.pcap", "deflate": "ws_deflate.pcapng", "tls": "wss_tls.pcap"}

TEXTS = ["Hello Server!", "Hello Server!", "κόσμε " * 50]
BINARY = bytes(range(256)) * 4
FRAGMENTS = ["one, ", "two, ", "three"]


async def _echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def _conversation(
    uri: str, *, compression: str | None, large: int, **kwargs: object
) -> list[str | bytes]:
    """The client's side: texts, binary, a fragmented message, a ping, an optional large text, close."""
    received: list[str | bytes] = []
    async with connect(uri, compression=compression, max_size=None, **kwargs) as ws:  # type: ignore[arg-type]
        for text in TEXTS:
            await ws.send(text)
            received.append(await ws.recv())
        await ws.send(BINARY)
        received.append(await ws.recv())
        await ws.send(FRAGMENTS)
        received.append(await ws.recv())
        pong = await ws.ping(b"ping!")
        await asyncio.wait_for(pong, 5)
        if large:
            await ws.send("x" * large)
            received.append(await ws.recv())
        await ws.close(1000, "bye")
    return received


class Tcpdump:
    """tcpdump on ``lo`` for one TCP port, started and stopped by this process only."""

    def __init__(self, port: int, path: Path) -> None:
        # -B: a 64 MiB ring (in KiB): with a 256 KiB snapshot length the default 2 MiB holds 8 packets,
        # and a burst of large loopback segments then makes the kernel drop some.
        command = ["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-B", "65536", "-w", str(path)]
        if os.geteuid() == 0:
            command += ["-Z", "root"]  # keep writing as root: tmp directories may be private
        command += ["tcp", "port", str(port)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.errors: list[str] = []
        ready = threading.Event()

        def watch() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.errors.append(line)
                if "listening on" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(10) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("tcpdump did not start: " + "".join(self.errors))

    def wait_for_fins(self, path: Path, timeout: float = 10.0) -> None:
        """Wait until the file holds both FINs: tcpdump may lag behind a fast conversation."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if _fins(path) >= 2:
                time.sleep(0.05)  # and the last ACK
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if os.environ.get("MAKE_CAPTURES_DEBUG"):
            print("".join(self.errors), file=sys.stderr)

    @property
    def dropped(self) -> int:
        """Packets the kernel dropped, from tcpdump's closing statistics (-1 when it printed none)."""
        for line in self.errors:
            if "dropped by kernel" in line:
                return int(line.split()[0])
        return -1


def _fins(path: Path) -> int:
    """How many TCP segments with FIN the (possibly still growing) capture holds so far."""
    from wsexplorer.errors import CaptureFormatError
    from wsexplorer.record.capture_file import CaptureReader
    from wsexplorer.record.packet_decode import decode_segment

    count = 0
    try:
        with open(path, "rb") as file:
            for packet in CaptureReader(file, str(path)).packets():
                segment = decode_segment(packet.linktype, packet.data, packet.orig_len)
                count += not isinstance(segment, str) and segment.fin
    except (CaptureFormatError, OSError):
        pass  # a record still being written: count what came before it
    return count


def _tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


async def record(kind: str, path: Path, *, large: int = 0, attempts: int = 3) -> list[str | bytes]:
    """Record one conversation of ``kind`` ("plain", "deflate", "tls") into the pcap file ``path``;
    again (up to ``attempts`` times) when tcpdump reports packets dropped by the kernel."""
    for _ in range(attempts):
        received, dropped = await _record_once(kind, path, large=large)
        if dropped <= 0:  # -1: tcpdump printed no statistics
            return received
        print(f"{path}: tcpdump dropped {dropped} packets, recording again", file=sys.stderr)
    raise RuntimeError(f"{path}: tcpdump kept dropping packets ({attempts} attempts)")


async def _record_once(kind: str, path: Path, *, large: int) -> tuple[list[str | bytes], int]:
    compression = "deflate" if kind == "deflate" else None
    server_ssl, client_ssl = _tls_contexts() if kind == "tls" else (None, None)
    async with serve(_echo, "127.0.0.1", 0, compression=compression, ssl=server_ssl, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        dump = Tcpdump(port, path)
        try:
            if kind == "tls":
                uri = f"wss://127.0.0.1:{port}/echo"
                extra = {"ssl": client_ssl, "server_hostname": "localhost"}
            else:
                uri, extra = f"ws://127.0.0.1:{port}/echo", {}
            received = await _conversation(uri, compression=compression, large=large, **extra)
            await asyncio.sleep(0.05)  # the server's side of the closing handshake
            dump.wait_for_fins(path)
        finally:
            dump.stop()
        return received, dump.dropped


def make(kind: str, out: Path, *, large: int = 0) -> Path:
    """Write the capture ``kind`` into directory ``out``; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / CAPTURES[kind]
    raw = target.with_suffix(".pcap")
    asyncio.run(record(kind, raw, large=large))
    if target.suffix == ".pcapng":
        subprocess.run(["editcap", "-F", "pcapng", str(raw), str(target)], check=True, capture_output=True)
        raw.unlink()
    if kind == "plain":
        from wsexplorer.record.har import export_har
        from wsexplorer.record.pcap import import_capture

        export_har(import_capture(target).sessions, target.with_suffix(".har"))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="directory to write (default: %(default)s)"
    )
    parser.add_argument("--only", choices=sorted(CAPTURES), action="append", help="capture(s) to make")
    parser.add_argument("--large", type=int, default=0, help="also send a text of this many bytes")
    args = parser.parse_args(argv)
    for kind in args.only or list(CAPTURES):
        path = make(kind, args.out, large=args.large)
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
