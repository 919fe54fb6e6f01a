"""The read-only JSON API under /api/ and the live event stream the page follows.

Every answer is built from documented runtime attributes only (never configuration, so never a
secret); bad query parameters get a 400 naming the parameter and what is valid.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..standalone.store import DEVICE, ZONE
from .daily import DailyUsage
from .data import read_series, read_zone_states
from .live import LiveFeed
from .timeline import local_midnight, spans

if TYPE_CHECKING:
    from ..standalone import StandaloneHost

__all__ = ["DashboardApi"]

MAX_POINTS = 10_000
DEFAULT_RANGE_S = 3600.0
NO_STORE = {"Cache-Control": "no-store"}


class BadRequest(ValueError):
    """A query parameter is wrong; the message says which and what is valid."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


def _json(data: object) -> JSONResponse:
    return JSONResponse(data, headers=NO_STORE)


def _time(request: Request, name: str, default: float) -> float:
    """Unix seconds or ISO 8601 (a time without an offset is this machine's local time)."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).astimezone().timestamp()
    except ValueError:
        raise BadRequest(
            f"'{name}' must be Unix seconds or an ISO 8601 time such as 2026-01-31T18:00:00Z, "
            f"got {text!r}"
        ) from None


class DashboardApi:
    """The /api routes over one host, its live feed and the daily totals."""

    def __init__(
        self,
        host: StandaloneHost,
        live: LiveFeed,
        daily: DailyUsage,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._host = host
        self._live = live
        self._daily = daily
        self._clock = clock
        self._device_names = live.device_names
        self._zone_names = live.zone_names

    def routes(self) -> list[Route]:
        return [
            Route("/api/state", self.state),
            Route("/api/values", self.values),
            Route("/api/zones", self.zones),
            Route("/api/health", self.health),
            Route("/api/history", self.history),
            Route("/api/timeline", self.timeline),
            Route("/api/daily", self.daily),
            Route("/api/events", self.events),
        ]

    async def state(self, request: Request) -> Response:
        """Everything the page shows at once (what the event stream's first message holds)."""
        return _json(self._live.state())

    async def values(self, request: Request) -> Response:
        zones = {
            z["address"]: {"state": z["state"], "power": z["power"]} for z in self._live.zones()
        }
        return _json({"now": self._clock(), "device": self._live.device_values(), "zones": zones})

    async def zones(self, request: Request) -> Response:
        return _json({"now": self._clock(), "zones": self._live.zones()})

    async def health(self, request: Request) -> Response:
        return _json(self._live.health())

    async def history(self, request: Request) -> Response:
        """One attribute over a time range: ?name=power[&zone=ADDRESS][&since=...][&until=...]."""
        try:
            name, scope, address = self._attribute(request)
            now = self._clock()
            until = _time(request, "until", now)
            since = _time(request, "since", until - DEFAULT_RANGE_S)
            if since > until:
                raise BadRequest(f"'since' ({since:.0f}) is after 'until' ({until:.0f})")
        except BadRequest as err:
            return _error(400, str(err))
        series = await read_series(
            self._host.store_path,
            name=name,
            scope=scope,
            address=address,
            since=since,
            until=until,
            cap=MAX_POINTS,
        )
        return _json(
            {
                "name": name,
                "zone": address or None,
                "since": since,
                "until": until,
                "points": [[round(ts, 3), value] for ts, value in series.points],
                "truncated": series.truncated,
            }
        )

    def _attribute(self, request: Request) -> tuple[str, str, str]:
        name = request.query_params.get("name", "")
        zone = request.query_params.get("zone")
        if zone is None:
            if name not in self._device_names:
                raise BadRequest(
                    f"'name' must be a device attribute ({', '.join(self._device_names)}), or a "
                    f"zone attribute ({', '.join(self._zone_names)}) with 'zone'; got {name!r}"
                )
            return name, DEVICE, ""
        if zone not in self._host.zone_labels():
            bound = ", ".join(sorted(self._host.zone_labels())) or "none"
            raise BadRequest(f"'zone' {zone!r} is not a bound zone (bound: {bound})")
        if name not in self._zone_names:
            raise BadRequest(
                f"'name' must be a zone attribute ({', '.join(self._zone_names)}), got {name!r}"
            )
        return name, ZONE, zone

    async def timeline(self, request: Request) -> Response:
        """Today's on/off spans per zone (since local midnight; `first`: the earliest one known)."""
        now = self._clock()
        since = local_midnight(now)
        writes = await read_zone_states(self._host.store_path, since)
        labels = self._host.zone_labels()
        zones = spans(writes, labels, now)
        first = min((w[0][0] for a, w in writes.items() if w and a in labels), default=now)
        return _json({"since": since, "first": first, "now": now, "zones": zones})

    async def daily(self, request: Request) -> Response:
        """kWh per day for the last 30 days (fetching starts with the first request)."""
        self._daily.ensure_started()
        return _json(self._daily.snapshot())

    async def events(self, request: Request) -> Response:
        """Server-sent events: `state` first, then a `frame` per sample, `daily` on new totals."""
        self._daily.ensure_started()
        client = self._live.connect()

        async def stream() -> AsyncIterator[bytes]:
            try:
                async for message in client.messages():
                    yield message
            finally:
                self._live.disconnect(client)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={**NO_STORE, "X-Accel-Buffering": "no"},
        )
