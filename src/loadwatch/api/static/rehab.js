// loadwatch: rehab on the athlete page (docs/rehab.md, "On the athlete page") — the plan's caps
// as the load charts' limits while it is in force, the pain chart under the load charts on
// the same weeks, the caps in force, the tolerated load and the plan's timeline.  Everything
// here is read from the status's rehab block, computed at evaluation.  Loaded before app.js,
// whose helpers ($, el, svg, fmt, fmtDate, amount, addDays, …) it calls once the page runs.
"use strict";

const TOLERANCE_WORD = { distance: "distance", speed: "fast km", hills: "climbing", uphill: "uphill km" };
const STEP_WORD = { start: "plan opened", raised: "raised", held: "held", stepped_back: "stepped back" };
const PAIN_SERIES = [
  { key: "pain_during", label: "during the run", cls: "during", shift: 0 },
  { key: "pain_after", label: "after the run", cls: "after", shift: 0 },
  // Felt the morning after the entry's day: drawn on that morning.
  { key: "pain_next_morning", label: "next morning (drawn on that morning)", cls: "morning", shift: 1 },
];

function rehabOf() { return state.athlete && state.athlete.status ? state.athlete.status.rehab : null; }

// The plan's caps of each calendar week a plan was in force (week_start → caps).
function planWeeks() {
  const r = rehabOf();
  return new Map((r ? r.chart_caps : []).map((c) => [c.week_start, c]));
}

// A chart's limit in a plan week: { cap, label } (cap null: the plan caps nothing here); null
// outside the plan, where the usual week and its bands apply.
function planLimit(dim, caps) {
  if (!caps) return null;
  switch (dim) {
    case "distance": return { cap: caps.weekly_km, label: `plan: ${amount(caps.weekly_km, "km")} a week, longest run ${amount(caps.longest_run_km, "km")}` };
    case "speed": {
      if (caps.weekly_fast_km === null) return { cap: null, label: caps.pace_floor ? `plan: ${caps.pace_floor}/km or slower, no fast-km cap` : "plan: no fast-km cap" };
      if (caps.weekly_fast_km === 0) return { cap: 0, label: `plan: no fast running${caps.pace_floor ? ` (${caps.pace_floor}/km or slower)` : ""}` };
      return { cap: caps.weekly_fast_km, label: `plan: ${amount(caps.weekly_fast_km, "km")} fast a week` };
    }
    case "hills": {
      if (caps.weekly_climb_m === null) return { cap: null, label: "plan: no climbing cap" };
      if (caps.weekly_climb_m === 0) return { cap: caps.climb_allowance_m, label: `plan: flat (up to 10 m per km: ${amount(caps.climb_allowance_m, "m")} a week)` };
      return { cap: caps.weekly_climb_m, label: `plan: ${amount(caps.weekly_climb_m, "m")} climbing a week` };
    }
    case "uphill":
      return { cap: caps.weekly_climb_m === 0 ? 0 : null, label: caps.weekly_climb_m === 0 ? "plan: flat, no uphill running" : "plan: climbing capped on the climbing chart" };
    default: return null;
  }
}

// The cap as a step line over the plan weeks (one segment per week, joined where adjacent).
function drawPlanCaps(s, limits, x, y, bw) {
  let d = "";
  limits.forEach((l, i) => {
    if (!l || l.cap === null) return;
    const prev = i > 0 ? limits[i - 1] : null;
    d += `${prev && prev.cap !== null ? "L" : "M"}${x(i)},${y(l.cap)}H${x(i) + bw}`;
  });
  if (d) s.append(svg("path", { d, class: "plan-cap" }));
}

function planLegend(limits) {
  const now = [...limits].reverse().find((l) => l);
  if (!now) return [];
  const icon = (cls) => svg("path", { d: "M1,6H21", class: cls });
  return [legendItem(icon("plan-cap"), `${now.label}; while the plan is in force its caps replace the usual week`)];
}

