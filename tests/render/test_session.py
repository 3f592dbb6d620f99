"""A session's summary in a few lines, and its one-screen overview."""

from __future__ import annotations

from wsexplorer.protocol.connection import Connection
from wsexplorer.record.loopback import Loopback
from wsexplorer.render.session import session_html, session_text, summary_html, summary_text

from .html_checker import parse_html


def test_summary_lines() -> None:
    wire = Loopback(Connection("client", url="ws://h/"), Connection("server"))
    wire.pump()
    wire.client.send_text("hi")
    wire.client.send_ping(b"p")
    wire.client.send_close(1000)
    wire.pump()
    summary = wire.session.summary()
    text = summary_text(summary)
    assert "client→server: 1 close, 1 ping, 1 text; 1 messages" in text
    assert "ping round trips: 1" in text and "closed first by: client" in text
    parse_html(summary_html(summary))
    assert session_text(wire.session).startswith("<Session client")
    parse_html(session_html(wire.session))
