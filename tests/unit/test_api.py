"""SenseApi: the exact request per endpoint, typed models back, every status mapped once."""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from sense_energy_driver.api import SenseApi
from sense_energy_driver.errors import (
    SenseAuthError,
    SenseBadRequestError,
    SenseForbiddenError,
    SenseMfaRequiredError,
    SenseNotFoundError,
    SenseProtocolError,
    SenseRateLimitError,
    SenseServerError,
    SenseTokenExpiredError,
)
from sense_energy_driver.models import RealtimePayload
from sense_energy_driver.restmodels import (
    AlwaysOn,
    AuthResponse,
    Device,
    DeviceDetail,
    DevicesOverview,
    MonitorOverviewResponse,
    MonitorStatus,
    SolarHistory,
    Timeline,
    UsageHistory,
)
from sense_energy_driver.transport.http import HttpTransport

BASE = "https://api.sense.test/apiservice/api/v1"
EMAIL = "@".join(("owner", "example.com"))  # spelled out, some tools rewrite addresses
PASSWORD = "canary-PW-77f1"
TOKEN = "t1.v2.canary-access"
REFRESH = "canary-refresh-b31c"
MFA_TOKEN = "canary-mfa-token-09ad"
DEVICE_ID = "a1b2c3d4e5f60718"
MON = "98765"

AUTH_BODY: dict[str, Any] = {
    "authorized": True,
    "account_id": 1234,
    "user_id": 654321,
    "access_token": TOKEN,
    "refresh_token": REFRESH,
    "monitors": [
        {
            "id": 98765,
            "serial_number": "N327000123",
            "time_zone": "America/New_York",
            "solar_configured": True,
            "ethernet_supported": False,
            "power_over_ethernet_supported": False,
        }
    ],
    "bridge_server": "wss://clientrt.sense.com",
    "date_created": "2019-04-02T15:03:41.000Z",
    "totp_enabled": False,
}
DEVICE = {
    "id": "f3a9c1",
    "name": "Fridge",
    "icon": "fridge",
    "is_on": True,
    "power_w": 142.5,
    "tags": {"DefaultUserDeviceType": "Fridge", "DeviceListAllowed": "true"},
}


@pytest.fixture
async def api() -> AsyncIterator[SenseApi]:
    http = HttpTransport(BASE)
    yield SenseApi(http, device_id=DEVICE_ID)
    await http.aclose()


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


# --- authentication -----------------------------------------------------------------------------


@respx.mock
async def test_authenticate_posts_form_and_decodes(api: SenseApi) -> None:
    route = respx.post(f"{BASE}/authenticate").mock(
        return_value=httpx.Response(200, json=AUTH_BODY)
    )
    auth = await api.authenticate(EMAIL, PASSWORD)
    request = route.calls.last.request
    assert request.headers["x-sense-device-id"] == DEVICE_ID
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {"email": EMAIL, "password": PASSWORD}
    assert isinstance(auth, AuthResponse)
    assert auth.access_token == TOKEN
    assert auth.refresh_token == REFRESH
    assert auth.user_id_str == "654321"
    assert [m.monitor_id for m in auth.monitors] == [MON]
    assert auth.monitors[0].solar_configured is True


@respx.mock
async def test_validate_mfa_form_with_utc_client_time(api: SenseApi) -> None:
    route = respx.post(f"{BASE}/authenticate/mfa").mock(
        return_value=httpx.Response(200, json=AUTH_BODY)
    )
    local = datetime(2026, 6, 13, 8, 0, 5, tzinfo=timezone(timedelta(hours=-4)))
    auth = await api.validate_mfa("287082", MFA_TOKEN, client_time=local)
    request = route.calls.last.request
    assert request.headers["x-sense-device-id"] == DEVICE_ID
    assert form_of(request) == {
        "totp": "287082",
        "mfa_token": MFA_TOKEN,
        "client_time": "2026-06-13T12:00:05Z",
    }
    assert auth.access_token == TOKEN


@respx.mock
async def test_renew_form(api: SenseApi) -> None:
    route = respx.post(f"{BASE}/renew").mock(return_value=httpx.Response(200, json=AUTH_BODY))
    auth = await api.renew("654321", REFRESH)
    assert form_of(route.calls.last.request) == {"user_id": "654321", "refresh_token": REFRESH}
    assert route.calls.last.request.headers["x-sense-device-id"] == DEVICE_ID
    assert auth.refresh_token == REFRESH


@respx.mock
async def test_logout_sends_bearer(api: SenseApi) -> None:
    route = respx.get(f"{BASE}/logout").mock(return_value=httpx.Response(200, json={}))
    await api.logout(TOKEN)
    assert route.calls.last.request.headers["authorization"] == f"bearer {TOKEN}"


