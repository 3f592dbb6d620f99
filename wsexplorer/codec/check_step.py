"""One check of a handshake verdict, with its outcome and the rule behind it (RFC 6455 §4).

Both verdicts, the server's decision (:mod:`.server_decision`) and the client's check
(:mod:`.client_check`), are lists of :class:`CheckStep`: what was checked, pass / fail / note, in
words, the section, the HTTP status when the check failed a request, and the bytes it looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["CheckStep", "Outcome", "list_includes"]

Outcome = Literal["pass", "fail", "note"]


@dataclass(frozen=True, slots=True)
class CheckStep:
    """One check made deciding or verifying a handshake, with its outcome and the rule's source.

    ``outcome`` is ``"pass"``, ``"fail"`` (the handshake stops here) or ``"note"`` (a choice made,
    such as the subprotocol picked or an extension declined). ``start``/``end`` locate the bytes the
    check looked at, when there are some.
    """

    check: str
    outcome: Outcome
    detail: str
    section: str
    http_status: int | None = None
    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        status = f" -> HTTP {self.http_status}" if self.http_status else ""
        return f"[{self.outcome}] {self.check}: {self.detail} ({self.section}){status}"


def list_includes(values: Sequence[str], token: str) -> bool:
    """Whether a header's list has ``token``, compared case-insensitively (RFC 7230 §6.1, §6.7)."""
    return any(value.lower() == token for value in values)
