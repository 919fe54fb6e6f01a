"""Every recorded REST body decoded through the API layer (respx serves the recording).

Each test asserts the typed values the driver will work with against the recording itself, so a
body the models misread (a number read as text, a null refused, a field missed) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from sense_energy_driver.api import SenseApi
from sense_energy_driver.restmodels import tag_flag
from sense_energy_driver.transport.http import HttpTransport
from tests.replay.corpus import Fixture, fixtures

BASE = "https://api.replay.test/apiservice/api/v1"
MON = "200001"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as mock:
        yield mock


@pytest.fixture
async def api() -> Any:
    http = HttpTransport(BASE)
    yield SenseApi(http, device_id="replay")
    await http.aclose()


def _serve(router: respx.MockRouter, method: str, path: str, body: Any) -> None:
    router.route(method=method, url=BASE + path).mock(return_value=httpx.Response(200, json=body))


@pytest.mark.parametrize("fx", fixtures("rest", "authenticate"), ids=lambda f: f.file)
async def test_authenticate(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "POST", "/authenticate", body)
    auth = await api.authenticate("owner@example.invalid", "pw")
    assert auth.access_token == body["access_token"]
    assert auth.user_id_str == str(body["user_id"])
    assert auth.refresh_token == body.get("refresh_token", "")  # 2017 and 2018 have none
    assert [m.monitor_id for m in auth.monitors] == [str(m["id"]) for m in body["monitors"]]
    for got, want in zip(auth.monitors, body["monitors"], strict=True):
        assert got.time_zone == want["time_zone"]
        assert got.solar_configured is want["solar_configured"]
        assert got.serial_number == want.get("serial_number", "")


@pytest.mark.parametrize("fx", fixtures("rest", "renew"), ids=lambda f: f.file)
async def test_renew_has_no_monitors(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "POST", "/renew", body)
    auth = await api.renew(str(body["user_id"]), "MASKED_REFRESH_TOKEN")
    assert auth.monitors == ()
    assert (auth.user_id_str, auth.refresh_token) == (str(body["user_id"]), body["refresh_token"])
    assert auth.access_token == body["access_token"]


@pytest.mark.parametrize("fx", fixtures("rest", "monitor_overview"), ids=lambda f: f.file)
async def test_monitor_overview(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "GET", f"/app/monitors/{MON}/overview", body)
    got = await api.get_monitor_overview("token", MON)
    monitor = got.monitor_overview.monitor
    want = body["monitor_overview"]["monitor"]
    assert monitor is not None
    assert (str(monitor.id), monitor.time_zone) == (str(want["id"]), want["time_zone"])
    assert monitor.solar_configured is want["solar_configured"]
    assert monitor.serial_number == want["serial_number"]


@pytest.mark.parametrize("fx", fixtures("rest", "monitor_status"), ids=lambda f: f.file)
async def test_monitor_status(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "GET", f"/app/monitors/{MON}/status", body)
    got = await api.get_monitor_status("token", MON)
    info = body["monitor_info"]
    assert got.monitor_info.wifi_strength == info.get("wifi_strength")
    assert got.monitor_info.signal == (info.get("signal") or "")
    assert got.monitor_info.version == info.get("version", "")
    assert got.device_detection is not None
    assert got.device_detection.num_detected == body["device_detection"]["num_detected"]
    assert len(got.device_detection.found) == len(body["device_detection"]["found"])


@pytest.mark.parametrize("fx", fixtures("rest", "devices"), ids=lambda f: f.file)
async def test_devices_and_their_string_tags(
    fx: Fixture, router: respx.MockRouter, api: SenseApi
) -> None:
    body = fx.load()
    _serve(router, "GET", f"/app/monitors/{MON}/devices", body)
    got = await api.get_devices("token", MON)
    assert [(d.id, d.name, d.icon) for d in got] == [(d["id"], d["name"], d["icon"]) for d in body]
    for device, raw in zip(got, body, strict=True):
        assert device.tags == raw["tags"]
        listed = raw["tags"].get("DeviceListAllowed")
        if listed is not None:  # "true"/"false" strings read as what they say
            assert tag_flag(device.tags, "DeviceListAllowed", True) is (listed == "true")


@pytest.mark.parametrize("fx", fixtures("rest", "history_trends"), ids=lambda f: f.file)
async def test_trends(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "GET", "/app/history/trends", body)
    got = await api.get_trends("token", MON, "DAY", datetime(2024, 8, 29, 7, tzinfo=UTC))
    assert got.start == body.get("start", "")  # the totals recording has its members only
    assert got.consumption.total == body["consumption"]["total"]
    want = {d["id"]: d.get("total_kwh", 0.0) for d in body["consumption"]["devices"]}
    assert {d.id: d.total_kwh for d in got.consumption.devices} == want
    assert got.production is not None
    assert got.production.total == body["production"]["total"]
    assert [d.id for d in got.production.devices] == [
        d["id"] for d in body["production"]["devices"]
    ]
    # what a recording lacks stays unknown (None), never a made-up 0
    for name in ("to_grid", "from_grid", "net_production", "solar_powered"):
        assert getattr(got, name) == body.get(name), name
    request = router.calls.last.request
    assert request.url.params["monitor_id"] == MON and request.url.params["scale"] == "DAY"


@pytest.mark.parametrize("fx", fixtures("rest", "timeline"), ids=lambda f: f.file)
async def test_timeline(fx: Fixture, router: respx.MockRouter, api: SenseApi) -> None:
    body = fx.load()
    _serve(router, "GET", f"/users/{body['user_id']}/timeline", body)
    got = await api.get_timeline("token", str(body["user_id"]), n_items=30)
    keys = ("type", "time", "device_id", "device_name", "user_device_type")
    assert [tuple(getattr(i, k) for k in keys) for i in got.items] == [
        tuple(item[k] for k in keys) for item in body["items"]
    ]
    assert {i.type for i in got.items} <= {"DeviceOn", "DeviceOff", "DeviceWasOn"}


def test_every_rest_fixture_is_replayed() -> None:
    replayed = {
        "authenticate",
        "renew",
        "monitor_overview",
        "monitor_status",
        "devices",
        "history_trends",
        "timeline",
    }
    assert {f.what for f in fixtures("rest")} <= replayed
