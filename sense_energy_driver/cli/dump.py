"""`dump`: record one's own account's REST bodies and a minute of feed messages, masked.

The idea of python-kasa's dump_devinfo: when Sense changes something, a user runs this against
their account and contributes the files to tests/fixtures/real/. Bodies are recorded raw (through
the transport layer, not the typed models, so nothing the models ignore is lost), masked with
`Masker`, and written in the corpus format: rest/<endpoint>.dump-<date>.json,
feed/<type>.dump-<date>-<n>.json, and entries in the directory's index.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import DriverConfig, read_config
from ..const import DEVICE_ID_HEADER
from ..errors import SenseAuthError, SenseError, SenseMfaRequiredError, SenseTimeoutError
from ..standalone.devicefile import DeviceFile
from ..totp import totp_code
from ..transport.feed import open_feed
from ..transport.http import HttpTransport
from .common import UsageError
from .dump_mask import Masker, UnmaskedSecretError

__all__ = ["Recording", "add_dump_parser", "record", "run_dump", "write_recording"]

_LOGGER = logging.getLogger(__name__)
_FEED_IDLE_S = 30.0


@dataclass
class Recording:
    """Raw bodies and messages of one dump, before masking."""

    rest: list[tuple[str, str, Any]] = field(default_factory=list)  # (endpoint, path, body)
    skipped: list[str] = field(default_factory=list)  # "endpoint: http 404"
    feed: list[dict[str, Any]] = field(default_factory=list)
    monitors: list[object] = field(default_factory=list)
    secrets: list[tuple[object, str]] = field(default_factory=list)


def add_dump_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `dump`."""
    parser = subparsers.add_parser(
        "dump",
        help="record your account's Sense bodies and feed messages, masked, as test fixtures",
        description=(
            "Log in with the device file's credentials, record every REST body the driver reads "
            "and --seconds of realtime feed messages, mask tokens, email, serials, MACs, ids and "
            "location (and names with --mask-names), and write them as JSON in the format of "
            "tests/fixtures/real (with index.json entries of source 'dump')."
        ),
    )
    parser.add_argument("--device", type=Path, required=True, metavar="FILE", help="device file")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long to record the feed (default 60)"
    )
    parser.add_argument("--mask-names", action="store_true", help="also mask device names")
    parser.add_argument("--mfa-code", metavar="CODE", help="6-digit code for an MFA account")
    parser.add_argument(
        "--max-per-type", type=int, default=3, metavar="N", help="feed messages kept per type"
    )
    parser.set_defaults(func=run_dump)


async def run_dump(args: argparse.Namespace) -> int:
    """Load the device file, record, mask, write; prints what was written."""
    if args.seconds < 0 or args.max_per_type < 1:
        raise UsageError("--seconds must be >= 0 and --max-per-type >= 1")
    device = DeviceFile.load(args.device)
    cfg = read_config(device.get, lambda level, text: _LOGGER.log(level, "%s", text))
    rec = await record(cfg, seconds=args.seconds, mfa_code=args.mfa_code)
    written = write_recording(
        rec, args.out, mask_names=args.mask_names, max_per_type=args.max_per_type
    )
    for path in written:
        print(path)
    for note in rec.skipped:
        print(f"not recorded: {note}")
    return 0


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


class _Client:
    """Raw REST calls with the driver's device header; answers other than 2xx are noted."""

    def __init__(self, http: HttpTransport, rec: Recording, installation: str) -> None:
        self.http = http
        self.rec = rec
        self.headers = {DEVICE_ID_HEADER: installation}
        self.token = ""
        self.mfa_token = ""

    async def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"bearer {self.token}"
        resp = await self.http.request(method, path, params=params, form=form, headers=headers)
        body = _json(resp.body)
        if 200 <= resp.status < 300 and body is not None:
            self.rec.rest.append((endpoint, f"{method} {path}", body))
            return body
        self.rec.skipped.append(f"{endpoint}: http {resp.status}")
        if endpoint == "authenticate" and isinstance(body, dict) and body.get("mfa_token"):
            self.mfa_token = str(body["mfa_token"])
            self.rec.secrets.append((self.mfa_token, "MASKED_MFA_TOKEN"))
            raise SenseMfaRequiredError(
                "the account asks for an MFA code; pass --mfa-code", mfa_token=self.mfa_token
            )
        if endpoint in ("authenticate", "authenticate_mfa"):
            raise SenseAuthError(f"Sense refused the login (http {resp.status})")
        return None


