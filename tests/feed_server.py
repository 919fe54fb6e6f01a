"""A tiny realtime-feed server on loopback: the test decides every frame, byte for byte.

For driver tests that need exact feed bodies (real-cloud shapes, poison frames) beside a respx
REST cloud. Frames go to every open connection; `preamble` is sent first on each new one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve


def json_frame(kind: str, payload: object, epoch: float | int | None = None) -> str:
    """One JSON text frame as the feed sends it."""
    body: dict[str, Any] = {"type": kind, "payload": payload}
    if epoch is not None:
        body["epoch"] = epoch
    return json.dumps(body)


class FeedServer:
    """WebSocket server on 127.0.0.1 with an ephemeral port; counts and tracks connections."""

    def __init__(self, preamble: list[str | bytes] | None = None) -> None:
        self.preamble: list[str | bytes] = list(preamble or [])
        self.opened = 0
        self.paths: list[str] = []
        self._queues: set[asyncio.Queue[str | bytes | None]] = set()
        self._server: Server | None = None
        self._changed = asyncio.Condition()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    @property
    def open_now(self) -> int:
        """Connections open at this moment."""
        return len(self._queues)

    async def __aenter__(self) -> FeedServer:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def send(self, frame: str | bytes) -> None:
        """Send a frame to every open connection."""
        for queue in self._queues:
            queue.put_nowait(frame)

    def close_all(self) -> None:
        """Close every open connection from the server side (code 1000)."""
        for queue in self._queues:
            queue.put_nowait(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until predicate() holds, re-checked whenever a connection opens or closes."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, ws: ServerConnection) -> None:
        queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        for frame in self.preamble:
            queue.put_nowait(frame)
        self._queues.add(queue)
        self.opened += 1
        self.paths.append(ws.request.path if ws.request is not None else "")
        await self._notify()
        closed = asyncio.ensure_future(ws.wait_closed())
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    break  # the client closed
                frame = getter.result()
                if frame is None:
                    await ws.close(1000, "server closed")
                    break
                await ws.send(frame)
        except Exception:  # noqa: S110 - the client went away; nothing to tell it
            pass
        finally:
            closed.cancel()
            self._queues.discard(queue)
            await self._notify()
