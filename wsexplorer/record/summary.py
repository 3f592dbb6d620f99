"""What a recorded session amounts to: counts, bytes, compression, round trips and the close.

:class:`SessionSummary` is data, computed from the frame columns and the one replay path (messages and
their compression come from :meth:`Session.events`); its views are in :mod:`wsexplorer.render.session`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..codec.frame_header import DEFINED_OPCODES, Opcode
from ..errors import CloseCode
from ..protocol.events import BinaryMessage, TextMessage
from .decoding import decoding_for
from .frame_index import FrameIndex
from .round_trips import ping_round_trips
from .session import C2S, DIRECTION_NAMES, S2C, Session

__all__ = ["SessionSummary"]

_CONTROL = (Opcode.CLOSE,)  # the frames read one by one here (round trips: round_trips.py)


@dataclass(frozen=True)
class SessionSummary:
    """What a session amounts to: counts, bytes, compression, round trips, and the close."""

    frames_by_opcode: dict[str, dict[str, int]]
    wire_bytes: dict[str, int]
    payload_bytes: dict[str, int]
    messages: dict[str, int]
    compression_ratios: dict[str, list[float]]
    ping_rtts_ns: list[int]
    close_codes: dict[str, int | None]
    closed_first_by: str | None
    subprotocol: str | None = None  # the decoder applied (negotiated name), if any
    decoded: dict[str, int] = field(default_factory=dict)  # decoded messages by kind
    subprotocol_violations: int = 0
    close_meanings: dict[str, str] = field(default_factory=dict)  # direction -> its close code's meaning
    subprotocol_note: str | None = None  # the graphql-ws name clash, where it bites

    @classmethod
    def of(cls, session: Session, decoder: str | None = None) -> SessionSummary:
        """The summary, the messages decoded by ``decoder`` (see :func:`~.decoding.decoding_for`:
        ``None`` the negotiated subprotocol's); its close codes explained by the subprotocol when it
        gives them a meaning (RFC 6455 §7.4.2: codes 4000-4999 are the application's)."""
        by_op: dict[str, dict[str, int]] = {}
        wire: dict[str, int] = {}
        payload: dict[str, int] = {}
        messages: dict[str, int] = {}
        ratios: dict[str, list[float]] = {}
        close_codes: dict[str, int | None] = {}
        close_times: dict[str, int] = {}
        for d in (C2S, S2C):
            name = DIRECTION_NAMES[d]
            cols = session.frame_columns(d)
            counts: dict[str, int] = {}
            for op in set(int(x) for x in cols["opcode"]):
                label = Opcode(op).name.lower() if op in DEFINED_OPCODES else f"0x{op:x}"
                counts[label] = int((cols["opcode"] == op).sum())
            by_op[name] = counts
            wire[name] = int(cols["wire_length"].sum())
            payload[name] = int(cols["payload_length"].sum())
            ctrl = [i for i, op in enumerate(cols["opcode"]) if op in _CONTROL]
            for i in ctrl:
                rec = session.frame(d, i)
                op = rec.frame.opcode
                if op == Opcode.CLOSE and name not in close_codes:
                    code = rec.frame.close_code
                    close_codes[name] = code if code is not None else CloseCode.NO_STATUS_RCVD
                    close_times[name] = rec.t_ns
            msgs = [e.message for e in session.events(d) if isinstance(e, (TextMessage, BinaryMessage))]
            messages[name] = len(msgs)
            ratios[name] = [m.ratio for m in msgs if m.compressed and m.ratio is not None]
        rtts = [int(r) for r in ping_round_trips(FrameIndex(session))[1]]
        first = min(close_times, key=lambda k: close_times[k]) if close_times else None
        closed_first_by = None if first is None else ("client" if first == DIRECTION_NAMES[0] else "server")
        for name in DIRECTION_NAMES:
            close_codes.setdefault(name, None)
        decoding = decoding_for(session, decoder)
        active = decoding if decoding is not None and decoding.name is not None else None
        kinds = active.kinds() if active is not None else {}
        broken = active.violations if active is not None else 0
        meanings: dict[str, str] = {}
        for name, code in close_codes.items():
            meaning = active.close_meaning(code) if active is not None and code is not None else None
            if meaning is not None:
                meanings[name] = meaning
        return cls(
            by_op,
            wire,
            payload,
            messages,
            ratios,
            rtts,
            close_codes,
            closed_first_by,
            active.name if active is not None else None,
            kinds,
            broken,
            meanings,
            session.decoding().clash_note(),
        )
