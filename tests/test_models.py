"""Wire models: tolerant of missing and unknown fields, strict on types, no secrets in reprs."""

from __future__ import annotations

import msgspec
import pytest

from sense_energy_driver.errors import SenseMfaRequiredError
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.restmodels import AuthResponse


def test_auth_response_tolerates_numeric_ids_and_unknown_fields() -> None:
    raw = (
        b'{"access_token": "tok-123", "user_id": 42, "refresh_token": "ref-456",'
        b' "monitors": [{"id": 7, "solar_configured": true, "new_field": 1}], "bonus": []}'
    )
    auth = msgspec.json.decode(raw, type=AuthResponse)
    assert auth.user_id_str == "42"
    assert auth.monitors[0].monitor_id == "7"
    assert auth.monitors[0].solar_configured is True


def test_auth_response_repr_hides_tokens() -> None:
    auth = AuthResponse(access_token="canary-access", refresh_token="canary-refresh", user_id="1")
    assert "canary" not in repr(auth)
    assert "canary" not in str(auth)


def test_mfa_error_repr_hides_token() -> None:
    err = SenseMfaRequiredError("MFA required", mfa_token="canary-mfa")
    assert "canary" not in repr(err)
    assert "canary" not in str(err)


def test_realtime_payload_rejects_wrong_types() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"w": "lots", "devices": []}', type=RealtimePayload)


def test_realtime_payload_defaults_for_old_firmware() -> None:
    payload = msgspec.json.decode(
        b'{"w": 812.4, "devices": [{"id": "d1", "w": 5}]}', type=RealtimePayload
    )
    assert payload.hz is None
    assert payload.voltage is None
    assert payload.devices[0].w == 5.0
