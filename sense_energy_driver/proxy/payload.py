"""A pushed value turned into watts: a number, its text, or a small JSON object naming it.

Sources that push (a zone of this driver, an MQTT topic) hand over whatever they carry; what
publishers put on MQTT is either the bare number (Home Assistant's statestream, Node-RED) or a
JSON object with the power as one field. Anything else is refused with a reason, never guessed.
"""

from __future__ import annotations

import json
from typing import Final

from .devices import MAX_WATTS, check_watts

__all__ = ["MAX_PAYLOAD_BYTES", "WATTS_FIELDS", "pushed_watts"]

# The fields looked up in a JSON object, in this order: the first present one is the reading.
WATTS_FIELDS: Final = ("power", "watts", "value")
# A sensor's JSON message is a few hundred bytes; anything far larger is not a reading.
MAX_PAYLOAD_BYTES: Final = 16 * 1024
_SHOWN: Final = 60  # characters of a refused payload quoted in the error


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _text(payload: bytes, where: str) -> str:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"{where} is {len(payload)} bytes, more than {MAX_PAYLOAD_BYTES}")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not UTF-8 text") from None


def _refused(text: str, where: str) -> ValueError:
    return ValueError(
        f"{where} must be a number of watts from 0 to {MAX_WATTS:g} (the proxy cap) or a JSON "
        f"object with a {'/'.join(WATTS_FIELDS)} field, got {_shown(text)}"
    )


def _from_json(text: str, where: str) -> float:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the stack
        raise _refused(text, where) from None
    if not isinstance(document, dict):
        raise _refused(text, where)
    for name in WATTS_FIELDS:
        if name in document:
            return check_watts(document[name], f'{where} field "{name}"')
    raise ValueError(f"{where} is a JSON object without a {'/'.join(WATTS_FIELDS)} field")


def pushed_watts(value: object, where: str) -> float:
    """The watts a pushed value says; ValueError naming what is wrong and what is valid.

    Accepted: a number; its text (`1234`, ` 1234.5 `); a JSON object whose `power`, `watts` or
    `value` field (the first present) is one of those. Bytes must be UTF-8 text of at most
    MAX_PAYLOAD_BYTES. The reading must be finite and from 0 to MAX_WATTS.
    """
    if isinstance(value, bytes | bytearray):
        value = _text(bytes(value), where)
    if not isinstance(value, str):
        return check_watts(value, where)
    text = value.strip()
    if not text:
        raise ValueError(f"{where} is empty; expected a number of watts")
    if text.startswith("{"):
        return _from_json(text, where)
    try:
        return check_watts(text, where)
    except ValueError:
        raise _refused(text, where) from None
