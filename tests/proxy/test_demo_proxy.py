"""`demo --proxy`, in a real process: python-kasa reads the plug the command line declared."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from tests.proxy.kasa_client import read_watts

LISTENING = re.compile(rb"answering as Kasa plugs on 127\.0\.0\.1:(\d+): Pool pump")


async def test_demo_with_a_proxy_answers_python_kasa(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sense_energy_driver",
        "demo",
        "--dir",
        str(tmp_path),
        "--no-live",
        "--seconds",
        "60",
        "--proxy",
        "Pool pump=1200",
        "--kasa-bind",
        "127.0.0.1:0",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    try:
        port = None
        async with asyncio.timeout(30):
            while port is None:
                line = await proc.stderr.readline()
                assert line, "demo exited before its plugs listened"
                if match := LISTENING.search(line):
                    port = int(match[1])
        drain = asyncio.create_task(proc.stderr.read())
        assert await read_watts(port) == {"Pool pump": 1200.0}
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            assert await proc.wait() == 0
        assert b"Traceback" not in await drain
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
