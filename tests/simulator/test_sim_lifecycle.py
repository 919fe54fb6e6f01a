"""Start, stop, TLS and the CLI: fast, clean, and verifiable."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import time

import httpx
import pytest
import websockets
from conftest import FAST

from sense_energy_driver.simulator import MonitorSpec, SenseSimulator
from sense_energy_driver.simulator.cli import add_simulate_parser, run_simulate


async def _drain(ws: websockets.ClientConnection) -> None:
    while True:
        await ws.recv()


async def test_start_is_fast_and_stop_leaves_nothing_behind() -> None:
    tasks_before = asyncio.all_tasks()
    began = time.perf_counter()
    sim = SenseSimulator(monitors=3, **FAST)  # type: ignore[arg-type]
    await sim.start()
    assert time.perf_counter() - began < 1.0
    assert sim.started_in is not None and sim.started_in < 1.0
    assert sim.api_url == f"http://127.0.0.1:{sim.port}/apiservice/api/v1"
    assert sim.realtime_url == f"ws://127.0.0.1:{sim.port}"
    form = {"email": sim.email, "password": sim.password}
    async with httpx.AsyncClient(base_url=sim.api_url) as http:
        token = (await http.post("/authenticate", data=form)).json()["access_token"]
    ws = await websockets.connect(sim.feed_url(sim.monitor_ids()[0], token))
    assert json.loads(await ws.recv())["type"] == "hello"
    await sim.wait_for_feed_clients(1)

    began = time.perf_counter()
    await sim.stop()
    assert time.perf_counter() - began < 1.0
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await _drain(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001
    assert sim.feed_clients == 0
    assert asyncio.all_tasks() == tasks_before
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", sim.port)
    assert not sim.running


async def test_custom_monitor_specs_and_defaults() -> None:
    specs = [
        MonitorSpec(id="555", solar=True, time_zone="America/Los_Angeles"),
        MonitorSpec(id="556", firmware="1.52.1234-gabc"),
    ]
    async with SenseSimulator(monitors=specs, **FAST) as sim:  # type: ignore[arg-type]
        assert sim.monitor_ids() == ["555", "556"]
        assert (sim.email, sim.password) == ("demo@example.com", "demo-password")
        assert "solar_w" in sim.realtime_payload("555")
        assert "voltage" not in sim.realtime_payload("556")
    with pytest.raises(ValueError, match=r"base32|Incorrect padding|Non-base32"):
        SenseSimulator(mfa_secret="not base32!")


async def test_tls_verifies_with_the_ca_file() -> None:
    async with SenseSimulator(tls=True, **FAST) as sim:  # type: ignore[arg-type]
        assert sim.ca_file is not None and sim.ca_file.exists()
        assert sim.api_url.startswith("https://127.0.0.1:")
        assert sim.realtime_url.startswith("wss://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(sim.ca_file))
        form = {"email": sim.email, "password": sim.password}
        async with httpx.AsyncClient(base_url=sim.api_url, verify=context) as http:
            token = (await http.post("/authenticate", data=form)).json()["access_token"]
        async with httpx.AsyncClient(base_url=sim.api_url) as untrusting:
            with pytest.raises(httpx.ConnectError):
                await untrusting.post("/authenticate", data=form)
        url = sim.feed_url(sim.monitor_ids()[0], token)
        async with websockets.connect(url, ssl=context) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
        ca_dir = sim.ca_file.parent
    assert not ca_dir.exists(), "a temporary certificate directory is removed on stop"


def test_simulate_parser_options() -> None:
    parser = argparse.ArgumentParser()
    add_simulate_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["simulate", "--port", "0", "--monitors", "2", "--no-solar", "--speed", "30", "--tls"]
    )
    assert (args.command, args.host, args.port, args.monitors) == ("simulate", "127.0.0.1", 0, 2)
    assert (args.no_solar, args.speed, args.tls, args.mfa_secret) == (True, 30.0, True, None)
    assert args.func is run_simulate
    assert parser.parse_args(["simulate"]).port == 8765


async def test_cli_serves_until_interrupted(tmp_path: object) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sense_energy_driver.simulator",
        "--port",
        "0",
        "--monitors",
        "2",
        "--tls",
        "--mfa-secret",
        "JBSWY3DPEHPK3PXP",
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    lines: dict[str, str] = {}
    async with asyncio.timeout(20):
        while not (line := (await proc.stdout.readline()).decode()).startswith("Press Ctrl-C"):
            assert line, "the simulator exited early"
            key, _, value = line.strip().partition(": ")
            lines[key.strip()] = value.strip()
        assert lines["api_url"].startswith("https://127.0.0.1:")
        assert lines["email"] == "demo@example.com"
        assert lines["monitors"] == "100001, 100002"
        context = ssl.create_default_context(cafile=lines["ca_file"])
        async with httpx.AsyncClient(verify=context) as http:
            form = {"email": "demo@example.com", "password": "demo-password"}
            answer = await http.post(lines["api_url"] + "/authenticate", data=form)
            assert answer.json()["status"] == "mfa_required"
        proc.send_signal(signal.SIGINT)
        assert await proc.wait() == 0


async def test_cli_reports_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = argparse.Namespace(
            host="127.0.0.1",
            port=port,
            email="a@b.c",
            password="p",
            mfa_secret=None,
            monitors=1,
            no_solar=False,
            speed=1.0,
            interval=0.5,
            seed=0,
            tls=False,
            tls_dir=None,
            profile="real",
        )
        assert await run_simulate(args) == 1
