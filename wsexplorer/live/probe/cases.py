"""Every probe case, in report order, and choosing some of them by id.

About sixty cases modelled on the Autobahn|Testsuite categories (1 framing, 2 pings, 3 reserved bits,
4 opcodes, 5 fragmentation, 6 UTF-8, 7 close, 9 limits, 10 masking) and on the MUSTs of RFC 6455 §4
and RFC 7692 §7 (11 handshake, 12 compression).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .framing_cases import FRAMING_CASES
from .handshake_cases import HANDSHAKE_CASES
from .message_cases import MESSAGE_CASES
from .plan import ProbeCase

__all__ = ["CASES", "CATEGORIES", "select"]


def _key(case: ProbeCase) -> tuple[int, ...]:
    return tuple(int(p) for p in case.id.split("."))


CASES: tuple[ProbeCase, ...] = tuple(sorted(FRAMING_CASES + MESSAGE_CASES + HANDSHAKE_CASES, key=_key))
"""Every case, ordered by id."""

CATEGORIES: dict[str, str] = {}
for _case in CASES:
    CATEGORIES.setdefault(_case.id.split(".")[0], _case.category)


def select(chosen: Iterable[str | ProbeCase] | None = None) -> list[ProbeCase]:
    """The cases ``chosen`` by id (``"7.3"``), by category number (``"7"`` or ``"7.*"``) or as objects;
    all of them for ``None``. ValueError names an id that matches no case."""
    if chosen is None:
        return list(CASES)
    out: list[ProbeCase] = []
    for item in chosen:
        if isinstance(item, ProbeCase):
            found: Sequence[ProbeCase] = [item]
        else:
            prefix = item.removesuffix(".*").removesuffix("*")
            found = [c for c in CASES if c.id == prefix or c.id.split(".")[0] == prefix]
            if not found:
                raise ValueError(f"no probe case {item!r}: ids are like '7.3', categories like '7'")
        out.extend(c for c in found if c not in out)
    return out
