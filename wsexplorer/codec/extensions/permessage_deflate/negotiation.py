"""permessage-deflate negotiation: what a client offers, what a server accepts (RFC 7692 §5, §7.1).

:class:`PerMessageDeflate` is one endpoint's configuration. A client turns it into an offer and checks
the server's answer against it; a server answers the first acceptable offer. Both end with a
:class:`~.state.PerMessageDeflateState`, the parameters both sides agreed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ....errors import NegotiationError
from ...role import Role
from ..base import Extension, ExtensionOffer
from .params import (
    CLIENT_BITS,
    CLIENT_NCT,
    EXTENSION_NAME,
    MAX_BITS,
    MEM_LEVEL,
    SECTIONS,
    SERVER_BITS,
    SERVER_NCT,
    Unacceptable,
    check_bits,
    int_bits,
    parse_element,
    parse_params,
)
from .state import PerMessageDeflateState

__all__ = ["OfferReview", "PerMessageDeflate"]


@dataclass(frozen=True, slots=True)
class OfferReview:
    """A server's verdict on one offer: the response it would send, or why it declines (§5)."""

    index: int
    offer: ExtensionOffer
    response: ExtensionOffer | None
    reason: str

    @property
    def accepted(self) -> bool:
        return self.response is not None

    def __str__(self) -> str:
        verdict = f"accept -> {self.response}" if self.response is not None else "decline"
        return f"offer #{self.index} {str(self.offer)!r}: {verdict}: {self.reason}"


