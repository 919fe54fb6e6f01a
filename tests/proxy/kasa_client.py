"""Test clients of the emulated plugs: python-kasa (as Kasa apps use it) and Sense's UDP poll."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from kasa import Discover, Module
from kasa.iot import IotStrip
from kasa.transports.xortransport import XorEncryption

# What Sense's monitor broadcasts (as SenseLink and Home Assistant's emulated_kasa answer it).
SENSE_POLL = {"system": {"get_sysinfo": {}}, "emeter": {"get_realtime": {}}}
WAIT_S = 5.0


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def datagram(request: dict[str, Any]) -> bytes:
    """A request as a Kasa client puts it on UDP: python-kasa's cipher, no length prefix."""
    return XorEncryption.encrypt(json.dumps(request))[4:]


async def discover_strip(port: int) -> IotStrip:
    """python-kasa's discovery on loopback, then the first full update over TCP."""
    device = await Discover.discover_single("127.0.0.1", port=port, discovery_timeout=5)
    assert isinstance(device, IotStrip), f"discovered {type(device).__name__}"
    await device.update()
    return device


def watts_by_alias(strip: IotStrip) -> dict[str, float | None]:
    """Each outlet's current power, read through python-kasa's energy module."""
    return {
        str(child.alias): child.modules[Module.Energy].current_consumption
        for child in strip.children
    }


async def read_watts(port: int) -> dict[str, float | None]:
    """Discover, read every outlet's power once, disconnect."""
    strip = await discover_strip(port)
    try:
        return watts_by_alias(strip)
    finally:
        await strip.disconnect()


class UdpClient(asyncio.DatagramProtocol):
    """A UDP socket on loopback whose answers are awaited, never slept for."""

    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls, host: str = "127.0.0.1") -> UdpClient:
        loop = asyncio.get_running_loop()
        _, client = await loop.create_datagram_endpoint(cls, local_addr=(host, 0))
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.answers.put_nowait(data)

    def send(self, data: bytes, port: int) -> None:
        assert self.transport is not None
        self.transport.sendto(data, ("127.0.0.1", port))

    async def receive(self, count: int) -> list[dict[str, Any]]:
        """The next `count` answers, decrypted with python-kasa's cipher."""
        out = []
        async with asyncio.timeout(WAIT_S):
            for _ in range(count):
                out.append(json.loads(XorEncryption.decrypt(await self.answers.get())))
        return out

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
