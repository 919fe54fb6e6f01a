"""The MQTT side service: one connection, one bridge per monitor, all stopped cleanly together.

Each monitor's proxy devices with an `mqtt:<topic>` source are fed from the same connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from ..backoff import Backoff
from .bridge import MonitorBridge
from .broker import MqttConfigError
from .options import MqttOptions
from .outbox import Outbox
from .ports import MonitorDriver, MonitorHost

try:
    from .link import RECONNECT_BACKOFF, BrokerLink
except ImportError as err:  # aiomqtt is the `mqtt` extra
    raise MqttConfigError(
        f"--mqtt needs aiomqtt: pip install 'sense-energy-driver[mqtt]' ({err})"
    ) from None

__all__ = ["mqtt_service"]

_LOGGER = logging.getLogger(__name__)

TOPICS_PER_MONITOR = 200  # the outbox bound: far above what one monitor has waiting at once


@asynccontextmanager
async def mqtt_service(
    options: MqttOptions,
    monitors: Sequence[tuple[MonitorHost, MonitorDriver]],
    *,
    client_id: str,
    backoff: Backoff = RECONNECT_BACKOFF,
) -> AsyncIterator[BrokerLink]:
    """Connect (in the background: the driver does not wait for the broker) and bridge monitors."""
    outbox = Outbox(limit=1_000 + TOPICS_PER_MONITOR * len(monitors))
    link = BrokerLink(options.broker, options.layout, client_id, outbox, backoff=backoff)
    bridges = [
        MonitorBridge(
            host,
            driver,
            outbox,
            layout=options.layout,
            bridge_availability=link.availability,
            options=options.bridge,
        )
        for host, driver in monitors
    ]
    # Before the drivers connect: their proxy configuration then finds MQTT sources served.
    detach_feeds = [link.feeds.attach(driver.proxies) for _, driver in monitors]
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(link.run(), name="mqtt-link")]
    tasks += [loop.create_task(_join(link, bridge), name="mqtt-bridge") for bridge in bridges]
    _LOGGER.info("MQTT: publishing %d monitor(s) to %s", len(bridges), options.broker.display())
    try:
        yield link
    finally:
        for bridge in bridges:
            bridge.close()
        for detach in detach_feeds:
            detach()
        await link.goodbye()
        tasks += link.pending_tasks()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _join(link: BrokerLink, bridge: MonitorBridge) -> None:
    await bridge.identify()
    link.add(bridge)
