"""LiveConnection headless, against real local servers on 127.0.0.1 (no kernel, no browser).

Callbacks are also run the way JupyterLab 4.6 runs them by default (``commsOverSubshells``): on
another thread with its own event loop, while the connection lives on the test's loop.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.errors import HandshakeError, InvalidState
from wsexplorer.live import serve_echo
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.widgets.live import LiveConnection, decode_binary

from .callbacks import on_subshell, until


@pytest.fixture
async def live() -> AsyncIterator[LiveConnection]:
    lc = LiveConnection()
    await lc.ready()
    yield lc
    await lc.shutdown()


async def test_no_url_starts_a_local_echo_server(live: LiveConnection) -> None:
    assert live.server is not None
    assert live.url == live.server.url and live.url.startswith("ws://127.0.0.1:")
    assert live.url in live.info.value and "press Connect" in live.status_text
    assert not live.connect_button.disabled and live.send_button.disabled


async def test_css_classes(live: LiveConnection) -> None:
    assert "wsx-live" in live.widget._dom_classes
    for widget, cls in [
        (live.connect_button, "wsx-live-connect"),
        (live.text_input, "wsx-live-text"),
        (live.send_button, "wsx-live-send"),
        (live.status, "wsx-live-status"),
        (live.browser.grid, "wsx-frame-grid"),
        (live.binary_encoding, "wsx-live-binary-encoding"),
        (live.build_button, "wsx-live-build"),
        (live.server_button, "wsx-live-server-toggle"),
        (live.close_button, "wsx-live-close"),
        (live.ping_button, "wsx-live-ping"),
        (live.send_frame_button, "wsx-live-send-frame"),
    ]:
        assert cls in widget._dom_classes
    bundle = live._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


async def test_echo_appears_in_both_directions_and_opens_in_the_inspector(live: LiveConnection) -> None:
    await live.connect()
    assert "open" in live.status_text and "permessage-deflate" in live.status_text
    assert not live.send_button.disabled and live.connect_button.disabled
    await live.send_text("hello")
    await until(lambda: len(live.table_rows()) == 2)  # the throttled refresh, not a manual one
    rows = live.table_rows()
    assert [(r.direction, r.opcode_name) for r in rows] == [(C2S, "TEXT"), (S2C, "TEXT")]
    assert rows[0].masked and not rows[1].masked and rows[0].rsv1  # compressed both ways
    cells = live.browser.grid.rows
    assert len(cells) == 2 and live.browser.grid.total == 2
    assert cells[1]["c"][0] == "#2" and cells[1]["c"][3] == "TEXT" and "wsx-op-text" in cells[1]["k"]
    assert cells[1]["c"][6] == "compressed → 'hello'"
    assert live.inspector.layout.display == "none"  # no stale frame before a row is chosen
    live.select(1)
    echoed = live.session.frame(S2C, 0).frame
    assert live.inspector.frame == echoed
    assert live.inspector.sender.value == "server" and live.inspector.deflate.value
    assert live.inspector.violations == []  # a valid compressed frame, judged in its context
    assert live.browser.grid.selected == 1
    assert "Frame #2" in live.browser.selection_label.value  # the number the table shows
    assert "frame #2" in live.inspector.status.value
    assert "hello" in live.received_label.value


async def test_buttons_drive_the_connection(live: LiveConnection) -> None:
    live.connect_button.click()
    await until(lambda: live.open)
    live.text_input.value = "typed"
    live.send_button.click()
    await until(lambda: live.last_message == "typed")
    live.binary_input.value = "00 ff 10"
    live.send_binary_button.click()
    await until(lambda: live.last_message == b"\x00\xff\x10")
    live.binary_encoding.value = "base64"
    assert "base64" in live.binary_input.placeholder
    live.binary_input.value = "AP8Q/w=="
    live.send_binary_button.click()
    await until(lambda: live.last_message == b"\x00\xff\x10\xff")
    await until(lambda: len(live.table_rows()) == 6)
    assert sorted((r.direction, r.opcode_name) for r in live.table_rows()) == [
        (C2S, "BINARY"),
        (C2S, "BINARY"),
        (C2S, "TEXT"),
        (S2C, "BINARY"),
        (S2C, "BINARY"),
        (S2C, "TEXT"),
    ]
    assert "00 ff 10 ff" in live.received_label.value
    live.binary_input.value = "not base64!"
    live.send_binary_button.click()
    assert "not base64" in live.status_text


def test_binary_text_decoding() -> None:
    assert decode_binary("00 ff:10", "hex") == b"\x00\xff\x10"
    assert decode_binary("AP8Q\n", "base64") == b"\x00\xff\x10"
    with pytest.raises(ValueError, match="not a hex digit"):
        decode_binary("zz", "hex")
    with pytest.raises(ValueError, match="not base64"):
        decode_binary("A", "base64")


async def test_json_messages_are_indented_in_the_last_message_line(live: LiveConnection) -> None:
    await live.connect()
    await live.send_text('{"a": [1, 2], "b": "x"}')
    await until(lambda: live.last_message is not None)
    assert "{\n  &quot;a&quot;: [\n    1," in live.received_label.value


async def test_ping_shows_rtt(live: LiveConnection) -> None:
    await live.connect()
    rtt = await live.ping()
    assert 0 < rtt < 5 and live.last_rtt == rtt
    assert f"round trip: {rtt * 1e3:.3f} ms" in live.rtt_label.value
    assert "round trip" in live.status_text
    await until(lambda: [r.opcode_name for r in live.table_rows()] == ["PING", "PONG"])


async def test_close_shows_1000(live: LiveConnection) -> None:
    await live.connect()
    live.close_reason_input.value = "done"
    await live.close()
    assert "1000" in live.status_text and "normal closure" in live.status_text
    assert live.close_button.disabled and live.send_button.disabled and not live.connect_button.disabled
    await until(lambda: [r.opcode_name for r in live.table_rows()] == ["CLOSE", "CLOSE"])
    assert live.table_rows()[0].preview == "1000 'done'"
    with pytest.raises(InvalidState):
        live.send_text("too late")
    live.send_button.click()  # a click fails into the status line, not into a hidden log
    assert "not connected" in live.status_text


async def test_reconnect_records_a_new_session(live: LiveConnection) -> None:
    await live.connect()
    first = live.session
    await live.close()
    await live.connect()
    assert live.session is not first and live.browser.session is live.session
    await live.send_text("again")
    await until(lambda: len(live.table_rows()) == 2)


async def test_refused_handshake_shows_status_and_body() -> None:
    async with serve_echo(origins=["http://good.example"]) as server:
        lc = LiveConnection(server.url)
        lc.origin_input.value = "http://evil.example"
        lc.headers_input.value = "X-Test: 1"
        task = lc.connect()
        with pytest.raises(HandshakeError):
            await task
        assert "HTTP 403 Forbidden" in lc.status_text
        assert "allow-list" in lc.status_text  # the body, which a browser would hide
        assert "403" in lc.status.value and "wsx-w-s-error" in lc.status.value
        assert lc.session.response is not None and lc.session.response.status == 403
        assert lc.session.request is not None and lc.session.request.get("X-Test") == "1"
        await lc.shutdown()


async def test_task_errors_reach_the_status_line() -> None:
    lc = LiveConnection("ws://127.0.0.1:1/")  # nothing listens on port 1
    with pytest.raises(OSError):
        await lc.connect()
    assert "connect failed" in lc.status_text and "Error" in lc.status_text
    lc.headers_input.value = "no colon here"
    with pytest.raises(ValueError):
        await lc.connect()
    assert "Name: value" in lc.status_text
    await lc.shutdown()


async def test_filters_reduce_rows(live: LiveConnection) -> None:
    live.deflate_toggle.value = False  # lengths as typed
    await live.connect()
    await live.send_text("a")
    await live.send_binary(b"\x01")
    await live.ping(b"pp")
    await until(lambda: len(live.table_rows()) == 6)
    browser = live.browser
    browser.direction_filter.value = "c2s"
    assert [r.direction for r in live.table_rows()] == [C2S, C2S, C2S]
    browser.opcode_filters["ping"].value = False
    assert [r.opcode_name for r in live.table_rows()] == ["TEXT", "BINARY"]
    browser.set_filters(direction="both", opcodes={"ping", "pong"})
    assert [r.opcode_name for r in live.table_rows()] == ["PING", "PONG"]
    assert "2 of 6 frames shown" in browser.count_label.value
    assert browser.opcode_filters["ping"].description == "ping 1"
    browser.set_filters(opcodes=set(browser.opcode_filters))
    browser.min_length.value = "2"
    assert [r.opcode_name for r in live.table_rows()] == ["PING", "PONG"]  # "a" and b"\x01" are 1 byte
    browser.min_length.value = ""
    browser.search.value = "a"
    assert [r.opcode_name for r in live.table_rows()] == ["TEXT", "TEXT"]
    browser.min_length.value = "lots"  # a mistake goes to the status line
    assert "whole number" in live.status_text


async def test_a_selection_follows_its_frame_through_filters(live: LiveConnection) -> None:
    await live.connect()
    await live.send_text("one")
    await live.send_text("two")
    await until(lambda: len(live.table_rows()) == 4)
    live.select(3)  # the echo of "two"
    assert live.browser.selected == (S2C, 1)
    live.browser.direction_filter.value = "s2c"
    assert live.browser.grid.selected == 1 and live.browser.selected == (S2C, 1)
    live.browser.direction_filter.value = "c2s"
    assert live.browser.grid.selected == -1  # filtered out: no row marked, the inspector keeps it


async def test_send_the_inspectors_frame(live: LiveConnection) -> None:
    await live.connect()
    with pytest.raises(ValueError, match="build a frame"):
        live.send_inspector_frame()  # nothing open: nothing stale is sent
    live.build_button.click()
    assert live.browser.inspector_open and live.inspector.source_tabs.selected_index == 1
    live.inspector.show(Frame.text("hand-made", mask=b"\x00\x00\x00\x00"))
    live.send_frame_button.click()
    await until(lambda: len(live.table_rows()) == 2)
    sent = live.session.frame(C2S, 0).frame
    assert bytes(sent) == bytes(Frame.text("hand-made", mask=b"\x00\x00\x00\x00"))
    assert live.table_rows()[1].direction == S2C


async def test_events_are_coalesced_into_a_few_refreshes(live: LiveConnection) -> None:
    await live.connect()
    live.browser.min_interval = 0.2
    before = live.browser.refresh_count
    for i in range(300):
        await live.send_text(f"message {i}")
    await until(lambda: live.session.frame_count(S2C) == 300)
    await until(lambda: live.browser.grid.total == 600)
    refreshes = live.browser.refresh_count - before
    assert refreshes < 30  # 600 frames, 300+ events: a handful of redraws
    rows = live.table_rows()
    assert rows[-1].position == 599  # following live: the end is in view
    assert live.browser.grid.start == 600 - live.browser.grid.visible_rows


async def test_scrolling_100k_frames_sends_only_the_window() -> None:
    lc = LiveConnection("ws://127.0.0.1:1/", visible_rows=16)
    session = Session("client", handshake=False)
    frame = bytes(Frame.text("abc"))
    for chunk in range(100):
        session.record(S2C, frame * 1000, chunk * 1_000_000)
    lc.browser.set_session(session)
    grid = lc.browser.grid
    assert grid.total == 100_000 and len(grid.rows) == grid.window == 48
    assert lc.table_rows()[-1].position == 99_999  # following live: the end
    lc.browser.first_button.click()
    assert lc.browser.selected == (S2C, 0) and grid.selected == 0
    assert lc.table_rows()[0].position == 0
    grid.start = 50_000  # what the page asks for when scrolled there
    rows = lc.table_rows()
    assert rows[0].position == 50_000 and len(rows) == 48 and grid.rows[0]["c"][0] == "#50001"
    lc.browser.last_button.click()
    assert lc.browser.selected == (S2C, 99_999) and grid.scroll_to == 99_999
    await lc.shutdown()


async def test_actions_from_a_subshell_thread_run_on_the_connection_loop(
    live: LiveConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JupyterLab's default: callbacks on another thread and loop. Connect, ping, send, filter, select,
    close all work, and the recording is written on one thread only."""
    writers: set[int] = set()
    on_subshell(live.connect_button.click)
    await until(lambda: live.open)
    record = Session.record

    def recording(self: Session, *args: Any, **kwargs: Any) -> None:
        if self is live.session:
            writers.add(threading.get_ident())
        record(self, *args, **kwargs)

    monkeypatch.setattr(Session, "record", recording)
    on_subshell(live.ping_button.click)
    await until(lambda: live.last_rtt is not None)
    assert "round trip" in live.rtt_label.value and "failed" not in live.status_text
    live.text_input.value = "from a subshell"
    on_subshell(live.send_button.click)
    await until(lambda: live.last_message == "from a subshell")
    on_subshell(lambda: setattr(live.browser.direction_filter, "value", "s2c"))
    await until(lambda: [r.opcode_name for r in live.table_rows()] == ["PONG", "TEXT"])
    on_subshell(lambda: setattr(live.browser.grid, "selected", 1))
    assert "Frame #4" in live.browser.selection_label.value
    on_subshell(live.close_button.click)
    await until(lambda: "server answered 1000" in live.status_text)
    assert writers == {threading.get_ident()}  # only the loop's thread wrote the session


