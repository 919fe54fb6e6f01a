"""Who may see the dashboard: the bind address, the access token at rest, and the guard."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.standalone.crypto import create_key_file, decrypt, is_encrypted
from sense_energy_driver.web.auth import COOKIE_NAME, AccessGuard
from sense_energy_driver.web.bind import BindAddress, page_url, parse_bind
from sense_energy_driver.web.token import AccessToken, load_or_create_token, token_path_for


@pytest.mark.parametrize(
    ("text", "host", "port", "loopback"),
    [
        ("8080", "127.0.0.1", 8080, True),
        ("127.0.0.1:0", "127.0.0.1", 0, True),
        ("localhost:80", "localhost", 80, True),
        ("[::1]:8080", "::1", 8080, True),
        (":8080", "127.0.0.1", 8080, True),
        ("0.0.0.0:8080", "0.0.0.0", 8080, False),  # noqa: S104 - parsed, never bound here
        ("192.168.1.5:9000", "192.168.1.5", 9000, False),
        ("[::]:8080", "::", 8080, False),
        ("myhost.lan:8080", "myhost.lan", 8080, False),
    ],
)
def test_bind_addresses_parse_and_know_whether_they_are_loopback(
    text: str, host: str, port: int, loopback: bool
) -> None:
    bind = parse_bind(text)
    assert (bind.host, bind.port, bind.loopback) == (host, port, loopback)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("127.0.0.1:http", "port must be a number"),
        ("127.0.0.1:70000", "0 to 65535"),
        ("::1:8080", "brackets"),
        ("[::1:8080", "brackets"),
        ("[nope]:80", "not an IPv6 address"),
    ],
)
def test_bad_bind_addresses_say_what_is_valid(text: str, says: str) -> None:
    with pytest.raises(SenseConfigError, match=says):
        parse_bind(text)


def test_urls_put_ipv6_hosts_in_brackets() -> None:
    assert page_url(BindAddress("::1", 8080)) == "http://[::1]:8080/"
    assert page_url(BindAddress("127.0.0.1", 0), 5000) == "http://127.0.0.1:5000/"


# --- the token at rest ----------------------------------------------------------------------


def test_a_token_is_made_once_and_kept_encrypted_under_the_device_key(tmp_path: Path) -> None:
    key_path = tmp_path / ".encryption_key"
    key = create_key_file(key_path)
    path = token_path_for(tmp_path / "home.json")
    assert path.name == "home.web-token"

    made = load_or_create_token(path, key_path)
    again = load_or_create_token(path, key_path)

    assert made.created and not again.created
    assert again.secret == made.secret and len(made.secret) >= 32
    stored = path.read_text().strip()
    assert is_encrypted(stored) and made.secret not in stored
    assert decrypt(key, stored) == made.secret
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert made.secret not in repr(made)


def test_a_token_under_another_key_is_a_clear_error(tmp_path: Path) -> None:
    create_key_file(tmp_path / "a.key")
    create_key_file(tmp_path / "b.key")
    path = tmp_path / "home.web-token"
    load_or_create_token(path, tmp_path / "a.key")
    with pytest.raises(SenseConfigError, match="delete the file to have a new token made"):
        load_or_create_token(path, tmp_path / "b.key")


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SenseConfigError, match="cannot read the encryption key"):
        load_or_create_token(tmp_path / "home.web-token", tmp_path / "missing.key")


# --- the guard ------------------------------------------------------------------------------

TOKEN = AccessToken("canary-web-token-0123456789abcdef", Path("home.web-token"))


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("dashboard")


def _client(token: AccessToken | None) -> httpx.AsyncClient:
    app = AccessGuard(
        Starlette(routes=[Route("/", _hello), Route("/api/state", _hello)]), token=token
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://192.0.2.1")


async def test_without_the_token_every_request_is_refused() -> None:
    async with _client(TOKEN) as client:
        page = await client.get("/")
        api = await client.get("/api/state")
        wrong = await client.get("/api/state", headers={"Authorization": "Bearer nope"})
        wrong_query = await client.get("/?token=nope")
        client.cookies.set(COOKIE_NAME, "0" * 64)
        wrong_cookie = await client.get("/")
    for response in (page, api, wrong, wrong_query, wrong_cookie):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "access token" in response.text
        assert TOKEN.secret not in response.text


async def test_the_token_opens_it_and_a_browser_trades_it_for_a_cookie() -> None:
    async with _client(TOKEN) as client:
        bearer = await client.get("/api/state", headers={"Authorization": f"Bearer {TOKEN.secret}"})
        trade = await client.get(f"/?token={TOKEN.secret}")
        cookie = trade.cookies[COOKIE_NAME]
        client.cookies.set(COOKIE_NAME, cookie)
        with_cookie = await client.get("/api/state")
    assert bearer.status_code == 200 and bearer.text == "dashboard"
    assert trade.status_code == 303 and trade.headers["location"] == "/"
    assert TOKEN.secret not in trade.headers["set-cookie"]
    assert "httponly" in trade.headers["set-cookie"].lower()
    assert "samesite=strict" in trade.headers["set-cookie"].lower()
    assert with_cookie.status_code == 200


async def test_a_loopback_bind_needs_no_token_but_a_local_host_name() -> None:
    async with _client(None) as client:
        local = await client.get("/", headers={"Host": "127.0.0.1:8080"})
        v6 = await client.get("/", headers={"Host": "[::1]:8080"})
        rebound = await client.get("/", headers={"Host": "evil.example"})
    assert local.status_code == 200 and v6.status_code == 200
    assert rebound.status_code == 403
