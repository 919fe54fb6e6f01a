"""Proxy devices as declared: a name, a stable Kasa identity derived from it, a source of watts.

The identity must survive restarts and reinstalls, because Sense keys a plug's history by its
`deviceId` and MAC: both are a SHA-1 of the name (trimmed, case-folded), so renaming a proxy
makes a new plug in Sense, and changing its letter case does not.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..errors import SenseConfigError
from ..netaddress import BindAddress, parse_host_port

__all__ = [
    "DEFAULT_KASA_BIND",
    "DEFAULT_MQTT_TIMEOUT_S",
    "DEFAULT_ZONE_TIMEOUT_S",
    "MAX_PROXY_DEVICES",
    "MAX_WATTS",
    "BindAddress",
    "ProxyDevice",
    "Source",
    "SourceKind",
    "check_watts",
    "default_timeout",
    "parse_bind",
    "parse_proxy_devices",
    "parse_source",
    "proxy_identity",
]

# A 50 kW load is beyond any household circuit (a 200 A, 240 V service is 48 kW): a reading
# above it is a unit mistake (mW, or W·h), never a real load.
MAX_WATTS: Final = 50_000.0
MAX_PROXY_DEVICES: Final = 64
MAX_NAME_LENGTH: Final = 64
# A zone is written on every realtime sample that changes it (about once a second); a minute
# without a sample means the feed is down and its last value is no longer true.
DEFAULT_ZONE_TIMEOUT_S: Final = 60.0
# MQTT publishers report on change or on a period (Tasmota's TelePeriod defaults to 300 s): ten
# minutes without a message means the publisher is gone, not that the load is steady.
DEFAULT_MQTT_TIMEOUT_S: Final = 600.0
MAX_TOPIC_BYTES: Final = 65_535  # the MQTT limit on a topic name
DEFAULT_KASA_BIND: Final = "0.0.0.0:9999"  # all interfaces: Sense broadcasts to the segment
_ENTRY_KEYS: Final = ("name", "source", "timeout")
_ID_NAMESPACE: Final = b"sense_energy_driver proxy device\x00"


class SourceKind(StrEnum):
    """Where a proxy's watts come from."""

    COMMAND = "command"  # set_proxy_power (or a fixed reading given on the command line)
    ZONE = "zone"  # a zone of this driver: the zone's `power` as the driver writes it
    MQTT = "mqtt"  # a topic on the standalone host's MQTT broker (`--mqtt URL`): its payloads


@dataclass(frozen=True, slots=True)
class Source:
    """A source of watts: its kind and, for a zone its address, for MQTT its topic."""

    kind: SourceKind
    key: str = ""

    def __str__(self) -> str:
        return self.kind.value if not self.key else f"{self.kind.value}:{self.key}"


@dataclass(frozen=True, slots=True)
class ProxyDevice:
    """One emulated energy-monitoring plug; `timeout_s` None means a reading never goes stale."""

    name: str
    device_id: str  # 40 upper-case hex digits, as Kasa plugs report `deviceId`
    mac: str  # locally administered, unicast: never collides with a real plug's vendor MAC
    source: Source
    timeout_s: float | None = None

    @classmethod
    def create(cls, name: str, source: Source, timeout_s: float | None = None) -> ProxyDevice:
        device_id, mac = proxy_identity(name)
        return cls(name.strip(), device_id, mac, source, timeout_s)


def proxy_identity(name: str) -> tuple[str, str]:
    """(deviceId, MAC) for a proxy name: SHA-1 of a fixed namespace and the case-folded name."""
    digest = hashlib.sha1(  # an identifier, not a secret
        _ID_NAMESPACE + name.strip().casefold().encode(), usedforsecurity=False
    ).digest()
    first = (digest[0] & 0xFC) | 0x02  # locally administered bit set, multicast bit clear
    mac = ":".join(f"{b:02X}" for b in (first, *digest[1:6]))
    return digest.hex().upper(), mac