@respx.mock
async def test_logout_401_is_token_expired(api: SenseApi) -> None:
    respx.get(f"{BASE}/logout").mock(return_value=httpx.Response(401))
    with pytest.raises(SenseTokenExpiredError):
        await api.logout(TOKEN)


@respx.mock
async def test_auth_200_without_access_token_is_protocol_error(api: SenseApi) -> None:
    respx.post(f"{BASE}/renew").mock(return_value=httpx.Response(200, json={"user_id": 1}))
    with pytest.raises(SenseProtocolError, match="renew: response has no access_token"):
        await api.renew("1", REFRESH)


# --- 401s on the auth endpoints: the wording the device log must show ---------------------------


@respx.mock
async def test_authenticate_401_with_mfa_required(api: SenseApi) -> None:
    body = {
        "status": "mfa_required",
        "mfa_token": MFA_TOKEN,
        "mfa_type": "totp",
        "error_reason": "Multi-factor authentication required",
    }
    respx.post(f"{BASE}/authenticate").mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(SenseMfaRequiredError) as info:
        await api.authenticate(EMAIL, PASSWORD)
    assert str(info.value) == (
        "authenticate http 401 with mfa_required: Multi-factor authentication required"
    )
    assert info.value.mfa_token == MFA_TOKEN
    assert MFA_TOKEN not in str(info.value) + repr(info.value)


@respx.mock
async def test_authenticate_401_mfa_status_without_token(api: SenseApi) -> None:
    body = {"status": "mfa_required", "error_reason": "MFA required"}
    respx.post(f"{BASE}/authenticate").mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(SenseMfaRequiredError, match=r"^authenticate http 401 with mfa_required"):
        await api.authenticate(EMAIL, PASSWORD)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            httpx.Response(
                401, json={"status": "error", "error_reason": "Incorrect email or password"}
            ),
            "Incorrect email or password",
        ),
        (httpx.Response(401, text="<html>nope</html>"), "no reason given"),
    ],
)
@respx.mock
async def test_authenticate_401_without_mfa_required(
    api: SenseApi, response: httpx.Response, reason: str
) -> None:
    respx.post(f"{BASE}/authenticate").mock(return_value=response)
    with pytest.raises(SenseAuthError) as info:
        await api.authenticate(EMAIL, PASSWORD)
    assert not isinstance(info.value, SenseMfaRequiredError)
    assert str(info.value) == f"authenticate http 401 without mfa_required: {reason}"


@respx.mock
async def test_server_echoing_a_secret_is_redacted(api: SenseApi) -> None:
    body = {"error_reason": f"password {PASSWORD} is wrong"}
    respx.post(f"{BASE}/authenticate").mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(SenseAuthError) as info:
        await api.authenticate(EMAIL, PASSWORD)
    assert PASSWORD not in str(info.value)
    assert "<redacted>" in str(info.value)


@respx.mock
async def test_validate_mfa_401(api: SenseApi) -> None:
    body = {"status": "error", "error_reason": "Invalid verification code"}
    respx.post(f"{BASE}/authenticate/mfa").mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(SenseAuthError) as info:
        await api.validate_mfa("000000", MFA_TOKEN, client_time=datetime.now(UTC))
    assert str(info.value).startswith("MFA code rejected")
    assert "Invalid verification code" in str(info.value)
    assert MFA_TOKEN not in str(info.value)


@respx.mock
async def test_renew_401(api: SenseApi) -> None:
    respx.post(f"{BASE}/renew").mock(
        return_value=httpx.Response(401, json={"error_reason": f"bad {REFRESH}"})
    )
    with pytest.raises(SenseAuthError) as info:
        await api.renew("654321", REFRESH)
    assert not isinstance(info.value, SenseTokenExpiredError)
    assert str(info.value) == "renew http 401: refresh token rejected"


# --- bearer endpoints ---------------------------------------------------------------------------

Call = Callable[[SenseApi], Awaitable[object]]
START = datetime(2026, 6, 13, 4, 0, tzinfo=timezone(timedelta(hours=-4)))

