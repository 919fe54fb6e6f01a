"""`--proxy NAME=WATTS` and `--kasa-bind` on run and demo, through the side-service registry."""

from __future__ import annotations

import argparse

import pytest

from sense_energy_driver.cli.services import SERVICES, add_service_arguments, running_services
from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.proxy import BindAddress, ProxyService, Source, SourceKind, parse_bind
from tests.proxy.kasa_client import FakeClock, discover_strip, watts_by_alias


class _Driver:
    def __init__(self, clock: FakeClock) -> None:
        self.proxies = ProxyService(clock=clock)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_service_arguments(parser, SERVICES)
    return parser


def test_the_kasa_service_is_registered() -> None:
    assert "kasa" in [spec.name for spec in SERVICES]


def test_options_parse() -> None:
    args = _parser().parse_args(
        ["--proxy", "Pool pump=1200", "--proxy", "Dimmer=7.5", "--kasa-bind", "127.0.0.1:9998"]
    )
    assert args.proxy == [("Pool pump", 1200.0), ("Dimmer", 7.5)]
    assert args.kasa_bind == BindAddress("127.0.0.1", 9998)


def test_a_proxy_may_read_an_mqtt_topic() -> None:
    args = _parser().parse_args(
        ["--proxy", "Pool pump=mqtt:home/pool/power", "--proxy", "a=b=mqtt:x=1"]
    )
    assert args.proxy == [
        ("Pool pump", Source(SourceKind.MQTT, "home/pool/power")),
        ("a=b", Source(SourceKind.MQTT, "x=1")),  # the first '=mqtt:' splits
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--proxy", "Pump"], "must look like NAME=WATTS"),
        (["--proxy", "Pump=mqtt:"], '"source" must be'),
        (["--proxy", "Pump=mqtt:home/+/power"], "no '\\+' or '#' wildcard"),
        (["--proxy", "=5"], "must look like NAME=WATTS"),
        (["--proxy", "Pump=-1"], r"watts from 0 to 50000 \(the proxy cap\)"),
        (["--proxy", "Pump=lots"], "watts from 0 to 50000"),
        (["--kasa-bind", "9999"], "argument --kasa-bind: the address must be HOST:PORT"),
    ],
)
def test_bad_options_say_what_is_valid(argv: list[str], message: str) -> None:
    with pytest.raises(argparse.ArgumentError, match=message):
        _parser().parse_args(argv)


async def test_no_option_starts_nothing(clock: FakeClock) -> None:
    driver = _Driver(clock)
    async with running_services(_parser().parse_args([]), None, driver):  # type: ignore[arg-type]
        assert driver.proxies.devices == ()


async def test_command_line_proxies_answer_once_the_driver_applies_its_config(
    clock: FakeClock,
) -> None:
    driver = _Driver(clock)
    args = _parser().parse_args(["--proxy", "Pool pump=1200", "--kasa-bind", "127.0.0.1:0"])
    async with running_services(args, None, driver):  # type: ignore[arg-type]
        # What the driver's connect does with an empty proxy_devices and the default kasa_bind:
        await driver.proxies.apply((), parse_bind(None))
        address = driver.proxies.address
        assert address is not None and address.host == "127.0.0.1"  # --kasa-bind wins
        strip = await discover_strip(address.port)
        try:
            assert watts_by_alias(strip) == {"Pool pump": 1200.0}
            driver.proxies.set_power("Pool pump", 300)  # until a command changes it
            await strip.update()
            assert watts_by_alias(strip) == {"Pool pump": 300.0}
        finally:
            await strip.disconnect()
    assert driver.proxies.address is None  # stopped with the services


async def test_an_mqtt_proxy_without_mqtt_says_what_is_missing(clock: FakeClock) -> None:
    driver = _Driver(clock)
    args = _parser().parse_args(["--proxy", "Pool pump=mqtt:home/pool/power"])
    missing = "reads the MQTT topic 'home/pool/power', but this driver has no MQTT connection"
    with pytest.raises(SenseConfigError, match=f"^--proxy: proxy 'Pool pump' {missing}"):
        async with running_services(args, None, driver):  # type: ignore[arg-type]
            pass
    assert driver.proxies.devices == ()
