"""WebSocket extensions (RFC 6455 §9): the contract, and the extensions built in.

:mod:`.base` is the contract between the opening handshake and an extension (offer, accept, check,
then a negotiated state that transforms payloads). Each extension is a subpackage:
:mod:`.permessage_deflate` (RFC 7692). :func:`as_extension` turns a configuration or its name into an
:class:`~.base.Extension`.
"""

from __future__ import annotations

from ..headers import ExtensionOffer
from .base import Extension, NegotiatedExtension
from .permessage_deflate import EXTENSION_NAME, PerMessageDeflate
from .permessage_deflate.params import parse_element

__all__ = ["Extension", "ExtensionOffer", "NegotiatedExtension", "PerMessageDeflate", "as_extension"]


def as_extension(value: Extension | str) -> Extension:
    """An :class:`Extension` from itself or a string; ``"permessage-deflate"`` alone means defaults.

    A string with parameters (``"permessage-deflate; server_max_window_bits=10"``) means exactly
    those. ValueError for an extension that is not built in.
    """
    if isinstance(value, Extension):
        return value
    if value.strip().lower() == EXTENSION_NAME:
        return PerMessageDeflate()
    element = parse_element(value)
    if element.name.lower() != EXTENSION_NAME:
        raise ValueError(f"unknown extension {element.name!r}; only {EXTENSION_NAME} is built in")
    return PerMessageDeflate.from_offer(element)