async def record(
    cfg: DriverConfig,
    *,
    seconds: float,
    mfa_code: str | None = None,
    now: Callable[[], float] = time.time,
) -> Recording:
    """Log in and record every endpoint the driver calls, then `seconds` of the feed."""
    rec = Recording()
    rec.secrets += [(cfg.password, "MASKED_PASSWORD"), (cfg.username, "user@example.invalid")]
    http = HttpTransport(cfg.api_url, verify=cfg.ca_file or True)
    client = _Client(http, rec, cfg.installation_id or uuid.uuid4().hex)
    try:
        auth = await _login(client, cfg, mfa_code, now)
        client.token = str(auth.get("access_token", ""))
        user_id = str(auth.get("user_id", ""))
        monitors = auth.get("monitors") or []
        rec.monitors = [m.get("id") for m in monitors if isinstance(m, dict)]
        renewed = await client.call(
            "renew", "POST", "/renew",
            form={"user_id": user_id, "refresh_token": str(auth.get("refresh_token", ""))},
        )  # fmt: skip
        if isinstance(renewed, dict) and renewed.get("access_token"):
            client.token = str(renewed["access_token"])
        monitor = cfg.monitor_id or (str(rec.monitors[0]) if rec.monitors else "")
        if not monitor:
            raise SenseError("the account lists no monitor and the device file names none")
        await _rest(client, monitor, user_id, now)
        await _feed(cfg, client, monitor, seconds, rec)
    finally:
        await http.aclose()
    return rec


async def _login(
    client: _Client, cfg: DriverConfig, mfa_code: str | None, now: Callable[[], float]
) -> dict[str, Any]:
    form = {"email": cfg.username, "password": cfg.password}
    try:
        auth = await client.call("authenticate", "POST", "/authenticate", form=form)
    except SenseMfaRequiredError:
        code = mfa_code or (totp_code(cfg.totp_secret) if cfg.totp_secret else None)
        if not code:
            raise
        client_time = datetime.fromtimestamp(now(), UTC).isoformat()
        auth = await client.call(
            "authenticate_mfa", "POST", "/authenticate/mfa",
            form={"totp": code, "mfa_token": client.mfa_token, "client_time": client_time},
        )  # fmt: skip
    if not isinstance(auth, dict):
        raise SenseAuthError("Sense answered the login with something other than a JSON object")
    return auth


async def _rest(client: _Client, monitor: str, user_id: str, now: Callable[[], float]) -> None:
    m = f"/app/monitors/{monitor}"
    day = datetime.fromtimestamp(now(), UTC).strftime("%Y-%m-%dT00:00:00")
    await client.call("monitor_overview", "GET", f"{m}/overview")
    await client.call("monitor_status", "GET", f"{m}/status")
    devices = await client.call("devices", "GET", f"{m}/devices")
    await client.call("devices_overview", "GET", f"{m}/devices/overview")
    await client.call("always_on", "GET", f"{m}/devices/always_on")
    learned = [
        d["id"]
        for d in devices or []
        if isinstance(d, dict) and d.get("id") not in (None, "always_on", "unknown", "solar")
    ]
    if learned:
        await client.call("device_info", "GET", f"{m}/devices/{learned[0]}")
    trends = {"monitor_id": monitor, "scale": "DAY", "start": day}
    await client.call("history_trends", "GET", "/app/history/trends", params=trends)
    usage = {"scale": "DAY", "start": day}
    await client.call("usage_history", "GET", f"{m}/history/usage", params=usage)
    await client.call("solar_history", "GET", f"{m}/history/usage/solar", params=usage)
    await client.call("realtime_update", "GET", f"/app/{monitor}/realtime_update")
    await client.call("timeline", "GET", f"/users/{user_id}/timeline", params={"n_items": "30"})


