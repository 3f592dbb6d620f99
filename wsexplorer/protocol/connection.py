"""The sans-I/O WebSocket connection: bytes in, events out; sending, bytes out (RFC 6455 §4-§7).

A :class:`Connection` does no I/O and reads no clock. Feed it what the transport received with
:meth:`~Connection.receive_data` (``b""`` for end of stream), collect what happened with
:meth:`~Connection.events`, and write what :meth:`~Connection.data_to_send` returns. It runs the opening
handshake (client: request out, response checked; server: request parsed and decided by a
:class:`~wsexplorer.codec.negotiation.ServerPolicy`) or starts already open, for frame-level exploration.

Every protocol error fails the connection (§7.1.7): a close frame with the error's close code is queued,
a :class:`~wsexplorer.protocol.events.ConnectionFailed` event says which rule was broken at which byte of
the stream, and nothing more the peer sends is processed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol

from ..codec.assembler import MessageAssembler
from ..codec.close import close_code_problem, encode_close_payload
from ..codec.deflate import as_extension
from ..codec.extensions import Extension, NegotiatedExtension
from ..codec.frames import Frame, FrameParser, Opcode, serialize_frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse, find_header_end
from ..codec.negotiation import ServerPolicy, check_response, decide
from ..errors import (
    HandshakeError,
    InvalidState,
    MessageTooBig,
    ProtocolError,
    WSExplorerError,
    error_for_close_code,
)
from .events import (
    BinaryMessage,
    CloseReceived,
    ConnectionClosed,
    ConnectionFailed,
    Event,
    FrameReceived,
    HandshakeAccepted,
    HandshakeFailed,
    Ping,
    Pong,
    RequestReceived,
    TextMessage,
)
from .states import State, next_state

__all__ = ["Connection", "Role"]

Role = Literal["client", "server"]

DEFAULT_MAX_MESSAGE_SIZE = 1 << 20


class _Deflater(Protocol):
    def compress(self, payload: bytes) -> bytes: ...

    def decompress(self, fragment: bytes, *, fin: bool, max_size: int | None) -> bytes: ...


class Connection:
    """One side of a WebSocket connection, as a state machine with no I/O.

    ``role`` is ``"client"`` or ``"server"``. A client needs ``url`` and may offer ``subprotocols``,
    ``extensions`` (``Extension`` objects or the string ``"permessage-deflate"``), ``origin`` and extra
    ``headers``; a server decides by ``policy``. ``opened=True`` skips the handshake (then ``negotiated``
    lists extensions already in force). ``max_message_size`` (inclusive, after inflation; ``None`` for
    no limit) also bounds ``max_frame_size`` by default. ``rng`` supplies masking and handshake keys.

    For exploring how peers react, three knobs break the rules on purpose when changed: ``auto_pong``
    (answer pings, §5.5.2), ``auto_close_reply`` (echo a close frame, §5.5.1) and ``mask_outgoing``
    (default: mask if and only if we are the client, §5.1). ``frame_events=False`` skips the per-frame
    :class:`~wsexplorer.protocol.events.FrameReceived` events when nobody shows frames as they come.
    """

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
        auto_pong: bool = True,
        auto_close_reply: bool = True,
        mask_outgoing: bool | None = None,
        frame_events: bool = True,
    ) -> None:
        if role not in ("client", "server"):
            raise ValueError(f"role must be 'client' or 'server', not {role!r}")
        self.role: Role = role
        self.peer: Role = "server" if role == "client" else "client"
        self.max_message_size = max_message_size
        self.max_frame_size = max_message_size if max_frame_size is None else max_frame_size
        self._rng = rng
        self.auto_pong = auto_pong
        self.frame_events = frame_events
        self.auto_close_reply = auto_close_reply
        self.mask_outgoing = role == "client" if mask_outgoing is None else mask_outgoing
        self._extensions: list[Extension] = [as_extension(e) for e in extensions]
        self.policy = policy if policy is not None else ServerPolicy()
        self.state = State.CONNECTING
        self._request: HandshakeRequest | bytes | None = None
        self._response: HandshakeResponse | bytes | None = None
        self.subprotocol: str | None = subprotocol
        self.negotiated: tuple[NegotiatedExtension, ...] = tuple(negotiated)
        self.failure: WSExplorerError | None = None
        self.close_sent: tuple[int | None, str] | None = None
        self.close_received: tuple[int, str] | None = None
        self.closed_by: Literal["local", "remote", "none"] = "none"
        self._events: list[Event] = []
        self._out: list[bytes] = []
        self._hs_buffer = bytearray()
        self._stream_base = 0  # stream offset where frames start (the handshake's length)
        self._parser = FrameParser()
        self._deflate: _Deflater | None = None
        self._assembler = MessageAssembler(max_message_size=max_message_size)
        self._eof = False
        if opened:
            self._open(self.negotiated)
        elif role == "client":
            if url is None:
                raise ValueError("a client connection needs the url to request")
            self.request = HandshakeRequest.build(
                url,
                subprotocols=subprotocols,
                extensions=self._extensions,
                origin=origin,
                headers=headers,
                rng=rng,
            )
            self._out.append(bytes(self.request))

    def __repr__(self) -> str:
        extra = f", subprotocol={self.subprotocol!r}" if self.subprotocol else ""
        if self.negotiated:
            extra += ", " + ", ".join(str(e.agreed) for e in self.negotiated)
        return f"<Connection {self.role} {self.state.value}{extra}>"

    # -- public state ------------------------------------------------------------------------------

    @property
    def request(self) -> HandshakeRequest | None:
        """The opening handshake's request (sent by a client, received by a server)."""
        if isinstance(self._request, bytes):
            return HandshakeRequest.parse(self._request)  # parsed again on demand, see _open
        return self._request

    @request.setter
    def request(self, value: HandshakeRequest | None) -> None:
        self._request = value

    @property
    def response(self) -> HandshakeResponse | None:
        """The opening handshake's response (received by a client, sent by a server)."""
        if isinstance(self._response, bytes):
            return HandshakeResponse.parse(self._response)
        return self._response

    @response.setter
    def response(self, value: HandshakeResponse | None) -> None:
        self._response = value

    @property
    def close_code(self) -> int | None:
        """The code of the peer's close frame (1005: no code), 1006 if the stream ended without one."""
        if self.close_received is not None:
            return self.close_received[0]
        return 1006 if self.state is State.CLOSED else None

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
        if self._eof or self.state is State.CLOSED:
            return
        if self.state is State.CONNECTING:
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
        self._send_message(Opcode.TEXT, text.encode("utf-8"), fragment_size)

    def send_binary(self, data: bytes | bytearray | memoryview, *, fragment_size: int | None = None) -> None:
        """Send a binary message, in frames of at most ``fragment_size`` payload bytes if given."""
        self._send_message(Opcode.BINARY, data if type(data) is bytes else bytes(data), fragment_size)

    def send(self, message: str | bytes, *, fragment_size: int | None = None) -> None:
        """Send ``message`` as text (``str``) or binary (bytes-like)."""
        if isinstance(message, str):
            self.send_text(message, fragment_size=fragment_size)
        else:
            self.send_binary(message, fragment_size=fragment_size)

    def send_ping(self, payload: bytes = b"") -> None:
        """Send a ping (at most 125 bytes of payload, §5.5)."""
        self._send_control(Opcode.PING, payload)

    def send_pong(self, payload: bytes = b"") -> None:
        """Send an unsolicited pong, a one-way heartbeat (§5.5.3)."""
        self._send_control(Opcode.PONG, payload)

    def send_close(self, code: int | None = 1000, reason: str = "") -> None:
        """Start (or answer) the closing handshake (§5.5.1, §7.1.2); ``code=None`` sends no code."""
        if code is not None and close_code_problem(code) is not None:
            raise InvalidState(
                f"cannot send close code {code}: {close_code_problem(code)}",
                section="RFC 6455 §7.4.1",
            )
        payload = encode_close_payload(code, reason)
        if len(payload) > 125:
            raise InvalidState(
                f"close reason too long: the payload would be {len(payload)} bytes, at most 125",
                section="RFC 6455 §5.5",
            )
        if self.close_sent is not None:
            raise InvalidState("a close frame was already sent", section="RFC 6455 §5.5.1")
        self._require_open("send a close frame", allow_closing=True)
        self._write(Opcode.CLOSE, payload)
        self.close_sent = (code, reason)
        if self.close_received is None:
            self.closed_by = "local"
        self.state = next_state(self.state, "close sent")

    def send_frame(self, frame: Frame) -> None:
        """Send a hand-made frame as it is, valid or not: validation is bypassed on purpose."""
        self._out.append(bytes(frame))
        if frame.opcode == Opcode.CLOSE and self.close_sent is None:
            self.close_sent = (frame.close_code, frame.close_reason)
            if self.close_received is None:
                self.closed_by = "local"
            self.state = next_state(self.state, "close sent")

    def send_raw(self, data: bytes) -> None:
        """Send arbitrary bytes as they are (for showing how a peer reacts to garbage)."""
        self._out.append(bytes(data))

    def fail(self, error: ProtocolError) -> None:
        """Fail the connection with ``error`` (§7.1.7): send its close code and stop processing input."""
        self._fail(error)

    # -- internals: sending -----------------------------------------------------------------------

    def _require_open(self, what: str, *, allow_closing: bool = False) -> None:
        ok = self.state is State.OPEN or (allow_closing and self.state is State.CLOSING)
        if not ok:
            raise InvalidState(f"cannot {what}: the connection is {self.state.value}")

    def _send_message(self, opcode: Opcode, payload: bytes, fragment_size: int | None) -> None:
        if self.close_sent is not None:
            raise InvalidState("cannot send data after a close frame", section="RFC 6455 §5.5.1")
        if self.state is not State.OPEN:
            self._require_open(f"send a {opcode.name.lower()} message")
        rsv1 = False
        if self._deflate is not None:
            payload = self._deflate.compress(payload)
            rsv1 = True
        if fragment_size is None or len(payload) <= fragment_size:
            self._write(opcode, payload, rsv1=rsv1)
            return
        if fragment_size < 1:
            raise ValueError("fragment_size must be at least 1")
        chunks = [payload[i : i + fragment_size] for i in range(0, len(payload), fragment_size)]
        last = len(chunks) - 1
        for i, chunk in enumerate(chunks):
            self._write(
                opcode if i == 0 else Opcode.CONTINUATION,
                chunk,
                fin=i == last,
                rsv1=rsv1 and i == 0,
            )

    def _send_control(self, opcode: Opcode, payload: bytes) -> None:
        if len(payload) > 125:
            raise InvalidState(
                f"control frame payload of {len(payload)} bytes: at most 125",
                section="RFC 6455 §5.5",
            )
        self._require_open(f"send a {opcode.name.lower()}", allow_closing=True)
        if self.close_sent is not None:
            raise InvalidState(f"cannot send a {opcode.name.lower()} after a close frame")
        self._write(opcode, payload)

    def _write(self, opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False) -> None:
        key = self._rng(4) if self.mask_outgoing else None
        self._out.append(serialize_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=key))

    # -- internals: the opening handshake -------------------------------------------------------------

    def _receive_handshake(self, data: bytes) -> None:
        self._hs_buffer += data
        try:
            end = find_header_end(self._hs_buffer)
        except WSExplorerError as exc:
            self._handshake_failed(exc, None, None)
            return
        if end is None:
            return
        head = bytes(self._hs_buffer[:end])
        rest = bytes(self._hs_buffer[end:])
        self._hs_buffer.clear()
        self._stream_base = end
        if self.role == "server":
            self._server_handshake(head)
        else:
            self._client_handshake(head)
        if self.state is State.OPEN and rest:
            self._receive_frames(rest)

    def _server_handshake(self, head: bytes) -> None:
        try:
            request = HandshakeRequest.parse(head)
        except WSExplorerError as exc:
            self._out.append(bytes(HandshakeResponse.build(400, body=f"{exc}\n".encode())))
            self._handshake_failed(exc, None, None)
            return
        self.request = request
        policy = self.policy
        if self._extensions and not policy.extensions:
            policy = ServerPolicy(policy.origins, policy.subprotocols, tuple(self._extensions))
        decision = decide(request, policy)
        self._events.append(RequestReceived(request, decision))
        self.response = decision.response
        self._out.append(bytes(decision.response))
        if not decision.accepted:
            assert decision.error is not None
            self._handshake_failed(decision.error, request, decision.response, decision)
            return
        self.subprotocol = decision.subprotocol
        self._open(tuple(decision.extensions))
        self._events.append(HandshakeAccepted(request, decision.response, self.subprotocol, self.negotiated))

    def _client_handshake(self, head: bytes) -> None:
        assert self.request is not None
        try:
            response = HandshakeResponse.parse(head)
        except WSExplorerError as exc:
            self._handshake_failed(exc, self.request, None)
            return
        self.response = response
        result = check_response(self.request, response, self._extensions)
        if not result.ok:
            assert result.error is not None
            self._handshake_failed(result.error, self.request, response, result)
            return
        self.subprotocol = result.subprotocol
        self._open(tuple(result.extensions))
        self._events.append(HandshakeAccepted(self.request, response, self.subprotocol, self.negotiated))

    def _handshake_failed(
        self,
        error: WSExplorerError,
        request: HandshakeRequest | None,
        response: HandshakeResponse | None,
        check: object = None,
    ) -> None:
        self.failure = error
        self._events.append(HandshakeFailed(error, request, response, check))  # type: ignore[arg-type]
        self.state = next_state(self.state, "handshake failed")

    def _open(self, negotiated: tuple[NegotiatedExtension, ...]) -> None:
        # An open connection keeps its handshake as bytes only: the parsed objects (a field per line)
        # would cost kilobytes per idle connection, and are rebuilt on demand.
        if self._request is not None and not isinstance(self._request, bytes):
            self._request = bytes(self._request)
        if self._response is not None and not isinstance(self._response, bytes):
            self._response = bytes(self._response)
        self.negotiated = negotiated
        self._deflate = None
        for ext in negotiated:
            if ext.rsv1:
                self._deflate = ext  # type: ignore[assignment]
        self._assembler = MessageAssembler(max_message_size=self.max_message_size, inflater=self._deflate)
        self.state = next_state(self.state, "handshake accepted")
        if self.state is not State.OPEN:  # created already open
            self.state = State.OPEN

    # -- internals: frames ---------------------------------------------------------------------------

    def _receive_frames(self, data: bytes | bytearray | memoryview) -> None:
        if self.failure is not None:
            return  # §7.1.7: after failing, process nothing more (not even a close frame)
        parser = self._parser
        frames = parser.feed(data)
        base = self._stream_base
        for frame in frames:
            frame.offset += base
            try:
                self._process(frame)
            except ProtocolError as exc:
                self._fail(exc)
                return
        pending = parser.peek_header() if self.failure is None else None
        if pending is not None and pending[2] >= 1 << 63:
            self._fail(
                ProtocolError(
                    "the most significant bit of a 64-bit payload length must be 0",
                    section="RFC 6455 §5.2",
                    offset=pending[0] + base + 2,
                )
            )
        elif pending is not None and self.max_frame_size is not None:
            if pending[2] > self.max_frame_size:
                offset = pending[0] + base
                self._fail(
                    MessageTooBig(
                        f"frame header announces {pending[2]} payload bytes, over the limit of "
                        f"{self.max_frame_size} bytes; refused before buffering the payload",
                        section="RFC 6455 §7.4.1",
                        offset=offset,
                    )
                )
            elif pending[3] < 8:
                try:
                    self._assembler.check_announced(pending[2], pending[0] + base)
                except ProtocolError as exc:
                    self._fail(exc)

    def _process(self, frame: Frame) -> None:
        offset = frame.offset
        events = self._events
        if self.frame_events:
            events.append(FrameReceived(frame, offset))
        problems = frame.header_violations(sender=self.peer, rsv1_allowed=self._deflate is not None)
        if problems:
            v = problems[0]
            error = error_for_close_code(v.close_code or 1002)
            raise error(v.rule, section=v.section, offset=offset + v.start)
        plen = frame.payload_length
        if self.max_frame_size is not None and plen > self.max_frame_size:
            raise MessageTooBig(
                f"frame of {plen} payload bytes, over the limit of {self.max_frame_size}",
                section="RFC 6455 §7.4.1",
                offset=offset,
            )
        if self.close_received is not None:
            return  # the peer must send nothing after its close frame; ignore it (§5.5.1)
        op = bytes(frame)[0] & 0x0F
        if op < 3:
            # Data may still arrive after we sent a close frame (§7.1.2); it is delivered.
            message = self._assembler.add(frame)
            if message is not None:
                if message.decoded is not None:
                    events.append(TextMessage(message.decoded, message))
                elif message.opcode == Opcode.BINARY:
                    events.append(BinaryMessage(message.payload, message))
                else:
                    events.append(TextMessage(message.text, message))
        elif op == Opcode.PING:
            events.append(Ping(frame.payload))
            if self.close_sent is None and self.auto_pong:
                self._write(Opcode.PONG, frame.payload)
        elif op == Opcode.PONG:
            events.append(Pong(frame.payload))
        else:
            self._receive_close(frame)

    def _receive_close(self, frame: Frame) -> None:
        problems = frame.close_violations()
        if problems:
            v = problems[0]
            raise error_for_close_code(v.close_code or 1002)(
                v.rule, section=v.section, offset=frame.offset + v.start
            )
        code = frame.close_code
        reason = frame.payload[2:].decode("utf-8") if code is not None else ""
        received = 1005 if code is None else code
        self.close_received = (received, reason)
        self._events.append(CloseReceived(received, reason))
        if self.close_sent is None:
            self.closed_by = "remote"
            self.state = next_state(self.state, "close received")
            if self.auto_close_reply:
                self._write(Opcode.CLOSE, encode_close_payload(code, ""))
                self.close_sent = (code, "")

    def _fail(self, error: WSExplorerError) -> None:
        if self.failure is not None:
            return
        self.failure = error
        self._events.append(ConnectionFailed(error))
        code = error.close_code or 1002
        if self.close_sent is None and self.state in (State.OPEN, State.CLOSING):
            reason = _short_reason(error)
            self._write(Opcode.CLOSE, encode_close_payload(code, reason))
            self.close_sent = (code, reason)
            if self.close_received is None:
                self.closed_by = "local"
        self.state = next_state(self.state, "connection failed")

    def _receive_eof(self) -> None:
        if self._eof:
            return
        self._eof = True
        if self.state is State.CONNECTING:
            error = HandshakeError(
                "the connection closed before the opening handshake completed",
                section="RFC 6455 §4.1",
                offset=len(self._hs_buffer),
            )
            self._handshake_failed(error, self.request, None)
            return
        if self.state is State.CLOSED:
            return
        leftover = self._parser.buffered
        if leftover and self.failure is None:
            self.failure = ProtocolError(
                f"the stream ended inside a frame ({leftover} bytes of an incomplete frame)",
                section="RFC 6455 §7.1.5",
                offset=self._parser.stream_offset + self._stream_base - leftover,
            )
        if self.close_received is not None:
            code, reason = self.close_received
        else:
            code, reason = 1006, ""
        clean = self.close_received is not None and self.close_sent is not None
        sent = self.close_sent[0] if self.close_sent is not None else None
        self.state = next_state(self.state, "transport closed")
        self._events.append(ConnectionClosed(code, reason, sent, self.closed_by, clean))


def _short_reason(error: WSExplorerError) -> str:
    """A close reason of at most 123 bytes (§5.5: 125 minus the code) naming the broken rule."""
    text = error.rule
    raw = text.encode("utf-8")
    if len(raw) <= 123:
        return text
    return raw[:120].decode("utf-8", "ignore") + "..."
