"""Masking for `dump`: secrets and personal values out of recorded bodies, deterministically.

The same input value always gets the same replacement within one dump, so references between
bodies still resolve (the monitor id in the overview matches the one in the feed's events).
Numbers stay numbers and strings stay strings, so the masked body has the real one's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..standalone_errors import StandaloneError

__all__ = ["Masker", "UnmaskedSecretError"]

_TOKEN_KEYS = {"access_token": "t1.v2.MASKED_ACCESS_TOKEN", "refresh_token": "MASKED_REFRESH_TOKEN"}
_TOKEN_KEYS |= {"mfa_token": "MASKED_MFA_TOKEN", "token": "MASKED_TOKEN"}
_EMAIL_KEYS = {"email", "username", "user_email"}
_SERIAL_KEYS = {"serial", "serial_number"}
_MAC_KEYS = {"mac", "emac", "duid", "uservisibledeviceid", "bssid"}
_IP_KEYS = {"ip_address", "ip", "local_ip"}
_PLACE_KEYS = {"postal_code", "zip", "zip_code", "address", "street", "city", "latitude"}
_PLACE_KEYS |= {"longitude", "lat", "lon", "lng", "ssid"}
_USER_KEYS = {"user_id": 100001, "userid": 100001, "account_id": 100002, "accountid": 100002}
_MONITOR_KEYS = {"id", "monitor_id", "monitorid"}
_NAME_KEYS = {"name", "device_name", "originalname", "given_location", "location", "given_make"}
_MAC = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+){0,2}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_KEEP_NAMES = {"always_on", "unknown", "solar", "Always On", "Other", "Solar", "Unknown"}


class UnmaskedSecretError(StandaloneError):
    """A known secret survived masking; nothing is written (never carries the secret)."""


class Masker:
    """Replaces secrets and personal values in JSON-like data; remembers what it replaced."""

    def __init__(self, *, mask_names: bool = False) -> None:
        self.mask_names = mask_names
        self._literals: dict[str, str] = {}
        self._monitors: dict[str, int] = {}
        self._maps: dict[str, dict[str, str]] = {"mac": {}, "ip": {}, "serial": {}, "name": {}}
        self.applied: set[str] = set()

    # --- what to look for -----------------------------------------------------------------------

    def add_secret(self, value: object, replacement: str) -> None:
        """A literal (password, token, email) that must not appear anywhere, in any string."""
        text = "" if value is None else str(value)
        if len(text) >= 4:
            self._literals[text] = replacement

    def add_monitor(self, monitor_id: object) -> int:
        """A monitor id: every later occurrence becomes 200001, 200002, … (number or string)."""
        key = str(monitor_id)
        if key not in self._monitors:
            self._monitors[key] = 200001 + len(self._monitors)
        return self._monitors[key]

    def monitor_path(self, path: str) -> str:
        """A request path with monitor and user ids replaced, for the index."""
        return self._numbers(path)

    def _numbers(self, text: str) -> str:
        """Whole-number ids (users, monitors) replaced in one pass, so fakes are not re-masked."""
        table = {k: v for k, v in self._literals.items() if k.isdigit()}
        table |= {k: str(v) for k, v in self._monitors.items()}
        if not table:
            return text
        pattern = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        return re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])", lambda m: table[m.group(0)], text)

    # --- masking --------------------------------------------------------------------------------

    def mask(self, value: Any, key: str = "") -> Any:
        """A masked copy of `value` (dicts, lists, strings, numbers)."""
        lowered = key.lower()
        if isinstance(value, dict):
            return {self._mask_key(k): self.mask(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(v, key) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        if lowered in _USER_KEYS:
            self.applied.add("user and account ids")
            fake = _USER_KEYS[lowered]
            self.add_secret(value, str(fake))
            return fake if isinstance(value, int | float) else str(fake)
        if lowered in _MONITOR_KEYS and str(value) in self._monitors:
            self.applied.add("monitor ids")
            fake = self._monitors[str(value)]
            return fake if isinstance(value, int | float) else str(fake)
        if isinstance(value, int | float):
            if lowered in _PLACE_KEYS:
                self.applied.add("location")
                return 0
            return value
        return self._mask_text(str(value), lowered)

    def _mask_key(self, key: object) -> str:
        text = str(key)
        if text in self._monitors:  # e.g. notification settings keyed by monitor id
            self.applied.add("monitor ids")
            return str(self._monitors[text])
        return text

    def _mask_text(self, text: str, key: str) -> str:
        if key in _TOKEN_KEYS:
            self.applied.add("tokens")
            self.add_secret(text, _TOKEN_KEYS[key])
            return _TOKEN_KEYS[key]
        if key in _EMAIL_KEYS:
            self.applied.add("email")
            self.add_secret(text, "user@example.invalid")
            return "user@example.invalid"
        if key in _SERIAL_KEYS:
            self.applied.add("serial numbers")
            fake = self._mapped("serial", text, "SERIAL{:06d}")
            self.add_secret(text, fake)
            return fake
        if key in _MAC_KEYS:
            return _MAC.sub(self._mac, text) if _MAC.search(text) else self._mac_text(text)
        if key in _IP_KEYS:
            self.applied.add("IP addresses")
            return self._mapped("ip", text, "192.0.2.{}")
        if key in _PLACE_KEYS:
            self.applied.add("location")
            return "masked"
        if self.mask_names and key in _NAME_KEYS and text not in _KEEP_NAMES:
            self.applied.add("names")
            fake = self._mapped("name", text, "Device {}")
            self._literals.setdefault(text, fake)
            return fake
        return self._scrub(text)

    def _scrub(self, text: str) -> str:
        """Known literals, MACs, IPs, JWTs and email addresses anywhere inside a string."""
        for real, fake in sorted(self._literals.items(), key=lambda kv: -len(kv[0])):
            if real in text and not real.isdigit():
                text = text.replace(real, fake)
        text = self._numbers(text)
        if _JWT.search(text):
            self.applied.add("tokens")
            text = _JWT.sub("MASKED_JWT", text)
        if _EMAIL.search(text):
            self.applied.add("email")
            text = _EMAIL.sub("user@example.invalid", text)
        text = _MAC.sub(self._mac, text)
        return _IPV4.sub(lambda m: self._mapped("ip", m.group(0), "192.0.2.{}"), text)

    def _mac(self, match: re.Match[str]) -> str:
        return self._mac_text(match.group(0))

    def _mac_text(self, text: str) -> str:
        self.applied.add("MACs")
        return self._mapped("mac", text.lower(), "02:00:00:00:{:02x}:{:02x}", pair=True)

    def _mapped(self, kind: str, real: str, pattern: str, *, pair: bool = False) -> str:
        table = self._maps[kind]
        if real not in table:
            n = len(table) + 1
            table[real] = pattern.format(n // 256, n % 256) if pair else pattern.format(n)
        if kind == "ip":
            self.applied.add("IP addresses")
        return table[real]

    # --- the last line of defence ---------------------------------------------------------------

    def check(self, texts: Iterable[str]) -> None:
        """Raise UnmaskedSecretError if any registered secret still appears in `texts`."""
        secrets = [s for s, fake in self._literals.items() if not s.isdigit() and s != fake]
        for text in texts:
            for secret in secrets:
                if secret in text:
                    raise UnmaskedSecretError(
                        "a secret value survived masking; nothing was written "
                        "(please report this as a bug)"
                    )
