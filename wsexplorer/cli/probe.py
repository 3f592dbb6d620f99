"""``wsexplorer probe URL``: about 60 cases of the RFC's rules against a server, one line each.

Prints the report as text (``render/probe.py``), writes it as JSON (``--json``) and as a
self-contained HTML page (``--html``), and exits 1 when the server deviates from a rule, 4 when no case
could run (nothing listens, TLS fails), 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from ..live.probe import probe
from ..live.probe.report import Verdict
from ..render.probe import probe_page, probe_text
from .app import BROKEN_RULES, CONNECTION_FAILED, OK, CliError, Output

__all__ = ["run"]


def run(args: argparse.Namespace, output: Output) -> int:
    report = asyncio.run(
        probe(args.url, cases=args.cases or None, timeout=args.timeout, total_timeout=args.total)
    )
    output.out.print(probe_text(report), markup=False, highlight=False)
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
        output.note(f"wrote {args.json}")
    if args.html:
        Path(args.html).write_text(probe_page(report), encoding="utf-8")
        output.note(f"wrote {args.html}")
    if report.results and all(r.verdict is Verdict.NOT_RUN for r in report.results):
        raise CliError(f"probe: no case could run against {args.url}", CONNECTION_FAILED)
    return BROKEN_RULES if report.deviations() else OK
