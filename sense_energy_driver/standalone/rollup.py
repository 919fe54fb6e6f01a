"""Aggregates of one attribute over time: per-minute blocks and the coarser buckets built from them.

An attribute is a step function: each stored value holds until the next one (the driver writes
only changes). A `Block` summarises one stretch of it: how many values were written, how many
seconds it covers, min/max/time-weighted mean for numbers, the fraction of time "on" for on/off
states, and the value in force at its end. The store keeps minute blocks once raw values age out;
`history --every` combines minute blocks (stored, or made from raw values on the fly) into
buckets, filling the minutes without a write with the value that held through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = ["EVERY", "MINUTE", "NO_VALUE", "Block", "buckets", "is_number", "minute_blocks"]

MINUTE = 60
EVERY = {"1m": MINUTE, "1h": 3600, "1d": 86_400}
_STATES = {"on": 1.0, "off": 0.0}


def is_number(value: object) -> bool:
    """True for int and float values, not for bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Block:
    """A summary of one attribute over [start, start + span): see the module docstring."""

    start: float
    span: float
    count: int
    secs: float
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    on: float | None = None
    last: object = None

    @classmethod
    def constant(cls, start: float, span: float, value: object) -> Block:
        """A stretch with no write, where `value` held throughout."""
        number = float(value) if is_number(value) else None  # type: ignore[arg-type]
        return cls(
            start,
            span,
            0,
            span,
            number,
            number,
            number,
            _STATES.get(value) if isinstance(value, str) else None,
            value,
        )

    def combine(self, later: Block) -> Block:
        """This block followed by `later`, as one block."""
        secs = self.secs + later.secs
        return Block(
            self.start,
            later.start + later.span - self.start,
            self.count + later.count,
            secs,
            _pick(min, self.low, later.low),
            _pick(max, self.high, later.high),
            _weighted(self.mean, self.secs, later.mean, later.secs),
            _weighted(self.on, self.secs, later.on, later.secs),
            later.last,
        )


def _pick(fn: Callable[[float, float], float], a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return fn(a, b)


def _weighted(a: float | None, wa: float, b: float | None, wb: float) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    total = wa + wb
    return (a * wa + b * wb) / total if total > 0 else b


def _summarise(
    start: float, values: Sequence[tuple[float, object]], end: float, count: int
) -> Block:
    """One block from the stretches (from, value), each holding until the next or `end`."""
    secs = num_secs = state_secs = weighted = on_secs = 0.0
    low: float | None = None
    high: float | None = None
    for i, (since, value) in enumerate(values):
        until = values[i + 1][0] if i + 1 < len(values) else end
        length = max(until - since, 0.0)
        secs += length
        if length == 0 and until < end:
            continue  # replaced at once (a carried value at the minute's start): never in force
        if is_number(value):
            number = float(value)  # type: ignore[arg-type]
            low = number if low is None else min(low, number)
            high = number if high is None else max(high, number)
            num_secs += length
            weighted += number * length
        elif isinstance(value, str) and value in _STATES:
            state_secs += length
            on_secs += length * _STATES[value]
    last = values[-1][1]
    if num_secs > 0:
        mean: float | None = weighted / num_secs
    else:
        mean = float(last) if is_number(last) else None  # type: ignore[arg-type]
    if state_secs > 0:
        on: float | None = on_secs / state_secs
    else:
        on = _STATES.get(last) if isinstance(last, str) else None
    return Block(start, end - start, count, secs, low, high, mean, on, last)


NO_VALUE = object()  # "no value known", where None would be a value


def minute_blocks(
    points: Iterable[tuple[float, object]], *, carry: object = NO_VALUE, limit: float | None = None
) -> Iterator[Block]:
    """Minute blocks of one attribute from its raw (ts, value) points, oldest first.

    `carry` is the value in force before the first point (omit it when none is known); the last
    point holds until the end of its minute, or `limit` if that comes first.
    """
    minute: int | None = None
    stretch: list[tuple[float, object]] = []
    count = 0
    for ts, value in points:
        this = int(ts // MINUTE)
        if minute is not None and this != minute:
            yield _summarise(minute * MINUTE, stretch, (minute + 1) * MINUTE, count)
            carry = stretch[-1][1]
            stretch, count = [], 0
        if not stretch:
            minute = this
            if carry is not NO_VALUE:
                stretch.append((this * MINUTE, carry))
        stretch.append((ts, value))
        count += 1
    if minute is not None:
        end: float = (minute + 1) * MINUTE
        if limit is not None:
            end = max(min(end, limit), stretch[-1][0])
        yield _summarise(minute * MINUTE, stretch, end, count)


def _gap(start: float, end: float, value: object, every: int) -> Iterator[Block]:
    """The minutes without a write, where `value` held, cut at bucket boundaries."""
    while start < end:
        cut = min(end, (start // every + 1) * every)
        yield Block.constant(start, cut - start, value)
        start = cut


def buckets(
    blocks: Iterable[Block],
    every: int,
    *,
    carry: object = NO_VALUE,
    start: float | None = None,
    until: float | None = None,
) -> Iterator[Block]:
    """Combine minute blocks (oldest first) into buckets of `every` seconds, filling the gaps.

    Between blocks, the value of the earlier one held. `carry` is the value in force at `start`
    (or, without `start`, at the first block's bucket); the last value holds until `until`, and
    nothing is extrapolated past it. A bucket is reported when any time in it is covered.
    """
    current: Block | None = None
    last = carry
    held_from = None if last is NO_VALUE else start

    def pieces() -> Iterator[Block]:
        nonlocal held_from, last
        for block in blocks:
            if held_from is None and last is not NO_VALUE:
                held_from = block.start // every * every
            if held_from is not None:
                yield from _gap(held_from, block.start, last, every)
            yield block
            held_from, last = block.start + block.span, block.last
        if until is not None and held_from is not None and last is not NO_VALUE:
            yield from _gap(held_from, until, last, every)

    for piece in pieces():
        if current is not None and piece.start // every != current.start // every:
            yield _aligned(current, every)
            current = None
        current = piece if current is None else current.combine(piece)
    if current is not None:
        yield _aligned(current, every)


def _aligned(block: Block, every: int) -> Block:
    start = block.start // every * every
    return Block(
        start,
        float(every),
        block.count,
        block.secs,
        block.low,
        block.high,
        block.mean,
        block.on,
        block.last,
    )
