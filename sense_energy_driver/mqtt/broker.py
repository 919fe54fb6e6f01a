"""Where the MQTT broker is: the `mqtt://` / `mqtts://` URL checked once, the password hidden."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..standalone_errors import StandaloneConfigError

__all__ = ["PASSWORD_ENV", "BrokerAddress", "MqttConfigError", "parse_broker_url"]

PASSWORD_ENV = "SENSE_MQTT_PASSWORD"  # noqa: S105 - the variable's name, not a password
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
URL_FORMS = "mqtt://[user[:password]@]HOST[:PORT] or mqtts://... for TLS"


class MqttConfigError(StandaloneConfigError):
    """An MQTT option is invalid; the message names the option and what is valid."""


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """One broker: host, port, TLS, and credentials (the password never in repr or logs)."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None

    def display(self) -> str:
        """The URL without the password, for log lines and the console."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_broker_url(
    text: str, *, ca_file: Path | None = None, environ: dict[str, str] | None = None
) -> BrokerAddress:
    """Check `--mqtt URL` (and `--mqtt-ca`); a password may also come from SENSE_MQTT_PASSWORD."""
    env = os.environ if environ is None else environ
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as err:
        # The message of urlsplit can quote the URL, password included: say only what is wrong.
        port_problem = "port" in str(err).lower()
        reason = "the port must be a number from 1 to 65535" if port_problem else "malformed"
        raise MqttConfigError(f"--mqtt: {reason}; expected {URL_FORMS}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MqttConfigError(
            f"--mqtt: unknown scheme {parts.scheme + '://' if parts.scheme else '(none)'}; "
            f"expected {URL_FORMS}"
        )
    if not parts.hostname:
        raise MqttConfigError(f"--mqtt: the URL names no host; expected {URL_FORMS}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MqttConfigError(f"--mqtt: a broker URL has no path or query; expected {URL_FORMS}")
    if port == 0:
        raise MqttConfigError("--mqtt: the port must be a number from 1 to 65535")
    tls = scheme == "mqtts"
    if ca_file is not None:
        if not tls:
            raise MqttConfigError("--mqtt-ca needs an mqtts:// URL (TLS); this one is mqtt://")
        if not ca_file.is_file():
            raise MqttConfigError(f"--mqtt-ca: {ca_file} is not a readable file")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is None and username is not None:
        password = env.get(PASSWORD_ENV) or None
    if password is not None and username is None:
        raise MqttConfigError("--mqtt: a password needs a user name (mqtt://user:password@host)")
    return BrokerAddress(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        tls=tls,
        username=username,
        password=password,
        ca_file=ca_file,
    )
