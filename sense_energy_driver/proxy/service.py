"""ProxyService: the proxy devices of one driver, their readings, their plugs, their commands.

The driver owns one; it configures it from `proxy_devices` and `kasa_bind`, feeds it the zone
values it writes, and forwards the two commands. The command line may add proxies with a fixed
reading and choose the address before the driver connects. A source outside the driver (an MQTT
topic) attaches a feed: it is told which keys to listen to and pushes what arrives. Failing to
listen is logged, never raised: the driver's own work goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import SenseCommandError, SenseConfigError
from .answers import Plug, is_sense_poll, plug_answer, strip_answer
from .codec import encode_answer
from .devices import (
    BindAddress,
    ProxyDevice,
    Source,
    SourceKind,
    check_unique,
    check_watts,
    default_timeout,
    parse_bind,
)
from .payload import pushed_watts
from .ratelimit import RateLimit
from .readings import ProxyReadings
from .server import KasaCounters, KasaServer

__all__ = ["ProxyService"]

_LOGGER = logging.getLogger(__name__)

Log = Callable[[int, str], None]
FeedListener = Callable[[frozenset[str]], None]  # the keys (topics) some proxy reads now


def _module_log(level: int, message: str) -> None:
    _LOGGER.log(level, "%s", message)


class ProxyService:
    """Declared and command-line proxies, their readings, and the server answering for them."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        log: Log = _module_log,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self._clock = clock
        self._log = log
        self._rate_limit = rate_limit
        self._readings = ProxyReadings(clock)
        self._declared: tuple[ProxyDevice, ...] = ()
        self._fixed: tuple[ProxyDevice, ...] = ()
        self._devices: tuple[ProxyDevice, ...] = ()
        self._by_name: dict[str, ProxyDevice] = {}
        self._by_source: dict[Source, list[ProxyDevice]] = {}
        # Addresses some proxy reads: the write step tells this service about these only.
        self.watched_zones: frozenset[str] = frozenset()
        self._bind = parse_bind(None)
        self._bind_override: BindAddress | None = None
        self._server: KasaServer | None = None
        self._started_at = clock()
        self._counters = KasaCounters()  # totals of servers already stopped
        self._warned: set[str] = set()
        self._rejected: dict[str, int] = {}  # case-folded proxy name -> pushed values refused
        self._feeds: dict[SourceKind, FeedListener] = {}
        self._feed_keys: dict[SourceKind, frozenset[str]] = {}

    # --- configuration ---------------------------------------------------------------------------

    def add_fixed(
        self, readings: Mapping[str, float | Source], bind: BindAddress | None = None
    ) -> None:
        """Proxies given on the command line: a fixed reading that holds until set_proxy_power,
        or a source that pushes (an MQTT topic).

        SenseConfigError for a name given twice, a reading that is not possible, or a source
        nothing feeds.
        """
        command = Source(SourceKind.COMMAND)
        pairs = [
            (ProxyDevice.create(name, value, default_timeout(value)), None)
            if isinstance(value, Source)
            else (ProxyDevice.create(name, command), value)
            for name, value in readings.items()
        ]
        check_unique([*self._fixed, *(device for device, _ in pairs)], "--proxy")
        self._check_fed((device for device, _ in pairs), "--proxy")
        try:
            values = [
                (device, check_watts(watts, f"--proxy {device.name}"))
                for device, watts in pairs
                if watts is not None
            ]
        except ValueError as err:
            raise SenseConfigError(str(err)) from None
        for device, watts in values:
            self._readings.set(device, watts)
        self._fixed = (*self._fixed, *(device for device, _ in pairs))
        if bind is not None:
            self._bind_override = bind
        self._index()

    async def apply(self, declared: tuple[ProxyDevice, ...], bind: BindAddress) -> None:
        """New configuration: readings of proxies that remain are kept; the server follows.

        SenseConfigError when a declared name is also a command-line one.
        """
        check_unique([*declared, *self._fixed], "attribute 'proxy_devices' and --proxy")
        self._check_fed(declared, "attribute 'proxy_devices'")
        self._declared, self._bind = declared, bind
        self._index()
        self._readings.forget_others(self._devices)
        names = {d.name.casefold() for d in self._devices}
        self._rejected = {k: n for k, n in self._rejected.items() if k in names}
        want = self._bind_override or self._bind
        server = self._server
        if server is not None and (not self._devices or server.requested != want):
            await self.stop()
        if self._devices and self._server is None:
            await self._start(want)

    def _index(self) -> None:
        self._devices = (*self._declared, *self._fixed)
        self._by_name = {d.name.casefold(): d for d in self._devices}
        self._by_source = {}
        for device in self._devices:
            self._by_source.setdefault(device.source, []).append(device)
        self.watched_zones = self._keys(SourceKind.ZONE)
        for kind, listener in list(self._feeds.items()):
            keys = self._keys(kind)
            if keys != self._feed_keys.get(kind):
                self._feed_keys[kind] = keys
                listener(keys)

    def _keys(self, kind: SourceKind) -> frozenset[str]:
        return frozenset(d.source.key for d in self._devices if d.source.kind is kind)

    # --- feeds: sources outside the driver that push values --------------------------------------

    def attach_feed(self, kind: SourceKind, listener: FeedListener) -> Callable[[], None]:
        """A feed for `kind` (one per kind): told the keys to read now and on every change.

        Returns the function that detaches it. While no MQTT feed is attached, `apply` and
        `add_fixed` refuse proxies with an `mqtt:` source, naming what is missing.
        """
        self._feeds[kind] = listener
        self._feed_keys[kind] = keys = self._keys(kind)
        listener(keys)

        def detach() -> None:
            if self._feeds.get(kind) is listener:
                del self._feeds[kind]
                self._feed_keys.pop(kind, None)

        return detach

    def _check_fed(self, devices: Iterable[ProxyDevice], where: str) -> None:
        for device in devices:
            if device.source.kind is SourceKind.MQTT and SourceKind.MQTT not in self._feeds:
                raise SenseConfigError(
                    f"{where}: proxy '{device.name}' reads the MQTT topic "
                    f"'{device.source.key}', but this driver has no MQTT connection: start it "
                    "with --mqtt mqtt://HOST[:PORT] (run or demo) to subscribe on that broker, "
                    "or give the proxy the source 'command' or 'zone:<zone address>'"
                )

    async def _start(self, bind: BindAddress) -> None:
        server = KasaServer(self, bind, rate_limit=self._rate_limit, clock=self._clock)
        try:
            address = await server.start()
        except SenseConfigError as err:
            self._log(logging.ERROR, str(err))
            return
        self._server = server
        names = ", ".join(d.name for d in self._devices)
        self._log(logging.INFO, f"proxy devices answering as Kasa plugs on {address}: {names}")

    async def stop(self) -> None:
        """Close the sockets; readings and configuration stay for the next start."""
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
            for name, value in server.counters.as_dict().items():
                setattr(self._counters, name, getattr(self._counters, name) + value)

    # --- readings --------------------------------------------------------------------------------

    def push(self, source: Source, value: object) -> int:
        """A new value from a source: every proxy reading it takes it; how many did.

        The one entry point for sources that push (a zone, an MQTT topic). The value may be a
        number, its text or a JSON object naming it (see payload.py). One that is not a possible
        reading is ignored and counted per proxy (`rejected` in get_proxy_devices), with one
        warning per proxy; the last good reading stays until the proxy's timeout.
        """
        devices = self._by_source.get(source, ())
        if not devices:
            return 0
        try:
            watts = pushed_watts(value, f"{source} value")
        except ValueError as err:
            for device in devices:
                self._reject(device, err)
            return 0
        for device in devices:
            self._readings.set(device, watts)
        return len(devices)

    def _reject(self, device: ProxyDevice, err: ValueError) -> None:
        key = device.name.casefold()
        self._rejected[key] = self._rejected.get(key, 0) + 1
        if key not in self._warned:
            self._warned.add(key)
            self._log(
                logging.WARNING,
                f"proxy '{device.name}': {err}; value ignored (later ones are only counted: "
                "'rejected' in get_proxy_devices)",
            )

    def zone_written(self, address: str, name: str, value: object) -> None:
        """The driver wrote a zone attribute: a `power` feeds the proxies reading that zone."""
        if name == "power" and address in self.watched_zones:
            self.push(Source(SourceKind.ZONE, address), value)

    def sample_received(self) -> None:
        """A realtime sample arrived: zones it did not rewrite are unchanged, so still fresh."""
        if self.watched_zones:
            for device in self._devices:
                if device.source.kind is SourceKind.ZONE:
                    self._readings.touch(device)

    def set_power(self, name: object, watts: object) -> dict[str, object]:
        """set_proxy_power: a new reading for a proxy whose source is the command."""
        device = self._by_name.get(name.strip().casefold()) if isinstance(name, str) else None
        if device is None:
            known = ", ".join(d.name for d in self._devices) or "none are declared"
            raise SenseCommandError(
                f"set_proxy_power: no proxy device named {name!r}; proxy devices: {known}"
            )
        if device.source.kind is not SourceKind.COMMAND:
            raise SenseCommandError(
                f"set_proxy_power: proxy '{device.name}' reads its watts from {device.source}; "
                "only proxies whose source is 'command' take set_proxy_power"
            )
        try:
            value = check_watts(watts, "set_proxy_power: argument 'watts'")
        except ValueError as err:
            raise SenseCommandError(str(err)) from None
        self._readings.set(device, value)
        return self._entry(device)

    # --- what the plugs say (the server's Responder) ---------------------------------------------

    def _plugs(self) -> list[Plug]:
        return [Plug(d, self._readings.view(d)) for d in self._devices]

    def _on_time(self) -> int:
        return max(0, int(self._clock() - self._started_at))

    def udp_answers(self, request: dict[str, Any]) -> list[bytes]:
        plugs, on_time = self._plugs(), self._on_time()
        if is_sense_poll(request):
            return [encode_answer(plug_answer(plug, on_time)) for plug in plugs]
        return [encode_answer(strip_answer(request, plugs, on_time))]

    def tcp_answer(self, request: dict[str, Any]) -> bytes:
        return encode_answer(strip_answer(request, self._plugs(), self._on_time()))

    # --- state, for commands and tests -----------------------------------------------------------

    @property
    def devices(self) -> tuple[ProxyDevice, ...]:
        return self._devices

    @property
    def address(self) -> BindAddress | None:
        """Where the plugs answer now (None when not listening)."""
        return self._server.address if self._server is not None else None

    @property
    def counters(self) -> KasaCounters:
        """Totals over every server this service ran, the running one included."""
        total = KasaCounters(**self._counters.as_dict())
        if self._server is not None:
            for name, value in self._server.counters.as_dict().items():
                setattr(total, name, getattr(total, name) + value)
        return total

    def _entry(self, device: ProxyDevice) -> dict[str, object]:
        view = self._readings.view(device)
        return {
            "name": device.name,
            "device_id": device.device_id,
            "mac": device.mac,
            "source": str(device.source),
            "timeout_s": device.timeout_s,
            "watts": view.watts,
            "last_watts": view.last_watts,
            "age_s": None if view.age_s is None else round(view.age_s, 1),
            "stale": view.stale,
            "energy_wh": round(view.energy_wh, 3),
            "rejected": self._rejected.get(device.name.casefold(), 0),
        }

    def describe(self) -> dict[str, object]:
        """get_proxy_devices: where the plugs listen, each proxy's reading, the counters."""
        address = self.address
        return {
            "listening": None if address is None else str(address),
            "bind": str(self._bind_override or self._bind),
            "devices": [self._entry(d) for d in self._devices],
            "counters": self.counters.as_dict(),
        }
