"""One name per view: describe() for a terminal and html() for a notebook, one renderer per kind."""

from __future__ import annotations

import pytest

from wsexplorer.codec.accept import AcceptComputation
from wsexplorer.codec.extensions.permessage_deflate import inspect_compressed
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.handshake import HandshakeRequest
from wsexplorer.codec.server_decision import decide
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import S2C
from wsexplorer.render.describe import context_note, describe, html


def test_every_kind_has_a_text_and_an_html_view() -> None:
    request = HandshakeRequest.build("ws://h/", key="dGhlIHNhbXBsZSBub25jZQ==")
    wire = Loopback(Connection("client", url="ws://h/"), Connection("server"))
    wire.pump()
    wire.server.send_text("hi")
    wire.pump()
    objects = [
        Frame.text("hi"),
        request,
        decide(request),
        AcceptComputation("dGhlIHNhbXBsZSBub25jZQ=="),
        inspect_compressed(bytes.fromhex("f248cdc9c90700")),
        wire.session,
        wire.session.summary(),
        wire.session.frame(S2C, 0),
        wire.session.frame(S2C, 0).in_context(),
    ]
    for obj in objects:
        text, shown = describe(obj), html(obj)
        assert (text and "\n" in text) or len(text) > 20, type(obj)
        assert shown.startswith("<div") and "<script" not in shown, type(obj)


def test_a_recorded_frame_is_titled_with_its_context() -> None:
    wire = Loopback(
        Connection("client", url="ws://h/", extensions=["permessage-deflate"]), Connection("server")
    )
    wire.pump()
    wire.server.send_text("hi")
    wire.pump()
    replayed = wire.session.frame(S2C, 0).in_context()
    assert context_note(replayed.context) == "sent by the server; no extension negotiated"
    assert "frame #1, message #1 · sent by the server" in describe(replayed).splitlines()[0]


def test_unknown_objects_are_refused_plainly() -> None:
    with pytest.raises(TypeError, match="no view of int objects"):
        describe(42)
