"""JSON read from bytes with the place of every value recorded while parsing (RFC 8259).

Python's :mod:`json` gives values but not where they were, and a view needs both: which bytes hold
``/payload/query``. :func:`scan_json` parses a JSON text inside a byte string and records each value's
byte range and JSON pointer (RFC 6901) as it goes. It never raises: a problem (invalid UTF-8, a
syntax error, nesting past the limit) is recorded with its byte range and section, parsing stops
there, and what was read so far keeps its spans, so a malformed message is still shown.

Bounds: nesting depth :data:`MAX_DEPTH`; at most ``max_nodes`` values recorded (the rest are parsed
but only counted, in ``omitted``), so a large message cannot produce an unbounded field list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["MAX_DEPTH", "MAX_NODES", "JsonDocument", "JsonNode", "JsonProblem", "escape_pointer", "scan_json"]

MAX_DEPTH = 100
"""Deepest nesting read; deeper input is a problem and stops the parse (no recursion limit is reached)."""
MAX_NODES = 1000
"""Values recorded per document by default; later values are parsed and counted, not recorded."""

_WS = re.compile(rb"[ \t\n\r]*")
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_STRING = re.compile(rb'"(?:[^"\\\x00-\x1f]|\\[^\x00-\x1f])*"')
_GOOD_ESCAPES = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_LITERALS = ((b"true", True), (b"false", False), (b"null", None))


@dataclass(frozen=True, slots=True)
class JsonNode:
    """One value: its JSON pointer, byte range, kind (object, array, string, number, true, false,
    null) and value (containers hold their whole value)."""

    pointer: str
    start: int
    end: int
    kind: str
    value: object
    depth: int


@dataclass(frozen=True, slots=True)
class JsonProblem:
    """Why the text is not (entirely) JSON: the rule in words, the bytes, the section."""

    rule: str
    start: int
    end: int
    section: str


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """The result of :func:`scan_json`: the value (when ``complete``), every recorded value, problems."""

    value: object
    complete: bool
    nodes: tuple[JsonNode, ...]
    problems: tuple[JsonProblem, ...]
    omitted: int
    start: int
    end: int

    def node(self, pointer: str) -> JsonNode | None:
        """The recorded value at ``pointer`` (``""`` is the whole document), if any."""
        for n in self.nodes:
            if n.pointer == pointer:
                return n
        return None

    @property
    def ok(self) -> bool:
        return self.complete and not self.problems


def escape_pointer(token: str) -> str:
    """A member name as a JSON pointer reference token (RFC 6901 §3: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


class _Stop(Exception):
    """Internal: parsing stops at the first problem (never leaves this module)."""


class _Scanner:
    def __init__(self, data: bytes, end: int, max_nodes: int) -> None:
        self.data = data
        self.end = end
        self.max_nodes = max_nodes
        self.nodes: list[JsonNode | None] = []
        self.problems: list[JsonProblem] = []
        self.omitted = 0

    def fail(self, rule: str, start: int, end: int, section: str = "RFC 8259 §2") -> _Stop:
        """Record a problem (at least one byte wide, never past the text) and stop the parse."""
        end = min(max(end, start + 1), self.end)
        self.problems.append(JsonProblem(rule, min(start, end), end, section))
        return _Stop()

    def skip_ws(self, pos: int) -> int:
        m = _WS.match(self.data, pos, self.end)
        return m.end() if m else pos

    def record(self, node: JsonNode) -> None:
        if len(self.nodes) < self.max_nodes:
            self.nodes.append(node)
        else:
            self.omitted += 1

    def reserve(self) -> int:
        """A slot for a container, filled when it ends (so nodes stay in document order)."""
        if len(self.nodes) < self.max_nodes:
            self.nodes.append(None)
            return len(self.nodes) - 1
        self.omitted += 1
        return -1

    def value(self, pos: int, pointer: str, depth: int) -> tuple[object, int]:
        if depth > MAX_DEPTH:
            raise self.fail(
                f"nesting deeper than {MAX_DEPTH} levels is not read", pos, pos + 1, "RFC 8259 §9"
            )
        if pos >= self.end:
            raise self.fail("a value is missing: the text ends here", pos, pos)
        c = self.data[pos]
        if c == 0x7B:  # {
            return self.container(pos, pointer, depth, b"}", "object")
        if c == 0x5B:  # [
            return self.container(pos, pointer, depth, b"]", "array")
        if c == 0x22:  # "
            text, end = self.string(pos)
            self.record(JsonNode(pointer, pos, end, "string", text, depth))
            return text, end
        m = _NUMBER.match(self.data, pos, self.end)
        if m:
            number = self.number(m)
            self.record(JsonNode(pointer, pos, m.end(), "number", number, depth))
            return number, m.end()
        for word, literal in _LITERALS:
            if self.data.startswith(word, pos) and pos + len(word) <= self.end:
                self.record(JsonNode(pointer, pos, pos + len(word), word.decode(), literal, depth))
                return literal, pos + len(word)
        raise self.fail(
            f"unexpected {_show(self.data[pos : pos + 1])} where a value should start", pos, pos + 1
        )

    def container(self, pos: int, pointer: str, depth: int, close: bytes, kind: str) -> tuple[object, int]:
        slot = self.reserve()
        is_object = kind == "object"
        members: dict[str, object] = {}
        items: list[object] = []
        p = self.skip_ws(pos + 1)
        if self.data[p : p + 1] == close:
            end = p + 1
        else:
            while True:
                if len(self.nodes) >= self.max_nodes:
                    rest = self.fast_rest(p, is_object)
                    if rest is not None:  # nothing more is recorded: the json module reads the rest
                        more, end = rest
                        if isinstance(more, dict):
                            members.update(more)
                        elif isinstance(more, list):
                            items.extend(more)
                        break
                if is_object:
                    if self.data[p : p + 1] != b'"':
                        raise self.fail(f"expected a member name (a string), found {self._at(p)}", p, p + 1)
                    name, p = self.string(p)
                    p = self.skip_ws(p)
                    if self.data[p : p + 1] != b":":
                        raise self.fail(f"expected ':' after a member name, found {self._at(p)}", p, p + 1)
                    child = f"{pointer}/{escape_pointer(name)}"
                    vstart = self.skip_ws(p + 1)
                    item, p = self.value(vstart, child, depth + 1)
                    if name in members:
                        self.problems.append(
                            JsonProblem(
                                f"member name {name!r} repeated: names SHOULD be unique (receivers differ "
                                "on which value wins)",
                                vstart,
                                p,
                                "RFC 8259 §4",
                            )
                        )
                    members[name] = item
                else:
                    item, p = self.value(p, f"{pointer}/{len(items)}", depth + 1)
                    items.append(item)
                p = self.skip_ws(p)
                sep = self.data[p : p + 1]
                if sep == close:
                    end = p + 1
                    break
                if sep != b",":
                    want = "',' or '}'" if is_object else "',' or ']'"
                    raise self.fail(f"expected {want}, found {self._at(p)}", p, p + 1)
                p = self.skip_ws(p + 1)
        value: object = members if is_object else items
        if slot >= 0:
            self.nodes[slot] = JsonNode(pointer, pos, end, kind, value, depth)
        return value, end

    def fast_rest(self, p: int, is_object: bool) -> tuple[object, int] | None:
        """The rest of a container, from the member or item at ``p`` to its end, read by :mod:`json`
        (C speed) once no more values are recorded; ``None`` when it finds a problem (the slow path then
        says where). It reads the same language here: NaN and Infinity are refused. Called at most once
        per open container, so the text is decoded at most as many times as the nesting is deep."""
        try:
            text = self.data[p : self.end].decode("utf-8")
            value, n = _DECODER.raw_decode(("{" if is_object else "[") + text)
        except (ValueError, RecursionError):
            return None
        self.omitted += _count(value)
        return value, p + len(text[: n - 1].encode("utf-8"))

    def string(self, pos: int) -> tuple[str, int]:
        m = _STRING.match(self.data, pos, self.end)
        if m is None:
            raise self._string_problem(pos)
        raw = self.data[pos + 1 : m.end() - 1]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            at = pos + 1 + e.start
            raise self.fail("invalid UTF-8 in a string", at, at + 1, "RFC 8259 §8.1") from None
        if "\\" in text:
            bad = _first_bad_escape(text)
            if bad is not None:
                at = pos + 1 + len(text[:bad].encode("utf-8"))
                raise self.fail(
                    f"invalid escape {text[bad : bad + 2]!r} in a string", at, at + 2, "RFC 8259 §7"
                )
            text = json.loads(f'"{text}"')
        return text, m.end()

    def _string_problem(self, pos: int) -> _Stop:
        p = pos + 1
        while p < self.end:
            c = self.data[p]
            if c < 0x20:
                return self.fail(
                    f"unescaped control character U+{c:04X} in a string", p, p + 1, "RFC 8259 §7"
                )
            if c == 0x5C:
                p += 2
                continue
            if c == 0x22:
                break
            p += 1
        return self.fail(
            "a string is not terminated before the end of the text", pos, self.end, "RFC 8259 §7"
        )

    def number(self, m: re.Match[bytes]) -> object:
        text = m.group().decode("ascii")
        if m.group(1) or m.group(2):
            return float(text)
        try:
            return int(text)
        except ValueError:  # more digits than int() converts (CPython's limit): keep the text
            self.problems.append(
                JsonProblem(
                    f"number of {len(text)} digits is too long to convert; kept as text",
                    m.start(),
                    m.end(),
                    "RFC 8259 §6",
                )
            )
            return text

    def _at(self, p: int) -> str:
        return "the end of the text" if p >= self.end else _show(self.data[p : p + 1])


def _refuse(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse)


def _count(value: object) -> int:
    """How many values ``value`` holds, itself excluded (containers and scalars alike)."""
    count, stack = 0, [value]
    while stack:
        v = stack.pop()
        children = list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else []
        count += len(children)
        stack.extend(children)
    return count


def _show(b: bytes) -> str:
    return repr(chr(b[0])) if b and 0x20 <= b[0] < 0x7F else f"byte 0x{b.hex()}" if b else "nothing"


def _first_bad_escape(text: str) -> int | None:
    i = text.find("\\")
    while i >= 0:
        m = _GOOD_ESCAPES.match(text, i)
        if m is None:
            return i
        i = text.find("\\", m.end())
    return None


def scan_json(
    data: bytes, start: int = 0, end: int | None = None, *, max_nodes: int = MAX_NODES
) -> JsonDocument:
    """Parse the JSON text in ``data[start:end]``, recording each value's bytes and pointer.

    Offsets in the result are offsets in ``data``. Never raises on any input.
    """
    stop = len(data) if end is None else min(end, len(data))
    s = _Scanner(data, stop, max_nodes)
    pos = start
    if data.startswith(b"\xef\xbb\xbf", pos):
        s.problems.append(
            JsonProblem("a byte order mark must not precede JSON text", pos, pos + 3, "RFC 8259 §8.1")
        )
        pos += 3
    pos = s.skip_ws(pos)
    value: object = None
    complete = False
    try:
        if pos >= stop:
            raise s.fail("no JSON value: the text is empty", pos, pos)
        value, pos = s.value(pos, "", 0)
        complete = True
        pos = s.skip_ws(pos)
        if pos < stop:
            s.problems.append(JsonProblem("unexpected data after the JSON value", pos, stop, "RFC 8259 §2"))
    except _Stop:
        pass
    nodes = tuple(n for n in s.nodes if n is not None)
    return JsonDocument(
        value if complete else None, complete, nodes, tuple(s.problems), s.omitted, start, stop
    )
