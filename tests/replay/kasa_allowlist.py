"""Where our emulated HS110's answer to Sense's poll differs from the recorded answer, and why.

The recording (tests/fixtures/real/kasa/poll_answer.openhab-2024-*.json) is the answer openHAB's
proxy devices send, which Sense accepts: its own proxy shows up in Sense's device list as a
"TP-Link Kasa HS110" (fragment/device_tags.openhab-2024-websocket.json). Ours carries every key
of it, plus the ones below. Keyed (kind, path) -> reason, kind "extra" (ours, not recorded) or
"missing" (recorded, not ours); tests/replay/test_replay_kasa.py fails on a difference not
listed here and on a listed one that no longer occurs.
"""

from __future__ import annotations

_REAL_HS110 = (
    "a real HS110(US) hardware 1.0 sends it in its sysinfo (python-kasa's recorded fixture "
    "HS110(US)_1.0_1.2.6 has exactly our key set); openHAB's template leaves it out"
)
_MILLI_UNITS = (
    "the hardware 2.x key style (mW, mV, mA, Wh), sent next to the 1.x keys so a reader of "
    "either generation finds the reading (docs/proxy-devices.md). Neither the recorded answer "
    "nor a real HS110 1.0 carries it; Sense reads the 1.x keys the recording has"
)

_SYSINFO = "system.get_sysinfo."
_REALTIME = "emeter.get_realtime."

ALLOWED: dict[tuple[str, str], str] = {
    **{
        ("extra", _SYSINFO + key): _REAL_HS110
        for key in (
            "hwId",
            "fwId",
            "oemId",
            "dev_name",
            "icon_hash",
            "on_time",
            "active_mode",
            "feature",
            "rssi",
            "led_off",
            "latitude",
            "longitude",
        )
    },
    **{
        ("extra", _REALTIME + key): _MILLI_UNITS
        for key in ("power_mw", "voltage_mv", "current_ma", "total_wh")
    },
}
