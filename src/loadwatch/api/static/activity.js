// loadwatch: one activity's page (/#activity=ID) — its pace, elevation and heart rate along
// the distance with its fast and uphill stretches shaded, the flags of its day it fed, and its
// numbers with their source.  Loaded before app.js, whose helpers ($, el, svg, fmt, fmtDate,
// yAxis, api, …) it calls only once the page runs; app.js routes #activity= here.
"use strict";

function clock(s) {
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}
// No pace for no speed: a zero speed's 1000 / 0 once read "Infinity:NaN:NaN /km".
function paceText(s) { return typeof s === "number" && Number.isFinite(s) && s > 0 ? `${clock(s)} /km` : "–"; }
const SOURCE_WORD = { device: "device", computed: "computed from the samples", log: "training log", relabel: "your label" };

function numberText(n) {
  switch (n.unit) {
    case "km": return `${fmt(n.value, 2)} km`;
    case "s": return clock(n.value);
    case "s/km": return paceText(n.value);
    case "m/s": return `${fmt(n.value, 2)} m/s (${paceText(1000 / n.value)})`;
    case "m": return `${fmt(n.value, 0)} m`;
    default: return `${fmt(n.value, 0)} ${n.unit}`;
  }
}

const ACT_CHARTS = [
  { key: "pace_s_per_km", title: "Pace", axis: "min/km (faster up)", invert: true, minStep: 5, steps: [5, 10, 15, 20, 30, 60, 120, 300], tick: (v) => clock(v), cls: "pace" },
  { key: "elevation_m", title: "Elevation", axis: "metres", minStep: 1, tick: (v) => fmt(v, 0), cls: "elevation" },
  { key: "heart_rate", title: "Heart rate", axis: "beats per minute", minStep: 1, tick: (v) => fmt(v, 0), cls: "heart" },
];

// The 2nd and 98th percentiles: a few seconds of standing still or a GPS spike must not
// squash the rest of the run into a line.
function spread(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const at = (q) => v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
  return [at(0.02), at(0.98)];
}

function stretchTitle(st) {
  const what = st.kind === "fast" ? DIM_HEADING.speed : `${DIM_HEADING.uphill} (≥ +3 %)`;
  const dips = fmt(st.counted_m / 1000, 2) !== fmt(st.distance_m / 1000, 2)
    ? ` (${fmt(st.counted_m / 1000, 2)} km of it ${st.kind}, with the dips it spans)` : "";
  return `${what}: ${fmt(st.distance_m / 1000, 2)} km from km ${fmt(st.start_m / 1000, 2)}, ${clock(st.duration_s)}`
    + (st.pace_s_per_km ? ` at ${paceText(st.pace_s_per_km)}` : "") + dips;
}

