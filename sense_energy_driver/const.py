"""URLs, defaults and limits, in one place so the manifest test can check them."""

from __future__ import annotations

from typing import Final

DEFAULT_API_URL: Final = "https://api.sense.com/apiservice/api/v1"
DEFAULT_REALTIME_URL: Final = "wss://clientrt.sense.com"

STATUS_INTERVAL_DEFAULT_MS: Final = 60_000
STATUS_INTERVAL_MIN_MS: Final = 30_000

REALTIME_POLL_DEFAULT_S: Final = 10.0
REALTIME_POLL_MIN_S: Final = 5.0
MIN_FIRMWARE_REALTIME_UPDATE_API: Final = (1, 64)

# History periods, as Sense names them (the history endpoints' `scale`).
SCALES: Final = ("DAY", "WEEK", "MONTH", "YEAR", "CYCLE")
HISTORY_REFRESH_S: Final = 300.0
AVG_MONTHLY_CACHE_S: Final = 3600.0

HTTP_TIMEOUT_S: Final = 10.0
FEED_OPEN_TIMEOUT_S: Final = 10.0
FEED_INACTIVITY_TIMEOUT_S: Final = 30.0
FEED_MAX_FRAME_BYTES: Final = 1 << 20

BACKOFF_INITIAL_S: Final = 1.0
BACKOFF_MAX_S: Final = 300.0
BACKOFF_MULTIPLIER: Final = 2.0
REST_RETRY_ATTEMPTS: Final = 5
REST_RETRY_MAX_WAIT_S: Final = 60.0

MSGPACK_CONTENT_TYPE: Final = "application/x-msgpack"
DEVICE_ID_HEADER: Final = "x-sense-device-id"
