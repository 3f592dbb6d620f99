"""``await probe(url)``: run the probe cases against a server, one connection each, within a time budget.

Cases run one after another (a server's behaviour in one case must not depend on another's traffic),
each with its own deadline (``timeout``) and all within ``total_timeout``: a case that cannot start
before the budget is spent is reported as not run, so a probe of a server that never answers still
ends in bounded time. Each case's wire log is kept in its result's ``session``.
"""

from __future__ import annotations

import asyncio
import os
import ssl as ssl_module
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from ...record.session import Session
from ..tls import client_context
from .cases import select
from .plan import ProbeCase, Rng
from .report import Observation, ProbeReport, ProbeResult, Verdict
from .wire import run_plan

__all__ = ["probe", "run_case"]

_MIN_CASE_TIME = 0.05  # seconds: below this left in the budget, the remaining cases are not run


async def run_case(
    case: ProbeCase,
    url: str,
    *,
    timeout: float = 2.0,
    rng: Rng = os.urandom,
    ssl: ssl_module.SSLContext | None = None,
) -> ProbeResult:
    """Run one case against ``url``; its result, judged, with the wire log as a session."""
    session = Session("client", meta={"url": url, "probe_case": case.id, "probe_title": case.title})
    # A hard bound over everything (connect, handshake, frames, closing), in case a wait misbehaves.
    try:
        observed = await asyncio.wait_for(
            run_plan(case.plan, url, session, timeout=timeout, rng=rng, ssl=ssl), timeout + 3.0
        )
    except asyncio.TimeoutError:
        observed = Observation("silent", error=f"the case did not finish within {timeout + 3.0:.1f} s")
    verdict, why = case.judge(observed)
    session.meta["probe_verdict"] = verdict.value
    return ProbeResult(case, observed, verdict, why, session)


async def probe(
    url: str,
    *,
    cases: Iterable[str | ProbeCase] | None = None,
    timeout: float = 2.0,
    total_timeout: float = 60.0,
    ssl: ssl_module.SSLContext | str | Path | None = None,
    rng: Rng = os.urandom,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> ProbeReport:
    """What does the server at ``url`` do with the rules? Run the probe cases and judge each.

    ``cases`` chooses cases by id or category (see :func:`~.cases.select`; all by default).
    ``timeout`` bounds the wait for the server's answers in one case (a case that ends with the
    server silent takes that long); ``total_timeout`` bounds the whole probe. ``ssl`` is for
    ``wss://`` (a context, or the path of a CA file; default: the system's CAs). ``rng`` makes the
    keys and masks (fixed for repeatable bytes). ``on_result`` is called after each case (progress).
    The server should echo messages, as Autobahn's test servers do; one that does not still gets
    judged on every rule, with echoes only reported.
    """
    if timeout <= 0 or total_timeout <= 0:
        raise ValueError("timeout and total_timeout must be positive")
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"{url!r} is not a WebSocket URI (ws://host:port/path or wss://...; RFC 6455 §3)")
    context = client_context(ssl) if parts.scheme == "wss" else None
    chosen = select(cases)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    end = loop.time() + total_timeout
    results: list[ProbeResult] = []
    server = ""
    for case in chosen:
        left = end - loop.time()
        if left < _MIN_CASE_TIME:
            skipped = Observation("error", error=f"the probe's total time ({total_timeout:g} s) was spent")
            result = ProbeResult(case, skipped, Verdict.NOT_RUN, skipped.error)
        else:
            result = await run_case(case, url, timeout=min(timeout, left), rng=rng, ssl=context)
            server = server or next(iter(result.observed.header("Server")), "")
        results.append(result)
        if on_result is not None:
            on_result(result)
    return ProbeReport(url, tuple(results), time.perf_counter() - started, server)
