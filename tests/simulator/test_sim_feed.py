"""The realtime feed as a client sees it: sequence, payloads, both encodings, auth failures."""

from __future__ import annotations

import io
import json
from typing import Any

import msgpack
import pytest
import websockets
from conftest import FAST, FeedReader, OpenApi, OpenFeed, bearer, login, make_client

from sense_energy_driver.simulator import SenseSimulator

FEED_KEYS = {"w", "d_w", "c", "hz", "voltage", "channels", "epoch", "frame", "devices"}
SOLAR_KEYS = {"solar_w", "d_solar_w", "solar_pct", "grid_w"}


@pytest.mark.parametrize("use_msgpack", [False, True])
async def test_sequence_and_payload(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any], use_msgpack: bool
) -> None:
    async with open_feed(auth["access_token"], msgpack=use_msgpack) as feed:
        hello, info = await feed.next(), await feed.next()
        assert (hello["type"], info["type"]) == ("hello", "monitor_info")
        assert info["payload"]["version"] == "1.65.3490-g0f9f5a3"
        first = await feed.next()
        assert first["type"] == "realtime_update"
        payload = first["payload"]
        assert set(payload) == FEED_KEYS | SOLAR_KEYS
        assert len(payload["voltage"]) == 2
        assert len(payload["channels"]) == 2
        device = payload["devices"][0]
        assert set(device) == {"id", "name", "icon", "w", "tags"}
        ids = {d["id"] for d in payload["devices"]}
        assert {"always_on", "unknown"} <= ids
        assert {d["name"] for d in payload["devices"] if d["id"] == "unknown"} == {"Other"}
        assert all(d["w"] > 0 for d in payload["devices"])
        if use_msgpack:
            assert all(isinstance(f, bytes) for f in feed.frames)
            assert first["epoch"] == payload["epoch"]
        frames = [p["frame"] for p in await feed.updates(5)]
        assert frames == list(range(frames[0], frames[0] + 5)), "one frame per interval, in order"


