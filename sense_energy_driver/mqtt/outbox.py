"""The bounded queue between the host's callbacks and the publisher: never blocks, never grows.

A value waiting for its turn is replaced by a newer value of the same topic (latest wins), or
withdrawn when the newer value is the one last sent, so the queue holds at most one message per
topic and never sends a value twice in a row; only when it holds `limit` different topics is a
new one dropped, and counted. After a reconnect everything is republished from the host's
snapshot, so a drop delays a value, it does not lose it for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["Outbox", "OutboxCounters", "Outgoing"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to publish; `key` is what coalesces (the topic, unless made unique)."""

    topic: str
    payload: str
    retain: bool = False
    qos: int = 0
    key: str = ""

    @property
    def slot(self) -> str:
        return self.key or self.topic


@dataclass(slots=True)
class OutboxCounters:
    """Running totals, for logs and the benchmark."""

    queued: int = 0
    coalesced: int = 0
    dropped: int = 0
    high_water: int = 0


@dataclass(slots=True)
class Outbox:
    """Latest-value-wins per topic, first-queued first-out, at most `limit` topics waiting."""

    limit: int = 10_000
    counters: OutboxCounters = field(default_factory=OutboxCounters)
    _pending: OrderedDict[str, Outgoing] = field(default_factory=OrderedDict)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _handed_out: dict[str, str] = field(default_factory=dict)  # topic -> last payload sent
    _dropping: bool = False  # warned once per overflow, again after the queue emptied

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, message: Outgoing) -> bool:
        """Queue without waiting; False when it was dropped because the queue is full."""
        slot = message.slot
        if slot in self._pending:
            self.counters.coalesced += 1
            if not message.key and self._handed_out.get(slot) == message.payload:
                del self._pending[slot]  # back to what the broker has (A, B, A): send nothing
            else:
                self._pending[slot] = message  # keeps its place in line, with the newer value
            return True
        if len(self._pending) >= self.limit:
            if not self._dropping:
                _LOGGER.warning(
                    "MQTT outbox full (%d topics waiting); new topics are dropped until the "
                    "broker catches up (%d dropped so far)",
                    self.limit,
                    self.counters.dropped + 1,
                )
                self._dropping = True
            self.counters.dropped += 1
            return False
        self._pending[slot] = message
        self.counters.queued += 1
        self.counters.high_water = max(self.counters.high_water, len(self._pending))
        self._ready.set()
        return True

    async def get(self) -> Outgoing:
        """The oldest waiting message, once there is one."""
        while not self._pending:
            self._dropping = False
            self._ready.clear()
            await self._ready.wait()
        return self._hand_out()

    def take_ready(self, most: int) -> list[Outgoing]:
        """Up to `most` waiting messages at once, without waiting."""
        return [self._hand_out() for _ in range(min(most, len(self._pending)))]

    def _hand_out(self) -> Outgoing:
        message = self._pending.popitem(last=False)[1]
        if not message.key:
            self._handed_out[message.topic] = message.payload
        return message

    def clear(self) -> None:
        """Forget everything waiting and what was handed out (a full republish follows)."""
        self._pending.clear()
        self._handed_out.clear()
        self._dropping = False
