"""Write economy: host writes per frame for a recorded minute, with a zone on every device."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from benchmarks.recording import Recording, record_minute
from sense_energy_driver.driver import SenseEnergyDriver
from sense_energy_driver.frames import REALTIME_UPDATE, FrameDecoder
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.samples import snapshot_of


class WriteLog:
    """A Host that keeps every write, to count them and find any that repeat a value."""

    def __init__(self, zones: list[str]) -> None:
        self.zones = zones
        self.writes: list[tuple[str, str, object]] = []

    def get_attribute(self, name: str) -> object | None:
        return None

    async def set_device_attribute(self, name: str, value: object) -> None:
        self.writes.append(("device", name, value))

    async def set_zone_attribute(self, address: str, name: str, value: object) -> None:
        self.writes.append((address, name, value))

    def zone_addresses(self) -> list[str]:
        return self.zones

    def log(self, level: int, message: str) -> None:
        pass


@dataclass(frozen=True)
class WriteEconomy:
    """What the replay found."""

    frames: int
    zones: int
    writes: int
    naive: int
    redundant: int
    by_attribute: dict[str, int]
    final_matches: bool
    recording: Recording

    @property
    def per_frame(self) -> float:
        return self.writes / self.frames


def _attributes_in(payload: RealtimePayload) -> int:
    """How many device attributes a naive driver would write for this payload."""
    snap = snapshot_of(payload, 0.0)
    values = (
        snap.power,
        snap.solar_power,
        snap.grid_power,
        snap.voltage,
        snap.voltage_l1,
        snap.voltage_l2,
        snap.frequency,
        snap.active_devices,
        snap.epoch,  # last_sample
    )
    return sum(v is not None for v in values)


async def replay(recording: Recording) -> WriteEconomy:
    """Feed every recorded frame through the driver's decode and message handler, in order."""
    host = WriteLog(recording.device_ids)
    driver = SenseEnergyDriver(host)
    decoder = FrameDecoder()
    frames = naive = 0
    last_payload: RealtimePayload | None = None
    for frame in recording.frames:
        for message in decoder.decode(frame):
            if message.type == REALTIME_UPDATE and isinstance(message.payload, RealtimePayload):
                frames += 1
                naive += _attributes_in(message.payload) + 2 * len(host.zones)
                last_payload = message.payload
            await driver.on_message(message)
    last: dict[tuple[str, str], object] = {}
    redundant = 0
    by_attribute: Counter[str] = Counter()
    for target, name, value in host.writes:
        key = (target, name)
        if key in last and last[key] == value:
            redundant += 1
        last[key] = value
        by_attribute["zone " + name if target != "device" else name] += 1
    assert last_payload is not None
    watts = {d.id: round(d.w) for d in last_payload.devices}
    final_matches = all(
        last.get((z, "power")) == watts.get(z, 0)
        and last.get((z, "state")) == ("on" if z in watts else "off")
        for z in host.zones
    ) and last.get(("device", "power")) == round(last_payload.w)
    return WriteEconomy(
        frames=frames,
        zones=len(host.zones),
        writes=len(host.writes),
        naive=naive,
        redundant=redundant,
        by_attribute=dict(by_attribute),
        final_matches=final_matches,
        recording=recording,
    )


async def measure() -> WriteEconomy:
    return await replay(await record_minute())


if __name__ == "__main__":
    result = asyncio.run(measure())
    print(
        f"{result.frames} frames, {result.zones} zones: {result.writes} writes "
        f"({result.per_frame:.2f}/frame) vs naive {result.naive} "
        f"({result.naive / result.frames:.1f}/frame); redundant {result.redundant}; "
        f"final state matches: {result.final_matches}"
    )
    print(result.by_attribute)
