"""The bounded pcap / pcapng reader: both formats, byte orders and time resolutions read exactly; every
malformed file refused with a CaptureFormatError naming the packet or block, the field and the offset;
no other exception, whatever the bytes (truncation at every position, hypothesis mutations)."""

from __future__ import annotations

import io
import struct
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsexplorer.errors import CaptureFormatError
from wsexplorer.record.capture_file import MAX_PACKET_BYTES, CaptureReader
from wsexplorer.record.pcap import import_capture

from .capture_samples import DEFLATE, PLAIN, read_packets, require_tools

FRAME = bytes(range(60))


def shb(order: str = "<", major: int = 1) -> bytes:
    bom = 0x1A2B3C4D
    return struct.pack(order + "IIIHHqI", 0x0A0D0D0A, 28, bom, major, 0, -1, 28)


def idb(order: str = "<", linktype: int = 1, options: bytes = b"") -> bytes:
    length = 20 + len(options)
    return (
        struct.pack(order + "IIHHI", 1, length, linktype, 0, 0) + options + struct.pack(order + "I", length)
    )


def option(order: str, code: int, value: bytes) -> bytes:
    pad = b"\0" * (-len(value) % 4)
    return struct.pack(order + "HH", code, len(value)) + value + pad


def epb(order: str = "<", ts: int = 0, data: bytes = FRAME, iface: int = 0, orig: int | None = None) -> bytes:
    pad = b"\0" * (-len(data) % 4)
    length = 32 + len(data) + len(pad)
    fixed = struct.pack(
        order + "IIIIIII", 6, length, iface, ts >> 32, ts & 0xFFFFFFFF, len(data), orig or len(data)
    )
    return fixed + data + pad + struct.pack(order + "I", length)


def pcap(
    records: list[tuple[int, int, bytes, int]],
    *,
    magic: int = 0xA1B2C3D4,
    order: str = "<",
    linktype: int = 1,
) -> bytes:
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for sec, frac, data, orig in records:
        out += struct.pack(order + "IIII", sec, frac, len(data), orig) + data
    return out


def read(data: bytes) -> list[tuple[int, int, bytes, int]]:
    reader = CaptureReader(io.BytesIO(data), "mem")
    return [(p.number, p.t_ns, p.data, p.orig_len) for p in reader.packets()]


# -- reading what is there -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("magic", "order", "unit"),
    [(0xA1B2C3D4, "<", 1000), (0xA1B2C3D4, ">", 1000), (0xA1B23C4D, "<", 1), (0xA1B23C4D, ">", 1)],
    ids=["usec-le", "usec-be", "nsec-le", "nsec-be"],
)
def test_pcap_byte_orders_and_resolutions(magic: int, order: str, unit: int) -> None:
    data = pcap(
        [(1_700_000_000, 123_456, FRAME, 60), (1_700_000_001, 5, FRAME[:10], 60)], magic=magic, order=order
    )
    assert read(data) == [
        (1, 1_700_000_000 * 10**9 + 123_456 * unit, FRAME, 60),
        (2, 1_700_000_001 * 10**9 + 5 * unit, FRAME[:10], 60),  # cut by the snapshot length: orig kept
    ]


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_resolutions_offsets_sections_and_interfaces(order: str) -> None:
    other = ">" if order == "<" else "<"
    ns = option(order, 9, b"\x09") + option(order, 0, b"")
    pow2 = option(other, 9, b"\x8a") + option(other, 0, b"")  # 2**-10 s
    data = (
        shb(order)
        + idb(order)
        + idb(order, 113, ns)
        + epb(order, ts=1_500_000)
        + epb(order, ts=7, iface=1)
        + shb(other)
        + idb(other, 1, pow2)
        + epb(other, ts=1024)  # a second section, in the other byte order
    )
    assert [(r[0], r[1]) for r in read(data)] == [(1, 1_500_000_000), (2, 7), (3, 1_000_000_000)]
    offset = option(order, 14, struct.pack(order + "q", -100)) + option(order, 0, b"")
    (packet,) = CaptureReader(
        io.BytesIO(shb(order) + idb(order, 1, offset) + epb(order, ts=2)), "mem"
    ).packets()
    assert packet.t_ns == -100 * 10**9 + 2_000  # if_tsoffset: seconds added to every time


def test_pcapng_simple_and_obsolete_packet_blocks_and_skipped_blocks() -> None:
    spb = struct.pack("<III", 3, 16 + 60, 60) + FRAME + struct.pack("<I", 16 + 60)
    pb = struct.pack("<IIHHIIII", 2, 32 + 60, 0, 0, 0, 1000, 60, 60) + FRAME + struct.pack("<I", 32 + 60)
    big = 2 << 20  # an unknown block above the read limit: skipped unread
    unknown = struct.pack("<II", 0x0BAD, big) + bytes(big - 12) + struct.pack("<I", big)
    rows = read(shb() + idb() + spb + unknown + pb)
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 0, FRAME), (2, 1_000_000, FRAME)]


def test_real_files_from_tcpdump_and_editcap() -> None:
    plain, deflate = read_packets(PLAIN), read_packets(DEFLATE)
    assert len(plain) == 28 and len(deflate) == 28
    assert all(p.linktype == 1 and p.orig_len == len(p.data) for p in plain + deflate)
    assert [p.t_ns for p in plain] == sorted(p.t_ns for p in plain)


