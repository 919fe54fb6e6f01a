"""Pushed values: a number, its text, or a JSON object naming it; anything else refused."""

from __future__ import annotations

import pytest

from sense_energy_driver.proxy.payload import MAX_PAYLOAD_BYTES, pushed_watts


@pytest.mark.parametrize(
    ("value", "watts"),
    [
        (1234, 1234.0),
        (12.5, 12.5),
        (b"1234", 1234.0),
        (b" 1234.5\n", 1234.5),
        ("0", 0.0),
        (b'{"power": 640}', 640.0),
        (b'{"watts": "7.5"}', 7.5),
        (b'{"value": 50000}', 50000.0),
        # The first present field of power, watts, value wins.
        (b'{"value": 1, "watts": 2, "power": 3, "voltage": 230}', 3.0),
        (b'{"watts": 2, "value": 1}', 2.0),
    ],
)
def test_accepted_payloads(value: object, watts: float) -> None:
    assert pushed_watts(value, "mqtt:t value") == watts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"", "is empty; expected a number of watts"),
        (b"  ", "is empty"),
        (b"abc", r"must be a number of watts from 0 to 50000 \(the proxy cap\) or a JSON object"),
        (b"-5", "from 0 to 50000"),
        (b"50000.1", "from 0 to 50000"),
        (b"NaN", "from 0 to 50000"),
        (b"inf", "from 0 to 50000"),
        (b"1e400", "from 0 to 50000"),
        (b"[1234]", "with a power/watts/value field"),
        (b"true", "got 'true'"),
        (b'{"power": -1}', 'field "power" must be a number of watts from 0 to 50000'),
        (b'{"power": null}', 'field "power" must be'),
        (b'{"power": true}', 'field "power" must be'),
        (b'{"current": 3}', "a JSON object without a power/watts/value field"),
        (b"{not json", "or a JSON object"),
        (b'{"power": ' + b"[" * 8000 + b"]" * 8000 + b"}", "or a JSON object"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (b"1" * (MAX_PAYLOAD_BYTES + 1), f"more than {MAX_PAYLOAD_BYTES}"),
        (None, "from 0 to 50000"),
        (float("nan"), "from 0 to 50000"),
    ],
)
def test_refused_payloads_say_what_is_valid(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        pushed_watts(value, "mqtt:t value")
    assert str(caught.value).startswith("mqtt:t value")


def test_a_long_refused_payload_is_quoted_shortened() -> None:
    with pytest.raises(ValueError, match=r"got 'xxx+\.\.\.'$") as caught:
        pushed_watts(b"x" * 5000, "v")
    assert len(str(caught.value)) < 250
