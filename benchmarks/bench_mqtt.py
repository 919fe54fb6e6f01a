"""MQTT fleet benchmark: many monitors over several `run --devices --shard` processes, one broker.

    .venv/bin/python -m benchmarks.bench_mqtt [--monitors 500] [--processes 2] [--interval 0.5]
        [--seconds 20] [--zones 4] [--out docs/mqtt-performance.md]

The simulator runs in its own process (benchmarks/simserver.py), mosquitto in another, and each
worker process runs its shard the way `run --devices DIR --shard I/N --mqtt URL` does: one
StandaloneHost (device file, SQLite store, log) and one driver per monitor, one MQTT connection.
Measured over a window after every monitor has its first sample:

- CPU per monitor: each worker's user+system CPU over the window / window / its monitors;
- publish rate: messages the workers handed to the broker per second (and coalesced, dropped);
- send → broker latency: every 50 ms each worker queues a probe (payload: `time.time()`) in the
  same outbox as the state messages; a subscriber in this process notes its arrival. This is
  queue + publish + broker + delivery to a subscriber, so an upper bound on send → broker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.hosts import driver_attributes
from benchmarks.measure import child_cpu_seconds, cpu_seconds, machine, percentile
from benchmarks.simproc import SimProcess

PROBE_EVERY_S = 0.05


def run_queue_wait_s() -> float:
    """Seconds this process's threads waited for a CPU while runnable (/proc schedstat)."""
    total = 0
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/schedstat") as stat:
            total += int(stat.read().split()[1])
    return total / 1e9


MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- worker: one shard, as `run --devices` runs it, plus probes -------------------------------


async def worker(devices: Path, shard: str, broker_url: str) -> None:
    """Run one shard; 'start'/'stop' on stdin bound the window; one JSON result on stdout."""
    from sense_energy_driver import SenseEnergyDriver
    from sense_energy_driver.cli.fleet import CONNECT_CONCURRENCY, Shard, fleet_files
    from sense_energy_driver.mqtt.bridge import BridgeOptions
    from sense_energy_driver.mqtt.broker import parse_broker_url
    from sense_energy_driver.mqtt.options import MqttOptions
    from sense_energy_driver.mqtt.outbox import Outgoing
    from sense_energy_driver.mqtt.service import mqtt_service
    from sense_energy_driver.mqtt.topics import TopicLayout
    from sense_energy_driver.standalone import StandaloneHost

    files = fleet_files(devices, Shard.parse(shard))
    hosts = [StandaloneHost(path, console_level=logging.ERROR) for path in files]
    drivers = [SenseEnergyDriver(host) for host in hosts]
    options = MqttOptions(parse_broker_url(broker_url), TopicLayout(), BridgeOptions())
    client_id = f"bench-{shard.replace('/', '-of-')}"
    stdin = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    monitors = list(zip(hosts, drivers, strict=True))
    async with mqtt_service(options, monitors, client_id=client_id) as link:
        limit = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def start(driver: SenseEnergyDriver) -> None:
            async with limit:
                await driver.connect()

        await asyncio.gather(*(start(d) for d in drivers))
        for host in hosts:
            await host.wait_for(lambda v: "last_sample" in v.device, timeout=120)
        await link.connected.wait()
        print(json.dumps({"ready": len(hosts)}), flush=True)
        probes = 0

        async def probe() -> None:
            nonlocal probes
            while True:
                probes += 1
                topic = f"bench/probe/{client_id}"
                link.outbox.put(Outgoing(topic, repr(time.time()), key=f"probe#{probes}"))
                await asyncio.sleep(PROBE_EVERY_S)

        prober = loop.create_task(probe())
        await stdin.readline()  # start
        cpu0, pub0, wall0 = cpu_seconds(), link.counters.published, time.monotonic()
        waited0 = run_queue_wait_s()
        counters0 = (link.outbox.counters.coalesced, link.outbox.counters.dropped)
        await stdin.readline()  # stop
        cpu1, pub1, wall1 = cpu_seconds(), link.counters.published, time.monotonic()
        waited1 = run_queue_wait_s()
        prober.cancel()
        result = {
            "monitors": len(hosts),
            "cpu_s": cpu1 - cpu0,
            "run_queue_wait_s": waited1 - waited0,
            "window_s": wall1 - wall0,
            "published": pub1 - pub0,
            "coalesced": link.outbox.counters.coalesced - counters0[0],
            "dropped": link.outbox.counters.dropped - counters0[1],
            "outbox_high_water": link.outbox.counters.high_water,
            "reconnects": link.counters.failures,
        }
        await asyncio.gather(*(d.disconnect() for d in drivers))
    for host in hosts:
        host.close()
    print(json.dumps(result), flush=True)


