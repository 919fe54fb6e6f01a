"""The live feed: one frame per sample, the 15-minute window, slow pages, today's spans."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sense_energy_driver.standalone import StandaloneHost
from sense_energy_driver.web.live import QUEUE_FRAMES, LiveFeed
from sense_energy_driver.web.timeline import local_midnight, spans


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[StandaloneHost]:
    device = tmp_path / "home.json"
    device.write_text(
        json.dumps(
            {
                "name": "Home",
                "attributes": {"username": "me@example.com", "password": "canary-pw-1"},
                "zones": [{"address": "fridge", "label": "Fridge"}],
            }
        )
    )
    with StandaloneHost(device, console_level=40) as standalone:
        yield standalone


async def _sample(host: StandaloneHost, power: int, second: int) -> None:
    """What the driver writes for one sample."""
    await host.set_device_attribute("power", power)
    await host.set_device_attribute("last_sample", f"2027-01-15T08:00:{second:02d}Z")
    await host.set_zone_attribute("fridge", "power", power // 10)


def _events(data: list[bytes]) -> list[tuple[str, dict[str, object]]]:
    out = []
    for message in data:
        lines = message.decode().strip().split("\n")
        out.append((lines[0].removeprefix("event: "), json.loads(lines[1].removeprefix("data: "))))
    return out


async def _drain(client: object, count: int) -> list[bytes]:
    got: list[bytes] = []
    async with asyncio.timeout(5):
        async for message in client.messages():  # type: ignore[attr-defined]
            got.append(message)
            if len(got) == count:
                return got
    return got


async def test_one_sample_is_one_frame_with_a_chart_point(host: StandaloneHost) -> None:
    live = LiveFeed(host)
    await live.start()
    client = live.connect()
    await _sample(host, 1500, 1)
    await asyncio.sleep(0)  # the event loop's turn between two samples
    await _sample(host, 1700, 2)
    events = _events(await _drain(client, 3))
    live.stop()
    assert [kind for kind, _ in events] == ["state", "frame", "frame"]
    first, second = events[1][1], events[2][1]
    assert first["device"] == {"power": 1500, "last_sample": "2027-01-15T08:00:01Z"}
    assert first["zones"] == {"fridge": {"power": 150, "since": None}}
    assert first["point"][1:] == [1500, None, None]  # type: ignore[index]
    assert second["point"][1:] == [1700, None, None]  # type: ignore[index]
    assert live.sample_at is not None


async def test_configuration_never_reaches_a_frame(host: StandaloneHost) -> None:
    live = LiveFeed(host)
    await live.start()
    client = live.connect()
    await host.set_device_attribute("not_documented", "canary-pw-1")
    await _sample(host, 10, 1)
    body = b"".join(await _drain(client, 2))
    live.stop()
    assert b"canary-pw-1" not in body and b"not_documented" not in body


async def test_a_page_that_falls_behind_gets_the_whole_state_not_a_backlog(
    host: StandaloneHost,
) -> None:
    live = LiveFeed(host)
    await live.start()
    slow = live.connect()
    for n in range(QUEUE_FRAMES + 5):
        await _sample(host, 1000 + n, n % 60)
        await asyncio.sleep(0)  # let each frame go out, as the event loop does between samples
    assert slow.pending <= QUEUE_FRAMES
    events = _events(await _drain(slow, slow.pending))
    assert events[0][0] == "state"
    assert all(kind == "frame" for kind, _ in events[1:])
    # The state then the frames after it: nothing the page missed is lost.
    device = dict(events[0][1]["device"])  # type: ignore[call-overload]
    for _, frame in events[1:]:
        device.update(frame["device"])  # type: ignore[call-overload]
    assert device["power"] == 1000 + QUEUE_FRAMES + 4
    live.stop()


async def test_the_chart_keeps_only_the_window(host: StandaloneHost) -> None:
    clock = Clock()
    live = LiveFeed(host, clock=clock, window=60.0)
    await live.start()
    for n in range(5):
        await _sample(host, 100 * n, n)
        await asyncio.sleep(0)
        clock.now += 20
    recent = live.recent()
    assert recent["power"] == [200, 300, 400]  # points at t+40, t+60, t+80; now is t+100
    assert recent["t"] == sorted(recent["t"])
    live.stop()


async def test_the_stream_ends_when_the_feed_stops(host: StandaloneHost) -> None:
    live = LiveFeed(host)
    await live.start()
    client = live.connect()
    live.stop()
    async with asyncio.timeout(5):
        got = [m async for m in client.messages()]
    assert got == []  # ended at once, the unsent state dropped
    assert live.clients == 0


async def test_health_turns_stale_after_the_bound(host: StandaloneHost) -> None:
    clock = Clock()
    live = LiveFeed(host, clock=clock, stale_after=10.0)
    await live.start()
    assert live.health()["stale"] is True  # no sample yet
    await _sample(host, 500, 1)
    # The host stamps writes with the real clock; move ours to match it.
    assert live.sample_at is not None
    clock.now = live.sample_at + 9.0
    assert live.health()["stale"] is False
    clock.now = live.sample_at + 11.0
    assert live.health()["stale"] is True
    live.stop()


def test_spans_join_writes_into_changes_until_now() -> None:
    writes = {"a": [(10.0, "on"), (20.0, "on"), (30.0, "off")], "b": []}
    assert spans(writes, ["a", "b", "c"], 50.0) == {
        "a": [
            {"from": 10.0, "to": 30.0, "state": "on"},
            {"from": 30.0, "to": 50.0, "state": "off"},
        ],
        "b": [],
        "c": [],
    }


def test_local_midnight_is_the_start_of_today() -> None:
    now = 1_800_000_000.0
    midnight = local_midnight(now)
    assert 0 <= now - midnight < 86_400
    assert local_midnight(midnight) == midnight


async def test_while_polling_rest_a_sample_is_stale_only_after_the_poll_interval(
    host: StandaloneHost,
) -> None:
    clock = Clock()
    live = LiveFeed(host, clock=clock, stale_after=10.0)
    await live.start()
    await _sample(host, 500, 1)
    await host.set_device_attribute("feed_status", "polling")
    assert live.sample_at is not None
    clock.now = live.sample_at + 20.0  # default realtime_poll_interval 10 s: bound 25 s
    assert live.health()["stale"] is False
    assert live.health()["polling_stale_after_s"] == 25.0
    clock.now = live.sample_at + 26.0
    assert live.health()["stale"] is True
    host.set_attribute("realtime_poll_interval", 20_000)  # ms
    assert live.health()["polling_stale_after_s"] == 50.0
    assert live.health()["stale"] is False
    live.stop()
