"""Reading MQTT fields with their spans: the data types of MQTT 5.0 §1.5 and properties (§2.2.2).

:class:`PacketReader` walks one packet left to right; every integer, Variable Byte Integer, UTF-8
string, binary data and property it reads becomes a field of the message being built, with the bytes
it occupies, and every rule a value breaks becomes a violation citing the version's section
(:func:`section`: MQTT 5.0, or MQTT 3.1.1 for protocol levels 3 and 4). A packet that ends inside a
field raises :class:`ShortPacket`, which the packet decoder turns into a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...anatomy import Violation
from .base import MessageBuilder
from .mqtt_properties import PACKET_REASON_CODES, PROPERTIES

__all__ = ["MqttRule", "PacketReader", "ShortPacket", "section"]


def section(version: int, s5: str, s311: str | None) -> str:
    """The section to cite for ``version`` (5: MQTT 5.0; 3 and 4: MQTT 3.1.1)."""
    if version >= 5 or s311 is None:
        return f"MQTT 5.0 §{s5}"
    return f"MQTT 3.1.1 §{s311}"


@dataclass(frozen=True, slots=True)
class MqttRule:
    """An MQTT rule: its words, its sections in 5.0 and 3.1.1, and what breaking it makes the packet.

    An MQTT receiver closes the network connection on a Malformed Packet or a Protocol Error (MQTT 5.0
    §4.13, 3.1.1 §4.8), a 5.0 receiver first sending DISCONNECT 0x81 or 0x82 if it likes. MQTT names
    no WebSocket close code, so these violations carry none.
    """

    text: str
    s5: str
    s311: str | None
    kind: str = "Protocol Error"  # or "Malformed Packet"
    field: str = ""

    def violation(
        self, version: int, start: int, end: int, *, at: str | None = None, **values: object
    ) -> Violation:
        """The rule broken by bytes ``start..end-1``; ``at`` replaces the section (a packet's own table)."""
        rule = f"{self.text.format(**values)} ({self.kind})"
        where = at if at is not None else section(version, self.s5, self.s311)
        return Violation(rule, start, max(end, start), where, field=self.field)


_M = "Malformed Packet"
BAD_UTF8 = MqttRule("{what} is not well-formed UTF-8", "1.5.4", "1.5.3", _M)
NUL_CHAR = MqttRule("{what} contains U+0000", "1.5.4", "1.5.3", _M)
VARINT_LONG = MqttRule("a Variable Byte Integer of more than 4 bytes", "1.5.5", "2.2.3", _M)
BAD_CODE = MqttRule("{what} 0x{code:02X} is not allowed in {name}", "2.4", "3.2.2.3")
BAD_PROPERTY = MqttRule("property identifier 0x{pid:02X} is not defined", "2.2.2.2", None, _M)
PROPERTY_PLACE = MqttRule("{prop} is not allowed in {name}", "2.2.2.2", None)
PROPERTY_TWICE = MqttRule("{prop} appears more than once", "2.2.2.2", None)
_TABLES_311 = {"CONNACK": "3.2.2.3", "SUBACK": "3.9.3"}


class ShortPacket(Exception):
    """The packet ended inside a field (raised by the reader, caught by the packet decoder)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class PacketReader:
    """Reads fields left to right inside one packet, recording each one in the builder as it goes."""

    def __init__(self, b: MessageBuilder, version: int, pos: int, name: str) -> None:
        self.b = b
        self.data = b.data
        self.version = version
        self.pos = pos
        self.name = name
        self.seen_props: set[int] = set()

    def flag(self, rule: MqttRule, start: int, end: int, *, at: str | None = None, **values: Any) -> None:
        self.b.violations.append(rule.violation(self.version, start, end, at=at, **values))

    def ref(self, s5: str, s311: str | None) -> str:
        return section(self.version, s5, s311)

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> tuple[int, int]:
        if self.pos + n > len(self.data):
            raise ShortPacket(what)
        start = self.pos
        self.pos += n
        return start, self.pos

    def uint(self, n: int, name: str, meaning: str, ref: str, group: str = "variable header") -> int:
        start, end = self.take(n, name)
        value = int.from_bytes(self.data[start:end], "big")
        self.b.add(name, start, end, value, meaning.format(value=value), ref, group)
        self.b.mark(name, start, end)
        return value

    def varint(self, name: str, meaning: str, ref: str, group: str = "variable header") -> int:
        start, value, shift = self.pos, 0, 0
        for i in range(4):
            s, _ = self.take(1, name)
            value |= (self.data[s] & 0x7F) << shift
            shift += 7
            if not self.data[s] & 0x80:
                break
            if i == 3:
                self.flag(VARINT_LONG, start, self.pos)
        self.b.add(name, start, self.pos, value, meaning.format(value=value), ref, group)
        return value

    def text(self, name: str, meaning: str, ref: str, group: str = "payload") -> str:
        length = self.uint(
            2, f"{name} length", "{value} bytes of UTF-8 follow", self.ref("1.5.4", "1.5.3"), group
        )
        start, end = self.take(length, name)
        raw = self.data[start:end]
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.flag(BAD_UTF8, start + e.start, start + e.end, what=name)
            value = raw.decode("utf-8", "replace")
        if "\x00" in value:
            self.flag(NUL_CHAR, start, end, what=name)
        self.b.add(name, start, end, value, meaning, ref, group)
        self.b.mark(name, start, end)
        return value

    def binary(self, name: str, meaning: str, ref: str, group: str = "payload") -> bytes:
        length = self.uint(2, f"{name} length", "{value} bytes follow", self.ref("1.5.6", "1.5.3"), group)
        start, end = self.take(length, name)
        self.b.add(name, start, end, self.data[start:end], meaning, ref, group)
        return self.data[start:end]

    def properties(self, where: str, group: str = "properties") -> dict[str, object]:
        """MQTT 5.0 §2.2.2: a property length, then properties allowed in ``where``."""
        if self.version < 5:
            return {}
        ref = "MQTT 5.0 §2.2.2.1"
        length = self.varint("property length", "{value} bytes of properties", ref, group)
        end = self.pos + length
        if end > len(self.data):
            raise ShortPacket("the properties")
        found: dict[str, object] = {}
        seen: set[int] = set()
        while self.pos < end:
            start = self.pos
            s, _ = self.take(1, "a property identifier")
            pid = self.data[s]
            prop = PROPERTIES.get(pid)
            if prop is None:
                self.flag(BAD_PROPERTY, start, start + 1, pid=pid)
                self.pos = end
                break
            value = self._property_value(prop.kind, prop.name)
            meaning = f"property 0x{pid:02X}: {prop.name}"
            self.b.add(prop.name, start, self.pos, value, meaning, prop.section, group)
            self.b.mark(f"{where} {prop.name}", start, self.pos)
            if where not in prop.packets:
                self.flag(PROPERTY_PLACE, start, self.pos, prop=prop.name, name=where)
            if pid in seen and not (prop.repeatable and (pid == 0x26 or where == "PUBLISH")):
                self.flag(PROPERTY_TWICE, start, self.pos, prop=prop.name)
            seen.add(pid)
            if prop.repeatable:
                listed = found.setdefault(prop.name, [])
                if isinstance(listed, list):
                    listed.append(value)
            else:
                found.setdefault(prop.name, value)
            if self.pos > end:
                raise ShortPacket("the properties")
        return found

    def _property_value(self, kind: str, name: str) -> object:
        size = {"byte": 1, "u16": 2, "u32": 4}.get(kind)
        if size is not None:
            s, e = self.take(size, name)
            return int.from_bytes(self.data[s:e], "big")
        if kind == "varint":
            value, shift = 0, 0
            for _ in range(4):
                s, _ = self.take(1, name)
                value |= (self.data[s] & 0x7F) << shift
                shift += 7
                if not self.data[s] & 0x80:
                    break
            return value
        if kind == "binary":
            s, e = self.take(2, name)
            s, e = self.take(int.from_bytes(self.data[s:e], "big"), name)
            return self.data[s:e]
        strings = []
        for _ in range(2 if kind == "pair" else 1):
            s, e = self.take(2, name)
            s, e = self.take(int.from_bytes(self.data[s:e], "big"), name)
            try:
                strings.append(self.data[s:e].decode("utf-8"))
            except UnicodeDecodeError as err:
                self.flag(BAD_UTF8, s + err.start, s + err.end, what=name)
                strings.append(self.data[s:e].decode("utf-8", "replace"))
        return tuple(strings) if kind == "pair" else strings[0]

    def code(
        self, name: str, codes: dict[int, str], what: str = "reason code", group: str = "variable header"
    ) -> int:
        """A one-byte reason code (5.0) or return code (3.1.1), checked against ``name``'s table."""
        start, end = self.take(1, what)
        code = self.data[start]
        if self.version >= 5 and name in PACKET_REASON_CODES:
            allowed, ref = PACKET_REASON_CODES[name]
        else:
            allowed, ref = frozenset(codes), self.ref("2.4", _TABLES_311.get(name, "3.2.2.3"))
        meaning = codes.get(code, "undefined")
        self.b.add(what, start, end, code, f"0x{code:02X}: {meaning}", ref, group)
        self.b.mark(what, start, end)
        if code not in allowed:
            self.flag(BAD_CODE, start, end, at=ref, what=what, code=code, name=name)
        return code