# --- coordinator ----------------------------------------------------------------------------------


async def _read_json(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    if not line:
        raise RuntimeError("a worker exited early")
    data = json.loads(line)
    assert isinstance(data, dict)
    return data


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import aiomqtt

    work = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    port = _free_port()
    conf = work / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 100000\n",
        encoding="utf-8",
    )
    broker = await asyncio.create_subprocess_exec(
        MOSQUITTO, "-c", str(conf), stderr=asyncio.subprocess.DEVNULL
    )
    broker_url = f"mqtt://127.0.0.1:{port}"
    workers: list[asyncio.subprocess.Process] = []
    try:
        async with SimProcess(monitors=args.monitors, interval=args.interval, spread=True) as sim:
            devices = await sim.ask("devices")
            fleet = work / "fleet"
            fleet.mkdir()
            for monitor in sim.monitors:
                learned = [d for d in devices[monitor] if d not in ("always_on", "unknown")]
                document = {
                    "name": f"Monitor {monitor}",
                    "attributes": driver_attributes(sim.banner, monitor),
                    "zones": [{"address": d} for d in learned[: args.zones]],
                }
                (fleet / f"{monitor}.json").write_text(json.dumps(document), encoding="utf-8")
            latencies: list[float] = []
            async with aiomqtt.Client("127.0.0.1", port) as subscriber:
                await subscriber.subscribe("bench/probe/#")
                window = {"open": False}

                async def listen() -> None:
                    async for message in subscriber.messages:
                        if window["open"] and isinstance(message.payload, bytes):
                            latencies.append(time.time() - float(message.payload))

                listener = asyncio.get_running_loop().create_task(listen())
                started = time.monotonic()
                for index in range(args.processes):
                    workers.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable,
                            "-m",
                            "benchmarks.bench_mqtt",
                            "--worker",
                            str(fleet),
                            f"{index}/{args.processes}",
                            broker_url,
                            stdin=asyncio.subprocess.PIPE,
                            stdout=asyncio.subprocess.PIPE,
                        )
                    )
                ready = [await _read_json(w) for w in workers]
                ramp_s = time.monotonic() - started
                await asyncio.sleep(args.warmup)
                sim_cpu0, broker_cpu0 = sim.cpu_seconds(), child_cpu_seconds(broker.pid)
                window["open"] = True
                for w in workers:
                    assert w.stdin is not None
                    w.stdin.write(b"start\n")
                await asyncio.sleep(args.seconds)
                for w in workers:
                    assert w.stdin is not None
                    w.stdin.write(b"stop\n")
                window["open"] = False
                sim_cpu = sim.cpu_seconds() - sim_cpu0
                broker_cpu = child_cpu_seconds(broker.pid) - broker_cpu0
                results = [await _read_json(w) for w in workers]
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
    finally:
        for w in workers:
            if w.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.kill()
            await w.wait()
        broker.terminate()
        await broker.wait()
        shutil.rmtree(work, ignore_errors=True)
    monitors = sum(r["monitors"] for r in results)
    window_s = max(r["window_s"] for r in results)
    return {
        "monitors": monitors,
        "processes": args.processes,
        "interval_s": args.interval,
        "zones_each": args.zones,
        "ready": [r["ready"] for r in ready],
        "ramp_s": ramp_s,
        "window_s": window_s,
        "cpu_ms_per_monitor_s": 1000 * sum(r["cpu_s"] for r in results) / window_s / monitors,
        "worker_cpu_share": [r["cpu_s"] / r["window_s"] for r in results],
        "worker_cpu_wait_share": [r["run_queue_wait_s"] / r["window_s"] for r in results],
        "publish_per_s": sum(r["published"] for r in results) / window_s,
        "coalesced": sum(r["coalesced"] for r in results),
        "dropped": sum(r["dropped"] for r in results),
        "outbox_high_water": max(r["outbox_high_water"] for r in results),
        "reconnects": sum(r["reconnects"] for r in results),
        "latency_ms_p50": 1000 * percentile(latencies, 0.5) if latencies else None,
        "latency_ms_p99": 1000 * percentile(latencies, 0.99) if latencies else None,
        "probes": len(latencies),
        "sim_cpu_share": sim_cpu / args.seconds,
        "broker_cpu_share": broker_cpu / args.seconds,
        "load_after": os.getloadavg(),
        "machine": machine(),
    }


