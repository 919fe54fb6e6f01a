"""A realtime feed replaying the realistic streams for the headline benchmark, in its own process.

    python -m benchmarks.replayserver

Serves `ws://127.0.0.1:PORT/<set>/<client>/monitors/<id>/realtimefeed` (any monitor id and
token), where `<set>` names a stream of `benchmarks.realistic` (`full20`, `full60`, `lean20`,
`lean60`) and `<client>` is a label, so several clients can hold a connection to one set. The
first stdout line is the banner (`{"url": ...}`); then each stdin line is a command answered by
one JSON line:

- `clients SET N TIMEOUT`: the labels connected to that set, once there are N of them;
- `idle SET TIMEOUT`: answers once no client is connected to that set (between sessions);
- `burst SET N RATE`: send every client of the set the same N frames at RATE frames a second
  (on a fixed schedule; a late frame goes out at once; the order of the clients rotates frame
  by frame), continuing the stream where the last burst stopped, with a new epoch every frame;
  answers once the last frame is written;
- `quit`.

Frames are packed here with the running epoch, so a set of 240 generated payloads serves any
number of frames without an epoch ever repeating. Compression is off, as on the driver's side.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from benchmarks.child import serve_commands
from benchmarks.realistic import START_EPOCH, pack, realistic_payloads

SETS = {"full20": (20, False), "full60": (60, False), "lean20": (20, True), "lean60": (60, True)}


class Replay:
    """The streams, the connected clients, and how far each set's stream has got."""

    def __init__(self) -> None:
        self.payloads = {name: realistic_payloads(n, lean=lean) for name, (n, lean) in SETS.items()}
        self.clients: dict[str, dict[str, ServerConnection]] = {name: {} for name in SETS}
        self.sent = dict.fromkeys(SETS, 0)
        self.changed = asyncio.Condition()

    async def handler(self, ws: ServerConnection) -> None:
        parts = (ws.request.path if ws.request else "").split("/")
        name, label = (parts[1], parts[2]) if len(parts) > 2 else ("", "")
        if name not in SETS:
            await ws.close(1008, f"unknown set {name!r}")
            return
        async with self.changed:
            self.clients[name][label] = ws
            self.changed.notify_all()
        try:
            await ws.wait_closed()
        finally:
            async with self.changed:
                if self.clients[name].get(label) is ws:
                    del self.clients[name][label]
                self.changed.notify_all()

    async def burst(self, name: str, count: int, rate: float) -> dict[str, Any]:
        clients = list(self.clients[name].values())
        if not clients:
            raise ValueError(f"no client on {name!r}")
        loop = asyncio.get_running_loop()
        start, first = loop.time(), self.sent[name]
        payloads = self.payloads[name]
        frames = [
            pack(payloads[k % len(payloads)], START_EPOCH + k) for k in range(first, first + count)
        ]
        for i, frame in enumerate(frames):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            turn = i % len(clients)
            for ws in clients[turn:] + clients[:turn]:
                await ws.send(frame)
        self.sent[name] = first + count
        return {"sent": count, "seconds": round(loop.time() - start, 3), "bytes": len(frames[0])}

    async def command(self, line: str) -> dict[str, Any]:
        verb, *args = line.split()
        if verb == "clients" and len(args) == 3:
            clients, count = self.clients[args[0]], int(args[1])
            async with asyncio.timeout(float(args[2])), self.changed:
                await self.changed.wait_for(lambda: len(clients) >= count)
            return {"clients": sorted(clients)}
        if verb == "idle" and len(args) == 2:
            clients = self.clients[args[0]]
            async with asyncio.timeout(float(args[1])), self.changed:
                await self.changed.wait_for(lambda: not clients)
            return {"clients": []}
        if verb == "burst" and len(args) == 3:
            return await self.burst(args[0], int(args[1]), float(args[2]))
        raise ValueError(f"unknown command {line!r}")


async def main() -> None:
    replay = Replay()
    async with serve(replay.handler, "127.0.0.1", 0, compression=None, max_queue=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        await serve_commands(replay.command, {"url": f"ws://127.0.0.1:{port}"})


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="replay %(levelname)s: %(message)s")
    asyncio.run(main())
