"""REST behaviour: login, MFA, renew, logout, bearer auth, ownership, rate limits, bad requests."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from conftest import FAST, OpenApi, bearer, login, make_client

from sense_energy_driver.simulator import RateLimit, SenseSimulator
from sense_energy_driver.simulator.auth import totp_code

SECRET = "JBSWY3DPEHPK3PXP"


async def test_login_returns_tokens_and_monitors(sim: SenseSimulator, auth: dict[str, Any]) -> None:
    assert auth["user_id"] == "200001"
    assert auth["access_token"] and auth["refresh_token"]
    assert [m["id"] for m in auth["monitors"]] == sim.monitor_ids()
    assert [m["solar_configured"] for m in auth["monitors"]] == [True, False, False]


@pytest.mark.parametrize(
    ("email", "password"),
    [("demo@example.com", "wrong"), ("nobody@example.com", "demo-password")],
)
async def test_wrong_credentials_get_401_with_reason(
    client: httpx.AsyncClient, email: str, password: str
) -> None:
    response = await client.post("/authenticate", data={"email": email, "password": password})
    assert response.status_code == 401
    assert response.json()["error_reason"]
    assert "mfa_token" not in response.json()


async def test_mfa_flow(openapi: OpenApi) -> None:
    async with (
        SenseSimulator(mfa_secret=SECRET, **FAST) as sim,  # type: ignore[arg-type]
        make_client(sim, openapi) as http,
    ):
        form = {"email": sim.email, "password": sim.password}
        challenge = (await http.post("/authenticate", data=form)).json()
        assert challenge["status"] == "mfa_required"
        assert challenge["mfa_type"] == "totp"
        assert challenge["error_reason"]
        token = challenge["mfa_token"]

        def attempt(code: str) -> dict[str, str]:
            return {"totp": code, "mfa_token": token, "client_time": "2026-06-13T12:00:00Z"}

        far = totp_code(SECRET, time.time() - 300)
        wrong = (await http.post("/authenticate/mfa", data=attempt(far))).status_code
        assert wrong == 401
        previous_step = totp_code(SECRET, time.time() - 30)
        ok = await http.post("/authenticate/mfa", data=attempt(previous_step))
        assert ok.status_code == 200, ok.text
        assert ok.json()["access_token"]
        reused = await http.post("/authenticate/mfa", data=attempt(sim.totp_code()))
        assert reused.status_code == 401, "an mfa_token is single-use"


async def test_renew_issues_fresh_working_tokens(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any]
) -> None:
    form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    renewed = (await client.post("/renew", data=form)).json()
    assert renewed["access_token"] != auth["access_token"]
    assert renewed["refresh_token"] != auth["refresh_token"]
    overview = f"/app/monitors/{sim.monitor_ids()[0]}/overview"
    assert (await client.get(overview, headers=bearer(renewed["access_token"]))).status_code == 200
    bad = await client.post("/renew", data={**form, "user_id": "200002"})
    assert bad.status_code == 401
    assert (await client.post("/renew", data={**form, "refresh_token": "x"})).status_code == 401


async def test_logout_invalidates_session(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any]
) -> None:
    h = bearer(auth["access_token"])
    assert (await client.get("/logout", headers=h)).status_code == 200
    overview = f"/app/monitors/{sim.monitor_ids()[0]}/overview"
    assert (await client.get(overview, headers=h)).status_code == 401
    form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    assert (await client.post("/renew", data=form)).status_code == 401
    assert (await client.get("/logout", headers=h)).status_code == 401


@pytest.mark.parametrize("scheme", ["bearer", "Bearer", "BEARER"])
async def test_bearer_scheme_is_case_insensitive(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any], scheme: str
) -> None:
    h = {"Authorization": f"{scheme} {auth['access_token']}"}
    assert (
        await client.get(f"/app/monitors/{sim.monitor_ids()[0]}/status", headers=h)
    ).status_code == 200


@pytest.mark.parametrize(
    "header", [None, "bearer", "bearer nope", "Basic Zm9vOmJhcg==", "token abc"]
)
async def test_missing_or_unknown_tokens_get_401(
    sim: SenseSimulator, client: httpx.AsyncClient, header: str | None
) -> None:
    h = {} if header is None else {"Authorization": header}
    response = await client.get(f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview", headers=h)
    assert response.status_code == 401


async def test_access_tokens_expire_on_simulated_time(openapi: OpenApi) -> None:
    async with (
        SenseSimulator(token_lifetime=30, **FAST) as sim,  # type: ignore[arg-type]
        make_client(sim, openapi) as http,
    ):
        auth = await login(http, sim.email, sim.password)
        path = f"/app/monitors/{sim.monitor_ids()[0]}/status"
        assert (await http.get(path, headers=bearer(auth["access_token"]))).status_code == 200
        deadline = sim.clock.now_ts() + 31
        await sim.wait_for(lambda: sim.clock.now_ts() > deadline)
        expired = await http.get(path, headers=bearer(auth["access_token"]))
        assert expired.status_code == 401
        form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
        renewed = (await http.post("/renew", data=form)).json()
        assert (await http.get(path, headers=bearer(renewed["access_token"]))).status_code == 200


async def test_ownership_and_existence(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any], headers: dict[str, str]
) -> None:
    other = await login(client, "neighbour@example.com", "neighbour-password")
    theirs = other["monitors"][0]["id"]
    ours = sim.monitor_ids()[0]
    expectations = {
        f"/app/monitors/{theirs}/devices/overview": 403,
        f"/app/{theirs}/realtime_update": 403,
        "/app/monitors/123/status": 404,
        f"/app/monitors/{ours}/devices/ffffffff": 404,
        f"/users/{other['user_id']}/timeline": 403,
        "/users/999/timeline": 404,
        f"/app/{sim.monitor_ids()[1]}/realtime_update": 404,  # firmware below 1.64
    }
    for path, status in expectations.items():
        assert (await client.get(path, headers=headers)).status_code == status, path


async def test_configured_rate_limit_answers_429_with_retry_after(openapi: OpenApi) -> None:
    limits = {"devices_overview": RateLimit(2, 60)}
    async with (
        SenseSimulator(rate_limits=limits, **FAST) as sim,  # type: ignore[arg-type]
        make_client(sim, openapi) as http,
    ):
        h = bearer((await login(http, sim.email, sim.password))["access_token"])
        path = f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview"
        statuses = [(await http.get(path, headers=h)) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        assert 1 <= int(statuses[2].headers["Retry-After"]) <= 60
        other = await http.get(f"/app/monitors/{sim.monitor_ids()[0]}/status", headers=h)
        assert other.status_code == 200, "limits are per endpoint"


BAD_FORMS = [
    ("/authenticate", {"email": "demo@example.com"}),
    ("/authenticate", {}),
    ("/authenticate/mfa", {"totp": "123456", "mfa_token": "x"}),
    ("/authenticate/mfa", {"totp": "123456", "mfa_token": "x", "client_time": "noon"}),
    ("/renew", {"user_id": "200001"}),
]


@pytest.mark.parametrize(("path", "form"), BAD_FORMS)
async def test_bad_forms_get_400(
    client: httpx.AsyncClient, path: str, form: dict[str, str]
) -> None:
    response = await client.post(path, data=form)
    assert response.status_code == 400
    assert response.json()["error_reason"]


async def test_undecodable_body_gets_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/authenticate",
        content=b"\xff\xfe",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    as_json = await client.post(
        "/authenticate", content=b"[1]", headers={"content-type": "application/json"}
    )
    assert as_json.status_code == 400


async def test_json_login_body_is_accepted(sim: SenseSimulator, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/authenticate", json={"email": sim.email, "password": sim.password}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "start",
    [
        "2026-06-13T12:00:00",
        "2026-06-13T12:00:00Z",
        "2026-06-13T12:00:00.000Z",
        "2026-06-13T08:00:00-04:00",
        "2026-06-13T12:00:00 00:00",  # an unescaped '+' arrives as a space
    ],
)
async def test_start_formats_accepted(
    sim: SenseSimulator, client: httpx.AsyncClient, headers: dict[str, str], start: str
) -> None:
    path = f"/app/monitors/{sim.monitor_ids()[0]}/history/usage"
    response = await client.get(path, params={"scale": "DAY", "start": start}, headers=headers)
    assert response.json()["start"] == "2026-06-13T04:00:00Z"


BAD_QUERIES = [
    ("history/usage", {"scale": "DECADE", "start": "2026-06-13T00:00:00"}),
    ("history/usage", {"start": "2026-06-13T00:00:00"}),
    ("history/usage", {"scale": "DAY"}),
    ("history/usage", {"scale": "DAY", "start": "yesterday"}),
    ("history/usage", {"scale": "DAY", "start": "2026-13-45T00:00:00"}),
    ("history/usage/solar", {"scale": "WEEK", "start": "13/06/2026"}),
    ("history/usage/solar", {"scale": "", "start": "2026-06-13T00:00:00"}),
]


@pytest.mark.parametrize(("path", "query"), BAD_QUERIES)
async def test_bad_history_queries_get_400(
    sim: SenseSimulator,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: str,
    query: dict[str, str],
) -> None:
    url = f"/app/monitors/{sim.monitor_ids()[0]}/{path}"
    response = await client.get(url, params=query, headers=headers)
    assert response.status_code == 400
    assert response.json()["error_reason"]


@pytest.mark.parametrize(
    "query", [{"n_items": "ten"}, {"n_items": "-1"}, {"n_items": "1.5"}, {"prior_to_item": "soon"}]
)
async def test_bad_timeline_queries_get_400(
    client: httpx.AsyncClient, auth: dict[str, Any], headers: dict[str, str], query: dict[str, str]
) -> None:
    response = await client.get(f"/users/{auth['user_id']}/timeline", params=query, headers=headers)
    assert response.status_code == 400


async def test_request_counter_and_log(
    sim: SenseSimulator, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    await client.get(f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview", headers=headers)
    await client.get(f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview")
    assert sim.requests["authenticate"] == 1
    assert sim.requests["devices_overview"] == 2
    last = sim.request_log[-1]
    assert (last.method, last.status, last.endpoint) == ("GET", 401, "devices_overview")
    assert last.path.endswith("/devices/overview")
    assert [r.time for r in sim.request_log] == sorted(r.time for r in sim.request_log)
    await sim.wait_for_request("devices_overview", count=2, timeout=1)
