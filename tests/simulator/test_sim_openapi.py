"""Every REST operation answers with bodies that validate against the project's OpenAPI copy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import FAST, SHARED_SPEC, SPEC_PATH, OpenApi, bearer, login, make_client

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator.auth import totp_code

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def test_project_copy_equals_shared_spec() -> None:
    if not SHARED_SPEC.exists():
        pytest.skip("shared spec not present in this checkout")
    assert SPEC_PATH.read_bytes() == SHARED_SPEC.read_bytes()


async def test_served_document_is_the_project_copy(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.yml")
    assert response.status_code == 200
    assert response.content == SPEC_PATH.read_bytes()


async def test_every_operation_validates(
    sim: SenseSimulator, client: httpx.AsyncClient, openapi: OpenApi, auth: dict[str, Any]
) -> None:
    openapi.validated.clear()
    h = bearer(auth["access_token"])
    solar, old, plain = sim.monitor_ids()
    for mon in (solar, old, plain):
        app = f"/app/monitors/{mon}"
        for path in ("overview", "status", "devices", "devices/overview", "devices/always_on"):
            assert (await client.get(f"{app}/{path}", headers=h)).status_code == 200
        assert (await client.get(f"/monitors/{mon}/devices", headers=h)).status_code == 200
        device = sim.device_id("Fridge", mon)
        assert (await client.get(f"{app}/devices/{device}", headers=h)).status_code == 200
        for scale in ("DAY", "WEEK", "MONTH", "YEAR", "CYCLE"):
            query = {"scale": scale, "start": "2026-06-13T12:00:00"}
            assert (
                await client.get(f"{app}/history/usage", params=query, headers=h)
            ).status_code == 200
            solar_history = await client.get(f"{app}/history/usage/solar", params=query, headers=h)
            assert solar_history.status_code == 200
    for mon in (solar, plain):
        assert (await client.get(f"/app/{mon}/realtime_update", headers=h)).status_code == 200
    timeline = await client.get(
        f"/users/{auth['user_id']}/timeline", params={"n_items": 5}, headers=h
    )
    assert timeline.status_code == 200
    renewed = await client.post(
        "/renew", data={"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    )
    assert renewed.status_code == 200
    assert (await client.get("/logout", headers=h)).status_code == 200

    async with (
        SenseSimulator(mfa_secret=SECRET, **FAST) as mfa_sim,  # type: ignore[arg-type]
        make_client(mfa_sim, openapi) as mfa_client,
    ):
        credentials = {"email": mfa_sim.email, "password": mfa_sim.password}
        challenge = await mfa_client.post("/authenticate", data=credentials)
        assert challenge.status_code == 401
        form = {
            "totp": totp_code(SECRET),
            "mfa_token": challenge.json()["mfa_token"],
            "client_time": "2026-06-13T12:00:00Z",
        }
        assert (await mfa_client.post("/authenticate/mfa", data=form)).status_code == 200

    assert set(openapi.validated) == openapi.operation_ids


async def test_error_answers_are_json_and_checked(
    sim: SenseSimulator, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    other = await login(client, "neighbour@example.com", "neighbour-password")
    other_monitor = other["monitors"][0]["id"]
    cases = [
        (client.get(f"/app/monitors/{sim.monitor_ids()[0]}/overview"), 401),
        (client.get(f"/app/monitors/{other_monitor}/overview", headers=headers), 403),
        (client.get("/app/monitors/999999/overview", headers=headers), 404),
        (client.get(f"/app/monitors/{sim.monitor_ids()[0]}/devices/nope", headers=headers), 404),
        (client.get("/no/such/path", headers=headers), 404),
        (client.post("/authenticate", data={"email": "x@example.com", "password": "bad"}), 401),
    ]
    for request, status in cases:
        response = await request
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/json")
