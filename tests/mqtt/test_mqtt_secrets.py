"""Nothing secret reaches the broker: not the Sense password, the TOTP secret or any token,
whatever is published (discovery, values, availability) or answered over MQTT."""

from __future__ import annotations

from pathlib import Path

from sense_energy_driver.simulator import SenseSimulator
from tests.mqtt.broker import Mosquitto, watching
from tests.mqtt.running import all_zones, bridged

CANARY_PASSWORD = "canary-mqtt-PW-5c2e91"
CANARY_TOTP = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"


async def test_no_secret_is_published_or_answered(broker: Mosquitto, tmp_path: Path) -> None:
    simulator = SenseSimulator(
        interval=0.05, seed=3, password=CANARY_PASSWORD, mfa_secret=CANARY_TOTP, token_lifetime=1.0
    )
    async with simulator as sim, watching(broker.port, "#") as watcher:
        async with bridged(
            sim,
            broker.url,
            tmp_path,
            zones=all_zones(sim),
            password=CANARY_PASSWORD,
            totp_secret=CANARY_TOTP,
        ) as run:
            topics = run.topics
            await watcher.wait_payload(topics.availability, "online")
            # Short-lived tokens: the bridge keeps publishing across at least one renewal.
            await watcher.wait_for(lambda ms: sim.requests.get("renew", 0) >= 1, timeout=20)
            for request_id, action in enumerate(("get_monitors", "get_devices", "get_realtime")):
                payload = f'{{"action": "{action}", "id": {request_id}}}'
                await watcher.client.publish(topics.command, payload.encode(), qos=1)
            await watcher.wait_for(lambda ms: len(watcher.on(topics.response)) >= 3, timeout=10)
        tokens = set(sim.tokens._access) | set(sim.tokens._refresh)
    assert len(tokens) >= 2
    assert all('"ok": true' in m.payload for m in watcher.on(topics.response)), watcher.on(
        topics.response
    )
    secrets = {CANARY_PASSWORD, CANARY_TOTP, *tokens}
    assert len(watcher.messages) > 20
    leaked = [m.topic for m in watcher.messages for s in secrets if s in m.payload or s in m.topic]
    assert leaked == []
