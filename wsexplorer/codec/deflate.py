"""permessage-deflate (RFC 7692): negotiation, per-message compression, and an inspectable view.

Three pieces, in the order a connection meets them:

* :class:`PerMessageDeflate` is the configuration. A client turns it into an offer, a server checks
  offers against it (RFC 7692 §5, §7.1), and a client checks the server's response against what it
  offered.
* :class:`PerMessageDeflateState` is what both sides agreed on. It compresses whole outgoing
  messages and inflates incoming ones frame by frame (RFC 7692 §7.2.1, §7.2.2), with a size limit
  that stops a decompression bomb before it is inflated.
* :class:`CompressedMessage` shows one message both ways: the bytes on the wire, the four bytes the
  receiver appends, the inflated payload, and how much was saved.

Window bits 8. Python's zlib refuses a 256-byte window for raw DEFLATE compression (``wbits=-8``).
We still accept ``server_max_window_bits=8`` / ``client_max_window_bits=8`` for our own sending
direction and compress with a 512-byte window (``wbits=-9``): zlib never emits a match distance
longer than the window size minus 262 bytes (``MAX_DIST`` in its deflate), which is 250 for a
512-byte window, so every back-reference fits in the 256-byte window the peer agreed to. We never
*answer* with 9 when 8 was asked for. The tests prove the claim by inflating our output with a
decompressor limited to exactly 256 bytes across many messages.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..anatomy import Field, FieldList, Span, Violation
from ..errors import (
    HandshakeParseError,
    InternalError,
    InvalidPayloadData,
    MessageTooBig,
    NegotiationError,
)
from .extensions import Extension, ExtensionOffer, NegotiatedExtension, Role
from .headers import parse_extension_list

__all__ = [
    "EXTENSION_NAME",
    "SYNC_FLUSH_TAIL",
    "CompressedMessage",
    "OfferReview",
    "PerMessageDeflate",
    "PerMessageDeflateState",
    "as_extension",
    "inspect_compressed",
]

EXTENSION_NAME: Final = "permessage-deflate"

SYNC_FLUSH_TAIL: Final = b"\x00\x00\xff\xff"
"""End of an empty stored block: the sender drops it, the receiver adds it (RFC 7692 §7.2.1-2)."""

_MIN_BITS: Final = 8
_MAX_BITS: Final = 15

_SERVER_NCT: Final = "server_no_context_takeover"
_CLIENT_NCT: Final = "client_no_context_takeover"
_SERVER_BITS: Final = "server_max_window_bits"
_CLIENT_BITS: Final = "client_max_window_bits"
_KNOWN_PARAMS: Final = (_SERVER_NCT, _CLIENT_NCT, _SERVER_BITS, _CLIENT_BITS)

_SECTION: Final = {
    _SERVER_NCT: "RFC 7692 §7.1.1.1",
    _CLIENT_NCT: "RFC 7692 §7.1.1.2",
    _SERVER_BITS: "RFC 7692 §7.1.2.1",
    _CLIENT_BITS: "RFC 7692 §7.1.2.2",
}

# RFC 7692 §7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15, inclusive".
_WINDOW_BITS_VALUE: Final = re.compile(r"(?:[89]|1[0-5])")

_BTYPE_MEANING: Final = {
    0: "stored (no compression)",
    1: "fixed Huffman codes",
    2: "dynamic Huffman codes",
    3: "reserved (an error)",
}


# --------------------------------------------------------------------------------------------------
# Parameters of one extension element
# --------------------------------------------------------------------------------------------------


class _Unacceptable(Exception):
    """Internal: why one offer or response cannot be taken, with the section that says so."""

    def __init__(self, reason: str, section: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.section = section


@dataclass(frozen=True, slots=True)
class _Params:
    """The four RFC 7692 §7.1 parameters of one element (``True`` = a valueless one)."""

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | bool | None = None


def _window_bits(name: str, value: str | None, *, valueless_ok: bool) -> int | bool:
    if value is None:
        if valueless_ok:
            return True
        raise _Unacceptable(f"{name} needs a value from 8 to 15", _SECTION[name])
    if not _WINDOW_BITS_VALUE.fullmatch(value):
        raise _Unacceptable(
            f"{name}={value!r} is not a decimal integer from 8 to 15 without leading zeros",
            _SECTION[name],
        )
    return int(value)


def _parse_params(element: ExtensionOffer, *, in_response: bool) -> _Params:
    """Check the parameters of one element strictly (RFC 7692 §5, §7.1) and return them.

    Unknown names, repeated names and bad values make the element unusable: a server declines such
    an offer, a client fails the connection on such a response (RFC 7692 §5).
    """
    seen: set[str] = set()
    server_nct = client_nct = False
    server_bits: int | None = None
    client_bits: int | bool | None = None
    for key, value in element.params:
        if key not in _KNOWN_PARAMS:
            raise _Unacceptable(f"unknown parameter {key!r}", "RFC 7692 §5")
        if key in seen:
            raise _Unacceptable(f"parameter {key!r} appears more than once", "RFC 7692 §5")
        seen.add(key)
        if key in (_SERVER_NCT, _CLIENT_NCT):
            if value is not None:
                raise _Unacceptable(f"{key} takes no value (got {value!r})", _SECTION[key])
            if key == _SERVER_NCT:
                server_nct = True
            else:
                client_nct = True
        elif key == _SERVER_BITS:
            server_bits = int(_window_bits(key, value, valueless_ok=False))
        else:
            # Only an offer may carry client_max_window_bits without a value (§7.1.2.2).
            client_bits = _window_bits(key, value, valueless_ok=not in_response)
    return _Params(server_nct, client_nct, server_bits, client_bits)


def _check_bits(name: str, bits: object, *, allow_true: bool = False) -> None:
    if bits is None or (allow_true and isinstance(bits, bool)):
        return
    if isinstance(bits, bool) or not isinstance(bits, int) or not _MIN_BITS <= bits <= _MAX_BITS:
        extra = ", True (offer without a value)" if allow_true else ""
        raise ValueError(f"{name} must be an int from 8 to 15{extra} or None, not {bits!r}")


def _int_bits(value: int | bool | None) -> int | None:
    """A window-bits setting as a number, or None for absent / valueless."""
    if value is None or isinstance(value, bool):
        return None
    return value


# --------------------------------------------------------------------------------------------------
# Configuration: offer, accept, check
# --------------------------------------------------------------------------------------------------


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
    mem_level: int = 8

    name = EXTENSION_NAME

    def __post_init__(self) -> None:
        for flag in ("server_no_context_takeover", "client_no_context_takeover"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be True or False, not {getattr(self, flag)!r}")
        _check_bits("server_max_window_bits", self.server_max_window_bits)
        _check_bits("client_max_window_bits", self.client_max_window_bits, allow_true=True)
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
            p = _parse_params(element, in_response=False)
        except _Unacceptable as exc:
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
        return cls.from_offer(_parse_element(text))

    # -- client side -------------------------------------------------------------------------------

    def offer(self) -> ExtensionOffer:
        """The client's offer, parameters in RFC 7692 §7.1 order (§5.1)."""
        params: list[tuple[str, str | None]] = []
        if self.server_no_context_takeover:
            params.append((_SERVER_NCT, None))
        if self.client_no_context_takeover:
            params.append((_CLIENT_NCT, None))
        if self.server_max_window_bits is not None:
            params.append((_SERVER_BITS, str(self.server_max_window_bits)))
        if self.client_max_window_bits is True:
            params.append((_CLIENT_BITS, None))
        elif (bits := _int_bits(self.client_max_window_bits)) is not None:
            params.append((_CLIENT_BITS, str(bits)))
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
            p = _parse_params(response, in_response=True)
        except _Unacceptable as exc:
            raise NegotiationError(
                f"invalid {EXTENSION_NAME} response {str(response)!r}: {exc.reason}",
                section=exc.section,
            ) from None

        def fail(rule: str, param: str) -> NegotiationError:
            return NegotiationError(
                f"invalid {EXTENSION_NAME} response {str(response)!r}: {rule}",
                section=_SECTION[param],
            )

        if self.server_no_context_takeover and not p.server_no_context_takeover:
            raise fail(
                "the offer asked for server_no_context_takeover but the response omits it, "
                "so the server did not accept the offer",
                _SERVER_NCT,
            )
        server_bits = _int_bits(p.server_max_window_bits)
        if self.server_max_window_bits is not None:
            if server_bits is None:
                raise fail(
                    f"the offer asked for server_max_window_bits={self.server_max_window_bits} "
                    "but the response omits it, so the server did not accept the offer",
                    _SERVER_BITS,
                )
            if server_bits > self.server_max_window_bits:
                raise fail(
                    f"server_max_window_bits={server_bits} is larger than the "
                    f"{self.server_max_window_bits} offered",
                    _SERVER_BITS,
                )
        client_bits = _int_bits(p.client_max_window_bits)
        offered_client_bits = _int_bits(self.client_max_window_bits)
        if client_bits is not None:
            if self.client_max_window_bits is None:
                raise fail(
                    "the response has client_max_window_bits but the offer did not include it",
                    _CLIENT_BITS,
                )
            if offered_client_bits is not None and client_bits > offered_client_bits:
                raise fail(
                    f"client_max_window_bits={client_bits} is larger than the {offered_client_bits} offered",
                    _CLIENT_BITS,
                )
        return PerMessageDeflateState(
            response,
            "client",
            server_no_context_takeover=p.server_no_context_takeover,
            # We promised in the offer not to use context takeover: keep the promise regardless.
            client_no_context_takeover=p.client_no_context_takeover or self.client_no_context_takeover,
            server_max_window_bits=server_bits or _MAX_BITS,
            # Without a value in the response we stay within the value we offered, if any
            # (§7.1.2.2).
            client_max_window_bits=client_bits or offered_client_bits or _MAX_BITS,
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
            except _Unacceptable as exc:
                declined.append(f"declined offer #{index} {str(element)!r}: {exc.reason} ({exc.section})")
                continue
            explanation = f"accepted offer #{index} {str(element)!r}: {reason}"
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
            except _Unacceptable as exc:
                reviews.append(OfferReview(index, element, None, f"{exc.reason} ({exc.section})"))
            else:
                reviews.append(OfferReview(index, element, response, reason))
        return reviews

    def _answer(self, element: ExtensionOffer) -> tuple[ExtensionOffer, PerMessageDeflateState, str]:
        """The response to one offer, the server state, and why; raises _Unacceptable to decline."""
        p = _parse_params(element, in_response=False)
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
        asked = _int_bits(p.server_max_window_bits)
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
        wanted = _int_bits(self.client_max_window_bits)
        offered = p.client_max_window_bits
        client_bits: int | None = None
        if wanted is not None:
            if offered is None:
                raise _Unacceptable(
                    f"server requires client_max_window_bits={wanted} but the offer does not "
                    "include client_max_window_bits, so the response may not carry it",
                    _SECTION[_CLIENT_BITS],
                )
            offered_bits = _int_bits(offered)
            client_bits = wanted if offered_bits is None else min(wanted, offered_bits)
            notes.append(f"client window limited to 2**{client_bits} bytes (§7.1.2.2)")
        elif (offered_bits := _int_bits(offered)) is not None:
            client_bits = offered_bits
            notes.append(f"client window 2**{client_bits} bytes, as the client offered (§7.1.2.2)")

        params: list[tuple[str, str | None]] = []
        if server_nct:
            params.append((_SERVER_NCT, None))
        if client_nct:
            params.append((_CLIENT_NCT, None))
        if server_bits is not None:
            params.append((_SERVER_BITS, str(server_bits)))
        if client_bits is not None:
            params.append((_CLIENT_BITS, str(client_bits)))
        response = ExtensionOffer(EXTENSION_NAME, tuple(params))
        state = PerMessageDeflateState(
            response,
            "server",
            server_no_context_takeover=server_nct,
            client_no_context_takeover=client_nct,
            server_max_window_bits=server_bits or _MAX_BITS,
            client_max_window_bits=client_bits or _MAX_BITS,
            compress_level=self.compress_level,
            mem_level=self.mem_level,
        )
        if not notes:
            notes.append("defaults: 32 KiB windows and context takeover both ways (§7.1)")
        return response, state, "; ".join(notes)


def as_extension(value: Extension | str) -> Extension:
    """An :class:`Extension` from itself or a string; ``"permessage-deflate"`` alone means defaults.

    A string with parameters (``"permessage-deflate; server_max_window_bits=10"``) means exactly
    those.
    """
    if isinstance(value, Extension):
        return value
    if value.strip().lower() == EXTENSION_NAME:
        return PerMessageDeflate()
    element = _parse_element(value)
    if element.name.lower() != EXTENSION_NAME:
        raise ValueError(f"unknown extension {element.name!r}; only {EXTENSION_NAME} is built in")
    return PerMessageDeflate.from_offer(element)


def _parse_element(text: str) -> ExtensionOffer:
    """Parse one extension element, ``name *(";" param ["=" value])`` (RFC 6455 §9.1).

    The grammar is :func:`~wsexplorer.codec.headers.parse_extension_list`'s; ValueError when ``text``
    is not exactly one element.
    """
    try:
        elements = parse_extension_list([text])
    except HandshakeParseError as err:
        raise ValueError(f"{text!r} is not an extension element: {err.rule} ({err.section})") from None
    if len(elements) != 1:
        raise ValueError(f"expected one extension element, found a list: {text!r}")
    return elements[0]


# --------------------------------------------------------------------------------------------------
# Negotiated state: compress and inflate
# --------------------------------------------------------------------------------------------------


class PerMessageDeflateState(NegotiatedExtension):
    """permessage-deflate as agreed on one connection, seen from ``role`` (RFC 7692 §7.2).

    ``compress`` turns one whole outgoing message into the payload of a message with RSV1 set;
    ``decompress`` is called once per frame of an incoming compressed message, first to last. Our
    sending direction uses the ``role`` side's window and context-takeover settings, the receiving
    direction the peer's.
    """

    name = EXTENSION_NAME

    def __init__(
        self,
        agreed: ExtensionOffer,
        role: Role,
        *,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int = _MAX_BITS,
        client_max_window_bits: int = _MAX_BITS,
        compress_level: int = 6,
        mem_level: int = 8,
    ) -> None:
        if role not in ("client", "server"):
            raise ValueError(f"role must be 'client' or 'server', not {role!r}")
        _check_bits("server_max_window_bits", server_max_window_bits)
        _check_bits("client_max_window_bits", client_max_window_bits)
        self._agreed = agreed
        self.role: Role = role
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.compress_level = compress_level
        self.mem_level = mem_level
        self._compressor: zlib._Compress | None = None
        self._decompressor: zlib._Decompress | None = None
        self._receiving = False  # inside an incoming message (after its first frame, before FIN)
        self._received_compressed = 0  # compressed bytes of the current incoming message so far
        self._received_inflated = 0  # inflated bytes of the current incoming message so far
        self.messages_sent = 0
        self.messages_received = 0

    @classmethod
    def from_agreed(
        cls, agreed: ExtensionOffer, role: Role, *, compress_level: int = 6, mem_level: int = 8
    ) -> PerMessageDeflateState:
        """The state implied by a server response alone (absent window bits mean 15);
        NegotiationError if bad.

        A client that offered ``client_max_window_bits=N`` and got no value back should rather use
        the state :meth:`PerMessageDeflate.check_response` builds, which keeps the promised N.
        """
        try:
            p = _parse_params(agreed, in_response=True)
        except _Unacceptable as exc:
            raise NegotiationError(exc.reason, section=exc.section) from None
        return cls(
            agreed,
            role,
            server_no_context_takeover=p.server_no_context_takeover,
            client_no_context_takeover=p.client_no_context_takeover,
            server_max_window_bits=_int_bits(p.server_max_window_bits) or _MAX_BITS,
            client_max_window_bits=_int_bits(p.client_max_window_bits) or _MAX_BITS,
            compress_level=compress_level,
            mem_level=mem_level,
        )

    # -- NegotiatedExtension -----------------------------------------------------------------------

    @property
    def agreed(self) -> ExtensionOffer:
        return self._agreed

    @property
    def rsv1(self) -> bool:
        """A compressed message has RSV1 set on its first frame (RFC 7692 §6)."""
        return True

    # -- directions --------------------------------------------------------------------------------

    @property
    def local_no_context_takeover(self) -> bool:
        """True when we reset our compressor after every message we send (§7.1.1)."""
        if self.role == "server":
            return self.server_no_context_takeover
        return self.client_no_context_takeover

    @property
    def remote_no_context_takeover(self) -> bool:
        """True when the peer resets its compressor, so we reset our decompressor (§7.1.1)."""
        if self.role == "server":
            return self.client_no_context_takeover
        return self.server_no_context_takeover

    @property
    def local_window_bits(self) -> int:
        """The window our compressor may use, as negotiated (§7.1.2)."""
        return self.server_max_window_bits if self.role == "server" else self.client_max_window_bits

    @property
    def remote_window_bits(self) -> int:
        """The window the peer's compressor may use; our decompressor is sized to it (§7.1.2)."""
        return self.client_max_window_bits if self.role == "server" else self.server_max_window_bits

    @property
    def receiving(self) -> bool:
        """True between the first and the last frame of an incoming compressed message."""
        return self._receiving

    # -- sending -----------------------------------------------------------------------------------

    def _new_compressor(self) -> zlib._Compress:
        # zlib refuses wbits=-8 for raw DEFLATE; with -9 it never reaches back more than 250 bytes,
        # which fits the 256-byte window agreed (see the module docstring).
        wbits = max(self.local_window_bits, 9)
        return zlib.compressobj(self.compress_level, zlib.DEFLATED, -wbits, self.mem_level)

    def compress(self, payload: bytes) -> bytes:
        """Compress one whole message: DEFLATE, sync flush, drop the final ``00 00 ff ff`` (RFC 7692
        §7.2.1).

        With no context takeover on our side the compressor starts afresh for every message
        (§7.1.1).
        """
        if self._compressor is None or self.local_no_context_takeover:
            self._compressor = self._new_compressor()
        data = self._compressor.compress(payload) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        if not data.endswith(SYNC_FLUSH_TAIL):  # a sync flush always ends with an empty stored block
            raise InternalError(
                "zlib's sync flush did not end with 00 00 ff ff",
                section="RFC 7692 §7.2.1",
                fault="local",
            )
        if self.local_no_context_takeover:
            self._compressor = None  # nothing to keep; let the memory go
        self.messages_sent += 1
        return data[:-4]

    def compress_message(self, payload: bytes) -> CompressedMessage:
        """Like :meth:`compress`, but returns the inspectable view of the message."""
        takeover = self.messages_sent > 0 and not self.local_no_context_takeover
        compressed = self.compress(payload)
        return CompressedMessage(compressed, bytes(payload), takeover, self.local_window_bits)

    # -- receiving ---------------------------------------------------------------------------------

    def decompress(self, fragment: bytes, *, fin: bool, max_size: int | None = None) -> bytes:
        """Inflate the payload of one frame of an incoming compressed message (RFC 7692 §7.2.2).

        Call it for every frame of the message, first to last; on the last (``fin``) the receiver's
        ``00 00 ff ff`` is appended. ``max_size`` limits the whole inflated message (exactly
        ``max_size`` bytes is allowed): past it, :class:`MessageTooBig` (1009) is raised having
        inflated at most one byte more than the limit. Corrupt data raises
        :class:`InvalidPayloadData` (1007). Bytes after a block with BFINAL set are ignored
        (§7.2.3.4). After an error the current message is abandoned and the next one starts with a
        fresh decompressor; the connection is expected to fail anyway.
        """
        if not self._receiving:
            self._receiving = True
            self._received_compressed = 0
            self._received_inflated = 0
            # A fresh window when the peer promised no context takeover, or when its last message
            # ended the DEFLATE stream with a BFINAL block (no stream can continue after that).
            if self._decompressor is None or self.remote_no_context_takeover or self._decompressor.eof:
                self._decompressor = zlib.decompressobj(-self.remote_window_bits)
        self._received_compressed += len(fragment)
        try:
            out = self._inflate(fragment, max_size)
            # An empty compressed message carries no block at all: there is nothing to complete
            # (§7.2.3.6).
            if fin and self._received_compressed:
                out += self._inflate(SYNC_FLUSH_TAIL, max_size)
        except BaseException:
            self._receiving = False
            self._decompressor = None
            raise
        if fin:
            self._receiving = False
            self.messages_received += 1
            if self.remote_no_context_takeover:
                self._decompressor = None
        return out

    def _inflate(self, data: bytes, max_size: int | None) -> bytes:
        d = self._decompressor
        assert d is not None  # set by decompress() at the start of every message
        pieces: list[bytes] = []
        pending = data
        while pending and not d.eof:  # after BFINAL, zlib parks the rest in unused_data: ignored
            # Ask for one byte more than the room left: getting it proves the message is too big,
            # and zlib stops there instead of inflating the rest (0 would mean "no limit").
            limit = 0 if max_size is None else max_size - self._received_inflated + 1
            try:
                piece = d.decompress(pending, limit)
            except zlib.error as exc:
                raise InvalidPayloadData(f"invalid DEFLATE data: {exc}", section="RFC 7692 §7.2.2") from None
            self._received_inflated += len(piece)
            if max_size is not None and self._received_inflated > max_size:
                raise MessageTooBig(
                    f"the message inflates to more than max_size={max_size} bytes; "
                    f"stopped after {self._received_inflated} bytes",
                    section="RFC 6455 §7.4.1, §10.4",
                )
            pieces.append(piece)
            if len(d.unconsumed_tail) == len(pending) and not piece:
                break  # no progress possible (cannot happen with zlib, but never spin)
            pending = d.unconsumed_tail
        return b"".join(pieces)

    def reset(self) -> None:
        """Forget both LZ77 windows and any partial incoming message.

        Only for exploration: on a live connection the peer keeps its window, so resetting one side
        alone breaks context takeover.
        """
        self._compressor = None
        self._decompressor = None
        self._receiving = False
        self._received_compressed = 0
        self._received_inflated = 0

    def __repr__(self) -> str:
        return (
            f"PerMessageDeflateState(role={self.role!r}, agreed={str(self._agreed)!r}, "
            f"local_window_bits={self.local_window_bits}, "
            f"remote_window_bits={self.remote_window_bits}, "
            f"local_no_context_takeover={self.local_no_context_takeover}, "
            f"remote_no_context_takeover={self.remote_no_context_takeover})"
        )


# --------------------------------------------------------------------------------------------------
# Inspectable view
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompressedMessage:
    """One message both ways: the compressed payload on the wire and what it inflates to (RFC 7692
    §7.2).

    ``context_takeover`` says whether the compressor's window could hold earlier messages (so the
    payload may refer back to them, §7.1.1); ``window_bits`` is the window it was compressed with,
    when known. ``bytes(message)`` is the wire payload; :attr:`stream` is what the receiver actually
    inflates.
    """

    compressed: bytes
    inflated: bytes
    context_takeover: bool = False
    window_bits: int | None = None

    def __bytes__(self) -> bytes:
        return self.compressed

    @property
    def stream(self) -> bytes:
        """The wire payload plus the ``00 00 ff ff`` the receiver appends (RFC 7692 §7.2.2)."""
        return self.compressed + SYNC_FLUSH_TAIL

    @property
    def ratio(self) -> float | None:
        """Compressed size over inflated size (below 1 means smaller); None for an empty message."""
        return len(self.compressed) / len(self.inflated) if self.inflated else None

    @property
    def saving_percent(self) -> float | None:
        """How much smaller the wire payload is, in percent (negative when it grew)."""
        ratio = self.ratio
        return None if ratio is None else (1 - ratio) * 100

    @property
    def violations(self) -> Sequence[Violation]:
        return ()

    @property
    def fields(self) -> list[Field]:
        """Wire payload, first DEFLATE block header, implied tail, inflated payload."""
        stream = self.stream
        n = len(self.compressed)
        out = FieldList()
        out.add(
            stream,
            "compressed payload",
            Span.of_bytes(0, n),
            self.compressed,
            f"{n} bytes of DEFLATE blocks as sent; the sender removed the trailing 00 00 ff ff",
            "RFC 7692 §7.2.1",
            "wire",
        )
        if n:
            first = self.compressed[0]
            # DEFLATE packs header bits from the least significant bit: BFINAL is bit 0 of the first
            # byte (the last in MSB-first order), BTYPE bits 1-2 (RFC 1951 §3.1.1, §3.2.3).
            out.add(
                stream,
                "BFINAL",
                Span(7, 1),
                bool(first & 1),
                "last block of the DEFLATE stream" if first & 1 else "more blocks follow",
                "RFC 1951 §3.2.3, RFC 7692 §7.2.3.4",
                "first DEFLATE block",
            )
            btype = (first >> 1) & 3
            out.add(
                stream,
                "BTYPE",
                Span(5, 2),
                btype,
                _BTYPE_MEANING[btype],
                "RFC 1951 §3.2.3",
                "first DEFLATE block",
            )
        out.add(
            stream,
            "sync-flush tail",
            Span.of_bytes(n, n + 4),
            SYNC_FLUSH_TAIL,
            "not on the wire: the receiver appends 00 00 ff ff before inflating",
            "RFC 7692 §7.2.2",
            "implied",
        )
        fields = out.items
        fields.append(
            Field(
                "inflated payload",
                Span((n + 4) * 8, 0),
                b"",
                _preview(self.inflated),
                f"{len(self.inflated)} bytes after inflating",
                "RFC 7692 §7.2.2",
                "",
                "inflated",
            )
        )
        return fields

    def _summary(self) -> str:
        ratio = self.ratio
        saving = self.saving_percent
        if ratio is None or saving is None:
            how = "empty message"
        else:
            how = f"ratio {ratio:.2f}, saving {saving:.1f}%"
        sizes = f"{len(self.compressed)} bytes compressed -> {len(self.inflated)} bytes inflated"
        return f"{sizes} ({how})"

    def _settings(self) -> str:
        window = "unknown" if self.window_bits is None else f"2**{self.window_bits} bytes"
        takeover = "yes" if self.context_takeover else "no"
        return f"context takeover: {takeover}; window: {window}"

    def text(self) -> str:
        """A short annotated dump, one field per line."""
        lines = [f"{EXTENSION_NAME} message: {self._summary()}", f"  {self._settings()}"]
        for f in self.fields:
            value = f.bits if f.bits else f.display_value()
            lines.append(f"  {f.name:<20} {value:<40} {f.meaning} [{f.rfc_ref}]")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        rows = []
        for f in self.fields:
            value = f.bits if f.bits else f.display_value()
            rows.append(
                "<tr>"
                f"<td>{html.escape(f.group)}</td><td><b>{html.escape(f.name)}</b></td>"
                f"<td><code>{html.escape(value)}</code></td><td>{html.escape(f.meaning)}</td>"
                f"<td>{html.escape(f.rfc_ref)}</td>"
                "</tr>"
            )
        return (
            f"<div class='wsexplorer-deflate'><p><b>{EXTENSION_NAME}</b>: "
            f"{html.escape(self._summary())}"
            f"<br>{html.escape(self._settings())}</p>"
            "<table><tr><th>group</th><th>field</th><th>value</th><th>meaning</th><th>RFC</th></tr>"
            + "".join(rows)
            + "</table></div>"
        )


def _preview(data: bytes, limit: int = 60) -> str:
    """Text as a quoted string when it is UTF-8, else hex; cut at ``limit`` characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        shown = data[: limit // 3].hex(" ")
        return shown + (" …" if len(data) > limit // 3 else "")
    shown = repr(text[:limit])
    return shown + (" …" if len(text) > limit else "")


def inspect_compressed(
    compressed: bytes,
    inflated: bytes | None = None,
    *,
    context_takeover: bool = False,
    window_bits: int | None = None,
) -> CompressedMessage:
    """The inspectable view of one compressed message payload.

    Without ``inflated`` the payload is inflated here with a fresh decompressor, which only works
    for a message that does not refer back to earlier ones (no context takeover); raises
    :class:`InvalidPayloadData` when it cannot be inflated.
    """
    if inflated is None:
        state = PerMessageDeflateState(
            ExtensionOffer(EXTENSION_NAME),
            "client",
            server_max_window_bits=window_bits or _MAX_BITS,
        )
        inflated = state.decompress(compressed, fin=True)
    return CompressedMessage(bytes(compressed), bytes(inflated), context_takeover, window_bits)
