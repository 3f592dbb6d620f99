"""The two ends of a WebSocket connection (RFC 6455 §1.3, §4).

The role decides who masks (the client, §5.1), who decides the handshake (the server, §4.2) and which
side of a negotiated extension's parameters applies (RFC 7692 §7.1). One type, used everywhere.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["ROLES", "Role", "peer_of"]

Role = Literal["client", "server"]
"""``"client"`` opens the connection and masks what it sends; ``"server"`` answers and never masks."""

ROLES: tuple[Role, Role] = ("client", "server")


def peer_of(role: Role) -> Role:
    """The other end: ``"server"`` for ``"client"`` and the reverse."""
    if role == "client":
        return "server"
    if role == "server":
        return "client"
    raise ValueError(f"role must be 'client' or 'server', not {role!r}")