// --- the pain chart: during, after and next morning, 0–10, on the load charts' weeks ---------
function painChart(weeks) {
  const r = rehabOf();
  if (!r || !weeks.length) return null;
  const first = weeks[0].week_start, end = addDays(weeks[weeks.length - 1].week_start, 7);
  const points = r.pain_log.filter((p) => p.date >= addDays(first, -1) && p.date < end);
  const W = Math.max(320, Math.round($("charts").clientWidth || 760)), H = W < 500 ? 180 : 200;
  const pad = { l: 56, r: 10, t: 14, b: 44 };  // the load charts' left and right: same x
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const bw = iw / weeks.length;
  const days = (iso) => (parseDay(iso).getTime() - parseDay(first).getTime()) / DAY_MS;
  const x = (iso) => pad.l + ((days(iso) + 0.5) / 7) * bw;
  const y = (v) => pad.t + ih - (v / 10) * ih;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "data-chart": "pain",
    "aria-label": `Pain 0 to 10: ${points.length} entries in these weeks, latest ${points.length ? `${points[points.length - 1].worst}/10 on ${fmtDate(points[points.length - 1].date)}` : "none"}` });
  // The plan's weeks, shaded, so pain reads against the plan it was run under.
  const plan = planWeeks();
  weeks.forEach((w, i) => { if (plan.has(w.week_start)) s.append(svg("rect", { x: pad.l + i * bw, y: pad.t, width: bw, height: ih, class: "plan-shade" })); });
  for (const v of [0, 2, 4, 6, 8, 10]) {
    s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    s.append(svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, String(v)));
  }
  const limit = r.pain_threshold;
  s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(limit), y2: y(limit), class: "pain-limit" }));
  s.append(svg("text", { x: pad.l + 4, y: y(limit) - 5, "text-anchor": "start", class: "pain-limit-label" }, `${limit}/10`));
  s.append(svg("text", { x: 12, y: pad.t + ih / 2, transform: `rotate(-90 12 ${pad.t + ih / 2})`, "text-anchor": "middle", class: "axis-title" }, "pain (0–10)"));
  s.append(svg("text", { x: pad.l + iw / 2, y: H - 4, "text-anchor": "middle", class: "axis-title" }, "week starting (Monday)"));
  const every = Math.max(1, Math.ceil(weeks.length / Math.max(1, Math.floor(iw / 95))));
  weeks.forEach((w, i) => {
    if (i % every) return;
    const cx = pad.l + i * bw + bw / 2;
    s.append(svg("line", { x1: cx, x2: cx, y1: pad.t + ih, y2: pad.t + ih + 4, class: "axis" }));
    s.append(svg("text", { x: cx, y: pad.t + ih + 17, "text-anchor": "middle" }, fmtDate(w.week_start)));
  });
  for (const series of PAIN_SERIES) {
    const pts = points.map((p) => ({ p, day: addDays(p.date, series.shift), v: p[series.key] }))
      .filter((q) => q.v !== null && q.day >= first && q.day < end);
    // Joined only between entries at most a week apart: a gap in the log is not a trend.
    const d = pts.map((q, i) => `${i && days(q.day) - days(pts[i - 1].day) <= 7 ? "L" : "M"}${x(q.day)},${y(q.v)}`).join("");
    if (pts.length > 1) s.append(svg("path", { d, class: `pain-line ${series.cls}` }));
    for (const q of pts) {
      const cx = x(q.day), cy = y(q.v);
      const mark = series.cls === "during" ? svg("circle", { cx, cy, r: 4 })
        : series.cls === "after" ? svg("rect", { x: cx - 3.5, y: cy - 3.5, width: 7, height: 7 })
          : svg("path", { d: `M${cx},${cy - 5}L${cx + 5},${cy + 4}L${cx - 5},${cy + 4}Z` });
      mark.setAttribute("class", `pain-point ${series.cls}${q.v >= limit ? " over" : ""}`);
      mark.setAttribute("data-date", q.day);
      mark.append(svg("title", {}, `${fmtDate(q.day, true)}: ${q.v}/10 ${series.label.replace(/ \(.*\)/, "")}` +
        (series.shift ? ` (the morning after ${fmtDate(q.p.date)})` : "") + (q.p.state ? ` — ${q.p.state}` : "")));
      s.append(mark);
    }
  }
  const legend = el("ul", { class: "legend" },
    ...PAIN_SERIES.map((p) => legendItem(p.cls === "during" ? svg("circle", { cx: 11, cy: 6, r: 4, class: `pain-point ${p.cls}` })
      : p.cls === "after" ? svg("rect", { x: 7.5, y: 2.5, width: 7, height: 7, class: `pain-point ${p.cls}` })
        : svg("path", { d: "M11,1L16,10L6,10Z", class: `pain-point ${p.cls}` }), p.label)),
    legendItem(svg("path", { d: "M1,6H21", class: "pain-limit" }), `${limit}/10: irritation (hold the load); 6/10 or more is a flare`),
    plan.size ? legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "plan-shade" }), "plan in force") : null);
  const note = points.length ? null : el("p", { class: "muted" }, "No pain entries in these weeks.");
  return el("figure", { class: "chart pain" }, el("h3", {}, "Pain (0–10)"), s, legend, note);
}

