"""Typed scenario commands for a running `simulate`, so a demo can break the cloud on cue."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sys
from collections.abc import Callable

from .scenarios import Scenarios

__all__ = ["HELP", "execute", "run_console"]

HELP = """commands (monitor defaults to the first; DEVICE is a name or an id):
  drop | foreground [SECONDS] | background | stall [SECONDS] | resume
  malformed invalid|wrong_types|truncated|unknown_type|oversized [BYTES]
  expire [drop] | revoke | fail COUNT [STATUS] [ENDPOINT] | ratelimit COUNT [RETRY_AFTER] [ENDPOINT]
  refuse on|off | reframe on|off | clear
  force DEVICE WATTS | off DEVICE | release [DEVICE] | retrain DEVICE
  add NAME [KIND] [WATTS] | remove DEVICE | truth | stats | help"""


def _device(sim: Scenarios, name: str) -> str:
    if name in sim.device_ids() or name == "solar":
        return name
    try:
        return sim.device_id(name)
    except KeyError:
        raise ValueError(f"no active device {name!r}") from None


def _on(word: str) -> bool:
    if word not in ("on", "off"):
        raise ValueError("say on or off")
    return word == "on"


def _seconds(args: list[str]) -> float | None:
    return float(args[0]) if args else None


def _malformed(sim: Scenarios, args: list[str]) -> int:
    return sim.send_malformed(args[0], size=int(args[1]) if args[1:] else 10_000_000)


def execute(sim: Scenarios, line: str) -> str:
    """Run one command line against the simulator; returns what to print."""
    words = shlex.split(line)
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    actions: dict[str, Callable[[], object]] = {
        "help": lambda: HELP,
        "drop": lambda: f"closed {sim.drop_feed_connections()} feed(s)",
        "foreground": lambda: sim.app_in_foreground(_seconds(args)),
        "background": sim.app_in_background,
        "stall": lambda: sim.stall_feed(_seconds(args)),
        "resume": sim.resume_feed,
        "malformed": lambda: f"sent to {_malformed(sim, args)} feed(s)",
        "expire": lambda: f"expired {sim.expire_access_tokens(drop_feeds='drop' in args)} token(s)",
        "revoke": lambda: f"revoked {sim.revoke_refresh_tokens()} refresh token(s)",
        "fail": lambda: sim.fail_requests(
            int(args[0]),
            status=int(args[1]) if args[1:] else 503,
            endpoint=args[2] if args[2:] else None,
        ),
        "ratelimit": lambda: sim.rate_limit_requests(
            int(args[0]),
            retry_after=float(args[1]) if args[1:] else 30,
            endpoint=args[2] if args[2:] else None,
        ),
        "refuse": lambda: sim.refuse_feed_upgrades(_on(args[0])),
        "reframe": lambda: sim.set_msgpack_reframing(_on(args[0])),
        "clear": sim.clear_faults,
        "force": lambda: sim.force_device(None, _device(sim, args[0]), float(args[1])),
        "off": lambda: sim.force_device_off(None, _device(sim, args[0])),
        "release": lambda: sim.release_device(None, _device(sim, args[0]) if args else None),
        "retrain": lambda: f"new id {sim.retrain_device(None, _device(sim, args[0]))}",
        "add": lambda: (
            "new id "
            + sim.add_device(
                None,
                args[0],
                args[1] if args[1:] else "constant",
                watts=float(args[2]) if args[2:] else None,
            )
        ),
        "remove": lambda: sim.remove_device(None, _device(sim, args[0])),
        "truth": lambda: ", ".join(f"{k}={w:g} W" for k, w in sorted(sim.truth().items())),
        "stats": lambda: (
            f"requests {dict(sim.requests)}; feeds {dict(sim.feed_counts)}, {sim.feed_clients} open"
        ),
    }
    action = actions.get(verb)
    if action is None:
        return f"unknown command {verb!r}; try help"
    try:
        result = action()
    except (IndexError, ValueError, KeyError) as err:
        return f"{verb}: {err or 'missing argument'}"
    return "ok" if result is None else str(result)


async def run_console(sim: Scenarios, fd: int | None = None) -> None:
    """Execute command lines from stdin (a terminal or a pipe) until EOF."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    fd = sys.stdin.fileno() if fd is None else fd

    def readable() -> None:
        try:
            chunks.put_nowait(os.read(fd, 4096))
        except OSError:
            chunks.put_nowait(b"")

    loop.add_reader(fd, readable)
    buffered = b""
    try:
        while chunk := await chunks.get():
            buffered += chunk
            *complete, buffered = buffered.split(b"\n")
            for line in complete:
                output = execute(sim, line.decode(errors="replace"))
                if output:
                    print(output, flush=True)
    finally:
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(fd)
