"""Helpers for the capture tests: the committed samples, hand-built packets, pcap rewriting, tools.

Packets are built with ``dpkt`` and written with exact nanosecond timestamps (a pcap writer of our
own, 20 lines, so a rewrite keeps every time as it was). ``require_tools`` skips a test when tcpdump,
tshark or editcap is missing, and fails it instead under CI (``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import dpkt  # type: ignore[import-untyped]
import dpkt.ethernet  # type: ignore[import-untyped]
import dpkt.ip  # type: ignore[import-untyped]
import dpkt.ip6  # type: ignore[import-untyped]
import dpkt.tcp  # type: ignore[import-untyped]
import pytest

from wsexplorer.protocol.events import BinaryMessage, TextMessage
from wsexplorer.record.capture import WebSocketCapture
from wsexplorer.record.capture_file import CapturedPacket, CaptureReader
from wsexplorer.record.session import C2S, S2C, Direction, Session

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CAPTURES = HERE / "captures"
PLAIN = CAPTURES / "ws_plain.pcap"
DEFLATE = CAPTURES / "ws_deflate.pcapng"
TLS = CAPTURES / "wss_tls.pcap"

# The conversation scripts/make_captures.py records, as the server echoes it back.
TEXTS = ["Hello Server!", "Hello Server!", "κόσμε " * 50]
BINARY = bytes(range(256)) * 4
MESSAGES: list[str | bytes] = [*TEXTS, BINARY, "one, two, three"]

CLIENT = (b"\x7f\x00\x00\x01", 50123)
SERVER = (b"\x7f\x00\x00\x01", 8765)


Row = tuple[int, int, int, int]  # opcode, FIN, 7-bit payload length, MASK


def messages(session: Session, direction: Direction) -> list[str | bytes]:
    """The data messages the replay path gives for ``direction``."""
    return [e.data for e in session.events(direction) if isinstance(e, (TextMessage, BinaryMessage))]


def our_frames(ws: WebSocketCapture) -> dict[int, list[Row]]:
    """Per packet number: every frame completed in that packet, as (opcode, FIN, length7, MASK)."""
    rows: dict[int, list[Row]] = {}
    for d in (C2S, S2C):
        for i in range(ws.session.frame_count(d)):
            raw = bytes(ws.session.frame(d, i).frame)
            row = (raw[0] & 0x0F, raw[0] >> 7, raw[1] & 0x7F, raw[1] >> 7)
            rows.setdefault(ws.frame_packet(d, i), []).append(row)
    return rows


def tshark_frames(path: Path) -> dict[int, list[Row]]:
    fields = (
        "frame.number",
        "websocket.opcode",
        "websocket.fin",
        "websocket.payload_length",
        "websocket.mask",
    )
    rows: dict[int, list[Row]] = {}
    for number, *columns in tshark_fields(path, *fields):
        split = [
            [int(v, 0) if v not in ("True", "False") else int(v == "True") for v in c.split(",")]
            for c in columns
        ]
        rows[int(number)] = [(op, fin, length, mask) for op, fin, length, mask in zip(*split, strict=True)]
    return rows


def require_tools(*names: str) -> None:
    """Skip when a tool is missing (fail under CI): tcpdump needs root to capture on lo."""
    missing = [n for n in names if shutil.which(n) is None]
    if "tcpdump" in names and hasattr(os, "geteuid") and os.geteuid() != 0:
        missing.append("root (to capture on lo)")
    if missing:
        message = f"missing: {', '.join(missing)} (bash scripts/setup-capture-tools.sh installs the tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def make_captures(out: Path, *kinds: str, large: int = 0) -> None:
    """Run scripts/make_captures.py: real loopback traffic between websockets peers, by tcpdump."""
    require_tools("tcpdump", "editcap")
    command = [sys.executable, str(ROOT / "scripts" / "make_captures.py"), "--out", str(out)]
    for kind in kinds:
        command += ["--only", kind]
    if large:
        command += ["--large", str(large)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def tshark_fields(path: Path, *fields: str, display: str = "websocket") -> list[list[str]]:
    """``tshark -T fields`` rows (one per packet) for ``fields``, every occurrence of each."""
    require_tools("tshark")
    command = [
        "tshark",
        "-r",
        str(path),
        "-Y",
        display,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "separator=\t",
    ]
    for field in fields:
        command += ["-e", field]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def read_packets(path: Path) -> list[CapturedPacket]:
    with open(path, "rb") as file:
        return list(CaptureReader(file, str(path)).packets())


def write_pcap(
    path: Path, packets: Iterable[CapturedPacket], *, linktype: int = 1, snaplen: int = 262144
) -> None:
    """A little-endian nanosecond pcap (draft-ietf-opsawg-pcap §4-5) holding ``packets`` as given."""
    with open(path, "wb") as file:
        file.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, snaplen, linktype))
        for p in packets:
            sec, ns = divmod(p.t_ns, 1_000_000_000)
            file.write(struct.pack("<IIII", sec, ns, len(p.data), p.orig_len))
            file.write(p.data)


def rewrite(
    source: Path, target: Path, change: Callable[[list[CapturedPacket]], list[CapturedPacket]]
) -> None:
    """Write ``target`` with the packets of ``source`` passed through ``change``."""
    packets = read_packets(source)
    write_pcap(target, change(packets), linktype=packets[0].linktype if packets else 1)


def cut_to(packet: CapturedPacket, caplen: int) -> CapturedPacket:
    """The packet as a capture with snapshot length ``caplen`` would have kept it."""
    return replace(packet, data=packet.data[:caplen])


@dataclass
class Flow:
    """Hand-built TCP segments of one connection, as Ethernet/IPv4 frames with growing times."""

    client: tuple[bytes, int] = CLIENT
    server: tuple[bytes, int] = SERVER
    t_ns: int = 1_700_000_000_000_000_000
    number: int = 0

    def frame(
        self, side: int, seq: int, payload: bytes = b"", flags: int = dpkt.tcp.TH_ACK, ack: int = 0
    ) -> bytes:
        src, dst = (self.client, self.server) if side == 0 else (self.server, self.client)
        tcp = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=seq % 2**32, ack=ack, flags=flags, data=payload)
        ip = dpkt.ip.IP(src=src[0], dst=dst[0], p=dpkt.ip.IP_PROTO_TCP, data=tcp)
        ip.len = len(ip)
        return bytes(
            dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
        )

    def packet(
        self, side: int, seq: int, payload: bytes = b"", flags: int = dpkt.tcp.TH_ACK
    ) -> CapturedPacket:
        self.number += 1
        self.t_ns += 1000
        data = self.frame(side, seq, payload, flags)
        return CapturedPacket(self.number, self.t_ns, 1, data, len(data), 0)

    def connection(
        self,
        client_bytes: list[bytes],
        server_bytes: list[bytes],
        *,
        isn: tuple[int, int] = (1000, 5000),
        syn: bool = True,
    ) -> list[CapturedPacket]:
        """A connection: SYNs (optional), the client's and the server's chunks in turn, then FINs."""
        seq = [isn[0] + 1, isn[1] + 1]
        out = []
        if syn:
            out.append(self.packet(0, isn[0], flags=dpkt.tcp.TH_SYN))
            out.append(self.packet(1, isn[1], flags=dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK))
        for k in range(max(len(client_bytes), len(server_bytes))):
            for side, chunks in ((0, client_bytes), (1, server_bytes)):
                if k < len(chunks):
                    out.append(self.packet(side, seq[side], chunks[k], dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH))
                    seq[side] += len(chunks[k])
        out.append(self.packet(0, seq[0], flags=dpkt.tcp.TH_FIN | dpkt.tcp.TH_ACK))
        out.append(self.packet(1, seq[1], flags=dpkt.tcp.TH_FIN | dpkt.tcp.TH_ACK))
        return out
