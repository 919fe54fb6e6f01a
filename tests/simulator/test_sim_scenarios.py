"""Every scenario and fault, shown from the client's side of the wire."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgpack
import pytest
import websockets
from conftest import OpenFeed, bearer

from sense_energy_driver.simulator import SenseSimulator


async def test_drop_feed_connections(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        assert sim.drop_feed_connections() == 1
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await feed.drain()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1001
    await sim.wait_for_feed_clients(0)
    async with open_feed(auth["access_token"]) as again:
        assert (await again.until("realtime_update"))["payload"]["w"] > 0


async def test_drop_with_1006_is_an_abnormal_closure(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"], msgpack=True) as feed:
        await feed.until("realtime_update")
        sim.drop_feed_connections(code=1006)
        with pytest.raises(websockets.ConnectionClosedError) as closed:
            await feed.drain()
        assert closed.value.rcvd is None, "no close frame: the connection just died"
    await sim.wait_for_feed_clients(0)
    assert sim.feed_counts["closed"] == 1


async def test_app_in_foreground_closes_feeds_for_a_while(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    token = auth["access_token"]
    async with open_feed(token) as existing:
        await existing.next()
        sim.app_in_foreground(duration=30, close_after=0.2)
        with pytest.raises(websockets.ConnectionClosed):
            await existing.drain()
    async with open_feed(token) as during:
        assert (await during.next())["type"] == "hello"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await during.drain()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1000
    await sim.wait_for(lambda: not sim.faults.in_foreground(sim.clock.now_ts()))
    async with open_feed(token) as after:
        updates = await after.updates(10)  # stays open well past close_after
        assert len(updates) == 10


async def test_stall_and_resume(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        sim.stall_feed()
        stalled_at = sim.frame
        await sim.wait_for_frames(6)
        assert sim.feed_clients == 1, "a stalled feed stays open"
        sim.resume_feed()
        frames = [p["frame"] for p in await feed.updates(4)]
    # at most the frame already in flight predates the stall; none was sent during it
    assert all(f <= stalled_at + 1 or f >= stalled_at + 6 for f in frames)
    assert frames[-1] >= stalled_at + 6


async def test_stall_for_a_period_ends_by_itself(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        sim.stall_feed(duration=15)  # simulated seconds: 5 frames at 3 s each
        stalled_at = sim.frame
        payload = (await feed.updates(1))[0]
        while payload["frame"] <= stalled_at + 1:
            payload = (await feed.updates(1))[0]
        assert payload["frame"] >= stalled_at + 5


@pytest.mark.parametrize("use_msgpack", [False, True])
async def test_malformed_frames(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any], use_msgpack: bool
) -> None:
    async with open_feed(auth["access_token"], msgpack=use_msgpack, max_size=None) as feed:
        await feed.until("realtime_update")
        seen: dict[str, bytes | str] = {}
        for kind in ("invalid", "wrong_types", "truncated", "unknown_type", "oversized"):
            sim.send_malformed(kind, size=10_000_000)
            while True:  # skip routine frames until the crafted one arrives
                frame = await feed.ws.recv()
                if not _routine(frame, use_msgpack):
                    seen[kind] = frame
                    break
    for kind, frame in seen.items():
        assert isinstance(frame, bytes if use_msgpack else str), kind
    if use_msgpack:
        with pytest.raises(msgpack.FormatError):
            _unpack(seen["invalid"])
        assert len(_unpack_partial(seen["truncated"])) < 3
        assert _unpack(seen["wrong_types"])[2]["w"] == "abc"
        assert _unpack(seen["unknown_type"])[0] == "mystery_event"
        assert _unpack(seen["oversized"])[0] == "realtime_update"
    else:
        for kind in ("invalid", "truncated"):
            with pytest.raises(json.JSONDecodeError):
                json.loads(seen[kind])
        assert json.loads(seen["wrong_types"])["payload"]["w"] == "abc"
        assert json.loads(seen["unknown_type"])["type"] == "mystery_event"
        assert json.loads(seen["oversized"])["type"] == "realtime_update"
    assert 9_900_000 <= len(seen["oversized"]) <= 10_000_000


def _unpack(frame: bytes | str) -> list[Any]:
    assert isinstance(frame, bytes)
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame)
    return list(unpacker)


def _unpack_partial(frame: bytes | str) -> list[Any]:
    assert isinstance(frame, bytes)
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame)
    return list(unpacker)  # a truncated object is simply not yielded


def _routine(frame: bytes | str, use_msgpack: bool) -> bool:
    """Whether a frame is an ordinary, well-formed message of a known type."""
    try:
        objects = _unpack(frame) if use_msgpack else None
        message = json.loads(frame) if not use_msgpack else None
    except ValueError:
        return False
    if objects is not None:
        if len(objects) != 3 or len(frame) > 100_000:
            return False
        kind, payload = objects[0], objects[2]
    else:
        assert message is not None
        if len(frame) > 100_000:
            return False
        kind, payload = message["type"], message["payload"]
    known = {"hello", "monitor_info", "realtime_update", "data_change", "device_states"}
    return kind in known and not (kind == "realtime_update" and payload["w"] == "abc")


async def test_oversized_frame_trips_a_default_client(
    sim: SenseSimulator, open_feed: OpenFeed, auth: dict[str, Any]
) -> None:
    async with open_feed(auth["access_token"]) as feed:  # websockets' default max_size: 1 MiB
        await feed.until("realtime_update")
        sim.send_malformed("oversized", size=2_000_000)
        with pytest.raises(websockets.ConnectionClosedError) as closed:
            await feed.drain()
        assert closed.value.sent is not None
        assert closed.value.sent.code == 1009


async def test_expire_access_tokens(
    sim: SenseSimulator,
    client: httpx.AsyncClient,
    open_feed: OpenFeed,
    auth: dict[str, Any],
    headers: dict[str, str],
) -> None:
    status_path = f"/app/monitors/{sim.monitor_ids()[0]}/status"
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        assert sim.expire_access_tokens(drop_feeds=True) == 1
        with pytest.raises(websockets.ConnectionClosed):
            await feed.drain()
    assert (await client.get(status_path, headers=headers)).status_code == 401
    async with open_feed(auth["access_token"]) as refused:
        assert (await refused.next())["payload"]["authorized"] is False
    form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    renewed = (await client.post("/renew", data=form)).json()
    assert (
        await client.get(status_path, headers=bearer(renewed["access_token"]))
    ).status_code == 200


async def test_revoke_refresh_tokens(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any]
) -> None:
    assert sim.revoke_refresh_tokens() == 1
    form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    assert (await client.post("/renew", data=form)).status_code == 401
    again = await client.post("/authenticate", data={"email": sim.email, "password": sim.password})
    assert again.status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_error_burst_on_one_endpoint(
    sim: SenseSimulator, client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    sim.fail_requests(2, status=status, endpoint="devices_overview")
    path = f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview"
    other = f"/app/monitors/{sim.monitor_ids()[0]}/status"
    assert (await client.get(other, headers=headers)).status_code == 200
    codes = [(await client.get(path, headers=headers)).status_code for _ in range(3)]
    assert codes == [status, status, 200]


async def test_server_error_burst_on_any_endpoint(
    sim: SenseSimulator, client: httpx.AsyncClient
) -> None:
    sim.fail_requests(1)
    form = {"email": sim.email, "password": sim.password}
    assert (await client.post("/authenticate", data=form)).status_code == 503
    assert (await client.post("/authenticate", data=form)).status_code == 200
    with pytest.raises(ValueError, match="5xx"):
        sim.fail_requests(1, status=404)


async def test_injected_429s_carry_retry_after(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any]
) -> None:
    sim.rate_limit_requests(2, retry_after=7, endpoint="renew")
    form = {"user_id": auth["user_id"], "refresh_token": auth["refresh_token"]}
    answers = [await client.post("/renew", data=form) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"


async def test_refuse_feed_upgrades_keeps_rest_working(
    sim: SenseSimulator, client: httpx.AsyncClient, auth: dict[str, Any], headers: dict[str, str]
) -> None:
    sim.refuse_feed_upgrades()
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(sim.feed_url(sim.monitor_ids()[0], auth["access_token"])):
            pass
    assert refused.value.response.status_code == 503
    snapshot = await client.get(f"/app/{sim.monitor_ids()[0]}/realtime_update", headers=headers)
    assert snapshot.status_code == 200
    sim.refuse_feed_upgrades(False)
    async with websockets.connect(sim.feed_url(sim.monitor_ids()[0], auth["access_token"])) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"


async def _overview(client: httpx.AsyncClient, sim: SenseSimulator, h: dict[str, str]) -> Any:
    return (
        await client.get(f"/app/monitors/{sim.monitor_ids()[0]}/devices/overview", headers=h)
    ).json()


async def test_retrain_device(
    sim: SenseSimulator,
    client: httpx.AsyncClient,
    open_feed: OpenFeed,
    auth: dict[str, Any],
    headers: dict[str, str],
) -> None:
    old = sim.device_id("Fridge")
    sim.force_device(None, old, 150)
    before = await _overview(client, sim, headers)
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        new = sim.retrain_device(None, old)
        change = await feed.until("data_change")
        assert change["payload"]["device_data_checksum"] != before["device_data_checksum"]
        payload = (await feed.updates(1))[0]
    ids = {d["id"]: d for d in payload["devices"]}
    assert old not in ids
    assert ids[new]["name"] == "Fridge"
    assert ids[new]["w"] == 150
    after = await _overview(client, sim, headers)
    assert after["device_data_checksum"] == change["payload"]["device_data_checksum"]
    listed = {d["id"]: d for d in after["devices"]}
    assert listed[old]["tags"]["MergeId"] == new
    assert listed[new]["name"] == "Fridge"
    assert "MergeId" not in listed[new]["tags"]


async def test_add_and_remove_devices(
    sim: SenseSimulator,
    client: httpx.AsyncClient,
    open_feed: OpenFeed,
    auth: dict[str, Any],
    headers: dict[str, str],
) -> None:
    async with open_feed(auth["access_token"]) as feed:
        await feed.until("realtime_update")
        kettle = sim.add_device(None, "Kettle", "constant", icon="kettle", watts=1500)
        added = (await feed.until("data_change"))["payload"]["device_data_checksum"]
        payload = (await feed.updates(1))[0]
        listed = {d["id"]: d for d in payload["devices"]}
        assert listed[kettle]["name"] == "Kettle"
        assert listed[kettle]["w"] == pytest.approx(1500, rel=0.03)  # profile noise
        assert kettle in {d["id"] for d in (await _overview(client, sim, headers))["devices"]}
        sim.remove_device(None, kettle)
        removed = (await feed.until("data_change"))["payload"]["device_data_checksum"]
        assert removed != added
        payload = (await feed.updates(1))[0]
        assert kettle not in {d["id"] for d in payload["devices"]}
    overview = await _overview(client, sim, headers)
    assert kettle not in {d["id"] for d in overview["devices"]}
    detail = f"/app/monitors/{sim.monitor_ids()[0]}/devices/{kettle}"
    assert (await client.get(detail, headers=headers)).status_code == 404


async def test_force_device_on_off_and_release(
    sim: SenseSimulator,
    client: httpx.AsyncClient,
    open_feed: OpenFeed,
    auth: dict[str, Any],
    headers: dict[str, str],
) -> None:
    dryer = sim.device_id("Dryer")
    detail = f"/app/monitors/{sim.monitor_ids()[0]}/devices/{dryer}"
    sim.force_device(None, dryer, 4321)
    assert sim.truth()[dryer] == 4321
    body = (await client.get(detail, headers=headers)).json()
    assert (body["is_on"], body["power_w"]) == (True, 4321)
    async with open_feed(auth["access_token"], msgpack=True) as feed:
        payload = (await feed.updates(1))[0]
        assert {d["id"]: d["w"] for d in payload["devices"]}[dryer] == 4321
        sim.force_device_off(None, dryer)
        assert dryer not in sim.truth()
        payload = (await feed.updates(1))[0]
        assert dryer not in {d["id"] for d in payload["devices"]}
    body = (await client.get(detail, headers=headers)).json()
    assert (body["is_on"], body["power_w"]) == (False, 0)
    sim.release_device(None, dryer)
    assert dryer not in sim.monitor().overrides
    sim.retrain_device(None, dryer)
    with pytest.raises(ValueError, match="not active"):
        sim.force_device(None, dryer, 10)
