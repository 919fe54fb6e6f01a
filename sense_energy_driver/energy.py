"""Energy history: today's kWh attributes and each device's average monthly kWh, cached."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .const import AVG_MONTHLY_CACHE_S, HISTORY_REFRESH_S
from .history import Period

__all__ = ["EnergyHistory", "TodayTotals"]

_LOGGER = logging.getLogger(__name__)
_DAYS_PER_MONTH = 365.2425 / 12

# (scale, start, with solar) -> the period's energy
FetchPeriod = Callable[[str, datetime, bool], Awaitable[Period]]


@dataclass(frozen=True, slots=True)
class TodayTotals:
    """Today's energy, as device attributes."""

    usage_today_kwh: float
    production_today_kwh: float | None = None
    to_grid_today_kwh: float | None = None
    from_grid_today_kwh: float | None = None

    def writes(self) -> list[tuple[str, object]]:
        values = (
            ("usage_today_kwh", self.usage_today_kwh),
            ("production_today_kwh", self.production_today_kwh),
            ("to_grid_today_kwh", self.to_grid_today_kwh),
            ("from_grid_today_kwh", self.from_grid_today_kwh),
        )
        return [(name, round(v, 3)) for name, v in values if v is not None]


class EnergyHistory:
    """Reads history through the session, never more often than its cache periods allow.

    avg_monthly_kwh: one YEAR usage call from January 1st (UTC) gives each device's kWh so far
    this year; divided by the months elapsed (at least one), it is that device's monthly average.
    """

    def __init__(
        self,
        fetch: FetchPeriod,
        *,
        solar_configured: bool,
        clock: Callable[[], float],
        refresh_s: float = HISTORY_REFRESH_S,
        avg_cache_s: float = AVG_MONTHLY_CACHE_S,
    ) -> None:
        self._fetch = fetch
        self._solar_configured = solar_configured
        self._clock = clock
        self._refresh_s = refresh_s
        self._avg_cache_s = avg_cache_s
        self._today: TodayTotals | None = None
        self._today_at = float("-inf")
        self._avg: dict[str, float] = {}
        self._avg_at = float("-inf")

    async def today(self) -> TodayTotals:
        """Today's totals, refetched at most every `refresh_s` seconds."""
        now = self._clock()
        if self._today is not None and now - self._today_at < self._refresh_s:
            return self._today
        start = datetime.fromtimestamp(now, UTC)
        day = await self._fetch("DAY", start, self._solar_configured)
        totals = TodayTotals(
            usage_today_kwh=day.usage_kwh,
            production_today_kwh=day.production_kwh,
            to_grid_today_kwh=day.to_grid_kwh,
            from_grid_today_kwh=day.from_grid_kwh,
        )
        self._today, self._today_at = totals, now
        return totals

    async def avg_monthly_kwh(self) -> dict[str, float]:
        """Each device's average kWh per month this year; one REST call an hour at most."""
        now = self._clock()
        if now - self._avg_at < self._avg_cache_s:
            return self._avg
        today = datetime.fromtimestamp(now, UTC)
        year_start = datetime(today.year, 1, 1, tzinfo=UTC)
        year = await self._fetch("YEAR", year_start, False)
        months = max(1.0, (today - year_start).total_seconds() / 86400 / _DAYS_PER_MONTH)
        self._avg = {d.id: round(d.kwh / months, 2) for d in year.devices}
        self._avg_at = now
        return self._avg
