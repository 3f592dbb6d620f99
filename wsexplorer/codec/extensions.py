"""The contract between the opening handshake and WebSocket extensions (RFC 6455 §9).

The handshake code knows nothing about permessage-deflate: it parses ``Sec-WebSocket-Extensions`` into
:class:`ExtensionOffer` values and asks each configured :class:`Extension` to offer, accept or check.
A successful negotiation yields a :class:`NegotiatedExtension` that the connection uses to transform
message payloads.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["client", "server"]

__all__ = ["Extension", "ExtensionOffer", "NegotiatedExtension", "Role"]


@dataclass(frozen=True, slots=True)
class ExtensionOffer:
    """One element of a ``Sec-WebSocket-Extensions`` header: a name and its parameters, in order.

    A parameter without a value (``client_max_window_bits`` in an offer) has the value ``None``.
    Values are stored unquoted (RFC 7230 §3.2.6 quoted strings are decoded by the header parser).
    """

    name: str
    params: tuple[tuple[str, str | None], ...] = ()

    def param_names(self) -> list[str]:
        return [k for k, _ in self.params]

    def __str__(self) -> str:
        parts = [self.name]
        for key, value in self.params:
            parts.append(key if value is None else f"{key}={_quote_if_needed(value)}")
        return "; ".join(parts)


def _quote_if_needed(value: str) -> str:
    if value and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class NegotiatedExtension(abc.ABC):
    """An extension in use on one connection: it transforms message payloads in both directions."""

    name: str

    @property
    @abc.abstractmethod
    def agreed(self) -> ExtensionOffer:
        """The parameters as the server's response states them."""

    @property
    @abc.abstractmethod
    def rsv1(self) -> bool:
        """True when the extension uses the RSV1 bit (permessage-deflate does, RFC 7692 §6)."""


class Extension(abc.ABC):
    """A configured extension: what a client offers, what a server accepts, what a client can take."""

    name: str

    @abc.abstractmethod
    def offer(self) -> ExtensionOffer:
        """Client side: the offer to send in ``Sec-WebSocket-Extensions``."""

    @abc.abstractmethod
    def accept(
        self, offers: Sequence[ExtensionOffer], role: Role = "server"
    ) -> tuple[ExtensionOffer, NegotiatedExtension, str] | None:
        """Server side: pick the first acceptable offer of this extension's name.

        Returns the response element, the negotiated state, and a sentence explaining the choice;
        ``None`` to decline all offers (the server then answers without the extension).
        """

    @abc.abstractmethod
    def check_response(self, response: ExtensionOffer, role: Role = "client") -> NegotiatedExtension:
        """Client side: accept the server's response or raise :class:`~wsexplorer.errors.NegotiationError`."""
