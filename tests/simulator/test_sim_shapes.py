"""The `real` profile against the recordings: key by key, JSON type by JSON type.

Each simulator body and feed message is compared with the newest recording of the same endpoint
or message type (the 2018 status body for an old-firmware monitor). Every difference must be
listed, with its reason, in tests/simulator/shape_allowlist.py, and every listed difference must
still occur, so the list stays exact.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets

from sense_energy_driver.simulator import OLD_FIRMWARE, MonitorSpec, SenseSimulator
from tests.replay.corpus import CORPUS
from tests.simulator.shape_allowlist import ALLOWED
from tests.simulator.shapes import Difference, compare

START = datetime(2026, 6, 13, 16, 0, tzinfo=UTC)  # noon in New York: solar is producing
FEED_TYPES = ("hello", "monitor_info", "data_change", "device_states", "realtime_update")


class Bodies:
    """What a real-profile simulator answered, by corpus file it is compared with."""

    def __init__(self) -> None:
        self.by_fixture: dict[str, Any] = {}


async def _feed(sim: SenseSimulator, monitor_id: str, token: str) -> dict[str, Any]:
    """The first message of each type from one monitor's feed, plus a new_timeline_event."""
    got: dict[str, Any] = {}
    async with websockets.connect(sim.feed_url(monitor_id, token)) as ws:
        while not set(FEED_TYPES) <= got.keys():
            message = json.loads(await ws.recv())
            got.setdefault(message["type"], message)
        fridge = sim.device_id("Fridge", monitor_id)
        sim.force_device_off(monitor_id, fridge)
        await sim.wait_for_frames(2)
        sim.force_device(monitor_id, fridge, 150.0)
        while "new_timeline_event" not in got:
            message = json.loads(await ws.recv())
            if message["type"] == "new_timeline_event":
                got["new_timeline_event"] = message
    return got


@pytest.fixture(scope="module")
def bodies() -> Bodies:
    """Collected once for the module, in a loop of its own (the simulator lives only in it)."""
    return asyncio.run(_collect())


async def _collect() -> Bodies:
    specs = [
        MonitorSpec(solar=True),
        MonitorSpec(firmware=OLD_FIRMWARE, time_zone="America/Chicago"),
        MonitorSpec(time_zone="America/Denver"),
    ]
    out = Bodies()
    async with (
        SenseSimulator(
            profile="real", monitors=specs, interval=0.05, speed=60.0, seed=7, start_time=START
        ) as sim,
        httpx.AsyncClient(base_url=sim.api_url) as http,
    ):
        solar, old, plain = sim.monitor_ids()
        # a deleted device and a retrained one, so their tags (UserDeleted, MergedDevices) occur
        # Pinned so every sample has the same kinds of devices: a learned one on everywhere,
        # the retrained one on only where its recording has a merged device (dnesting's).
        sim.remove_device(solar, sim.device_id("TV", solar))
        sim.force_device_off(solar, sim.retrain_device(solar, sim.device_id("Dryer", solar)))
        sim.force_device(plain, sim.retrain_device(plain, sim.device_id("Dryer", plain)), 4800.0)
        for monitor_id in (solar, plain):
            sim.force_device(monitor_id, sim.device_id("Fridge", monitor_id), 150.0)
        await sim.wait_for_frames(2)
        form = {"email": sim.email, "password": sim.password}
        auth = (await http.post("/authenticate", data=form)).json()
        renew_form = {"user_id": str(auth["user_id"]), "refresh_token": auth["refresh_token"]}
        renew = (await http.post("/renew", data=renew_form)).json()
        http.headers["Authorization"] = f"bearer {renew['access_token']}"

        async def get(path: str, **params: str) -> Any:
            resp = await http.get(path, params=params)
            assert resp.status_code == 200, (path, resp.text)
            return resp.json()

        m = f"/app/monitors/{solar}"
        day = sim.clock.now().strftime("%Y-%m-%dT00:00:00")
        out.by_fixture |= {
            "rest/authenticate.openhab-2024.json": auth,
            "rest/renew.openhab-2024.json": renew,
            "rest/monitor_overview.openhab-2024.json": await get(f"{m}/overview"),
            "rest/monitor_status.openhab-2024.json": await get(f"{m}/status"),
            "rest/monitor_status.unofficial-sense-2018.json": await get(
                f"/app/monitors/{old}/status"
            ),
            "rest/devices.openhab-2024.json": await get(f"{m}/devices"),
            "rest/history_trends.openhab-2024-day.json": await get(
                "/app/history/trends", monitor_id=solar, scale="DAY", start=day
            ),
            "rest/timeline.unofficial-sense-2018.json": await get(
                f"/users/{auth['user_id']}/timeline", n_items="30"
            ),
        }
        token = renew["access_token"]
        solar_feed = await _feed(sim, solar, token)
        plain_feed = await _feed(sim, plain, token)
        for kind in ("hello", "monitor_info", "data_change", "device_states"):
            out.by_fixture[f"feed/{kind}.dnesting-2023.json"] = plain_feed[kind]
        out.by_fixture["feed/new_timeline_event.dnesting-2023.json"] = plain_feed[
            "new_timeline_event"
        ]
        out.by_fixture["feed/realtime_update.dnesting-2023-hue.json"] = plain_feed[
            "realtime_update"
        ]
        out.by_fixture["feed/realtime_update.openhab-2024-solar.json"] = solar_feed[
            "realtime_update"
        ]
    return out


def _recorded(name: str) -> Any:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("fixture", sorted(ALLOWED), ids=str)
async def test_shape_matches_the_recording_but_for_the_allowlist(
    bodies: Bodies, fixture: str
) -> None:
    found = compare(_recorded(fixture), bodies.by_fixture[fixture])
    allowed = {Difference(path, kind) for (kind, path) in ALLOWED[fixture]}
    plain = {Difference(d.path, d.kind) for d in found}
    unexpected = sorted(str(d) for d in found if Difference(d.path, d.kind) not in allowed)
    stale = sorted(str(d) for d in allowed - plain)
    assert not unexpected, f"differences not in the allowlist: {unexpected}"
    assert not stale, f"allowlisted differences that no longer occur: {stale}"


def test_every_compared_body_is_in_the_allowlist_file(bodies: Bodies) -> None:
    assert set(bodies.by_fixture) == set(ALLOWED)


def test_realtime_epochs_are_integers_as_recorded(bodies: Bodies) -> None:
    for name in (
        "feed/realtime_update.openhab-2024-solar.json",
        "feed/realtime_update.dnesting-2023-hue.json",
    ):
        assert isinstance(_recorded(name)["payload"]["epoch"], int)
        assert isinstance(bodies.by_fixture[name]["payload"]["epoch"], int), name


def test_ids_are_numbers_as_recorded(bodies: Bodies) -> None:
    auth = bodies.by_fixture["rest/authenticate.openhab-2024.json"]
    assert isinstance(auth["user_id"], int) and isinstance(auth["monitors"][0]["id"], int)
    assert "monitors" not in bodies.by_fixture["rest/renew.openhab-2024.json"]
