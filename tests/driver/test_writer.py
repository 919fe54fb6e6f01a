"""SampleWriter's write step: the host awaited directly, with HostPort's guards kept."""

from __future__ import annotations

import logging

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