function lineChart(c, d) {
  const box = $("act-charts");
  const W = Math.max(300, Math.round(box.clientWidth || 760)), H = W < 500 ? 170 : 190;
  const pad = { l: 56, r: 10, t: 10, b: 36 };
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const xs = d.series.distance_km, ys = d.series[c.key];
  const range = spread(ys);
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
    "aria-label": `${c.title} along the run, ${xs.length} points`, "data-series": c.key });
  const xmax = Math.max(xs.length ? xs[xs.length - 1] : 0, 0);
  // The x axis ends where the run does; its ticks are round kilometres inside it.
  const xa = { ...yAxis(0, xmax, 0.1, Math.max(2, Math.floor(iw / 60))), hi: xmax > 0 ? xmax : 1 };
  const x = (km) => pad.l + (Math.min(km, xa.hi) / xa.hi) * iw;
  const ya = range ? yAxis(range[0], range[1], c.minStep, 4, c.steps) : yAxis(0, 0, 1);
  const frac = (v) => (Math.min(Math.max(v, ya.lo), ya.hi) - ya.lo) / (ya.hi - ya.lo);
  const y = (v) => (c.invert ? pad.t + frac(v) * ih : pad.t + ih - frac(v) * ih);
  // Stretches first, under the line.
  for (const st of d.stretches) {
    const r = svg("rect", { x: x(st.start_m / 1000), width: Math.max(1, x(st.end_m / 1000) - x(st.start_m / 1000)),
      y: pad.t, height: ih, class: `stretch ${st.kind}`, "data-kind": st.kind });
    r.append(svg("title", {}, stretchTitle(st)));
    s.append(r);
  }
  for (const v of tickValues(ya)) {
    s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: "grid" }));
    s.append(svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, c.tick(v)));
  }
  for (const v of tickValues(xa)) {
    s.append(svg("line", { x1: x(v), x2: x(v), y1: pad.t + ih, y2: pad.t + ih + 4, class: "axis" }));
    s.append(svg("text", { x: x(v), y: pad.t + ih + 16, "text-anchor": "middle" }, fmt(v, tickDigits(xa.step))));
  }
  s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: pad.t + ih, y2: pad.t + ih, class: "axis" }));
  s.append(svg("text", { x: pad.l + iw / 2, y: H - 3, "text-anchor": "middle", class: "axis-title" }, "distance (km)"));
  s.append(svg("text", { x: 12, y: pad.t + ih / 2, transform: `rotate(-90 12 ${pad.t + ih / 2})`, "text-anchor": "middle", class: "axis-title" }, c.axis));
  let path = "", pen = false;
  ys.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) { pen = false; return; }
    path += `${pen ? "L" : "M"}${x(xs[i]).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  if (path) s.append(svg("path", { d: path, class: `line ${c.cls}` }));
  const note = range ? null : el("p", { class: "muted none-recorded" }, `No ${c.title.toLowerCase()} recorded.`);
  return el("figure", { class: "chart act-chart" }, el("h3", {}, c.title), s, note);
}

function drawActivityCharts(d) {
  if (d.series.reason) {
    $("act-charts").replaceChildren(el("p", { class: "muted" }, `No charts: ${d.series.reason}.`));
    return;
  }
  const legend = el("ul", { class: "legend" },
    legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "stretch fast" }), `fast (quicker than ${paceText(d.fast_threshold.pace_s_per_km)}, held)`),
    legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "stretch uphill" }), "uphill (grade ≥ +3 %)"));
  $("act-charts").replaceChildren(legend, ...ACT_CHARTS.map((c) => lineChart(c, d)));
}

// The activity's own fast and uphill km (its Numbers), and how much of them the shaded
// stretches hold: a stretch spans dips of a few seconds and bits under 100 m are not shaded,
// so the stretches' length end to end is not the figure and is not summed here.
function stretchSummary(d) {
  if (d.stretches_note) return d.stretches_note + ".";
  const figure = (field) => (d.numbers.find((n) => n.field === field) || { value: 0 }).value;
  let unshaded = false;
  const part = (kind, word, field) => {
    const list = d.stretches.filter((st) => st.kind === kind);
    const km = figure(field), shaded = list.reduce((a, st) => a + st.counted_m, 0) / 1000;
    if (!(km > 0) && !list.length) return `no ${word} running`;
    const n = `${list.length} shaded stretch${list.length === 1 ? "" : "es"}`;
    const all = fmt(shaded, 2) === fmt(km, 2);
    unshaded = unshaded || !all;
    const held = !list.length ? "none of it in a stretch of 100 m or more"
      : all ? `all of it in ${n}` : `${fmt(shaded, 2)} km of it in ${n}`;
    return `${word} ${fmt(km, 2)} km, ${held}`;
  };
  const text = `${part("fast", "fast", "fast_distance_m")} · ${part("uphill", "uphill", "uphill_distance_m")}.`
    + (unshaded ? " Bits shorter than 100 m are not shaded." : "")
    + (d.stretches.length ? " Hover over a shaded band for its numbers." : "");
  return text[0].toUpperCase() + text.slice(1);
}

async function showActivity(id) {
  if (!state.board) await loadBoard();
  const d = await api(`/activities/${id}/detail`);
  state.activity = d;
  show("activity");
  const title = d.name || `${d.sport.replace(/_/g, " ")[0].toUpperCase()}${d.sport.replace(/_/g, " ").slice(1)}`;
  $("act-name").textContent = `${title}, ${fmtDate(d.local_date, true)}`;
  $("act-back").href = `#athlete=${d.athlete_id}`;
  $("act-back").textContent = `← ${d.athlete}`;
  $("act-facts").textContent = [d.athlete, d.sport.replace(/_/g, " "), `${fmtDate(d.local_date, true)} ${d.local_start}`,
    d.source === "file" ? `${d.format.toUpperCase()} file` : "training log"].join(" · ");
  $("act-numbers").tBodies[0].replaceChildren(...d.numbers.map((n) => el("tr", { "data-field": n.field },
    el("th", { scope: "row" }, n.label), el("td", { class: "num" }, numberText(n)),
    el("td", {}, el("span", { class: `src ${n.source}` }, SOURCE_WORD[n.source] || n.source)))));
  $("act-threshold").textContent = `Fast on ${fmtDate(d.local_date)}: ${d.fast_threshold.explanation}.`;
  const flags = d.flags.map((f) => el("li", { class: `${f.severity} ${f.status}`, "data-flag": f.id },
    el("div", {}, el("div", {}, f.message),
      el("div", { class: "meta" }, [SEV[f.severity].label, fmtDate(f.date, true), DIM_WORD[f.dimension] || f.dimension,
        f.rule.replace(/_/g, " "), f.status].join(" · ")))));
  if (!flags.length) flags.push(el("li", { class: "none" }, "No flag on its day includes this run."));
  $("act-flags").replaceChildren(...flags);
  $("act-stretches").textContent = stretchSummary(d);
  drawActivityCharts(d);
  $("main").focus();
}

