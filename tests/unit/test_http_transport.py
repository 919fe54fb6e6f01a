"""HttpTransport: exact requests out, HttpResponse back, every httpx error translated once."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any

import certifi
import httpx
import pytest
import respx

from sense_energy_driver.errors import (
    SenseConfigError,
    SenseConnectionError,
    SenseProtocolError,
    SenseTimeoutError,
)
from sense_energy_driver.transport.http import HttpResponse, HttpTransport

BASE = "https://api.sense.test/apiservice/api/v1"
SECRET = "t1.v2.SECRET-access-token"
EMAIL = "@".join(("me", "example.com"))  # spelled out, some tools rewrite addresses


@pytest.fixture
async def transport() -> AsyncIterator[HttpTransport]:
    t = HttpTransport(BASE + "/", timeout=3.0)
    yield t
    await t.aclose()


@respx.mock
async def test_request_sends_url_params_form_headers(transport: HttpTransport) -> None:
    route = respx.post(f"{BASE}/authenticate").mock(
        return_value=httpx.Response(200, json={"ok": True}, headers={"X-Thing": "1"})
    )
    resp = await transport.request(
        "POST",
        "/authenticate",
        params={"a": "b"},
        form={"email": EMAIL, "password": "pw"},
        headers={"x-sense-device-id": "dev1"},
    )
    assert transport.base_url == BASE
    assert isinstance(resp, HttpResponse)
    assert resp.status == 200
    assert resp.headers["x-thing"] == "1"
    assert resp.body == b'{"ok":true}'
    request = route.calls.last.request
    assert request.url == f"{BASE}/authenticate?a=b"
    assert request.headers["x-sense-device-id"] == "dev1"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.content == b"email=me%40example.com&password=pw"
    assert request.extensions["timeout"]["read"] == 3.0


@respx.mock
async def test_per_request_timeout_on_a_shared_client() -> None:
    route = respx.get(f"{BASE}/logout").mock(return_value=httpx.Response(200))
    async with httpx.AsyncClient(timeout=99.0) as client:
        t = HttpTransport(BASE, client=client, timeout=4.5)
        await t.request("GET", "/logout")
        assert route.calls.last.request.extensions["timeout"]["connect"] == 4.5
        assert client.base_url == httpx.URL("")  # the shared client is left as it was


@respx.mock
async def test_debug_log_has_method_path_status_only(
    transport: HttpTransport, caplog: pytest.LogCaptureFixture
) -> None:
    transport_logger = "sense_energy_driver.transport.http"
    caplog.set_level(logging.DEBUG, logger=transport_logger)
    respx.get(f"{BASE}/app/monitors/1/status").mock(return_value=httpx.Response(204))
    await transport.request(
        "GET",
        "/app/monitors/1/status",
        params={"access_token": SECRET},
        headers={"Authorization": f"bearer {SECRET}"},
    )
    messages = [r.getMessage() for r in caplog.records if r.name == transport_logger]
    assert messages == ["GET /app/monitors/1/status -> 204"]


@respx.mock
async def test_timeout_translated(transport: HttpTransport) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(SenseTimeoutError) as info:
        await transport.request("GET", "/x", params={"token": SECRET})
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, SenseConnectionError)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert "api.sense.test" in str(info.value)
    assert "3 s" in str(info.value)
    assert SECRET not in str(info.value)


@respx.mock
async def test_connect_error_names_host_not_query(transport: HttpTransport) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(SenseConnectionError) as info:
        await transport.request(
            "GET", "/x", params={"access_token": SECRET}, headers={"Authorization": SECRET}
        )
    message = str(info.value)
    assert not isinstance(info.value, SenseTimeoutError)
    assert "api.sense.test" in message
    assert "Connection refused" in message
    assert SECRET not in message
    assert "?" not in message
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize(
    "error",
    [httpx.ReadError("connection reset by peer"), httpx.RemoteProtocolError("bad")],
)
@respx.mock
async def test_other_transport_errors_are_connection_errors(
    transport: HttpTransport, error: Exception
) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=error)
    with pytest.raises(SenseConnectionError, match=r"GET /x to api\.sense\.test failed"):
        await transport.request("GET", "/x")


def _cert_error() -> httpx.ConnectError:
    """What httpx raises for an untrusted certificate: the ssl error is the cause."""
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] verify failed")
    cause.verify_message = "self-signed certificate"
    err = httpx.ConnectError("handshake failed")
    err.__cause__ = cause
    return err


@pytest.mark.parametrize(
    "error",
    [
        _cert_error(),
        httpx.ConnectError(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"
        ),
    ],
)
async def test_untrusted_certificate_says_how_to_fix(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error  # respx would rewrite the cause chain; a MockTransport keeps it

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(SenseConnectionError) as info:
            await HttpTransport(BASE, client=client).request("GET", "/x")
    message = str(info.value)
    assert "to api.sense.test: the TLS certificate was not trusted" in message
    assert "self-signed certificate" in message
    assert "ca_file" in message


@respx.mock
async def test_unsupported_protocol_is_config_error(transport: HttpTransport) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.UnsupportedProtocol("no ftp"))
    with pytest.raises(SenseConfigError, match="http:// or https://"):
        await transport.request("GET", "/x")


@respx.mock
async def test_decoding_error_is_protocol_error(transport: HttpTransport) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.DecodingError("bad gzip"))
    with pytest.raises(SenseProtocolError, match="unusable response"):
        await transport.request("GET", "/x")


async def test_injected_client_is_not_closed() -> None:
    async with httpx.AsyncClient() as client:
        t = HttpTransport(BASE, client=client)
        await t.aclose()
        assert not client.is_closed


async def test_created_client_is_closed() -> None:
    t = HttpTransport(BASE)
    client = t._client
    await t.aclose()
    assert client.is_closed


@pytest.mark.parametrize(
    ("verify", "expect"),
    [(True, ssl.SSLContext), (False, False), (certifi.where(), ssl.SSLContext)],
)
async def test_created_client_gets_verify(
    monkeypatch: pytest.MonkeyPatch, verify: bool | str, expect: object
) -> None:
    seen: dict[str, Any] = {}
    real = httpx.AsyncClient

    def spy(**kwargs: Any) -> httpx.AsyncClient:
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", spy)
    t = HttpTransport(BASE, verify=verify)
    await t.aclose()
    if isinstance(expect, type):
        assert isinstance(seen["verify"], expect)
    else:
        assert seen["verify"] is expect


def test_missing_ca_file_is_config_error(tmp_path: Any) -> None:
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(SenseConfigError, match="ca_file"):
        HttpTransport(BASE, verify=missing)


@respx.mock
async def test_an_answer_over_the_size_cap_is_refused() -> None:
    respx.get(f"{BASE}/app/monitors/1/devices/overview").mock(
        return_value=httpx.Response(200, content=b"x" * 5000)
    )
    respx.get(f"{BASE}/app/monitors/1/status").mock(
        return_value=httpx.Response(200, content=b"y" * 1000)
    )
    capped = HttpTransport(BASE, max_body=4096)
    try:
        with pytest.raises(SenseProtocolError, match="larger than 4096 bytes"):
            await capped.request("GET", "/app/monitors/1/devices/overview")
        small = await capped.request("GET", "/app/monitors/1/status")
        assert small.body == b"y" * 1000
    finally:
        await capped.aclose()


async def test_a_dripping_answer_is_cut_off_as_a_whole() -> None:
    """Every byte arrives within the per-read timeout; the whole answer never does."""
    import asyncio

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        try:
            while True:
                writer.write(b"{")
                await writer.drain()
                await asyncio.sleep(0.05)  # the fault under test: a server that drips
        except ConnectionError:
            pass

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    slow = HttpTransport(f"http://127.0.0.1:{port}", timeout=0.3)
    try:
        async with server, asyncio.timeout(5):
            with pytest.raises(SenseTimeoutError, match=r"no complete answer within 0\.6 s"):
                await slow.request("GET", "/status")
    finally:
        await slow.aclose()
