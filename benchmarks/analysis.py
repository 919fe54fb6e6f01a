"""The written analysis of docs/performance.md: why the missed targets are missed, and fixes."""

ANALYSIS = """## Analysis: the missed targets

**Throughput (1).** The typed decode is one C call; every frame then runs the same Python
whatever changed: the msgpack header scan and `FeedMessage`, `snapshot_of` (seven `round()`s,
four of them with digits, into a frozen slotted dataclass whose `__init__` goes through
`object.__setattr__` for each of its ten fields), `SampleDiff.device_writes` (a nine-pair tuple
per frame), `SampleDiff.zone_writes` (a `set()` of the host's address list on every call) and
the coroutine dispatch. That is ≈ 9–10 µs of Python per frame, fixed (see the stage table). At
60 devices the decode is ≈ 12 µs, so the ratio comes out ≈ 1.9× and the speedup 4.2–4.6× over
runs; at 20 devices the decode is ≈ 4 µs and the same fixed cost makes ≈ 3.3× and 2.2–2.6×.
The 1.5× bound leaves 2 µs (20 devices) for all of diffing nine attributes and ten zones;
CPython cannot do that in Python code.

A prototype of the proposed fixes (applied by monkeypatching in a scratch script, not
committed): `Snapshot` as a frozen `msgspec.Struct` built positionally; `device_writes` zipping a
constant name tuple; `zone_writes` looking devices up in `{d.id: d.w for d in payload.devices}`
instead of building a set of addresses; `FeedMessage` as a frozen `msgspec.Struct`. Measured on
this machine: 20 devices 14.3 → 12.2 µs per frame (speedup 2.6× → 3.0×, ratio 3.3× → 2.8×); 60
devices 23.5 → 22.2 µs (ratio 1.9× → 1.8×). Cheap and safe (the unit and driver tests pass
with it), but it does not close the gap. Closing it needs much less Python per frame (e.g. no
`Snapshot` per frame: build it lazily for `cmd_get_realtime` and diff the rounded values in
locals), which buys little where it matters: in the live process a frame costs ≈ 120 µs of CPU
everything included (section 4: websockets, asyncio, cold caches), so the hot path here is
≈ 10 % of it, and 500 instances use the share in (4), well inside the CPU target. A target on
CPU per frame in the running process would track what users feel better than the ratio.

**Latency (3), one burst** (reported, not a target). A synthetic worst case: see section 3.
The lever is the process's CPU per frame (websockets + asyncio + driver). The per-frame
`asyncio.timeout` in `FeedConnection.recv` is ≈ 4 µs of it (a Timeout, a TimerHandle pushed on
the loop's heap and cancelled, every frame); one watchdog timer per connection that checks the
time of the last frame when it fires would cost nothing per frame.

**Other findings.**
- Each `HttpTransport` that creates its own `httpx.AsyncClient` (no shared client injected) pays
  ≈ 20 ms of blocking CPU to build an SSL context and load the CA bundle, even for `http://`.
  For a feed reconnect over `wss://` without `ca_file`, websockets builds a fresh default SSL
  context per connection (another ≈ 20 ms of blocking CPU each time) — and today that path does
  not even get that far (see the report to the lead: `ssl=None` for a `wss://` URL raises
  `ValueError`). One cached default context per process (and per `ca_file`) fixes both.
"""
