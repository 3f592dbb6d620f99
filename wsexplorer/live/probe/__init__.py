"""``await probe(url)``: what does a WebSocket server do with the rules of RFC 6455 and RFC 7692?

About sixty cases modelled on the Autobahn|Testsuite categories and on the RFC's MUSTs, each on its own
connection with its own timeout and all within a total time. The :class:`ProbeReport` says per case
what was sent, what the server did, what the RFC requires and a :class:`Verdict`, and keeps each case's
wire log as a :class:`~wsexplorer.record.session.Session`; ``report.to_json()`` is for CI.

- ``cases``: every case (:data:`CASES`) and :func:`select`; ``plan``: a case as data;
  ``framing_cases``, ``message_cases``, ``handshake_cases``: the cases themselves;
- ``expect``: the judges (an observation in, a verdict out; no I/O);
- ``wire``: one case on the wire; ``runner``: :func:`probe` and :func:`run_case`;
- ``report``: :class:`ProbeReport`, :class:`ProbeResult`, :class:`Observation`, :class:`Verdict`.
"""

from .cases import CASES, CATEGORIES, select
from .plan import SENTINEL, Plan, ProbeCase
from .report import ENDINGS, Observation, ProbeReport, ProbeResult, Received, Verdict
from .runner import probe, run_case

__all__ = [
    "CASES",
    "CATEGORIES",
    "ENDINGS",
    "SENTINEL",
    "Observation",
    "Plan",
    "ProbeCase",
    "ProbeReport",
    "ProbeResult",
    "Received",
    "Verdict",
    "probe",
    "run_case",
    "select",
]
