"""The JSON API and the event stream over real HTTP on loopback, driver and simulator running."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import datetime

import httpx
import pytest

from sense_energy_driver.web.app import STATIC_DIR
from tests.web.conftest import CANARY_PASSWORD, WebEnv


async def _first_events(client: httpx.AsyncClient, count: int) -> list[tuple[str, object]]:
    """The first `count` events of /api/events, parsed."""
    events: list[tuple[str, object]] = []
    async with client.stream("GET", "/api/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
                if len(events) == count:
                    break
    return events


async def test_state_values_zones_and_health_describe_the_running_driver(web_env: WebEnv) -> None:
    async with web_env.http() as client:
        state = (await client.get("/api/state")).json()
        values = (await client.get("/api/values")).json()
        zones = (await client.get("/api/zones")).json()
        health = (await client.get("/api/health")).json()
    assert state["name"] == "Test home"
    assert isinstance(state["device"]["power"], int)
    assert state["device"]["feed_status"] == "connected"
    assert {z["address"] for z in state["zones"]} == set(web_env.devices)
    assert {z["address"]: z["label"] for z in zones["zones"]} == web_env.devices
    for zone in zones["zones"]:
        assert zone["state"] in ("on", "off")
        assert zone["since"] is not None and zone["since"] <= time.time()
    assert set(values["zones"]) == set(web_env.devices)
    assert health["feed_status"] == "connected"
    assert health["stale"] is False
    assert 0 <= health["sample_age_s"] < 5
    assert len(state["recent"]["t"]) == len(state["recent"]["power"]) > 0


async def test_history_returns_a_range_and_refuses_bad_parameters(web_env: WebEnv) -> None:
    address = next(iter(web_env.devices))
    await web_env.host.committed()
    async with web_env.http() as client:
        power = (await client.get("/api/history", params={"name": "power"})).json()
        zone = (await client.get("/api/history", params={"name": "state", "zone": address})).json()
        empty = await client.get(
            "/api/history", params={"name": "power", "since": "2000-01-01T00:00:00Z", "until": 1e9}
        )
        bad_name = await client.get("/api/history", params={"name": "password"})
        bad_zone = await client.get("/api/history", params={"name": "state", "zone": "nope"})
        bad_time = await client.get("/api/history", params={"name": "power", "since": "yesterday"})
        reversed_range = await client.get(
            "/api/history", params={"name": "power", "since": 2e9, "until": 1e9}
        )
        missing = await client.get("/api/nothing-here")
    assert power["name"] == "power" and power["points"] and power["truncated"] is False
    assert all(isinstance(value, int) for _, value in power["points"])
    assert [p[0] for p in power["points"]] == sorted(p[0] for p in power["points"])
    assert zone["zone"] == address and zone["points"][0][1] in ("on", "off")
    assert empty.json()["points"] == []
    assert bad_name.status_code == 400
    assert "'name' must be a device attribute" in bad_name.json()["error"]
    assert "power" in bad_name.json()["error"]  # says what is valid
    assert bad_zone.status_code == 400 and "not a bound zone" in bad_zone.json()["error"]
    assert bad_time.status_code == 400 and "ISO 8601" in bad_time.json()["error"]
    assert reversed_range.status_code == 400 and "after" in reversed_range.json()["error"]
    assert missing.status_code == 404 and "docs/web.md" in missing.json()["error"]


async def test_timeline_has_todays_spans_and_follows_a_switch(web_env: WebEnv) -> None:
    address = next(iter(web_env.devices))
    web_env.sim.force_device(None, address, 900)
    await web_env.host.wait_for(lambda v: v.zone(address).get("state") == "on", timeout=5)
    web_env.sim.force_device(None, address, 0)
    await web_env.host.wait_for(lambda v: v.zone(address).get("state") == "off", timeout=5)
    await web_env.host.committed()
    async with web_env.http() as client:
        timeline = (await client.get("/api/timeline")).json()
    assert timeline["since"] <= timeline["first"] <= timeline["now"]
    spans = timeline["zones"][address]
    assert [s["state"] for s in spans][-2:] == ["on", "off"]
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(spans))
    assert set(timeline["zones"]) == set(web_env.devices)


async def _daily_event(client: httpx.AsyncClient, timeout: float) -> dict[str, object]:
    """The first `daily` event on the stream that has every day's total."""
    async with asyncio.timeout(timeout), client.stream("GET", "/api/events") as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "daily":
                data = json.loads(line[6:])
                if data["complete"]:
                    return dict(data)
    raise AssertionError("the stream ended without complete daily totals")