def check_watts(value: object, where: str) -> float:
    """A reading in watts: a finite number from 0 to MAX_WATTS (numbers written as text too)."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0.0 <= number <= MAX_WATTS:
        raise ValueError(
            f"{where} must be a number of watts from 0 to {MAX_WATTS:g} (the proxy cap), "
            f"got {value!r}"
        )
    return number


SOURCE_FORMS: Final = '"command", "zone:<zone address>" or "mqtt:<topic>"'


def parse_source(value: object, where: str) -> Source:
    """`command`, `zone:<address>` or `mqtt:<topic>` (one topic: no `+` or `#` wildcard)."""
    text = value.strip() if isinstance(value, str) else ""
    kind, _, key = text.partition(":")
    key = key.strip()
    if kind == SourceKind.COMMAND and not key:
        return Source(SourceKind.COMMAND)
    if kind == SourceKind.ZONE and key:
        return Source(SourceKind.ZONE, key)
    if kind == SourceKind.MQTT and key:
        _check_topic(key, where)
        return Source(SourceKind.MQTT, key)
    raise SenseConfigError(f'{where}: "source" must be {SOURCE_FORMS}, got {value!r}')


def _check_topic(topic: str, where: str) -> None:
    if "+" in topic or "#" in topic or "\x00" in topic:
        raise SenseConfigError(
            f"{where}: MQTT topic {topic!r} must name one topic: no '+' or '#' wildcard "
            "(a proxy reads one publisher) and no NUL character"
        )
    if topic.startswith(("$share/", "$queue/")):
        raise SenseConfigError(
            f"{where}: MQTT topic {topic!r} is a shared subscription, not a topic; name the "
            "topic the value is published on"
        )
    if len(topic.encode()) > MAX_TOPIC_BYTES:
        raise SenseConfigError(f"{where}: MQTT topic is longer than {MAX_TOPIC_BYTES} bytes")


def default_timeout(source: Source) -> float | None:
    """The staleness timeout a proxy gets when it names none: zones and MQTT go stale."""
    if source.kind is SourceKind.ZONE:
        return DEFAULT_ZONE_TIMEOUT_S
    if source.kind is SourceKind.MQTT:
        return DEFAULT_MQTT_TIMEOUT_S
    return None


def _timeout(value: object, source: Source, where: str) -> float | None:
    if value is None:
        return default_timeout(source)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= float(value) <= 86_400:  # type: ignore[arg-type]
        raise SenseConfigError(
            f'{where}: "timeout" must be seconds from 0 to 86400 (0: a reading never goes '
            f"stale), got {value!r}"
        )
    return float(value) or None  # type: ignore[arg-type]


def _entry(entry: object, index: int) -> ProxyDevice:
    where = f"attribute 'proxy_devices'[{index}]"
    if not isinstance(entry, dict):
        raise SenseConfigError(
            f'{where} must be an object such as {{"name": "Pool pump", "source": "command"}}'
        )
    extra = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
    if extra:
        raise SenseConfigError(
            f"{where}: unknown key '{extra[0]}'; valid keys: {', '.join(_ENTRY_KEYS)}"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
        raise SenseConfigError(
            f'{where}: "name" must be a non-empty string of at most {MAX_NAME_LENGTH} '
            f"characters, got {name!r}"
        )
    source = parse_source(entry.get("source", "command"), where)
    return ProxyDevice.create(name, source, _timeout(entry.get("timeout"), source, where))


def parse_proxy_devices(value: object) -> tuple[ProxyDevice, ...]:
    """The `proxy_devices` attribute: a JSON list (or its text) of {name, source, timeout}."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise SenseConfigError(
                f"attribute 'proxy_devices' must be a JSON list, not valid JSON: {err}"
            ) from None
    if not isinstance(value, list):
        raise SenseConfigError(
            'attribute \'proxy_devices\' must be a list such as [{"name": "Pool pump", '
            f'"source": "command"}}], got a {type(value).__name__}'
        )
    if len(value) > MAX_PROXY_DEVICES:
        raise SenseConfigError(
            f"attribute 'proxy_devices' lists {len(value)} devices; at most "
            f"{MAX_PROXY_DEVICES} are allowed"
        )
    devices = [_entry(entry, index) for index, entry in enumerate(value)]
    check_unique(devices, "attribute 'proxy_devices'")
    return tuple(devices)


def check_unique(devices: list[ProxyDevice], where: str) -> None:
    """Names are compared case-folded, as the identity is derived: two would be one plug."""
    seen: dict[str, str] = {}
    for device in devices:
        folded = device.name.casefold()
        if folded in seen:
            raise SenseConfigError(
                f"{where}: proxy name '{device.name}' is used twice (names are compared "
                f"ignoring case; the first is '{seen[folded]}')"
            )
        seen[folded] = device.name


def parse_bind(value: object, where: str = "attribute 'kasa_bind'") -> BindAddress:
    """Where the plugs listen (one UDP socket, one TCP listener): HOST:PORT, IPv6 as [HOST]:PORT.

    None or blank is the default, all interfaces on 9999; port 0 picks a free port (tests).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        value = DEFAULT_KASA_BIND
    if not isinstance(value, str):
        raise SenseConfigError(
            f"{where} must be HOST:PORT text such as {DEFAULT_KASA_BIND}, got {value!r}"
        )
    return parse_host_port(value, where=where, example=f"{DEFAULT_KASA_BIND} or 127.0.0.1:9999")
