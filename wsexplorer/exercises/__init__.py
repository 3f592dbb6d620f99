"""Exercises with checked answers, and a checker for a student's own WebSocket code.

* :func:`generate` / :func:`exercise_set`: seeded questions (``seed=`` a number or a student id) on
  the handshake, frames, fragmentation and control frames, and permessage-deflate. Each
  :class:`Exercise` has parts, hints pointing at the RFC, a worked answer, and ``check(answer)``
  returning a :class:`CheckResult` with feedback per part; answers are compared by value (hex with or
  without spaces, base64 with or without padding, ``0x7E`` or ``126``).
* :func:`check_implementation`: a student's ``compute_accept``, ``parse_frame`` and ``build_frame`` run
  in a sandboxed process against the reference codec, with a score and a report per case.
* :func:`check_server`: a student's echo server, started from its command line, against RFC cases and
  the seed's clients.

Views: :mod:`wsexplorer.render.exercises`; the widget: :mod:`wsexplorer.widgets.exercise`.
"""

from __future__ import annotations

from .catalog import KINDS, TOPICS, exercise_set, generate
from .checker import CaseReport, ImplementationReport, check_implementation
from .checker_cases import ROLES
from .model import CheckResult, Exercise, Hint, Part, PartResult, seed_from
from .sandbox import Limits
from .server_check import ServerReport, check_server
from .student_code import CodeNotUsable

__all__ = [
    "KINDS",
    "ROLES",
    "TOPICS",
    "CaseReport",
    "CheckResult",
    "CodeNotUsable",
    "Exercise",
    "Hint",
    "ImplementationReport",
    "Limits",
    "Part",
    "PartResult",
    "ServerReport",
    "check_implementation",
    "check_server",
    "exercise_set",
    "generate",
    "seed_from",
]
