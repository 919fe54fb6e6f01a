"""The simulator's public surface is pinned: other suites build on these names."""

from __future__ import annotations

import inspect

import sense_energy_driver.simulator as simulator
from sense_energy_driver.simulator import SenseSimulator

EXPORTS = {
    "DEFAULT_EMAIL",
    "DEFAULT_PASSWORD",
    "KINDS",
    "MALFORMED_KINDS",
    "NEW_FIRMWARE",
    "OLD_FIRMWARE",
    "OTHER_EMAIL",
    "OTHER_PASSWORD",
    "DeviceSpec",
    "MonitorSpec",
    "RateLimit",
    "RequestRecord",
    "Sample",
    "SenseSimulator",
}

KEYWORDS = {
    "host", "port", "email", "password", "mfa_secret", "monitors", "solar", "token_lifetime",
    "speed", "interval", "rate_limits", "seed", "start_time", "tls", "tls_dir",
    "data_change_every", "device_states_every", "foreground_close_after", "user_id",
    "profile",
}  # fmt: skip

METHODS = {
    "start", "stop", "feed_url", "monitor", "monitor_ids", "device_ids", "device_id",
    "issued_tokens", "latest_sample", "truth",
    "realtime_payload", "totp_code", "force_device", "force_device_off", "release_device",
    "retrain_device", "add_device", "remove_device", "drop_feed_connections",
    "app_in_foreground", "app_in_background", "stall_feed", "resume_feed", "send_malformed",
    "set_msgpack_reframing", "refuse_feed_upgrades", "reject_feed_auth_with_http",
    "expire_access_tokens", "revoke_refresh_tokens", "fail_requests", "rate_limit_requests",
    "set_rate_limit", "clear_faults", "set_monitor_online", "wait_for", "wait_for_feed_clients",
    "wait_for_feed_event", "wait_for_request", "wait_for_frames",
}  # fmt: skip

PROPERTIES = {
    "api_url", "realtime_url", "base_url", "ca_file", "running", "requests",
    "request_log", "feed_counts", "feed_clients", "frame",
}  # fmt: skip


def test_exports() -> None:
    assert set(simulator.__all__) == EXPORTS


def test_constructor_keywords_are_keyword_only() -> None:
    params = inspect.signature(SenseSimulator).parameters
    assert set(params) == KEYWORDS
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())


def test_methods_and_properties() -> None:
    for name in METHODS:
        assert callable(getattr(SenseSimulator, name)), name
    for name in PROPERTIES:
        assert isinstance(inspect.getattr_static(SenseSimulator, name), property), name
