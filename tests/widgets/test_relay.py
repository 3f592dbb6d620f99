"""RelayMonitor headless, with a real relay on 127.0.0.1: connections as they come, both legs side by side
live, the change log and the legs' diff; callbacks also run from another thread (JupyterLab subshells)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wsexplorer import connect, serve_echo
from wsexplorer.live.relay import Relay, relay
from wsexplorer.live.relay_rules import Rule
from wsexplorer.record.session import C2S
from wsexplorer.widgets.relay import RelayMonitor

from .callbacks import on_subshell, until


@pytest.fixture
async def running() -> AsyncIterator[Relay]:
    async with (
        serve_echo() as server,
        relay(server.url, rules=[Rule("drop", direction="c2s", text="secret")]) as r,
    ):
        yield r


def rows(monitor: RelayMonitor) -> tuple[int, int]:
    return len(monitor.client_browser.table_rows()), len(monitor.upstream_browser.table_rows())


async def test_legs_side_by_side_live(running: Relay) -> None:
    monitor = RelayMonitor(running, min_interval=0.01)
    assert monitor.shown is None and "waiting" in monitor.info.value
    assert "wsx-relay" in monitor.widget._dom_classes
    async with connect(running.url) as ws:
        await until(lambda: monitor.shown is not None)
        assert monitor.picker.value == 1 and "#1" in monitor.picker.options[0][0]
        await ws.send("hello")
        await ws.recv()
        await ws.send("a secret")
        await ws.send("after")
        await ws.recv()
        await until(lambda: rows(monitor) == (5, 4))  # the secret reached only the client leg
        await until(lambda: "drop" in monitor.changes.value)
        assert "upstream agreed: permessage-deflate" in monitor.info.value
    await monitor.shown.wait_closed()  # type: ignore[union-attr]
    monitor.show_diff()
    assert monitor.tabs.selected_index == 2
    assert "only in client leg" in monitor.diff_view.value and "a secret" in monitor.diff_view.value
    monitor.only_differences.value = False
    assert 'class="wsx-diff-same"' in monitor.diff_view.value
    monitor.close()


async def test_new_connections_are_followed_or_not(running: Relay) -> None:
    monitor = RelayMonitor(running, min_interval=0.01)
    async with connect(running.url):
        await until(lambda: monitor.picker.value == 1)
    monitor.follow_new.value = False
    async with connect(running.url):
        await until(lambda: len(monitor.picker.options) == 2)
        assert monitor.picker.value == 1
        on_subshell(lambda: setattr(monitor.picker, "value", 2))  # a click on a subshell
        await until(lambda: monitor.shown is not None and monitor.shown.number == 2)
        assert monitor.client_browser.session is running.connections[1].client_session
    monitor.close()
    assert not running._listeners


async def test_a_monitor_made_after_the_fact_shows_the_last_connection(running: Relay) -> None:
    async with connect(running.url) as ws:
        await ws.send("x")
        await ws.recv()
    await running.connections[0].wait_closed()
    monitor = RelayMonitor(running)
    assert monitor.shown is running.connections[0]
    assert running.connections[0].client_session.frame_count(C2S) == 2
    assert rows(monitor) == (4, 4)
    monitor.close()


async def test_refused_connections_show_why() -> None:
    async with relay("ws://127.0.0.1:1/") as r:
        monitor = RelayMonitor(r, min_interval=0.01)
        with pytest.raises(Exception):  # noqa: B017 - the client sees the relay's 502
            await connect(r.url)
        await until(lambda: "refused" in monitor.info.value)
        assert "why: [Errno 111]" in monitor.info.value
        monitor.show(99)  # no such connection: nothing changes
        assert monitor.shown is r.connections[0]
        monitor.close()


async def test_nothing_to_compare_yet(running: Relay) -> None:
    monitor = RelayMonitor(running)
    monitor.show_diff()
    assert "no connection" in monitor.diff_view.value
    monitor.close()
