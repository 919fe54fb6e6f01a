"""One open realtime WebSocket on websockets' Sans-I/O protocol: each frame is handed over in the
event loop's own read callback, with no task switch per frame."""

from __future__ import annotations

import asyncio
import logging
import ssl
from asyncio.tasks import _enter_task, _leave_task
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, cast

from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

from ..errors import SenseError, SenseFeedClosedError, SenseTimeoutError

__all__ = ["FeedConnection", "OnFrame"]

_LOGGER = logging.getLogger(__name__)

# on_frame(frame) returns None once it is done with the frame, or a coroutine that finishes it.
OnFrame = Callable[[bytes | str], Coroutine[Any, Any, None] | None]

# Frames waiting for a reader before the socket stops being read (TCP then slows the sender).
_QUEUE_HIGH = 16
# How long a closing handshake may take before the socket is simply dropped (websockets' own).
_CLOSE_TIMEOUT_S = 10.0


def _closed_error(err: ConnectionClosed) -> SenseFeedClosedError:
    """The close code and reason a closed connection ended with, as the package's error."""
    frame = err.rcvd or err.sent
    code = frame.code if frame is not None else 1006
    reason = frame.reason if frame is not None else "connection lost"
    return SenseFeedClosedError(f"realtime feed closed: {code} {reason}", code=code, reason=reason)


