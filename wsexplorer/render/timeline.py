"""A timeline of a session: frames over time (direction, size, opcode), throughput, and ping round trips.

Built from the vectorized frame columns (:class:`~wsexplorer.render.frame_table.FrameIndex`), so a session
of 100,000 frames draws in well under a second: the scatter of frames is decimated to at most
``max_points`` markers (per time bin the smallest and the largest frame are kept, so bursts and outliers
stay visible), while the throughput panel sums every frame. matplotlib is imported when a figure is drawn,
and figures are plain :class:`matplotlib.figure.Figure` objects (not registered with pyplot: nothing to
close, nothing leaks).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from ..codec.frames import Opcode
from ..record.session import C2S, S2C, Session
from .frame_table import DIRECTION_ARROWS, OPCODE_GROUPS, FrameIndex

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["OPCODE_COLORS", "decimate", "figure_png", "ping_round_trips", "timeline_figure"]

#: One colour per opcode group, shared by the timeline's legend.
OPCODE_COLORS = {
    "text": "#1a73e8",
    "binary": "#e8710a",
    "continuation": "#80868b",
    "close": "#d93025",
    "ping": "#9334e6",
    "pong": "#12b5cb",
    "reserved": "#202124",
}
_MARKERS = ("^", "v")  # client→server up, server→client down
_DIRECTION_COLORS = ("#1a73e8", "#188038")


def decimate(t: Any, y: Any, budget: int) -> Any:
    """Indices of at most ``budget`` points of the series (t, y) that keep its shape.

    Time is cut into ``budget // 2`` equal bins; in each bin the points with the smallest and the
    largest ``y`` are kept. Returned sorted; all indices when the series already fits.
    """
    n = len(t)
    if n <= budget:
        return np.arange(n)
    if budget < 2:
        return np.zeros(min(n, max(budget, 0)), np.int64)
    bins = budget // 2
    tf = np.asarray(t, dtype=np.float64)
    lo, span = tf.min(), max(float(tf.max() - tf.min()), 1.0)
    b = np.minimum(((tf - lo) * (bins / span)).astype(np.int64), bins - 1)
    order = np.lexsort((y, b))
    sb = b[order]
    starts = np.flatnonzero(np.r_[True, sb[1:] != sb[:-1]])
    ends = np.r_[starts[1:], n] - 1
    return np.unique(np.concatenate([order[starts], order[ends]]))


def ping_round_trips(index: FrameIndex) -> tuple[Any, Any]:
    """(ping times, round-trip times) in nanoseconds, pairing each ping with its pong.

    A pong answers the earliest waiting ping with the same payload sent the other way (RFC 6455
    §5.5.3). Only ping and pong frames are parsed, found through the opcode column.
    """
    index.update()
    positions = np.flatnonzero((index.opcode == Opcode.PING) | (index.opcode == Opcode.PONG))
    waiting: dict[tuple[int, bytes], deque[int]] = {}
    sent: list[int] = []
    rtts: list[int] = []
    for p in positions.tolist():
        d = int(index.direction[p])
        t = int(index.t_ns[p])
        payload = index.session.frame(C2S if d == 0 else S2C, int(index.index[p])).frame.payload
        if index.opcode[p] == Opcode.PING:
            waiting.setdefault((d, payload), deque()).append(t)
        else:
            queue = waiting.get((1 - d, payload))
            if queue:
                t_ping = queue.popleft()
                sent.append(t_ping)
                rtts.append(t - t_ping)
    return np.asarray(sent, np.int64), np.asarray(rtts, np.int64)


def _group_of(opcode: Any) -> Any:
    """Group name per opcode, as an array of strings."""
    names = np.full(len(opcode), "reserved", dtype=object)
    for name, codes in OPCODE_GROUPS.items():
        names[np.isin(opcode, codes)] = name
    return names


def timeline_figure(
    session: Session | FrameIndex,
    *,
    max_points: int = 5000,
    width: float = 10.0,
    height: float = 6.5,
    title: str | None = None,
) -> Figure:
    """Frames over time (marker: direction, colour: opcode, height: payload length), bytes per second
    each way, and ping round-trip times. At most ``max_points`` frame markers are drawn.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    index = session if isinstance(session, FrameIndex) else FrameIndex(session)
    index.update()
    n = len(index)
    t = (index.t_ns - index.t0_ns) / 1e9
    size = index.payload_length
    groups = _group_of(index.opcode)

    # A fixed layout: constrained layout would measure every label first and double the drawing time.
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.08, right=0.985, top=0.88, bottom=0.08, hspace=0.4)
    ax_frames, ax_rate, ax_rtt = fig.subplots(3, 1, sharex=True, height_ratios=(3.0, 1.3, 1.3))

    # Control frames are few and tell the story (pings, closes): keep them whole when they fit.
    control = np.isin(index.opcode, (0x8, 0x9, 0xA)) | (groups == "reserved")
    shown = 0
    budget_control = min(int(control.sum()), max_points // 4)
    picks = []
    for mask, budget in ((control, budget_control), (~control, max_points - budget_control)):
        where = np.flatnonzero(mask)
        for d in (C2S, S2C):
            sub = where[index.direction[where] == d]
            picks.append(sub[decimate(t[sub], size[sub], budget // 2 + (budget % 2 if d == C2S else 0))])
    keep = np.sort(np.concatenate(picks)) if picks else np.zeros(0, np.int64)
    for d in (C2S, S2C):
        for name, color in OPCODE_COLORS.items():
            sel = keep[(index.direction[keep] == d) & (groups[keep] == name)]
            if not len(sel):
                continue
            ax_frames.scatter(
                t[sel],
                size[sel],
                s=14,
                marker=_MARKERS[d],
                color=color,
                alpha=0.75,
                linewidths=0,
            )
            shown += len(sel)
    ax_frames.set_yscale("symlog", linthresh=1)
    ax_frames.yaxis.set_major_formatter(FuncFormatter(_bytes_label))
    ax_frames.set_ylim(bottom=-0.3, top=max(float(size.max()) * 3 if n else 10.0, 10.0))
    ax_frames.set_ylabel("payload length (bytes)")
    ax_frames.grid(True, alpha=0.3)
    present = [name for name in OPCODE_COLORS if (groups == name).any()]
    handles = [
        Line2D([], [], marker="s", linestyle="", color=OPCODE_COLORS[name], label=name) for name in present
    ] + [
        Line2D([], [], marker=_MARKERS[d], linestyle="", color="#5f6368", label=DIRECTION_ARROWS[d])
        for d in (C2S, S2C)
    ]
    ax_frames.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(handles) or 1,
        fontsize=8,
        frameon=False,
        borderaxespad=0.2,
    )
    note = f"{n:,} frames" + (f", {shown:,} drawn (decimated)" if shown < n else "")
    where_to = index.session.meta.get("url") or index.session.meta.get("server") or ""
    fig.suptitle(
        title or f"Frames over time — {note}" + (f" — {where_to}" if where_to else ""),
        fontsize=11,
        x=0.08,
        ha="left",
    )

    # Throughput: every frame counted, binned in time.
    duration = float(t.max()) if n else 0.0
    nbins = int(min(200, max(10, n // 20)))
    edges = np.linspace(0.0, max(duration, 1e-6), nbins + 1)
    widths = np.diff(edges)
    for d in (C2S, S2C):
        sel = index.direction == d
        counts, _ = np.histogram(t[sel], bins=edges, weights=index.wire_length[sel])
        ax_rate.stairs(
            counts / widths,
            edges,
            color=_DIRECTION_COLORS[d],
            fill=False,
            baseline=None,
            label=f"{DIRECTION_ARROWS[d]} wire bytes/s",
        )
    ax_rate.set_ylabel("bytes/s")
    ax_rate.grid(True, alpha=0.3)
    ax_rate.yaxis.set_major_formatter(FuncFormatter(_bytes_label))
    ax_rate.set_ylim(bottom=0)
    ax_rate.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=8, frameon=False,
                   borderaxespad=0.2)

    # Ping round trips.
    sent, rtts = ping_round_trips(index)
    if len(rtts):
        pick = decimate(sent, rtts, max(max_points // 4, 2))
        ax_rtt.plot(
            (sent[pick] - index.t0_ns) / 1e9,
            rtts[pick] / 1e6,
            marker="o",
            markersize=4,
            color=OPCODE_COLORS["ping"],
            linewidth=1,
        )
        ax_rtt.set_ylim(bottom=0)
        ax_rtt.set_title(
            f"ping round trips: {len(rtts)}, median {np.median(rtts) / 1e6:.3g} ms",
            fontsize=9,
            loc="left",
        )
    else:
        ax_rtt.text(0.5, 0.5, "no ping answered by a pong", ha="center", va="center", color="#80868b",
                    transform=ax_rtt.transAxes)
    ax_rtt.set_ylabel("RTT (ms)")
    ax_rtt.set_xlabel("time since the first byte (s)")
    ax_rtt.grid(True, alpha=0.3)
    return fig


def _bytes_label(value: float, _pos: object = None) -> str:
    """1536 -> "1.5k": short tick labels for byte counts."""
    v = abs(value)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.3g}"


def figure_png(fig: Figure, *, dpi: int = 96) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image`` or a file)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
