"""`history`: print or export the runtime values the standalone host stored in SQLite.

Reads the store read-only, so it works while `run` or `demo` is writing to it. Raw values are
printed as stored; `--every 1m|1h|1d` prints buckets built from raw values and the per-minute
aggregates older values were turned into, alike.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ..standalone import RuntimeStore, StoredValue, StoreError, store_path_for
from ..standalone.rollup import EVERY, Block
from ..standalone.store import DEVICE, ZONE, Series
from .common import UsageError, add_device_argument

__all__ = ["add_history_parser", "parse_since", "run_history"]

COLUMNS = ("ts", "scope", "address", "name", "value")
BUCKET_COLUMNS = (
    "ts", "scope", "address", "name", "count", "seconds", "min", "max", "mean", "on_fraction",
    "last",
)  # fmt: skip


def add_history_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `history`."""
    parser = subparsers.add_parser(
        "history",
        help="print or export stored values (text, CSV or JSON)",
        description=(
            "Print the values the driver wrote for a device, oldest first, from the SQLite "
            "store beside its device file. Times are UTC. Raw values are kept for 7 days "
            "(run --keep-raw), per-minute aggregates for 2 years; --every reads both."
        ),
    )
    add_device_argument(parser)
    parser.add_argument("--attribute", metavar="NAME", help="only this attribute (e.g. power)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--zone", metavar="ADDRESS", help="only this zone")
    where.add_argument("--device-only", action="store_true", help="only the device's own values")
    parser.add_argument(
        "--since", type=parse_since, metavar="ISO", help="from this time (ISO 8601; naive = UTC)"
    )
    parser.add_argument(
        "--until", type=parse_since, metavar="ISO", help="before this time (ISO 8601; naive = UTC)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the newest N values")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--current", action="store_true", help="each attribute's newest value instead of history"
    )
    what.add_argument(
        "--every",
        choices=tuple(EVERY),
        help="one row per attribute and minute, hour or UTC day: count, min/max/time-weighted "
        "mean for numbers, fraction of time on for on/off, last value",
    )
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row")
    fmt.add_argument("--json", action="store_true", help="a JSON array of objects")
    parser.set_defaults(func=run_history)


def parse_since(text: str) -> float:
    """An ISO 8601 time as epoch seconds; a time without a zone is UTC."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 date or time such as 2026-06-13T08:00:00Z, got {text!r}"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def iso(ts: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _cell(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _scope(args: argparse.Namespace) -> str | None:
    return ZONE if args.zone else DEVICE if args.device_only else None


def _select(store: RuntimeStore, args: argparse.Namespace) -> Iterable[StoredValue]:
    scope = _scope(args)
    if not args.current:
        return store.history(
            name=args.attribute,
            scope=scope,
            address=args.zone,
            since=args.since,
            until=args.until,
            limit=args.limit,
        )
    rows = [
        row
        for row in store.current()
        if (args.attribute is None or row.name == args.attribute)
        and (scope is None or row.scope == scope)
        and (args.zone is None or row.address == args.zone)
        and (args.since is None or row.ts >= args.since)
        and (args.until is None or row.ts < args.until)
    ]
    return rows[-args.limit :] if args.limit else rows


def _select_buckets(
    store: RuntimeStore, args: argparse.Namespace
) -> Iterable[tuple[Series, Block]]:
    rows = store.rollup(
        EVERY[args.every],
        name=args.attribute,
        scope=_scope(args),
        address=args.zone,
        since=args.since,
        until=args.until,
    )
    return deque(rows, maxlen=args.limit) if args.limit else rows


def write_text(rows: Iterable[StoredValue], out: TextIO) -> int:
    """Aligned columns for people; returns the row count."""
    count = 0
    for row in rows:
        where = "device" if row.scope == DEVICE else f"zone {row.address}"
        print(f"{iso(row.ts)}  {where:<24}  {row.name:<22}  {_cell(row.value)}", file=out)
        count += 1
    return count


def write_csv(rows: Iterable[StoredValue], out: TextIO) -> int:
    """CSV with a header; strings as they are, other values as JSON."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow((iso(row.ts), row.scope, row.address, row.name, _cell(row.value)))
        count += 1
    return count


