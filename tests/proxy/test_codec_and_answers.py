"""The XOR autokey cipher against python-kasa's own, and the answers' shape for odd requests."""

from __future__ import annotations

import json
import random

import pytest
from kasa.transports.xortransport import XorEncryption

from sense_energy_driver.errors import SenseProtocolError
from sense_energy_driver.proxy import ProxyDevice, Source, SourceKind
from sense_energy_driver.proxy.answers import Plug, is_echo, is_sense_poll, strip_answer
from sense_energy_driver.proxy.codec import decode_request, decrypt, encrypt, frame
from sense_energy_driver.proxy.readings import ReadingView

TEXT = '{"system":{"get_sysinfo":{}},"emeter":{"get_realtime":{}}} é'


def test_cipher_matches_python_kasa_both_ways() -> None:
    theirs = XorEncryption.encrypt(TEXT)  # 4-byte length, then the ciphertext
    assert frame(encrypt(TEXT.encode())) == theirs
    assert decrypt(theirs[4:]).decode() == TEXT
    assert XorEncryption.decrypt(encrypt(TEXT.encode())) == TEXT
    assert encrypt(b"{") == bytes([ord("{") ^ 171])  # the initial key is 171
    assert decrypt(b"") == b""


def test_cipher_matches_python_kasa_at_every_length() -> None:
    rng = random.Random(17)
    for size in [*range(40), 255, 256, 257, 1023, 1024, 4099]:
        text = "".join(chr(rng.randrange(32, 127)) for _ in range(size))
        assert encrypt(text.encode()) == XorEncryption.encrypt(text)[4:], size
        assert decrypt(encrypt(text.encode())) == text.encode(), size


@pytest.mark.parametrize(
    ("cipher", "why"),
    [
        (b"\xff\x00\x10", "no JSON"),
        (encrypt(b"[1, 2]"), "not object"),
        (encrypt(b'"text"'), "not object"),
    ],
)
def test_a_request_that_is_not_a_json_object_is_a_protocol_error(cipher: bytes, why: str) -> None:
    with pytest.raises(SenseProtocolError, match=why):
        decode_request(cipher)


def _plugs() -> list[Plug]:
    command = Source(SourceKind.COMMAND)
    return [
        Plug(ProxyDevice.create("A", command), ReadingView(10.0, 10.0, 0.0, False, 1.0)),
        Plug(ProxyDevice.create("B", command), ReadingView(0.0, 5.0, 99.0, True, 2.0)),
    ]


def test_sense_poll_and_echo_are_told_apart() -> None:
    poll = json.loads(TEXT[:-2])
    assert is_sense_poll(poll) and not is_echo(poll)
    assert not is_sense_poll({"system": {"get_sysinfo": {}}})  # python-kasa's discovery
    assert not is_sense_poll({**poll, "context": {"child_ids": ["x"]}})
    assert is_echo({"emeter": {"get_realtime": {"power": 1}}})


def test_strip_answers_module_by_module() -> None:
    plugs = _plugs()
    a_id = plugs[0].device.device_id
    answer = strip_answer(
        {
            "context": {"child_ids": [a_id]},
            "emeter": {"get_realtime": {}, "get_daystat": {"year": 2026}, "erase": {}},
            "schedule": {"get_rules": {}},
            "system": {"get_sysinfo": {}, "reboot": {}},
        },
        plugs,
        on_time=5,
    )
    assert answer["emeter"]["get_realtime"]["power"] == 10.0
    assert answer["emeter"]["get_daystat"] == {"day_list": [], "err_code": 0}
    assert answer["emeter"]["erase"]["err_code"] == -2
    assert answer["schedule"] == {"err_code": -1, "err_msg": "module not support"}
    sysinfo = answer["system"]["get_sysinfo"]
    assert [c["alias"] for c in sysinfo["children"]] == ["A", "B"]
    assert [c["state"] for c in sysinfo["children"]] == [1, 0]  # B is stale: reported off
    assert answer["system"]["reboot"]["err_code"] == -2


def test_an_unknown_outlet_is_an_error_not_a_guess() -> None:
    answer = strip_answer(
        {"context": {"child_ids": ["nope"]}, "emeter": {"get_realtime": {}}}, _plugs(), 0
    )
    assert answer["err_code"] == -14 and "emeter" not in answer