def markdown(result: dict[str, Any], command: str) -> str:
    """docs/mqtt-performance.md."""
    m = result["machine"]
    share = ", ".join(f"{s:.0%}" for s in result["worker_cpu_share"])
    waited = ", ".join(f"{s:.0%}" for s in result["worker_cpu_wait_share"])
    return "\n".join(
        [
            "# MQTT fleet performance",
            "",
            f"Generated by `{command}` (benchmarks/bench_mqtt.py); see docs/mqtt.md for the "
            "fleet itself and docs/performance.md for the driver's own figures.",
            "",
            f"Setup: {result['monitors']} simulated monitors, one frame every "
            f"{result['interval_s']:g} s each ({1 / result['interval_s']:g} frames/s, the "
            f"frames of different monitors spread over the interval), {result['zones_each']} "
            f"zones bound per monitor, {result['processes']} `run --devices --shard I/N` worker "
            "processes (a StandaloneHost with its SQLite store and one driver per monitor, one "
            "MQTT connection per process), one mosquitto, the simulator in its own process.",
            "",
            "| figure | value |",
            "| --- | --- |",
            f"| monitors ready (per process) | {' + '.join(map(str, result['ready']))} "
            f"in {result['ramp_s']:.1f} s |",
            f"| measured window | {result['window_s']:.1f} s |",
            f"| CPU per monitor | {result['cpu_ms_per_monitor_s']:.2f} ms per second "
            f"({result['cpu_ms_per_monitor_s'] / 10:.3f} % of one core) |",
            f"| worker processes' CPU | {share} of one core each |",
            f"| worker time runnable but waiting for a CPU | {waited} of the window |",
            f"| publish rate (all processes) | {result['publish_per_s']:.0f} messages/s |",
            f"| coalesced / dropped in the outbox | {result['coalesced']} / "
            f"{result['dropped']} (high water {result['outbox_high_water']} topics) |",
            f"| send → broker latency p50 / p99 | {result['latency_ms_p50']:.1f} ms / "
            f"{result['latency_ms_p99']:.1f} ms ({result['probes']} probes) |",
            f"| simulator CPU / mosquitto CPU | {result['sim_cpu_share']:.0%} / "
            f"{result['broker_cpu_share']:.0%} of one core |",
            f"| broker reconnects during the run | {result['reconnects']} |",
            "",
            f"Machine: {m.get('machine', '?')}, {m.get('python', '?')}, measured "
            f"{m.get('date', '?')}; load average at the end of the run "
            f"{', '.join(f'{x:.2f}' for x in result['load_after'])} — the machine's 2 cores "
            "are shared with other work, so the figures are an upper bound on the cost.",
            "",
            f"Probes: {result['probes']} arrived of the "
            f"{result['processes'] * result['window_s'] / PROBE_EVERY_S:.0f} the workers "
            "schedule over the window; a worker's event loop that runs late (its share of a "
            "loaded machine's CPU) sends fewer, and that lateness is what the p99 shows. "
            "'Waiting for a CPU' is the time the kernel had a worker ready to run and no core "
            "free for it (/proc schedstat): on a machine this loaded, the tail is set by the "
            "machine, not by the bridge.",
            "",
            "Latency is measured with probe messages queued every 50 ms in each worker's outbox "
            "behind the state messages, and timed on arrival at a subscriber in the "
            "coordinating process: queueing + publish + broker + delivery, so an upper bound on "
            "send → broker. Publish rate counts what the workers handed to the broker; values "
            "that did not change are never published, and a value replaced while waiting is "
            "counted as coalesced, not published.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--worker", nargs=3, metavar=("DIR", "SHARD", "URL"))
    args = parser.parse_args()
    if args.worker:
        devices, shard, url = args.worker
        asyncio.run(worker(Path(devices), shard, url))
        return
    result = asyncio.run(run(args))
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    if args.out:
        command = "python -m benchmarks.bench_mqtt " + " ".join(sys.argv[1:])
        args.out.write_text(markdown(result, command.strip()), encoding="utf-8")


if __name__ == "__main__":
    main()
