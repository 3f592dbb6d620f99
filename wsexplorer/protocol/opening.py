"""The opening handshake as each side runs it on a complete header block (RFC 6455 §4.1, §4.2).

A server parses the request, decides with its :class:`~wsexplorer.codec.server_decision.ServerPolicy`
(or misbehaves on purpose, :mod:`.misbehaviour`) and answers; a client checks the answer against its
request. Either way the result is an :class:`Opening`: what was read, what to send back, and whether
the connection is now open. The :class:`~wsexplorer.protocol.connection.Connection` moves its state
from it; nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..codec.client_check import ClientCheck, check_response
from ..codec.extensions.base import Extension, NegotiatedExtension
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.http import find_header_end
from ..codec.role import Role
from ..codec.server_decision import ServerDecision, ServerPolicy, decide
from ..errors import HandshakeError, WSExplorerError
from .misbehaviour import plain_http, wrong_accept

__all__ = ["Handshake", "Opening", "client_opening", "server_opening"]


@dataclass(frozen=True)
class Opening:
    """One side's handshake, done: what it read, what it sends back, and the verdict.

    ``answer`` is the server's response bytes (empty for a client). ``error`` is set when the
    handshake failed; ``check`` is the server's decision or the client's check, step by step.
    """

    request: HandshakeRequest | None
    response: HandshakeResponse | None
    answer: bytes
    error: WSExplorerError | None
    check: ServerDecision | ClientCheck | None = None
    subprotocol: str | None = None
    extensions: tuple[NegotiatedExtension, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.error is None


def _unreadable(exc: WSExplorerError) -> Opening:
    """The answer to a request that cannot be read: the error's HTTP status (431 for a header block
    too long, RFC 6585 §5; else 400, RFC 6455 §4.2.1) with the reason as the body."""
    refusal = HandshakeResponse.build(exc.http_status or 400, body=f"{exc}\n".encode())
    return Opening(None, refusal, bytes(refusal), exc)


def server_opening(head: bytes, policy: ServerPolicy, misbehave: frozenset[str]) -> Opening:
    """Parse and decide the request ``head``; a request that cannot be read gets a 400 (§4.2.1), or
    431 when its header block has too many lines."""
    try:
        request = HandshakeRequest.parse(head)
    except WSExplorerError as exc:
        return _unreadable(exc)
    if "plain-http" in misbehave:
        decision = plain_http(request)
    else:
        decision = decide(request, policy)
        if decision.accepted and "wrong-accept" in misbehave:
            decision = wrong_accept(decision)
    response = decision.response
    if not decision.accepted:
        assert decision.error is not None  # a refusal always carries its error
        return Opening(request, response, bytes(response), decision.error, decision)
    return Opening(
        request,
        response,
        bytes(response),
        None,
        decision,
        decision.subprotocol,
        tuple(decision.extensions),
    )


def client_opening(request: HandshakeRequest, head: bytes, extensions: Sequence[Extension]) -> Opening:
    """Check the server's answer ``head`` to ``request`` as a client must (§4.1)."""
    try:
        response = HandshakeResponse.parse(head)
    except WSExplorerError as exc:
        return Opening(request, None, b"", exc)
    result = check_response(request, response, extensions)
    if not result.ok:
        assert result.error is not None  # a failed check always carries its error
        return Opening(request, response, b"", result.error, result)
    return Opening(request, response, b"", None, result, result.subprotocol, tuple(result.extensions))


class Handshake:
    """One side's opening handshake in progress: the header block as it arrives, then the messages.

    A client builds its request at once (:attr:`request_bytes` is what it sends first); a server waits
    for the request. Once open, the messages are kept as bytes only (a parsed message keeps a field
    per line: kilobytes per idle connection) and parsed again on demand.
    """

    __slots__ = ("_buffer", "_request", "_response", "extensions", "length", "misbehave", "policy", "role")

    def __init__(
        self,
        role: Role,
        *,
        policy: ServerPolicy,
        extensions: Sequence[Extension],
        misbehave: frozenset[str],
        request: HandshakeRequest | None = None,
    ) -> None:
        self.role = role
        if role == "server" and extensions and not policy.extensions:
            policy = ServerPolicy(policy.origins, policy.subprotocols, tuple(extensions))
        self.policy = policy
        self.extensions = list(extensions)
        self.misbehave = misbehave
        self._buffer = bytearray()
        self._request: HandshakeRequest | bytes | None = request
        self._response: HandshakeResponse | bytes | None = None
        self.length = 0  # the header block's length: where frames start in the stream

    @classmethod
    def client(
        cls,
        url: str,
        *,
        extensions: Sequence[Extension],
        subprotocols: Sequence[str],
        origin: str | None,
        headers: Sequence[tuple[str, str]] | Mapping[str, str],
        rng: Callable[[int], bytes],
    ) -> Handshake:
        """A client's handshake for ``url``, its request built (RFC 6455 §4.1)."""
        request = HandshakeRequest.build(
            url, subprotocols=subprotocols, extensions=extensions, origin=origin, headers=headers, rng=rng
        )
        return cls(
            "client", policy=ServerPolicy(), extensions=extensions, misbehave=frozenset(), request=request
        )

    @property
    def request(self) -> HandshakeRequest | None:
        """The request (sent by a client, received by a server)."""
        r = self._request
        return HandshakeRequest.parse(r) if isinstance(r, bytes) else r

    @property
    def response(self) -> HandshakeResponse | None:
        """The response (received by a client, sent by a server)."""
        r = self._response
        return HandshakeResponse.parse(r) if isinstance(r, bytes) else r

    def receive(self, data: bytes) -> tuple[Opening, bytes] | None:
        """Take bytes of the header block; once it is whole: the outcome and the bytes after it.

        ``None`` while the blank line has not come (or forever, for a server told to stay silent).
        """
        self._buffer += data
        try:
            end = find_header_end(self._buffer)
        except WSExplorerError as exc:  # too long: a server still answers (431), a client just fails
            opening = _unreadable(exc) if self.role == "server" else Opening(None, None, b"", exc)
            return self._done(opening), b""
        if end is None or (self.role == "server" and "silent-handshake" in self.misbehave):
            return None
        head, rest = bytes(self._buffer[:end]), bytes(self._buffer[end:])
        self._buffer.clear()
        self.length = end
        if self.role == "server":
            return self._done(server_opening(head, self.policy, self.misbehave)), rest
        assert isinstance(self._request, HandshakeRequest)  # a client builds its request first
        return self._done(client_opening(self._request, head, self.extensions)), rest

    def ended(self) -> Opening:
        """The outcome when the stream ends before the handshake completed (§4.1)."""
        error = HandshakeError(
            "the connection closed before the opening handshake completed",
            section="RFC 6455 §4.1",
            offset=len(self._buffer),
        )
        return self._done(Opening(self.request, None, b"", error))

    def _done(self, opening: Opening) -> Opening:
        if self.role == "server":
            self._request = opening.request
        self._response = opening.response
        if opening.accepted:  # keep bytes only from now on
            self._request = bytes(self._request) if self._request is not None else None
            self._response = bytes(self._response) if self._response is not None else None
        return opening
