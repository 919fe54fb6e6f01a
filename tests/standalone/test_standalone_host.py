"""StandaloneHost: the Host protocol over a device file, SQLite and a device log."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from sense_energy_driver import Host
from sense_energy_driver.host import BatchingHost
from sense_energy_driver.standalone import Change, DeviceFileError, HostValues, StandaloneHost

WriteDevice = Callable[..., Path]
PASSWORD = "correct horse battery staple"  # as tests/standalone/conftest.py writes it


def _quiet() -> logging.Handler:
    return logging.NullHandler()


def _host(path: Path, **kwargs: object) -> StandaloneHost:
    return StandaloneHost(path, console_handler=_quiet(), **kwargs)  # type: ignore[arg-type]


def test_is_a_host(write_device: WriteDevice) -> None:
    with _host(write_device()) as standalone:
        host: Host = standalone  # checked by mypy: StandaloneHost satisfies the protocol
        assert isinstance(host, Host)


def test_paths_beside_the_device_file(write_device: WriteDevice) -> None:
    path = write_device("kitchen")
    with _host(path) as host:
        assert host.store_path == path.parent / "kitchen.sqlite3"
        assert host.log_path == path.parent / "kitchen.log"
        assert host.name == "Home"


def test_get_attribute_decrypts_and_unset_is_none(write_device: WriteDevice) -> None:
    with _host(write_device(status_interval=45000)) as host:
        assert host.get_attribute("password") == PASSWORD
        assert host.get_attribute("status_interval") == 45000
        assert host.get_attribute("monitor_id") is None
        assert host.get_attribute("api_url") is None  # defaults are the driver's business


async def test_runtime_writes_go_to_sqlite(write_device: WriteDevice) -> None:
    path = write_device()
    with _host(path) as host:
        await host.set_device_attribute("power", 1500)
        await host.set_zone_attribute("fridge1", "state", "on")
        await host.set_zone_attribute("fridge1", "power", 120)
        assert host.current_device_values() == {"power": 1500}
        assert host.current_zone_values() == {"fridge1": {"state": "on", "power": 120}}
    with sqlite3.connect(path.with_suffix(".sqlite3")) as db:
        rows = set(db.execute("SELECT scope, address, name, value FROM current"))
        assert rows == {
            ("device", "", "power", "1500"),
            ("zone", "fridge1", "state", '"on"'),
            ("zone", "fridge1", "power", "120"),
        }
        assert db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 3


async def test_a_sample_in_one_call_is_stored_and_announced_together(
    write_device: WriteDevice,
) -> None:
    """set_attributes (BatchingHost): every value stored and told to listeners with one time
    for the whole sample, wait_for woken once; driver-kept values still go to the device file."""
    path = write_device()
    with _host(path) as host:
        assert isinstance(host, BatchingHost)
        seen: list[Change] = []
        host.subscribe(seen.append)
        changed = host._changed  # the event wait_for sleeps on; replaced when woken
        await host.set_attributes(
            [("power", 1500), ("solar_power", 300), ("user_id", "u-9")],
            [("fridge1", "state", "on"), ("fridge1", "power", 120)],
        )
        assert changed.is_set() and host._changed is not changed
        assert host.current_device_values() == {"power": 1500, "solar_power": 300}
        assert host.current_zone_values() == {"fridge1": {"state": "on", "power": 120}}
        assert [(c.scope, c.address, c.name, c.value) for c in seen] == [
            ("device", "", "power", 1500),
            ("device", "", "solar_power", 300),
            ("zone", "fridge1", "state", "on"),
            ("zone", "fridge1", "power", 120),
        ]
        assert len({c.ts for c in seen}) == 1
        assert host.get_attribute("user_id") == "u-9"
        with pytest.raises(ValueError, match="'username' is configuration"):
            await host.set_attributes([("username", "x@example.com")], [])
    with sqlite3.connect(path.with_suffix(".sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 4


async def test_a_host_that_does_not_record_keeps_values_in_memory_only(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    with _host(path) as running:
        await running.set_device_attribute("feed_status", "connected")
    with _host(path, record=False) as one_off:
        seen: list[Change] = []
        one_off.subscribe(seen.append)
        await one_off.set_device_attribute("feed_status", "stopped")
        await one_off.set_attributes([("power", 5)], [("fridge1", "power", 6)])
        await one_off.set_device_attribute("user_id", "u-7")  # configuration: the device file
        assert one_off.current_device_values() == {"feed_status": "stopped", "power": 5}
        assert [c.name for c in seen] == ["feed_status", "power", "power"]
    with sqlite3.connect(path.with_suffix(".sqlite3")) as db:
        rows = set(db.execute("SELECT scope, address, name, value FROM current"))
    assert rows == {("device", "", "feed_status", '"connected"')}
    with _host(path) as again:
        assert again.get_attribute("user_id") == "u-7"


async def test_restart_shows_the_last_values(write_device: WriteDevice) -> None:
    path = write_device()
    with _host(path) as host:
        await host.set_device_attribute("power", 1500)
        await host.set_device_attribute("power", 1600)
        await host.set_zone_attribute("fridge1", "state", "off")
    with _host(path) as again:
        assert again.current_device_values() == {"power": 1600}
        assert again.current_zone_values() == {"fridge1": {"state": "off"}}


async def test_driver_kept_configuration_goes_to_the_device_file(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    with _host(path) as host:
        await host.set_device_attribute("refresh_token", "rt-very-secret")
        await host.set_device_attribute("user_id", "u-1")
        await host.set_device_attribute("installation_id", "inst-1")
        assert host.get_attribute("refresh_token") == "rt-very-secret"
        assert host.get_attribute("user_id") == "u-1"
        assert host.current_device_values() == {}
    assert "rt-very-secret" not in path.read_text()
    assert '"user_id": "u-1"' in path.read_text()
    with _host(path) as again:
        assert again.get_attribute("refresh_token") == "rt-very-secret"


async def test_secure_values_never_reach_sqlite(write_device: WriteDevice) -> None:
    path = write_device(totp_secret="JBSWY3DPEHPK3PXP")
    with _host(path) as host:
        await host.set_device_attribute("refresh_token", "rt-very-secret")
        await host.set_device_attribute("power", 1)
        with pytest.raises(ValueError, match="configuration"):
            await host.set_device_attribute("password", "changed")
    raw = b"".join(p.read_bytes() for p in path.parent.glob("home.sqlite3*"))
    for secret in (b"rt-very-secret", PASSWORD.encode(), b"JBSWY3DPEHPK3PXP", b"changed"):
        assert secret not in raw


async def test_zone_addresses_follow_add_zone(write_device: WriteDevice) -> None:
    path = write_device()
    with _host(path) as host:
        assert list(host.zone_addresses()) == ["fridge1"]
        assert host.add_zone("tv1", "TV") is True
        assert list(host.zone_addresses()) == ["fridge1", "tv1"]
        assert host.zone_labels() == {"fridge1": "Fridge", "tv1": "TV"}
        assert host.add_zone("tv1") is False
    assert "tv1" not in path.read_text()  # not persisted unless asked


async def test_wait_for_wakes_on_writes(write_device: WriteDevice) -> None:
    with _host(write_device()) as host:

        async def writer() -> None:
            for watts in (100, 200, 300):
                await asyncio.sleep(0)
                await host.set_device_attribute("power", watts)

        task = asyncio.create_task(writer())
        values = await host.wait_for(lambda v: v.device.get("power") == 300, timeout=5)
        await task
        assert isinstance(values, HostValues)
        assert values.device["power"] == 300
        assert values.zone("nowhere") == {}


async def test_wait_for_times_out(write_device: WriteDevice) -> None:
    with _host(write_device()) as host, pytest.raises(TimeoutError):
        await host.wait_for(lambda v: "power" in v.device, timeout=0.05)


async def test_subscribe_and_unsubscribe(write_device: WriteDevice) -> None:
    with _host(write_device()) as host:
        seen: list[Change] = []
        unsubscribe = host.subscribe(seen.append)
        await host.set_zone_attribute("fridge1", "power", 5)
        unsubscribe()
        await host.set_zone_attribute("fridge1", "power", 6)
        assert [(c.scope, c.address, c.name, c.value) for c in seen] == [
            ("zone", "fridge1", "power", 5)
        ]


async def test_a_failing_listener_does_not_stop_writes(write_device: WriteDevice) -> None:
    with _host(write_device()) as host:

        def broken(change: Change) -> None:
            raise RuntimeError("listener bug")

        host.subscribe(broken)
        await host.set_device_attribute("power", 7)
        assert host.current_device_values() == {"power": 7}


async def test_pending_values_are_committed_by_the_timer(write_device: WriteDevice) -> None:
    path = write_device()

    def committed() -> int:
        with sqlite3.connect(path.with_suffix(".sqlite3")) as db:
            return int(db.execute("SELECT COUNT(*) FROM history").fetchone()[0])

    with _host(path, commit_interval=0.05) as host:
        await host.set_device_attribute("power", 1)
        await host.set_device_attribute("power", 2)
        await host.committed(timeout=5)  # the timer commits without another write
        assert committed() == 2


def test_log_goes_to_the_console_handler_and_the_file(write_device: WriteDevice) -> None:
    path = write_device()
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    with StandaloneHost(path, console_handler=Collect(), console_level=logging.INFO) as host:
        host.log(logging.DEBUG, "debug detail")
        host.log(logging.WARNING, "realtime close 1006")
    assert [r.getMessage() for r in records] == ["realtime close 1006"]
    text = path.with_suffix(".log").read_text()
    assert "WARNING realtime close 1006" in text
    assert "debug detail" in text  # the file keeps everything


def test_bad_device_file_creates_nothing_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"attributes": {"username": "u"}}')
    with pytest.raises(DeviceFileError, match="'password' is required"):
        _host(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]
