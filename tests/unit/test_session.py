"""SenseSession over a real SenseApi and HttpTransport, with respx as the Sense cloud."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from sense_energy_driver.api import SenseApi
from sense_energy_driver.errors import (
    SenseAuthError,
    SenseConfigError,
    SenseConnectionError,
    SenseMfaRequiredError,
    SenseNotFoundError,
    SenseRateLimitError,
    SenseServerError,
    SenseTimeoutError,
    SenseTokenExpiredError,
)
from sense_energy_driver.restmodels import AuthResponse, MonitorStatus
from sense_energy_driver.session import Credentials, RetryPolicy, SenseSession
from sense_energy_driver.totp import totp_code
from sense_energy_driver.transport.http import HttpTransport

BASE = "https://api.sense.test/apiservice/api/v1"
EMAIL = "@".join(("owner", "example.com"))  # spelled out, some tools rewrite addresses
PASSWORD = "canary-PW-5d1e9b"
TOTP_SECRET = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"
MFA_TOKEN = "canary-mfa-4be2"
MON = "98765"
NOW = 1_781_352_000.0  # 2026-06-13T12:00:00Z
NO_WAIT = RetryPolicy(attempts=5, initial=0, jitter=0)

AUTHENTICATE = f"{BASE}/authenticate"
MFA = f"{BASE}/authenticate/mfa"
RENEW = f"{BASE}/renew"
STATUS = f"{BASE}/app/monitors/{MON}/status"


def auth_body(n: int) -> dict[str, Any]:
    """A realistic /authenticate answer whose tokens carry a generation number."""
    return {
        "authorized": True,
        "account_id": 1234,
        "user_id": 654321,
        "access_token": f"t1.v2.access-{n}",
        "refresh_token": f"refresh-{n}",
        "monitors": [{"id": 98765, "serial_number": "N327000123", "time_zone": "America/New_York"}],
        "bridge_server": "wss://clientrt.sense.com",
    }


def ok(n: int) -> httpx.Response:
    return httpx.Response(200, json=auth_body(n))


STATUS_OK = httpx.Response(200, json={"monitor_info": {"version": "1.65.3490"}})
MFA_CHALLENGE = httpx.Response(
    401,
    json={
        "status": "mfa_required",
        "mfa_token": MFA_TOKEN,
        "mfa_type": "totp",
        "error_reason": "Multi-factor authentication required",
    },
)
WRONG_PASSWORD = httpx.Response(
    401, json={"status": "error", "error_reason": "Incorrect email or password"}
)


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def bearer_of(request: httpx.Request) -> str:
    return request.headers["authorization"].removeprefix("bearer ")


class Sleeps:
    """A recording sleep: the waits the session asked for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def api() -> AsyncIterator[SenseApi]:
    http = HttpTransport(BASE)
    yield SenseApi(http, device_id="dev-1")
    await http.aclose()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def cloud() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def make(
    api: SenseApi,
    sleeps: Sleeps | None = None,
    *,
    password: str = PASSWORD,
    totp_secret: str | None = None,
    retry: RetryPolicy = NO_WAIT,
    **kwargs: Any,
) -> SenseSession:
    return SenseSession(
        api,
        Credentials(EMAIL, password, totp_secret=totp_secret),
        retry=retry,
        sleep=sleeps or Sleeps(),
        clock=lambda: NOW,
        **kwargs,
    )


def latched(session: SenseSession) -> SenseAuthError | None:
    """Read through a call, so mypy does not carry an earlier assert's narrowing forward."""
    return session.auth_failure


def pending(session: SenseSession) -> bool:
    return session.mfa_pending


async def status(session: SenseSession, api: SenseApi) -> MonitorStatus:
    return await session.call(lambda t: api.get_monitor_status(t, MON), name="status")


# --- TOTP ---------------------------------------------------------------------------------------

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_totp_rfc6238_vectors(at: int, code: str) -> None:
    assert totp_code(RFC_SECRET, at=at) == code


def test_totp_tolerates_case_spaces_and_missing_padding() -> None:
    sloppy = " ".join(RFC_SECRET.lower().rstrip("=")[i : i + 4] for i in range(0, 32, 4))
    assert totp_code(sloppy, at=59) == "287082"
    assert totp_code("jbsw y3dp ehpk 3pxp", at=59) == totp_code("JBSWY3DPEHPK3PXP", at=59)


