"""The simulate command's stdin console drives the same scenario verbs."""

from __future__ import annotations

import os

import pytest

from sense_energy_driver.simulator import SenseSimulator
from sense_energy_driver.simulator.console import HELP, execute, run_console


async def test_commands_drive_scenarios(sim: SenseSimulator) -> None:
    dryer = sim.device_id("Dryer")
    assert execute(sim, "force dryer 4000") == "ok"
    assert sim.truth()[dryer] == 4000
    assert f"{dryer}=4000 W" in execute(sim, "truth")
    assert execute(sim, "off Dryer") == "ok"
    assert dryer not in sim.truth()
    assert execute(sim, "release") == "ok"
    assert execute(sim, "fail 2 502 devices_overview") == "ok"
    assert sim.faults.pending() == 2
    assert execute(sim, "ratelimit 1 9") == "ok"
    assert execute(sim, "stall 30") == "ok"
    assert sim.faults.stalled(sim.clock.now_ts())
    assert execute(sim, "refuse on") == "ok"
    assert sim.faults.refuse_feed
    assert execute(sim, "clear") == "ok"
    assert not sim.faults.refuse_feed and sim.faults.pending() == 0
    assert execute(sim, "retrain Fridge").startswith("new id ")
    assert execute(sim, "add Kettle constant 1500").startswith("new id ")
    assert execute(sim, "remove Kettle") == "ok"
    assert execute(sim, "expire") == "expired 0 token(s)"
    assert execute(sim, "drop") == "closed 0 feed(s)"
    assert "requests" in execute(sim, "stats")
    assert execute(sim, "help") == HELP
    assert execute(sim, "") == ""


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("bogus", "unknown command 'bogus'; try help"),
        ("force", "force: list index out of range"),
        ("force Nothing 5", "force: no active device 'Nothing'"),
        ("refuse maybe", "refuse: say on or off"),
        ("malformed weird", "malformed: unknown malformed kind 'weird'"),
    ],
)
async def test_bad_commands_explain_themselves(sim: SenseSimulator, line: str, reply: str) -> None:
    assert execute(sim, line).startswith(reply)


async def test_console_reads_lines_from_a_pipe(
    sim: SenseSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"force Oven 2000\ntru")
        os.write(write_end, b"th\n")
        os.close(write_end)
        write_end = -1
        await run_console(sim, read_end)
    finally:
        os.close(read_end)
        if write_end != -1:
            os.close(write_end)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ok"
    assert f"{sim.device_id('Oven')}=2000 W" in out[1]
