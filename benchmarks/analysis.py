"""The written analysis of docs/performance.md: the missed target, the profile, what was fixed."""

ANALYSIS = """## Analysis

**Throughput (1): what was fixed, before → after.** The first run of this suite (commit
1340bae, same machine) measured the 20-device frame at 13.7 µs (2.23× sense-energy, 3.31× the
bare decode) and the 60-device frame at 22.5 µs (4.25×, 1.91×): three of four throughput
targets missed. The stage profile of that code showed ≈ 9–10 µs of Python per frame whatever
changed: a general msgpack header scan and a frozen-dataclass `FeedMessage`; a `Snapshot`
dataclass built per frame (seven `round()`s, ten fields set through `object.__setattr__`);
`device_writes` over nine pairs; `zone_writes` building a set of the host's addresses. The
changes (commit "Realtime hot path at the decode floor"):
- the common frame (one `realtime_update` triple) is recognised by its first 16 bytes and its
  epoch read with one `struct` call, then one typed decode of the rest; anything else still
  takes the general path;
- each half of the diff compares the raw values it depends on (a 7-tuple for the device
  attributes; the devices tuple, the bound addresses and the alias map for the zones) with the
  previous sample's and stops there when they are equal, so an unchanged sample costs one tuple
  comparison instead of rounding and diffing everything;
- the `get_realtime` snapshot is built when asked, not per frame; `FeedMessage` is a msgspec
  struct; the realtime structs are untracked by the garbage collector (`gc=False`: strings,
  floats and tuples of such structs cannot form cycles) and no longer decode the device name,
  which nothing reads.

After: 20 devices ≈ 5.5–6 µs (5.4× sense-energy), 60 devices ≈ 12.5–14 µs (7×, 1.3× the bare
decode). The bare decode itself got ≈ 15 % faster from the same model changes, which moves the
floor the ratio is measured against.

**The one miss: 20 devices, ≤ 1.5× the bare decode** (measured 1.6–1.7×; the budget above the
3.2–3.6 µs decode is ≈ 1.7 µs and the path spends ≈ 2.3 µs). From the stage table: recognising
the frame and building the message ≈ 0.6–0.8 µs over the bare decode (the frame checks, a
memoryview, the epoch, the struct); proving the zones unchanged ≈ 0.7 µs, almost all of it
comparing 20 freshly decoded device structs with the previous 20 field by field (msgspec's C
`__eq__`, ≈ 30 ns a device); proving the device attributes unchanged ≈ 0.2 µs; the `await`
chain from the feed loop to the diff ≈ 0.4 µs. Each is one C call or a handful of bytecodes;
what is left would need the diff itself in C (or comparing raw payload bytes, which only helps
a benchmark that repeats one frame: real frames carry a new epoch and frame counter each time).
At 60 devices the same fixed cost is spread over a 3× larger decode and the target is met.

**Drifting frames** (reported): when every frame changes power and most zones, the path is
≈ 14 µs (20 devices) and ≈ 22 µs (60): the rounding of nine attributes, a dict of the frame's
devices for the zone lookup, and ≈ 12 host writes per frame, each an `await` into the host.
sense-energy writes nothing at all on its side, so the ratio there is not like for like.

**Scale (4), startup.** During the warm-up every driver refreshes its device list on its
session's first data_change (a device-list change announced by that message would otherwise
wait for the next poll). With 500 drivers that is 500 requests within a few seconds through one
shared 100-connection httpx pool; with a 5 s warm-up that burst fell inside the measured window
and read as ≈ 20 % of a core against 12–17 % for the steady window over runs (the
simulator's own share moves with it, 23–30 %: this 2-CPU machine is shared). The warm-up now
covers the burst, and the table shows the startup CPU share separately.

**Latency (3), one burst** (reported, not a target). A synthetic worst case: see section 3.
The lever is the process's CPU per frame (websockets + asyncio + driver). Found here and fixed:
`FeedConnection.recv` armed and cancelled an `asyncio.timeout` around every frame (≈ 4 µs: a
Timeout and a TimerHandle pushed on the loop's heap, every frame); it now keeps one watchdog
timer per connection that re-arms itself from the last frame's time when it fires, and aborts
the socket only when the feed really was silent.

**Other findings, fixed.** Each `HttpTransport` that created its own `httpx.AsyncClient` paid
≈ 20 ms of blocking CPU to build an SSL context and load the CA bundle, and a `wss://` feed
without `ca_file` could not open at all (`ssl=None` is refused by websockets for `wss://`).
`transport/tls.py` now builds one verifying context per CA file for both.
"""
