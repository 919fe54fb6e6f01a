"""The parts of a logged-in connection, built and wired in one place."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from .config import DriverConfig
from .const import DEVICE_LIST_MIN_GAP_S, HISTORY_REFRESH_S
from .energy import EnergyHistory
from .hostport import HostPort
from .models import DataChange
from .monitor import MonitorSession
from .poller import DevicePoller, Retrained
from .retraining import Retraining
from .source import FeedHealth, RealtimeSource
from .timing import Timing
from .writer import SampleObserver

__all__ = ["Parts"]

Task = tuple[str, Callable[[], Coroutine[Any, Any, None]]]


# Settings the running parts take as they are changed (see Parts.retune).
LIVE_SETTINGS = frozenset({"status_interval", "follow_retraining", "realtime_poll_interval"})


class Parts:
    """The device list, energy history, retraining and realtime source of one monitor."""

    def __init__(
        self,
        monitor: MonitorSession,
        *,
        port: HostPort,
        health: FeedHealth,
        timing: Timing,
        clock: Callable[[], float],
        rng: random.Random,
        observer: SampleObserver | None = None,
    ) -> None:
        cfg, scale = monitor.cfg, timing.interval_scale
        summary = monitor.monitor
        assert summary is not None, "parts are built after the login found the monitor"
        monitor_id = summary.monitor_id
        self.monitor = monitor
        self._log = port.log
        self._checksum: str | None = None  # the newest device_data_checksum of the feed
        self.devices = DevicePoller(
            lambda: monitor.call(lambda a, t, m: a.get_devices_overview(t, m), "devices"),
            self._devices_applied,
            interval=cfg.status_interval_s * scale,
            log=port.log,
            min_gap=DEVICE_LIST_MIN_GAP_S * scale,
        )
        self.retraining = Retraining(
            self.devices.catalog,
            follow=cfg.follow_retraining,
            zone_addresses=port.zone_addresses,
            log=port.log,
            clock=clock,
        )
        self.energy = EnergyHistory(
            lambda s, start, solar: monitor.history.period(monitor_id, s, start, solar=solar),
            write=port.write_once,
            log=port.log,
            solar_configured=summary.solar_configured,
            clock=clock,
            refresh_s=HISTORY_REFRESH_S * scale,
        )
        self.realtime = RealtimeSource(
            monitor,
            port,
            health,
            self.retraining,
            on_data_change=self._data_changed,
            timing=timing,
            clock=clock,
            rng=rng,
            poll_interval=cfg.realtime_poll_s * scale,
            observer=observer,
        )

    def retune(self, name: str, cfg: DriverConfig, scale: float) -> None:
        """Apply one of LIVE_SETTINGS to the running parts (no reconnect needed)."""
        if name == "status_interval":
            self.devices.set_interval(cfg.status_interval_s * scale)
        elif name == "follow_retraining":
            self.retraining.set_follow(cfg.follow_retraining)
        elif name == "realtime_poll_interval":
            self.realtime.fallback.set_interval(cfg.realtime_poll_s * scale)

    def tasks(self) -> list[Task]:
        """What the supervisor runs for these parts."""
        return [
            ("sense-poller", self.devices.run),
            ("sense-energy", self.energy.run),
            *self.realtime.tasks(),
        ]

    def _data_changed(self, change: DataChange) -> None:
        checksum = change.device_data_checksum
        if not checksum:
            return
        devices = self.devices
        # The first checksum of a session is news if the list was loaded before it, unless that
        # list carried the same checksum (the real overview does).
        first, known = self._checksum is None, checksum in (devices.checksum, self._checksum)
        self._checksum = checksum
        if known or (first and not devices.catalog.loaded):
            return
        self._log(logging.INFO, "device list changed on Sense; refreshing it now")
        devices.trigger()
        self.retraining.list_changed(devices.fetches + 1)

    async def _devices_applied(self, fetch: int, changes: list[Retrained]) -> None:
        for old_id in self.retraining.devices_applied(fetch, changes):
            self.realtime.writer.forget_zone(old_id)
