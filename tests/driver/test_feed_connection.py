"""FeedConnection against a real websockets server on loopback: frames handed over in the read
callback, in order, whatever the reader makes wait; pings, fragments, closes, bad text."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from sense_energy_driver.errors import SenseFeedClosedError, SenseTimeoutError
from sense_energy_driver.transport.feed import FeedConnection, open_feed

Script = Callable[[ServerConnection], Awaitable[None]]


class Server:
    """One connection's script; what the server saw of the client."""

    def __init__(self) -> None:
        self.script: Script = _hold
        self.close_codes: list[int | None] = []
        self.headers: list[dict[str, str]] = []
        self.done = asyncio.Event()
        self.url = ""


async def _hold(ws: ServerConnection) -> None:
    await ws.wait_closed()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()

    async def handle(ws: ServerConnection) -> None:
        assert ws.request is not None
        state.headers.append({k.lower(): v for k, v in ws.request.headers.raw_items()})
        try:
            await state.script(ws)
        finally:
            await ws.wait_closed()
            state.close_codes.append(ws.close_code)
            state.done.set()

    async with serve(handle, "127.0.0.1", 0, compression=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        state.url = f"ws://127.0.0.1:{port}/feed?access_token=t"
        yield state


async def _run(conn: FeedConnection, on_frame: Any, timeout: float = 10.0) -> BaseException:
    """conn.run() until it ends; the error it ended with."""
    try:
        await asyncio.wait_for(conn.run(on_frame, timeout), 10)
    except (SenseFeedClosedError, SenseTimeoutError, ValueError) as err:
        return err
    raise AssertionError("run() returned")  # pragma: no cover - it never returns


async def test_frames_arrive_in_order_in_the_read_callback_as_the_readers_work(
    server: Server,
) -> None:
    frames = [b"\x01" * n for n in (1, 200, 70_000)] + ["text"]
    go = asyncio.Event()

    async def send_all(ws: ServerConnection) -> None:
        await go.wait()  # once the client reads: a frame that came earlier waits in a queue
        for frame in frames:
            await ws.send(frame)
        await ws.close(4000, "done")

    server.script = send_all
    conn = await open_feed(server.url, headers={"X-Sense-Protocol": "3"})
    seen: list[bytes | str] = []
    ways: list[tuple[bool, bool]] = []

    def on_frame(frame: bytes | str) -> None:
        seen.append(frame)
        in_callback = any(f.name == "data_received" for f in traceback.extract_stack())
        ways.append((in_callback, asyncio.current_task() is reader))

    reader = asyncio.create_task(conn.run(on_frame, 10.0))
    await asyncio.sleep(0)  # run() is waiting for frames now
    go.set()
    await asyncio.wait([reader], timeout=10)
    err = reader.exception()
    assert isinstance(err, SenseFeedClosedError)
    assert (err.code, err.reason) == (4000, "done")
    assert seen == frames
    # Each was handed over by the read callback itself (no task woken for it), yet ran as the
    # reader's task, as it would have after a wake-up.
    assert ways == [(True, True)] * len(frames)
    assert server.headers[0]["x-sense-protocol"] == "3"
    await conn.close()


async def test_a_frame_that_must_wait_holds_later_ones_in_order(server: Server) -> None:
    release = asyncio.Event()
    sent = asyncio.Event()
    count = 12

    async def send_many(ws: ServerConnection) -> None:
        for n in range(count):
            await ws.send(n.to_bytes(2, "big"))
        await asyncio.wait_for(await ws.ping(), 5)  # the client has read every frame before it
        sent.set()
        await ws.wait_closed()

    server.script = send_many
    conn = await open_feed(server.url, headers={})
    seen: list[int] = []
    finished: list[int] = []
    all_seen = asyncio.Event()

    async def finish(n: int) -> None:
        await release.wait()
        finished.append(n)

    def on_frame(frame: bytes | str) -> Coroutine[Any, Any, None] | None:
        n = int.from_bytes(frame if isinstance(frame, bytes) else b"", "big")
        seen.append(n)
        if len(seen) == count:
            all_seen.set()
        return finish(n) if n == 3 else None

    reader = asyncio.create_task(conn.run(on_frame, 10.0))
    await asyncio.wait_for(sent.wait(), 5)
    assert seen == [0, 1, 2, 3]  # the rest wait behind frame 3
    release.set()
    await asyncio.wait_for(all_seen.wait(), 5)
    assert seen == list(range(count))
    assert finished == [3]
    reader.cancel()
    await conn.close()
    await asyncio.wait_for(server.done.wait(), 5)
    assert server.close_codes == [1000]


async def test_what_on_frame_raises_ends_run(server: Server) -> None:
    async def send_two(ws: ServerConnection) -> None:
        await ws.send(b"one")
        await ws.send(b"two")
        await ws.wait_closed()

    server.script = send_two
    conn = await open_feed(server.url, headers={})
    seen: list[bytes | str] = []

    def on_frame(frame: bytes | str) -> None:
        seen.append(frame)
        raise ValueError("cannot use this")

    err = await _run(conn, on_frame)
    assert isinstance(err, ValueError)
    assert seen == [b"one"]  # nothing after the failure is handed over
    await conn.close()


async def test_pings_are_answered_and_fragments_joined(server: Server) -> None:
    answered = asyncio.Event()

    async def ping_then_fragments(ws: ServerConnection) -> None:
        pong = await ws.ping()
        await asyncio.wait_for(pong, 5)
        answered.set()
        await ws.send([b"ab", b"cd", b"ef"])  # one message in three frames
        await ws.send(["h\u00e9", "llo"])
        await ws.wait_closed()

    server.script = ping_then_fragments
    conn = await open_feed(server.url, headers={})
    seen: list[bytes | str] = []
    both = asyncio.Event()

    def on_frame(frame: bytes | str) -> None:
        seen.append(frame)
        if len(seen) == 2:
            both.set()

    reader = asyncio.create_task(conn.run(on_frame, 10.0))
    await asyncio.wait_for(answered.wait(), 5)
    await asyncio.wait_for(both.wait(), 5)
    assert seen == [b"abcdef", "h\u00e9llo"]
    reader.cancel()
    await conn.close()


async def test_text_that_is_not_utf8_closes_with_1007(server: Server) -> None:
    async def bad_text(ws: ServerConnection) -> None:
        await ws.send(b"\xff\xfe", text=True)
        await ws.wait_closed()

    server.script = bad_text
    conn = await open_feed(server.url, headers={})
    seen: list[bytes | str] = []
    err = await _run(conn, seen.append)
    assert isinstance(err, SenseFeedClosedError)
    assert err.code == 1007
    assert seen == []
    await asyncio.wait_for(server.done.wait(), 5)
    assert server.close_codes == [1007]


async def test_a_silent_feed_ends_run_with_a_timeout(server: Server) -> None:
    conn = await open_feed(server.url, headers={})  # the server never sends anything
    err = await _run(conn, lambda frame: None, timeout=0.2)
    assert isinstance(err, SenseTimeoutError)
    assert "silent for 0.2 s" in str(err)
    await conn.close()


async def test_recv_pulls_frames_for_tools(server: Server) -> None:
    async def send(ws: ServerConnection) -> None:
        await ws.send("hello")
        await ws.send(b"\x00")
        await ws.close(1001, "bye")

    server.script = send
    conn = await open_feed(server.url, headers={})
    assert await conn.recv(5.0) == "hello"
    assert await conn.recv(5.0) == b"\x00"
    with pytest.raises(SenseFeedClosedError, match="1001 bye"):
        await conn.recv(5.0)
    await conn.close()


async def test_data_fed_from_inside_another_task_goes_through_the_reader(server: Server) -> None:
    """asyncio only calls data_received from its read callback; should anything call it from
    inside a task, the frame must still be handled, by the reader's own task."""
    conn = await open_feed(server.url, headers={})
    seen: list[tuple[bytes | str, bool]] = []
    got = asyncio.Event()

    def on_frame(frame: bytes | str) -> None:
        seen.append((frame, asyncio.current_task() is reader))
        if len(seen) == 2:
            got.set()

    reader = asyncio.create_task(conn.run(on_frame, 10.0))
    await asyncio.sleep(0)  # run() waits for frames now
    conn.data_received(b"\x82\x03abc")  # an unmasked binary frame, as a server sends it
    conn.data_received(b"\x82\x02de")
    await asyncio.wait_for(got.wait(), 5)
    assert seen == [(b"abc", True), (b"de", True)]
    reader.cancel()
    await conn.close()


async def test_a_message_over_the_size_limit_closes_with_1009(server: Server) -> None:
    async def huge(ws: ServerConnection) -> None:
        await ws.send(b"\x00" * (16 * 1024 * 1024 + 1))  # one byte over the limit
        await ws.wait_closed()

    server.script = huge
    conn = await open_feed(server.url, headers={})
    seen: list[bytes | str] = []
    err = await _run(conn, seen.append)
    assert isinstance(err, SenseFeedClosedError)
    assert err.code == 1009
    assert seen == []
    await asyncio.wait_for(server.done.wait(), 5)
    assert server.close_codes == [1009]


async def test_pings_alone_do_not_keep_a_silent_feed_alive(server: Server) -> None:
    async def only_pings(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # until the client gives up on the feed
            while True:
                await asyncio.wait_for(await ws.ping(), 5)
                await asyncio.sleep(0.05)  # a ping every 50 ms, far inside the 0.3 s timeout

    server.script = only_pings
    conn = await open_feed(server.url, headers={})
    err = await _run(conn, lambda frame: None, timeout=0.3)
    assert isinstance(err, SenseTimeoutError)
    await conn.close()