@dataclass(frozen=True)
class PerMessageDeflate(Extension):
    """The permessage-deflate configuration of one endpoint (RFC 7692 §7).

    The same four parameters mean slightly different things on each side (RFC 7692 §7.1):

    * client: ``server_no_context_takeover`` / ``client_no_context_takeover`` are put in the offer;
      ``server_max_window_bits=N`` asks the server to use at most 2**N bytes of window;
      ``client_max_window_bits=True`` (the default, as browsers send it) offers the parameter
      without a value ("the server may limit my window"), an int N also promises that the client
      uses at most N, ``None``/``False`` leaves it out.
    * server: ``server_no_context_takeover`` / ``client_no_context_takeover`` are always put in the
      response; ``server_max_window_bits=N`` caps the server's window (lower still if the client
      asks); ``client_max_window_bits=N`` (an int) asks every client for at most N and declines
      offers that did not include the parameter, since the response must not carry it then
      (§7.1.2.2); ``True``/``None`` asks nothing.

    ``compress_level`` and ``mem_level`` tune our own zlib compressor only; they are not negotiated.
    """

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | bool | None = True
    compress_level: int = 6
    mem_level: int = MEM_LEVEL

    name = EXTENSION_NAME

    def __post_init__(self) -> None:
        for flag in ("server_no_context_takeover", "client_no_context_takeover"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be True or False, not {getattr(self, flag)!r}")
        check_bits("server_max_window_bits", self.server_max_window_bits)
        check_bits("client_max_window_bits", self.client_max_window_bits, allow_true=True)
        if self.client_max_window_bits is False:
            object.__setattr__(self, "client_max_window_bits", None)
        if isinstance(self.compress_level, bool) or self.compress_level not in range(-1, 10):
            raise ValueError(f"compress_level must be from -1 to 9, not {self.compress_level!r}")
        if isinstance(self.mem_level, bool) or self.mem_level not in range(1, 10):
            raise ValueError(f"mem_level must be from 1 to 9, not {self.mem_level!r}")

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def from_offer(cls, element: ExtensionOffer) -> PerMessageDeflate:
        """The configuration offering exactly ``element``'s parameters; ValueError if invalid."""
        if element.name.lower() != EXTENSION_NAME:
            raise ValueError(f"not a {EXTENSION_NAME} element: {element.name!r}")
        try:
            p = parse_params(element, in_response=False)
        except Unacceptable as exc:
            raise ValueError(f"{exc.reason} ({exc.section})") from None
        return cls(
            server_no_context_takeover=p.server_no_context_takeover,
            client_no_context_takeover=p.client_no_context_takeover,
            server_max_window_bits=p.server_max_window_bits,
            client_max_window_bits=p.client_max_window_bits,
        )

    @classmethod
    def from_string(cls, text: str) -> PerMessageDeflate:
        """Parse one header element such as ``"permessage-deflate; client_max_window_bits"``.

        The result offers exactly the parameters written, so a bare ``"permessage-deflate"`` does
        *not* offer ``client_max_window_bits``; :func:`as_extension` maps the bare name to the
        defaults instead.
        """
        return cls.from_offer(parse_element(text))

    # -- client side -------------------------------------------------------------------------------

    def offer(self) -> ExtensionOffer:
        """The client's offer, parameters in RFC 7692 §7.1 order (§5.1)."""
        params: list[tuple[str, str | None]] = []
        if self.server_no_context_takeover:
            params.append((SERVER_NCT, None))
        if self.client_no_context_takeover:
            params.append((CLIENT_NCT, None))
        if self.server_max_window_bits is not None:
            params.append((SERVER_BITS, str(self.server_max_window_bits)))
        if self.client_max_window_bits is True:
            params.append((CLIENT_BITS, None))
        elif (bits := int_bits(self.client_max_window_bits)) is not None:
            params.append((CLIENT_BITS, str(bits)))
        return ExtensionOffer(EXTENSION_NAME, tuple(params))

    def check_response(self, response: ExtensionOffer, role: Role = "client") -> PerMessageDeflateState:
        """Accept the server's response to our offer or raise :class:`NegotiationError` (§5, §7.1).

        The client fails the connection (close code 1010) when the response is malformed or does not
        honour what the offer required.
        """
        if role != "client":
            raise ValueError("check_response() is the client's side of the negotiation (RFC 7692 §5)")
        if response.name.lower() != EXTENSION_NAME:
            raise NegotiationError(
                f"response element {response.name!r} is not {EXTENSION_NAME}",
                section="RFC 6455 §9.1",
            )
        try:
            p = parse_params(response, in_response=True)
        except Unacceptable as exc:
            raise NegotiationError(
                f"invalid {EXTENSION_NAME} response {str(response)!r}: {exc.reason}",
                section=exc.section,
            ) from None

        def fail(rule: str, param: str) -> NegotiationError:
            return NegotiationError(
                f"invalid {EXTENSION_NAME} response {str(response)!r}: {rule}",
                section=SECTIONS[param],
            )

        if self.server_no_context_takeover and not p.server_no_context_takeover:
            raise fail(
                "the offer asked for server_no_context_takeover but the response omits it, "
                "so the server did not accept the offer",
                SERVER_NCT,
            )
        server_bits = int_bits(p.server_max_window_bits)
        if self.server_max_window_bits is not None:
            if server_bits is None:
                raise fail(
                    f"the offer asked for server_max_window_bits={self.server_max_window_bits} "
                    "but the response omits it, so the server did not accept the offer",
                    SERVER_BITS,
                )
            if server_bits > self.server_max_window_bits:
                raise fail(
                    f"server_max_window_bits={server_bits} is larger than the "
                    f"{self.server_max_window_bits} offered",
                    SERVER_BITS,
                )
        client_bits = int_bits(p.client_max_window_bits)
        offered_client_bits = int_bits(self.client_max_window_bits)
        if client_bits is not None:
            if self.client_max_window_bits is None:
                raise fail(
                    "the response has client_max_window_bits but the offer did not include it",
                    CLIENT_BITS,
                )
            if offered_client_bits is not None and client_bits > offered_client_bits:
                raise fail(
                    f"client_max_window_bits={client_bits} is larger than the {offered_client_bits} offered",
                    CLIENT_BITS,
                )
        return PerMessageDeflateState(
            response,
            "client",
            server_no_context_takeover=p.server_no_context_takeover,
            # We promised in the offer not to use context takeover: keep the promise regardless.
            client_no_context_takeover=p.client_no_context_takeover or self.client_no_context_takeover,
            server_max_window_bits=server_bits or MAX_BITS,
            # Without a value in the response we stay within the value we offered, if any
            # (§7.1.2.2).
            client_max_window_bits=client_bits or offered_client_bits or MAX_BITS,
            compress_level=self.compress_level,
            mem_level=self.mem_level,
        )

    # -- server side -------------------------------------------------------------------------------

    def accept(
        self, offers: Sequence[ExtensionOffer], role: Role = "server"
    ) -> tuple[ExtensionOffer, PerMessageDeflateState, str] | None:
        """Take the first acceptable permessage-deflate offer, in the client's order (RFC 7692 §5).

        Offers with unknown or repeated parameters or invalid values are skipped, as are offers that
        lack ``client_max_window_bits`` when this server wants to limit the client's window
        (§7.1.2.2). Returns ``(response, state, explanation)``, or ``None`` when every offer is
        declined.
        """
        if role != "server":
            raise ValueError(
                "accept() is the server's side of the negotiation (RFC 7692 §5); "
                "a client calls offer() and check_response()"
            )
        declined: list[str] = []
        for index, element in enumerate(offers):
            if element.name.lower() != EXTENSION_NAME:
                continue
            try:
                response, state, reason = self._answer(element)
            except Unacceptable as exc:
                declined.append(f"declined offer #{index} {str(element)!r}: {exc.reason} ({exc.section})")
                continue
            explanation = f"offer #{index} {str(element)!r} accepted: {reason}"
            if declined:
                explanation += "; earlier " + "; ".join(declined)
            return response, state, explanation
        return None

    def review(self, offers: Sequence[ExtensionOffer]) -> list[OfferReview]:
        """The verdict on every permessage-deflate offer, for display (``accept`` stops early)."""
        reviews: list[OfferReview] = []
        for index, element in enumerate(offers):
            if element.name.lower() != EXTENSION_NAME:
                continue
            try:
                response, _state, reason = self._answer(element)
            except Unacceptable as exc:
                reviews.append(OfferReview(index, element, None, f"{exc.reason} ({exc.section})"))
            else:
                reviews.append(OfferReview(index, element, response, reason))
        return reviews

    def _answer(self, element: ExtensionOffer) -> tuple[ExtensionOffer, PerMessageDeflateState, str]:
        """The response to one offer, the server state, and why; raises Unacceptable to decline."""
        p = parse_params(element, in_response=False)
        notes: list[str] = []

        server_nct = p.server_no_context_takeover or self.server_no_context_takeover
        if server_nct:
            who = "the client asked" if p.server_no_context_takeover else "server configuration"
            notes.append(f"server resets its compressor after each message ({who}, §7.1.1.1)")
        client_nct = p.client_no_context_takeover or self.client_no_context_takeover
        if client_nct:
            who = "confirming the client's hint" if p.client_no_context_takeover else "server configuration"
            notes.append(f"client must reset its compressor after each message ({who}, §7.1.1.2)")

        # server_max_window_bits: never above what the client asked for (§7.1.2.1).
        asked = int_bits(p.server_max_window_bits)
        mine = self.server_max_window_bits
        server_bits: int | None
        if asked is not None:
            server_bits = asked if mine is None else min(asked, mine)
            notes.append(f"server window 2**{server_bits} bytes (client asked for at most {asked}, §7.1.2.1)")
        elif mine is not None:
            server_bits = mine
            notes.append(f"server window 2**{mine} bytes (server configuration, §7.1.2.1)")
        else:
            server_bits = None

        # client_max_window_bits: only in the response if the offer had it (§7.1.2.2).
        wanted = int_bits(self.client_max_window_bits)
        offered = p.client_max_window_bits
        client_bits: int | None = None
        if wanted is not None:
            if offered is None:
                raise Unacceptable(
                    f"server requires client_max_window_bits={wanted} but the offer does not "
                    "include client_max_window_bits, so the response may not carry it",
                    SECTIONS[CLIENT_BITS],
                )
            offered_bits = int_bits(offered)
            client_bits = wanted if offered_bits is None else min(wanted, offered_bits)
            notes.append(f"client window limited to 2**{client_bits} bytes (§7.1.2.2)")
        elif (offered_bits := int_bits(offered)) is not None:
            client_bits = offered_bits
            notes.append(f"client window 2**{client_bits} bytes, as the client offered (§7.1.2.2)")

        params: list[tuple[str, str | None]] = []
        if server_nct:
            params.append((SERVER_NCT, None))
        if client_nct:
            params.append((CLIENT_NCT, None))
        if server_bits is not None:
            params.append((SERVER_BITS, str(server_bits)))
        if client_bits is not None:
            params.append((CLIENT_BITS, str(client_bits)))
        response = ExtensionOffer(EXTENSION_NAME, tuple(params))
        state = PerMessageDeflateState(
            response,
            "server",
            server_no_context_takeover=server_nct,
            client_no_context_takeover=client_nct,
            server_max_window_bits=server_bits or MAX_BITS,
            client_max_window_bits=client_bits or MAX_BITS,
            compress_level=self.compress_level,
            mem_level=self.mem_level,
        )
        if not notes:
            notes.append("defaults: 32 KiB windows and context takeover both ways (§7.1)")
        return response, state, "; ".join(notes)
