"""MQTT topics as proxy sources: which topics the proxies read, and their payloads pushed in.

A proxy declared with the source `mqtt:<topic>` reads that topic on the bridge's one connection.
The driver's ProxyService knows nothing of MQTT: each attached service tells this feed which
topics its proxies read (now and whenever its configuration changes), and takes every payload
through `push`, which checks it. The link subscribes to `topics` on every connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..proxy import Source, SourceKind
from .ports import ProxyInputs

__all__ = ["FeedCounters", "ProxyFeeds"]

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class FeedCounters:
    """Running totals of the messages on proxy topics."""

    received: int = 0
    taken: int = 0  # the payload became some proxy's reading
    refused: int = 0  # no proxy took it (each proxy counts it as `rejected` too)


@dataclass(slots=True)
class ProxyFeeds:
    """The topics every attached proxy service reads, and the delivery of their payloads."""

    counters: FeedCounters = field(default_factory=FeedCounters)
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # the link's cue to resubscribe
    subscribed: frozenset[str] = frozenset()  # what the current connection has subscribed to
    _wanted: dict[ProxyInputs, frozenset[str]] = field(default_factory=dict)
    _readers: dict[str, list[ProxyInputs]] = field(default_factory=dict)
    _progress: asyncio.Event = field(default_factory=asyncio.Event)

    def attach(self, proxies: ProxyInputs) -> Callable[[], None]:
        """Feed one driver's MQTT-sourced proxies; returns the function that stops it."""

        def listen(topics: frozenset[str]) -> None:
            self._wanted[proxies] = topics
            self._rebuild()

        detach = proxies.attach_feed(SourceKind.MQTT, listen)

        def stop() -> None:
            detach()
            self._wanted.pop(proxies, None)
            self._rebuild()

        return stop

    def _rebuild(self) -> None:
        readers: dict[str, list[ProxyInputs]] = {}
        for proxies, topics in self._wanted.items():
            for topic in topics:
                readers.setdefault(topic, []).append(proxies)
        if readers.keys() != self._readers.keys():
            self.changed.set()
        self._readers = readers
        self._progress.set()

    @property
    def topics(self) -> frozenset[str]:
        """Every topic some attached proxy reads."""
        return frozenset(self._readers)

    def set_subscribed(self, topics: frozenset[str]) -> None:
        """The link's subscriptions now (empty while it is disconnected)."""
        self.subscribed = topics
        self._progress.set()

    def deliver(self, topic: str, payload: bytes) -> bool:
        """A message: pushed to every service reading `topic`; False when none does."""
        readers = self._readers.get(topic)
        if not readers:
            return False
        source = Source(SourceKind.MQTT, topic)
        try:
            taken = sum(proxies.push(source, payload) for proxies in readers)
        except Exception:  # a bug behind push must not end the broker connection
            _LOGGER.exception("MQTT: the proxy value from %s could not be applied", topic)
            taken = 0
        self.counters.received += 1
        if taken:
            self.counters.taken += 1
        else:
            self.counters.refused += 1
        self._progress.set()
        return True

    async def wait_until(self, predicate: Callable[[ProxyFeeds], object]) -> None:
        """Until `predicate(self)` holds, re-checked after every delivery or subscription change.

        For tests and benchmarks; bound it with asyncio.timeout.
        """
        while not predicate(self):
            self._progress.clear()
            await self._progress.wait()