ENDPOINTS: list[tuple[str, Call, str, Any, type]] = [
    (
        "overview",
        lambda a: a.get_monitor_overview(TOKEN, MON),
        f"/app/monitors/{MON}/overview",
        {"monitor_overview": {"monitor": {"id": 98765, "version": "1.65.3490-g0f9f5a3"}}},
        MonitorOverviewResponse,
    ),
    (
        "status",
        lambda a: a.get_monitor_status(TOKEN, MON),
        f"/app/monitors/{MON}/status",
        {"monitor_info": {"version": "1.65.3490", "wifi_strength": -55, "ndevices_found": 12}},
        MonitorStatus,
    ),
    (
        "devices_overview",
        lambda a: a.get_devices_overview(TOKEN, MON),
        f"/app/monitors/{MON}/devices/overview",
        {"devices": [DEVICE], "total_count": 1, "device_data_checksum": "abc"},
        DevicesOverview,
    ),
    (
        "devices",
        lambda a: a.get_devices(TOKEN, MON),
        f"/app/monitors/{MON}/devices",
        [DEVICE],
        tuple,
    ),
    (
        "device",
        lambda a: a.get_device(TOKEN, MON, "f3a9c1"),
        f"/app/monitors/{MON}/devices/f3a9c1",
        {**DEVICE, "energy_kwh": {"DAY": 1.2, "WEEK": 8.1}},
        DeviceDetail,
    ),
    (
        "always_on",
        lambda a: a.get_always_on(TOKEN, MON),
        f"/app/monitors/{MON}/devices/always_on",
        {"always_on": 312.4, "components": [{"name": "Router", "watts": 9.5}]},
        AlwaysOn,
    ),
    (
        "realtime",
        lambda a: a.get_realtime_update(TOKEN, MON),
        f"/app/{MON}/realtime_update",
        {"w": 1234.5, "voltage": [121.2, 120.8], "hz": 60.01, "devices": [{"id": "f3a9c1"}]},
        RealtimePayload,
    ),
    (
        "usage",
        lambda a: a.get_usage(TOKEN, MON, "DAY", START),
        f"/app/monitors/{MON}/history/usage?scale=DAY&start=2026-06-13T08%3A00%3A00",
        {"start": "2026-06-13T04:00:00Z", "consumption": {"usage_total_kwh": 18.42}},
        UsageHistory,
    ),
    (
        "solar",
        lambda a: a.get_solar(TOKEN, MON, "week", START.replace(tzinfo=None)),
        f"/app/monitors/{MON}/history/usage/solar?scale=WEEK&start=2026-06-13T04%3A00%3A00",
        {"total": {"production_kwh": 12.75, "to_grid_kwh": 2.31}},
        SolarHistory,
    ),
    (
        "timeline",
        lambda a: a.get_timeline(TOKEN, "654321", n_items=5, device_id="f3a9c1"),
        "/users/654321/timeline?n_items=5&device_id=f3a9c1",
        {"items": [{"type": "DeviceWentOn", "device_id": "f3a9c1"}], "total_items": 1},
        Timeline,
    ),
]


@pytest.mark.parametrize(
    ("call", "path", "body", "model"), [e[1:] for e in ENDPOINTS], ids=[e[0] for e in ENDPOINTS]
)
@respx.mock
async def test_bearer_endpoint_request_and_model(
    api: SenseApi, call: Call, path: str, body: Any, model: type
) -> None:
    route = respx.get(BASE + path).mock(return_value=httpx.Response(200, json=body))
    result = await call(api)
    assert route.call_count == 1
    request = route.calls.last.request
    assert str(request.url) == BASE + path  # the exact query string, too
    assert request.headers["authorization"] == f"bearer {TOKEN}"
    assert request.headers["x-sense-device-id"] == DEVICE_ID
    assert isinstance(result, model)
    if isinstance(result, tuple):
        assert all(isinstance(d, Device) for d in result)
        assert result[0].tags["DefaultUserDeviceType"] == "Fridge"


@respx.mock
async def test_default_timeline_items(api: SenseApi) -> None:
    route = respx.get(f"{BASE}/users/1/timeline").mock(return_value=httpx.Response(200, json={}))
    await api.get_timeline(TOKEN, "1")
    assert route.calls.last.request.url.params["n_items"] == "30"
    assert "device_id" not in route.calls.last.request.url.params


@respx.mock
async def test_ids_stay_one_path_segment(api: SenseApi) -> None:
    route = respx.get(url__regex=r".*/status$").mock(return_value=httpx.Response(200, json={}))
    await api.get_monitor_status(TOKEN, "../1")
    assert route.calls.last.request.url.raw_path == b"/apiservice/api/v1/app/monitors/..%2F1/status"


@pytest.mark.parametrize("scale", ["HOUR", "", "days"])
@respx.mock(assert_all_called=False)
async def test_bad_scale_rejected_before_any_request(api: SenseApi, scale: str) -> None:
    route = respx.get(url__regex=r".*/history/.*")
    with pytest.raises(SenseBadRequestError, match="DAY, WEEK, MONTH, YEAR, CYCLE"):
        await api.get_usage(TOKEN, MON, scale, START)
    with pytest.raises(SenseBadRequestError, match="DAY, WEEK, MONTH, YEAR, CYCLE"):
        await api.get_solar(TOKEN, MON, scale, START)
    assert route.call_count == 0


