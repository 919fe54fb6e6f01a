"""One feed connection's frames: decoded, handed on as samples or messages, skipped if unusable."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from .eager import start_eagerly
from .errors import SenseError, SenseProtocolError, SenseTokenExpiredError
from .frames import REALTIME_UPDATE, FeedMessage, FrameDecoder
from .models import FeedError, Hello, RealtimePayload

__all__ = ["FeedCounters", "FrameReader", "MessageSink"]


@dataclass(slots=True)
class FeedCounters:
    """Running totals, for get_realtime, health and the fault tests."""

    opens: int = 0
    closes: int = 0
    frames: int = 0
    messages: int = 0
    skipped: int = 0
    failures: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)


class _Unauthorized(SenseTokenExpiredError):
    """The feed sent an `error` message with authorized false."""


class MessageSink(Protocol):
    """Where a connection's samples and messages go (the feed's handler)."""

    async def on_sample(self, payload: RealtimePayload) -> None: ...

    async def on_message(self, message: FeedMessage) -> None: ...

    def log(self, level: int, message: str) -> None: ...


class FrameReader:
    """Reads one connection's frames as the connection hands them over (`on_frame`).

    Almost every frame is one msgpack realtime_update: its payload is decoded at once and its
    sample applied right there, in the connection's read callback, unless the host makes it
    wait. The first sample proves the connection (`on_proven`); an `error` frame saying the
    token is not authorized ends it (a SenseTokenExpiredError); `hello` with online false
    reports the monitor offline. A frame that cannot be decoded or applied is skipped and counted.
    """

    def __init__(
        self,
        sink: MessageSink,
        counters: FeedCounters,
        *,
        on_proven: Callable[[], Awaitable[None]],
        on_offline: Callable[[], Awaitable[None]],
    ) -> None:
        self._sink = sink
        self._counters = counters
        self._on_proven = on_proven
        self._on_offline = on_offline
        self._decoder = FrameDecoder()
        self._counted = 0  # decoder.skipped already reported: it also drops fragments silently
        self.proven = False

    def on_frame(self, frame: bytes | str) -> Coroutine[Any, Any, None] | None:
        """Handle one frame now; a coroutine if the rest of it has to wait (see FeedConnection)."""
        self._counters.frames += 1
        decoder = self._decoder
        try:
            payload = decoder.realtime(frame)
            messages = decoder.decode(frame) if payload is None else []
        except SenseProtocolError as err:
            self._counted = decoder.skipped
            self.skip(str(err))
            return None
        except Exception as err:  # a frame nobody foresaw: skip it
            self._counted = decoder.skipped
            self.skip(f"undecodable: {type(err).__name__}: {err}")
            return None
        if decoder.skipped != self._counted:
            self._counted = decoder.skipped
            self.skip("truncated: an unfinished msgpack frame was dropped")
        if payload is None:
            return self._messages(messages) if messages else None
        self._counters.messages += 1
        if not self.proven:
            return self._first_sample(payload)
        try:
            rest = start_eagerly(self._sink.on_sample(payload))
        except SenseError:
            raise
        except Exception as err:  # a value nobody foresaw: skip it
            self._unusable(REALTIME_UPDATE, err)
            return None
        return None if rest is None else self._guarded(REALTIME_UPDATE, rest)

    async def _first_sample(self, payload: RealtimePayload) -> None:
        await self._proven()
        await self._guarded(REALTIME_UPDATE, self._sink.on_sample(payload))

    async def _proven(self) -> None:
        if not self.proven:
            self.proven = True
            await self._on_proven()

    async def _guarded(self, kind: str, step: Awaitable[None]) -> None:
        try:
            await step
        except SenseError:
            raise
        except Exception as err:  # a value nobody foresaw: skip it
            self._unusable(kind, err)

    def _unusable(self, kind: str, err: Exception) -> None:
        self.skip(f"unusable {kind}: {type(err).__name__}: {err}")

    async def _messages(self, messages: list[FeedMessage]) -> None:
        """Messages off the general decode path (JSON, several per frame, others than
        realtime_update): errors checked here, samples and the rest to the sink."""
        for message in messages:
            self._counters.messages += 1
            if message.type == "error":
                self._check_error(message)
                continue
            payload = message.payload
            if type(payload) is RealtimePayload:
                await self._proven()
                await self._guarded(message.type, self._sink.on_sample(payload))
                continue
            if isinstance(payload, Hello) and not payload.online and not self.proven:
                await self._on_offline()
            await self._guarded(message.type, self._sink.on_message(message))

    def _check_error(self, message: FeedMessage) -> None:
        payload = message.payload
        if isinstance(payload, FeedError) and not payload.authorized:
            raise _Unauthorized(f"feed error: {payload.error_reason or 'unauthorized'}")
        reason = payload.error_reason if isinstance(payload, FeedError) else "unknown error"
        self._sink.log(logging.WARNING, f"realtime feed error message: {reason}")

    def skip(self, reason: str) -> None:
        counters = self._counters
        counters.skipped += 1
        kind = reason.split(":", 1)[0]
        counters.skip_reasons[kind] = counters.skip_reasons.get(kind, 0) + 1
        level = logging.WARNING if counters.skipped == 1 else logging.DEBUG
        self._sink.log(level, f"realtime frame skipped ({counters.skipped} so far): {reason}")
