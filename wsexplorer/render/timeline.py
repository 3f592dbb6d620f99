"""A timeline of a session: frames over time (direction, size, opcode), throughput, and ping round trips.

Built from the vectorized frame columns (:class:`~wsexplorer.render.frame_table.FrameIndex`), so a session
of 100,000 frames draws in well under a second: the scatter of frames is decimated to at most
``max_points`` markers (per time bin the smallest and the largest frame are kept, so bursts and outliers
stay visible), while the throughput panel sums every frame. matplotlib is imported when a figure is drawn,
and figures are plain :class:`matplotlib.figure.Figure` objects (not registered with pyplot: nothing to
close, nothing leaks).
"""

from __future__ import annotations

import html
import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..record.frame_index import OPCODE_GROUPS, FrameIndex
from ..record.round_trips import ping_round_trips
from ..record.session import C2S, S2C, Session
from .frame_table import DIRECTION_ARROWS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "OPCODE_COLORS",
    "Timeline",
    "decimate",
    "figure_png",
    "legend_html",
    "ping_round_trips",
    "timeline_figure",
]

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
_MARKERS_TEXT = ("▲", "▼")
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


_GROUP_NAMES = tuple(OPCODE_COLORS)
_GROUP_OF_OPCODE = np.array(
    [next(k for k, name in enumerate(_GROUP_NAMES) if op in OPCODE_GROUPS[name]) for op in range(16)], np.int8
)


