/* The dashboard page: one EventSource for live values (no polling), uPlot for the charts. */
"use strict";

(() => {
  const WINDOW_S = 900;
  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const fmtW = (w) => (w === null || w === undefined ? "–" : Math.round(w).toLocaleString("en-US"));

  const model = {
    offset: 0, // server clock minus this browser's clock, in seconds
    device: {},
    zones: new Map(), // address -> {address, label, state, power, since}
    sampleAt: null,
    staleAfter: 10,
    pollingStaleAfter: 25, // samples come every realtime_poll_interval while polling REST
    series: { t: [], power: [], solar: [], grid: [] },
    timeline: null, // {since, zones: {address: [{from, to, state}]}}
  };
  const charts = { power: null, daily: null };
  window.dashboard = { charts, model }; // for the browser tests and curious users

  const serverNow = () => Date.now() / 1000 + model.offset;
  const syncClock = (now) => { if (typeof now === "number") model.offset = now - Date.now() / 1000; };

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    const h = Math.floor(s / 3600);
    return `${h} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function axes() {
    const stroke = css("--muted");
    const grid = { stroke: css("--line"), width: 1 };
    return [
      { stroke, grid, ticks: grid },
      { stroke, grid, ticks: grid, size: 56 },
    ];
  }

  function chartWidth(el) { return Math.max(240, el.clientWidth); }

  function makePowerChart() {
    const el = $("power-chart");
    const line = (label, color, dash) => ({ label, stroke: color, width: 2, dash, spanGaps: true, points: { show: false } });
    const opts = {
      width: chartWidth(el),
      height: window.innerWidth >= 900 ? 240 : 200,
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: () => [serverNow() - WINDOW_S, serverNow()] },
        y: { range: (u, min, max) => [Math.min(0, min ?? 0), Math.max(100, (max ?? 0) * 1.1)] },
      },
      axes: axes(),
      series: [{}, line("Power", css("--power")), line("Solar", css("--solar")), line("Grid", css("--grid"), [6, 4])],
    };
    charts.power = new uPlot(opts, chartData(), el);
  }

  function chartData() {
    const s = model.series;
    return [s.t, s.power, s.solar, s.grid];
  }

  function makeDailyChart() {
    const el = $("daily-chart");
    const opts = {
      width: chartWidth(el),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, (max ?? 0) * 1.15)] } },
      axes: axes(),
      series: [
        {},
        { label: "kWh", stroke: css("--power"), fill: css("--power") + "88", width: 1,
          paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } },
      ],
    };
    charts.daily = new uPlot(opts, [[], []], el);
  }

  // --- applying what the server sends ------------------------------------------------------

  function applyState(state) {
    syncClock(state.now);
    $("title").textContent = state.name ? `Sense energy · ${state.name}` : "Sense energy";
    model.device = state.device || {};
    model.zones = new Map((state.zones || []).map((z) => [z.address, z]));
    model.sampleAt = state.health ? state.health.sample_at : null;
    model.staleAfter = state.health ? state.health.stale_after_s : 10;
    model.pollingStaleAfter = state.health ? state.health.polling_stale_after_s : 25;
    const r = state.recent || {};
    model.series = { t: r.t || [], power: r.power || [], solar: r.solar_power || [], grid: r.grid_power || [] };
    renderReadings();
    renderZones();
    renderHealth();
    charts.power.setData(chartData());
    loadTimeline();
  }

  function applyFrame(frame) {
    syncClock(frame.now);
    if (frame.device) Object.assign(model.device, frame.device);
    if (frame.sample_at !== undefined) model.sampleAt = frame.sample_at;
    if (frame.zones) {
      for (const [address, values] of Object.entries(frame.zones)) {
        const zone = model.zones.get(address) || { address, label: address };
        if (values.state && values.state !== zone.state) extendTimeline(address, values.state, frame.now);
        Object.assign(zone, values);
        model.zones.set(address, zone);
      }
      renderZones();
      renderTimeline();
    }
    if (frame.point) {
      const s = model.series;
      const [t, power, solar, grid] = frame.point;
      s.t.push(t); s.power.push(power); s.solar.push(solar); s.grid.push(grid);
      const horizon = t - WINDOW_S;
      let cut = 0;
      while (cut < s.t.length && s.t[cut] < horizon) cut++;
      if (cut) for (const key of Object.keys(s)) s[key].splice(0, cut);
      charts.power.setData(chartData());
    }
    if (frame.device) renderReadings();
    renderHealth();
  }

  // --- rendering ----------------------------------------------------------------------------

  function renderReadings() {
    const d = model.device;
    const power = $("power");
    power.textContent = fmtW(d.power);
    power.dataset.value = d.power ?? "";
    const solar = d.solar_power;
    $("solar-reading").hidden = solar === undefined || solar === null;
    $("solar").textContent = fmtW(solar);
    const grid = d.grid_power;
    $("grid-reading").hidden = grid === undefined || grid === null;
    $("grid").textContent = fmtW(grid === undefined || grid === null ? grid : Math.abs(grid));
    $("grid-label").textContent = grid < 0 ? "To grid" : "From grid";
  }

  function zoneItem(zone) {
    const li = document.createElement("li");
    li.dataset.zone = zone.address;
    const name = document.createElement("span");
    name.className = "name";
    const label = document.createElement("span");
    const since = document.createElement("span");
    since.className = "since";
    name.append(label, since);
    const pill = document.createElement("span");
    pill.className = "pill";
    const watts = document.createElement("span");
    watts.className = "watts";
    li.append(name, pill, watts);
    return li;
  }

  function renderZones() {
    const list = $("zones");
    const seen = new Set();
    for (const zone of model.zones.values()) {
      seen.add(zone.address);
      let li = list.querySelector(`li[data-zone="${CSS.escape(zone.address)}"]`);
      if (!li) { li = zoneItem(zone); list.append(li); }
      const state = zone.state === "on" ? "on" : "off";
      li.dataset.state = state;
      li.querySelector(".name > span").textContent = zone.label || zone.address;
      li.querySelector(".pill").textContent = zone.state || "–";
      li.querySelector(".watts").textContent = `${fmtW(zone.power ?? 0)} W`;
      li.querySelector(".since").dataset.since = zone.since ?? "";
    }
    for (const li of [...list.children]) if (!seen.has(li.dataset.zone)) li.remove();
    $("no-zones").hidden = model.zones.size > 0;
    renderSince();
  }

  function renderSince() {
    const now = serverNow();
    for (const el of document.querySelectorAll("#zones .since")) {
      const since = parseFloat(el.dataset.since);
      const state = el.closest("li").dataset.state;
      el.textContent = Number.isFinite(since) ? `${state} for ${ago(now - since)}` : "";
    }
  }

  function renderHealth() {
    const status = model.device.feed_status || "starting";
    const feed = $("feed");
    feed.textContent = `feed ${status}`;
    feed.className = "pill " + (status === "connected" ? "good" : status === "polling" ? "warn" : "bad");
    const age = model.sampleAt === null || model.sampleAt === undefined ? null : serverNow() - model.sampleAt;
    $("age").textContent = age === null ? "no sample yet" : `last sample ${ago(age)} ago`;
    const bound = status === "polling" ? model.pollingStaleAfter : model.staleAfter;
    $("health").dataset.stale = String(age === null || age > bound);
    const error = model.device.last_error || "";
    $("error").hidden = !error;
    $("error").textContent = error ? `Last error: ${error}` : "";
  }

  // --- today's timeline -------------------------------------------------------------------

  async function loadTimeline() {
    try {
      const response = await fetch("/api/timeline", { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      syncClock(data.now);
      model.timeline = data;
      renderTimeline();
    } catch (err) {
      console.warn("timeline not loaded", err);
    }
  }

  function extendTimeline(address, state, now) {
    const t = model.timeline;
    if (!t) return;
    const spans = t.zones[address] || (t.zones[address] = []);
    if (spans.length) spans[spans.length - 1].to = now;
    spans.push({ from: now, to: now, state });
  }

  function renderTimeline() {
    const t = model.timeline;
    const box = $("timeline");
    if (!t) return;
    const now = serverNow();
    // From midnight, or from the first state stored today when the host started later.
    const start = Math.max(t.since, Math.min(t.first ?? t.since, now - 60));
    const width = Math.max(1, now - start);
    const rows = [];
    for (const zone of model.zones.values()) {
      const row = document.createElement("div");
      row.className = "row";
      row.dataset.zone = zone.address;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = zone.label || zone.address;
      const track = document.createElement("div");
      track.className = "track";
      const spans = t.zones[zone.address] || [];
      spans.forEach((span, i) => {
        const to = i === spans.length - 1 ? now : span.to;
        const bar = document.createElement("div");
        bar.className = `span ${span.state === "on" ? "on" : "off"}`;
        bar.style.left = `${(100 * (span.from - start)) / width}%`;
        bar.style.width = `${(100 * (to - span.from)) / width}%`;
        track.append(bar);
      });
      row.append(name, track);
      rows.push(row);
    }
    box.replaceChildren(...rows);
    const axis = $("timeline-axis");
    const ticks = document.createElement("div");
    ticks.className = "ticks";
    for (let i = 0; i <= 4; i++) {
      const tick = document.createElement("span");
      const at = new Date((start + (width * i) / 4) * 1000);
      const parts = width < 600 ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour: "2-digit", minute: "2-digit" };
      tick.textContent = at.toLocaleTimeString([], parts);
      ticks.append(tick);
    }
    axis.replaceChildren(document.createElement("span"), ticks);
  }

  // --- kWh per day --------------------------------------------------------------------------

  function renderDaily(data) {
    const days = data.days || [];
    const xs = days.map((d) => { const [y, m, day] = d.date.split("-").map(Number); return new Date(y, m - 1, day, 12).getTime() / 1000; });
    charts.daily.setData([xs, days.map((d) => d.kwh)]);
    const known = days.filter((d) => d.kwh !== null).length;
    let note = known < days.length ? `Fetching from Sense: ${known} of ${days.length} days.` : "";
    if (data.error) note = data.error;
    $("daily-note").textContent = note;
  }

  async function loadDaily() {
    try {
      const response = await fetch("/api/daily", { credentials: "same-origin" });
      if (response.ok) renderDaily(await response.json());
    } catch (err) {
      console.warn("daily kWh not loaded", err);
    }
  }

  // --- start --------------------------------------------------------------------------------

  function connect() {
    const events = new EventSource("/api/events");
    events.addEventListener("state", (e) => applyState(JSON.parse(e.data)));
    events.addEventListener("frame", (e) => applyFrame(JSON.parse(e.data)));
    events.addEventListener("daily", (e) => renderDaily(JSON.parse(e.data)));
    events.addEventListener("open", () => { $("link").hidden = true; });
    events.addEventListener("error", () => { $("link").hidden = false; });
  }

  function resize() {
    for (const [id, chart] of [["power-chart", charts.power], ["daily-chart", charts.daily]]) {
      if (chart) chart.setSize({ width: chartWidth($(id)), height: chart.height });
    }
    renderTimeline();
  }

  makePowerChart();
  makeDailyChart();
  connect();
  loadDaily();
  window.addEventListener("resize", resize);
  // A local clock for the ages shown ("3 s ago", "on for 2 min"): it asks the server nothing.
  setInterval(() => {
    renderHealth();
    renderSince();
    if (charts.power) charts.power.redraw(false, true);
  }, 1000);
  setInterval(renderTimeline, 15000);
})();
