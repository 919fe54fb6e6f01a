"""The recorded Kasa poll answer against our emulated plugs, over a real UDP socket on loopback.

The recording is the answer a Sense-accepted emulated HS110 (openHAB's proxy device) sends to
the monitor's poll. The poll it answers is rebuilt from it, sent to a running ProxyService as
Sense sends it, and each plug's answer (decrypted by python-kasa's cipher, not ours) is
compared with the recording key by key and JSON type by JSON type: every difference is either
in tests/replay/kasa_allowlist.py with its reason, or a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from sense_energy_driver.proxy import ProxyService, parse_bind
from sense_energy_driver.proxy.answers import is_sense_poll
from tests.proxy.kasa_client import SENSE_POLL, FakeClock, UdpClient, datagram
from tests.replay.corpus import Fixture, fixtures
from tests.replay.kasa_allowlist import ALLOWED
from tests.simulator.shapes import Difference, compare

WATTS = {"Pool pump": 1200.0, "Dimmer": 40.5}
# Values the recording shows as they are (not elided) that say what the device is.
_IDENTITY = ("type", "model", "hw_ver", "err_code", "updating")


@pytest.fixture
async def plugs() -> AsyncIterator[ProxyService]:
    service = ProxyService(clock=FakeClock())
    service.add_fixed(WATTS)
    await service.apply((), parse_bind("127.0.0.1:0"))
    assert service.address is not None, "the proxy service did not start"
    yield service
    await service.stop()


def _poll_answered_by(answer: dict[str, Any]) -> dict[str, Any]:
    """The request an answer answers: the same modules and commands, with empty arguments."""
    return {module: {command: {} for command in body} for module, body in answer.items()}


async def _ask(service: ProxyService, *requests: Any, answers: int) -> list[dict[str, Any]]:
    assert service.address is not None
    client = await UdpClient.open()
    try:
        for request in requests:
            client.send(datagram(request), service.address.port)
        return await client.receive(answers)
    finally:
        client.close()


@pytest.mark.parametrize("fx", fixtures("kasa", "poll_answer"), ids=lambda f: f.file)
async def test_each_plug_answers_the_poll_with_the_recorded_shape(
    fx: Fixture, plugs: ProxyService
) -> None:
    recorded = fx.load()
    poll = _poll_answered_by(recorded)
    assert poll == SENSE_POLL and is_sense_poll(poll)
    answers = await _ask(plugs, poll, answers=len(WATTS))
    allowed = {Difference(path, kind) for (kind, path) in ALLOWED}
    for answer in answers:
        found = compare(recorded, answer)
        unexpected = sorted(str(d) for d in found if Difference(d.path, d.kind) not in allowed)
        stale = sorted(str(d) for d in allowed - {Difference(d.path, d.kind) for d in found})
        assert not unexpected, f"differences not in kasa_allowlist.py: {unexpected}"
        assert not stale, f"allowlisted differences that no longer occur: {stale}"


@pytest.mark.parametrize("fx", fixtures("kasa", "poll_answer"), ids=lambda f: f.file)
async def test_the_values_sense_sees_match_the_recording(fx: Fixture, plugs: ProxyService) -> None:
    recorded = fx.load()
    answers = await _ask(plugs, SENSE_POLL, answers=len(WATTS))
    want_info = recorded["system"]["get_sysinfo"]
    by_alias = {a["system"]["get_sysinfo"]["alias"]: a for a in answers}
    assert set(by_alias) == set(WATTS)
    for alias, answer in by_alias.items():
        sysinfo, realtime = answer["system"]["get_sysinfo"], answer["emeter"]["get_realtime"]
        assert {k: sysinfo[k] for k in _IDENTITY} == {k: want_info[k] for k in _IDENTITY}
        assert realtime["err_code"] == recorded["emeter"]["get_realtime"]["err_code"]
        assert sysinfo["relay_state"] == want_info["relay_state"]  # on: it draws power
        # elided (null) in the recording; the binding's DTO declares floats
        assert realtime["power"] == WATTS[alias]
        assert realtime["voltage"] * realtime["current"] == pytest.approx(WATTS[alias], rel=1e-3)
    # Sense keys plugs by deviceId and MAC: each proxy has its own
    assert len({a["system"]["get_sysinfo"]["deviceId"] for a in answers}) == len(WATTS)
    assert len({a["system"]["get_sysinfo"]["mac"] for a in answers}) == len(WATTS)


@pytest.mark.parametrize("fx", fixtures("kasa", "poll_answer"), ids=lambda f: f.file)
async def test_the_recorded_answer_looped_back_is_an_echo_not_a_question(
    fx: Fixture, plugs: ProxyService
) -> None:
    """A plug's answer heard on the plugs' own port is dropped and counted, not answered."""
    before = plugs.counters.as_dict()
    answers = await _ask(plugs, fx.load(), SENSE_POLL, answers=len(WATTS))
    after = plugs.counters.as_dict()
    assert after["echoes"] - before["echoes"] == 1
    assert after["requests"] - before["requests"] == 1  # only the poll was answered
    assert {a["system"]["get_sysinfo"]["alias"] for a in answers} == set(WATTS)


def test_every_kasa_fixture_is_replayed() -> None:
    assert {f.what for f in fixtures("kasa")} == {"poll_answer"}
