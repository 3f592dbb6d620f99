"""Two conversations side by side: which messages match, which differ, and in what (data only).

:func:`compare` aligns two :class:`~.conversation.Conversation` objects direction by direction (equal
entries pair up, in order; an entry only one side has shows as missing or extra) and says, for each
pair, what differs: payload, opcode, fragmentation (RFC 6455 §5.4), compression (RFC 7692 §6), masking
(§5.1), close code (§7.4) or timing. Used to show what a relay changed between its two legs, and how a
server's answers to a replayed session differ from the original ones. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Literal

from .conversation import Conversation, Entry, FrameShape
from .session import C2S, DIRECTION_NAMES, S2C, Direction, Session

if TYPE_CHECKING:
    from .har import MessageLog

__all__ = [
    "ASPECTS",
    "Conversation",
    "DiffRow",
    "Difference",
    "DirectionDiff",
    "Entry",
    "FramePair",
    "FrameShape",
    "SessionDiff",
    "compare",
]

ASPECTS = ("payload", "opcode", "fragmentation", "compression", "masking", "close code", "timing")
"""What can differ between two paired entries, in the order views list them."""

_MATCHER_CELLS = 4_000_000  # above this many (a x b) cells, unmatched middles are paired by kind

Status = Literal["same", "changed", "only_a", "only_b"]


# -- comparing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """One way two paired entries (or two handshakes) differ: the aspect, both values, in words."""

    aspect: str
    a: str
    b: str
    detail: str = ""

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.aspect}: {self.a} vs {self.b}{extra}"


@dataclass(frozen=True, slots=True)
class FramePair:
    """Frame ``index`` of a paired message on each side (``None`` past the end of one side) and the
    header fields that differ."""

    index: int
    a: FrameShape | None
    b: FrameShape | None
    differs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One line of the comparison: an entry of each side (or of one side only) and their differences."""

    status: Status
    a: Entry | None
    b: Entry | None
    differences: tuple[Difference, ...] = ()
    frames: tuple[FramePair, ...] = ()  # frame by frame, when the frames differ

    @property
    def aspects(self) -> tuple[str, ...]:
        return tuple(d.aspect for d in self.differences)


@dataclass(frozen=True)
class DirectionDiff:
    """The rows of one direction, in order."""

    direction: Direction
    rows: tuple[DiffRow, ...]

    @property
    def name(self) -> str:
        return DIRECTION_NAMES[self.direction]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)


