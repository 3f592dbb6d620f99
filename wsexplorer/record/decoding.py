"""A session's messages decoded by their subprotocol, both directions, in the order they completed.

The subprotocol is the one the handshake agreed (``Sec-WebSocket-Protocol``, RFC 6455 §1.9), or one the
user chooses for servers that negotiate none (Socket.IO, plain JSON). Its decoder
(:mod:`wsexplorer.codec.subprotocols`) follows the conversation's own state machine, so it gets every
complete message from the one replay path — inflated, reassembled — with its sender, in the order the
messages completed on the wire.

Bounded: per message only a short label (kind, headline, number of rules broken) is kept, for tables and
summaries; the full decoded objects of one message are rebuilt on request by decoding the conversation
again up to it. At most :data:`MAX_DECODED` messages are decoded per session (the rest are counted).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec.subprotocols import DecodedMessage, Registration, clash_note, conversation, lookup, registered
from ..codec.subprotocols.base import Conversation
from .session import C2S, S2C, Direction, Session, sender_of

__all__ = ["MAX_DECODED", "RAW", "Label", "SubprotocolDecoding", "decoding_for"]

RAW = ""
"""The decoder choice meaning "no decoder": the messages shown raw (no registered name is empty)."""

MAX_DECODED = 200_000
"""Messages decoded per session; later ones are not (the decoders keep state that grows with them)."""


@dataclass(frozen=True, slots=True)
class Label:
    """What a table shows of one WebSocket message's decoding: kinds, headline, rules broken."""

    kinds: tuple[str, ...]
    headline: str
    violations: int

    def text(self) -> str:
        kind = " + ".join(self.kinds) if self.kinds else "(part of a packet)"
        bad = f" ✗{self.violations}" if self.violations else ""
        return f"{kind} {self.headline}".strip() + bad


