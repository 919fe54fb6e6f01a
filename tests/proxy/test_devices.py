"""Declared proxies: a stable identity from the name, and errors that name what is wrong."""

from __future__ import annotations

import math

import pytest

from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.proxy import (
    MAX_WATTS,
    BindAddress,
    Source,
    SourceKind,
    parse_bind,
    parse_proxy_devices,
)
from sense_energy_driver.proxy.devices import check_watts, proxy_identity


def test_identity_is_stable_case_blind_and_a_local_unicast_mac() -> None:
    device_id, mac = proxy_identity("Pool pump")
    assert proxy_identity("  pool PUMP ") == (device_id, mac)
    assert proxy_identity("Pool pump 2")[0] != device_id
    assert len(device_id) == 40 and device_id == device_id.upper()
    int(device_id, 16)
    # Pinned: an identity that changes between releases makes a new plug in Sense.
    assert device_id == "56DA433DA63A214A45BDEBF0F777E44570F7B268"
    first = int(mac.split(":")[0], 16)
    assert first & 0x02 and not first & 0x01  # locally administered, unicast
    assert len(mac.split(":")) == 6


def test_proxy_devices_parse_from_a_list_or_its_json_text() -> None:
    entries = [
        {"name": "Pool pump"},
        {"name": "Fridge", "source": "zone:abc123", "timeout": 30},
        {"name": "Heater", "source": "command", "timeout": 0},
    ]
    devices = parse_proxy_devices(entries)
    assert parse_proxy_devices(__import__("json").dumps(entries)) == devices
    assert [d.source for d in devices] == [
        Source(SourceKind.COMMAND),
        Source(SourceKind.ZONE, "abc123"),
        Source(SourceKind.COMMAND),
    ]
    # A command reading holds by default; a zone goes stale after a minute; 0 means never.
    assert [d.timeout_s for d in devices] == [None, 30.0, None]
    assert parse_proxy_devices([{"name": "F", "source": "zone:x"}])[0].timeout_s == 60.0


def test_an_mqtt_source_names_one_topic_and_goes_stale_after_ten_minutes() -> None:
    pump, heater = parse_proxy_devices(
        [
            {"name": "Pool pump", "source": " mqtt:home/pool pump/power "},
            {"name": "Heater", "source": "mqtt:tele/heater/SENSOR", "timeout": 0},
        ]
    )
    assert pump.source == Source(SourceKind.MQTT, "home/pool pump/power")
    assert str(pump.source) == "mqtt:home/pool pump/power"
    assert pump.timeout_s == 600.0
    assert (
        heater.source == Source(SourceKind.MQTT, "tele/heater/SENSOR") and heater.timeout_s is None
    )
    assert parse_proxy_devices(None) == () == parse_proxy_devices("")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"name": "x"}, "must be a list"),
        ("[not json", "not valid JSON"),
        (["Pool pump"], r"\[0\] must be an object"),
        ([{"name": ""}], r'\[0\]: "name" must be a non-empty string'),
        ([{"name": "x" * 65}], "at most 64 characters"),
        ([{"name": "a", "colour": "red"}], "unknown key 'colour'; valid keys: name, source"),
        (
            [{"name": "a", "source": "zone:"}],
            '"source" must be "command", "zone:<zone address>" or "mqtt:<topic>"',
        ),
        ([{"name": "a", "source": "mqtt: "}], '"source" must be "command", "zone:'),
        ([{"name": "a", "source": "kasa:x"}], r"got 'kasa:x'"),
        ([{"name": "a", "source": "mqtt:home/+/power"}], "must name one topic: no '\\+' or '#'"),
        ([{"name": "a", "source": "mqtt:home/#"}], "no '\\+' or '#' wildcard"),
        ([{"name": "a", "source": "mqtt:" + "t" * 65_536}], "longer than 65535 bytes"),
        ([{"name": "a", "source": "mqtt:$share/g/t"}], "a shared subscription, not a topic"),
        ([{"name": "a", "timeout": -1}], '"timeout" must be seconds from 0 to 86400'),
        ([{"name": "a", "timeout": True}], '"timeout" must be seconds'),
        ([{"name": "Pump"}, {"name": "pump"}], "'pump' is used twice"),
        ([{"name": str(i)} for i in range(65)], "lists 65 devices; at most 64"),
    ],
)
def test_bad_proxy_devices_name_the_attribute_and_what_is_valid(
    value: object, message: str
) -> None:
    with pytest.raises(SenseConfigError, match=message) as caught:
        parse_proxy_devices(value)
    assert "proxy_devices" in str(caught.value)


@pytest.mark.parametrize("value", [0, 0.0, 12.5, "1200", " 7 ", MAX_WATTS])
def test_watts_accepted(value: object) -> None:
    assert check_watts(value, "w") == float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [-1, -0.001, math.nan, math.inf, MAX_WATTS + 1, "12 W", True, None, [5]]
)
def test_watts_refused_with_the_cap_named(value: object) -> None:
    with pytest.raises(ValueError, match=r"watts from 0 to 50000 \(the proxy cap\)"):
        check_watts(value, "watts")


def test_bind_address() -> None:
    assert str(parse_bind(None)) == "0.0.0.0:9999"
    assert parse_bind("127.0.0.1:0") == BindAddress("127.0.0.1", 0)
    assert parse_bind("[::1]:9999") == BindAddress("::1", 9999)
    assert str(BindAddress("::1", 9999)) == "[::1]:9999"
    for bad in ("9999", "host:", "host:99999", "host:port", "::1:9999", "[nope]:9999", 9999):
        with pytest.raises(SenseConfigError, match="kasa_bind' must be HOST:PORT"):
            parse_bind(bad)