@dataclass(frozen=True)
class SessionDiff:
    """Two conversations compared: the handshake's differences and one :class:`DirectionDiff` per
    direction (``directions[C2S]``, ``directions[S2C]``). ``labels`` name the two sides."""

    labels: tuple[str, str]
    handshake: tuple[Difference, ...]
    directions: tuple[DirectionDiff, DirectionDiff]
    timing_tolerance_s: float | None
    frames_compared: bool

    @property
    def same(self) -> bool:
        """True when nothing differs: no handshake difference, every row the same."""
        return not self.handshake and all(r.status == "same" for d in self.directions for r in d.rows)

    def counts(self) -> dict[str, int]:
        """How many rows differ in each aspect, and how many entries only one side has."""
        out = dict.fromkeys(ASPECTS, 0)
        out["only_a"] = out["only_b"] = 0
        for d in self.directions:
            for row in d.rows:
                if row.status in ("only_a", "only_b"):
                    out[row.status] += 1
                for aspect in dict.fromkeys(row.aspects):
                    out[aspect] += 1
        return out

    def summary(self) -> str:
        """One paragraph: how many entries match and what differs."""
        a, b = self.labels
        if self.same:
            total = sum(len(d.rows) for d in self.directions)
            return f"{a} and {b}: no differences ({total} entries compared)"
        lines = [f"{a} vs {b}:"] + [f"  handshake: {d}" for d in self.handshake]
        for d in self.directions:
            counts = {s: d.count(s) for s in ("same", "changed", "only_a", "only_b")}
            lines.append(
                f"  {d.name}: {counts['same']} same, {counts['changed']} changed, "
                f"{counts['only_a']} only in {a}, {counts['only_b']} only in {b}"
            )
        aspects = {k: v for k, v in self.counts().items() if v and k in ASPECTS}
        if aspects:
            lines.append("  differences: " + ", ".join(f"{k} {v}" for k, v in aspects.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SessionDiff {self.summary().splitlines()[0]}>"


def compare(
    a: Session | MessageLog | Conversation | object,
    b: Session | MessageLog | Conversation | object,
    *,
    labels: tuple[str, str] = ("original", "replay"),
    timing: Literal["reaction", "clock"] | None = "reaction",
    timing_tolerance: float = 0.25,
    timing_directions: Sequence[Direction] = (C2S, S2C),
    directions: Sequence[Direction] = (C2S, S2C),
) -> SessionDiff:
    """Compare ``a`` with ``b``, direction by direction (see the module's docstring).

    ``timing="reaction"`` compares how long after the other side's last entry each entry came
    (``after_s``: a server's answer time, a client's pause); ``"clock"`` compares the recorded times
    themselves, for two recordings on one clock (a relay's two legs: the time the relay held each
    message); ``None`` leaves timing out. A difference counts past ``timing_tolerance`` seconds, in
    ``timing_directions`` only. A direction not in ``directions`` gets no rows.
    """
    ca, cb = Conversation.of(a), Conversation.of(b)
    frames = ca.has_frames and cb.has_frames
    out = []
    for d in (C2S, S2C):
        rows: tuple[DiffRow, ...] = ()
        if d in directions:
            mode = timing if d in timing_directions else None
            rows = tuple(_rows(ca.entries[d], cb.entries[d], _Timing(mode, timing_tolerance), frames))
        out.append(DirectionDiff(d, rows))
    tolerance = timing_tolerance if timing is not None else None
    return SessionDiff(labels, _handshake(ca, cb), (out[0], out[1]), tolerance, frames)


@dataclass(frozen=True, slots=True)
class _Timing:
    mode: Literal["reaction", "clock"] | None
    tolerance: float

    def difference(self, a: Entry, b: Entry) -> Difference | None:
        if self.mode == "reaction":
            delta = b.after_s - a.after_s
            if abs(delta) <= self.tolerance:
                return None
            values = f"{a.after_s * 1e3:,.1f} ms", f"{b.after_s * 1e3:,.1f} ms"
            return Difference("timing", *values, f"{delta * 1e3:+,.1f} ms after the other side's last entry")
        if self.mode == "clock":
            delta = (b.t_ns - a.t_ns) / 1e9
            if abs(delta) <= self.tolerance:
                return None
            return Difference("timing", "t", f"t {delta * 1e3:+,.1f} ms", "apart on the same clock")
        return None


def _handshake(a: Conversation, b: Conversation) -> tuple[Difference, ...]:
    found = []
    if a.status != b.status:
        found.append(Difference("status", str(a.status), str(b.status), "the handshake's HTTP status"))
    if a.subprotocol != b.subprotocol:
        found.append(Difference("subprotocol", a.subprotocol or "none", b.subprotocol or "none"))
    if a.extensions != b.extensions:
        found.append(
            Difference("extensions", ", ".join(a.extensions) or "none", ", ".join(b.extensions) or "none")
        )
    return tuple(found)


def _rows(a: list[Entry], b: list[Entry], timing: _Timing, frames: bool) -> list[DiffRow]:
    ka, kb = [e.key for e in a], [e.key for e in b]
    pairs: list[tuple[int | None, int | None]] = []
    if ka == kb:
        pairs = [(i, i) for i in range(len(a))]
    else:
        head = 0
        while head < min(len(a), len(b)) and ka[head] == kb[head]:
            head += 1
        tail = 0
        while tail < min(len(a), len(b)) - head and ka[-1 - tail] == kb[-1 - tail]:
            tail += 1
        pairs = [(i, i) for i in range(head)]
        pairs += _align(a, b, head, len(a) - tail, head, len(b) - tail)
        pairs += [(len(a) - tail + i, len(b) - tail + i) for i in range(tail)]
    rows = []
    for i, j in pairs:
        if i is None:
            rows.append(DiffRow("only_b", None, b[j]))  # type: ignore[index]
        elif j is None:
            rows.append(DiffRow("only_a", a[i], None))
        else:
            rows.append(_pair(a[i], b[j], timing, frames))
    return rows


def _align(
    a: list[Entry], b: list[Entry], a0: int, a1: int, b0: int, b1: int
) -> list[tuple[int | None, int | None]]:
    """Pairs for the unmatched middles: equal entries by SequenceMatcher, the rest by kind."""
    if (a1 - a0) * (b1 - b0) > _MATCHER_CELLS:
        return _pair_by_kind(a, b, range(a0, a1), range(b0, b1))
    matcher = SequenceMatcher(None, [e.key for e in a[a0:a1]], [e.key for e in b[b0:b1]], autojunk=False)
    out: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [(a0 + i1 + k, b0 + j1 + k) for k in range(i2 - i1)]
        else:
            out += _pair_by_kind(a, b, range(a0 + i1, a0 + i2), range(b0 + j1, b0 + j2))
    return out


def _pair_by_kind(
    a: list[Entry], b: list[Entry], ia: range, ib: range
) -> list[tuple[int | None, int | None]]:
    """Pair entries that differ, in order, when they are of comparable kinds (data with data, a
    control frame with one of its own kind); the others stand alone."""
    out: list[tuple[int | None, int | None]] = []
    i, j = ia.start, ib.start
    while i < ia.stop and j < ib.stop:
        if _comparable(a[i], b[j]):
            out.append((i, j))
            i, j = i + 1, j + 1
        elif a[i].t_ns <= b[j].t_ns:
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    out += [(k, None) for k in range(i, ia.stop)] + [(None, k) for k in range(j, ib.stop)]
    return out


def _comparable(x: Entry, y: Entry) -> bool:
    data = ("text", "binary")
    return (x.kind in data and y.kind in data) or x.kind == y.kind


def _pair(a: Entry, b: Entry, timing: _Timing, frames: bool) -> DiffRow:
    found: list[Difference] = []
    if a.opcode != b.opcode:
        found.append(Difference("opcode", a.kind, b.kind))
    if a.kind == "close" or b.kind == "close":
        if (a.close_code, a.close_reason) != (b.close_code, b.close_reason):
            found.append(Difference("close code", a.preview(), b.preview()))
    elif a.digest != b.digest:
        found.append(Difference("payload", f"{a.size:,} B", f"{b.size:,} B", _first_difference(a, b)))
    pairs: tuple[FramePair, ...] = ()
    if frames and a.frames and b.frames and a.frames != b.frames:
        pairs = _frame_pairs(a, b)
        found += _frame_differences(a, b, pairs)
    late = timing.difference(a, b)
    if late is not None:
        found.append(late)
    found.sort(key=lambda d: ASPECTS.index(d.aspect))
    return DiffRow("changed" if found else "same", a, b, tuple(found), pairs)


def _first_difference(a: Entry, b: Entry) -> str:
    n = min(len(a.head), len(b.head))
    for k in range(n):
        if a.head[k] != b.head[k]:
            return f"first difference at byte {k}"
    if a.size != b.size and n == min(a.size, b.size):
        return f"one is a prefix of the other: they differ from byte {n}"
    return f"the first {n} bytes are equal"


def _frame_pairs(a: Entry, b: Entry) -> tuple[FramePair, ...]:
    out = []
    for k in range(max(len(a.frames), len(b.frames))):
        fa = a.frames[k] if k < len(a.frames) else None
        fb = b.frames[k] if k < len(b.frames) else None
        differs: tuple[str, ...] = ()
        if fa is not None and fb is not None:
            names = ("opcode", "fin", "rsv1", "masked", "payload_length")
            differs = tuple(n for n in names if getattr(fa, n) != getattr(fb, n))
        out.append(FramePair(k, fa, fb, differs))
    return tuple(out)


def _frame_differences(a: Entry, b: Entry, pairs: tuple[FramePair, ...]) -> list[Difference]:
    found = []
    if len(a.frames) != len(b.frames):
        found.append(Difference("fragmentation", f"{len(a.frames)} frame(s)", f"{len(b.frames)} frame(s)"))
    elif not a.compressed and not b.compressed and any("payload_length" in p.differs for p in pairs):
        sizes = [", ".join(str(f.payload_length) for f in e.frames) for e in (a, b)]
        found.append(Difference("fragmentation", sizes[0], sizes[1], "fragment payload lengths"))
    if a.compressed != b.compressed:
        words = {True: "compressed", False: "not compressed", None: "unknown"}
        found.append(Difference("compression", words[a.compressed], words[b.compressed]))
    elif a.compressed and a.digest == b.digest and a.wire_size != b.wire_size:
        found.append(
            Difference(
                "compression", f"{a.wire_size:,} B", f"{b.wire_size:,} B", "compressed size on the wire"
            )
        )
    if any("masked" in p.differs for p in pairs):
        found.append(Difference("masking", _masked(a), _masked(b), "RFC 6455 §5.1"))
    return found


def _masked(e: Entry) -> str:
    masked = sum(1 for f in e.frames if f.masked)
    return "masked" if masked == len(e.frames) else "unmasked" if not masked else f"{masked} masked"