def test_editcap_nanosecond_pcapng_keeps_every_time(tmp_path: Path) -> None:
    require_tools("editcap")
    target = tmp_path / "ns.pcapng"
    subprocess.run(
        ["editcap", "-F", "pcapng", "--set-tsresol", "9", str(PLAIN), str(target)],
        check=False,
        capture_output=True,
    )
    if not target.exists():  # an editcap without --set-tsresol: the default resolution will do
        subprocess.run(["editcap", "-F", "pcapng", str(PLAIN), str(target)], check=True, capture_output=True)
    assert [p.t_ns for p in read_packets(target)] == [p.t_ns for p in read_packets(PLAIN)]


# -- refusing what is wrong ----------------------------------------------------------------------------------

GOOD_PCAP = pcap([(1, 0, FRAME, 60)])
GOOD_NG = shb() + idb() + epb()

BAD: dict[str, tuple[bytes, str, str]] = {
    "empty": (b"", "file header", "magic"),
    "wrong magic": (b"GIF89a" + bytes(40), "file header", "magic"),
    "short header": (GOOD_PCAP[:10], "file header", "magic"),
    "pcap version 3": (GOOD_PCAP[:4] + struct.pack("<H", 3) + GOOD_PCAP[6:], "file header", "major version"),
    "record cut": (GOOD_PCAP[:-5], "packet 1", "packet data"),
    "record header cut": (GOOD_PCAP + b"\x01\x02", "packet 2", "record header"),
    "absurd caplen": (
        pcap([(1, 0, b"", 0)])[:-8] + struct.pack("<II", MAX_PACKET_BYTES + 1, MAX_PACKET_BYTES + 1),
        "packet 1",
        "captured packet length",
    ),
    "caplen above orig": (pcap([(1, 0, FRAME, 59)]), "packet 1", "captured packet length"),
    "usec too big": (pcap([(1, 1_000_000, FRAME, 60)]), "packet 1", "timestamp (fraction)"),
    "bad byte-order magic": (
        GOOD_NG[:8] + b"\xde\xad\xbe\xef" + GOOD_NG[12:],
        "block at offset 0",
        "byte-order magic",
    ),
    "pcapng version 2": (shb(major=2) + idb() + epb(), "block at offset 0", "major version"),
    "block length not a multiple of 4": (
        GOOD_NG[:32] + struct.pack("<I", 21) + GOOD_NG[36:],
        "block at offset 28",
        "block total length",
    ),
    "block length below 12": (
        GOOD_NG[:32] + struct.pack("<I", 8) + GOOD_NG[36:],
        "block at offset 28",
        "block total length",
    ),
    "trailer differs": (
        GOOD_NG[:-4] + struct.pack("<I", 999),
        "block at offset 48",
        "block total length (trailer)",
    ),
    "huge packet block": (
        shb() + idb() + struct.pack("<II", 6, 64 << 20),
        "block at offset 48",
        "block total length",
    ),
    "packet before interface": (shb() + epb(), "block at offset 28", "interface id"),
    "caplen beyond block": (
        shb() + idb() + epb()[:20] + struct.pack("<I", 999) + epb()[24:],
        "block at offset 48",
        "captured packet length",
    ),
    "caplen above orig (pcapng)": (
        shb() + idb() + epb(orig=10),
        "block at offset 48",
        "captured packet length",
    ),
    "bad if_tsresol": (
        shb() + idb(options=option("<", 9, b"\x06\x06") + option("<", 0, b"")) + epb(),
        "block at offset 28",
        "if_tsresol",
    ),
    "not starting with a section": (idb() + GOOD_NG, "file header", "magic"),
    "block cut": (GOOD_NG[:-10], "block at offset 48", "block body"),
    "skipped block cut": (
        shb() + struct.pack("<II", 0x0BAD, 4 << 20) + bytes(100),
        "block at offset 28",
        "block total length",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_files_are_refused_with_the_place(name: str, tmp_path: Path) -> None:
    data, member, field = BAD[name]
    path = tmp_path / "bad.pcap"
    path.write_bytes(data)
    with pytest.raises(CaptureFormatError) as err:
        import_capture(path)
    assert (err.value.member, err.value.field) == (member, field)
    assert err.value.path == str(path) and str(path) in str(err.value)
    assert err.value.offset is not None and err.value.section.startswith("draft-ietf-opsawg-pcap")


@pytest.mark.parametrize("sample", [PLAIN, DEFLATE], ids=["pcap", "pcapng"])
def test_every_truncation_is_refused_or_reads_a_prefix(sample: Path, tmp_path: Path) -> None:
    data = sample.read_bytes()
    path = tmp_path / "cut"
    refused = 0
    cuts = range(0, len(data), 11)
    for cut in cuts:
        path.write_bytes(data[:cut])
        try:
            import_capture(path)
        except CaptureFormatError:
            refused += 1
    assert refused > len(cuts) * 0.9  # only cuts at record boundaries read


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sample=st.sampled_from([PLAIN, DEFLATE]),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.sampled_from("sid")), min_size=1, max_size=8
    ),
)
def test_mutated_files_raise_nothing_but_capture_format_errors(
    sample: Path, edits: list[tuple[int, int, str]], tmp_path: Path
) -> None:
    data = bytearray(sample.read_bytes())
    for position, value, kind in edits:
        at = position % (len(data) + 1)
        if kind == "s" and at < len(data):
            data[at] = value
        elif kind == "i":
            data[at:at] = bytes([value])
        elif at < len(data):
            del data[at]
    path = tmp_path / "mutated"
    path.write_bytes(bytes(data))
    started = time.monotonic()
    try:
        result = import_capture(path)
    except CaptureFormatError as exc:
        assert exc.path == str(path)
    else:
        assert result.packet_count >= 0
    assert time.monotonic() - started < 5
