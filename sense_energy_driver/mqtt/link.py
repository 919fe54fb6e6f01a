"""The one MQTT connection of a process: connect with a last will, publish, reconnect with backoff.

Every monitor bridge of the process shares it. While the broker is away the bridges keep
queueing into the outbox (latest value per topic); when it comes back the link republishes
availability, discovery and every current value, then drains the outbox again. It also
subscribes to the topics proxy devices read (`mqtt:<topic>` sources), again on every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiomqtt

from ..backoff import Backoff
from ..loops import Escalation
from .broker import BrokerAddress
from .outbox import Outbox
from .proxyfeed import ProxyFeeds
from .topics import OFFLINE, ONLINE, TopicLayout

if TYPE_CHECKING:
    from .bridge import MonitorBridge

__all__ = ["BrokerLink", "LinkCounters"]

_LOGGER = logging.getLogger(__name__)

RECONNECT_BACKOFF = Backoff(initial=1.0, maximum=60.0, jitter=0.25)
KEEPALIVE_S = 30
CLOSE_DRAIN_S = 5.0
BATCH = 256  # messages handed to the client at once
PENDING_CALLS_EXPECTED = 10_000  # aiomqtt warns above this many unfinished calls


@dataclass(slots=True)
class LinkCounters:
    """Running totals: connections made, failures, messages published."""

    connects: int = 0
    failures: int = 0
    published: int = 0


def _log(level: int, message: str) -> None:
    _LOGGER.log(level, "%s", message)


class BrokerLink:
    """Owns the aiomqtt client; runs until cancelled, reconnecting whenever the broker drops."""

    def __init__(
        self,
        broker: BrokerAddress,
        layout: TopicLayout,
        client_id: str,
        outbox: Outbox,
        *,
        backoff: Backoff = RECONNECT_BACKOFF,
        keepalive: int = KEEPALIVE_S,
        rng: random.Random | None = None,
    ) -> None:
        self.broker = broker
        self.layout = layout
        self.client_id = client_id
        self.availability = layout.bridge_availability(client_id)
        self.outbox = outbox
        self.counters = LinkCounters()
        self._backoff = backoff
        # A long outage is one WARNING, DEBUG repeats and a summary now and then.
        self._outage = Escalation(f"MQTT broker {broker.display()}", _log)
        self._keepalive = keepalive
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._bridges: dict[str, MonitorBridge] = {}
        self._client: aiomqtt.Client | None = None
        self._drained = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._joined: set[MonitorBridge] = set()  # subscribed and synced on this connection
        self.connected = asyncio.Event()
        self.feeds = ProxyFeeds()  # topics proxy devices read

    # --- bridges ---------------------------------------------------------------------------------

    def add(self, bridge: MonitorBridge) -> None:
        """A bridge whose monitor is now known: listen to its commands, publish all it has."""
        assert bridge.topics is not None
        self._bridges[bridge.topics.command] = bridge
        client = self._client
        if client is not None:
            task = asyncio.get_running_loop().create_task(self._join(client, bridge))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def pending_tasks(self) -> list[asyncio.Task[None]]:
        """Joins still in flight, for a clean stop."""
        return list(self._tasks)

    async def _join(self, client: aiomqtt.Client, bridge: MonitorBridge) -> None:
        """Subscribe first: once `online` is out, commands to this monitor are heard."""
        assert bridge.topics is not None
        if bridge in self._joined:  # added while the connection was being set up
            return
        self._joined.add(bridge)
        with contextlib.suppress(aiomqtt.MqttError):  # a reconnect subscribes and syncs again
            await client.subscribe(bridge.topics.command, qos=1)
            bridge.full_sync()

    # --- the connection --------------------------------------------------------------------------

    def _client_for(self) -> aiomqtt.Client:
        tls = None
        if self.broker.tls:
            from ..transport.tls import client_ssl_context

            ca = str(self.broker.ca_file) if self.broker.ca_file else None
            tls = client_ssl_context(ca)
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self.client_id,
            will=aiomqtt.Will(self.availability, OFFLINE, qos=1, retain=True),
            keepalive=self._keepalive,
            tls_context=tls,
            timeout=10.0,
        )
        # Batches of publishes and a fleet's joining bridges are in flight at once, by design.
        client.pending_calls_threshold = PENDING_CALLS_EXPECTED
        return client

    async def run(self) -> None:
        """Connect, publish, and on any broker failure wait (backoff) and connect again."""
        while True:
            try:
                async with self._client_for() as client:
                    self._outage.succeeded()
                    await self._serve(client)
            except aiomqtt.MqttError as err:
                reason = str(err)
            except Exception as err:  # a bug here must not stop the driver: log, reconnect
                _LOGGER.exception("MQTT link failed")
                reason = f"unexpected {type(err).__name__}"
            finally:
                self._client = None
                self.connected.clear()
                self.feeds.set_subscribed(frozenset())
            self.counters.failures += 1
            delay = self._backoff.delay(self._outage.failures + 1, self._rng)
            self._outage.failed(f"{reason}; retrying in {delay:.1f} s")
            await asyncio.sleep(delay)

    async def _serve(self, client: aiomqtt.Client) -> None:
        self.counters.connects += 1
        self.outbox.clear()  # a full republish supersedes whatever waited
        self._joined.clear()
        self._client = client
        await client.publish(self.availability, ONLINE, qos=1, retain=True)
        await client.subscribe(self.layout.ha_status, qos=1)
        self.feeds.set_subscribed(frozenset())  # a new session: nothing subscribed yet
        await self._subscribe_feeds(client)
        for bridge in list(self._bridges.values()):
            await self._join(client, bridge)
        self.connected.set()
        _LOGGER.info("MQTT connected to %s as %s", self.broker.display(), self.client_id)
        loop = asyncio.get_running_loop()
        tasks = {
            loop.create_task(self._publish(client)),
            loop.create_task(self._receive(client)),
            loop.create_task(self._follow_feeds(client)),
        }
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()  # the MqttError that ended the connection
        raise aiomqtt.MqttError("the broker closed the connection")

    async def _publish(self, client: aiomqtt.Client) -> None:
        """Hand waiting messages to the client a batch at a time.

        A QoS 0 publish completes when the client's socket writer has run, one loop turn later;
        awaiting them one by one would cap the rate at one message per loop turn. A batch is
        handed over at once and written together.
        """
        while True:
            if not self.outbox:
                self._drained.set()
            batch = [await self.outbox.get(), *self.outbox.take_ready(BATCH - 1)]
            self._drained.clear()
            await asyncio.gather(
                *(client.publish(m.topic, m.payload, m.qos, m.retain) for m in batch)
            )
            self.counters.published += len(batch)

    async def _subscribe_feeds(self, client: aiomqtt.Client) -> None:
        """Subscribe to the topics proxies read now; leave the ones they no longer read."""
        self.feeds.changed.clear()
        want, have = self.feeds.topics, self.feeds.subscribed
        for topic in sorted(want - have):
            await client.subscribe(topic, qos=1)
        ours = {self.layout.ha_status, *self._bridges}  # never unsubscribe the bridge's own
        for topic in sorted(have - want - ours):
            await client.unsubscribe(topic)
        if want != have:
            _LOGGER.info("MQTT: proxy devices read %d topic(s)", len(want))
        self.feeds.set_subscribed(want)

    async def _follow_feeds(self, client: aiomqtt.Client) -> None:
        """Follow the proxies' configuration: a changed `proxy_devices` changes the topics."""
        while True:
            await self.feeds.changed.wait()
            await self._subscribe_feeds(client)

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload if isinstance(message.payload, bytes) else b""
            self.feeds.deliver(topic, payload)
            if topic == self.layout.ha_status:
                if payload.strip() == ONLINE.encode():
                    _LOGGER.info("Home Assistant (re)started; publishing discovery again")
                    for each in self._bridges.values():
                        each.full_sync()
                continue
            bridge = self._bridges.get(topic)
            if bridge is not None:
                bridge.handle_command(payload)

    async def goodbye(self, timeout: float = CLOSE_DRAIN_S) -> None:
        """Before a clean stop: publish what waits (the bridges' `offline`), then our own."""
        client = self._client
        if client is None:
            return
        with contextlib.suppress(TimeoutError, aiomqtt.MqttError):
            async with asyncio.timeout(timeout):
                while self.outbox:
                    self._drained.clear()
                    await self._drained.wait()
                await client.publish(self.availability, OFFLINE, qos=1, retain=True)