class Timeline:
    """A timeline figure built once and redrawn with new data: frames over time (marker: direction,
    colour: opcode, height: payload length), wire bytes per second each way, and ping round trips.

    Building axes, ticks and legends is most of matplotlib's cost for a small session, so a widget keeps
    one :class:`Timeline` and calls :meth:`update` (which only replaces the data and the limits)
    for each redraw. At most ``max_points`` frame markers are drawn (see :func:`decimate`).
    ``legend=False`` leaves the legends out (a widget can show them in HTML: :data:`OPCODE_COLORS`);
    matplotlib's legends cost about as much to draw as the rest of the figure.
    """

    def __init__(
        self,
        *,
        max_points: int = 5000,
        width: float = 10.0,
        height: float = 6.5,
        dpi: int = 96,
        legend: bool = True,
    ) -> None:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        self.max_points = max_points
        self.shown = 0
        self._canvas: Any = None
        self._background: Any = None
        self._background_key: tuple[tuple[float, ...], ...] | None = None
        self._rtt_key: tuple[FrameIndex, int] | None = None
        self._rtt: tuple[Any, Any, Any] = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8))
        self._facts: dict[str, Any] = {}
        # A fixed layout: constrained layout would measure every label at each draw.
        fig = Figure(figsize=(width, height), dpi=dpi)
        fig.subplots_adjust(left=0.08, right=0.985, top=0.88 if legend else 0.93, bottom=0.08, hspace=0.4)
        ax_frames, ax_rate, ax_rtt = fig.subplots(3, 1, sharex=True, height_ratios=(3.0, 1.3, 1.3))
        self.figure: Figure = fig
        self.axes = (ax_frames, ax_rate, ax_rtt)
        self._title = fig.suptitle("", fontsize=11, x=0.08, ha="left")

        empty = np.zeros((0, 2))
        self._markers: dict[tuple[int, str], Any] = {}
        for d in (C2S, S2C):
            for name, color in OPCODE_COLORS.items():
                control = name in ("close", "ping", "pong", "reserved")
                self._markers[d, name] = ax_frames.scatter(
                    empty[:, 0],
                    empty[:, 1],
                    s=64 if control else 36,
                    marker=_MARKERS[d],
                    color=color,
                    alpha=0.95 if control else 0.8,
                    edgecolors="white",
                    linewidths=0.5,
                    zorder=3 if control else 2,
                )
        ax_frames.set_yscale("symlog", linthresh=1)
        ax_frames.yaxis.set_major_formatter(FuncFormatter(_bytes_label))
        ax_frames.set_ylabel("payload length (bytes)")
        ax_frames.grid(True, alpha=0.3)
        handles = [
            Line2D([], [], marker="s", linestyle="", color=color, label=name)
            for name, color in OPCODE_COLORS.items()
        ] + [
            Line2D([], [], marker=_MARKERS[d], linestyle="", color="#5f6368", label=DIRECTION_ARROWS[d])
            for d in (C2S, S2C)
        ]
        if legend:
            ax_frames.legend(
                handles=handles,
                loc="lower left",
                bbox_to_anchor=(0.0, 1.0),
                ncols=len(handles),
                fontsize=8,
                frameon=False,
                borderaxespad=0.2,
                handletextpad=0.1,
                columnspacing=1.0,
            )

        self._rates = [
            ax_rate.stairs(
                [0.0],
                [0.0, 1.0],
                color=_DIRECTION_COLORS[d],
                fill=False,
                baseline=None,
                label=f"{DIRECTION_ARROWS[d]} wire bytes/s",
            )
            for d in (C2S, S2C)
        ]
        ax_rate.set_ylabel("bytes/s")
        ax_rate.yaxis.set_major_locator(MaxNLocator(3))
        ax_rate.yaxis.set_major_formatter(FuncFormatter(_bytes_label))
        ax_rate.grid(True, alpha=0.3)
        if legend:
            ax_rate.legend(
                loc="lower left",
                bbox_to_anchor=(0.0, 1.0),
                ncols=2,
                fontsize=8,
                frameon=False,
                borderaxespad=0.2,
            )

        self._rtt_lines = [
            ax_rtt.plot([], [], marker=_MARKERS[d], markersize=7, color=_DIRECTION_COLORS[d], linewidth=1)[0]
            for d in (C2S, S2C)
        ]
        self._rtt_title = ax_rtt.text(
            0.005,
            0.96,
            "",
            fontsize=9,
            ha="left",
            va="top",
            transform=ax_rtt.transAxes,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
        self._no_rtt = ax_rtt.text(
            0.5,
            0.5,
            "no ping answered by a pong yet",
            ha="center",
            va="center",
            color="#80868b",
            transform=ax_rtt.transAxes,
        )
        ax_rtt.set_ylabel("round trip (ms)")
        ax_rtt.yaxis.set_major_locator(MaxNLocator(3))
        ax_rtt.set_xlabel("time since the first byte (s)")
        ax_rtt.grid(True, alpha=0.3)

    def update(self, session: Session | FrameIndex, *, title: str | None = None) -> Figure:
        """Replace the data with the session's (all of it, decimated); returns the figure."""
        index = session if isinstance(session, FrameIndex) else FrameIndex(session)
        index.update()
        ax_frames, ax_rate, ax_rtt = self.axes
        n = len(index)
        t = (index.t_ns - index.t0_ns) / 1e9
        size = index.payload_length
        groups = _GROUP_OF_OPCODE[index.opcode]  # index into _GROUP_NAMES

        # Control frames are few and tell the story (pings, closes): kept whole when they fit.
        control = np.isin(index.opcode, (0x8, 0x9, 0xA)) | (groups == _GROUP_NAMES.index("reserved"))
        budget_control = min(int(control.sum()), self.max_points // 4)
        picks = [np.zeros(0, np.int64)]
        for mask, budget in ((control, budget_control), (~control, self.max_points - budget_control)):
            where = np.flatnonzero(mask)
            for d in (C2S, S2C):
                sub = where[index.direction[where] == d]
                share = budget // 2 + (budget % 2 if d == C2S else 0)
                picks.append(sub[decimate(t[sub], size[sub], share)])
        keep = np.concatenate(picks)
        self.shown = 0
        for (way, name), markers in self._markers.items():
            sel = keep[(index.direction[keep] == way) & (groups[keep] == _GROUP_NAMES.index(name))]
            markers.set_offsets(np.column_stack([t[sel], size[sel]]))
            self.shown += len(sel)
        duration = float(t.max()) if n else 0.0
        # Limits move in steps (1, 1.2, 1.5, 2, 2.5...): while they stay, png() reuses the axes it drew.
        right = _nice_ceiling(max(duration * 1.02, 1e-3))
        ax_frames.set_xlim(-0.01 * right, right)
        ax_frames.set_ylim(-0.3, _nice_ceiling(max(float(size.max()) * 3 if n else 10.0, 10.0)))
        note = f"{n:,} frames" + (f", {self.shown:,} drawn (decimated)" if self.shown < n else "")
        where_to = index.session.meta.get("url") or index.session.meta.get("server") or ""
        self._title.set_text(title or f"Frames over time — {note}" + (f" — {where_to}" if where_to else ""))

        # Throughput: every frame counted, binned in time.
        nbins = int(min(200, max(10, n // 20)))
        edges = np.linspace(0.0, max(duration, 1e-3), nbins + 1)
        top = 0.0
        for d, steps in zip((C2S, S2C), self._rates, strict=True):
            sel = index.direction == d
            counts, _ = np.histogram(t[sel], bins=edges, weights=index.wire_length[sel])
            rate = counts / np.diff(edges)
            steps.set_data(rate, edges)
            top = max(top, float(rate.max()))
        ax_rate.set_ylim(0, _nice_ceiling(top * 1.1) if top > 0 else 1.0)

        # Ping round trips.
        if self._rtt_key != (index, index.version):  # parses every ping and pong: cached
            self._rtt = ping_round_trips(index)
            self._rtt_key = (index, index.version)
        sent, rtts, pinger = self._rtt
        words = []
        for d, line in zip((C2S, S2C), self._rtt_lines, strict=True):
            mine = pinger == d
            s, r = sent[mine], rtts[mine]
            pick = decimate(s, r, max(self.max_points // 8, 2))
            line.set_data((s[pick] - index.t0_ns) / 1e9, r[pick] / 1e6)
            if len(r):
                who = "client's pings" if d == C2S else "server's pings"
                words.append(f"{_MARKERS_TEXT[d]} {who}: {len(r)}, median {np.median(r) / 1e6:.3f} ms")
        self._no_rtt.set_visible(not len(rtts))
        self._rtt_title.set_text("   ".join(words))
        top = float(rtts.max()) / 1e6 * 1.25 if len(rtts) else 1.0
        ax_rtt.set_ylim(0, _nice_ceiling(max(top, 1e-3)))
        self._facts = {
            "frames": n,
            "c2s": int((index.direction == C2S).sum()),
            "duration": duration,
            "rtt": words,
            "url": where_to,
        }
        return self.figure

    def describe(self) -> str:
        """The figure in words (an image's text alternative): what is drawn and the round trips."""
        f = self._facts
        if not f:
            return "Timeline (not drawn yet)."
        n, c2s = f["frames"], f["c2s"]
        text = (
            f"Timeline of {n:,} frames over {f['duration']:.3f} s ({c2s:,} client to server, "
            f"{n - c2s:,} server to client): each frame as a marker at its time and payload length, "
            "wire bytes per second each way, and ping round trips. "
        )
        text += ("Round trips: " + "; ".join(f["rtt"]) + ".") if f["rtt"] else "No ping answered by a pong."
        return text.replace("▲ ", "").replace("▼ ", "")

    def _overlay(self) -> list[Any]:
        """What changes with the data: drawn over the cached axes by :meth:`png`."""
        return [
            *self._markers.values(),
            *self._rates,
            *self._rtt_lines,
            self._title,
            self._rtt_title,
            self._no_rtt,
        ]

    def png(self) -> bytes:
        """The figure as PNG bytes, fast for a redraw: the axes, ticks and labels are drawn once per
        set of axis limits and kept as a bitmap; only the data (and titles) are drawn over it."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        if self._canvas is None:
            self._canvas = FigureCanvasAgg(self.figure)
        canvas = self._canvas
        overlay = self._overlay()
        key = tuple(ax.get_xlim() + ax.get_ylim() for ax in self.axes)
        if key != self._background_key:
            shown = [artist.get_visible() for artist in overlay]
            for artist in overlay:
                artist.set_visible(False)
            try:
                canvas.draw()
            finally:
                for artist, visible in zip(overlay, shown, strict=True):
                    artist.set_visible(visible)
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in overlay:
            if artist.get_visible():
                artist.draw(renderer)
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1)
        return buf.getvalue()


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= ``value`` > 0."""
    exponent = math.floor(math.log10(value))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        nice = step * 10.0**exponent
        if nice >= value * (1 - 1e-12):
            return nice
    return 10.0 ** (exponent + 1)


def timeline_figure(
    session: Session | FrameIndex,
    *,
    max_points: int = 5000,
    width: float = 10.0,
    height: float = 6.5,
    title: str | None = None,
) -> Figure:
    """A new timeline :class:`~matplotlib.figure.Figure` of the session (see :class:`Timeline`):
    frames over time, bytes per second each way, ping round trips; at most ``max_points`` markers.
    """
    return Timeline(max_points=max_points, width=width, height=height).update(session, title=title)


def legend_html() -> str:
    """The timeline's legends as HTML (for :class:`Timeline` drawn with ``legend=False``), and what
    its round trips measure."""
    items = [
        f'<span class="wsx-tl-swatch" style="background:{color}"></span>&nbsp;{html.escape(name)}'
        for name, color in OPCODE_COLORS.items()
    ]
    items += [f"{'&#9650;' if d == C2S else '&#9660;'}&nbsp;{DIRECTION_ARROWS[d]}" for d in (C2S, S2C)]
    items += [
        f'<span class="wsx-tl-swatch" style="background:{_DIRECTION_COLORS[d]}"></span>&nbsp;'
        f"{DIRECTION_ARROWS[d]} wire bytes/s"
        for d in (C2S, S2C)
    ]
    note = (
        "Round trips here are measured on the recording: from the moment the ping's bytes were written "
        "to the moment the pong's bytes were read, in milliseconds. The round trip a program reports "
        "(the Ping button's) also counts its own scheduling around those two moments, so it is a little "
        "longer."
    )
    return (
        '<div class="wsx-timeline-legend" style="font-size:12px">'
        "<style>.wsx-tl-swatch { display:inline-block; width:10px; height:10px; border-radius:2px; }</style>"
        '<div style="display:flex; flex-wrap:wrap; gap:4px 14px">'
        + "".join(f"<span>{item}</span>" for item in items)
        + f'</div><div style="margin-top:4px">{html.escape(note)}</div></div>'
    )


def _bytes_label(value: float, _pos: object = None) -> str:
    """1536 -> "1.5k": short tick labels for byte counts."""
    v = abs(value)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.3g}"


def figure_png(fig: Figure, *, dpi: int = 96) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image`` or a file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
