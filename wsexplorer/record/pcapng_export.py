"""A Session written as a pcapng capture that Wireshark and tshark dissect as WebSocket.

The session's two byte streams are framed as one TCP connection over IPv4 (or IPv6) on Ethernet:
a SYN / SYN-ACK / ACK handshake (RFC 9293 §3.5), one segment per recorded chunk with the chunk's own
time (chunks above :data:`MAX_SEGMENT` bytes are split, all pieces at that time), sequence and
acknowledgment numbers as a real connection would have them (§3.4, wrapping at 2**32), and a FIN from
each side at the end (§3.6). Timestamps are written in nanoseconds (``if_tsresol`` 9, with
``if_tsoffset`` when a session's clock reads before 1970), so importing the file gives back the
same streams, chunks and times. Addresses come from the session's meta (``client_address`` and
``server_address``, or the live layer's ``local_address`` / ``remote_address``), else loopback ones.
A dissector recognises WebSocket by the HTTP upgrade, so only sessions recorded from their start
(``handshake=True``) are dissected as such without a ``-d`` decode-as option.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import dpkt  # type: ignore[import-untyped]
import dpkt.ethernet  # type: ignore[import-untyped]
import dpkt.ip  # type: ignore[import-untyped]
import dpkt.ip6  # type: ignore[import-untyped]
import dpkt.pcapng  # type: ignore[import-untyped]
import dpkt.tcp  # type: ignore[import-untyped]

from .redact import redact_session
from .session import C2S, S2C, Session

__all__ = ["DEFAULT_CLIENT", "DEFAULT_SERVER", "MAX_SEGMENT", "export_pcapng"]

MAX_SEGMENT = 65_000
"""The most payload bytes in one exported TCP segment (an IPv4 packet holds at most 65,535 bytes)."""
DEFAULT_CLIENT = ("127.0.0.1", 50000)
DEFAULT_SERVER = ("127.0.0.1", 80)
_MACS = (b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02")  # locally administered
_NS = 1_000_000_000


def _endpoint(text: Any, default: tuple[str, int]) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` as (address, port); the default when absent or unreadable."""
    if not isinstance(text, str) or ":" not in text:
        return default
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        return default
    return (host, number) if 0 < number < 65536 else default


def _endpoints(session: Session) -> tuple[tuple[str, int], tuple[str, int]]:
    meta = session.meta
    client, server = meta.get("client_address"), meta.get("server_address")
    if client is None and server is None:
        local, remote = meta.get("local_address"), meta.get("remote_address")
        client, server = (local, remote) if session.role == "client" else (remote, local)
    c, s = _endpoint(client, DEFAULT_CLIENT), _endpoint(server, DEFAULT_SERVER)
    if ipaddress.ip_address(c[0]).version != ipaddress.ip_address(s[0]).version:
        return DEFAULT_CLIENT, DEFAULT_SERVER
    return c, s


