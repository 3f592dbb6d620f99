"""LiveConnection headless, against real local servers on 127.0.0.1 (no kernel, no browser)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.errors import HandshakeError, InvalidState
from wsexplorer.live import serve_echo
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.widgets.live import LiveConnection


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (on the loop, as the kernel would) until ``predicate()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the widget")
        await asyncio.sleep(0.01)


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
        (live.browser.table, "wsx-frame-table"),
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
    shown = [b for b in live.browser.row_buttons if b.layout.display != "none"]
    assert len(shown) == 2
    assert all("wsx-frame-row" in b._dom_classes for b in shown)
    assert "TEXT" in shown[1].description and "wsx-op-text" in shown[1]._dom_classes
    live.select(1)
    echoed = live.session.frame(S2C, 0).frame
    assert live.inspector.frame == echoed
    assert live.inspector.sender.value == "server" and live.inspector.deflate.value
    assert "wsx-frame-row-selected" in shown[1]._dom_classes
    assert "server→client frame #0" in live.browser.selection_label.value
    assert "hello" in live.received_label.value


async def test_buttons_drive_the_connection(live: LiveConnection) -> None:
    live.connect_button.click()
    await until(lambda: live.open)
    live.text_input.value = "typed"
    live.send_button.click()
    live.hex_input.value = "00 ff 10"
    live.send_binary_button.click()
    await until(lambda: len(live.table_rows()) == 4)
    assert sorted((r.direction, r.opcode_name) for r in live.table_rows()) == [
        (C2S, "BINARY"),
        (C2S, "TEXT"),
        (S2C, "BINARY"),
        (S2C, "TEXT"),
    ]
    assert "00 ff 10" in live.received_label.value or "\\x00\\xff\\x10" in live.received_label.value


async def test_ping_shows_rtt(live: LiveConnection) -> None:
    await live.connect()
    rtt = await live.ping()
    assert 0 < rtt < 5 and live.last_rtt == rtt
    assert live.rtt_label.value.startswith("RTT: ") and live.rtt_label.value.endswith(" ms")
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
        assert "403" in lc.status.value and "wsx-status-error" in lc.status.value
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
    assert "filtered from 6 frames" in browser.page_label.value
    assert browser.opcode_filters["ping"].description == "ping 1"


async def test_send_the_inspectors_frame(live: LiveConnection) -> None:
    await live.connect()
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
    await until(lambda: live.browser.row_count == 600)
    refreshes = live.browser.refresh_count - before
    assert refreshes < 30  # 600 frames, 300+ events: a handful of redraws
    rows = live.table_rows()
    assert len(rows) == 50 and rows[-1].position == 599  # following live: the last page


async def test_paging_100k_frames_renders_one_page() -> None:
    lc = LiveConnection("ws://127.0.0.1:1/", page_size=50)
    session = Session("client", handshake=False)
    frame = bytes(Frame.text("abc"))
    for chunk in range(100):
        session.record(S2C, frame * 1000, chunk * 1_000_000)
    lc.browser.set_session(session)
    assert len(lc.table_rows()) == 50 and lc.table_rows()[-1].position == 99_999  # follow live
    lc.browser.first_button.click()
    assert [r.position for r in lc.table_rows()][:2] == [0, 1]
    assert not lc.browser.follow_toggle.value
    lc.browser.next_button.click()
    assert lc.table_rows()[0].position == 50
    assert lc.browser.page_label.value == "rows 51–100 of 100,000"
    assert sum(b.layout.display != "none" for b in lc.browser.row_buttons) == 50
    await lc.shutdown()


async def test_timeline_redraws_when_shown_and_throttled(live: LiveConnection) -> None:
    await live.connect()
    await live.ping()
    assert live.browser.timeline_image.value == b""  # hidden: not drawn
    live.browser.tabs.selected_index = 1
    png = live.browser.timeline_image.value
    assert bytes(png).startswith(b"\x89PNG")
    await live.send_text("x")
    live.refresh()
    assert live.browser.timeline_image.value is png  # redrawn at most every timeline_interval
    live.browser.timeline_button.click()
    assert live.browser.timeline_image.value is not png


async def test_an_unmasked_hand_made_frame_is_refused_with_1002(live: LiveConnection) -> None:
    await live.connect()
    live.inspector.show(Frame.text("unmasked"))  # clients must mask (RFC 6455 §5.1)
    await live.send_inspector_frame()
    await until(lambda: not live.open)
    await until(lambda: "1002" in live.status_text)
    assert "mask" in live.status_text and "wsx-status-error" in live.status.value
    await until(lambda: [r.opcode_name for r in live.table_rows()][-1:] == ["CLOSE"])