# --- status mapping -----------------------------------------------------------------------------

STATUS_URL = f"{BASE}/app/monitors/{MON}/status"


async def _status_error(api: SenseApi, response: httpx.Response) -> BaseException:
    with respx.mock:
        respx.get(STATUS_URL).mock(return_value=response)
        with pytest.raises(Exception) as info:  # noqa: PT011 - callers check the type
            await api.get_monitor_status(TOKEN, MON)
    assert TOKEN not in str(info.value)
    return info.value


async def test_400_carries_server_text(api: SenseApi) -> None:
    err = await _status_error(
        api, httpx.Response(400, json={"status": "error", "error_reason": "Missing start"})
    )
    assert isinstance(err, SenseBadRequestError)
    assert str(err) == "monitor status http 400 bad request: Missing start"


async def test_401_on_bearer_call_is_token_expired(api: SenseApi) -> None:
    err = await _status_error(api, httpx.Response(401, json={"error_reason": "expired"}))
    assert isinstance(err, SenseTokenExpiredError)


async def test_403_forbidden(api: SenseApi) -> None:
    err = await _status_error(api, httpx.Response(403))
    assert isinstance(err, SenseForbiddenError)
    assert f"monitor {MON}" in str(err)


async def test_404_names_monitor(api: SenseApi) -> None:
    err = await _status_error(api, httpx.Response(404, json={"error_reason": "Monitor not found"}))
    assert isinstance(err, SenseNotFoundError)
    assert f"monitor {MON} not found" in str(err)


@respx.mock
async def test_404_names_device(api: SenseApi) -> None:
    respx.get(f"{BASE}/app/monitors/{MON}/devices/gone").mock(return_value=httpx.Response(404))
    with pytest.raises(SenseNotFoundError, match=f"device gone on monitor {MON} not found"):
        await api.get_device(TOKEN, MON, "gone")


def _http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("7", 7.0, 7.0),
        ("2.5", 2.5, 2.5),
        (120, 100.0, 121.0),  # an HTTP-date 120 s ahead, written when the test runs
        (-30, 0.0, 0.0),
        ("soon", 60.0, 60.0),
        ("-5", 60.0, 60.0),
        (None, 60.0, 60.0),
    ],
)
async def test_429_retry_after(
    api: SenseApi, retry_after: str | int | None, low: float, high: float
) -> None:
    if isinstance(retry_after, int):
        retry_after = _http_date(retry_after)
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    err = await _status_error(api, httpx.Response(429, headers=headers))
    assert isinstance(err, SenseRateLimitError)
    assert low <= err.retry_after <= high
    assert "http 429" in str(err)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_server_error(api: SenseApi, status: int) -> None:
    err = await _status_error(api, httpx.Response(status, text="<html>bad gateway</html>"))
    assert isinstance(err, SenseServerError)
    assert err.status == status
    assert f"http {status}" in str(err)


@pytest.mark.parametrize("status", [201, 302, 418])
async def test_other_status_is_protocol_error(api: SenseApi, status: int) -> None:
    err = await _status_error(api, httpx.Response(status))
    assert isinstance(err, SenseProtocolError)
    assert f"unexpected http {status}" in str(err)


async def test_invalid_json_is_protocol_error_without_body(api: SenseApi) -> None:
    err = await _status_error(api, httpx.Response(200, text="<html>secret-page</html>"))
    assert isinstance(err, SenseProtocolError)
    assert str(err) == "monitor status: response is not valid JSON"


async def test_wrong_types_name_the_field_not_the_body(api: SenseApi) -> None:
    body = {"monitor_info": {"version": "1.2", "wifi_strength": "very-strong-xyz"}}
    err = await _status_error(api, httpx.Response(200, json=body))
    assert isinstance(err, SenseProtocolError)
    assert "monitor status: response does not match the schema" in str(err)
    assert "$.monitor_info.wifi_strength" in str(err)
    assert "very-strong-xyz" not in str(err)


async def test_unknown_and_missing_fields_tolerated(api: SenseApi) -> None:
    with respx.mock:
        respx.get(STATUS_URL).mock(
            return_value=httpx.Response(200, json={"monitor_info": {"new_field": 1}, "x": []})
        )
        status = await api.get_monitor_status(TOKEN, MON)
    assert status.monitor_info.version == ""
    assert status.monitor_info.wifi_strength is None
