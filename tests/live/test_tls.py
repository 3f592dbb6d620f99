"""wss:// with trustme certificates on loopback: verification on by default, clear failures, TLS recorded."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
import trustme

from wsexplorer import connect, serve_echo
from wsexplorer.errors import TLSError


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


async def test_wss_echo_and_tls_details(ca: trustme.CA, tmp_path: Path) -> None:
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with serve_echo(ssl=server_context(leaf)) as server:
        assert server.url.startswith("wss://127.0.0.1:")
        async with connect(server.url, ssl=ca_file) as ws:
            await ws.send("secret")
            assert await ws.recv() == "secret"
        tls = ws.session.meta["tls"]
        assert tls["version"].startswith("TLS")
        assert tls["cipher"]
        cert = tls["peer_certificate"]
        assert "127.0.0.1" in cert["subject_alt_names"]
        assert "trustme" in cert["issuer"].lower() or cert["issuer"]
        assert cert["not_after"]
        # The server's session sees TLS too (no client certificate).
        assert server.sessions[0].meta["tls"]["version"] == tls["version"]


async def test_unknown_issuer(ca: trustme.CA) -> None:
    leaf = ca.issue_cert("127.0.0.1")
    async with serve_echo(ssl=server_context(leaf)) as server:
        with pytest.raises(TLSError) as err:
            await connect(server.url)  # system store: trustme's CA is unknown
        assert err.value.reason == "unknown issuer"
        assert "certificate verification failed" in str(err.value)


async def test_name_mismatch(ca: trustme.CA) -> None:
    leaf = ca.issue_cert("other.example")
    client = ssl.create_default_context()
    ca.configure_trust(client)
    async with serve_echo(ssl=server_context(leaf)) as server:
        with pytest.raises(TLSError) as err:
            await connect(server.url, ssl=client)
        assert err.value.reason == "name mismatch"


async def test_expired(ca: trustme.CA) -> None:
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    leaf = ca.issue_cert("127.0.0.1", not_before=past, not_after=past + datetime.timedelta(days=1))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    async with serve_echo(ssl=server_context(leaf)) as server:
        with pytest.raises(TLSError) as err:
            await connect(server.url, ssl=client)
        assert err.value.reason == "expired"


async def test_ssl_for_ws_url_is_refused() -> None:
    with pytest.raises(ValueError, match="wss://"):
        await connect("ws://127.0.0.1:1/", ssl=ssl.create_default_context())
