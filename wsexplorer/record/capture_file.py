"""pcap and pcapng files read packet by packet, every read bounded, every length checked first.

The record framing is read here and each header is decoded with ``dpkt``'s declarations (pcap file and
record headers, pcapng blocks); what ``dpkt``'s own readers do not do is done here: sizes are checked
before anything is read (no record can make us allocate more than :data:`MAX_PACKET_BYTES`), a file
cut inside a record is an error (not a short packet), timestamps are exact integers in nanoseconds
(never floats), the original length is kept (to see what the snapshot length cut) and pcapng files
with several interfaces, sections or byte orders are read as written.

Formats: pcap (draft-ietf-opsawg-pcap §4 file header, §5 packet record; microsecond and nanosecond
magics, both byte orders) and pcapng (draft-ietf-opsawg-pcapng §3.1 block structure, §4.1 section
header, §4.2 interface description with ``if_tsresol`` and ``if_tsoffset``, §4.3 enhanced packet,
§4.4 simple packet, and the obsolete packet block). Other blocks are skipped without being read.
Every problem raises :class:`~wsexplorer.errors.CaptureFormatError` with the path, the packet or
block, the field and the file offset; no ``dpkt`` or ``struct`` exception escapes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import dpkt  # type: ignore[import-untyped]
import dpkt.pcap  # type: ignore[import-untyped]
import dpkt.pcapng  # type: ignore[import-untyped]

from ..errors import CaptureFormatError

__all__ = ["MAX_BLOCK_BYTES", "MAX_PACKET_BYTES", "CaptureReader", "CapturedPacket"]

MAX_PACKET_BYTES = 1 << 20
"""The longest captured packet accepted (1 MiB: far above any snapshot length tools use, 262,144)."""
MAX_BLOCK_BYTES = MAX_PACKET_BYTES + (64 << 10)
"""The longest pcapng block read into memory (a packet plus its options); longer blocks of types we do
not use are skipped unread, longer packet blocks are refused."""

_SECTIONS = {
    "file": "draft-ietf-opsawg-pcap §4",
    "record": "draft-ietf-opsawg-pcap §5",
    "block": "draft-ietf-opsawg-pcapng §3.1",
    "options": "draft-ietf-opsawg-pcapng §3.5",
    "shb": "draft-ietf-opsawg-pcapng §4.1",
    "idb": "draft-ietf-opsawg-pcapng §4.2",
    "epb": "draft-ietf-opsawg-pcapng §4.3",
    "spb": "draft-ietf-opsawg-pcapng §4.4",
}
_NANO_MAGICS = {dpkt.pcap.TCPDUMP_MAGIC_NANO, dpkt.pcap.PMUDPCT_MAGIC_NANO}
_SHB, _IDB, _PB, _SPB, _EPB = 0x0A0D0D0A, 1, 2, 3, 6
_FOREIGN = (dpkt.Error, struct.error, ValueError, IndexError, KeyError, TypeError, UnicodeError)


@dataclass(frozen=True, slots=True)
class CapturedPacket:
    """One packet as the file holds it: ``number`` counts from 1 (as Wireshark does), ``t_ns`` is the
    capture time in nanoseconds since the Unix epoch, ``orig_len`` the length on the wire (more than
    ``len(data)`` when the snapshot length cut it), ``offset`` where its record starts in the file."""

    number: int
    t_ns: int
    linktype: int
    data: bytes
    orig_len: int
    offset: int

    @property
    def cut(self) -> int:
        """Bytes the capture did not keep."""
        return self.orig_len - len(self.data)


@dataclass
class _Interface:
    linktype: int
    snaplen: int
    units: tuple[int, int]  # timestamp resolution as (base, exponent): 10**-6 is (10, 6)
    offset_s: int


class CaptureReader:
    """Packets of a pcap or pcapng file, read one at a time from an open binary file.

    ``format`` is ``"pcap"`` or ``"pcapng"``; ``position`` counts the bytes read (or skipped) so far and
    ``size`` is the file's size, for progress. The first four bytes are read on construction; the
    rest of the header with the first call of :meth:`packets`.
    """

    def __init__(self, file: BinaryIO, path: str = "") -> None:
        self._f = file
        self.path = path
        self.position = 0
        self.packet_count = 0
        self.size = file.seek(0, 2)
        file.seek(0)
        head = self._read(4, "file", "file header", "magic")
        self.format = "pcapng" if head == struct.pack("<I", _SHB) else "pcap"
        self._head = head

    # -- reading, bounded ---------------------------------------------------------------------------

    def _fail(self, where: str, member: str, field: str, offset: int | None, rule: str) -> CaptureFormatError:
        """The error: ``rule`` broken in ``field`` of ``member`` at file ``offset`` (``where``: section)."""
        at = self.position if offset is None else offset
        return CaptureFormatError(
            rule, path=self.path, member=member, field=field, section=_SECTIONS[where], offset=at
        )

    def _read(self, n: int, where: str, member: str, field: str) -> bytes:
        """Exactly ``n`` bytes (``n`` already checked against a bound), or an error naming what is cut."""
        data = self._f.read(n)
        if len(data) < n:
            raise self._fail(
                where,
                member,
                field,
                None,
                f"the file ends inside the {member}: {n} bytes needed, {len(data)} left",
            )
        self.position += n
        return data

    def packets(self) -> Iterator[CapturedPacket]:
        """Every packet in file order."""
        try:
            yield from (self._pcapng() if self.format == "pcapng" else self._pcap())
        except CaptureFormatError:
            raise
        except _FOREIGN as exc:  # cannot happen (lengths are checked first); never let one escape
            raise self._fail(
                "block", "record", "", None, f"undecodable record ({type(exc).__name__})"
            ) from None

    # -- pcap ------------------------------------------------------------------------------------------

    def _pcap(self) -> Iterator[CapturedPacket]:
        head = self._head + self._read(20, "file", "file header", "magic")
        magic = struct.unpack(">I", head[:4])[0]
        if magic not in dpkt.pcap.MAGIC_TO_PKT_HDR:
            raise self._fail(
                "file", "file header", "magic", 0, f"not a pcap or pcapng file: magic 0x{magic:08x}"
            )
        header_class = dpkt.pcap.MAGIC_TO_PKT_HDR[magic]
        little = header_class.__hdr_fmt__[0] == "<"
        fh: Any = (dpkt.pcap.LEFileHdr if little else dpkt.pcap.FileHdr)(head)
        if fh.v_major != 2:
            raise self._fail(
                "file", "file header", "major version", 4, f"pcap version {fh.v_major} (2 expected)"
            )
        linktype = fh.linktype & 0xFFFF  # the upper bits say how long an FCS is
        unit = 1 if magic in _NANO_MAGICS else 1000
        hlen = header_class.__hdr_len__
        while True:
            start = self.position
            first = self._f.read(1)
            if not first:
                return
            self.position += 1
            number = self.packet_count + 1
            member = f"packet {number}"
            ph: Any = header_class(first + self._read(hlen - 1, "record", member, "record header"))
            field = "captured packet length"
            if ph.caplen > MAX_PACKET_BYTES:
                raise self._fail(
                    "record",
                    member,
                    field,
                    start + 8,
                    f"captured length {ph.caplen} exceeds the limit of {MAX_PACKET_BYTES} bytes",
                )
            if ph.caplen > ph.len:
                raise self._fail(
                    "record",
                    member,
                    field,
                    start + 8,
                    f"captured length {ph.caplen} exceeds the original length {ph.len}",
                )
            if ph.tv_usec * unit >= 1_000_000_000:
                raise self._fail(
                    "record",
                    member,
                    "timestamp (fraction)",
                    start + 4,
                    f"sub-second timestamp {ph.tv_usec} is not below one second",
                )
            data = self._read(ph.caplen, "record", member, "packet data")
            self.packet_count = number
            yield CapturedPacket(
                number, ph.tv_sec * 1_000_000_000 + ph.tv_usec * unit, linktype, data, ph.len, start
            )

    # -- pcapng ----------------------------------------------------------------------------------------

    def _pcapng(self) -> Iterator[CapturedPacket]:
        order = "<"
        interfaces: list[_Interface] = []
        head = self._head  # the first block's type, read to tell the formats apart
        while True:
            start = self.position - len(head)
            rest = self._f.read(8 - len(head))
            self.position += len(rest)
            head += rest
            if not head:
                return
            member = f"block at offset {start}"
            if len(head) < 8:
                raise self._fail(
                    "block", member, "block total length", None, "the file ends inside a block header"
                )
            kind = struct.unpack(order + "I", head[:4])[0]
            if kind == _SHB:  # the byte order is only known once the byte-order magic is read
                head += self._read(4, "shb", member, "byte-order magic")
                order = self._byte_order(head[8:12], member, start)
                interfaces = []
            elif start == 0:
                raise self._fail("shb", member, "block type", 0, "a pcapng file starts with a section header")
            length = struct.unpack(order + "I", head[4:8])[0]
            field = "block total length"
            if length < 12 or length % 4 or length < len(head) + 4:
                raise self._fail(
                    "block", member, field, start + 4, f"{length} is not a multiple of 4 of at least 12"
                )
            if length > MAX_BLOCK_BYTES:
                if kind in (_SHB, _IDB, _PB, _SPB, _EPB):
                    raise self._fail(
                        "block",
                        member,
                        field,
                        start + 4,
                        f"{length} bytes exceed the limit of {MAX_BLOCK_BYTES}",
                    )
                if self.position + length - len(head) > self.size:  # a block we do not use: skipped unread
                    raise self._fail("block", member, field, start + 4, "the file ends inside this block")
                self._f.seek(length - len(head) - 4, 1)
                self.position += length - len(head) - 4
                block = head + self._read(4, "block", member, "block total length (trailer)")
            else:
                block = head + self._read(length - len(head), "block", member, "block body")
            head = b""
            if struct.unpack(order + "I", block[-4:])[0] != length:
                raise self._fail(
                    "block",
                    member,
                    "block total length (trailer)",
                    start + length - 4,
                    "the trailing block total length differs from the leading one",
                )
            packet = self._block(kind, block, order, interfaces, start, member)
            if packet is not None:
                yield packet

    def _byte_order(self, bom: bytes, member: str, start: int) -> str:
        if bom in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
            return "<" if bom[0] == 0x4D else ">"
        raise self._fail(
            "shb", member, "byte-order magic", start + 8, f"{bom.hex()} is neither 1a2b3c4d nor 4d3c2b1a"
        )

    def _block(
        self, kind: int, block: bytes, order: str, interfaces: list[_Interface], start: int, member: str
    ) -> CapturedPacket | None:
        ng = dpkt.pcapng
        if kind == _SHB:
            major = struct.unpack(order + "H", block[12:14])[0] if len(block) >= 28 else None
            if major != 1:
                raise self._fail(
                    "shb", member, "major version", start + 12, f"pcapng version {major} (1 expected)"
                )
            return None
        if kind == _IDB:
            if len(block) < 20:
                raise self._fail("idb", member, "block total length", start + 4, "shorter than 20 bytes")
            try:
                idb: Any = (ng.InterfaceDescriptionBlockLE if order == "<" else ng.InterfaceDescriptionBlock)(
                    block
                )
            except _FOREIGN as exc:
                raise self._fail(
                    "options", member, "options", start, f"undecodable ({type(exc).__name__})"
                ) from None
            interfaces.append(self._interface(idb, order, member, start))
            return None
        if kind == _SPB:
            if not interfaces:
                raise self._fail(
                    "spb", member, "block type", start, "a simple packet block before any interface"
                )
            orig = struct.unpack(order + "I", block[8:12])[0]
            cap = min(orig, len(block) - 16, interfaces[0].snaplen or orig)
            return self._packet(0, block[12 : 12 + cap], orig, interfaces[0], start)
        if kind not in (_EPB, _PB):
            return None
        if len(block) < 32:  # type, length, interface, timestamp (2), captured and original length, trailer
            raise self._fail("epb", member, "block total length", start + 4, "shorter than its fixed fields")
        if kind == _EPB:
            iface, hi, lo, cap, orig = struct.unpack(order + "5I", block[8:28])
        else:
            iface, _drops, hi, lo, cap, orig = struct.unpack(order + "2H4I", block[8:28])
        if iface >= len(interfaces):
            raise self._fail("epb", member, "interface id", start + 8, f"interface {iface} was not described")
        if cap > len(block) - 32 or cap > orig:
            raise self._fail(
                "epb",
                member,
                "captured packet length",
                start + 20,
                f"captured length {cap} exceeds the block or the original length {orig}",
            )
        return self._packet((hi << 32) | lo, block[28 : 28 + cap], orig, interfaces[iface], start)

    def _interface(self, idb: Any, order: str, member: str, start: int) -> _Interface:
        units, offset_s = (10, 6), 0
        for opt in idb.opts:
            if opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSRESOL:
                if len(opt.data) != 1:
                    raise self._fail("idb", member, "if_tsresol", start, "if_tsresol must be one byte")
                v = opt.data[0]
                units = (2, v & 0x7F) if v & 0x80 else (10, v)
            elif opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSOFFSET:
                if len(opt.data) != 8:
                    raise self._fail("idb", member, "if_tsoffset", start, "if_tsoffset must be eight bytes")
                offset_s = struct.unpack(order + "q", opt.data)[0]
        return _Interface(idb.linktype, idb.snaplen, units, offset_s)

    def _packet(self, ts: int, data: bytes, orig: int, iface: _Interface, start: int) -> CapturedPacket:
        base, exponent = iface.units
        if base == 10:
            ns = ts * 10 ** (9 - exponent) if exponent <= 9 else ts // 10 ** (exponent - 9)
        else:
            ns = (ts * 1_000_000_000) >> exponent
        self.packet_count += 1
        t_ns = iface.offset_s * 1_000_000_000 + ns
        if not -(2**63) <= t_ns < 2**63:  # a session's times are signed 64-bit nanoseconds
            raise self._fail(
                "epb",
                f"packet {self.packet_count}",
                "timestamp",
                start + 12,
                "a timestamp past the year 2262",
            )
        return CapturedPacket(self.packet_count, t_ns, iface.linktype, data, orig, start)
