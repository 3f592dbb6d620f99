"""What a probe found: per case what was sent, what the server did, what the RFC requires, and a verdict.

A :class:`ProbeReport` is data: one :class:`ProbeResult` per case, each keeping the case (what was sent,
the rule and its section), an :class:`Observation` (what the server did: HTTP status, messages and
pongs it sent back, its close code and reason, or that it dropped the connection or stayed silent),
the :class:`Verdict` with the reason for it, and the case's wire log as a
:class:`~wsexplorer.record.session.Session`. :meth:`ProbeReport.to_json` is the form for CI (verdicts
and observations, no bytes); views are in :mod:`wsexplorer.render.probe`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from ...record.session import Session

if TYPE_CHECKING:
    from .plan import ProbeCase

__all__ = ["ENDINGS", "Observation", "ProbeReport", "ProbeResult", "Received", "Verdict"]

REPORT_FORMAT = "wsexplorer-probe"
REPORT_VERSION = 1


class Verdict(str, Enum):
    """How the server's behaviour compares with what the RFC requires of it."""

    CONFORMS = "conforms"  # did what the rule requires
    DEVIATES = "deviates"  # broke a MUST (the explanation names the rule and its section)
    INFORMATIONAL = "informational"  # the RFC leaves the choice to the server: what it chose
    NOT_RUN = "not run"  # the case could not run (no connection, or the probe's total time was spent)


ENDINGS = {
    "open": "still open at the end of the case (it answered the closing ping)",
    "closed": "sent a close frame",
    "dropped": "closed the TCP connection without a close frame",
    "silent": "neither answered nor closed within the case's time",
    "refused": "refused the opening handshake",
    "no-handshake": "sent no complete handshake response",
    "error": "the connection could not be made",
}
"""How a case ended, in words (``Observation.ending``)."""


@dataclass(frozen=True, slots=True)
class Received:
    """A data message the server sent: its kind, size, and the first bytes (for showing)."""

    kind: str  # "text" or "binary"
    size: int
    head: bytes
    compressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "head": self.head.hex(), "compressed": self.compressed}


@dataclass(frozen=True)
class Observation:
    """What the server did in one case.

    ``status`` is the HTTP status of its handshake answer (``None``: no answer), ``headers`` that
    answer's header lines. ``messages`` and ``pongs`` are what it sent back before the case ended
    (``sentinel`` tells whether it answered the ping the probe sends last to learn whether the
    connection is still alive). ``close_code``/``close_reason`` come from its close frame (1005: a close
    frame without a code). ``ending`` is one of :data:`ENDINGS`. ``server_rule`` is a rule the server's
    own bytes broke (masked frames, a bad close code, a handshake answer that fails the client's check),
    as ``"rule (section)"``; ``probe_failed`` says the probe itself failed the connection because of
    such bytes before the server sent any close frame (a server that echoes a malformed frame back has
    not failed the connection, whatever close follows). ``seconds`` is how long the case took.
    """

    ending: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    messages: tuple[Received, ...] = ()
    pongs: tuple[bytes, ...] = ()
    sentinel: bool = False
    close_code: int | None = None
    close_reason: str = ""
    server_rule: str = ""
    probe_failed: bool = False
    error: str = ""
    seconds: float = 0.0

    def header(self, name: str) -> list[str]:
        """The values of every header line called ``name`` in the handshake answer."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def summary(self) -> str:
        """What the server did, in a few words (the report's "server did" column)."""
        if self.ending == "error":
            return f"no connection: {self.error}"
        if self.status is not None and self.status != 101:
            return f"HTTP {self.status}"
        parts = [] if self.status is None else ["101"]
        if self.messages:
            kinds = Counter(m.kind for m in self.messages)
            parts.append("echo " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        if self.pongs:
            parts.append(f"{len(self.pongs)} pong{'s' if len(self.pongs) > 1 else ''}")
        if self.ending == "closed":
            code = "no code" if self.close_code in (None, 1005) else str(self.close_code)
            reason = f" {self.close_reason!r}" if self.close_reason else ""
            parts.append(f"close {code}{reason}")
        elif self.ending != "open" or not parts:
            parts.append(self.ending)
        if self.server_rule:
            parts.append(f"server broke: {self.server_rule}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ending": self.ending,
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "messages": [m.to_dict() for m in self.messages],
            "pongs": [p.hex() for p in self.pongs],
            "sentinel": self.sentinel,
            "close_code": self.close_code,
            "close_reason": self.close_reason,
            "server_rule": self.server_rule,
            "probe_failed": self.probe_failed,
            "error": self.error,
            "seconds": round(self.seconds, 4),
            "summary": self.summary(),
        }


@dataclass(frozen=True, eq=False)
class ProbeResult:
    """One case run against the server: the case, what happened, the verdict and why, the wire log."""

    case: ProbeCase
    observed: Observation
    verdict: Verdict
    explanation: str
    session: Session | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.case.id

    def to_dict(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id,
            "category": c.category,
            "title": c.title,
            "sent": c.sends,
            "required": c.requires,
            "section": c.section,
            "observed": self.observed.to_dict(),
            "verdict": self.verdict.value,
            "explanation": self.explanation,
        }

    def __repr__(self) -> str:
        return f"<ProbeResult {self.case.id} {self.verdict.value}: {self.observed.summary()}>"


@dataclass(frozen=True, eq=False)
class ProbeReport:
    """Every case's result against one server (``url``), in case order, and how long it all took."""

    url: str
    results: tuple[ProbeResult, ...]
    seconds: float
    server: str = ""  # what the server says it is (its Server header), if it says

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Any:
        return iter(self.results)

    def __getitem__(self, case_id: str) -> ProbeResult:
        for r in self.results:
            if r.case.id == case_id:
                return r
        raise KeyError(case_id)

    def counts(self) -> dict[str, int]:
        """How many cases got each verdict (every verdict listed, zeros included)."""
        found = Counter(r.verdict for r in self.results)
        return {v.value: found.get(v, 0) for v in Verdict}

    def verdicts(self) -> dict[str, str]:
        """Case id -> verdict: the compact form committed as expected results."""
        return {r.case.id: r.verdict.value for r in self.results}

    def deviations(self) -> list[ProbeResult]:
        return [r for r in self.results if r.verdict is Verdict.DEVIATES]

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{self.url}: {len(self.results)} cases in {self.seconds:.1f} s: {c['conforms']} conform, "
            f"{c['deviates']} deviate, {c['informational']} informational"
            + (f", {c['not run']} not run" if c["not run"] else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "url": self.url,
            "server": self.server,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "cases": [r.to_dict() for r in self.results],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON for CI: every case's verdict, observation and explanation (no wire bytes)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __repr__(self) -> str:
        return f"<ProbeReport {self.summary()}>"
