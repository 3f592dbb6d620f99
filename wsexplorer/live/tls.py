"""TLS for wss:// (RFC 6455 §3, §4.1 item 5): contexts, key logs, what a session records of the transport
(TLS details, addresses), and clear certificate errors."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from ..errors import TLSError

__all__ = ["address_text", "apply_keylog", "client_context", "describe_tls", "tls_error"]

# OpenSSL verification result codes (X509_V_ERR_*) and what they mean to a person.
_VERIFY_REASONS = {
    2: "unknown issuer",  # unable to get issuer certificate
    10: "expired",  # certificate has expired
    9: "not yet valid",  # certificate is not yet valid
    18: "unknown issuer",  # self-signed certificate
    19: "unknown issuer",  # self-signed certificate in chain
    20: "unknown issuer",  # unable to get local issuer certificate
    21: "unknown issuer",  # unable to verify the first certificate
    23: "revoked",
    62: "name mismatch",  # hostname mismatch
    64: "name mismatch",  # IP address mismatch
}


def client_context(ssl_option: ssl.SSLContext | str | Path | bool | None) -> ssl.SSLContext:
    """The client's TLS context: verification on, from the system store or the given CA file."""
    if isinstance(ssl_option, ssl.SSLContext):
        return ssl_option
    if ssl_option is None or ssl_option is True:
        return ssl.create_default_context()
    if ssl_option is False:
        raise ValueError("ssl=False with a wss:// URL: use ws:// for an unencrypted connection")
    return ssl.create_default_context(cafile=str(ssl_option))


def apply_keylog(context: ssl.SSLContext, keylog: str | Path | None) -> ssl.SSLContext:
    """Write the TLS session keys of ``context``'s connections to ``keylog`` (NSS key log format, which
    Wireshark reads to decrypt a capture); without it, to ``$SSLKEYLOGFILE`` when that is set.

    The keys decrypt everything sent on those connections: a key log is for your own test traffic.
    """
    import os

    target = keylog if keylog is not None else os.environ.get("SSLKEYLOGFILE") or None
    if target is not None:
        context.keylog_filename = str(target)
    return context


def tls_error(exc: ssl.SSLError, host: str) -> TLSError:
    """A TLSError that says what failed: unknown issuer, name mismatch, expired, or the handshake."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", None)
        detail = getattr(exc, "verify_message", "") or str(exc)
        reason = _VERIFY_REASONS.get(code if isinstance(code, int) else -1, "certificate rejected")
        return TLSError(
            f"certificate verification failed for {host}: {reason} ({detail})", reason=reason, fault="peer"
        )
    return TLSError(f"TLS handshake with {host} failed: {exc.reason or exc}", reason="handshake failed")


def _name(entries: Any) -> str:
    parts = []
    for rdn in entries or ():
        for pair in rdn:
            parts.append(f"{pair[0]}={pair[1]}")
    return ", ".join(parts)


def describe_tls(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> dict[str, Any] | None:
    """What a session records of TLS: version, cipher, and the peer certificate's names and validity."""
    if ssl_object is None:
        return None
    cipher = ssl_object.cipher()
    info: dict[str, Any] = {
        "version": ssl_object.version(),
        "cipher": cipher[0] if cipher else None,
        "cipher_bits": cipher[2] if cipher else None,
    }
    cert = ssl_object.getpeercert()
    if cert:
        info["peer_certificate"] = {
            "subject": _name(cert.get("subject")),
            "issuer": _name(cert.get("issuer")),
            "not_before": cert.get("notBefore"),
            "not_after": cert.get("notAfter"),
            "subject_alt_names": [pair[1] for pair in cert.get("subjectAltName", ())],
        }
    else:
        info["peer_certificate"] = None
    return info


def address_text(address: Any) -> str | None:
    """A socket address as recorded in a session: ``host:port``, ``[v6 host]:port``."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return None if address is None else str(address)
