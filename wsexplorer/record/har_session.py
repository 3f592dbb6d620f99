"""A Session rebuilt from a HAR's WebSocket messages, so ``import FILE.har -o SESSION`` has bytes to save.

A HAR keeps the handshake's headers and each message's text or bytes, not the frames (RFC 6455 §5):
no masking keys, no fragmentation, no compression, no control frames. The session rebuilt here says
so in ``meta["rebuilt"]``: the handshake is written from the recorded headers (RFC 7230 §3), each
message becomes one final frame at its recorded time, client frames are masked with the key
``00 00 00 00`` (so their payload reads as sent; a real client draws an unpredictable key, §5.3), and
no message is compressed (RFC 7692 §6 allows any message to be sent uncompressed).
"""

from __future__ import annotations

from ..codec.frames import Frame
from ..codec.handshake import split_ws_url
from ..codec.http import serialize_message
from .har import MessageLog
from .session import C2S, Session

__all__ = ["REBUILT_NOTE", "ZERO_KEY", "session_of_log"]

ZERO_KEY = b"\x00\x00\x00\x00"
REBUILT_NOTE = (
    "rebuilt from a HAR (messages only): handshake from the recorded headers; one final frame per "
    "message; client frames masked with key 00 00 00 00; no compression; no control frames"
)


def session_of_log(log: MessageLog) -> Session:
    """The client's view of ``log``'s connection as a Session (see the module text for what is made up).

    Raises ValueError when the URL or a header cannot be written as an HTTP message.
    """
    _, target = split_ws_url(log.url)
    request = serialize_message(f"GET {target} {log.http_version}", log.request_headers)
    session = Session(
        "client",
        meta={"url": log.url, "source": "HAR", "har_entry": log.entry, "rebuilt": REBUILT_NOTE},
    )
    times = [m.t_ns for m in log.messages]
    t = min(times) if times else 0
    session.sent(request, t)
    if log.status is None or not log.status:
        return session
    status_line = f"{log.http_version} {log.status} {log.status_text}".rstrip()
    session.received(serialize_message(status_line, log.response_headers), t)
    if log.status != 101:
        return session
    for message in log.messages:
        t = max(t, message.t_ns)  # a session's times never go back
        sent = message.direction == C2S
        frame = Frame.build(message.opcode, message.payload, mask=ZERO_KEY if sent else False)
        (session.sent if sent else session.received)(bytes(frame), t)
    return session
