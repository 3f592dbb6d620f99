"""Prints a live session's frames as they are recorded, both directions in the order they completed.

Used by ``connect``, ``serve`` and ``relay``: each new frame of the recorded
:class:`~wsexplorer.record.session.Session` is taken in its connection's context (the one replay
path, so a frame shows exactly the rules its receiver found broken) and printed as one line, or as a
full annotated dump with ``dump=True``.
"""

from __future__ import annotations

from ..record.session import C2S, S2C, Direction, Session
from ..render.describe import describe
from ..render.terminal import frame_line, styled
from .app import Output

__all__ = ["FramePrinter"]


class FramePrinter:
    """Call :meth:`update` whenever bytes may have been recorded; each frame is printed once."""

    def __init__(
        self,
        session: Session,
        output: Output,
        *,
        dump: bool = False,
        prefix: str = "",
        outgoing: Direction | None = None,
    ) -> None:
        self.session = session
        self.output = output
        self.dump = dump
        self.prefix = prefix
        self.printed = [0, 0]
        #: The direction printed with ``>`` (default: what the recording endpoint sent).
        self.sending: Direction = (
            outgoing if outgoing is not None else C2S if session.role == "client" else S2C
        )

    def update(self) -> None:
        """Print every frame completed since the last call, in the order they completed."""
        session = self.session
        new: list[tuple[int, Direction, int]] = []
        for direction in (C2S, S2C):
            count = session.frame_count(direction)
            for index in range(self.printed[direction], count):
                new.append((session.frame(direction, index).t_ns, direction, index))
            self.printed[direction] = count
        for _, direction, index in sorted(new):
            frame = session.replay(direction).frame(index)
            sent = direction == self.sending
            if self.dump:
                self.output.out.print(styled(describe(frame), frame))
                self.output.out.print()
            else:
                self.output.out.print(frame_line(frame, sent=sent, prefix=self.prefix))
