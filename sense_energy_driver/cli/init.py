"""`init`: log in once, pick the monitor and the zones, write the encrypted device file.

Interactive on a terminal (the password is read with getpass and never echoed); every question
has a flag, so a script can run it unattended. The file it writes already holds the session
(refresh token, user id, installation id), so `run` starts without a second login — which for
an MFA account without an authenticator secret means without a second code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..api import SenseApi
from ..errors import SenseMfaRequiredError
from ..manifest import load_manifest
from ..restmodels import Device, MonitorSummary
from ..session import Credentials, RetryPolicy, SenseSession
from ..standalone import KEY_FILE_NAME, DeviceFile, DeviceFileLock
from ..standalone.atomic import atomic_write_text
from ..standalone.crypto import KeyFileError, create_key_file, encrypt, read_key_file
from ..totp import totp_code
from ..transport.http import HttpTransport
from .common import UsageError
from .hints import plain_url_warnings
from .prompts import Prompts
from .zones import choose_devices

__all__ = ["Prompts", "add_init_parser", "run_init"]

PASSWORD_ENV = "SENSE_PASSWORD"  # noqa: S105 - the name of a variable, not a password
TOTP_ENV = "SENSE_TOTP_SECRET"
INIT_RETRY = RetryPolicy(attempts=2)  # a person is waiting: fail in seconds, not minutes


def add_init_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `init`."""
    defaults = {a.name: a.default for a in load_manifest().attributes}
    parser = subparsers.add_parser(
        "init",
        help="log in to Sense and write a device file (guided, or from flags)",
        description=(
            "Log in with your Sense account, choose the monitor and the devices to follow as "
            "zones, and write FILE with the password encrypted. Asks for whatever the flags do "
            f"not give; the password comes from --password-file, ${PASSWORD_ENV} or a hidden "
            "prompt, never from the command line."
        ),
    )
    parser.add_argument("--device", type=Path, required=True, metavar="FILE", help="file to write")
    parser.add_argument("--name", help="the device's name (default: the file name)")
    parser.add_argument("--username", metavar="EMAIL", help="Sense account email")
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="PATH",
        help=f"read the password from the first line of PATH (or set ${PASSWORD_ENV})",
    )
    parser.add_argument(
        "--totp-secret",
        metavar="BASE32",
        help="authenticator secret of an MFA account, kept (encrypted) so the driver can log in "
        f"unattended (or set ${TOTP_ENV})",
    )
    parser.add_argument("--mfa-code", metavar="CODE", help="a one-time MFA code, if needed")
    parser.add_argument("--monitor", metavar="ID", help="monitor id (default: the only one)")
    zones = parser.add_mutually_exclusive_group()
    zones.add_argument(
        "--zones",
        metavar="LIST",
        help="comma-separated device ids or names to bind as zones ('' for none)",
    )
    zones.add_argument(
        "--all-devices", action="store_true", help="bind every device Sense knows as a zone"
    )
    parser.add_argument("--api-url", metavar="URL", help=f"default {defaults['api_url']}")
    parser.add_argument("--realtime-url", metavar="URL", help=f"default {defaults['realtime_url']}")
    parser.add_argument("--ca-file", type=Path, metavar="PEM", help="CA bundle to trust")
    parser.add_argument("--force", action="store_true", help="replace an existing FILE")
    parser.set_defaults(func=run_init)


def _password(args: argparse.Namespace, prompts: Prompts) -> str:
    if args.password_file is not None:
        try:
            path: Path = args.password_file
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(
                f"--password-file {args.password_file}: cannot read it: {err}"
            ) from None
        if not lines or not lines[0]:
            raise UsageError(f"--password-file {args.password_file}: the first line is empty")
        return lines[0]
    if os.environ.get(PASSWORD_ENV):
        return str(os.environ[PASSWORD_ENV])
    prompts.need("the password", f"--password-file or set ${PASSWORD_ENV}")
    password = prompts.secret("Sense password (not shown): ")
    if not password:
        raise UsageError("the password is empty")
    return password


def _username(args: argparse.Namespace, prompts: Prompts) -> str:
    if args.username:
        return str(args.username)
    prompts.need("the account email", "--username")
    username = prompts.ask("Sense account email: ").strip()
    if not username:
        raise UsageError("the account email is empty")
    return username


@dataclass
class _Login:
    """What logging in produced, to be written into the device file."""

    session: SenseSession
    api: SenseApi
    totp_secret: str | None


async def _log_in(
    api: SenseApi, credentials: Credentials, args: argparse.Namespace, prompts: Prompts
) -> _Login:
    session = SenseSession(api, credentials, retry=INIT_RETRY)
    try:
        await session.login()
        return _Login(session, api, credentials.totp_secret)
    except SenseMfaRequiredError:
        pass
    secret = None
    if args.mfa_code:
        code = str(args.mfa_code).strip()
    else:
        prompts.need("an MFA code", "--mfa-code or --totp-secret")
        prompts.say(
            "This account uses two-step verification. Enter the 6-digit code from your "
            "authenticator app, or the app's secret (base32) to let the driver make its own "
            "codes later."
        )
        answer = prompts.secret("Code or secret (not shown): ").strip()
        if answer.isdigit():
            code = answer
        else:
            secret = answer
            code = totp_code(secret)
    await session.submit_mfa(code)
    return _Login(session, api, secret)