// --- the plan: caps in force, tolerated load, timeline ---------------------------------------
function capsWords(c) {
  const allowed = c.fast_km_allowed === undefined ? c.weekly_fast_km : c.fast_km_allowed;
  const fast = allowed === null ? "no cap" : allowed === 0 ? "none" : amount(allowed, "km");
  const climb = c.weekly_climb_m === null ? "no cap" : c.weekly_climb_m === 0 ? "flat" : amount(c.weekly_climb_m, "m");
  return { week: amount(c.weekly_km, "km"), longest: amount(c.longest_run_km, "km"), fast, climb, pace: c.pace_floor ? `${c.pace_floor}/km or slower` : "no floor" };
}

function renderRehab() {
  const r = rehabOf(), box = $("rehab");
  if (!r) { box.hidden = true; return; }
  box.hidden = false;
  const plan = r.plan;
  $("rehab-title").textContent = plan
    ? `${plan.active ? "Return-to-run plan" : "Last return-to-run plan"}: ${plan.condition}`
    : "Pain log";
  $("rehab-summary").textContent = r.summary || "";
  // The caps in force (what is left of them is in the headroom above: plan and rules).
  const tiles = [];
  if (r.caps) {
    const w = capsWords(r.caps);
    const tile = (dim, label, value) => el("div", { "data-cap": dim }, el("strong", {}, label), el("br"), value);
    tiles.push(
      tile("distance", "Weekly distance", w.week),
      tile("longest", "Longest run", w.longest),
      tile("speed", DIM_HEADING.speed, w.fast),
      tile("pace", "Pace", w.pace),
      tile("hills", DIM_HEADING.hills, w.climb === "flat" ? "flat (up to 10 m per km)" : w.climb),
    );
  }
  $("rehab-caps").replaceChildren(...tiles);
  $("rehab-caps").hidden = !tiles.length;
  const capsHead = r.caps ? `In force since ${fmtDate(r.caps.since)} (plan week ${r.caps.plan_week}): ${r.caps.reason}.` : "";
  $("rehab-since").textContent = capsHead;
  // Tolerated and provoking load per dimension (docs/rehab.md, "The response to load").
  const unitOf = { distance: "km", speed: "km", hills: "m", uphill: "km" };
  const cell = (v, u) => el("td", { class: "num" }, v === null ? "–" : amount(v, u));
  $("rehab-tolerance").tBodies[0].replaceChildren(...r.tolerance.map((t) => el("tr", { "data-dimension": t.dimension },
    el("th", { scope: "row" }, TOLERANCE_WORD[t.dimension] || t.dimension),
    cell(t.tolerated_run, unitOf[t.dimension] || t.unit), cell(t.tolerated_week, unitOf[t.dimension] || t.unit),
    cell(t.provoking_run, unitOf[t.dimension] || t.unit), cell(t.provoking_week, unitOf[t.dimension] || t.unit))));
  // The plan's way so far, newest first: each change, its caps and why.
  const items = [...r.timeline].reverse().map((c) => {
    const w = capsWords(c);
    return el("li", { class: `step ${c.step}`, "data-since": c.since },
      el("div", { class: "t-head" }, el("span", { class: `badge ${c.step}` }, STEP_WORD[c.step] || c.step),
        el("strong", {}, ` Plan week ${c.plan_week}`), ` · from ${fmtDate(c.since, true)}`),
      el("div", { class: "t-caps" }, `${w.week} a week · longest ${w.longest} · fast ${w.fast} · climbing ${w.climb} · ${w.pace}`),
      el("div", { class: "t-why muted" }, c.reason));
  });
  $("rehab-timeline").replaceChildren(...items);
  $("rehab-timeline-title").hidden = !items.length;
}