async def test_daily_kwh_comes_from_the_driver_history_for_30_days(web_env: WebEnv) -> None:
    def usage_requests() -> int:
        # the real-profile simulator serves /app/history/trends, the spec one history/usage
        paths = ("history/usage", "history/trends")
        return sum(any(p in r.path for p in paths) for r in web_env.sim.request_log)

    before = usage_requests()
    async with web_env.http() as client:
        first = (await client.get("/api/daily")).json()  # the first request starts the fetch
        announced = await _daily_event(client, timeout=15)
        fetched = usage_requests()
        daily = (await client.get("/api/daily")).json()
    assert len(first["days"]) == 30
    assert daily == announced
    days = daily["days"]
    assert isinstance(days, list) and len(days) == 30
    assert all(day["kwh"] > 0 for day in days)
    dates = [day["date"] for day in days]
    assert dates == sorted(dates) and len(set(dates)) == 30
    assert dates[-1] == datetime.now().astimezone().date().isoformat()
    # One get_usage DAY request per day (the driver's own energy requests right after its
    # connect, today's kWh and the monthly average, may interleave); asking again fetches nothing.
    assert 30 <= fetched - before <= 33
    assert usage_requests() == fetched


async def test_the_event_stream_starts_with_the_state_then_sends_frames(web_env: WebEnv) -> None:
    async with web_env.http() as client:
        events = await _first_events(client, 4)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "state"
    assert "frame" in kinds[1:]
    frame = next(data for kind, data in events if kind == "frame")
    assert isinstance(frame, dict) and "now" in frame
    assert {"device", "point", "sample_at"} <= set(frame) or "zones" in frame


async def test_no_secret_appears_in_any_page_or_answer(web_env: WebEnv) -> None:
    """Canaries: the Sense password, every token the simulator issued, the key file's key."""
    await web_env.sim.wait_for(lambda: bool(web_env.sim.issued_tokens()))
    key = web_env.host.key_path.read_text().strip()
    secrets = {CANARY_PASSWORD, key, *web_env.sim.issued_tokens()}
    stored = json.loads(web_env.device_path.read_text())["attributes"]["password"]
    secrets.add(stored)  # even the encrypted form stays on disk
    paths = [
        "/",
        "/favicon.ico",
        "/api/state",
        "/api/values",
        "/api/zones",
        "/api/health",
        "/api/daily",
    ]
    paths += ["/api/timeline", "/api/history?name=power", "/api/history?name=last_error"]
    paths += [f"/static/{p.name}" for p in STATIC_DIR.iterdir()]
    async with web_env.http() as client:
        bodies = [(await client.get(path)).text for path in paths]
        bodies += [json.dumps(data) for _, data in await _first_events(client, 5)]
    for body in bodies:
        for secret in secrets:
            assert secret not in body


async def test_pages_carry_a_strict_content_policy_and_refuse_foreign_host_names(
    web_env: WebEnv,
) -> None:
    async with web_env.http() as client:
        page = await client.get("/")
        rebound = await client.get("/api/state", headers={"Host": "attacker.example:80"})
        localhost = await client.get("/api/health", headers={"Host": "localhost:1234"})
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert rebound.status_code == 403 and "not this machine" in rebound.text
    assert localhost.status_code == 200


def test_the_page_loads_nothing_from_elsewhere() -> None:
    html = (STATIC_DIR / "index.html").read_text()
    script = (STATIC_DIR / "dashboard.js").read_text()
    for text in (html, script):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    assert (STATIC_DIR / "uPlot.LICENSE").read_text().startswith("The MIT License")
    assert "(v1.6.32)" in (STATIC_DIR / "uPlot.iife.min.js").read_text()[:100]


@pytest.mark.parametrize("path", ["/api/state", "/api/daily"])
async def test_api_answers_are_never_cached(web_env: WebEnv, path: str) -> None:
    async with web_env.http() as client:
        response = await client.get(path)
    assert response.headers["cache-control"] == "no-store"