async def test_old_firmware_and_no_solar_payloads(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    _, old, plain = sim.monitor_ids()
    async with open_feed(auth["access_token"], old, msgpack=True) as feed:
        info = await feed.until("monitor_info")
        assert info["payload"]["version"] == "1.52.1234-gabc"
        payload = (await feed.updates(1))[0]
        assert set(payload) == FEED_KEYS - {"hz", "voltage"}
    async with open_feed(auth["access_token"], plain) as feed:
        payload = (await feed.updates(1))[0]
        assert set(payload) == FEED_KEYS


async def test_json_and_msgpack_carry_the_same_messages(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    token = auth["access_token"]
    async with open_feed(token) as as_json, open_feed(token, msgpack=True) as as_msgpack:
        json_frames = {p["frame"]: p for p in await as_json.updates(8)}
        msgpack_frames = {p["frame"]: p for p in await as_msgpack.updates(8)}
    common = sorted(set(json_frames) & set(msgpack_frames))
    assert len(common) >= 4
    for frame in common:
        assert json_frames[frame] == msgpack_frames[frame]


async def test_data_change_and_device_states(openapi: OpenApi) -> None:
    quick = {"data_change_every": 3, "device_states_every": 2}
    async with SenseSimulator(**quick, **FAST) as sim:  # type: ignore[arg-type]
        async with make_client(sim, openapi) as http:
            token = (await login(http, sim.email, sim.password))["access_token"]
            overview = await http.get(
                f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview", headers=bearer(token)
            )
        url = sim.feed_url(sim.monitor_ids()[0], token)
        for use_msgpack in (False, True):
            headers = {"Accept": "application/x-msgpack"} if use_msgpack else {}
            async with websockets.connect(url, additional_headers=headers) as ws:
                feed = FeedReader(ws, use_msgpack)
                change = await feed.until("data_change")
                assert (
                    change["payload"]["device_data_checksum"]
                    == overview.json()["device_data_checksum"]
                )
                states = (await feed.until("device_states"))["payload"]["states"]
                assert states
                assert set(states[0]) == {"device_id", "mode", "state"}
                assert {s["state"] for s in states} <= {"on", "off"}
                on_now = {s["device_id"] for s in states if s["state"] == "on"}
                assert on_now <= set(sim.truth()) | set(sim.device_ids())


@pytest.mark.parametrize("use_msgpack", [False, True])
@pytest.mark.parametrize("case", ["bad_token", "other_account", "unknown_monitor"])
async def test_refused_feed_sends_error_then_closes(
    sim: SenseSimulator, auth: dict[str, Any], use_msgpack: bool, case: str
) -> None:
    token, monitor = auth["access_token"], sim.monitor_ids()[0]
    if case == "bad_token":
        token = "not-a-token"
    elif case == "other_account":
        monitor = "190001"
    else:
        monitor = "424242"
    headers = {"Accept": "application/x-msgpack"} if use_msgpack else {}
    async with websockets.connect(sim.feed_url(monitor, token), additional_headers=headers) as ws:
        frame = await ws.recv()
        if use_msgpack:
            assert isinstance(frame, bytes)
            kind, _, payload = list(msgpack.Unpacker(io.BytesIO(frame), raw=False))
            message = {"type": kind, "payload": payload}
        else:
            message = json.loads(frame)
        assert message["type"] == "error"
        assert message["payload"]["authorized"] is False
        assert message["payload"]["error_reason"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
    assert sim.feed_counts["rejected"] == 1
    assert sim.feed_clients == 0


async def test_http_401_switch_rejects_the_upgrade(sim: SenseSimulator) -> None:
    sim.reject_feed_auth_with_http()
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(sim.feed_url(sim.monitor_ids()[0], "expired")):
            pass
    assert refused.value.response.status_code == 401
    assert sim.requests["realtimefeed"] == 1
    assert sim.request_log[-1].status == 401


async def test_reframed_msgpack_still_decodes(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    sim.set_msgpack_reframing()
    async with open_feed(auth["access_token"], msgpack=True) as feed:
        assert (await feed.next())["type"] == "hello"
        assert (await feed.next())["type"] == "monitor_info"
        frames = [p["frame"] for p in await feed.updates(9)]
        assert frames == list(range(frames[0], frames[0] + 9))
        counts = []
        for frame in feed.frames:
            assert isinstance(frame, bytes)
            unpacker = msgpack.Unpacker(raw=False)
            unpacker.feed(frame)
            counts.append(sum(1 for _ in _safe(unpacker)))
        assert 6 in counts, "two triples packed into one frame"
        assert any(c % 3 for c in counts), "a triple split across frames"


def _safe(unpacker: msgpack.Unpacker) -> Any:
    try:
        yield from unpacker
    except (ValueError, msgpack.ExtraData):  # a frame may end mid-object
        return


async def test_feed_counts_and_waits(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"]) as feed, open_feed(auth["access_token"]):
        await sim.wait_for_feed_clients(2)
        await feed.next()
    await sim.wait_for_feed_clients(0)
    assert sim.feed_counts["opened"] == 2
    assert sim.feed_counts["accepted"] == 2
    assert sim.feed_counts["closed"] == 2
    assert sim.requests["realtimefeed"] == 2
    await sim.wait_for_feed_event("closed", 2, timeout=1)
    with pytest.raises(TimeoutError):
        await sim.wait_for_feed_event("closed", 3, timeout=0.1)


async def test_feed_counts_record_the_encoding(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"], msgpack=True) as feed:
        await feed.next()
    async with open_feed(auth["access_token"]) as feed:
        await feed.next()
    assert (sim.feed_counts["msgpack"], sim.feed_counts["json"]) == (1, 1)
    assert auth["access_token"] in sim.issued_tokens()
    assert auth["refresh_token"] in sim.issued_tokens()
