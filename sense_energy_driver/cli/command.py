"""`command`: connect, run one driver command, print its JSON result, disconnect.

Like the host's Script Console (`await gem.command({device, action, ...})`). The action and its
arguments are checked against manifest.json before connecting, so a typo costs no login.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence

from ..errors import SenseConnectionError
from ..manifest import CommandSpec, load_manifest
from ..standalone.zonecheck import unknown_zone_warnings
from .common import UsageError, add_device_argument, connect_checked, console_level, open_host
from .progress import ConnectProgress

__all__ = ["add_command_parser", "build_command", "run_command"]

FIRST_SAMPLE_WAIT_S = 10.0


def add_command_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `command`, with the actions and arguments manifest.json declares."""
    manifest = load_manifest()
    lines = []
    for spec in manifest.commands:
        args = " ".join(f"{a.name}=" + ("|".join(a.enum) or a.type) for a in spec.args)
        lines.append(f"  {spec.name:<20} {args}")
    parser = subparsers.add_parser(
        "command",
        help="run one driver command and print its JSON result",
        description="Connect, run one command, print its result as JSON, disconnect.",
        epilog="actions and their arguments:\n" + "\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=manifest.command_names, metavar="ACTION")
    add_device_argument(parser)
    parser.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a command argument (repeatable), e.g. --arg scale=DAY",
    )
    parser.add_argument(
        "--compact", action="store_true", help="print the JSON on one line instead of indented"
    )
    parser.set_defaults(func=run_command)


def _value(spec: CommandSpec, key: str, text: str) -> object:
    arg = spec.arg(key)
    if arg is None:
        valid = ", ".join(a.name for a in spec.args) or "none"
        raise UsageError(f"{spec.name}: unknown argument '{key}'; valid arguments: {valid}")
    if arg.enum and text not in arg.enum:
        raise UsageError(f"{spec.name}: argument '{key}' must be one of {', '.join(arg.enum)}")
    if arg.type == "int":
        try:
            return int(text)
        except ValueError:
            raise UsageError(
                f"{spec.name}: argument '{key}' must be an integer, got {text!r}"
            ) from None
    return text


def build_command(action: str, pairs: Sequence[str]) -> dict[str, object]:
    """`{"action": ..., key: value, ...}` from KEY=VALUE pairs, typed by the manifest."""
    spec = load_manifest().command(action)
    if spec is None:
        raise UsageError(f"unknown action '{action}'")
    command: dict[str, object] = {"action": action}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--arg must look like KEY=VALUE, got {pair!r}")
        command[key] = _value(spec, key, text)
    missing = [a.name for a in spec.args if a.required and a.name not in command]
    if missing:
        raise UsageError(f"{action}: argument '{missing[0]}' is required (--arg {missing[0]}=...)")
    return command


async def run_command(args: argparse.Namespace) -> int:
    """Connect, run, print, disconnect; a failed login or command is exit status 1."""
    from ..driver import SenseEnergyDriver

    command = build_command(args.action, args.arg)
    # The store is the record of the host that runs the device (a `run` may be running beside
    # this): this one-off connection's feed_status and samples stay out of it.
    with open_host(args, args.device, level=console_level(args, "warning"), record=False) as host:
        driver = SenseEnergyDriver(host)
        sampled = asyncio.Event()
        unsubscribe = host.subscribe(
            lambda change: sampled.set() if change.name == "last_sample" else None
        )
        try:
            # submit_mfa is how a login that is waiting for a code completes.
            mfa_ok = args.action == "submit_mfa"
            # A failure only a configuration change mends (refused, TLS, 404) ends it at once.
            hopeless = asyncio.Event()
            with ConnectProgress(host, stop_on_hint=hopeless) as progress:
                await connect_checked(
                    driver, host, hopeless, fail_on_auth=not mfa_ok, fail_unreachable=True
                )
            if progress.fatal is not None:
                raise SenseConnectionError(f"cannot reach Sense: {progress.fatal}")
            if args.action == "get_realtime":
                # A fresh connection has no sample yet; a long-running host would have one.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(FIRST_SAMPLE_WAIT_S):
                        await sampled.wait()
            result = await driver.command(command)
            if args.action == "get_devices" and isinstance(result, list):
                for warning in unknown_zone_warnings(host.zones, result):
                    host.log(logging.WARNING, warning)
        finally:
            unsubscribe()
            await driver.disconnect()
    print(json.dumps(result, indent=None if args.compact else 2, default=str))
    return 0
