"""The sans-I/O WebSocket connection: bytes in, events out; sending, bytes out (RFC 6455 §4-§7).

A :class:`Connection` does no I/O and reads no clock. Feed it what the transport received with
:meth:`~Connection.receive_data` (``b""`` for end of stream), collect what happened with
:meth:`~Connection.events`, and write what :meth:`~Connection.data_to_send` returns. It runs the opening
handshake (:mod:`.opening`) or starts already open, for frame-level exploration.

Every state change goes through the table of :mod:`.states`: a call the current state has no
transition for raises :class:`~wsexplorer.errors.InvalidState` and queues nothing. Every protocol error
fails the connection (§7.1.7): a close frame with the error's close code is queued, a
:class:`~wsexplorer.protocol.events.ConnectionFailed` event says which rule was broken at which byte of
the stream, and nothing more the peer sends is processed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

from ..codec import rules
from ..codec.close import close_code_problem, close_reason_for, encode_close_payload
from ..codec.extensions import Extension, NegotiatedExtension, as_extension
from ..codec.frame_header import OPCODE_BITS, Opcode
from ..codec.frames import Frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.role import Role, peer_of
from ..codec.server_decision import ServerDecision, ServerPolicy
from ..errors import (
    CloseCode,
    InvalidState,
    ProtocolError,
    WSExplorerError,
)
from .events import (
    CloseReceived,
    ConnectionEnded,
    ConnectionFailed,
    Event,
    HandshakeAccepted,
    HandshakeFailed,
    Ping,
    RequestReceived,
)
from .misbehaviour import check_misbehaviours
from .opening import Handshake, Opening
from .receiver import FrameReceiver
from .sender import FrameSender
from .states import TRANSITIONS, State, Trigger, transition

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "Connection"]

DEFAULT_MAX_MESSAGE_SIZE = 1 << 20
"""1 MiB: the default limit of a message after inflation, and of a frame (RFC 6455 §10.4)."""

_TEXT, _BINARY = int(Opcode.TEXT), int(Opcode.BINARY)  # plain ints for the hot path

# The table's answers for the hot paths, read once (a missing state means: not allowed).
_AFTER_SEND_MESSAGE = {
    s: m[Trigger.SEND_MESSAGE] for s, m in TRANSITIONS.items() if Trigger.SEND_MESSAGE in m
}
_AFTER_RECEIVE = {s: m[Trigger.RECEIVE_BYTES] for s, m in TRANSITIONS.items() if Trigger.RECEIVE_BYTES in m}


class Connection:
    """One side of a WebSocket connection, as a state machine with no I/O.

    ``role`` is ``"client"`` or ``"server"``. A client needs ``url`` and may offer ``subprotocols``,
    ``extensions`` (``Extension`` objects or the string ``"permessage-deflate"``), ``origin`` and extra
    ``headers``; a server decides by ``policy``. ``opened=True`` skips the handshake (then ``negotiated``
    lists extensions already in force). ``max_message_size`` (inclusive, after inflation; ``None`` for
    no limit) also bounds ``max_frame_size`` by default. ``rng`` supplies masking and handshake keys.

    ``misbehave`` names rules to break on purpose, for teaching (see
    :data:`~wsexplorer.protocol.misbehaviour.MISBEHAVIOURS`). Three lower-level knobs do the same
    for any role: ``auto_pong`` (answer pings, §5.5.2), ``auto_close_reply`` (echo a close frame,
    §5.5.1) and ``mask_outgoing`` (default: mask if and only if we are the client, §5.1);
    ``check_masking=False`` receives frames whatever their MASK bit (for bytes of unknown origin).
    ``stream_base`` is the stream offset of the first frame of a connection created ``opened``, so
    error offsets count from the start of the TCP stream. ``frame_events=False`` skips the per-frame
    :class:`~wsexplorer.protocol.events.FrameReceived` events when nobody shows frames as they come.
    """

    # fmt: off
    __slots__ = (
        "_eof", "_events", "_handshake", "_out", "_receiver", "_sender", "_stream_base", "auto_close_reply",
        "auto_pong", "close_received", "close_sent", "closed_by", "failure", "max_frame_size",
        "max_message_size", "misbehave", "negotiated", "peer", "role", "state", "subprotocol",
    )
    # fmt: on

    def __init__(
        self,
        role: Role,
        *,
        url: str | None = None,
        subprotocols: Sequence[str] = (),
        extensions: Sequence[Extension | str] = (),
        origin: str | None = None,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        policy: ServerPolicy | None = None,
        opened: bool = False,
        negotiated: Sequence[NegotiatedExtension] = (),
        subprotocol: str | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size: int | None = None,
        rng: Callable[[int], bytes] = os.urandom,
        misbehave: Iterable[str] = (),
        auto_pong: bool = True,
        auto_close_reply: bool = True,
        mask_outgoing: bool | None = None,
        check_masking: bool = True,
        frame_events: bool = True,
        stream_base: int = 0,
    ) -> None:
        self.role: Role = role
        self.peer: Role = peer_of(role)
        self.misbehave = check_misbehaviours(misbehave)
        self.max_message_size = max_message_size
        self.max_frame_size = max_message_size if max_frame_size is None else max_frame_size
        self.auto_pong = auto_pong and "no-pong" not in self.misbehave
        self.auto_close_reply = auto_close_reply and "no-close-reply" not in self.misbehave
        masks = role == "client" or "mask-frames" in self.misbehave
        self._sender = FrameSender(mask=masks if mask_outgoing is None else mask_outgoing, rng=rng)
        self.state = State.CONNECTING
        self.subprotocol: str | None = subprotocol
        self.negotiated: tuple[NegotiatedExtension, ...] = tuple(negotiated)
        self.failure: WSExplorerError | None = None
        self.close_sent: tuple[int | None, str] | None = None
        self.close_received: tuple[int, str] | None = None
        self.closed_by: Literal["local", "remote", "none"] = "none"
        self._events: list[Event] = []
        self._out: list[bytes] = []
        self._stream_base = stream_base  # stream offset where frames start (the handshake's length)
        self._receiver = FrameReceiver(
            sender=self.peer if check_masking else None,
            max_frame_size=self.max_frame_size,
            max_message_size=max_message_size,
            stream_base=stream_base,
            frame_events=frame_events,
        )
        self._eof = False
        exts = [as_extension(e) for e in extensions]
        policy = policy if policy is not None else ServerPolicy()
        if role == "client" and not opened:
            if url is None:
                raise ValueError("a client connection needs the url to request")
            self._handshake = Handshake.client(
                url, extensions=exts, subprotocols=subprotocols, origin=origin, headers=headers, rng=rng
            )
            self._out.append(bytes(self._handshake.request or b""))
        else:
            self._handshake = Handshake(role, policy=policy, extensions=exts, misbehave=self.misbehave)
        if opened:
            self._open(self.negotiated)

    def __repr__(self) -> str:
        extra = f", subprotocol={self.subprotocol!r}" if self.subprotocol else ""
        if self.negotiated:
            extra += ", " + ", ".join(str(e.agreed) for e in self.negotiated)
        return f"<Connection {self.role} {self.state.value}{extra}>"

    # -- public state ------------------------------------------------------------------------------

    @property
    def request(self) -> HandshakeRequest | None:
        """The opening handshake's request (sent by a client, received by a server)."""
        return self._handshake.request

    @property
    def response(self) -> HandshakeResponse | None:
        """The opening handshake's response (received by a client, sent by a server)."""
        return self._handshake.response

    @property
    def mask_outgoing(self) -> bool:
        """Whether our frames are masked (a client's always are, §5.1)."""
        return self._sender.mask

    @property
    def frame_events(self) -> bool:
        """Whether a :class:`~wsexplorer.protocol.events.FrameReceived` event is made for every frame."""
        return self._receiver.frame_events

    @frame_events.setter
    def frame_events(self, value: bool) -> None:
        self._receiver.frame_events = value

    @property
    def stream_base(self) -> int:
        """The stream offset where frames start: the length of the handshake that came before them."""
        return self._stream_base

    @property
    def close_code(self) -> int | None:
        """The code of the peer's close frame (1005: no code), 1006 if the stream ended without one."""
        if self.close_received is not None:
            return self.close_received[0]
        return CloseCode.ABNORMAL_CLOSURE if self.state is State.CLOSED else None

    @property
    def close_reason(self) -> str:
        return self.close_received[1] if self.close_received is not None else ""

    @property
    def close_expected(self) -> bool:
        """True when the transport should now be closed by us (§7.1.1: the server closes TCP first)."""
        if self.state is State.CLOSED:
            return False
        if self.failure is not None and self.close_sent is not None:
            return True
        both = self.close_sent is not None and self.close_received is not None
        return both and self.role == "server"

    # -- the sans-I/O interface ---------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Feed bytes received from the transport; ``b""`` means the peer closed its side."""
        if not data:
            self._receive_eof()
            return
        state = self.state
        self.state = _AFTER_RECEIVE[state]
        if self._eof or state is State.CLOSED:
            return  # the table allows bytes after the end, and ignores them
        if state is State.CONNECTING:
            self._receive_handshake(bytes(data))
            return
        self._receive_frames(data)

    def events(self) -> list[Event]:
        """The events since the last call, in order."""
        out, self._events = self._events, []
        return out

    def data_to_send(self) -> bytes:
        """The bytes to write to the transport since the last call."""
        if not self._out:
            return b""
        out = b"".join(self._out)
        self._out.clear()
        return out

    # -- sending -------------------------------------------------------------------------------------

    def send_text(self, text: str, *, fragment_size: int | None = None) -> None:
        """Send a text message, in frames of at most ``fragment_size`` payload bytes if given."""
        self._send_message(_TEXT, text.encode("utf-8"), fragment_size)

    def send_binary(self, data: bytes | bytearray | memoryview, *, fragment_size: int | None = None) -> None:
        """Send a binary message, in frames of at most ``fragment_size`` payload bytes if given."""
        self._send_message(_BINARY, data if type(data) is bytes else bytes(data), fragment_size)

    def send(self, message: str | bytes, *, fragment_size: int | None = None) -> None:
        """Send ``message`` as text (``str``) or binary (bytes-like)."""
        if isinstance(message, str):
            self.send_text(message, fragment_size=fragment_size)
        else:
            self.send_binary(message, fragment_size=fragment_size)

    def send_ping(self, payload: bytes = b"") -> None:
        """Send a ping; the peer must answer with a pong carrying the same payload (§5.5.2)."""
        self._send_control(Opcode.PING, payload)

    def send_pong(self, payload: bytes = b"") -> None:
        """Send an unsolicited pong: a one-way heartbeat (§5.5.3)."""
        self._send_control(Opcode.PONG, payload)

    def send_close(self, code: int | None = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Start (or answer) the closing handshake (§5.5.1, §7.1.2); ``code=None`` sends no code."""
        if code is not None and close_code_problem(code) is not None:
            raise InvalidState(
                f"cannot send close code {code}: {close_code_problem(code)}", section="RFC 6455 §7.4.1"
            )
        payload = encode_close_payload(code, reason)
        if len(payload) > 125:
            raise InvalidState(
                f"close reason too long: the payload would be {len(payload)} bytes, at most 125",
                section="RFC 6455 §5.5",
            )
        if self.close_sent is not None:
            raise InvalidState("a close frame was already sent", section="RFC 6455 §5.5.1")
        self._closing(transition(self.state, Trigger.SEND_CLOSE), code, reason)
        self._write(Opcode.CLOSE, payload)

    def send_frame(self, frame: Frame) -> None:
        """Send a hand-made frame as it is, valid or not: validation is bypassed on purpose.

        A first close frame sent this way starts the closing handshake like :meth:`send_close`.
        """
        first_close = bytes(frame)[0] & OPCODE_BITS == Opcode.CLOSE and self.close_sent is None
        if first_close:
            self._closing(transition(self.state, Trigger.SEND_CLOSE), frame.close_code, frame.close_reason)
        else:
            self.state = transition(self.state, Trigger.SEND_FRAME)
        self._out.append(bytes(frame))

    def send_raw(self, data: bytes) -> None:
        """Send arbitrary bytes as they are (for showing how a peer reacts to garbage)."""
        self.state = transition(self.state, Trigger.SEND_RAW)
        self._out.append(bytes(data))

    def fail(self, error: ProtocolError) -> None:
        """Fail the connection with ``error`` (§7.1.7): send its close code and stop processing input."""
        transition(self.state, Trigger.FAIL)  # refuses before anything happens
        self._fail(error)

    # -- internals: sending -----------------------------------------------------------------------

    def _closing(self, after: State, code: int | None, reason: str) -> None:
        """Record our close frame (the table already allowed it) and move to ``after``."""
        self.close_sent = (code, reason)
        if self.close_received is None:
            self.closed_by = "local"
        self.state = after

    def _send_message(self, opcode: int, payload: bytes, fragment_size: int | None) -> None:
        if self.close_sent is not None:
            raise InvalidState("cannot send data after a close frame", section="RFC 6455 §5.5.1")
        after = _AFTER_SEND_MESSAGE.get(self.state)
        self.state = after if after is not None else transition(self.state, Trigger.SEND_MESSAGE)
        sender = self._sender
        if fragment_size is None:  # the common case: one frame
            self._out.append(sender.single(opcode, payload))
        else:
            self._out.extend(sender.message(opcode, payload, fragment_size))

    def _send_control(self, opcode: Opcode, payload: bytes) -> None:
        if len(payload) > 125:
            raise InvalidState(
                f"control frame payload of {len(payload)} bytes: at most 125", section="RFC 6455 §5.5"
            )
        if self.close_sent is not None:
            raise InvalidState(
                f"cannot send a {opcode.name.lower()} after a close frame", section="RFC 6455 §5.5.1"
            )
        self.state = transition(self.state, Trigger.SEND_CONTROL)
        self._write(opcode, payload)

    def _write(self, opcode: int, payload: bytes) -> None:
        self._out.append(self._sender.frame(opcode, payload))

    # -- internals: the opening handshake (opening.py) -----------------------------------------------------

    def _receive_handshake(self, data: bytes) -> None:
        outcome = self._handshake.receive(data)
        if outcome is None:
            return  # wait for the blank line
        opening, rest = outcome
        self._stream_base = self._handshake.length
        self._handshake_done(opening)
        if self.state is State.OPEN and rest:
            self._receive_frames(rest)

    def _handshake_done(self, opening: Opening) -> None:
        if opening.answer:
            self._out.append(opening.answer)
        if opening.request is not None and isinstance(opening.check, ServerDecision):
            self._events.append(RequestReceived(opening.request, opening.check))
        if opening.error is not None:
            self.failure = opening.error
            failed = HandshakeFailed(opening.error, opening.request, opening.response, opening.check)
            self._events.append(failed)
            self.state = transition(self.state, Trigger.HANDSHAKE_FAILED)
            return
        self.subprotocol = opening.subprotocol
        self._open(opening.extensions)
        assert opening.request is not None and opening.response is not None
        accepted = HandshakeAccepted(opening.request, opening.response, self.subprotocol, self.negotiated)
        self._events.append(accepted)

    def _open(self, negotiated: tuple[NegotiatedExtension, ...]) -> None:
        self.negotiated = negotiated
        deflate = next((ext for ext in negotiated if ext.rsv1), None)  # the extension that uses RSV1
        self._sender.compressor = deflate  # type: ignore[assignment]
        self._receiver.use(deflate)  # type: ignore[arg-type]
        self._receiver.stream_base = self._stream_base
        self.state = transition(self.state, Trigger.HANDSHAKE_ACCEPTED)

    # -- internals: frames (the FrameReceiver checks them; here: what we answer) ----------------------------

    def _receive_frames(self, data: bytes | bytearray | memoryview) -> None:
        if self.failure is not None:
            return  # §7.1.7: after failing, process nothing more (not even a close frame)
        events = self._events
        start = len(events)
        try:
            if self._receiver.feed(data, events):
                self._answer(start)
        except ProtocolError as exc:
            self._answer(start)
            self._fail(exc)

    def _answer(self, start: int) -> None:
        """Answer the pings and the close frame among the events since ``start`` (§5.5.1, §5.5.2)."""
        for event in self._events[start:]:
            kind = type(event)
            if kind is Ping:
                if self.close_sent is None and self.auto_pong:
                    self.state = transition(self.state, Trigger.SEND_CONTROL)
                    self._write(Opcode.PONG, event.payload)  # type: ignore[attr-defined]
            elif kind is CloseReceived and self.close_received is None:
                code: int = event.code  # type: ignore[attr-defined]
                self.close_received = (code, event.reason)  # type: ignore[attr-defined]
                self.state = transition(self.state, Trigger.RECEIVE_CLOSE)
                if self.close_sent is None:
                    self.closed_by = "remote"
                    if self.auto_close_reply:
                        reply = None if code == CloseCode.NO_STATUS_RCVD else code
                        self._closing(transition(self.state, Trigger.SEND_CLOSE), reply, "")
                        self._write(Opcode.CLOSE, encode_close_payload(reply, ""))

    def _fail(self, error: WSExplorerError) -> None:
        if self.failure is not None:
            return
        self.failure = error
        self.state = transition(self.state, Trigger.FAIL)
        self._events.append(ConnectionFailed(error))
        code = error.close_code or CloseCode.PROTOCOL_ERROR
        if self.close_sent is None:
            reason = close_reason_for(error.rule)
            self._closing(self.state, code, reason)
            self._write(Opcode.CLOSE, encode_close_payload(code, reason))

    def _receive_eof(self) -> None:
        if self._eof:
            return
        self._eof = True
        if self.state is State.CONNECTING:
            self._handshake_done(self._handshake.ended())
            return
        if self.state is State.CLOSED:
            return
        leftover = self._receiver.buffered
        if leftover and self.failure is None:
            offset = self._receiver.stream_offset - leftover
            self.failure = rules.STREAM_ENDED_IN_FRAME.error(offset=offset, length=leftover)
        code, reason = (
            self.close_received if self.close_received is not None else (CloseCode.ABNORMAL_CLOSURE, "")
        )
        clean = self.close_received is not None and self.close_sent is not None
        sent = self.close_sent[0] if self.close_sent is not None else None
        self.state = transition(self.state, Trigger.TRANSPORT_CLOSED)
        self._events.append(ConnectionEnded(code, reason, sent, self.closed_by, clean))
