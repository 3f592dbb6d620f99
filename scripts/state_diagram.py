"""Write docs/state-machine.md from the connection's transition table (a test checks they match).

python scripts/state_diagram.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wsexplorer.protocol.states import TRANSITIONS, mermaid  # noqa: E402

HEAD = """# The connection's state machine

Generated from `wsexplorer/protocol/states.py` by `python scripts/state_diagram.py`; a test fails when
this page and the table disagree. States are RFC 6455's (§4.1 CONNECTING and OPEN, §7.1.3 CLOSING,
§7.1.4 CLOSED). A trigger the table has no row for raises `InvalidState` and queues nothing: a close
frame before the handshake, data after the connection closed, `fail()` outside OPEN and CLOSING.

Rules that depend on more than the state are checked after the table allows the trigger, each with its
own section: no data after our close frame (§5.5.1), one close frame only (§5.5.1), control payloads
of at most 125 bytes (§5.5).
"""


def page() -> str:
    rows = ["| state | trigger | next state |", "|---|---|---|"]
    for state, moves in TRANSITIONS.items():
        rows += [f"| {state.name} | {trigger.value} | {after.name} |" for trigger, after in moves.items()]
    return f"{HEAD}\n```mermaid\n{mermaid()}\n```\n\n## Every transition\n\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    (ROOT / "docs" / "state-machine.md").write_text(page(), encoding="utf-8")
    print("wrote docs/state-machine.md")
