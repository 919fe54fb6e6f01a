"""The written analysis of docs/performance.md: the headline, the profile, what was fixed."""

from __future__ import annotations

from typing import Any

ANALYSIS = """## Analysis

**The headline (1): met at 20 and at 60 devices on.** The target is the driver's CPU per frame
above the bare websockets receive at most 1/5 of sense-energy's. At 20 devices on, {full20}; at
60 devices on every session of every run has met it (sense-energy's generic unpack grows with the
frame's bytes, the driver's cost mostly with its writes). Until this round the 20-device ratio
straddled the target: three full runs on 2026-11-30 (load average 0.3–1.2) gave medians of
4.12×, 5.66× and 4.44× (sessions 2.9× to 9.6×), the driver costing ≈ 30–45 µs per frame above
the bare receive against sense-energy's 135–200 µs. Every client's figure moves with where its
process lands and what the machine does beside it (the bare receive alone: 57–95 µs per frame
between runs), sense-energy's most of all, hence sessions of fresh processes and their median.

*What changed* (2026-11-30, third session): the feed no longer reads through websockets'
asyncio client, which wakes a reader task for every message (a future resolved, a callback
scheduled, a task step, websockets' message queue): ≈ 15 µs of a frame that arrives cold. The
driver's transport (`transport/feedconn.py`) is an asyncio protocol over websockets' Sans-I/O
`ClientProtocol`: the read callback parses the frame and hands it straight to the frame reader,
which decodes it and runs the write step right there, as the feed's task (`eager.py`); only a
host write that really waits costs a task step. Paired with the previous code in the same runs
(bare, old driver, new driver; 10 bursts of 800 frames, twice): 46.5 and 45.8 → 30.7 and
34.2 µs per frame above the bare receive.

*Read the judged row with the processing-alone row.* Part of that gain is the receive itself:
the driver's transport with a handler that only counts (the *driver's transport* column) costs
about as much as the bare websockets client or less, so the judged figure, taken against
websockets' own asyncio receive, credits the driver with what its receive saves. Measured above
its own transport instead, i.e. its decode, diff and writes alone, the driver costs {own20}.
Both are CPU a user's machine spends per frame; the judged one is the issue's definition, and
the other is shown beside it so that nobody mistakes the one for the other.

*Where the time goes* (measured before this round's transport, over loopback, 20 devices on,
real-shaped; variants of the driver beside the bare receive in the same runs): msgspec's typed
decode alone 13–18 µs; the feed loop around it (frame counting, the realtime fast path, one
coroutine into the write step) ≈ 5 µs; the write step 14–18 µs, of which the host's own storing is
within the noise (a host that stores nothing saves nothing measurable). Warm, in process (the stage
table above), the same steps take 7.1, —, and 4–5 µs: the write step is ≈ 1,000 Python bytecodes per
frame (the zone diff ≈ 740: ≈ 11 per device in the frame to find the bound ones, ≈ 45 per zone whose
device is on; the device diff ≈ 260; the host's batch ≈ 120) that run after other processes had the
CPU, so over loopback they run 3–4× slower than warm. Counted by cachegrind, the decode is ≈ 120 k
instructions per frame, 55 k of them msgspec skipping the device tags the driver does not read,
which no schema avoids.

*Tried this round, measured, not kept*: finding the bound zones in C (`itertools.compress` over
`map(dict.__contains__, map(attrgetter("id"), devices))`): paired 36.7 and 41.2 µs against 35.5
and 36.0, worse; the frame's watts as a dict built in C (`dict(zip(map(...), map(...)))`) with
fewer bytecodes: ≈ 12 % more cachegrind-modelled cycles per frame; a silence watchdog counting
frames instead of stamping each one in a coroutine around `recv()`: 36.6 / 33.0 / 40.4 against
34.7 / 34.7 / 40.3 µs, no change; `samples.py` and `writer.py` compiled with mypyc: 17 % faster
warm (the diff 4.40 → 3.64 µs) but 3–5 µs *slower* per frame over loopback (paired, three runs:
40.9 / 39.7 / 41.7 against 36.5 / 36.5 / 38.4 µs) — the compiled code is larger, and cold it is
the code's size that costs. For processing alone to reach 5× at 20 devices on would take a few
µs more per frame off the decode and write step; no restructuring in Python found so far does
it, and compiled code is no shortcut: it would have to be smaller than the bytecode it replaces.
*Lean* frames (the simulator's two tags per device, a third of the bytes; reported only) are the
adverse case: sense-energy's cost falls with the bytes while the driver's writes stay. They are
also the noisiest rows: the driver's margin over the bare receive is smallest there.

**Latency (3), own phase, p99 < 2 ms** is met in this run; on this shared machine it has also
been missed while other sessions ran their suites, the tail then being the machine's (the bare
websockets clients of the same run show it too), while the driver's own step (recv → write) stays
at p99 ≈ 0.1–0.2 ms. The simulator now sends whole-second epochs, as the real cloud does, so at 2
and 10 frames a second several frames share one epoch: each write is joined to the last send of
its monitor and epoch before it (joined by epoch alone, the single-feed row read p50 −450 ms).

**In-process throughput (1b)** is kept as a report: one frame set cycled in a warm loop, in
the same process. The *identical* set (issue 7's targets) measures a frame that changes
nothing, which a real feed never sends.

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


def _headline_20(feed: list[dict[str, Any]] | None) -> str:
    """This run's sessions at 20 devices on, real-shaped, in one clause."""
    row = next((r for r in feed or [] if r["devices"] == 20 and not r["lean"]), None)
    if row is None or not row.get("sessions"):
        return "not measured in this run"
    ratios = [s["ratio"] for s in row["sessions"]]
    finite = [r for r in ratios if r is not None]
    spread = f"{min(finite):.1f}× to {max(finite):.1f}×" if finite else "all ∞"
    if len(finite) < len(ratios):
        spread += f", {len(ratios) - len(finite)} ∞"
    median = "∞" if row["ratio"] is None else f"{row['ratio']:.2f}×"
    return (
        f"in this run the median of {len(ratios)} sessions is {median} "
        f"({row['sense_energy_above_us']:.1f} vs {row['driver_above_us']:.1f} µs above the bare "
        f"receive; sessions {spread})"
    )


def _own_20(feed: list[dict[str, Any]] | None) -> str:
    """The driver above its own transport at 20 devices on, in one clause."""
    row = next((r for r in feed or [] if r["devices"] == 20 and not r["lean"]), None)
    if row is None or "own_ratio" not in row:
        return "an amount not measured in this run"
    ratio = row["own_ratio"]
    share = (
        "the driver costing no more than its transport"
        if ratio is None
        else (f"{ratio:.2f}× the driver's")
    )
    return (
        f"{row['driver_own_us']:.1f} µs per frame at 20 devices on in this run, against "
        f"sense-energy's {row['sense_energy_above_us']:.1f} µs above its receive ({share}): "
        + ("at or above" if ratio is None or ratio >= 5 else "below")
        + " the 5× the headline asks"
    )


def analysis(feed: list[dict[str, Any]] | None) -> str:
    """The analysis, with this run's figures where it quotes them."""
    return ANALYSIS.replace("{full20}", _headline_20(feed)).replace("{own20}", _own_20(feed))
