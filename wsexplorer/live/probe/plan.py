"""A probe case as data: what to send, what the RFC requires, and the judge of what the server did.

:class:`ProbeCase` names the case (``id`` in the style of the Autobahn|Testsuite numbering, a category,
a title), says in words what is sent and what is required with the section, and holds a :class:`Plan`
(the bytes to send and how) and a judge (:mod:`.expect`). The runner (:mod:`.wire`) carries plans
out; nothing here does I/O.

Frames a client sends are masked (RFC 6455 §5.1) with keys from the probe's ``rng``, so a run with a
fixed ``rng`` sends the same bytes every time.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ...codec.extensions import PerMessageDeflate
from ...codec.frame_header import LengthForm, Opcode
from ...codec.frames import Frame
from ...codec.handshake import split_ws_url
from .expect import Judge

__all__ = ["SENTINEL", "Out", "Plan", "ProbeCase", "Rng", "request_lines"]

Rng = Callable[[int], bytes]

SENTINEL = b"wsexplorer probe: still there?"
"""The payload of the ping sent after a case's frames: its pong says the server is still there and has
read everything before it."""


class Out:
    """Builds the client's frames for a plan: masked with keys from ``rng`` unless told otherwise."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng

    def frame(
        self,
        opcode: int,
        payload: bytes | str = b"",
        *,
        fin: bool = True,
        rsv1: bool = False,
        rsv2: bool = False,
        rsv3: bool = False,
        mask: bool = True,
        length_form: LengthForm | str | None = None,
    ) -> Frame:
        return Frame.build(
            opcode,
            payload,
            fin=fin,
            rsv1=rsv1,
            rsv2=rsv2,
            rsv3=rsv3,
            mask=mask,
            rng=self.rng,
            length_form=length_form,
        )

    def text(self, payload: bytes | str, *, fin: bool = True) -> Frame:
        return self.frame(Opcode.TEXT, payload, fin=fin)

    def more(self, payload: bytes | str, *, fin: bool = True) -> Frame:
        """A continuation frame."""
        return self.frame(Opcode.CONTINUATION, payload, fin=fin)

    def close(self, payload: bytes) -> Frame:
        """A close frame with exactly ``payload`` (code and reason as bytes, valid or not)."""
        return self.frame(Opcode.CLOSE, payload)


Edit = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class Plan:
    """How a case runs.

    ``edit`` changes the opening handshake's lines (request line first, then ``Name: value`` lines)
    for the handshake cases; ``offer`` is a Sec-WebSocket-Extensions value and ``deflate`` the
    configuration the answer is checked against (RFC 7692 §7); ``subprotocols`` and ``origin`` go in
    the request. After a successful handshake ``frames(out)`` are written one at a time (a byte at a
    time with ``trickle``), then ``compressed`` as a text message through the negotiated extension,
    then, with ``sentinel``, a ping (:data:`SENTINEL`). ``echoes`` is how many data messages an echo
    server sends back, so the runner knows when it has seen everything.
    """

    frames: Callable[[Out], Sequence[Frame | bytes]] = lambda out: ()
    edit: Edit | None = None
    offer: str | None = None
    deflate: PerMessageDeflate | None = None
    subprotocols: tuple[str, ...] = ()
    origin: str | None = None
    sentinel: bool = True
    echoes: int = 0
    trickle: bool = False
    compressed: str | None = None

    @property
    def handshake_only(self) -> bool:
        """True when the case is about the opening handshake alone (nothing is sent after it)."""
        return self.edit is not None or (self.offer is not None and self.compressed is None)


@dataclass(frozen=True)
class ProbeCase:
    """One probe case: ``sends`` and ``requires`` in words, ``section`` the rule's place in the RFC."""

    id: str
    category: str
    title: str
    sends: str
    requires: str
    section: str
    judge: Judge = field(repr=False, compare=False)
    plan: Plan = field(default_factory=Plan, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"<ProbeCase {self.id} {self.title!r}>"


def request_lines(url: str, key_bytes: bytes, plan: Plan) -> list[str]:
    """The opening handshake's lines before ``plan.edit``: RFC 6455 §4.1's request for ``url``."""
    host, target = split_ws_url(url)
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(key_bytes).decode('ascii')}",
        "Sec-WebSocket-Version: 13",
    ]
    if plan.origin is not None:
        lines.append(f"Origin: {plan.origin}")
    if plan.subprotocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(plan.subprotocols))
    if plan.offer is not None:
        lines.append(f"Sec-WebSocket-Extensions: {plan.offer}")
    lines.append("User-Agent: wsexplorer-probe")
    return plan.edit(lines) if plan.edit is not None else lines


def without(name: str) -> Edit:
    """An edit that removes every ``name`` header line."""
    prefix = name.lower() + ":"
    return lambda lines: [line for line in lines if not line.lower().startswith(prefix)]


def replacing(name: str, value: str) -> Edit:
    """An edit that gives the ``name`` header line a new value."""
    prefix = name.lower() + ":"
    return lambda lines: [f"{name}: {value}" if line.lower().startswith(prefix) else line for line in lines]


def request_line(method: str = "GET", version: str = "HTTP/1.1") -> Edit:
    """An edit of the request line's method and HTTP version."""

    def edit(lines: list[str]) -> list[str]:
        _, target, _ = lines[0].split(" ", 2)
        return [f"{method} {target} {version}", *lines[1:]]

    return edit
