"""The frame browser's "decode as" choice, headless: the negotiated decoder by default, one chosen by
the user for servers that negotiate none (Socket.IO, JSON), none at all; a decoded column only when a
decoder applies; close codes and the graphql-ws name clash explained."""

from __future__ import annotations

import json

import pytest

from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.decoding import RAW
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import Session
from wsexplorer.render.frame_table import GRID_COLUMNS
from wsexplorer.widgets.session import SessionBrowser

OPEN = '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'


def socketio_session() -> Session:
    """A Socket.IO v5 exchange over Engine.IO v4, with no subprotocol negotiated (as most servers do)."""
    wire = Loopback(
        Connection("client", url="ws://h/socket.io/?EIO=4&transport=websocket"), Connection("server")
    )
    wire.pump()
    for who, text in (("s", OPEN), ("c", "40"), ("s", '40{"sid":"xyz"}'), ("c", '42["chat","hi"]')):
        (wire.client if who == "c" else wire.server).send_text(text)
        wire.pump()
    return wire.session


def graphql_session(offered: list[str], accepted: tuple[str, ...], *, close: int | None = None) -> Session:
    wire = Loopback(
        Connection("client", url="ws://h/", subprotocols=offered),
        Connection("server", policy=ServerPolicy(subprotocols=accepted)),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    wire.pump()
    if wire.session.response is not None and wire.session.response.subprotocol:
        for who, message in (("c", {"type": "connection_init"}), ("s", {"type": "connection_ack"})):
            (wire.client if who == "c" else wire.server).send_text(json.dumps(message))
            wire.pump()
    if close is not None:
        wire.server.send_close(close, "bye")
        wire.pump()
    return wire.session


def option_labels(browser: SessionBrowser) -> list[str]:
    return [label for label, _value in browser.browser.decoder_choice.dropdown.options]


def test_a_server_that_negotiates_nothing_can_be_decoded_as_socketio() -> None:
    browser = SessionBrowser(socketio_session())
    frames = browser.browser
    labels = option_labels(browser)
    assert labels[0] == "none negotiated" and labels[-1] == "raw (no decoder)"
    assert "socket.io" in labels and "engine.io" in labels and "json" in labels
    assert frames.decoder is None and list(frames.grid.columns) == GRID_COLUMNS  # no decoded column
    assert "no decoder applies" in frames.decoder_choice.note.value
    browser.select(3)  # the client's event
    assert browser.inspector.decoded == []

    frames.decoder_choice.dropdown.value = "socket.io"  # what a user's pick does
    assert frames.decoder == "socket.io"
    assert (
        frames.grid.columns[-2] == "decoded (socket.io)" and len(frames.grid.widths) == len(GRID_COLUMNS) + 1
    )
    cells = [row["c"] for row in frames.grid.rows]
    assert all(len(c) == len(GRID_COLUMNS) + 1 for c in cells)
    assert all(c[-2] for c in cells) and "chat" in cells[3][-2]  # every message decoded, in its own cell
    assert cells[3][-1] == repr('42["chat","hi"]')  # the message itself stays in the last column
    assert browser.inspector.decoded and browser.inspector.decoded[0].protocol == "socket.io"  # reopened

    frames.decoder = "raw"
    assert frames.decoder == RAW and list(frames.grid.columns) == GRID_COLUMNS
    assert browser.inspector.decoded == [] and "raw" in frames.decoder_choice.note.value


def test_the_decoder_can_be_preset_and_an_unknown_one_is_refused() -> None:
    browser = SessionBrowser(socketio_session(), decoder="engine.io")
    assert browser.browser.decoder == "engine.io"
    assert browser.browser.grid.columns[-2] == "decoded (engine.io)"
    assert [r.decoded != "" for r in browser.table_rows()] == [True] * 4
    with pytest.raises(ValueError, match="no-such"):
        SessionBrowser(socketio_session(), decoder="no-such")
    with pytest.raises(ValueError, match="no-such"):
        browser.browser.decoder = "no-such"
    assert browser.browser.decoder == "engine.io"


def test_the_negotiated_decoder_by_default_and_its_close_codes_explained() -> None:
    s = graphql_session(["graphql-transport-ws"], ("graphql-transport-ws",), close=4409)
    browser = SessionBrowser(s)
    frames = browser.browser
    assert option_labels(browser)[0] == "negotiated: graphql-transport-ws" and frames.decoder is None
    assert frames.grid.columns[-2] == "decoded (graphql-transport-ws)"
    assert [r.decoded.split()[0] for r in browser.table_rows()[:2]] == ["connection_init", "connection_ack"]
    rows = browser.table_rows()
    close = next(k for k, r in enumerate(rows) if r.opcode_name == "CLOSE")
    browser.select(close)
    assert (
        "close code 4409 in graphql-transport-ws: subscriber already exists" in frames.selection_label.value
    )
    frames.decoder = RAW  # the same frame, no decoder: no meaning claimed for the code
    assert "close code 4409" not in frames.selection_label.value


def test_the_graphql_ws_name_clash_is_shown() -> None:
    browser = SessionBrowser(graphql_session(["graphql-ws"], ("graphql-transport-ws",)))
    note = browser.browser.decoder_choice.note.value
    assert option_labels(browser)[0] == "none negotiated"
    assert "4406" in note and "graphql-ws" in note
    plain = SessionBrowser(graphql_session(["graphql-transport-ws"], ("graphql-transport-ws",)))
    assert "4406" not in plain.browser.decoder_choice.note.value
