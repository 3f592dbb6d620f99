"""permessage-deflate (RFC 7692), the one extension built in.

* :mod:`.params` — the four parameters, read strictly (§7.1);
* :mod:`.negotiation` — :class:`PerMessageDeflate`, one endpoint's configuration: offer, accept, check;
* :mod:`.state` — :class:`PerMessageDeflateState`, what both sides agreed: compress and inflate (§7.2);
* :mod:`.message` — :class:`CompressedMessage`, one message both ways, as data for views.
"""

from __future__ import annotations

from .message import CompressedMessage
from .negotiation import OfferReview, PerMessageDeflate
from .params import EXTENSION_NAME, SYNC_FLUSH_TAIL
from .state import PerMessageDeflateState, inspect_compressed

__all__ = [
    "EXTENSION_NAME",
    "SYNC_FLUSH_TAIL",
    "CompressedMessage",
    "OfferReview",
    "PerMessageDeflate",
    "PerMessageDeflateState",
    "inspect_compressed",
]
