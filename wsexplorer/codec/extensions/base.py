"""The contract between the opening handshake and WebSocket extensions (RFC 6455 §9).

The handshake code knows nothing about permessage-deflate: it parses ``Sec-WebSocket-Extensions`` into
:class:`~wsexplorer.codec.headers.ExtensionOffer` values (the header grammar's elements) and asks each
configured :class:`Extension` to offer, accept or check. A successful negotiation yields a
:class:`NegotiatedExtension` that the connection uses to transform message payloads.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from ..headers import ExtensionOffer
from ..role import Role

__all__ = ["Extension", "ExtensionOffer", "NegotiatedExtension"]


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
