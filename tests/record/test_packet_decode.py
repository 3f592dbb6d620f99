"""From a captured frame to a TCP segment: IPv4 and IPv6, VLAN tags, and every reason a packet is passed
over (not IP, not TCP, a fragment, headers cut, garbage), never an exception."""

from __future__ import annotations

import dpkt  # type: ignore[import-untyped]
import dpkt.ethernet  # type: ignore[import-untyped]
import dpkt.ip  # type: ignore[import-untyped]
import dpkt.ip6  # type: ignore[import-untyped]
import dpkt.tcp  # type: ignore[import-untyped]
import dpkt.udp  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsexplorer.record.packet_decode import LINK_TYPES, Segment, decode_segment

V4 = (b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02")
V6 = (bytes(15) + b"\x01", bytes(15) + b"\x02")


def ether(payload: object, kind: int = dpkt.ethernet.ETH_TYPE_IP, vlan: int | None = None) -> bytes:
    frame = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=kind, data=payload)
    if vlan is not None:
        frame.vlan_tags = [dpkt.ethernet.VLANtag8021Q(id=vlan, type=kind)]
        frame.type = dpkt.ethernet.ETH_TYPE_8021Q
    return bytes(frame)


def tcp(payload: bytes = b"data", flags: int = dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH) -> dpkt.tcp.TCP:
    return dpkt.tcp.TCP(sport=1234, dport=80, seq=77, ack=88, flags=flags, data=payload)


def ipv4(inner: object, p: int = dpkt.ip.IP_PROTO_TCP, **fields: int) -> dpkt.ip.IP:
    packet = dpkt.ip.IP(src=V4[0], dst=V4[1], p=p, data=inner, **fields)
    packet.len = len(packet)
    return packet


def test_ipv4_tcp_segment() -> None:
    data = ether(ipv4(tcp(b"GET /")))
    assert decode_segment(1, data, len(data)) == Segment(V4[0], 1234, V4[1], 80, 77, 88, 0x18, b"GET /", 0)


def test_ipv6_and_vlan() -> None:
    segment = tcp(b"hi")
    packet = dpkt.ip6.IP6(src=V6[0], dst=V6[1], nxt=6, hlim=64, data=segment, plen=len(segment))
    data = ether(packet, dpkt.ethernet.ETH_TYPE_IP6)
    found = decode_segment(1, data, len(data))
    assert isinstance(found, Segment) and found.src == V6[0] and found.payload == b"hi"
    tagged = ether(ipv4(tcp(b"vlan")), vlan=42)
    found = decode_segment(1, tagged, len(tagged))
    assert isinstance(found, Segment) and found.payload == b"vlan"


def test_snapshot_length_cut_payload_is_counted_missing() -> None:
    data = ether(ipv4(tcp(b"x" * 100)))
    found = decode_segment(1, data[:-30], len(data))
    assert isinstance(found, Segment) and found.payload == b"x" * 70 and found.missing == 30
    assert decode_segment(1, data[:40], len(data)) == "headers cut by the snapshot length"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ether(b"\x00" * 28, dpkt.ethernet.ETH_TYPE_ARP), "not IP"),
        (ether(ipv4(dpkt.udp.UDP(sport=1, dport=2, data=b"q"), p=dpkt.ip.IP_PROTO_UDP)), "not TCP"),
        (ether(ipv4(tcp(), mf=1)), "IP fragment"),
        (ether(ipv4(b"\x00" * 8, offset=100)), "IP fragment"),
    ],
    ids=["arp", "udp", "more fragments", "later fragment"],
)
def test_packets_passed_over_say_why(data: bytes, reason: str) -> None:
    assert decode_segment(1, data, len(data)) == reason


def test_unknown_link_type_is_the_callers_error() -> None:
    assert 1 in LINK_TYPES and 105 not in LINK_TYPES
    with pytest.raises(KeyError):
        decode_segment(105, b"", 0)


@given(st.sampled_from(sorted(LINK_TYPES)), st.binary(max_size=120))
def test_random_frames_never_raise(linktype: int, data: bytes) -> None:
    found = decode_segment(linktype, data, len(data) + 10)
    assert isinstance(found, (Segment, str))