class FeedConnection(asyncio.Protocol):
    """An open feed: `run(on_frame)` for the driver, `recv()` for tools that pull frames.

    websockets' asyncio client wakes a reader task for every message; a realtime frame then
    costs a task switch and websockets' message queue on top of its parsing (≈ 15 µs a frame
    when another process had the CPU in between). Here the Sans-I/O protocol parses, pings are
    answered and closes echoed by it, and each whole message goes straight to `on_frame` while
    nothing earlier is still being finished; otherwise it queues, in order. `on_frame` runs as
    the reader's task there (asyncio.current_task() is it, so `asyncio.timeout()` and the like
    work in a host's writes as they would in the task), through asyncio's own _enter_task, the
    step its eager tasks take (3.12). Silence (no message: pings do not count) is caught by one
    watchdog timer per connection, re-armed from the last message's time when it fires.
    """

    def __init__(self, protocol: ClientProtocol) -> None:
        self._ws = protocol
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._opened: asyncio.Future[None] = self._loop.create_future()
        self._lost: asyncio.Future[None] = self._loop.create_future()
        self._frames: deque[bytes | str] = deque()  # whole messages nobody has taken yet
        self._parts: list[bytes] = []  # a fragmented message so far
        self._text = False
        self._on_frame: OnFrame | None = None
        self._reader: asyncio.Task[Any] | None = None  # the task in run(): frames are its work
        self._busy = True  # until run() waits for frames, they queue
        self._unfinished: Coroutine[Any, Any, None] | None = None  # on_frame's rest, for run()
        self._failure: Exception | None = None  # what on_frame raised in a read callback
        self._wakeup: asyncio.Future[None] | None = None
        self._paused = False
        self._last = self._loop.time()
        self._timeout = 0.0
        self._watchdog: asyncio.TimerHandle | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._silent = False

    # --- opening ----------------------------------------------------------------------------------

    async def open(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        """Connect and complete the opening handshake (the request is already queued)."""
        try:
            await self._loop.create_connection(
                lambda: self, host, port, ssl=tls, server_hostname=host if tls else None
            )
            await self._opened
        except BaseException:
            if not self._opened.done():
                self._opened.cancel()
            if self._transport is not None:
                self._transport.abort()
            raise

    # --- the asyncio.Protocol side ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._send()

    def data_received(self, data: bytes) -> None:
        ws = self._ws
        ws.receive_data(data)
        events = ws.events_received()
        self._send()  # pongs, an echoed close
        for event in events:
            if type(event) is Frame:
                self._frame(event)
            elif not self._opened.done():  # the handshake's response
                if (exc := ws.handshake_exc) is None:
                    self._opened.set_result(None)
                else:
                    self._opened.set_exception(exc)
        if ws.close_expected() and self._close_timer is None and self._transport is not None:
            self._close_timer = self._loop.call_later(_CLOSE_TIMEOUT_S, self._transport.abort)

    def eof_received(self) -> None:
        self._ws.receive_eof()
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        self._ws.receive_eof()  # idempotent: the protocol is CLOSED from here on
        for timer in (self._watchdog, self._close_timer):
            if timer is not None:
                timer.cancel()
        if not self._opened.done():
            self._opened.set_exception(
                self._ws.handshake_exc or exc or ConnectionError("closed during the handshake")
            )
        self._lost.set_result(None)
        self._wake()

    def _send(self) -> None:
        transport = self._transport
        if transport is None:
            return
        for data in self._ws.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():  # the protocol's end of stream: half-close
                try:
                    transport.write_eof()
                except (OSError, RuntimeError) as err:  # pragma: no cover - best effort
                    _LOGGER.debug("half-closing the realtime feed: %s", err)

    # --- messages ---------------------------------------------------------------------------------

    def _frame(self, frame: Frame) -> None:
        """Whole messages to `_deliver`; control frames are the protocol's business."""
        opcode, data = frame.opcode, frame.data
        if opcode is Opcode.BINARY and frame.fin:  # the realtime frame: nearly all of them
            self._deliver(bytes(data))
            return
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            self._parts, self._text = [bytes(data)], opcode is Opcode.TEXT
            if not frame.fin:
                return
        elif opcode is Opcode.CONT:
            self._parts.append(bytes(data))
            if not frame.fin:
                return
        else:
            return
        whole, self._parts = b"".join(self._parts), []
        if not self._text:
            self._deliver(whole)
            return
        try:
            self._deliver(whole.decode())
        except UnicodeDecodeError as err:
            self._ws.fail(CloseCode.INVALID_DATA, f"{err.reason} at position {err.start}")
            self._send()

    def _deliver(self, message: bytes | str) -> None:
        self._last = self._loop.time()  # a message, not a ping, is what proves the feed alive
        on_frame, reader = self._on_frame, self._reader
        if on_frame is None or reader is None or self._busy:
            self._frames.append(message)
            if len(self._frames) >= _QUEUE_HIGH:
                self._pause()
            self._wake()
            return
        loop = self._loop
        try:
            _enter_task(loop, reader)
        except RuntimeError:  # called from inside some task, not the loop's read callback
            self._frames.append(message)
            self._busy = True  # the reader takes it in its own task, later ones behind it
            self._wake()
            return
        try:
            unfinished = on_frame(message)
        except Exception as err:  # the reader hears of it, not the event loop
            self._failure = err
        else:
            if unfinished is None:
                return
            self._unfinished = unfinished
        finally:
            _leave_task(loop, reader)
        self._busy = True
        self._wake()

    def _pause(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _resume(self) -> None:
        if self._paused and self._transport is not None and not self._lost.done():
            self._paused = False
            self._transport.resume_reading()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def _wait(self) -> None:
        self._wakeup = self._loop.create_future()
        try:
            await self._wakeup
        finally:
            self._wakeup = None

    # --- the reader's side ------------------------------------------------------------------------

    async def run(self, on_frame: OnFrame, timeout: float) -> NoReturn:
        """Hand every message to `on_frame`, in order, until the feed ends.

        A message arriving while nothing earlier is unfinished is handed over at once, in the
        read callback; a coroutine on_frame returns is awaited here before the next message.
        Raises SenseTimeoutError (nothing for `timeout` seconds), SenseFeedClosedError, or what
        on_frame raised.
        """
        self._watch(timeout)
        self._reader = asyncio.current_task()
        self._on_frame = on_frame
        try:
            while True:
                self._busy = True
                if self._failure is not None:
                    raise self._failure
                if self._unfinished is not None:
                    unfinished, self._unfinished = self._unfinished, None
                    await unfinished
                elif self._frames:
                    rest = on_frame(self._frames.popleft())
                    if rest is not None:
                        await rest
                elif self._lost.done():
                    raise self._ended()
                else:
                    self._busy = False
                    self._resume()
                    await self._wait()
        finally:
            self._on_frame = self._reader = None
            self._busy = True
            if self._unfinished is not None:  # the reader was stopped before it got to it
                self._unfinished.close()
                self._unfinished = None

    async def recv(self, timeout: float) -> bytes | str:
        """The next message; SenseTimeoutError if nothing arrives within `timeout` (a dead feed)."""
        self._watch(timeout)
        while not self._frames:
            if self._lost.done():
                raise self._ended()
            await self._wait()
        if len(self._frames) == 1:
            self._resume()
        return self._frames.popleft()

    def _ended(self) -> SenseError:
        if self._silent:
            return SenseTimeoutError(f"realtime feed silent for {self._timeout:g} s")
        return _closed_error(self._ws.close_exc)

    def _watch(self, timeout: float) -> None:
        if self._watchdog is None or timeout != self._timeout:
            self._timeout = timeout
            self._arm()

    def _arm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._watchdog = self._loop.call_at(self._last + self._timeout, self._check)

    def _check(self) -> None:
        """The watchdog fired: a message since re-arms it; none means a dead or stuck feed."""
        if self._loop.time() - self._last < self._timeout:
            self._arm()
            return
        self._silent = True
        if self._transport is not None:
            self._transport.abort()  # connection_lost ends the reader, reported as silence

    # --- closing ----------------------------------------------------------------------------------

    async def close(self) -> None:
        """Close with 1000 and wait for the server to end the connection; never raises."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        transport = self._transport
        if transport is None or self._lost.done():
            return
        if self._ws.state is State.OPEN:
            self._ws.send_close(CloseCode.NORMAL_CLOSURE)
            self._send()
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await asyncio.shield(self._lost)
        except TimeoutError:
            transport.abort()
        except asyncio.CancelledError:
            transport.abort()
            raise
