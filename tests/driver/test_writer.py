"""SampleWriter's write step: the host awaited directly, with HostPort's guards kept."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from sense_energy_driver.hostport import HostPort
from sense_energy_driver.models import RealtimeDevice, RealtimePayload
from sense_energy_driver.writer import SampleWriter
from tests.recording_host import RecordingHost


def _sample(w: float, epoch: int, devices: dict[str, float]) -> RealtimePayload:
    return RealtimePayload(
        w=w, epoch=epoch, devices=tuple(RealtimeDevice(id=k, w=v) for k, v in devices.items())
    )


class _RaisingHost(RecordingHost):
    """Rejects every power write, on the device and on zones; stores everything else."""

    async def set_device_attribute(self, name: str, value: object) -> None:
        if name == "power":
            raise RuntimeError(f"power rejected (token=s3cret) {value}")
        await super().set_device_attribute(name, value)

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        if name == "power":
            raise RuntimeError("zone power rejected")
        await super().set_zone_attribute(address, name, value)


async def test_writes_only_changes_then_nothing_once_the_port_is_closed() -> None:
    host = RecordingHost(zones=["fridge"])
    port = HostPort(host, lambda: ())
    writer = SampleWriter(port, clock=lambda: 0.0)
    await writer.apply(_sample(500.4, 1_767_225_600, {"fridge": 120.2}))
    assert host.device["power"] == 500
    assert host.zone_values["fridge"] == {"state": "on", "power": 120}
    first = len(host.writes)
    await writer.apply(_sample(500.2, 1_767_225_601, {"fridge": 120.4}))  # only the second moved
    assert host.writes[first:] == [("device", "last_sample", "2026-01-01T00:00:01Z")]
    port.close()
    before = list(host.writes)
    await writer.apply(_sample(900.0, 1_767_225_602, {}))  # power, last_sample, zone off
    assert host.writes == before
    assert port.dropped == 5  # power, active_devices, last_sample, zone state, zone power


async def test_a_raising_host_costs_one_redacted_warning_per_kind_and_stops_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = _RaisingHost(zones=["fridge"])
    port = HostPort(host, lambda: ("s3cret",))
    writer = SampleWriter(port, clock=lambda: 0.0)
    caplog.set_level(logging.DEBUG, logger="sense_energy_driver.hostport")
    for i in range(3):
        await writer.apply(_sample(500.0 + i, 1_767_225_600 + i, {"fridge": 100.0 + i}))
    assert host.device["last_sample"] == "2026-01-01T00:00:02Z"  # later writes went on
    assert host.zone_values["fridge"] == {"state": "on"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # device power once, zone power once; repeats at DEBUG
    assert any("(power)" in w for w in warnings)
    assert any("(fridge/power)" in w for w in warnings)
    assert all("s3cret" not in r.getMessage() for r in caplog.records)


class _BatchingHost(RecordingHost):
    """A BatchingHost: every sample in one set_attributes call; can be made to fail."""

    def __init__(self, zones: list[str]) -> None:
        super().__init__(zones=zones)
        self.batches: list[tuple[list[tuple[str, object]], list[tuple[str, str, object]]]] = []
        self.fail = False

    async def set_attributes(
        self, device: Sequence[tuple[str, object]], zones: Sequence[tuple[str, str, object]]
    ) -> None:
        if self.fail:
            raise RuntimeError("store unavailable (password=s3cret)")
        self.batches.append((list(device), list(zones)))
        for name, value in device:
            await self.set_device_attribute(name, value)
        for address, name, value in zones:
            await self.set_zone_attribute(address, name, value)


async def test_a_batching_host_gets_each_sample_in_one_call() -> None:
    host = _BatchingHost(zones=["fridge", "oven"])
    port = HostPort(host, lambda: ())
    assert port.batch is not None
    writer = SampleWriter(port, clock=lambda: 0.0)
    await writer.apply(_sample(500.4, 1_767_225_600, {"fridge": 120.2}))
    await writer.apply(_sample(510.0, 1_767_225_601, {"fridge": 130.0, "oven": 900.0}))
    assert len(host.batches) == 2
    device, zones = host.batches[1]
    assert device == [
        ("power", 510),
        ("active_devices", 2),
        ("last_sample", "2026-01-01T00:00:01Z"),
    ]
    assert sorted(zones) == [
        ("fridge", "power", 130),
        ("oven", "power", 900),
        ("oven", "state", "on"),
    ]
    # Nothing came through the per-value calls besides what the batches carried.
    assert len(host.writes) == sum(len(d) + len(z) for d, z in host.batches)


async def test_a_failing_batch_is_logged_once_and_the_next_sample_writes_everything(
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = _BatchingHost(zones=["fridge"])
    port = HostPort(host, lambda: ("s3cret",))
    writer = SampleWriter(port, clock=lambda: 0.0)
    await writer.apply(_sample(500.0, 1_767_225_600, {"fridge": 100.0}))
    host.fail = True
    caplog.set_level(logging.DEBUG, logger="sense_energy_driver.hostport")
    await writer.apply(_sample(501.0, 1_767_225_601, {"fridge": 100.0}))
    await writer.apply(_sample(502.0, 1_767_225_602, {"fridge": 100.0}))
    host.fail = False
    await writer.apply(_sample(502.0, 1_767_225_602, {"fridge": 100.0}))  # same values again
    device, zones = host.batches[-1]
    # What the failed calls kept is unknown: every value is written again, unchanged or not.
    assert dict(device) == {
        "power": 502,
        "active_devices": 1,
        "last_sample": "2026-01-01T00:00:02Z",
    }
    assert zones == [("fridge", "state", "on"), ("fridge", "power", 100)]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "(set_attributes)" in warnings[0]
    assert all("s3cret" not in r.getMessage() for r in caplog.records)


async def test_a_closed_port_drops_a_whole_batch_and_counts_it() -> None:
    host = _BatchingHost(zones=["fridge"])
    port = HostPort(host, lambda: ())
    writer = SampleWriter(port, clock=lambda: 0.0)
    port.close()
    await writer.apply(_sample(500.0, 1_767_225_600, {"fridge": 100.0}))
    assert host.batches == []
    assert port.dropped == 5  # power, active_devices, last_sample, zone state and power
