"""The third-party `sense-energy` client works against the simulator, only its URLs changed."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest
import sense_energy.asyncsenseable as asyncsenseable
from conftest import FAST
from sense_energy import ASyncSenseable, Scale, SenseMFARequiredException

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator.auth import totp_code

SECRET = "JBSWY3DPEHPK3PXP"


def point_client_at(monkeypatch: pytest.MonkeyPatch, sim: SenseSimulator) -> None:
    monkeypatch.setattr(asyncsenseable, "API_URL", sim.api_url + "/")
    feed = sim.realtime_url + "/monitors/%s/realtimefeed?access_token=%s"
    monkeypatch.setattr(asyncsenseable, "WS_URL", feed)


@pytest.fixture
async def tls_sim(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SenseSimulator]:
    # TLS because the client passes ssl= to websockets, which a ws:// URL refuses.
    async with SenseSimulator(monitors=3, tls=True, **FAST) as sim:  # type: ignore[arg-type]
        point_client_at(monkeypatch, sim)
        yield sim


@pytest.fixture
async def session(tls_sim: SenseSimulator) -> AsyncIterator[aiohttp.ClientSession]:
    context = ssl.create_default_context(cafile=str(tls_sim.ca_file))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as http:
        yield http


async def _client(sim: SenseSimulator, http: aiohttp.ClientSession) -> ASyncSenseable:
    sense = ASyncSenseable(client_session=http, ssl_cafile=str(sim.ca_file))
    await sense.authenticate(sim.email, sim.password, ssl_cafile=str(sim.ca_file))
    return sense


async def test_authenticate_devices_monitor_and_trends(
    tls_sim: SenseSimulator, session: aiohttp.ClientSession
) -> None:
    sense = await _client(tls_sim, session)
    assert sense.sense_monitor_id == tls_sim.monitor_ids()[0]
    names = {d.name for d in sense.devices}
    assert {"Fridge", "Dryer", "EV Charger", "Always On", "Other"} <= names
    monitor = await sense.get_monitor_data()
    assert monitor["solar_configured"] is True
    assert await sense.get_sw_version() == "1.65.3490-g0f9f5a3"
    for scale in Scale:
        await sense.get_trend_data(scale, tls_sim.clock.now())  # simulated "now", not the wall
        assert sense.get_stat(scale, "consumption") > 0, scale
    assert sense.daily_production > 0, "noon in June"
    assert sense.daily_usage <= sense.weekly_usage <= sense.yearly_usage
    assert sense.get_stat(Scale.HOUR, "consumption") <= sense.daily_usage
    fridge = next(d for d in sense.devices if d.name == "Fridge")
    assert 0 < fridge.energy_kwh[Scale.DAY] <= fridge.energy_kwh[Scale.YEAR]


async def test_realtime_over_rest_and_msgpack_websocket(
    tls_sim: SenseSimulator, session: aiohttp.ClientSession
) -> None:
    sense = await _client(tls_sim, session)
    await sense.update_realtime()  # firmware 1.65: the REST snapshot
    assert tls_sim.requests["realtime_update"] == 1
    assert sense.active_power > 0
    assert len(sense.active_voltage) == 2
    assert sense.active_devices

    old = await _client(tls_sim, session)
    old.set_monitor_id(tls_sim.monitor_ids()[1])  # firmware 1.52: the msgpack WebSocket
    await old.update_realtime()
    assert tls_sim.requests["realtimefeed"] == 1
    assert old.active_power > 0
    assert old.active_voltage == []
    assert old.active_frequency == 0

    tls_sim.set_msgpack_reframing()
    for _ in range(3):
        await sense.async_realtime_stream(single=True)
        assert sense.active_power > 0
        assert sense.active_solar_power >= 0


async def test_renew_and_expired_token_recovery(
    tls_sim: SenseSimulator, session: aiohttp.ClientSession
) -> None:
    sense = await _client(tls_sim, session)
    token = sense.sense_access_token
    await sense.renew_auth()
    assert sense.sense_access_token != token
    tls_sim.expire_access_tokens()
    await sense.fetch_devices()  # 401, renew, retry
    assert tls_sim.requests["renew"] == 2


async def test_mfa_login(monkeypatch: pytest.MonkeyPatch) -> None:
    async with SenseSimulator(mfa_secret=SECRET, **FAST) as sim:  # type: ignore[arg-type]
        point_client_at(monkeypatch, sim)
        async with aiohttp.ClientSession() as http:
            sense = ASyncSenseable(client_session=http)
            with pytest.raises(SenseMFARequiredException):
                await sense.authenticate(sim.email, sim.password)
            await sense.validate_mfa(totp_code(SECRET))
            assert sense.sense_access_token
            assert {d.name for d in sense.devices} >= {"Fridge", "Oven"}
