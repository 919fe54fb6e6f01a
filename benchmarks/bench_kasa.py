"""Proxy devices: 50 emulated Kasa plugs answering discovery bursts; CPU per answer.

    .venv/bin/python -m benchmarks.bench_kasa [--proxies 50] [--polls 200]

Two figures. In-process: the cost of building and encrypting the answers to one Sense poll
(`ProxyService.udp_answers`), per answer. End to end: the plugs run in a child process on
loopback; a client sends Sense's poll, waits for every plug's datagram, and sends the next; the
child's CPU (from /proc) divided by the datagrams it sent is the CPU per answer, sockets
included. python-kasa's discovery (one HS300 answer listing every plug) is timed the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.measure import child_cpu_seconds, machine, median, percentile
from sense_energy_driver.proxy import ProxyService, RateLimit, parse_bind
from sense_energy_driver.proxy.codec import encrypt

SENSE_POLL: dict[str, Any] = {"system": {"get_sysinfo": {}}, "emeter": {"get_realtime": {}}}
KASA_DISCOVERY: dict[str, Any] = {"system": {"get_sysinfo": {}}}
UNLIMITED = RateLimit(per_second=1e9, burst=1e9)  # the benchmark is the only sender


def _service(proxies: int) -> ProxyService:
    service = ProxyService(rate_limit=UNLIMITED)
    service.add_fixed({f"Proxy {i:02d}": 10.0 + i * 7.5 for i in range(proxies)})
    return service


@dataclass(frozen=True)
class KasaBench:
    proxies: int
    polls: int
    build_us_per_answer: float  # in-process: answers built and encrypted, no sockets
    answer_bytes: int  # one plug's answer datagram
    cpu_us_per_answer: float  # child process CPU per datagram sent, sockets included
    burst_ms_median: float  # a poll sent -> every plug's answer received
    burst_ms_p95: float
    discovery_ms_median: float  # python-kasa's discovery: one strip answer with every plug
    discovery_bytes: int
    cpu_share: float  # child CPU seconds per wall second while polled back to back


def measure_build(proxies: int, rounds: int = 200) -> tuple[float, int]:
    """µs per answer to build and encrypt a Sense poll's answers, and one answer's size."""
    service = _service(proxies)
    answers = service.udp_answers(SENSE_POLL)
    began = time.process_time()
    for _ in range(rounds):
        service.udp_answers(SENSE_POLL)
    spent = time.process_time() - began
    return spent / (rounds * proxies) * 1e6, len(answers[0])


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)


async def _burst(
    transport: asyncio.DatagramTransport, client: _Client, port: int, request: bytes, count: int
) -> tuple[float, int]:
    began = time.perf_counter()
    transport.sendto(request, ("127.0.0.1", port))
    size = 0
    async with asyncio.timeout(10.0):
        for _ in range(count):
            size = len(await client.queue.get())
    return (time.perf_counter() - began) * 1000, size


async def _drive(pid: int, port: int, proxies: int, polls: int) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(_Client, local_addr=("127.0.0.1", 0))
    poll = encrypt(json.dumps(SENSE_POLL).encode())
    discovery = encrypt(json.dumps(KASA_DISCOVERY).encode())
    try:
        for _ in range(5):  # warm up
            await _burst(transport, client, port, poll, proxies)
        cpu0, wall0 = child_cpu_seconds(pid), time.perf_counter()
        bursts = [(await _burst(transport, client, port, poll, proxies))[0] for _ in range(polls)]
        cpu, wall = child_cpu_seconds(pid) - cpu0, time.perf_counter() - wall0
        found = [await _burst(transport, client, port, discovery, 1) for _ in range(50)]
    finally:
        transport.close()
    return {
        "cpu_us_per_answer": cpu / (polls * proxies) * 1e6,
        "burst_ms_median": median(bursts),
        "burst_ms_p95": percentile(bursts, 0.95),
        "discovery_ms_median": median([ms for ms, _ in found]),
        "discovery_bytes": found[0][1],
        "cpu_share": cpu / wall,
    }


def measure(proxies: int = 50, polls: int = 200) -> KasaBench:
    build_us, answer_bytes = measure_build(proxies)
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_kasa", "--serve", str(proxies)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        figures = asyncio.run(_drive(child.pid, port, proxies, polls))
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=10)
    return KasaBench(
        proxies=proxies,
        polls=polls,
        build_us_per_answer=build_us,
        answer_bytes=answer_bytes,
        cpu_us_per_answer=figures["cpu_us_per_answer"],
        burst_ms_median=figures["burst_ms_median"],
        burst_ms_p95=figures["burst_ms_p95"],
        discovery_ms_median=figures["discovery_ms_median"],
        discovery_bytes=int(figures["discovery_bytes"]),
        cpu_share=figures["cpu_share"],
    )


async def _serve(proxies: int) -> None:
    """The child: plugs on a free loopback port, printed; stops when stdin closes."""
    service = _service(proxies)
    await service.apply((), parse_bind("127.0.0.1:0"))
    assert service.address is not None
    print(service.address.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxies", type=int, default=50)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve(args.serve))
        return
    result = measure(args.proxies, args.polls)
    print(json.dumps({**asdict(result), "load_1min": os.getloadavg()[0], **machine()}, indent=2))


if __name__ == "__main__":
    main()