class SubprotocolDecoding:
    """The decoded messages of ``session`` (``choice``: a decoder name chosen by the user)."""

    def __init__(self, session: Session, *, choice: str | None = None) -> None:
        self.session = session
        self.choice = choice
        self._settled = False
        self._negotiated: str | None = None
        self._registration: Registration | None = None
        self._conversation: Conversation | None = None
        self._resolve()
        self._order: list[tuple[Direction, int]] = []  # (direction, message number) in feeding order
        self._labels: dict[tuple[Direction, int], Label] = {}
        self._next = [0, 0]  # per direction: the next message number to feed
        self.skipped = 0  # messages past MAX_DECODED

    def _resolve(self) -> None:
        """Read the handshake's choice (RFC 6455 §4.2.2 item 5.4) once the response is recorded: a
        live session is asked for its decoding before the server has answered."""
        if self._settled:
            return
        response = self.session.response
        self._settled = response is not None or not self.session.handshake
        self._negotiated = response.subprotocol if response is not None else None
        self._registration = lookup(self._negotiated, choice=self.choice)
        if self._conversation is None:
            self._conversation = self._new()

    @property
    def negotiated(self) -> str | None:
        """The subprotocol the server selected (``None``: none, or no response recorded yet)."""
        self._resolve()
        return self._negotiated

    @property
    def registration(self) -> Registration | None:
        """The decoder that applies: the user's choice, else the negotiated name's (``None``: none)."""
        self._resolve()
        return self._registration

    @property
    def name(self) -> str | None:
        """The decoder's name, or ``None`` when no decoder applies."""
        registration = self.registration
        return registration.name if registration is not None else None

    def close_meaning(self, code: int) -> str | None:
        """What close ``code`` means in this subprotocol (RFC 6455 §7.4.2: 4000-4999 are the
        application's), ``None`` when no decoder applies or the decoder gives it no meaning."""
        self._resolve()
        conv = self._conversation
        return conv.close_meaning(code) if conv is not None else None

    def clash_note(self) -> str | None:
        """Where the ``graphql-ws`` name clash bites in this session's handshake (see
        :func:`wsexplorer.codec.subprotocols.clash_note`), or ``None``."""
        request = self.session.request
        if request is None:
            return None
        return clash_note(request.subprotocols, self.negotiated)

    def _new(self) -> Conversation | None:
        return conversation(self._negotiated, choice=self.choice)

    def _pending(self) -> list[tuple[int, Direction, int]]:
        """Complete messages not fed yet, with their completion time, that can be fed now in order.

        Only messages the replays have already reached are taken (this never replays anything itself:
        tables and summaries drive the replays, a slice at a time for big sessions)."""
        out: list[tuple[int, Direction, int]] = []
        horizon: list[int] = []
        for d in (C2S, S2C):
            replay = self.session.replay(d)
            t_done = self.session.frame_columns(d)["t_ns"]
            messages = replay.messages
            for number in range(self._next[d], len(messages)):
                out.append((int(t_done[messages[number].last]), d, number))
            if not replay.complete and replay.fed:
                horizon.append(int(t_done[replay.fed - 1]))
        out.sort()
        if horizon:  # a direction still growing: only what surely came before its next message
            limit = min(horizon)
            out = [m for m in out if m[0] <= limit]
        return out

    def update(self) -> int:
        """Decode the messages completed since the last call; how many were decoded."""
        self._resolve()
        conv = self._conversation
        if conv is None:
            return 0
        fed = 0
        for _t, d, number in self._pending():
            self._next[d] = number + 1
            if len(self._order) >= MAX_DECODED:
                self.skipped += 1
                continue
            decoded = self._feed(conv, d, number)
            self._order.append((d, number))
            self._labels[d, number] = _label(decoded)
            fed += 1
        return fed

    def _feed(self, conv: Conversation, d: Direction, number: int) -> list[DecodedMessage]:
        message = self.session.replay(d).message(number)
        return conv.receive(message.data, sender_of(d))

    def label(self, direction: Direction, number: int) -> Label | None:
        """The label of message ``number`` of ``direction`` (``None``: not decoded, or no decoder)."""
        if (direction, number) not in self._labels:
            self.update()
        return self._labels.get((direction, number))

    def decoded(self, direction: Direction, number: int) -> list[DecodedMessage]:
        """The decoded objects message ``number`` of ``direction`` completed (decoded afresh)."""
        for d in (C2S, S2C):
            self.session.replay(d).advance()
        self.update()
        conv = self._new()
        if conv is None or (direction, number) not in self._labels:
            return []
        for d, n in self._order:
            out = self._feed(conv, d, n)
            if (d, n) == (direction, number):
                return out
        return []

    def labels(self) -> list[tuple[Direction, int, Label]]:
        """Every decoded message's label, in feeding order (the whole session replayed first)."""
        for d in (C2S, S2C):
            self.session.replay(d).advance()
        self.update()
        return [(d, n, self._labels[d, n]) for d, n in self._order]

    def kinds(self) -> dict[str, int]:
        """How many decoded messages of each kind (a summary's view)."""
        counts: dict[str, int] = {}
        for _d, _n, label in self.labels():
            for kind in label.kinds:
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    @property
    def violations(self) -> int:
        """Rules of the subprotocol broken so far, in every decoded message."""
        return sum(label.violations for _d, _n, label in self.labels())


def decoding_for(session: Session, decoder: str | None = None) -> SubprotocolDecoding | None:
    """The decoding a view shows: ``None`` the negotiated subprotocol's, :data:`RAW` (or ``"raw"``, when
    no decoder is registered by that name) none at all, else the decoder registered as ``decoder``.

    A choice naming the negotiated subprotocol shares the session's negotiated decoding (one per
    session, kept by :meth:`Session.decoding`). ValueError for a name no decoder answers to.
    """
    if decoder == RAW or (decoder == "raw" and all(r.name != "raw" for r in registered())):
        return None
    negotiated = session.decoding()
    if decoder is None or decoder == negotiated.name:
        return negotiated
    return session.decoding(decoder)


def _label(decoded: list[DecodedMessage]) -> Label:
    headline = decoded[0].headline if len(decoded) == 1 else f"{len(decoded)} packets" if decoded else ""
    return Label(tuple(m.kind for m in decoded), headline[:80], sum(len(m.violations) for m in decoded))