@pytest.mark.parametrize("secret", ["not base32 at all!", "ABC1", "", "   "])
def test_totp_bad_secret_is_config_error_without_echo(secret: str) -> None:
    with pytest.raises(SenseConfigError, match="totp_secret is not valid base32") as info:
        totp_code(secret)
    assert not secret.strip() or secret not in str(info.value)


# --- login --------------------------------------------------------------------------------------


async def test_login_stores_tokens_and_calls_on_auth(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    route = cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    seen: list[AuthResponse] = []

    async def on_auth(resp: AuthResponse) -> None:
        seen.append(resp)

    session = make(api, on_auth=on_auth)
    auth = await session.login()
    assert form_of(route.calls.last.request) == {"email": EMAIL, "password": PASSWORD}
    assert (session.access_token, session.refresh_token) == ("t1.v2.access-1", "refresh-1")
    assert session.user_id == "654321"
    assert [m.monitor_id for m in session.monitors] == [MON]
    assert seen == [auth]
    assert (session.login_count, session.renew_count) == (1, 0)

    assert await session.login() is auth  # held token: no second request
    assert route.call_count == 1
    await session.login(fresh=True)
    assert route.call_count == 2
    assert session.login_count == 2


async def test_restart_renews_instead_of_authenticating(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(return_value=ok(2))
    session = make(api, refresh_token="refresh-0", user_id="654321")
    await session.login()
    assert form_of(renew.calls.last.request) == {
        "user_id": "654321",
        "refresh_token": "refresh-0",
    }
    assert authenticate.call_count == 0
    assert session.access_token == "t1.v2.access-2"
    assert (session.login_count, session.renew_count) == (0, 1)


async def test_restart_with_rejected_refresh_token_authenticates(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    cloud.post(RENEW).mock(return_value=httpx.Response(401))
    session = make(api, refresh_token="refresh-0", user_id="654321")
    await session.login()
    assert authenticate.call_count == 1
    assert session.refresh_token == "refresh-1"


async def test_fresh_login_skips_renew(api: SenseApi, cloud: respx.MockRouter) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(return_value=ok(2))
    session = make(api, refresh_token="refresh-0", user_id="654321")
    await session.login(fresh=True)
    assert (authenticate.call_count, renew.call_count) == (1, 0)


async def test_on_auth_failure_does_not_undo_login(
    api: SenseApi, cloud: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))

    async def broken(resp: AuthResponse) -> None:
        raise RuntimeError(resp.refresh_token)

    session = make(api, on_auth=broken)
    await session.login()
    assert session.access_token == "t1.v2.access-1"
    assert "on_auth callback failed (RuntimeError)" in caplog.text
    assert "refresh-1" not in caplog.text


# --- MFA ----------------------------------------------------------------------------------------


async def test_mfa_with_totp_secret_validates_computed_code(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=MFA_CHALLENGE)
    mfa = cloud.post(MFA).mock(return_value=ok(1))
    session = make(api, totp_secret=TOTP_SECRET)
    await session.login()
    assert form_of(mfa.calls.last.request) == {
        "totp": totp_code(TOTP_SECRET, at=NOW),
        "mfa_token": MFA_TOKEN,
        "client_time": "2026-06-13T12:00:00Z",
    }
    assert session.access_token == "t1.v2.access-1"
    assert not session.mfa_pending
    assert session.login_count == 1


async def test_mfa_code_rejected_latches(api: SenseApi, cloud: respx.MockRouter) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=MFA_CHALLENGE)
    cloud.post(MFA).mock(return_value=httpx.Response(401, json={"error_reason": "Invalid code"}))
    session = make(api, totp_secret=TOTP_SECRET)
    with pytest.raises(SenseAuthError, match=r"^MFA code rejected"):
        await session.login()
    with pytest.raises(SenseAuthError, match=r"^MFA code rejected"):
        await status(session, api)
    assert authenticate.call_count == 1


async def test_bad_totp_secret_fails_before_any_request(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=MFA_CHALLENGE)
    session = make(api, totp_secret="not!base32")
    with pytest.raises(SenseConfigError):
        await session.login()
    assert authenticate.call_count == 0


async def test_mfa_without_secret_pends_then_submit_mfa(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=MFA_CHALLENGE)
    mfa = cloud.post(MFA).mock(return_value=ok(1))
    session = make(api)
    with pytest.raises(SenseMfaRequiredError) as info:
        await session.login()
    assert str(info.value).startswith("authenticate http 401 with mfa_required: ")
    assert session.mfa_pending
    assert session.auth_failure is info.value
    for _ in range(3):  # latched: no request until the user acts
        with pytest.raises(SenseMfaRequiredError):
            await status(session, api)
    assert (authenticate.call_count, mfa.call_count) == (1, 0)

    auth = await session.submit_mfa(" 123456 ")
    assert form_of(mfa.calls.last.request) == {
        "totp": "123456",
        "mfa_token": MFA_TOKEN,
        "client_time": "2026-06-13T12:00:00Z",
    }
    assert session.access_token == auth.access_token == "t1.v2.access-1"
    assert latched(session) is None
    assert not pending(session)
    assert authenticate.call_count == 1


async def test_submit_mfa_without_challenge(api: SenseApi, cloud: respx.MockRouter) -> None:
    mfa = cloud.post(MFA).mock(return_value=ok(1))
    session = make(api)
    with pytest.raises(SenseAuthError, match="no MFA challenge is pending"):
        await session.submit_mfa("123456")
    assert mfa.call_count == 0


async def test_submit_mfa_rejected_keeps_challenge(api: SenseApi, cloud: respx.MockRouter) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=MFA_CHALLENGE)
    mfa = cloud.post(MFA).mock(side_effect=[httpx.Response(401), ok(1)])
    session = make(api)
    with pytest.raises(SenseMfaRequiredError):
        await session.login()
    with pytest.raises(SenseAuthError, match="MFA code rejected"):
        await session.submit_mfa("000000")
    assert session.mfa_pending
    await session.submit_mfa("123456")  # a second try with the right code
    assert mfa.call_count == 2
    assert session.access_token == "t1.v2.access-1"


