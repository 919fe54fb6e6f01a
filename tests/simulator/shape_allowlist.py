"""Where the `real` profile's bodies still differ from the recordings, and why.

Keyed by the corpus file each body is compared with (tests/simulator/test_sim_shapes.py); each
entry is (kind, path) -> reason, kind "missing" (recorded, not simulated) or "extra" (simulated,
not in that recording). docs/real-cloud.md ("Shape allowlist") sums these up. The test fails on
a difference not listed here and on a listed one that no longer occurs.
"""

from __future__ import annotations

_PLUG = (
    "the recording's account has TP-Link Kasa smart plugs (self-reporting SSI devices); the "
    "simulator models learned devices only"
)
_PLUG_TAGS = (
    "ControlCapabilities ControlCapabilities[] DUID IntegratedDeviceType IntegrationType "
    "SSIEnabled SSIModel SmartPlugModel UserVisibleDeviceId"
)
_HUE = (
    "the recorded device is a Philips Hue light (an integration: make, location, sd.extra "
    "brightness); the simulator has no integration devices"
)
_LEARNED = (
    "the recorded message's only learned device is a Hue integration with a smaller tag set; "
    "these tags are those of learned devices in openHAB's 2024 recordings"
)
_MERGED_LIST = (
    "the recorded device list is partial (8 devices, none merged); the same account's trends "
    "recording shows MergedDevices, NameUserGuess, UserShowBubble, Virtual on merged devices"
)
_MAKE = 'a make the user gave one device ("Decor"); simulated devices have none'
_TIMELINE_GROUPS = (
    "the simulator lists each on/off as its own item; the recording groups a short run as "
    "DeviceWasOn with start_time, children and a room location"
)
_STICKY = "no sticky NewDeviceFound items: the simulator announces no new devices on the timeline"


_ITEM = (
    "allow_sticky body destination device_id device_name guid icon show_action time type "
    "user_device_type"
)


def _under(
    prefix: str, names: str, reason: str, kind: str = "missing"
) -> dict[tuple[str, str], str]:
    """{(kind, prefix + name): reason} for each space-separated name."""
    return {(kind, f"{prefix}{name}"): reason for name in names.split()}


def _each(prefix: str, names: str) -> str:
    return " ".join(f"{prefix}{name}" for name in names.split())


ALLOWED: dict[str, dict[tuple[str, str], str]] = {
    "rest/authenticate.openhab-2024.json": {},
    "rest/renew.openhab-2024.json": {},
    "rest/monitor_overview.openhab-2024.json": {
        ("missing", "monitor_overview.partner_tags[]"): (
            "the recorded account came through a partner channel (CHANNEL__Amazon); the "
            "simulated one did not"
        ),
    },
    "rest/monitor_status.openhab-2024.json": {},
    "rest/monitor_status.unofficial-sense-2018.json": _under(
        "device_detection.in_progress",
        "[] [].icon [].name [].progress",
        "the 2018 monitor was still learning devices ('Possible Coffee Maker'); the simulated "
        "old-firmware monitor has finished learning",
    ),
    "rest/devices.openhab-2024.json": {
        **_under("[].tags.", _PLUG_TAGS, _PLUG),
        **_under(
            "[].tags.", "MergedDevices NameUserGuess UserShowBubble Virtual", _MERGED_LIST, "extra"
        ),
    },
    "rest/history_trends.openhab-2024-day.json": {
        **_under("consumption.devices[].tags.", _PLUG_TAGS + " UserControlLock", _PLUG),
        **_under("consumption.devices[].", "make given_make", _MAKE),
    },
    "rest/timeline.unofficial-sense-2018.json": {
        **_under(
            "items[].",
            "start_time location children children[] " + _each("children[].", _ITEM + " location"),
            _TIMELINE_GROUPS,
        ),
        **_under("sticky_items", "[] " + _each("[].", _ITEM + " subtype"), _STICKY),
    },
    "feed/hello.dnesting-2023.json": {},
    "feed/monitor_info.dnesting-2023.json": {},
    "feed/data_change.dnesting-2023.json": {},
    "feed/device_states.dnesting-2023.json": {},
    "feed/new_timeline_event.dnesting-2023.json": {},
    "feed/realtime_update.dnesting-2023-hue.json": {
        **_under(
            "payload.devices[].",
            "make given_make location given_location sd sd.w sd.intensity sd.extra sd.extra.bri "
            "sd.extra.ct sd.extra.hue sd.extra.sat",
            _HUE,
        ),
        **_under(
            "payload.devices[].tags.",
            "ControlCapabilities ControlCapabilities[] DefaultLocation DefaultMake IntegrationType "
            "SSIEnabled SSIModel",
            _HUE,
        ),
        **_under(
            "payload.devices[].tags.",
            "AlwaysOn DateFirstUsage DeployToMonitor ModelCreatedVersion ModelUpdatedVersion "
            "NameUserGuess Pending Type PeerNames[] "
            + _each("PeerNames[].", "Icon Name Percent UserDeviceType UserDeviceTypeDisplayString"),
            _LEARNED,
            "extra",
        ),
    },
    "feed/realtime_update.openhab-2024-solar.json": {},
}
