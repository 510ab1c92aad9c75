/* Klimaby hub dashboard: draws the charts from the figures the page carries (with the
   vendored Chart.js) and keeps a city page live through Server-Sent Events. Without this
   script every figure is still in the page's tables. */
(() => {
  "use strict";
  const read = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };
  const words = read("words") || { labels: {}, sectors: {}, months: [], statuses: {} };
  const locale = document.documentElement.lang === "nb" ? "nb-NO" : "en-GB";
  const formats = {};
  const number = (value, places) => {
    formats[places] = formats[places] || new Intl.NumberFormat(locale, {
      minimumFractionDigits: places, maximumFractionDigits: places });
    return formats[places].format(value);
  };
  const tonnes = (text) => {
    if (text === null || text === undefined) return "–";
    const value = Number(text);
    return number(value, Math.abs(value) < 1000 ? 3 : 1);
  };
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  const ink = dark ? "#e9efec" : "#1b1f1d";
  const grid = dark ? "#3a4842" : "#c9d2cd";
  const palette = ["#0b6e4f", "#1f5fa8", "#a05a00", "#7b3fa0", "#5f6b00"];
  const ceilingColour = dark ? "#ff8a9a" : "#a3142a";
  const charts = {};

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    config.options = Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { labels: { color: ink } } },
    }, config.options || {});
    const axes = config.options.scales || {};
    for (const axis of Object.values(axes)) {
      axis.ticks = Object.assign({ color: ink }, axis.ticks || {});
      axis.grid = Object.assign({ color: grid }, axis.grid || {});
    }
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update("none");
    } else {
      charts[id] = new window.Chart(canvas, config);
    }
    canvas.dataset.chartReady = String(config.data.datasets.length);
  }

  function currentYear(zone) {
    try {
      return Number(new Intl.DateTimeFormat("en-GB", { year: "numeric", timeZone: zone })
        .format(new Date()));
    } catch (_) {
      return new Date().getFullYear();
    }
  }

  function currentMonth(zone) {
    try {
      return Number(new Intl.DateTimeFormat("en-GB", { month: "numeric", timeZone: zone })
        .format(new Date()));
    } catch (_) {
      return 12;
    }
  }

  function drawCity(c) {
    const sectors = ["I", "II", "III", "IV", "V"];
    const path = new Map(c.trajectory.map((p) => [p.year, Number(p.tco2e)]));
    const years = [...new Set([...c.inventories.map((i) => i.year), ...path.keys()])]
      .sort((a, b) => a - b);
    const byYear = new Map(c.inventories.map((i) => [i.year, i]));
    const yearSets = sectors.map((s, n) => ({
      type: "bar", label: words.sectors[s] || s, stack: "inventory",
      backgroundColor: palette[n % palette.length],
      data: years.map((y) => (byYear.has(y) && byYear.get(y).sectors[s] !== undefined
        ? Number(byYear.get(y).sectors[s]) : null)),
    })).filter((set) => set.data.some((v) => v !== null));
    if (path.size) {
      yearSets.push({ type: "line", label: words.labels.trajectory, borderColor: ceilingColour,
        backgroundColor: ceilingColour, borderDash: [6, 4], pointRadius: 3,
        data: years.map((y) => (path.has(y) ? path.get(y) : null)), spanGaps: true });
    }
    draw("chart-years", { data: { labels: years.map(String), datasets: yearSets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });

    const upTo = currentMonth(c.time_zone);
    const months = c.live.months;
    const monthSets = [{ type: "line", label: words.labels.cumulative, borderColor: palette[0],
      backgroundColor: palette[0], fill: false,
      data: months.map((m) => (m.month <= upTo ? Number(m.cumulative_tco2e) : null)) }];
    if (months.some((m) => m.ceiling_cumulative_tco2e !== null)) {
      monthSets.push({ type: "line", label: words.labels.ceiling_cumulative,
        borderColor: ceilingColour, backgroundColor: ceilingColour, borderDash: [6, 4],
        pointRadius: 0, data: months.map((m) => Number(m.ceiling_cumulative_tco2e)) });
    }
    // The budget's estimate of the paced sectors so far (what the pace compares), at this month.
    const paced = c.live.sectors.filter((s) => s.estimate_tco2e !== null);
    if (paced.length && c.live.year === currentYear(c.time_zone)) {
      const estimate = paced.reduce((sum, s) => sum + Number(s.estimate_tco2e), 0);
      monthSets.push({ type: "line", label: words.labels.estimate, showLine: false,
        borderColor: palette[2], backgroundColor: palette[2], pointRadius: 7,
        pointStyle: "rectRot", data: months.map((m) => (m.month === upTo ? estimate : null)) });
    }
    draw("chart-months", { data: { labels: words.months, datasets: monthSets },
      options: { scales: { x: {}, y: { beginAtZero: true } } } });

    const statuses = Object.keys(c.actions.by_status);
    draw("chart-actions", { type: "bar", data: { labels: statuses.map((s) => words.statuses[s] || s),
      datasets: [{ label: words.labels.count, backgroundColor: palette[1],
        data: statuses.map((s) => c.actions.by_status[s]) }] },
      options: { scales: { x: {}, y: { beginAtZero: true, ticks: { precision: 0 } } } } });
  }

  function show(id, text) {
    const el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function updateCity(c) {
    const live = document.getElementById("live-tco2e");
    if (live) live.value = c.live.live_tco2e;
    show("live-tco2e", tonnes(c.live.live_tco2e));
    show("live-readings", number(c.live.readings, 0));
    if (c.live.per_capita_tco2e !== null) {
      const v = Number(c.live.per_capita_tco2e);
      // Two significant digits at least: a small figure must not read as zero.
      const places = v === 0 ? 4 : Math.min(12, Math.max(4, 1 - Math.floor(Math.log10(Math.abs(v)))));
      show("live-per-capita", number(v, places));
    }
    show("live-ceiling", tonnes(c.live.ceiling_tco2e));
    for (const s of c.live.sectors) {
      const cell = document.querySelector(`tr[data-sector="${s.sector}"] td[data-field="live"]`);
      if (cell) cell.textContent = tonnes(s.live_tco2e);
    }
    for (const m of c.live.months) {
      const row = document.querySelector(`tr[data-month="${m.month}"]`);
      if (!row) continue;
      row.querySelector('[data-field="month"]').textContent = tonnes(m.tco2e);
      row.querySelector('[data-field="cumulative"]').textContent = tonnes(m.cumulative_tco2e);
    }
    show("partners", String(c.partners));
    show("mous-signed", String(c.mous_signed));
    show("mous-drafted", String(c.mous_drafted));
    const total = document.getElementById("total-co2e");
    if (total && total.dataset.co2eMg !== String(c.co2e_mg)) {
      total.dataset.co2eMg = String(c.co2e_mg);
      total.value = String(c.co2e_mg);
      total.textContent = tonnes(c.co2e_mg / 1e9);
    }
    drawCity(c);
  }

  // Each SSE message is named by its event type: listen to every type the hub knows, and
  // fetch the figures once for a burst of events (a batch arrives together).
  function listen(root, update) {
    let pending = null;
    const refresh = async () => {
      pending = null;
      try {
        const response = await fetch(root.dataset.api, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        update(await response.json());
        root.dataset.updates = String(Number(root.dataset.updates || "0") + 1);
        show("live-status", words.live_status);
      } catch (_) {
        show("live-status", words.offline);
      }
    };
    const soon = () => { if (!pending) pending = setTimeout(refresh, 250); };
    const source = new EventSource(root.dataset.stream);
    source.addEventListener("open", () => { root.dataset.streamOpen = "true"; soon(); });
    source.addEventListener("error", () => show("live-status", words.offline));
    for (const type of words.event_types || []) source.addEventListener(type, soon);
    window.addEventListener("pagehide", () => source.close());
  }

  function updateNational(view) {
    const rows = [];
    for (const c of view.cities) {
      const row = document.querySelector(`tr[data-city="${c.city}"]`);
      if (row) {
        row.querySelector('[data-field="live"]').textContent = tonnes(c.live_tco2e);
        row.querySelector('[data-field="off-track"]').textContent = String(c.sectors_off_track);
        row.querySelector('[data-field="no-data"]').textContent = String(c.sectors_no_data);
        row.querySelector('[data-field="on-course"]').textContent = String(c.actions_on_course);
        row.querySelector('[data-field="behind"]').textContent = String(c.actions_behind);
      }
      if (c.per_capita_tco2e !== null) rows.push({ label: c.name || c.city, value: c.per_capita_tco2e });
    }
    if (rows.length) drawNational(rows);
  }

  function drawNational(rows) {
    draw("chart-per-capita", { type: "bar", data: { labels: rows.map((r) => r.label),
      datasets: [{ label: words.labels.per_capita, backgroundColor: palette[0],
        data: rows.map((r) => Number(r.value)) }] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true }, y: {} } } });
  }

  const start = () => {
    const city = document.getElementById("city");
    const progress = read("progress-data");
    if (city && progress) {
      drawCity(progress);
      if (window.EventSource) listen(city, updateCity);
    }
    const chart = read("chart-data");
    if (chart) drawNational(chart);
    const national = document.getElementById("national");
    if (national && window.EventSource) listen(national, updateNational);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
