"""From a captured frame to a TCP segment: link layer, IPv4/IPv6, TCP, decoded with ``dpkt``.

The link types a WebSocket capture comes in (the ``LINKTYPE_*`` values of the tcpdump.org registry):
Ethernet (1, with 802.1Q tags), BSD loopback ``NULL`` (0) and ``LOOP`` (108), Linux cooked capture
``SLL`` (113) and ``SLL2`` (276), and raw IP (101, its old values 12 and 14, and 228 / 229 for IPv4 /
IPv6 only). A packet that is not a TCP segment, an IP fragment, or a packet whose headers the snapshot
length cut is not an error: :func:`decode_segment` says why it was passed over. Decoding never raises.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import dpkt  # type: ignore[import-untyped]
import dpkt.ethernet  # type: ignore[import-untyped]
import dpkt.ip  # type: ignore[import-untyped]
import dpkt.ip6  # type: ignore[import-untyped]
import dpkt.loopback  # type: ignore[import-untyped]
import dpkt.sll  # type: ignore[import-untyped]
import dpkt.sll2  # type: ignore[import-untyped]
import dpkt.tcp  # type: ignore[import-untyped]

__all__ = ["LINK_TYPES", "Segment", "decode_segment"]

LINK_TYPES: dict[int, str] = {
    0: "BSD loopback (NULL)",
    1: "Ethernet",
    12: "raw IP",
    14: "raw IP",
    101: "raw IP",
    108: "OpenBSD loopback (LOOP)",
    113: "Linux cooked capture (SLL)",
    228: "raw IPv4",
    229: "raw IPv6",
    276: "Linux cooked capture v2 (SLL2)",
}
"""The link types this importer reads, by ``LINKTYPE_*`` value."""

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
_FOREIGN = (dpkt.Error, struct.error, ValueError, IndexError, KeyError, TypeError, AttributeError)


@dataclass(frozen=True, slots=True)
class Segment:
    """A TCP segment out of a packet: addresses as packed bytes (4 or 16), ports, sequence numbers,
    flags (RFC 9293 §3.1), the payload as captured and how many payload bytes the capture cut."""

    src: bytes
    sport: int
    dst: bytes
    dport: int
    seq: int
    ack: int
    flags: int
    payload: bytes
    missing: int

    @property
    def syn(self) -> bool:
        return bool(self.flags & SYN)

    @property
    def fin(self) -> bool:
        return bool(self.flags & FIN)

    @property
    def rst(self) -> bool:
        return bool(self.flags & RST)

    @property
    def is_ack(self) -> bool:
        return bool(self.flags & ACK)


def _link(linktype: int, data: bytes) -> Any:
    if linktype == 1:
        return dpkt.ethernet.Ethernet(data).data
    if linktype in (0, 108):
        return dpkt.loopback.Loopback(data).data
    if linktype == 113:
        return dpkt.sll.SLL(data).data
    if linktype == 276:
        return dpkt.sll2.SLL2(data).data
    if linktype in (12, 14, 101, 228, 229):
        if not data:
            return data
        if data[0] >> 4 == 4:
            return dpkt.ip.IP(data)
        if data[0] >> 4 == 6:
            return dpkt.ip6.IP6(data)
        return data
    raise KeyError(linktype)


def decode_segment(linktype: int, data: bytes, orig_len: int) -> Segment | str:
    """The TCP segment in a captured frame, or why there is none (``"not IP"``, ``"not TCP"``,
    ``"IP fragment"``, ``"headers cut by the snapshot length"``, ``"undecodable: ..."``).

    ``orig_len`` is the frame's length on the wire: what the capture cut is missing from the end of
    the TCP payload. ``linktype`` must be one of :data:`LINK_TYPES` (KeyError otherwise).
    """
    if linktype not in LINK_TYPES:
        raise KeyError(linktype)
    try:
        ip = _link(linktype, data)
    except _FOREIGN as exc:
        return f"undecodable: {type(exc).__name__}"
    if isinstance(ip, dpkt.ip.IP):
        if ip.mf or ip.offset:
            return "IP fragment"
        declared = ip.len - ip.hl * 4
    elif isinstance(ip, dpkt.ip6.IP6):
        if 44 in ip.extension_hdrs:
            return "IP fragment"
        declared = ip.plen
    else:
        return "not IP"
    tcp = ip.data
    if not isinstance(tcp, dpkt.tcp.TCP):
        if ip.p != 6:
            return "not TCP"
        return "headers cut by the snapshot length" if orig_len > len(data) else "undecodable: TCP header"
    missing = max(0, orig_len - len(data))
    if declared > 0:  # 0: segmentation offload or a jumbogram, nothing declared to compare with
        missing = min(missing, max(0, declared - tcp.off * 4 - len(tcp.data)))
    return Segment(
        bytes(ip.src),
        tcp.sport,
        bytes(ip.dst),
        tcp.dport,
        tcp.seq,
        tcp.ack,
        tcp.flags,
        bytes(tcp.data),
        missing,
    )