def _pick_monitor(
    monitors: Sequence[MonitorSummary], wanted: str | None, prompts: Prompts
) -> MonitorSummary:
    ids = [m.monitor_id for m in monitors]
    if not monitors:
        raise UsageError("the Sense account has no monitors")
    if wanted is not None:
        for monitor in monitors:
            if monitor.monitor_id == wanted:
                return monitor
        raise UsageError(
            f"--monitor {wanted} is not on this account; its monitors: {', '.join(ids)}"
        )
    if len(monitors) == 1:
        return monitors[0]
    prompts.need(f"a monitor (one of {', '.join(ids)})", "--monitor")
    for number, monitor in enumerate(monitors, 1):
        prompts.say(f"  {number}) {monitor.monitor_id}  serial {monitor.serial_number or '-'}")
    answer = prompts.ask(f"Monitor [1-{len(monitors)}]: ").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(monitors):
        return monitors[int(answer) - 1]
    raise UsageError(f"no monitor numbered {answer!r}")


def _key(device: Path) -> bytes:
    key_path = device.parent / KEY_FILE_NAME
    try:
        return read_key_file(key_path) if key_path.exists() else create_key_file(key_path)
    except KeyFileError as err:
        raise UsageError(str(err)) from None


def _document(
    args: argparse.Namespace,
    attributes: dict[str, object],
    zones: Sequence[Device],
    key: bytes,
) -> dict[str, object]:
    secure = load_manifest().secure_names
    stored = {
        name: encrypt(key, str(value)) if name in secure else value
        for name, value in attributes.items()
        if value is not None
    }
    document: dict[str, object] = {"attributes": stored}
    if args.name:
        document = {"name": args.name, **document}
    document["zones"] = [{"address": d.id, "label": d.name} for d in zones]
    return document


@dataclass(frozen=True)
class _Answers:
    """What was settled before logging in."""

    username: str
    password: str
    totp_secret: str | None
    api_url: str
    ca_file: str | None


@dataclass(frozen=True)
class _Fetched:
    """What logging in told us."""

    attributes: dict[str, object]
    monitor_id: str
    zones: list[Device]


def run_init(args: argparse.Namespace, prompts: Prompts | None = None) -> int:
    """Ask, log in, choose, write; the device file is checked by loading it back."""
    prompts = prompts or Prompts(interactive=sys.stdin.isatty())
    device: Path = args.device
    if device.exists() and not args.force:
        raise UsageError(f"{device} exists; pass --force to replace it")
    defaults = {a.name: a.default for a in load_manifest().attributes}
    answers = _Answers(
        username=_username(args, prompts),
        password=_password(args, prompts),
        totp_secret=args.totp_secret or os.environ.get(TOTP_ENV) or None,
        api_url=str(args.api_url or defaults["api_url"]),
        ca_file=str(args.ca_file.resolve()) if args.ca_file else None,
    )
    for warning in plain_url_warnings({"api_url": args.api_url, "realtime_url": args.realtime_url}):
        prompts.say(f"warning: {warning}")
    fetched = asyncio.run(_fetch(args, answers, prompts))
    device.parent.mkdir(parents=True, exist_ok=True)
    with DeviceFileLock(device):  # never over the file of a running `run`
        document = _document(args, fetched.attributes, fetched.zones, _key(device))
        atomic_write_text(device, json.dumps(document, indent=2) + "\n")
    loaded = DeviceFile.load(device)
    print(
        f"wrote {device} (monitor {fetched.monitor_id}, {len(loaded.zones)} zones; "
        f"key {loaded.key_path})"
    )
    print(f"next: sense-energy-driver run --device {device}")
    return 0


async def _fetch(args: argparse.Namespace, answers: _Answers, prompts: Prompts) -> _Fetched:
    installation_id = uuid.uuid4().hex
    http = HttpTransport(answers.api_url, verify=answers.ca_file or True)
    try:
        api = SenseApi(http, device_id=installation_id)
        credentials = Credentials(
            answers.username, answers.password, totp_secret=answers.totp_secret
        )
        login = await _log_in(api, credentials, args, prompts)
        session = login.session
        monitor_id = _pick_monitor(session.monitors, args.monitor, prompts).monitor_id
        devices = await session.call(lambda token: api.get_devices(token, monitor_id), name="init")
    finally:
        await http.aclose()
    zones = choose_devices(devices, args.zones, all_devices=args.all_devices, prompts=prompts)
    attributes: dict[str, object] = {
        "username": answers.username,
        "password": answers.password,
        "totp_secret": login.totp_secret or answers.totp_secret,
        "monitor_id": monitor_id,
        "api_url": args.api_url,
        "realtime_url": args.realtime_url,
        "ca_file": answers.ca_file,
        "refresh_token": session.refresh_token,
        "user_id": session.user_id,
        "installation_id": installation_id,
    }
    return _Fetched(attributes, monitor_id, zones)