class _Writer:
    def __init__(self, file: Any, client: tuple[str, int], server: tuple[str, int], offset_s: int) -> None:
        little = sys.byteorder == "little"
        ng = dpkt.pcapng
        option = ng.PcapngOptionLE if little else ng.PcapngOption
        options = [option(code=ng.PCAPNG_OPT_IF_TSRESOL, data=b"\x09")]
        if offset_s:
            options.append(
                option(code=ng.PCAPNG_OPT_IF_TSOFFSET, data=offset_s.to_bytes(8, sys.byteorder, signed=True))
            )
        options.append(option(code=ng.PCAPNG_OPT_ENDOFOPT, data=b""))
        idb = (ng.InterfaceDescriptionBlockLE if little else ng.InterfaceDescriptionBlock)(
            linktype=dpkt.pcap.DLT_EN10MB, snaplen=0, opts=options
        )
        self._epb = ng.EnhancedPacketBlockLE if little else ng.EnhancedPacketBlock
        ng.Writer(file, shb=(ng.SectionHeaderBlockLE if little else ng.SectionHeaderBlock)(), idb=idb)
        self.file = file
        self.offset_ns = offset_s * _NS
        self.ends = (client, server)
        self.v6 = ipaddress.ip_address(client[0]).version == 6
        self.addresses = tuple(ipaddress.ip_address(e[0]).packed for e in self.ends)

    def segment(self, side: int, t_ns: int, flags: int, seq: int, ack: int, payload: bytes = b"") -> None:
        tcp = dpkt.tcp.TCP(
            sport=self.ends[side][1],
            dport=self.ends[1 - side][1],
            seq=seq,
            ack=ack,
            flags=flags,
            win=65535,
            data=payload,
        )
        src, dst = self.addresses[side], self.addresses[1 - side]
        if self.v6:
            ip: Any = dpkt.ip6.IP6(
                src=src, dst=dst, nxt=dpkt.ip.IP_PROTO_TCP, hlim=64, data=tcp, plen=len(tcp)
            )
            ip.p = dpkt.ip.IP_PROTO_TCP
            kind = dpkt.ethernet.ETH_TYPE_IP6
        else:
            ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, ttl=64, data=tcp)
            ip.len = len(ip)
            kind = dpkt.ethernet.ETH_TYPE_IP
        frame = bytes(dpkt.ethernet.Ethernet(src=_MACS[side], dst=_MACS[1 - side], type=kind, data=ip))
        ts = t_ns - self.offset_ns
        block = self._epb(ts_high=ts >> 32, ts_low=ts & 0xFFFFFFFF, pkt_data=frame)
        self.file.write(bytes(block))


def export_pcapng(
    session: Session,
    path: str | Path,
    *,
    isn: tuple[int, int] = (0x1000_0000, 0x2000_0000),
    redact: bool = True,
) -> None:
    """Write ``session`` to ``path`` as a pcapng capture of one TCP connection (see the module text).

    ``isn`` are the client's and the server's initial sequence numbers (RFC 9293 §3.4.1); choose
    values near 2**32 to see the numbers wrap. With ``redact`` (the default) the values of
    credential headers (``Authorization``, ``Cookie``, ...: :mod:`.redact`) are replaced by as many
    ``*``, so no offset moves; ``redact=False`` writes the bytes as recorded.
    """
    streams = redact_session(session)[0] if redact else (session.stream(C2S), session.stream(S2C))
    directions, lengths, times = session.chunk_columns()
    first = min(times) if times else 0
    last = max(times) if times else 0
    offset_s = min(0, first // _NS)  # pcapng times are unsigned: shift a clock that reads before 1970
    client, server = _endpoints(session)
    seq = [isn[0] & 0xFFFFFFFF, isn[1] & 0xFFFFFFFF]
    mask = 0xFFFFFFFF
    syn, ack_flag, fin, push = dpkt.tcp.TH_SYN, dpkt.tcp.TH_ACK, dpkt.tcp.TH_FIN, dpkt.tcp.TH_PUSH
    with open(path, "wb") as file:
        out = _Writer(file, client, server, offset_s)
        out.segment(0, first, syn, seq[0], 0)
        out.segment(1, first, syn | ack_flag, seq[1], (seq[0] + 1) & mask)
        seq = [(seq[0] + 1) & mask, (seq[1] + 1) & mask]
        out.segment(0, first, ack_flag, seq[0], seq[1])
        position = [0, 0]
        for side, length, t_ns in zip(directions, lengths, times, strict=True):
            data = streams[side][position[side] : position[side] + length]
            position[side] += length
            for k in range(0, len(data), MAX_SEGMENT):
                piece = data[k : k + MAX_SEGMENT]
                out.segment(side, t_ns, ack_flag | push, seq[side], seq[1 - side], piece)
                seq[side] = (seq[side] + len(piece)) & mask
        out.segment(0, last, fin | ack_flag, seq[0], seq[1])
        out.segment(1, last, fin | ack_flag, seq[1], (seq[0] + 1) & mask)
        out.segment(0, last, ack_flag, (seq[0] + 1) & mask, (seq[1] + 1) & mask)