async def _feed(
    cfg: DriverConfig, client: _Client, monitor: str, seconds: float, rec: Recording
) -> None:
    """JSON feed messages for `seconds` (the driver itself asks for msgpack; JSON is readable)."""
    if seconds <= 0:
        return
    url = f"{cfg.realtime_url}/monitors/{monitor}/realtimefeed?access_token={client.token}"
    conn = await open_feed(url, headers=client.headers, ca_file=cfg.ca_file)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await asyncio.wait_for(conn.recv(_FEED_IDLE_S), left)
            except (TimeoutError, SenseTimeoutError):
                break
            message = _json(frame.encode() if isinstance(frame, str) else frame)
            if isinstance(message, dict) and "type" in message:
                rec.feed.append(message)
            else:
                rec.skipped.append("a feed frame that is not a JSON message")
    except SenseError as err:
        rec.skipped.append(f"feed: {err}")
    finally:
        await conn.close()


def write_recording(
    rec: Recording,
    out: Path,
    *,
    mask_names: bool = False,
    max_per_type: int = 3,
    now: Callable[[], float] = time.time,
) -> list[Path]:
    """Mask everything, check no secret survived, then write files and index entries."""
    masker = Masker(mask_names=mask_names)
    for value, fake in rec.secrets:
        masker.add_secret(value, fake)
    for monitor in rec.monitors:
        masker.add_monitor(monitor)
    stamp = datetime.fromtimestamp(now(), UTC)
    date, day = stamp.strftime("%Y-%m-%d"), stamp.strftime("%Y%m%d")
    files: list[tuple[str, Any, dict[str, Any]]] = []
    for endpoint, path, body in rec.rest:
        masker.applied.clear()
        masked = masker.mask(body)
        entry = {"kind": "rest", "endpoint": endpoint, "path": masker.monitor_path(path)}
        files.append((f"rest/{endpoint}.dump-{day}.json", masked, _entry(entry, masker, date)))
    seen: Counter[str] = Counter()
    for message in rec.feed:
        kind = str(message["type"])
        seen[kind] += 1
        if seen[kind] > max_per_type:
            continue
        masker.applied.clear()
        masked = masker.mask(message)
        entry = {"kind": "feed", "message": kind, "path": "realtimefeed"}
        name = f"feed/{kind}.dump-{day}-{seen[kind]}.json"
        files.append((name, masked, _entry(entry, masker, date)))
    texts = {name: json.dumps(body, indent=2, ensure_ascii=False) + "\n" for name, body, _ in files}
    try:
        masker.check(texts.values())
    except UnmaskedSecretError as err:
        raise SenseError(str(err)) from None
    written = []
    for name, text in texts.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    _update_index(out, [(name, entry) for name, _, entry in files], stamp.year, date)
    return written


def _entry(base: dict[str, Any], masker: Masker, date: str) -> dict[str, Any]:
    return {
        **base,
        "source": "dump",
        "commit": None,
        "year": int(date[:4]),
        "recorded": date,
        "partial": None,
        "masked": sorted(masker.applied),
        "notes": "",
    }


def _update_index(
    out: Path, entries: list[tuple[str, dict[str, Any]]], year: int, date: str
) -> None:
    """Add (or replace) this dump's entries in out/index.json, creating it if needed."""
    path = out / "index.json"
    index: dict[str, Any] = {"schema": 1, "sources": {}, "fixtures": []}
    if path.exists():
        index = json.loads(path.read_text(encoding="utf-8"))
    index["sources"]["dump"] = {
        "repository": None,
        "what": "sense-energy-driver dump of a contributor's own account",
        "url": None,
        "year": year,
        "recorded": date,
    }
    names = {name for name, _ in entries}
    kept = [f for f in index["fixtures"] if f["file"] not in names]
    index["fixtures"] = kept + [{"file": name, **entry} for name, entry in entries]
    path.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