async def test_submit_mfa_refreshes_an_expired_challenge(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    fresh = httpx.Response(401, json={"status": "mfa_required", "mfa_token": "mfa-new"})
    authenticate = cloud.post(AUTHENTICATE).mock(side_effect=[MFA_CHALLENGE, fresh])
    mfa = cloud.post(MFA).mock(return_value=ok(1))
    now = [NOW]
    session = SenseSession(api, Credentials(EMAIL, PASSWORD), retry=NO_WAIT, clock=lambda: now[0])
    with pytest.raises(SenseMfaRequiredError):
        await session.login()
    now[0] += 600  # the user took ten minutes to read the log
    await session.submit_mfa("123456")
    assert authenticate.call_count == 2
    assert form_of(mfa.calls.last.request)["mfa_token"] == "mfa-new"


# --- the auth latch -----------------------------------------------------------------------------


async def test_wrong_password_one_request_until_credentials_change(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(side_effect=[WRONG_PASSWORD, ok(1)])
    cloud.get(STATUS).mock(return_value=STATUS_OK)
    session = make(api, password="wrong")
    errors: list[BaseException] = []
    for attempt in (session.login(), session.login(fresh=True), status(session, api)):
        with pytest.raises(SenseAuthError) as info:
            await attempt
        errors.append(info.value)
    assert authenticate.call_count == 1
    assert str(errors[0]) == (
        "authenticate http 401 without mfa_required: Incorrect email or password"
    )
    assert all(e is errors[0] for e in errors)
    assert session.auth_failure is errors[0]

    session.update_credentials(Credentials(EMAIL, PASSWORD))
    assert latched(session) is None
    assert (await status(session, api)).monitor_info.version == "1.65.3490"
    assert authenticate.call_count == 2


async def test_update_credentials_clears_tokens_and_challenge(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    cloud.post(AUTHENTICATE).mock(side_effect=[ok(1), MFA_CHALLENGE])
    session = make(api)
    await session.login()
    session.update_credentials(Credentials(EMAIL, "new-password"))
    assert (session.access_token, session.refresh_token) == (None, None)
    with pytest.raises(SenseMfaRequiredError):
        await session.login()
    assert session.mfa_pending
    session.update_credentials(Credentials(EMAIL, "other", totp_secret=TOTP_SECRET))
    assert not pending(session)
    assert latched(session) is None


# --- call: renew on 401 -------------------------------------------------------------------------


async def test_call_logs_in_then_renews_once_on_401(api: SenseApi, cloud: respx.MockRouter) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(return_value=ok(2))
    route = cloud.get(STATUS).mock(side_effect=[httpx.Response(401), STATUS_OK])
    session = make(api)
    result = await status(session, api)
    assert result.monitor_info.version == "1.65.3490"
    assert (authenticate.call_count, renew.call_count, route.call_count) == (1, 1, 2)
    assert form_of(renew.calls.last.request) == {"user_id": "654321", "refresh_token": "refresh-1"}
    tokens = [bearer_of(c.request) for c in route.calls]
    assert tokens == ["t1.v2.access-1", "t1.v2.access-2"]
    assert session.renew_count == 1


async def test_concurrent_401s_share_one_renew(api: SenseApi, cloud: respx.MockRouter) -> None:
    callers = 6
    rejected = 0
    all_rejected = asyncio.Event()

    async def monitor_status(request: httpx.Request) -> httpx.Response:
        nonlocal rejected
        if bearer_of(request) == "t1.v2.access-1":
            rejected += 1
            if rejected == callers:
                all_rejected.set()
            return httpx.Response(401)
        return STATUS_OK

    async def renew_when_all_failed(request: httpx.Request) -> httpx.Response:
        await all_rejected.wait()  # every caller has its 401 before the renew answers
        return ok(2)

    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(side_effect=renew_when_all_failed)
    route = cloud.get(STATUS).mock(side_effect=monitor_status)
    session = make(api)
    await session.login()
    results = await asyncio.gather(*(status(session, api) for _ in range(callers)))
    assert len(results) == callers
    assert renew.call_count == 1
    assert rejected == callers
    assert route.call_count == 2 * callers


async def test_rejected_renew_logs_in_fresh(api: SenseApi, cloud: respx.MockRouter) -> None:
    authenticate = cloud.post(AUTHENTICATE).mock(side_effect=[ok(1), ok(3)])
    renew = cloud.post(RENEW).mock(return_value=httpx.Response(401))
    route = cloud.get(STATUS).mock(side_effect=[httpx.Response(401), STATUS_OK])
    session = make(api)
    await status(session, api)
    assert (authenticate.call_count, renew.call_count) == (2, 1)
    assert bearer_of(route.calls.last.request) == "t1.v2.access-3"


async def test_second_401_after_renew_raises_token_expired(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(return_value=ok(2))
    route = cloud.get(STATUS).mock(return_value=httpx.Response(401))
    session = make(api)
    with pytest.raises(SenseTokenExpiredError, match="rejected again right after renewing"):
        await status(session, api)
    assert (renew.call_count, route.call_count) == (1, 2)


async def test_renew_with_stale_token_is_single_flight(
    api: SenseApi, cloud: respx.MockRouter
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    renew = cloud.post(RENEW).mock(return_value=ok(2))
    session = make(api)
    await session.login()
    await session.renew("t1.v2.some-older-token")  # already replaced: nothing to do
    assert renew.call_count == 0
    await session.renew("t1.v2.access-1")
    await session.renew("t1.v2.access-1")  # the second caller finds it renewed
    assert renew.call_count == 1
    await session.renew()
    assert renew.call_count == 2


# --- call: transient errors ---------------------------------------------------------------------


async def test_5xx_burst_retried_with_zero_backoff(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(
        side_effect=[httpx.Response(500), httpx.Response(502), httpx.Response(503), STATUS_OK]
    )
    session = make(api, sleeps)
    assert (await status(session, api)).monitor_info.version == "1.65.3490"
    assert route.call_count == 4
    assert sleeps.waits == [0.0, 0.0, 0.0]


async def test_backoff_grows_and_caps_then_reraises(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(return_value=httpx.Response(503))
    policy = RetryPolicy(attempts=5, initial=1.0, max_wait=5.0, multiplier=2.0, jitter=0)
    session = make(api, sleeps, retry=policy)
    with pytest.raises(SenseServerError) as info:
        await status(session, api)
    assert info.value.status == 503
    assert route.call_count == 5
    assert sleeps.waits == [1.0, 2.0, 4.0, 5.0]


async def test_jitter_stays_within_bounds(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    cloud.get(STATUS).mock(return_value=httpx.Response(500))
    policy = RetryPolicy(attempts=4, initial=1.0, max_wait=60.0, jitter=0.5)
    session = make(api, sleeps, retry=policy)
    with pytest.raises(SenseServerError):
        await status(session, api)
    for wait, base in zip(sleeps.waits, [1.0, 2.0, 4.0], strict=True):
        assert base <= wait <= base + 0.5


@pytest.mark.parametrize(
    ("effect", "error"),
    [(httpx.ConnectError("refused"), SenseConnectionError), (httpx.ReadTimeout("slow"), None)],
)
async def test_connection_errors_retried(
    api: SenseApi,
    cloud: respx.MockRouter,
    sleeps: Sleeps,
    effect: Exception,
    error: type[Exception] | None,
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(side_effect=[effect, STATUS_OK])
    session = make(api, sleeps)
    await status(session, api)
    assert route.call_count == 2
    assert len(sleeps.waits) == 1


async def test_timeouts_exhausted_reraise_timeout(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(side_effect=httpx.ReadTimeout("slow"))
    session = make(api, sleeps, retry=RetryPolicy(attempts=3, initial=0, jitter=0))
    with pytest.raises(SenseTimeoutError):
        await status(session, api)
    assert route.call_count == 3


async def test_429_waits_at_least_retry_after(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    route = cloud.get(STATUS).mock(side_effect=[limited, limited, STATUS_OK])
    policy = RetryPolicy(attempts=5, initial=1.0, max_wait=60.0, jitter=0)
    session = make(api, sleeps, retry=policy)
    await status(session, api)
    assert route.call_count == 3
    assert sleeps.waits == [7.0, 7.0]


async def test_429_with_long_retry_after_goes_to_caller(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    session = make(api, sleeps)
    with pytest.raises(SenseRateLimitError) as info:
        await status(session, api)
    assert info.value.retry_after == 3600
    assert route.call_count == 1
    assert sleeps.waits == []


async def test_login_retries_transient_errors(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = cloud.post(AUTHENTICATE).mock(side_effect=[httpx.ConnectError("down"), ok(1)])
    session = make(api, sleeps)
    await session.login()
    assert route.call_count == 2
    assert session.login_count == 1


@pytest.mark.parametrize("code", [400, 403, 404])
async def test_client_errors_never_retried(
    api: SenseApi, cloud: respx.MockRouter, sleeps: Sleeps, code: int
) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(return_value=httpx.Response(code))
    session = make(api, sleeps)
    with pytest.raises(Exception, match=f"http {code}"):
        await status(session, api)
    assert route.call_count == 1
    assert sleeps.waits == []


async def test_protocol_error_never_retried(api: SenseApi, cloud: respx.MockRouter) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(STATUS).mock(return_value=httpx.Response(200, text="not json"))
    session = make(api)
    with pytest.raises(Exception, match="not valid JSON"):
        await status(session, api)
    assert route.call_count == 1


async def test_not_found_propagates(api: SenseApi, cloud: respx.MockRouter) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    cloud.get(STATUS).mock(return_value=httpx.Response(404))
    with pytest.raises(SenseNotFoundError):
        await status(make(api), api)


async def test_first_failure_warns_repeats_debug(
    api: SenseApi, cloud: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sense_energy_driver.retry")
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    cloud.get(STATUS).mock(
        side_effect=[httpx.Response(503), httpx.Response(503), httpx.Response(503), STATUS_OK]
    )
    await status(make(api), api)
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "status failed (attempt 1 of 5)" in retries[0].getMessage()
    assert any("succeeded again" in r.getMessage() for r in caplog.records)


# --- logout and secrets -------------------------------------------------------------------------


async def test_logout_best_effort_then_forgets(api: SenseApi, cloud: respx.MockRouter) -> None:
    cloud.post(AUTHENTICATE).mock(return_value=ok(1))
    route = cloud.get(f"{BASE}/logout").mock(return_value=httpx.Response(500))
    session = make(api)
    await session.login()
    await session.logout()
    assert bearer_of(route.calls.last.request) == "t1.v2.access-1"
    assert (session.access_token, session.refresh_token) == (None, None)
    await session.logout()  # nothing held: no request
    assert route.call_count == 1


async def test_no_secret_in_logs_reprs_or_errors(
    api: SenseApi, cloud: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cloud.post(AUTHENTICATE).mock(side_effect=[MFA_CHALLENGE, WRONG_PASSWORD])
    cloud.post(MFA).mock(return_value=ok(1))
    cloud.post(RENEW).mock(side_effect=[httpx.Response(401)])
    cloud.get(STATUS).mock(side_effect=[httpx.Response(503), httpx.Response(401)])
    session = make(api, totp_secret=TOTP_SECRET)
    errors: list[str] = []
    try:
        await status(session, api)
    except SenseAuthError as err:
        errors += [str(err), repr(err)]
    assert errors, "the flow must end in a refused login"
    secrets = [PASSWORD, TOTP_SECRET, MFA_TOKEN, "t1.v2.access-1", "refresh-1"]
    surfaces = "\n".join(
        [
            *errors,
            *(r.getMessage() for r in caplog.records),
            repr(session),
            repr(Credentials(EMAIL, PASSWORD, totp_secret=TOTP_SECRET)),
        ]
    )
    for secret in secrets:
        assert secret not in surfaces
