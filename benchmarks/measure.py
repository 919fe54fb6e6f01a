"""Process measurements from /proc and the stdlib, so no benchmark needs psutil."""

from __future__ import annotations

import functools
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size in MB (VmRSS), the figure the memory targets are stated in."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line in /proc status")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process, all threads (scheduler-exact, not ticks)."""
    return time.process_time()


def child_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds() -> int:
    """File descriptors open in this process: sockets left behind show up here."""
    return len(os.listdir("/proc/self/fd"))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); exact for the small samples benchmarks take."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


class Stopwatch:
    """CPU and wall time over a window, for a CPU share of one core."""

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.cpu0 = cpu_seconds()

    def share(self) -> float:
        """CPU seconds per wall second since the start: 1.0 is one core busy."""
        return (cpu_seconds() - self.cpu0) / (time.perf_counter() - self.wall0)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    out = subprocess.run(
        ["git", *args],  # noqa: S607 - git from PATH is intended
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _git_commit() -> str:
    """HEAD, and whether tracked files differ from it (the figures are then not HEAD's)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (plus uncommitted changes)" if dirty else "")


@functools.cache
def machine() -> dict[str, str]:
    """What the figures were measured on, read once: call it when the run starts, so the commit
    is the code that was loaded, not whatever HEAD is when the report is written."""
    versions = []
    for dist in ("msgspec", "msgpack", "websockets", "httpx", "uvicorn", "sense-energy"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (absent)")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": ", ".join(versions),
        "commit": _git_commit(),
    }
