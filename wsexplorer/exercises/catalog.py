"""Every kind of exercise, by topic: generate one by name and seed, or a whole set for a student.

A seed is a number or a student id (:func:`~wsexplorer.exercises.model.seed_from`): the same id
always gives the same questions, and two students get different ones. Kinds are named
``topic.what`` (``frames.decode``); :data:`KINDS` lists them in teaching order.
"""

from __future__ import annotations

from collections.abc import Callable

from .deflate import params_exercise, rsv1_exercise
from .fragmentation import close_exercise, reassemble_exercise
from .frame_build import build_exercise, malformed_exercise
from .frames import decode_exercise, unmask_exercise
from .handshake import accept_exercise, negotiate_exercise
from .handshake_faults import request_fault_exercise, response_fault_exercise
from .model import Exercise, seed_from

__all__ = ["KINDS", "TOPICS", "exercise_set", "generate"]

Generator = Callable[[int], Exercise]

KINDS: dict[str, Generator] = {
    "handshake.accept": accept_exercise,
    "handshake.request_fault": request_fault_exercise,
    "handshake.response_fault": response_fault_exercise,
    "handshake.negotiate": negotiate_exercise,
    "frames.decode": decode_exercise,
    "frames.build": build_exercise,
    "frames.unmask": unmask_exercise,
    "frames.malformed": malformed_exercise,
    "fragments.reassemble": reassemble_exercise,
    "fragments.close": close_exercise,
    "deflate.rsv1": rsv1_exercise,
    "deflate.params": params_exercise,
}
"""Every exercise kind, in teaching order."""

TOPICS: dict[str, tuple[str, ...]] = {
    "handshake": tuple(k for k in KINDS if k.startswith("handshake.")),
    "frames": tuple(k for k in KINDS if k.startswith("frames.")),
    "fragmentation": tuple(k for k in KINDS if k.startswith("fragments.")),
    "compression": tuple(k for k in KINDS if k.startswith("deflate.")),
}
"""The kinds of each topic (one assignment notebook per topic)."""


def generate(kind: str, seed: int | str | None = None) -> Exercise:
    """One exercise of ``kind`` for ``seed`` (a number or a student id); the same seed, the same question."""
    try:
        make = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown exercise kind {kind!r}; the kinds are {list(KINDS)}") from None
    return make(seed_from(seed))


def exercise_set(seed: int | str | None = None, topic: str | None = None) -> list[Exercise]:
    """One exercise of every kind (of ``topic``, when given) for ``seed``."""
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; the topics are {list(TOPICS)}")
    kinds = TOPICS[topic] if topic is not None else tuple(KINDS)
    return [generate(kind, seed) for kind in kinds]