def write_json(rows: Iterable[StoredValue], out: TextIO) -> int:
    """A JSON array, one object per line, streamed so a long history needs no memory."""
    count = 0
    out.write("[")
    for row in rows:
        item = {
            "ts": iso(row.ts),
            "scope": row.scope,
            "address": row.address,
            "name": row.name,
            "value": row.value,
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(item, default=str))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _bucket_fields(key: Series, block: Block) -> dict[str, object]:
    scope, address, name = key
    return {
        "ts": iso(block.start),
        "scope": scope,
        "address": address,
        "name": name,
        "count": block.count,
        "seconds": round(block.secs, 3),
        "min": block.low,
        "max": block.high,
        "mean": block.mean,
        "on_fraction": block.on,
        "last": block.last,
    }


def _bucket_text(block: Block) -> str:
    parts = []
    if block.mean is not None:
        parts.append(
            f"mean {_number(block.mean)}  min {_number(block.low)}  max {_number(block.high)}"
        )
    elif block.on is not None:
        parts.append(f"on {block.on:.0%}  last {_cell(block.last)}")
    else:
        parts.append(f"last {_cell(block.last)}")
    parts.append(f"({block.count} written)")
    return "  ".join(parts)


def write_buckets(rows: Iterable[tuple[Series, Block]], out: TextIO, fmt: str) -> int:
    """Buckets as text, CSV or a JSON array; returns the row count."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(BUCKET_COLUMNS)
    elif fmt == "json":
        out.write("[")
    for key, block in rows:
        if fmt == "csv":
            fields = _bucket_fields(key, block)
            writer.writerow(["" if v is None else _cell(v) for v in fields.values()])
        elif fmt == "json":
            item = json.dumps(_bucket_fields(key, block), default=str)
            out.write(("\n" if count == 0 else ",\n") + item)
        else:
            where = "device" if key[0] == DEVICE else f"zone {key[1]}"
            print(f"{iso(block.start)}  {where:<24}  {key[2]:<22}  {_bucket_text(block)}", file=out)
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


def _note_aggregated(store: RuntimeStore, args: argparse.Namespace) -> None:
    """Raw values asked for from before the raw period: say where the older values are."""
    oldest = store.oldest_raw()
    if args.every or args.current or oldest is None or not store.has_aggregates():
        return
    if args.since is None or args.since < oldest:
        print(
            f"note: raw values are kept from {iso(oldest)}; older ones are per-minute "
            "aggregates (use --every 1m, 1h or 1d)",
            file=sys.stderr,
        )


def run_history(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the selected values; exit status 2 when there is no store to read."""
    device: Path = args.device
    path: Path = args.store or store_path_for(device)
    if args.limit is not None and args.limit <= 0:
        raise UsageError(f"--limit must be more than 0, got {args.limit}")
    if args.since is not None and args.until is not None and args.until <= args.since:
        raise UsageError("--until must be later than --since")
    if not path.is_file():
        raise UsageError(
            f"{path}: no stored values yet; run the driver first "
            f"(sense-energy-driver run --device {device})"
        )
    try:
        store = RuntimeStore(path, read_only=True)
    except StoreError as err:
        raise UsageError(str(err)) from None
    out = out or sys.stdout
    fmt = "csv" if args.csv else "json" if args.json else "text"
    try:
        if args.every:
            count = write_buckets(_select_buckets(store, args), out, fmt)
        else:
            writer = {"csv": write_csv, "json": write_json, "text": write_text}[fmt]
            count = writer(_select(store, args), out)
            if args.limit is None:
                _note_aggregated(store, args)
    finally:
        store.close()
    if count == 0 and not (args.csv or args.json):
        print("no stored values match", file=sys.stderr)
    return 0
