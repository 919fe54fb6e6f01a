"""Command declarations: each action's arguments, checked before any body runs, and dates.

The command table itself is built where the bodies are (handlers.py), one declaration per
command: `@COMMANDS.command("get_usage", Arg(...), ...)` on its body. A test keeps the table in
step with manifest.json.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SenseCommandError
from .redact import shown

__all__ = ["Arg", "Command", "CommandTable", "local_zone", "parse_start"]

C = TypeVar("C")

# Sense has history from its first monitors on; anything outside this is a typo.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_MAX_TEXT = 200
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Arg:
    """One declared argument: its name, type, whether it must be given, and what is valid."""

    name: str
    type: str  # "string" | "int" | "id" | "float" (the body range-checks a float)
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = _MAX_TEXT

    def check(self, action: str, value: object) -> object:
        """The value, normalised; SenseCommandError naming the argument and what is valid."""
        where = f"{action}: argument '{self.name}'"
        if self.type == "int":
            return self._integer(where, value)
        if self.type == "float":  # proxy devices: the command body checks the number and range
            return value
        if not isinstance(value, str) or not value.strip():
            raise SenseCommandError(f"{where} must be a non-empty string, got {shown(value)}")
        text = value.strip()
        if len(text) > self.max_length:
            raise SenseCommandError(
                f"{where} must be at most {self.max_length} characters, got {len(text)}"
            )
        if self.type == "id" and not _ID.match(text):
            raise SenseCommandError(
                f"{where} must be a Sense device id (letters, digits, '_', '-', '.', ':'; "
                f"at most 64), got {shown(text)}"
            )
        if self.choices:
            text = text.upper()
            if text not in self.choices:
                raise SenseCommandError(
                    f"{where} must be one of {', '.join(self.choices)}, got {shown(value)}"
                )
        return text

    def _integer(self, where: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SenseCommandError(f"{where} must be an integer, got {shown(value)}")
        try:
            number = int(value)
        except ValueError:
            raise SenseCommandError(f"{where} must be an integer, got {shown(value)}") from None
        low, high = self.minimum, self.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise SenseCommandError(
                f"{where} must be between {low} and {high}, got {shown(number)}"
            )
        return number


Body = Callable[[C, Mapping[str, Any]], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Command(Generic[C]):
    """An action: its name, its declared arguments and its body."""

    name: str
    body: Body[C]
    args: tuple[Arg, ...] = ()

    def parse(self, cmd: Mapping[Any, object]) -> dict[str, object]:
        """The arguments of `cmd`, checked; unknown or missing ones named with the valid ones."""
        known = {a.name for a in self.args}
        odd = [k for k in cmd if not isinstance(k, str)]
        if odd:
            raise SenseCommandError(
                f"{self.name}: argument names must be strings, got {shown(odd[0])}"
            )
        extra = sorted(str(k) for k in cmd if k not in known and k not in ("action", "device"))
        if extra:
            valid = ", ".join(sorted(known)) or "none"
            raise SenseCommandError(
                f"{self.name}: unknown argument(s) {', '.join(shown(e) for e in extra)}; "
                f"valid arguments: {valid}"
            )
        out: dict[str, object] = {}
        for arg in self.args:
            if arg.name in cmd and cmd[arg.name] is not None:
                out[arg.name] = arg.check(self.name, cmd[arg.name])
            elif arg.required:
                raise SenseCommandError(f"{self.name}: argument '{arg.name}' is required")
        return out


class CommandTable(Generic[C]):
    """Actions by name, each declared once with its body through `command()`."""

    def __init__(self) -> None:
        self._commands: dict[str, Command[C]] = {}

    def command(self, name: str, *args: Arg) -> Callable[[Body[C]], Body[C]]:
        """Declare an action with its arguments on the function that carries it out."""

        def register(body: Body[C]) -> Body[C]:
            if name in self._commands:
                raise ValueError(f"command {name} declared twice")
            self._commands[name] = Command(name, body, args)
            return body

        return register

    def __getitem__(self, name: str) -> Command[C]:
        return self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def items(self) -> list[tuple[str, Command[C]]]:
        return list(self._commands.items())

    def find(self, cmd: object) -> Command[C]:
        """The command `cmd["action"]` names; SenseCommandError listing the valid ones if none."""
        if not isinstance(cmd, Mapping):
            raise SenseCommandError("a command must be an object with an 'action'")
        action = cmd.get("action")
        found = self._commands.get(action) if isinstance(action, str) else None
        if found is None:
            raise SenseCommandError(
                f"unknown action {shown(action)}; valid actions: "
                f"{', '.join(sorted(self._commands))}"
            )
        return found


def local_zone(name: str) -> tzinfo:
    """The monitor's time zone (an IANA name from Sense), or UTC if it is unknown or odd."""
    if not name or len(name) > 64:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_start(value: object, zone: tzinfo) -> datetime | None:
    """An ISO 8601 start, None for "now". A date or time without an offset is read in `zone`
    (the monitor's time zone): periods are the monitor's local days, weeks, months, years."""
    if value is None:
        return None
    example = "2026-06-13 or 2026-06-13T00:00:00 (monitor time) or 2026-06-13T00:00:00+02:00"
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SenseCommandError(
            f"argument 'start' must be an ISO 8601 date or time such as {example}, "
            f"got {shown(value)}"
        ) from None
    try:
        aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
        in_range = _EARLIEST <= aware.astimezone(UTC) < _LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise SenseCommandError(
            f"argument 'start' must lie between 2000-01-01 and 2099-12-31, got {shown(value)}"
        )
    return aware
