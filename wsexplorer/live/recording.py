"""What a live connection keeps of its bytes: a recording policy with a byte budget.

Every live connection records into a :class:`~wsexplorer.record.session.Session` (and, if asked, an
append-only :class:`~wsexplorer.record.journal.SessionJournal` on disk). How much is a choice:

* ``"all"`` — every byte (the default of :func:`~wsexplorer.live.connect` and the notebooks' servers);
* ``"control"`` — the opening handshake and the control frames (close, ping, pong), whole and exact;
  data frames are counted, not kept (RFC 6455 §5.5: control frames are short, data frames are not);
* ``"handshake"`` — the opening handshake only, then counts;
* ``"meta"`` — no bytes, only what :attr:`Session.meta` says (addresses, TLS, what was negotiated,
  byte counts);
* ``"off"`` — nothing (a server keeps no session either).

``max_bytes`` caps what one session keeps: the recording stops exactly at the cap, and
``meta["recording_stopped"]`` says where, when and why; bytes not kept are counted in
``meta["unrecorded_bytes"]``. ``redact`` names the direction whose credential headers (Authorization,
Cookie, ... :data:`~wsexplorer.record.redact.SENSITIVE_HEADERS`) are replaced by ``*`` as they are
recorded, length kept: a server redacts what its clients send (their secrets are not its user's),
a client keeps its own connection's bytes as they were. The fast path (``"all"``, no cap, no journal,
redaction done) writes straight to the session with no per-chunk work here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from ..codec.frame_header import header_layout
from ..codec.http import find_header_end
from ..errors import WSExplorerError
from ..record.journal import SessionJournal
from ..record.redact import HeaderRedactor
from ..record.session import C2S, S2C, Direction, Session

__all__ = ["LEVELS", "Level", "Recorder", "check_level"]

Level = Literal["all", "control", "handshake", "meta", "off"]
LEVELS: tuple[str, ...] = get_args(Level)
_CONTROL_MAX = 2 + 4 + 125  # the longest valid control frame: header, masking key, 125 payload bytes


def check_level(level: str) -> Level:
    """``level`` if it names a recording level, else ValueError listing them."""
    if level not in LEVELS:
        raise ValueError(f"record={level!r}: choose one of {', '.join(LEVELS)}")
    return level  # type: ignore[return-value]


class _Direction:
    """One direction's filter for ``"control"`` and ``"handshake"``: where the header block ends, then
    which frames to keep."""

    __slots__ = ("frames", "head", "hold", "keep", "left", "skip")

    def __init__(self, frames: bool) -> None:
        self.head: bytearray | None = None if frames else bytearray()  # the header block so far
        self.frames = frames  # True once frames start
        self.hold = bytearray()  # a frame header (or a control frame) not complete yet
        self.keep = False  # the frame in `hold` is a control frame we keep
        self.left = 0  # payload bytes of the current frame still to come
        self.skip = 0  # bytes of a data frame still to drop


class Recorder:
    """Writes what the policy keeps of each chunk into ``session`` (and ``journal``)."""

    __slots__ = (
        "_redactor",
        "_sending",
        "_unrecorded",
        "_ways",
        "journal",
        "kept",
        "level",
        "max_bytes",
        "received",
        "sent",
        "session",
        "stopped",
    )

    def __init__(
        self,
        session: Session,
        level: Level = "all",
        *,
        max_bytes: int | None = None,
        journal: SessionJournal | None = None,
        redact: Direction | None = None,
    ) -> None:
        self.session = session
        self.level = check_level(level)
        self.max_bytes = max_bytes
        self.journal = journal
        self.kept = 0
        self.stopped = False
        self._unrecorded: tuple[int, int] = (0, 0)  # a tuple: rarely changed, smaller than a list
        # Only the levels that look inside the stream follow it.
        filtering = self.level in ("control", "handshake")
        ways = (_Direction(not session.handshake), _Direction(not session.handshake)) if filtering else None
        self._ways: tuple[_Direction, _Direction] | None = ways
        self._redactor = HeaderRedactor(redact) if redact is not None and session.handshake else None
        self._sending: Direction = C2S if session.role == "client" else S2C
        self.sent: Callable[[bytes | memoryview, int], None] = session.sent
        self.received: Callable[[bytes | memoryview, int], None] = session.received
        self._bind()

    def _bind(self) -> None:
        """Write straight to the session when nothing here has work to do (the common case)."""
        fast = self.level == "all" and self.max_bytes is None and self.journal is None
        sending, receiving = self._sending, S2C if self._sending == C2S else C2S
        redacting = None if self._redactor is None or self._redactor.done else self._redactor.direction
        self.sent = self.session.sent if fast and redacting != sending else self._writer(sending)
        self.received = self.session.received if fast and redacting != receiving else self._writer(receiving)

    def _writer(self, direction: Direction) -> Callable[[bytes | memoryview, int], None]:
        def write(data: bytes | memoryview, t_ns: int) -> None:
            self.record(direction, data, t_ns)

        return write

    def record(self, direction: Direction, data: bytes | memoryview, t_ns: int) -> None:
        """Keep what the policy keeps of ``data`` (sent in ``direction`` at ``t_ns``; not kept: it may be
        the connection's read buffer)."""
        level = self.level
        if level == "off":
            return
        redactor = self._redactor
        if redactor is not None and redactor.direction == direction:
            data = redactor.feed(data)
            if redactor.done:
                self._redactor = None
                self._note_redactions(redactor)
                self._bind()
        kept = data if level == "all" else self._filter(direction, bytes(data)) if level != "meta" else b""
        if self.stopped:
            kept = b""
        elif self.max_bytes is not None and self.kept + len(kept) > self.max_bytes:
            kept = kept[: self.max_bytes - self.kept]
            self._stop(f"the recording limit of {self.max_bytes:,} bytes was reached", t_ns)
        if len(kept) < len(data):
            c2s, s2c = self._unrecorded
            if direction == C2S:
                c2s += len(data) - len(kept)
            else:
                s2c += len(data) - len(kept)
            self._unrecorded = (c2s, s2c)
            self.session.meta["unrecorded_bytes"] = {"c2s": c2s, "s2c": s2c}
        if kept:
            self.kept += len(kept)
            self.session.record(direction, kept, t_ns)
            if self.journal is not None:
                self.journal.record(direction, kept, t_ns)

    def _stop(self, reason: str, t_ns: int) -> None:
        self.stopped = True
        self.session.meta["recording_stopped"] = {
            "reason": reason,
            "t_ns": t_ns,
            "c2s_bytes": self.session.byte_count(C2S),
            "s2c_bytes": self.session.byte_count(S2C),
        }

    def _note_redactions(self, redactor: HeaderRedactor) -> None:
        found = [r.as_json() for r in redactor.take_completed() + redactor.finish()]
        if found:
            self.session.meta.setdefault("redacted", []).extend(found)

    def close(self) -> None:
        """The connection ended: note what was redacted, finish the journal (its end record), if any."""
        if self._redactor is not None:
            self._note_redactions(self._redactor)
            self._redactor = None
        if self.journal is not None:
            self.journal.close()

    def stop(self, reason: str, t_ns: int) -> None:
        """Stop recording from now on (the connection stopped reading, for instance), saying why."""
        if not self.stopped:
            self._stop(reason, t_ns)

    # -- "control" and "handshake" ------------------------------------------------------------------

    def _filter(self, direction: Direction, data: bytes) -> bytes:
        assert self._ways is not None  # made for the levels that filter
        way = self._ways[direction]
        out = bytearray()
        if way.head is not None:  # the opening handshake: kept whole
            way.head += data
            try:
                end = find_header_end(way.head)
            except WSExplorerError:  # never a header block: keep the bytes as they come (bounded above)
                end = len(way.head)
            if end is None:
                return data
            rest = bytes(way.head[end:])
            out += data[: len(data) - len(rest)]
            status = bytes(way.head[:end]).split(b" ", 2)[1:2]
            way.head = None
            way.frames = direction == C2S or status == [b"101"]  # a refusal's body is not frames
            if not way.frames:
                return bytes(out) + rest  # a refusal's body: kept
            data = rest
        elif not way.frames:
            return data
        if self.level == "handshake":
            return bytes(out)
        out += self._control_frames(way, data)
        return bytes(out)

    @staticmethod
    def _control_frames(way: _Direction, data: bytes) -> bytes:
        """The whole control frames completed in ``data``; data frames are dropped."""
        out = bytearray()
        pos, end = 0, len(data)
        while pos < end:
            if way.skip:
                n = min(way.skip, end - pos)
                way.skip -= n
                pos += n
                continue
            if way.left and way.keep:
                n = min(way.left, end - pos)
                way.hold += data[pos : pos + n]
                way.left -= n
                pos += n
                if not way.left:
                    out += way.hold
                    way.hold.clear()
                continue
            # a frame header: gather it, then decide
            had = len(way.hold)
            taken = min(14 - had, end - pos)
            way.hold += data[pos : pos + taken]
            layout = header_layout(way.hold, 0)
            if layout is None:
                pos += taken
                continue
            header, length = layout[0], layout[2]
            pos += header - had
            head = bytes(way.hold[:header])
            way.hold.clear()
            control = head[0] & 0x08 and header + length <= _CONTROL_MAX
            if control:
                way.keep, way.left = True, length
                way.hold += head
                if not length:
                    out += way.hold
                    way.hold.clear()
            else:
                way.keep, way.skip = False, length
        return bytes(out)
