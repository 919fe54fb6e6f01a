"""One monitor's energy history: the trends endpoint real clients use, the OpenAPI paths on 404."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from .errors import SenseNotFoundError
from .restmodels import SolarHistory, Trends, UsageHistory

if TYPE_CHECKING:
    from .api import SenseApi

__all__ = ["DeviceKwh", "HistorySource", "Period"]

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
Route = Literal["trends", "openapi"]


class Caller(Protocol):
    """SenseSession.call: run op(access_token) with renew and retry, named for the log."""

    async def __call__(self, op: Callable[[str], Awaitable[T]], *, name: str) -> T: ...


@dataclass(frozen=True, slots=True)
class DeviceKwh:
    """One device's energy over a period."""

    id: str
    name: str
    icon: str
    kwh: float


@dataclass(frozen=True, slots=True)
class Period:
    """Energy over one period, whichever endpoint answered; solar fields None when not asked."""

    start: str
    usage_kwh: float
    devices: tuple[DeviceKwh, ...] = ()
    production_kwh: float | None = None
    to_grid_kwh: float | None = None
    from_grid_kwh: float | None = None
    net_kwh: float | None = None
    solar_pct: float | None = None


def _from_trends(body: Trends) -> Period:
    production = body.production
    return Period(
        start=body.start,
        usage_kwh=body.consumption.total,
        devices=tuple(
            DeviceKwh(d.id, d.name, d.icon, d.total_kwh) for d in body.consumption.devices if d.id
        ),
        production_kwh=production.total if production is not None else None,
        to_grid_kwh=body.to_grid,
        from_grid_kwh=body.from_grid,
        net_kwh=body.net_production,
        solar_pct=body.solar_powered,
    )


def _from_openapi(usage: UsageHistory, solar: SolarHistory | None) -> Period:
    devices = tuple(
        DeviceKwh(d.id, d.name, d.icon, d.consumption.usage_total_kwh)
        for d in usage.device_breakdown
        if d.id
    )
    if solar is None:
        return Period(
            start=usage.start, usage_kwh=usage.consumption.usage_total_kwh, devices=devices
        )
    total = solar.total
    return Period(
        start=usage.start,
        usage_kwh=usage.consumption.usage_total_kwh,
        devices=devices,
        production_kwh=total.production_kwh,
        to_grid_kwh=total.to_grid_kwh,
        from_grid_kwh=total.from_grid_kwh,
        net_kwh=total.net_kwh,
        solar_pct=total.solar_percentage,
    )


class HistorySource:
    """Reads a period through /app/history/trends first; on a 404 it tries the OpenAPI document's
    /app/monitors/{id}/history/usage(/solar), and remembers per monitor which one answered."""

    def __init__(self, api: SenseApi, call: Caller) -> None:
        self._api = api
        self._call = call
        self._routes: dict[str, Route] = {}

    def route(self, monitor_id: str) -> Route | None:
        """The endpoint known to work for this monitor, or None before the first answer."""
        return self._routes.get(monitor_id)

    async def period(self, monitor_id: str, scale: str, start: datetime, *, solar: bool) -> Period:
        """Energy over the period of `scale` containing `start`; solar totals if `solar`."""
        route = self._routes.get(monitor_id)
        if route == "openapi":
            return await self._openapi(monitor_id, scale, start, solar=solar)
        try:
            body = await self._call(
                lambda t: self._api.get_trends(t, monitor_id, scale, start), name="trends"
            )
        except SenseNotFoundError as err:
            if route == "trends":
                raise  # it answered before: this 404 is about the request, not the path
            _LOGGER.info(
                "history: trends answered 404 for monitor %s (%s); using the monitor history path",
                monitor_id,
                err,
            )
            return await self._openapi(monitor_id, scale, start, solar=solar)
        self._routes[monitor_id] = "trends"
        return _from_trends(body)

    async def _openapi(
        self, monitor_id: str, scale: str, start: datetime, *, solar: bool
    ) -> Period:
        api = self._api
        usage = await self._call(lambda t: api.get_usage(t, monitor_id, scale, start), name="usage")
        self._routes[monitor_id] = "openapi"
        if not solar:
            return _from_openapi(usage, None)
        totals = await self._call(
            lambda t: api.get_solar(t, monitor_id, scale, start), name="solar"
        )
        return _from_openapi(usage, totals)
