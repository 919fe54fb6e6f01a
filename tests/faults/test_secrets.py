"""Canary secrets through every driver path: none may appear in plaintext anywhere."""

from __future__ import annotations

import logging

import pytest

from sense_energy_driver.simulator import SenseSimulator
from tests.sim_fixtures import MakeDriver

CANARY_PASSWORD = "canary-PW-5d1e9b"
CANARY_TOTP = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"


def tokens_of(sim: SenseSimulator) -> set[str]:
    """Every access and refresh token the simulator has issued."""
    store = sim.tokens
    return set(store._access) | set(store._refresh)


async def test_canaries_never_leak(
    make_driver: MakeDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with SenseSimulator(
        interval=0.05, password=CANARY_PASSWORD, mfa_secret=CANARY_TOTP
    ) as sim:
        driver, host = await make_driver(sim, password=CANARY_PASSWORD, totp_secret=CANARY_TOTP)
        await host.wait_for(lambda: host.device.get("feed_status") == "connected")
        # renew, feed re-auth, a failing login, an error message and a repr on the way
        sim.expire_access_tokens(drop_feeds=True)
        await host.wait_for(lambda: host.logged("realtime open") >= 2)
        await driver.command({"action": "get_devices"})
        errors: list[str] = []
        host.attributes["password"] = CANARY_PASSWORD + "-wrong"
        await driver.attribute_changed("password")
        try:
            await driver.command({"action": "get_monitor_status"})
        except Exception as err:  # the error itself is under test
            errors += [str(err), repr(err)]
        tokens = tokens_of(sim)
        refresh = str(host.attributes.get("refresh_token"))
        await driver.disconnect()
    assert tokens, "the simulator's issued tokens must be visible to this test"
    secrets = {CANARY_PASSWORD, CANARY_TOTP, *tokens}
    surfaces = {
        "device log": host.log_text(),
        "python logs": "\n".join(r.getMessage() for r in caplog.records),
        "errors": "\n".join(errors),
        "driver repr": repr(driver) + repr(driver._cfg) + repr(driver._monitor),
        "host writes": "\n".join(
            repr(w)
            for w in host.writes
            if w[1] != "refresh_token"  # secure: the host encrypts it
        ),
    }
    for where, text in surfaces.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into the {where}"
    assert refresh in tokens  # the refresh token went only to its secure attribute
    assert (
        "access_token=<redacted>" in surfaces["python logs"]
        or "access_token=" not in (surfaces["python logs"])
    )
