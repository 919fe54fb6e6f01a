"""The realtime WebSocket feed: authentication, per-connection delivery, faults and broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn.protocols.utils import ClientDisconnected

from . import real_feed
from .auth import AuthError, TokenStore
from .clock import SimClock
from .faults import Faults
from .meter import Event, Sample
from .observe import Observer
from .state import Monitor, SimState
from .wire import Frame, Message, Reframer, device_states_payload, realtime_payload

__all__ = ["FeedConnection", "FeedHub"]

_LOGGER = logging.getLogger(__name__)
ENDPOINT = "realtimefeed"
ABNORMAL = 1006  # never sent on the wire; asking for it means "drop the TCP connection"
_BACKLOG = 1000  # routine messages queued for a client that stopped reading; more are dropped
MSGPACK = "application/x-msgpack"


_DENYING: ContextVar[bool] = ContextVar("sense_simulator_denying", default=False)


class _DeliberateDenial(logging.Filter):
    """uvicorn logs an error after any upgrade answered with HTTP; ours are on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_DENYING.get() and "without completing handshake" in record.getMessage())


_DENIAL_FILTER = _DeliberateDenial()


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str = ""
    client_gone: bool = False


@dataclass(frozen=True, slots=True)
class _Raw:
    frames: tuple[Frame, ...]


@dataclass(frozen=True, slots=True)
class _Routine:
    message: Message


_Item = _Close | _Raw | _Routine


