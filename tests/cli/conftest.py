"""Fixtures: the CLI called in-process, device files, and a simulator on its own thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sense_energy_driver.cli import main
from sense_energy_driver.simulator import SenseSimulator
from tests.sim_fixtures import attributes_for


@dataclass(frozen=True)
class Result:
    """What one CLI call did."""

    code: int
    out: str
    err: str


RunCli = Callable[..., Result]


@pytest.fixture(autouse=True)
def _forget_cli_logging() -> Iterator[None]:
    """main() installs a stderr handler on the root logger and sets its level; undo both."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "sense_energy_cli", False):
            root.removeHandler(handler)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run `sense-energy-driver ARGS...` in this process; returns code, stdout, stderr."""

    def run(*argv: str | Path) -> Result:
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


WriteDevice = Callable[..., Path]


@pytest.fixture
def write_device(tmp_path: Path) -> WriteDevice:
    """Write a device file with the given attributes (username/password unless overridden)."""

    def write(
        name: str = "home", zones: list[dict[str, str]] | None = None, **attrs: object
    ) -> Path:
        path = tmp_path / f"{name}.json"
        attributes = {"username": "me@example.com", "password": "pw-canary-1234", **attrs}
        document = {"attributes": attributes, "zones": zones or []}
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write


@contextlib.contextmanager
def simulator_thread(**options: Any) -> Iterator[SenseSimulator]:
    """A simulator serving from its own thread, so the CLI's asyncio.run can run here."""
    with simulator_thread_and_loop(**options) as (sim, _):
        yield sim


def call_in_loop(loop: asyncio.AbstractEventLoop, function: Callable[[], Any]) -> Any:
    """Run `function` on the simulator's own loop (scenarios are not thread-safe); its result."""

    async def call() -> Any:
        return function()

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=15)


@contextlib.contextmanager
def simulator_thread_and_loop(
    **options: Any,
) -> Iterator[tuple[SenseSimulator, asyncio.AbstractEventLoop]]:
    """simulator_thread, and the loop it runs on (for `call_in_loop`)."""
    ready = threading.Event()
    holder: dict[str, object] = {}
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        stop = asyncio.Event()
        holder["stop"] = stop
        async with SenseSimulator(**{"interval": 0.05, "seed": 3, **options}) as sim:
            holder["sim"] = sim
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(15), "simulator did not start"
    sim = holder["sim"]
    assert isinstance(sim, SenseSimulator)
    try:
        yield sim, loop
    finally:
        stop = holder["stop"]
        assert isinstance(stop, asyncio.Event)
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()


@pytest.fixture
def threaded_sim() -> Iterator[SenseSimulator]:
    with simulator_thread() as sim:
        yield sim


@pytest.fixture
def sim_device(threaded_sim: SenseSimulator, write_device: WriteDevice) -> Path:
    """A device file for the threaded simulator."""
    return write_device("sim", **attributes_for(threaded_sim))
