"""Commands over MQTT: a JSON request checked, run through the driver, answered as JSON.

Offered: `reconnect`, the read-only `get_*` commands and `set_proxy_power` (the one way to set a
running driver's proxy watts from outside its process). Anyone who can publish to the broker can
send them; none of them changes configuration or reveals a credential. Arguments are checked as
the command table declares them, before the command runs.
"""

from __future__ import annotations

import asyncio
import json
import logging

from ..errors import SenseCommandError, SenseError
from ..handlers import COMMANDS
from .ports import CommandRunner

__all__ = ["MQTT_ACTIONS", "answer_request"]

_LOGGER = logging.getLogger(__name__)

MQTT_ACTIONS = tuple(
    sorted(a for a in COMMANDS if a in ("reconnect", "set_proxy_power") or a.startswith("get_"))
)
COMMAND_TIMEOUT_S = 60.0
MAX_REQUEST_BYTES = 64 * 1024


def _decode(payload: bytes) -> dict[str, object]:
    """The request as a JSON object, or SenseCommandError naming what is wrong."""
    if len(payload) > MAX_REQUEST_BYTES:
        raise SenseCommandError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        request = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise SenseCommandError(
            'the request is not JSON; send an object such as {"action": "get_realtime", "id": 1}'
        ) from None
    if not isinstance(request, dict):
        raise SenseCommandError('the request must be a JSON object with an "action"')
    return request


def _check(request_id: object, action: object) -> None:
    if request_id is not None and (
        isinstance(request_id, bool) or not isinstance(request_id, str | int)
    ):
        raise SenseCommandError('"id" must be a string or a number, echoed back in the answer')
    if action not in MQTT_ACTIONS:
        raise SenseCommandError(
            f"unknown or unavailable action {action!r}; over MQTT: {', '.join(MQTT_ACTIONS)}"
        )


async def answer_request(driver: CommandRunner, payload: bytes) -> str:
    """The JSON answer to one request: `ok` with a `result`, or `ok: false` with an `error`."""
    request_id: object = None
    action: object = None
    try:
        request = _decode(payload)
        request_id = request.pop("id", None)
        action = request.get("action")
        _check(request_id, action)
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            result = await driver.command(request)
        answer: dict[str, object] = {"id": request_id, "action": action, "ok": True}
        answer["result"] = result
    except SenseError as err:
        answer = {"id": request_id, "action": action, "ok": False, "error": str(err)}
    except TimeoutError:
        answer = {
            "id": request_id,
            "action": action,
            "ok": False,
            "error": f"no answer within {COMMAND_TIMEOUT_S:g} s",
        }
    _LOGGER.debug("MQTT command %s answered (ok=%s)", action, answer["ok"])
    return json.dumps(answer, default=str)