async def test_the_local_server_stops_and_starts_again(live: LiveConnection) -> None:
    first = live.url
    await live.toggle_server()
    assert live.server is None and "stopped" in live.status_text
    assert live.server_button.description == "start local server"
    on_subshell(live.server_button.click)
    await until(lambda: live.server is not None and live.url != first)
    await live.connect()
    assert live.open


async def test_timeline_redraws_when_shown_and_throttled(live: LiveConnection) -> None:
    await live.connect()
    await live.ping()
    timeline = live.browser.timeline
    assert timeline.png == b"" and timeline.image.value == ""  # hidden: not drawn
    live.browser.tabs.selected_index = 1
    png = timeline.png
    assert png.startswith(b"\x89PNG") and 'alt="' in timeline.image.value
    await live.send_text("x")
    live.refresh()
    assert timeline.png is png  # redrawn at most every timeline_interval
    timeline.button.click()
    assert timeline.png is not png


async def test_an_unmasked_hand_made_frame_is_refused_with_1002(live: LiveConnection) -> None:
    await live.connect()
    live.browser.open_builder()
    live.inspector.show(Frame.text("unmasked"))  # clients must mask (RFC 6455 §5.1)
    await live.send_inspector_frame()
    await until(lambda: not live.open)
    await until(lambda: "1002" in live.status_text)
    assert "mask" in live.status_text and "wsx-w-s-error" in live.status.value
    await until(lambda: [r.opcode_name for r in live.table_rows()][-1:] == ["CLOSE"])


async def test_a_decoder_chosen_for_a_server_that_negotiates_none() -> None:
    lc = LiveConnection(decoder="json")  # the echo server negotiates no subprotocol
    await lc.ready()
    try:
        assert lc.browser.decoder == "json" and lc.browser.grid.columns[-2] == "decoded (json)"
        await lc.connect()
        await lc.send_text('{"n": 1}')
        await until(lambda: len(lc.table_rows()) == 2 and all(r.decoded for r in lc.table_rows()))
        assert all(len(row["c"]) == 8 and row["c"][-2] for row in lc.browser.grid.rows)
        lc.browser.decoder = None  # back to the negotiated one: none, so no decoded column
        assert len(lc.browser.grid.columns) == 7 and all(len(row["c"]) == 7 for row in lc.browser.grid.rows)
    finally:
        await lc.shutdown()