class FeedConnection:
    """One client's feed: a queue drained by the connection's own coroutine."""

    def __init__(self, ws: WebSocket, monitor: Monitor, use_msgpack: bool, hub: FeedHub) -> None:
        self.ws = ws
        self.monitor = monitor
        self.msgpack = use_msgpack
        self.queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._hub = hub
        self._reframer: Reframer | None = None

    def put(self, message: Message) -> None:
        if self.queue.qsize() < _BACKLOG:
            self.queue.put_nowait(_Routine(message))

    def put_raw(self, frames: list[Frame]) -> None:
        self.queue.put_nowait(_Raw(tuple(frames)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.queue.put_nowait(_Close(code, reason))

    def _frames(self, message: Message) -> list[Frame]:
        if not self.msgpack:
            return [message.json_text()]
        if self._hub.faults.msgpack_reframe:
            self._reframer = self._reframer or Reframer()
            return self._reframer.frames(message.msgpack_bytes())
        if self._reframer is not None:
            held, self._reframer = self._reframer.flush(), None
            return [*held, message.msgpack_bytes()]
        return [message.msgpack_bytes()]

    async def _receive(self) -> None:
        """Drain client frames; a disconnect wakes the sender."""
        while (await self.ws.receive())["type"] != "websocket.disconnect":
            pass
        self.queue.put_nowait(_Close(1000, client_gone=True))

    async def _send(self, frame: Frame) -> None:
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_text(frame)

    async def run(self) -> None:
        """Send queued messages until closed by us, the client, or a fault."""
        receiver = asyncio.create_task(self._receive())
        hub = self._hub
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, _Close):
                    if item.code == ABNORMAL:
                        # uvicorn closes the transport without a close frame: a network drop
                        raise ClientDisconnected
                    if not item.client_gone:
                        await self.ws.close(item.code, item.reason)
                    return
                if isinstance(item, _Raw):
                    frames: list[Frame] = list(item.frames)
                elif hub.faults.stalled(hub.clock.now_ts()):
                    continue
                else:
                    frames = self._frames(item.message)
                for frame in frames:
                    await self._send(frame)
        except (WebSocketDisconnect, RuntimeError) as err:
            _LOGGER.debug("feed %s: client went away: %r", self.monitor.id, err)
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await receiver


class FeedHub:
    """All open feeds; the ticker hands it each sample and the scenarios reach clients here."""

    def __init__(
        self,
        state: SimState,
        tokens: TokenStore,
        clock: SimClock,
        faults: Faults,
        observer: Observer,
        data_change_every: int = 40,
        device_states_every: int = 20,
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.clock = clock
        self.faults = faults
        self.observer = observer
        self.data_change_every = data_change_every
        self.device_states_every = device_states_every
        self.connections: set[FeedConnection] = set()
        self.real = state.profile == "real"
        self._events_sent: dict[str, int] = {}
        logging.getLogger("uvicorn.error").addFilter(_DENIAL_FILTER)

    async def _deny(self, ws: WebSocket, body: dict[str, object], status: int) -> None:
        _DENYING.set(True)  # seen by the filter in this connection's task only
        await ws.send_denial_response(JSONResponse(body, status))

    def _record(self, ws: WebSocket, status: int) -> None:
        self.observer.request("GET", ws.url.path, status, ENDPOINT)

    def _authorize(self, monitor_id: str, token: str) -> tuple[int, str] | Monitor:
        try:
            account = self.tokens.check(token)
        except AuthError as err:
            return 401, err.reason
        monitor = self.state.monitors.get(monitor_id)
        if monitor is None:
            return 404, "Monitor not found"
        if monitor.owner != account.user_id:
            return 403, "Monitor belongs to another account"
        return monitor

    async def handle(self, ws: WebSocket) -> None:
        """The WebSocket endpoint: /monitors/{monitor_id}/realtimefeed?access_token=..."""
        obs = self.observer
        obs.feed_event("opened")
        use_msgpack = MSGPACK in ws.headers.get("accept", "").lower()
        if self.faults.refuse_feed:
            obs.feed_event("rejected")
            self._record(ws, 503)
            await self._deny(ws, {"error_reason": "Unavailable"}, 503)
            return
        verdict = self._authorize(
            ws.path_params["monitor_id"], ws.query_params.get("access_token", "")
        )
        if not isinstance(verdict, Monitor):
            status, reason = verdict
            obs.feed_event("rejected")
            self._record(ws, status)
            body = {"authorized": False, "error_reason": reason}
            if self.faults.feed_auth_http:
                await self._deny(ws, body, status)
                return
            await ws.accept()
            error = Message("error", round(self.clock.now_ts(), 3), body)
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                if use_msgpack:
                    await ws.send_bytes(error.msgpack_bytes())
                else:
                    await ws.send_text(error.json_text())
                await ws.close(1008, reason)
            return
        await self._serve(ws, verdict, use_msgpack)

    async def _serve(self, ws: WebSocket, monitor: Monitor, use_msgpack: bool) -> None:
        await ws.accept()
        conn = FeedConnection(ws, monitor, use_msgpack, self)
        self.connections.add(conn)
        self.observer.feed_event("accepted")
        self.observer.feed["msgpack" if use_msgpack else "json"] += 1
        self._record(ws, 101)
        timer: asyncio.TimerHandle | None = None
        if self.faults.in_foreground(self.clock.now_ts()):
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self.faults.foreground_close_after, conn.close, 1000, "")
        for message in self._preamble(monitor):
            conn.put(message)
        try:
            await conn.run()
        finally:
            if timer is not None:
                timer.cancel()
            self.connections.discard(conn)
            self.observer.feed_event("closed")

    def _preamble(self, monitor: Monitor) -> list[Message]:
        """What a client gets on connect: the real order (hello … realtime_update) or the spec's."""
        now = self.clock.now_ts()
        if self.real:
            return real_feed.preamble(monitor, now, online=not self.faults.monitor_offline)
        epoch = round(now, 3)
        features = "realtime,solar" if monitor.solar is not None else "realtime"
        info = {
            "monitor_id": monitor.id,
            "version": monitor.spec.firmware,
            "features": features,
            "solar_configured": monitor.solar is not None,
        }
        return [Message("hello", epoch, {"online": True}), Message("monitor_info", epoch, info)]

    def _of(self, monitor_id: str | None) -> list[FeedConnection]:
        return [c for c in self.connections if monitor_id in (None, c.monitor.id)]

    def tick(self, monitor: Monitor, sample: Sample) -> None:
        """Broadcast one sample (and, now and then, data_change and device_states)."""
        conns = self._of(monitor.id)
        new_events = self._new_events(monitor)
        if not conns or self.faults.monitor_offline:
            return
        messages = [self._realtime(monitor, sample)]
        if self.data_change_every and sample.frame % self.data_change_every == 0:
            messages.append(self.data_change(monitor, sample.ts))
        if self.device_states_every and sample.frame % self.device_states_every == 0:
            messages.append(self._device_states(monitor, sample))
        if new_events and self.real:
            account = self.state.accounts[monitor.owner]
            messages.append(
                real_feed.timeline_event_message(account, monitor, new_events, sample.ts)
            )
        for conn in conns:
            for message in messages:
                conn.put(message)

    def _new_events(self, monitor: Monitor) -> list[Event]:
        """Timeline events recorded since the last tick (for new_timeline_event)."""
        meter = monitor.meter
        sent = self._events_sent.get(monitor.id, meter.event_count)
        self._events_sent[monitor.id] = meter.event_count
        fresh = min(meter.event_count - sent, len(meter.events))
        return list(meter.events)[-fresh:] if fresh > 0 else []

    def _realtime(self, monitor: Monitor, sample: Sample) -> Message:
        if self.real:
            return real_feed.realtime_message(monitor, sample)
        payload = realtime_payload(monitor, sample)
        return Message("realtime_update", round(sample.ts, 3), payload)

    def _device_states(self, monitor: Monitor, sample: Sample) -> Message:
        if self.real:
            return real_feed.device_states_message(monitor, sample)
        payload = device_states_payload(monitor, sample)
        return Message("device_states", round(sample.ts, 3), payload)

    def data_change(self, monitor: Monitor, ts: float) -> Message:
        """data_change carrying the monitor's current device-list checksum."""
        if self.real:
            return real_feed.data_change_message(monitor, ts)
        payload = {
            "device_data_checksum": monitor.checksum,
            "partner_checksum": monitor.checksum[:16],
            "monitor_overview_checksum": monitor.checksum[16:],
            "pending_events": {},
        }
        return Message("data_change", round(ts, 3), payload)

    def announce_change(self, monitor: Monitor) -> None:
        """Tell every client of a monitor now that its device list changed."""
        message = self.data_change(monitor, self.clock.now_ts())
        for conn in self._of(monitor.id):
            conn.put(message)

    def inject(self, monitor_id: str | None, build: Callable[[FeedConnection], list[Frame]]) -> int:
        """Queue crafted frames on every matching connection; returns how many got them."""
        conns = self._of(monitor_id)
        for conn in conns:
            conn.put_raw(build(conn))
        return len(conns)

    def drop(self, monitor_id: str | None = None, code: int = 1001, reason: str = "") -> int:
        """Close every matching connection with `code`; returns how many."""
        conns = self._of(monitor_id)
        for conn in conns:
            conn.close(code, reason)
        return len(conns)

    async def close_all(self, timeout: float = 2.0) -> None:
        """Close every feed (going away) and wait for their coroutines to finish."""
        self.drop(None, 1001, "server shutting down")
        with contextlib.suppress(TimeoutError):
            await self.observer.wait_for(lambda: not self.connections, timeout)
