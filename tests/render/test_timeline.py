"""The session timeline: a matplotlib Figure with decimated frame markers, throughput and ping RTTs."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from wsexplorer.codec.frames import Frame
from wsexplorer.record.round_trips import ping_round_trips
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.frame_table import FrameIndex
from wsexplorer.render.timeline import (
    Timeline,
    decimate,
    figure_png,
    legend_html,
    timeline_figure,
)

KEY = b"\x01\x02\x03\x04"


def echo_session(messages: int, *, ping_every: int = 0) -> Session:
    """``messages`` echoed text messages 1 ms apart; every ``ping_every`` a ping answered 300 µs later."""
    s = Session("client", handshake=False)
    for i in range(messages):
        t = i * 1_000_000
        text = "m" * (i % 50)
        s.record(C2S, bytes(Frame.text(text, mask=KEY)), t)
        s.record(S2C, bytes(Frame.text(text)), t + 100_000)
        if ping_every and i % ping_every == 0:
            payload = i.to_bytes(4, "big")
            s.record(C2S, bytes(Frame.ping(payload, mask=KEY)), t + 200_000)
            s.record(S2C, bytes(Frame.pong(payload)), t + 500_000)
    return s


def frame_markers(fig: object) -> int:
    ax = fig.axes[0]  # type: ignore[attr-defined]
    return sum(len(c.get_offsets()) for c in ax.collections)


def no_ping_note(fig: object) -> Any:
    (note,) = [t for t in fig.axes[2].texts if t.get_text() == "no ping answered by a pong yet"]  # type: ignore[attr-defined]
    return note


def test_small_session_draws_every_frame() -> None:
    from matplotlib.figure import Figure

    fig = timeline_figure(echo_session(20, ping_every=5))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    assert frame_markers(fig) == 48  # 40 texts + 4 pings + 4 pongs
    assert "decimated" not in fig._suptitle.get_text()  # type: ignore[union-attr]
    line, server_pings = fig.axes[2].get_lines()  # the client's pings, the server's
    assert len(server_pings.get_xdata()) == 0
    assert np.allclose(line.get_ydata(), 0.3)  # every RTT is 300 µs = 0.3 ms
    png = figure_png(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_big_session_is_decimated() -> None:
    s = echo_session(50_000, ping_every=1_000)
    fig = timeline_figure(s, max_points=2_000)
    drawn = frame_markers(fig)
    assert 0 < drawn <= 2_000
    assert "100,100 frames" in fig._suptitle.get_text()  # type: ignore[union-attr]
    assert "decimated" in fig._suptitle.get_text()  # type: ignore[union-attr]
    # control frames (100) fit in their share of the budget: all drawn
    drawn_colors = {
        tuple(np.round(c.get_facecolor()[0], 3)) for c in fig.axes[0].collections if len(c.get_offsets())
    }
    assert len(drawn_colors) == 3  # text, ping, pong
    line, server_pings = fig.axes[2].get_lines()  # the client's pings, the server's
    assert len(server_pings.get_xdata()) == 0
    assert len(line.get_xdata()) == 50


def test_figures_are_not_registered_with_pyplot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = timeline_figure(echo_session(5))
    assert plt.get_fignums() == before
    plt.close(fig)  # closing is harmless, and not needed


def test_empty_session() -> None:
    fig = timeline_figure(Session("client", handshake=False))
    assert frame_markers(fig) == 0
    assert no_ping_note(fig).get_visible()
    assert figure_png(fig)


def test_a_timeline_is_reused_for_new_data() -> None:
    timeline = Timeline(max_points=100, legend=False)
    s = echo_session(10)
    fig = timeline.update(s)
    assert frame_markers(fig) == 20 and fig.axes[0].get_legend() is None
    for i in range(10, 200):
        s.record(C2S, bytes(Frame.text("late", mask=KEY)), i * 1_000_000)
    assert timeline.update(s) is fig
    assert frame_markers(fig) <= 100 and timeline.shown == frame_markers(fig)
    assert fig.axes[0].get_xlim()[1] >= 0.199
    assert no_ping_note(fig).get_visible()  # still no ping
    assert "text" in legend_html() and "S→C" in legend_html()


def test_png_redraws_only_the_data_while_the_limits_stay() -> None:
    from PIL import Image

    timeline = Timeline(legend=False)
    s = echo_session(100, ping_every=10)
    timeline.update(s)
    first = timeline.png()
    key = timeline._background_key
    background = timeline._background
    assert Image.open(io.BytesIO(first)).size == (960, 624)
    assert timeline.png() == first  # same data, same pixels
    s.record(S2C, bytes(Frame.binary(b"x" * 20)), 50_000_000)  # inside the current limits
    timeline.update(s)
    second = timeline.png()
    assert timeline._background_key == key and timeline._background is background
    assert second != first
    s.record(S2C, bytes(Frame.binary(b"x" * 20)), 5_000_000_000)  # the time axis must grow
    timeline.update(s)
    timeline.png()
    assert timeline._background_key != key
    assert not no_ping_note(timeline.figure).get_visible()


def test_decimate_keeps_the_extremes_of_each_bin() -> None:
    t = np.arange(10_000)
    y = np.ones(10_000)
    y[1234] = 1e6  # a spike
    y[8765] = 0  # a dip
    keep = decimate(t, y, 100)
    assert len(keep) <= 100
    assert 1234 in keep and 8765 in keep
    assert np.all(np.diff(keep) > 0)
    assert np.array_equal(decimate(t[:50], y[:50], 100), np.arange(50))
    assert len(decimate(t, y, 0)) == 0


def test_ping_round_trips_pair_by_payload_and_direction() -> None:
    s = Session("client", handshake=False)
    s.record(C2S, bytes(Frame.ping(b"a", mask=KEY)), 100)
    s.record(C2S, bytes(Frame.ping(b"b", mask=KEY)), 200)
    s.record(S2C, bytes(Frame.ping(b"c")), 250)  # the server's own ping
    s.record(S2C, bytes(Frame.pong(b"b")), 700)
    s.record(C2S, bytes(Frame.pong(b"c")), 800)
    s.record(S2C, bytes(Frame.pong(b"a")), 900)
    s.record(S2C, bytes(Frame.pong(b"zz")), 950)  # unsolicited: no ping
    sent, rtts, pinger = ping_round_trips(FrameIndex(s))
    assert sorted(zip(sent.tolist(), rtts.tolist(), pinger.tolist(), strict=True)) == [
        (100, 800, C2S),
        (200, 500, C2S),
        (250, 550, S2C),  # the server's keepalive: its own series, not the client's round trips
    ]


def test_round_trips_are_told_apart_by_who_pinged() -> None:
    s = Session("client", handshake=False)
    s.record(C2S, bytes(Frame.ping(b"a", mask=KEY)), 1_000_000)
    s.record(S2C, bytes(Frame.pong(b"a")), 1_500_000)
    s.record(S2C, bytes(Frame.ping(b"k")), 2_000_000)
    s.record(C2S, bytes(Frame.pong(b"k", mask=KEY)), 4_000_000)
    timeline = Timeline()
    timeline.update(s)
    text = timeline.describe()
    assert "client's pings: 1, median 0.500 ms" in text and "server's pings: 1, median 2.000 ms" in text
    assert "4 frames" in text
    assert timeline.png().startswith(b"\x89PNG")


@pytest.mark.parametrize("module", ["wsexplorer.render.timeline", "wsexplorer.render.frame_table"])
def test_importing_draws_nothing(module: str) -> None:
    code = f"import sys, {module}; assert not {{'matplotlib', 'ipywidgets'}} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
