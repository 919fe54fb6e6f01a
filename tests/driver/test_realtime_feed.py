"""The feed loop against a real WebSocket server on loopback: reconnect, renew, dead feeds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from sense_energy_driver.backoff import Backoff
from sense_energy_driver.errors import SenseAuthError
from sense_energy_driver.frames import REALTIME_UPDATE, FeedMessage
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.realtime import FeedStatus, RealtimeFeed
from sense_energy_driver.transport.feed import FeedConnection, open_feed

UPDATE = json.dumps({"type": "realtime_update", "payload": {"w": 100, "devices": []}})
UNAUTHORIZED = json.dumps(
    {"type": "error", "payload": {"authorized": False, "error_reason": "bad token"}}
)


@dataclass
class Handler:
    url: str
    messages: list[FeedMessage] = field(default_factory=list)
    statuses: list[FeedStatus] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    renewals: int = 0
    renew_fails: bool = False
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def open_connection(self) -> FeedConnection:
        return await open_feed(self.url, headers={})

    async def renew_token(self) -> None:
        self.renewals += 1
        if self.renew_fails:
            raise SenseAuthError("renew http 401: refresh token rejected")

    async def on_sample(self, payload: RealtimePayload) -> None:
        self.messages.append(FeedMessage(REALTIME_UPDATE, payload, payload.epoch))
        self.event.set()

    async def on_message(self, message: FeedMessage) -> None:
        self.messages.append(message)
        self.event.set()

    async def on_status(self, status: FeedStatus, detail: str) -> None:
        self.statuses.append(status)
        self.event.set()

    def log(self, level: int, message: str) -> None:
        self.logs.append(message)

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.event.clear()
                await self.event.wait()


Script = Callable[[ServerConnection, int], object]


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, list[Script]]]:
    """A feed server whose per-connection behaviour the test chooses; conn n runs scripts[n]."""
    scripts: list[Script] = []
    count = 0

    async def handle(ws: ServerConnection) -> None:
        nonlocal count
        n, count = count, count + 1
        script = scripts[min(n, len(scripts) - 1)]
        await script(ws, n)  # type: ignore[misc]

    async with serve(handle, "127.0.0.1", 0) as srv:
        yield srv, scripts


@contextlib.asynccontextmanager
async def running(feed: RealtimeFeed) -> AsyncIterator[asyncio.Task[None]]:
    """feed.run() as a task, as the driver's Supervisor runs it; stopped at the end."""
    task = asyncio.create_task(feed.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.wait([task])
        await feed.stopped()


def url_of(srv: Server) -> str:
    port = next(iter(srv.sockets)).getsockname()[1]
    return f"ws://127.0.0.1:{port}/monitors/1/realtimefeed?access_token=t"


async def stream(ws: ServerConnection, _: int) -> None:
    while True:
        await ws.send(UPDATE)
        await asyncio.sleep(0.01)


async def test_reconnects_after_drop(server: tuple[Server, list[Script]]) -> None:
    srv, scripts = server

    async def drop_after_two(ws: ServerConnection, _: int) -> None:
        await ws.send(UPDATE)
        await ws.send(UPDATE)
        await ws.close(1011, "going away")

    scripts[:] = [drop_after_two, stream]
    handler = Handler(url_of(srv))
    feed = RealtimeFeed(handler, backoff=Backoff(initial=0.01, maximum=0.05))
    async with running(feed):
        await handler.until(lambda: feed.counters.opens >= 2 and len(handler.messages) >= 4)
    assert any("realtime close code=1011" in line for line in handler.logs)
    assert sum(line == "realtime open" for line in handler.logs) >= 2
    assert FeedStatus.RECONNECTING in handler.statuses
    assert handler.statuses[-1] is FeedStatus.STOPPED


async def test_unauthorized_error_renews_then_reconnects(
    server: tuple[Server, list[Script]],
) -> None:
    srv, scripts = server

    async def reject(ws: ServerConnection, _: int) -> None:
        await ws.send(UNAUTHORIZED)
        await ws.wait_closed()

    scripts[:] = [reject, stream]
    handler = Handler(url_of(srv))
    feed = RealtimeFeed(handler, backoff=Backoff(initial=10.0))  # a wait would time the test out
    async with running(feed):
        await handler.until(lambda: len(handler.messages) >= 1)
    assert handler.renewals == 1
    assert feed.counters.opens == 2


async def test_rejected_credentials_stop_the_loop(server: tuple[Server, list[Script]]) -> None:
    srv, scripts = server

    async def reject(ws: ServerConnection, _: int) -> None:
        await ws.send(UNAUTHORIZED)
        await ws.wait_closed()

    scripts[:] = [reject]
    handler = Handler(url_of(srv), renew_fails=True)
    feed = RealtimeFeed(handler, backoff=Backoff(initial=0))
    async with running(feed) as task:
        await handler.until(lambda: FeedStatus.AUTH_FAILED in handler.statuses)
        await asyncio.wait_for(task, 5)  # run() ends by itself on rejected credentials
    assert feed.counters.opens == 1


async def test_silent_feed_is_treated_as_dead(server: tuple[Server, list[Script]]) -> None:
    srv, scripts = server

    async def stall(ws: ServerConnection, _: int) -> None:
        await ws.send(UPDATE)
        await ws.wait_closed()

    scripts[:] = [stall, stream]
    handler = Handler(url_of(srv))
    feed = RealtimeFeed(handler, backoff=Backoff(initial=0.01), inactivity_timeout=0.2)
    async with running(feed):
        await handler.until(lambda: feed.counters.opens >= 2 and len(handler.messages) >= 3)
    assert any("silent" in line for line in handler.logs)


async def test_backoff_grows_while_connections_close_at_once(
    server: tuple[Server, list[Script]],
) -> None:
    srv, scripts = server

    async def close_now(ws: ServerConnection, _: int) -> None:
        await ws.close(1000, "paused")

    scripts[:] = [close_now]
    handler = Handler(url_of(srv))
    delays: list[float] = []

    async def record_sleep(seconds: float) -> None:
        delays.append(seconds)
        handler.event.set()
        await asyncio.sleep(0)

    feed = RealtimeFeed(
        handler, backoff=Backoff(initial=1.0, maximum=8.0, jitter=0.0), sleep=record_sleep
    )
    async with running(feed):
        await handler.until(lambda: len(delays) >= 6)
    assert delays[:6] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert FeedStatus.PAUSED in handler.statuses


async def test_bad_frames_are_skipped_and_counted(server: tuple[Server, list[Script]]) -> None:
    srv, scripts = server

    async def junk_then_good(ws: ServerConnection, _: int) -> None:
        await ws.send("{not json")
        await ws.send(json.dumps({"type": "realtime_update", "payload": {"w": "x"}}))
        await ws.send(UPDATE)
        await ws.wait_closed()

    scripts[:] = [junk_then_good]
    handler = Handler(url_of(srv))
    feed = RealtimeFeed(handler, backoff=Backoff(initial=0))
    async with running(feed):
        await handler.until(lambda: len(handler.messages) >= 1)
    assert feed.counters.skipped == 2
    assert feed.counters.opens == 1


def test_backoff_never_overflows() -> None:
    assert Backoff(initial=1.0, maximum=300.0, jitter=0.0).delay(10_000) == 300.0


async def test_long_outage_logs_a_summary_not_every_attempt() -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    levels: list[tuple[int, str]] = []

    class Refused(Handler):
        def log(self, level: int, message: str) -> None:
            levels.append((level, message))
            self.event.set()

    handler = Refused(f"ws://127.0.0.1:{port}/monitors/1/realtimefeed?access_token=t")
    feed = RealtimeFeed(handler, backoff=Backoff(initial=0.0, maximum=0.0, jitter=0.0))
    async with running(feed):
        await handler.until(lambda: feed.failures >= 25)
    warnings = [m for level, m in levels if level == logging.WARNING]
    assert len(warnings) == 3, warnings  # the first failure, then a summary at 12 and 24
    assert warnings[0].startswith("realtime feed unavailable:")
    assert "still failing after 12 attempts" in warnings[1]
    assert "still failing after 24 attempts" in warnings[2]
    assert sum(level == logging.DEBUG for level, _ in levels) >= 20
