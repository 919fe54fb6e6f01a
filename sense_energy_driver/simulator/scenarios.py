"""Scenario verbs and test observability for SenseSimulator (the 'use cases' of the fake)."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable

from .auth import TokenStore, totp_code
from .clock import SimClock
from .faults import Faults, HttpFault, RateLimiter
from .feed import FeedConnection, FeedHub
from .layout import RateLimit
from .meter import SOLAR, Sample
from .observe import RequestRecord
from .state import Monitor, SimState
from .ticker import Ticker
from .wire import Frame, malformed_frames, realtime_payload

__all__ = ["Scenarios"]

_LOGGER = logging.getLogger(__name__)


class Scenarios:
    """Mixin of SenseSimulator: every fault, control and wait a test can use."""

    state: SimState
    clock: SimClock
    faults: Faults
    tokens: TokenStore
    hub: FeedHub
    limiter: RateLimiter
    ticker: Ticker

    # --- reading the truth ------------------------------------------------------------------

    def monitor(self, monitor_id: str | None = None) -> Monitor:
        """A monitor by id; None means the primary account's first monitor."""
        return self.state.monitors[monitor_id or self.state.primary.monitor_ids[0]]

    def monitor_ids(self) -> list[str]:
        """The primary account's monitors, in the order authenticate lists them."""
        return list(self.state.primary.monitor_ids)

    def device_ids(self, monitor_id: str | None = None) -> dict[str, str]:
        """Active devices as {id: name}, including 'always_on' and 'unknown'."""
        return {d.id: d.name for d in self.monitor(monitor_id).active_devices()}

    def device_id(self, name: str, monitor_id: str | None = None) -> str:
        """The id of the active device with this name (case-insensitive), or KeyError."""
        for dev in self.monitor(monitor_id).active_devices():
            if dev.name.lower() == name.lower():
                return dev.id
        raise KeyError(name)

    def issued_tokens(self) -> set[str]:
        """Every access and refresh token issued so far (for secret-leak checks)."""
        return self.tokens.issued()

    def latest_sample(self, monitor_id: str | None = None) -> Sample:
        """The newest reading: what the feed last sent (or sends next, if just forced)."""
        sample = self.monitor(monitor_id).meter.last
        if sample is None:
            raise RuntimeError("the simulator is not running")
        return sample

    def truth(self, monitor_id: str | None = None) -> dict[str, float]:
        """Which devices are on right now, with their watts."""
        return self.latest_sample(monitor_id).watts()

    def realtime_payload(self, monitor_id: str | None = None) -> dict[str, object]:
        """The payload a realtime_update would carry right now."""
        mon = self.monitor(monitor_id)
        return realtime_payload(mon, self.latest_sample(monitor_id))

    def totp_code(self) -> str:
        """The current TOTP code for the account's MFA secret."""
        secret = self.state.primary.mfa_secret
        if secret is None:
            raise RuntimeError("the simulated account has no MFA secret")
        return totp_code(secret)

    # --- deterministic device control -------------------------------------------------------

    def _resample(self, mon: Monitor) -> None:
        last = mon.meter.last
        if last is not None:
            mon.meter.sample(self.clock.now_ts(), last.frame)

    def force_device(self, monitor_id: str | None, device_id: str, watts: float) -> None:
        """Hold a device at `watts` (0 = off) regardless of its profile; 'solar' too."""
        mon = self.monitor(monitor_id)
        if device_id != SOLAR and not mon.devices[device_id].active:
            raise ValueError(f"device {device_id!r} is not active")
        if device_id == SOLAR and mon.solar is None:
            raise ValueError("monitor has no solar")
        mon.overrides[device_id] = max(0.0, float(watts))
        self._resample(mon)

    def force_device_off(self, monitor_id: str | None, device_id: str) -> None:
        self.force_device(monitor_id, device_id, 0.0)

    def release_device(self, monitor_id: str | None, device_id: str | None = None) -> None:
        """Hand a device (or, with None, every device) back to its profile."""
        mon = self.monitor(monitor_id)
        if device_id is None:
            mon.overrides.clear()
        else:
            mon.overrides.pop(device_id, None)
        self._resample(mon)

    def _changed(self, mon: Monitor) -> None:
        self._resample(mon)
        self.hub.announce_change(mon)

    def retrain_device(self, monitor_id: str | None, device_id: str) -> str:
        """Sense retrains a device: returns the new id; the old one gets MergeId."""
        mon = self.monitor(monitor_id)
        new = mon.retrain_device(device_id, self.clock.now_ts())
        self._changed(mon)
        return new.id

    def add_device(
        self,
        monitor_id: str | None,
        name: str,
        kind: str = "constant",
        *,
        icon: str | None = None,
        watts: float | None = None,
    ) -> str:
        """Sense learns a new device (a profile kind from profiles.KINDS); returns its id."""
        mon = self.monitor(monitor_id)
        dev = mon.add_device(name, kind, self.clock.now_ts(), icon=icon, watts=watts)
        self._changed(mon)
        return dev.id

    def remove_device(self, monitor_id: str | None, device_id: str) -> None:
        """The user deletes a device: it leaves the overview and the feed."""
        mon = self.monitor(monitor_id)
        mon.remove_device(device_id)
        self._changed(mon)

    # --- realtime feed faults ---------------------------------------------------------------

    def drop_feed_connections(
        self, monitor_id: str | None = None, code: int = 1001, reason: str = ""
    ) -> int:
        """Close every open feed (of one monitor, or all); code 1006 drops TCP, no close frame."""
        return self.hub.drop(monitor_id, code, reason)

    def app_in_foreground(
        self, duration: float | None = 300.0, *, close_after: float | None = None
    ) -> None:
        """The Sense app opens: feeds close now and new ones soon after, for `duration` sim s."""
        until = math.inf if duration is None else self.clock.now_ts() + duration
        self.faults.foreground_until = until
        if close_after is not None:
            self.faults.foreground_close_after = close_after
        self.hub.drop(None, 1000, "")

    def app_in_background(self) -> None:
        self.faults.foreground_until = None

    def stall_feed(self, duration: float | None = None) -> None:
        """Feeds stay open but go silent for `duration` simulated seconds (None: until resumed)."""
        self.faults.stall_until = math.inf if duration is None else self.clock.now_ts() + duration

    def resume_feed(self) -> None:
        self.faults.stall_until = None

    def send_malformed(
        self, kind: str, *, monitor_id: str | None = None, size: int = 10_000_000
    ) -> int:
        """Send every open feed a damaged frame of a MALFORMED_KINDS kind; returns how many."""

        def build(conn: FeedConnection) -> list[Frame]:
            base = realtime_payload(conn.monitor, self.latest_sample(conn.monitor.id))
            return malformed_frames(kind, conn.msgpack, base, size)

        malformed_frames(kind, False, {}, 0)  # reject an unknown kind before queueing anything
        return self.hub.inject(monitor_id, build)

    def set_msgpack_reframing(self, enabled: bool = True) -> None:
        """Split one msgpack triple across two frames and pack two triples into one frame."""
        self.faults.msgpack_reframe = enabled

    def refuse_feed_upgrades(self, enabled: bool = True) -> None:
        """Answer every WebSocket upgrade with HTTP 503 (the REST-fallback case)."""
        self.faults.refuse_feed = enabled

    def reject_feed_auth_with_http(self, enabled: bool = True) -> None:
        """Refuse a bad feed token with an HTTP 401 upgrade response instead of an error message."""
        self.faults.feed_auth_http = enabled

    # --- REST and auth faults ---------------------------------------------------------------

    def expire_access_tokens(self, *, drop_feeds: bool = False) -> int:
        """Every access token issued so far expires now; optionally drop the feeds too."""
        count = self.tokens.expire_access_tokens()
        if drop_feeds:
            self.hub.drop(None, 1008, "token expired")
        return count

    def revoke_refresh_tokens(self) -> int:
        """Every refresh token issued so far stops working (a password login still works)."""
        return self.tokens.revoke_refresh_tokens()

    def fail_requests(self, count: int, *, status: int = 503, endpoint: str | None = None) -> None:
        """The next `count` REST requests (to `endpoint`, or any) get `status` (500/502/503)."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx")
        self.faults.add_burst(HttpFault(status), count, endpoint)

    def rate_limit_requests(
        self, count: int, *, retry_after: float = 30, endpoint: str | None = None
    ) -> None:
        """The next `count` REST requests (to `endpoint`, or any) get 429 with Retry-After."""
        self.faults.add_burst(HttpFault(429, retry_after), count, endpoint)

    def set_rate_limit(self, endpoint: str, limit: RateLimit | None) -> None:
        """Change (or with None remove) one endpoint's standing rate limit."""
        if limit is None:
            self.limiter.limits.pop(endpoint, None)
        else:
            self.limiter.limits[endpoint] = limit

    def clear_faults(self) -> None:
        """Back to a healthy cloud: no bursts, stalls, foreground, refusals or reframing."""
        self.faults.clear_bursts()
        self.faults.refuse_feed = False
        self.faults.feed_auth_http = False
        self.faults.msgpack_reframe = False
        self.faults.foreground_until = None
        self.faults.stall_until = None
        self.faults.monitor_offline = False

    def set_monitor_online(self, online: bool, *, drop_feeds: bool = True) -> None:
        """The monitor goes offline (or back): a new feed's hello says `online: false` and no
        samples flow. Open feeds are dropped so clients reconnect and read the new hello."""
        self.faults.monitor_offline = not online
        if drop_feeds:
            self.hub.drop(None, 1001, "monitor offline" if not online else "monitor online")

    # --- observability ----------------------------------------------------------------------

    @property
    def requests(self) -> Counter[str]:
        """Requests answered, per endpoint name (e.g. 'authenticate', 'realtimefeed')."""
        return self.hub.observer.requests

    @property
    def request_log(self) -> list[RequestRecord]:
        return self.hub.observer.request_log

    @property
    def feed_counts(self) -> Counter[str]:
        """Feed connections 'opened', 'accepted', 'rejected' and 'closed' so far."""
        return self.hub.observer.feed

    @property
    def feed_clients(self) -> int:
        """Feed connections open right now."""
        return self.hub.observer.feed_clients

    @property
    def frame(self) -> int:
        """The latest frame number (ticks since the start)."""
        return self.ticker.frame

    async def wait_for(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds, re-checked on each request, feed event and tick."""
        await self.hub.observer.wait_for(predicate, timeout)

    async def wait_for_feed_clients(self, n: int, *, timeout: float = 5.0) -> None:
        """Wait until exactly `n` feeds are open."""
        await self.wait_for(lambda: self.feed_clients == n, timeout=timeout)

    async def wait_for_feed_event(self, kind: str, count: int = 1, *, timeout: float = 5.0) -> None:
        """Wait until `feed_counts[kind]` reaches `count` (counts are cumulative)."""
        await self.wait_for(lambda: self.feed_counts[kind] >= count, timeout=timeout)

    async def wait_for_request(
        self, endpoint: str, count: int = 1, *, timeout: float = 5.0
    ) -> None:
        """Wait until `requests[endpoint]` reaches `count` (counts are cumulative)."""
        await self.wait_for(lambda: self.requests[endpoint] >= count, timeout=timeout)

    async def wait_for_frames(self, n: int = 1, *, timeout: float = 5.0) -> None:
        """Wait for `n` more sampling ticks."""
        target = self.hub.observer.ticks + n
        await self.wait_for(lambda: self.hub.observer.ticks >= target, timeout=timeout)
