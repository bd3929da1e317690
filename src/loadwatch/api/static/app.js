// loadwatch coach dashboard: plain JS and our own SVG, so it works offline and under a strict
// CSP (no inline script or style; styles set only through CSSOM, which CSP allows).
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "loadwatch.token";
// The words a person reads for the API's dimension keys: loadwatch/vocabulary.py's
// DIMENSION_LABEL, the same on every surface (tests/test_vocabulary.py holds them equal).
// None of a dimension in a run, in one phrase on every surface (loadwatch.vocabulary.NO_LOAD):
// zero climbing is "no climbing" (flat is a plan's word for up to 10 m per km).
const NO_LOAD = {
  distance: "rest",
  speed: "no fast running",
  hills: "no climbing",
  uphill: "no uphill running",
};
const DIM_WORD = {
  distance: "distance",
  speed: "fast km",
  hills: "climbing",
  uphill: "uphill km",
  pain: "pain",
  rest: "rest",
};
// The same words as headings (a chart's title, a tile): vocabulary.DIMENSION_HEADING.
const DIM_HEADING = {
  distance: "Distance",
  speed: "Fast km",
  hills: "Climbing",
  uphill: "Uphill km",
  pain: "Pain",
  rest: "Rest",
};
// A chart is titled with its dimension's word (never "fast running" beside "fast km").
const CHARTS = [
  { dim: "distance", column: "distance_km", title: `Weekly ${DIM_WORD.distance}`, unit: "km", axis: "km per week" },
  { dim: "speed", column: "fast_km", title: `Weekly ${DIM_WORD.speed}`, unit: "km", axis: "fast km per week" },
  { dim: "hills", column: "elevation_gain_m", title: `Weekly ${DIM_WORD.hills}`, unit: "m", axis: "metres climbed per week" },
  { dim: "uphill", column: "uphill_km", title: `Weekly ${DIM_WORD.uphill}`, unit: "km", axis: "uphill km per week", optional: true },
];
const SEV = { alert: { rank: 2, label: "▲ Alert" }, caution: { rank: 1, label: "◆ Caution" } };
const $ = (id) => document.getElementById(id);

const state = { board: null, athlete: null, weeks: [], flags: [], range: null, activity: null };

// --- token: sessionStorage only; a token handed over as /#token=… is moved there and wiped
// from the address bar (a fragment never reaches the server in a request line).  The rest of
// the fragment is the view it links to (/#token=…&athlete=3): that view opens after sign-in.
function takeToken() {
  const m = location.hash.match(/(?:^#|&)token=([^&]*)/);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    const rest = location.hash.slice(1).split("&").filter((p) => !p.startsWith("token=")).join("&");
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`, Accept: "application/json" };
  if (options.body) headers["Content-Type"] = "application/json";
  const r = await fetch(API + path, { ...options, headers });
  if (r.status === 401) { signOut("That token was not accepted."); throw new Error("unauthorized"); }
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(`${r.status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return r.json();
}

// Every item of a list: lists come in pages ({data, count, limit, offset}).
async function apiAll(path) {
  const sep = path.includes("?") ? "&" : "?";
  const data = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api(`${path}${sep}limit=500&offset=${offset}`);
    data.push(...page.data);
    if (!page.data.length || offset + page.data.length >= page.count) return data;
  }
}

// The triage pages with a cursor (its rows are stored in concern order): every page, one board.
async function triageAll() {
  let board = null, cursor = null, older = 0;
  const data = [];
  do {
    board = await api(`/dashboard?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    data.push(...board.data);
    older += board.older_activities || 0;  // counted per page: summed over the board
    cursor = board.next_cursor;
  } while (cursor);
  return { ...board, data, older_activities: older };
}

// --- DOM helpers ---------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function show(id) {
  for (const s of ["signin", "triage", "athlete", "activity"]) $(s).hidden = s !== id;
}

function fail(e) { $("error").textContent = e.message; }
function say(text) { $("status").textContent = text; }

// --- dates and numbers ---------------------------------------------------------------------
const DAY_MS = 86400e3;
function parseDay(iso) { return new Date(iso + "T00:00:00Z"); }
function isoDay(d) { return d.toISOString().slice(0, 10); }
function addDays(iso, n) { return isoDay(new Date(parseDay(iso).getTime() + n * DAY_MS)); }
function monday(iso) { const d = parseDay(iso); return addDays(iso, -((d.getUTCDay() + 6) % 7)); }
// Every date on the page is written one way, "24 Aug 2026" ("Sun, 24 Aug 2026" with its
// weekday), by this one formatter; the range fields read it back (and ISO 2026-08-24).
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function fmtDate(iso, weekday = false) {
  const d = parseDay(iso.slice(0, 10));
  const text = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return weekday ? `${WEEKDAYS[d.getUTCDay()]}, ${text}` : text;
}
function readDate(text) {
  const t = (text || "").trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(parseDay(t).getTime())) return t;
  const m = t.match(/^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})$/);
  if (!m) return null;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2].toLowerCase());
  if (month < 0) return null;
  const iso = `${m[3]}-${String(month + 1).padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  return isoDay(parseDay(iso)) === iso ? iso : null;
}
// One rounding rule on every face (loadwatch.rounding.fixed: the CLI, the server's
// sentences): the decimal the number prints as, a half rounded up, away from zero: 20.25 km
// is "20.3" and 2.675 at 2 places "2.68" (toFixed rounds the double, just under 2.675: "2.67").
function roundHalfUp(v, digits) {
  const shortest = String(Math.abs(v));  // the shortest decimal that reads back as v, as repr
  const dot = shortest.indexOf(".");
  if (shortest.includes("e") || dot < 0 || shortest.length - dot - 1 <= digits) return v;
  const kept = shortest.slice(0, dot + 1 + digits), up = shortest[dot + 1 + digits] >= "5";
  return Math.sign(v) * (Number(kept) + (up ? 10 ** -digits : 0));
}
function fmt(n, digits = 1) {
  // signDisplay "negative": a small negative that rounds to zero reads "0.0", not "-0.0".
  return n === null || n === undefined || Number.isNaN(n) ? "–" : roundHalfUp(Number(n), digits).toLocaleString("en-GB", {
    minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: "negative",
  });
}
function amount(v, unit) { return unit === "m" ? `${fmt(v, 0)} m` : `${fmt(v, 1)} km`; }
function daysAgo(n) { return n === null || n === undefined ? "never" : n === 0 ? "today" : n === 1 ? "yesterday" : `${n} days ago`; }
function duration(s) {
  // Whole minutes first, then hours: 1:59:30 is "2 h 00", never "1 h 60" (trial 12 F6).
  const total = Math.round(s / 60), h = Math.floor(total / 60), m = total % 60;
  return h ? `${h} h ${String(m).padStart(2, "0")}` : `${m} min`;
}
// A chart's heading: its unit once ("Weekly climbing (m)", "Weekly fast km", not "fast km (km)").
function chartHeading(c) { return c.title.endsWith(` ${c.unit}`) ? c.title : `${c.title} (${c.unit})`; }

// --- sign in / out -------------------------------------------------------------------------
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("who").textContent = "";
  $("signout").hidden = true;
  show("signin");
  $("signin-error").textContent = message || "";
}

// --- triage --------------------------------------------------------------------------------
function sevBadge(severity) {
  if (!severity) return el("span", { class: "sev quiet" }, "Quiet");
  return el("span", { class: `sev ${severity}` }, SEV[severity].label);
}

// Shown at its precision, a headroom that rounds to nothing is none: no run fits before a
// caution, so the card says "rest" instead of "up to 0.0 km".
function none(v, unit) { return unit === "m" ? v < 0.5 : v < 0.05; }

function headroomText(row) {
  const parts = [];
  let rest = false;
  for (const d of ["distance", "speed", "hills"]) {
    const v = row.headroom_run[d];
    if (v === null || v === undefined) continue;
    const unit = d === "speed" ? "km" : row.units[d];
    if (none(v, unit)) {
      // Any run adds distance: no room there is a rest day; no room for fast km or climbing
      // still leaves an easy, flat run.
      if (d === "distance") rest = true;
      parts.push(d === "speed" ? NO_LOAD.speed : d === "hills" ? NO_LOAD.hills : NO_LOAD.distance);
      continue;
    }
    // Each amount names its dimension (trial 11 F6): a bare "351 m" beside "4.9 fast km" reads
    // as a distance.  Distance's km need no word: it leads, after "up to".
    parts.push(
      d === "speed" ? `${fmt(v, 1)} ${DIM_WORD.speed}`
        : d === "hills" ? `${amount(v, row.units[d])} ${DIM_WORD.hills}`
        : amount(v, row.units[d]),
    );
  }
  if (rest) return "rest";
  return parts.length ? `up to ${parts.join(" · ")}` : "not enough history yet";
}

// One event, one line: the live episodes behind the reason.
function episodeText(eps) {
  const e = eps[0];
  const span = e.first === e.last ? fmtDate(e.first) : `${fmtDate(e.first)} – ${fmtDate(e.last)}`;
  const more = eps.length > 1 ? ` (+${eps.length - 1} more episode${eps.length > 2 ? "s" : ""})` : "";
  // An acknowledged flag stays a reason (the episode records the event); say it was answered.
  const acked = e.status !== "acknowledged" && e.acknowledged ? ` (${e.acknowledged} acknowledged)` : "";
  return `One episode, ${span}: ${e.reasons} reason${e.reasons === 1 ? "" : "s"}${acked}${e.status === "acknowledged" ? ", acknowledged" : ""}${more}`;
}

function card(row) {
  const link = el("a", { href: `#athlete=${row.athlete_id}` }, row.name);
  const why = row.reason
    ? el("p", { class: "c-reason" }, row.reason)
    : el("p", { class: "c-reason muted" }, `Nothing in the last ${state.board.current_days} days.`);
  const older = row.older_open ? el("span", { class: "older" }, `${row.older_open} older open flag(s): history, not today`) : null;
  const episodes = row.episodes.length ? el("span", { class: "older episodes" }, episodeText(row.episodes)) : null;
  const tags = row.dimensions.map((d) => el("span", { class: "tag" }, DIM_WORD[d] || d));
  const rehab = row.rehab;  // a return-to-run plan and the latest pain (docs/rehab.md)
  if (rehab && rehab.on_plan) tags.unshift(el("span", { class: "tag plan" }, `plan week ${rehab.plan_week}`));
  if (rehab && rehab.latest_pain !== null) {
    tags.push(el("span", { class: `tag pain ${rehab.latest_state}`, title: `latest pain entry: ${fmtDate(rehab.latest_pain_date)}` },
      `pain ${rehab.latest_pain}/10 (${rehab.latest_state})`));
  }
  // Numbers waiting for an evaluation are not today's: said so, never shown as current.
  if (row.evaluating) tags.unshift(el("span", { class: "tag evaluating", title: `numbers as of ${fmtDate(row.today)}` }, "evaluating…"));
  const dims = tags.length
    ? el("div", { class: "c-dims", "aria-label": "dimensions involved" }, tags)
    : null;
  const upload = [daysAgo(row.days_since_last_upload)];
  if (row.stale) upload.push(" ", el("span", { class: "stale" }, "Stale"));
  const fact = (cls, label, ...value) => el("div", { class: `c-fact ${cls}` }, el("span", { class: "label" }, label), el("span", {}, ...value));
  const li = el("li", { class: `card ${row.severity || "quiet"}`, "data-athlete": row.athlete_id },
    el("div", { class: "c-name" }, link, sevBadge(row.severity)),
    el("div", { class: "c-why" }, why, dims, episodes, older),
    fact("last-run", "Last run", daysAgo(row.days_since_last_run)),
    fact("last-upload", "Last upload", ...upload),
    fact("headroom-run", "Next run", headroomText(row)));
  li.addEventListener("click", (ev) => { if (ev.target !== link) location.hash = `#athlete=${row.athlete_id}`; });
  return li;
}

async function loadBoard() {
  const [me, board] = await Promise.all([api("/me"), triageAll()]);
  state.board = board;
  $("who").textContent = `${me.name} (${me.role})`;
  $("signout").hidden = false;
  return board;
}

async function showTriage() {
  const board = await loadBoard();
  show("triage");
  const today = board.data.length ? board.data[0].today : null;
  const needs = board.data.filter((r) => r.severity).length;
  $("triage-sub").textContent = `${needs} of ${board.data.length} athletes with something current · most concerning first · `
    + `flags of the last ${board.current_days} days${today ? ` · as of ${fmtDate(today)}` : ""}`;
  // A store upgraded from an older loadwatch: its figures are the older version's until
  // the operator re-derives them (docs/operations.md "Upgrades").
  const older = board.older_activities;
  $("triage-upgrade").hidden = !older;
  $("triage-upgrade").textContent = older
    ? `${older} ${older === 1 ? "activity was" : "activities were"} derived by an older version of loadwatch; `
      + 'run "loadwatch reprocess --all" to re-derive them from their kept files.'
    : "";
  $("athletes").replaceChildren(...board.data.map(card));
  if (!board.data.length) $("athletes").append(el("li", { class: "muted" }, "No athletes yet."));
}

// --- athlete page --------------------------------------------------------------------------
function rangeFor(preset, today, first) {
  if (preset === "all") return { from: first || today, to: today };
  const weeks = Number(preset);
  return { from: addDays(monday(today), -7 * (weeks - 1)), to: today };
}

async function showAthlete(id) {
  const board = state.board || await loadBoard();
  const row = board.data.find((r) => r.athlete_id === id);
  if (!row) throw new Error(`no athlete ${id} for you`);
  const [status, all] = await Promise.all([
    api(`/athletes/${id}/status`),
    api(`/athletes/${id}/series?period=week&to=${row.today}`),
  ]);
  state.athlete = { id, row, status, first: all.data.length ? all.data[0].week_start : row.today };
  state.weeks = all.data;
  show("athlete");
  $("a-name").replaceChildren(row.name, sevBadge(row.severity));
  $("a-reason").textContent = row.reason || `Quiet: nothing in the last ${board.current_days} days.`;
  const facts = [...(row.episodes.length ? [episodeText(row.episodes)] : []), `Last run ${daysAgo(row.days_since_last_run)}`, `last upload ${daysAgo(row.days_since_last_upload)}${row.stale ? " (stale)" : ""}`,
    `as of ${fmtDate(row.today)}`, status.fast_threshold.explanation,
    ...(status.reprocess_note ? [status.reprocess_note] : [])];
  $("a-facts").textContent = facts.join(" · ");
  $("headroom").replaceChildren(...status.dimensions.map((d) =>
    el("div", {}, el("strong", {}, DIM_WORD[d.dimension] || d.dimension), el("br"), d.headroom_note || "not enough history yet")));
  renderRehab();
  $("range-preset").value = "12";
  setRange(rangeFor("12", row.today, state.athlete.first));
  $("week").hidden = true;
  // The charts' markers read the flags: load them before drawing.
  state.flags = [];
  state.flags = await apiAll(`/athletes/${id}/flags?status=all`);
  await Promise.all([drawCharts(), drawCalendar(id, row.today)]);
  renderFlags(row);
  $("main").focus();
}

function setRange(r) {
  state.range = r;
  $("range-from").value = fmtDate(r.from);
  $("range-to").value = fmtDate(r.to);
}

async function drawCharts() {
  const { id, row } = state.athlete;
  const { from, to } = state.range;
  const day = await api(`/athletes/${id}/series?period=day&from=${from}&to=${to}`);
  const byDate = new Map(day.data.map((d) => [d.date, d]));
  const weeks = state.weeks.filter((w) => w.week_start >= monday(from) && w.week_start <= to);
  const charts = [];
  for (const c of CHARTS) {
    if (c.optional && !weeks.some((w) => Number(w[c.column] || 0) > 0)) continue;
    charts.push(chart(c, weeks, byDate, row));
  }
  const pain = painChart(weeks);
  if (pain) charts.push(pain);
  $("charts").replaceChildren(...charts);
  drawFitness(day);
  fillWeeksTable(weeks);
  renderFlags(row);
}

function niceStep(max, ticks) {
  const raw = max / ticks, mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

// A y-axis over [lo, hi]: round steps no finer than the unit shows (`minStep`: 1 for metres,
// 0.1 for km), so no two ticks print the same label; nothing above zero draws 0 .. 1.
// `steps` replaces the 1-2-2.5-5 ladder where the unit has its own (a pace: 5 s … 5 min).
function yAxis(lo, hi, minStep, ticks = 5, steps = null) {
  if (!(hi > lo)) {
    if (!(hi > 0) && !(lo < 0)) return { lo: 0, hi: 1, step: 1 };
    const pad = Math.max(minStep, Math.abs(hi) * 0.05);
    lo -= pad; hi += pad;
  }
  const raw = (hi - lo) / ticks;
  const step = Math.max(minStep, steps ? (steps.find((x) => x >= raw) || steps[steps.length - 1]) : niceStep(hi - lo, ticks));
  return { lo: Math.floor(lo / step + 1e-9) * step, hi: Math.ceil(hi / step - 1e-9) * step, step };
}
// Decimals a tick label needs to say its value exactly (2.5 is not "3").
function tickDigits(step) {
  for (let d = 0; d < 3; d++) if (Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) < 1e-6) return d;
  return 3;
}
function tickValues(ax) {
  const out = [];
  for (let i = 0; ax.lo + i * ax.step <= ax.hi + ax.step * 1e-6; i++) out.push(ax.lo + i * ax.step);
  return out;
}

// The usual week a week is compared with, as status and the flags give it: the weekly ramp's
// own (the mean week of the 28 days before the week's last 7, break days left out, pre-break
// capacity after a return) and the week it is judged against (that, at least the rule's
// floor), read on the week's last day in range.  Not the plain mean week (`_chronic_week`):
// the text beside the chart says the ramp's.
function chronicOf(c, week, byDate, today) {
  if (!c.dim) return null;
  let end = addDays(week.week_start, 6);
  if (end > today) end = today;
  const d = byDate.get(end);
  const num = (v) => (v === null || v === undefined ? null : Number(v));
  const usual = d ? num(d[`${c.dim}_usual_week`]) : null, judged = d ? num(d[`${c.dim}_judged_week`]) : null;
  if (judged === null) return null;
  return { usual: usual === null ? judged : usual, judged, floored: usual !== null && usual < judged };
}

// "usual 1.1 km, judged against at least 3.0 km" where the floor stood in (status's words).
function usualWords(u, unit) {
  return `usual ${amount(u.usual, unit)}` + (u.floored ? `, judged against at least ${amount(u.judged, unit)}` : "");
}

// Flags still raised (open, acknowledged, and history: a backfill's flags keep their weeks),
// dated up to the range's end: the flags as they stood on that day.  The charts mark the open
// ones and, muted, the historic ones (an answered flag leaves the chart).
const STANDING = new Set(["open", "acknowledged", "historic"]);
const CHARTED = new Set(["open", "historic"]);
function standing(f, statuses = STANDING) { return statuses.has(f.status) && (!state.range || f.date <= state.range.to); }

function flagsOfWeek(dim) {
  const by = new Map();
  for (const f of state.flags) {
    if (f.dimension !== dim || !standing(f, CHARTED)) continue;
    const wk = monday(f.date);
    if (!by.has(wk)) by.set(wk, []);
    by.get(wk).push(f);
  }
  return by;
}

function chart(c, weeks, byDate, row) {
  const box = $("charts");
  const W = Math.max(320, Math.round(box.clientWidth || 760)), H = W < 500 ? 200 : 230;
  const pad = { l: 56, r: 10, t: 22, b: 44 };
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const values = weeks.map((w) => Number(w[c.column] || 0));
  // While a return-to-run plan is in force its caps are the limits (rehab.js): the usual week
  // of the pre-injury weeks, sinking during the return, would tell a coach nothing.
  const plan = planWeeks();
  const limits = weeks.map((w) => (c.dim ? planLimit(c.dim, plan.get(w.week_start)) : null));
  const chronic = weeks.map((w, i) => (limits[i] ? null : chronicOf(c, w, byDate, row.today)));
  const caution = row.ramp_limits.caution, alert = row.ramp_limits.alert;
  const top = Math.max(0, ...values, ...chronic.filter((v) => v !== null).map((v) => v.judged * caution * 1.05),
    ...limits.filter((l) => l && l.cap !== null).map((l) => l.cap * 1.1));
  const ax = yAxis(0, top, c.unit === "m" ? 1 : 0.1), step = ax.step, ymax = ax.hi;
  const y = (v) => pad.t + ih - (Math.min(v, ymax) / ymax) * ih;
  const bw = iw / Math.max(1, weeks.length);
  const x = (i) => pad.l + i * bw;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "group",
    "aria-label": `${chartHeading(c)}, ${weeks.length} weeks`, "data-dimension": c.dim || c.column });

  // Limits first, under everything: caution and alert bands above the usual week.
  if (c.dim) {
    weeks.forEach((w, i) => {
      // The bands are the flag's lines: over the week it is judged against, floor included.
      const base = chronic[i] && chronic[i].judged;
      if (!(base > 0)) return;
      const yc = y(base * caution), ya = alert ? y(base * alert) : pad.t;
      if (yc > ya) s.append(svg("rect", { x: x(i), width: bw, y: ya, height: yc - ya, class: "band-caution" }));
      if (alert && ya > pad.t) s.append(svg("rect", { x: x(i), width: bw, y: pad.t, height: ya - pad.t, class: "band-alert" }));
    });
  }
  // Y axis: gridlines from zero.
  for (const v of tickValues(ax)) {
    s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    s.append(svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v, tickDigits(step))));
  }
  s.append(svg("text", { x: 12, y: pad.t + ih / 2, transform: `rotate(-90 12 ${pad.t + ih / 2})`, "text-anchor": "middle", class: "axis-title" }, c.axis));
  s.append(svg("text", { x: pad.l + iw / 2, y: H - 4, "text-anchor": "middle", class: "axis-title" }, "week starting (Monday)"));
  // X labels with years, spaced to fit.
  const every = Math.max(1, Math.ceil(weeks.length / Math.max(1, Math.floor(iw / 95))));
  weeks.forEach((w, i) => {
    if (i % every) return;
    s.append(svg("line", { x1: x(i) + bw / 2, x2: x(i) + bw / 2, y1: pad.t + ih, y2: pad.t + ih + 4, class: "axis" }));
    s.append(svg("text", { x: x(i) + bw / 2, y: pad.t + ih + 17, "text-anchor": "middle" }, fmtDate(w.week_start)));
  });
  // Bars, coloured by the worst open flag of their week (the marker above says which).
  const flagged = c.dim ? flagsOfWeek(c.dim) : new Map();
  weeks.forEach((w, i) => {
    const v = values[i], list = (flagged.get(w.week_start) || []).filter((f) => f.status === "open");
    const worst = list.reduce((a, f) => (!a || SEV[f.severity].rank > SEV[a].rank ? f.severity : a), null);
    const bar = svg("rect", { x: x(i) + Math.min(2, bw * 0.1), y: y(v), width: Math.max(1, bw - 2 * Math.min(2, bw * 0.1)),
      height: Math.max(0, pad.t + ih - y(v)), class: "bar" + (worst ? ` ${worst}` : ""), "data-week": w.week_start,
      onclick: () => showWeek(w.week_start) });
    bar.append(svg("title", {}, `Week of ${fmtDate(w.week_start)}: ${amount(v, c.unit)}` +
      (chronic[i] !== null ? ` (${usualWords(chronic[i], c.unit)})` : "") +
      (limits[i] ? ` (${limits[i].label})` : "") + " — click for its activities"));
    s.append(bar);
  });
  // The usual week as a line.
  if (c.dim) {
    let d = "";
    chronic.forEach((v, i) => { if (v !== null) d += `${d && chronic[i - 1] !== null ? "L" : "M"}${x(i) + bw / 2},${y(v.usual)}`; });
    if (d) s.append(svg("path", { d, class: "chronic" }));
    // Where a floor stands in, the week judged against is drawn too: the line the bands sit on.
    let f = "";
    chronic.forEach((v, i) => { if (v !== null && v.floored) f += `${f && chronic[i - 1] !== null && chronic[i - 1].floored ? "L" : "M"}${x(i)},${y(v.judged)}H${x(i) + bw}`; });
    if (f) s.append(svg("path", { d: f, class: "judged" }));
    drawPlanCaps(s, limits, x, y, bw);
  }
  // Flag markers above their week: focusable, the sentence on hover and on focus.
  for (const [wk, list] of flagged) {
    const i = weeks.findIndex((w) => w.week_start === wk);
    if (i < 0) continue;
    list.sort((a, b) => (a.date < b.date ? -1 : 1)).forEach((f, j) => {
      const cx = x(i) + bw / 2 + (j - (list.length - 1) / 2) * 14, cy = pad.t - 10;
      const shape = f.severity === "alert" ? `M${cx},${cy - 7}L${cx + 7},${cy + 5}L${cx - 7},${cy + 5}Z`
        : `M${cx},${cy - 7}L${cx + 6},${cy}L${cx},${cy + 7}L${cx - 6},${cy}Z`;
      const past = f.status === "historic";
      const label = `${past ? "historic " : ""}${SEV[f.severity].label.slice(2)}, ${fmtDate(f.date, true)}: ${f.message} (${f.evidence.grade} evidence)`;
      const g = svg("g", { class: `flag-mark ${f.severity}${past ? " historic" : ""}`, tabindex: "0", role: "img", "aria-label": label, "data-flag": f.id });
      g.append(svg("path", { d: shape }), svg("title", {}, label));
      const on = () => showTip(g, f);
      g.addEventListener("mouseenter", on); g.addEventListener("focus", on);
      g.addEventListener("mouseleave", hideTip); g.addEventListener("blur", hideTip);
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); showWeek(wk); } });
      g.addEventListener("click", () => showWeek(wk));
      s.append(g);
    });
  }
  const judgedWord = chronic.some((v) => v !== null && v.floored) ? "the week judged against" : "usual";
  const legend = el("ul", { class: "legend" },
    legendItem(svg("rect", { x: 2, y: 1, width: 18, height: 10, class: "bar" }), `weekly ${c.unit === "m" ? "metres" : c.unit}`),
    c.dim && chronic.some((v) => v !== null) ? legendItem(svg("path", { d: "M1,6H21", class: "chronic" }), "usual week (the 4 before, breaks left out)") : null,
    c.dim && chronic.some((v) => v !== null && v.floored) ? legendItem(svg("path", { d: "M1,6H21", class: "judged" }), "judged against at least (the floor)") : null,
    ...planLegend(limits),
    c.dim ? legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "band-caution" }), `caution: over ${caution} × ${judgedWord}`) : null,
    c.dim && alert ? legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "band-alert" }), `alert: over ${alert} × ${judgedWord}`) : null,
    c.dim ? legendItem(svg("path", { d: "M11,0L18,12L4,12Z", class: "mark-alert" }), "alert flag") : null,
    c.dim ? legendItem(svg("path", { d: "M11,0L17,6L11,12L5,6Z", class: "mark-caution" }), "caution flag") : null,
    c.dim && [...flagged.values()].flat().some((f) => f.status === "historic")
      ? legendItem(svg("path", { d: "M11,0L17,6L11,12L5,6Z", class: "mark-historic" }), "historic flag (history, never announced)") : null);
  return el("figure", { class: "chart" }, el("h3", {}, chartHeading(c)), s, legend);
}

function legendItem(shape, text) {
  const icon = svg("svg", { viewBox: "0 0 22 12", "aria-hidden": "true" });
  icon.append(shape);
  return el("li", {}, icon, text);
}

function showTip(target, f) {
  const tip = $("tip");
  tip.replaceChildren(el("strong", {}, `${SEV[f.severity].label} · ${fmtDate(f.date, true)}`), el("br"), f.message);
  tip.hidden = false;
  const host = $("athlete").getBoundingClientRect(), r = target.getBoundingClientRect();
  const left = Math.min(r.left - host.left, host.width - tip.offsetWidth - 4);
  tip.style.left = `${Math.max(0, left)}px`;
  tip.style.top = `${r.bottom - host.top + 6}px`;
}
function hideTip() { $("tip").hidden = true; }

function fillWeeksTable(weeks) {
  const body = $("weeks-table").tBodies[0];
  body.replaceChildren(...[...weeks].reverse().map((w) => {
    const n = state.flags.filter((f) => f.status === "open" && monday(f.date) === w.week_start).length;
    return el("tr", {},
      el("td", {}, fmtDate(w.week_start)), el("td", { class: "num" }, fmt(w.distance_km)),
      el("td", { class: "num" }, fmt(w.fast_km)), el("td", { class: "num" }, fmt(w.elevation_gain_m, 0)),
      el("td", { class: "num" }, fmt(w.uphill_km)), el("td", {}, n ? `${n} open` : ""),
      el("td", {}, el("button", { type: "button", onclick: () => showWeek(w.week_start) }, "Activities")));
  }));
}

// The activities of a week: the API filters and dates them on the day each counts on
// (``local_date``, ``local_start``: its own UTC offset, else the athlete's zone); the page
// computes no local time of its own (a run without an offset read as UTC here).
async function showWeek(weekStart) {
  const { id } = state.athlete;
  const range = `from=${weekStart}&to=${addDays(weekStart, 6)}`;
  const found = [];
  for (let offset = 0; ; offset += 200) {
    const page = await api(`/athletes/${id}/activities?${range}&limit=200&offset=${offset}`);
    found.push(...page.data);
    if (!page.data.length || found.length >= page.count) break;
  }
  const at = (a) => `${a.local_date} ${a.local_start}`;
  found.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a.id - b.id));
  for (const b of document.querySelectorAll(".bar.selected")) b.classList.remove("selected");
  for (const b of document.querySelectorAll(`.bar[data-week="${weekStart}"]`)) b.classList.add("selected");
  $("week-title").textContent = `Activities in the week of ${fmtDate(weekStart)} (${found.length})`;
  $("week-table").tBodies[0].replaceChildren(...(found.length ? found.map((a) => el("tr", {},
    el("td", {}, `${fmtDate(a.local_date, true)} ${a.local_start}`),
    el("td", {}, el("a", { href: `#activity=${a.id}` }, a.name || `${a.sport.replace(/_/g, " ")} (${a.format.toUpperCase()})`)),
    el("td", {}, a.sport.replace(/_/g, " ")),
    el("td", { class: "num" }, fmt(a.distance_m / 1000)), el("td", { class: "num" }, duration(a.moving_time_s)),
    el("td", { class: "num" }, fmt(a.elevation_gain_m, 0)), el("td", { class: "num" }, fmt(a.fast_distance_m === null ? null : a.fast_distance_m / 1000))))
    : [el("tr", {}, el("td", { colspan: "7" }, "No activities that week."))]));
  $("week").hidden = false;
  $("week").focus();
}

// --- flags ---------------------------------------------------------------------------------
function renderFlags(row) {
  const showClosed = $("show-closed").checked;
  // A past range shows the flags as they stood on its last day, history included.
  const past = state.range && state.range.to < row.today ? state.range.to : null;
  const since = addDays(past || row.today, -(state.board.current_days - 1));
  const list = state.flags.filter((f) => (past ? standing(f) : showClosed || f.status === "open"))
    .sort((a, b) => (a.status === "open") !== (b.status === "open") ? (a.status === "open" ? -1 : 1)
      : (a.date < b.date ? 1 : a.date > b.date ? -1 : SEV[b.severity].rank - SEV[a.severity].rank));
  const items = list.map((f) => {
    const open = f.status === "open";
    const when = f.date >= since ? "current" : "older";
    const box = open ? el("input", { type: "checkbox", class: "pick", value: f.id, "aria-label": `select the flag of ${fmtDate(f.date)}` }) : el("span");
    box.addEventListener?.("change", updateAckButton);
    return el("li", { class: `${f.severity} ${f.status}`, "data-flag": f.id }, box,
      el("div", {}, el("div", {}, f.message),
        el("div", { class: "evidence" }, `${f.evidence.grade} evidence: ${f.evidence.risk}`),
        el("div", { class: "meta" }, [SEV[f.severity].label, fmtDate(f.date, true), DIM_WORD[f.dimension] || f.dimension,
          f.rule.replace(/_/g, " "), open ? when : f.status === "acknowledged" ? `acknowledged${f.acked_at ? " " + fmtDate(f.acked_at.slice(0, 10)) : ""}` : f.status].join(" · "))),
      open ? el("button", { type: "button", onclick: () => ack([f.id]) }, "Acknowledge") : el("span"));
  });
  // Never an all-clear about load for a runner who is not running: say how long it has been.
  const idle = state.athlete && state.athlete.status ? state.athlete.status.idle_note : null;
  if (past) items.unshift(el("li", { class: "none" }, `Flags as they stood on ${fmtDate(past)}, history included.`));
  if (!list.length) items.push(el("li", { class: "none" }, showClosed || past ? "No flags." : idle ? `No open flags · ${idle}.` : "No open flags."));
  $("flags").replaceChildren(...items);
  $("select-all").checked = false;
  updateAckButton();
}

function picked() { return [...document.querySelectorAll("#flags .pick:checked")].map((b) => Number(b.value)); }
function updateAckButton() {
  const n = picked().length;
  $("ack-selected").disabled = n === 0;
  $("ack-selected").textContent = n ? `Acknowledge selected (${n})` : "Acknowledge selected";
}

async function ack(ids) {
  try {
    await api("/flags/ack", { method: "POST", body: JSON.stringify({ ids }) });
    say(`Acknowledged ${ids.length} flag(s).`);
    state.board = null;  // the triage changes with it
    state.board = await loadBoard();
    state.athlete.row = state.board.data.find((r) => r.athlete_id === state.athlete.id) || state.athlete.row;
    const row = state.athlete.row;
    $("a-name").replaceChildren(row.name, sevBadge(row.severity));
    $("a-reason").textContent = row.reason || `Quiet: nothing in the last ${state.board.current_days} days.`;
    // Flags first (the charts' markers read them), then the charts, then the list: once the
    // list shows the change, everything on the page does.
    state.flags = await apiAll(`/athletes/${state.athlete.id}/flags?status=all`);
    await drawCharts();
    renderFlags(row);
  } catch (e) { fail(e); }
}

// --- wiring --------------------------------------------------------------------------------
async function route() {
  $("error").textContent = "";
  hideTip();
  const m = location.hash.match(/athlete=(\d+)/);
  const act = location.hash.match(/activity=(\d+)/);
  try {
    if (act) { await showActivity(Number(act[1])); window.scrollTo(0, 0); }
    else if (m) await showAthlete(Number(m[1]));
    else { await showTriage(); window.scrollTo(0, 0); }
  } catch (e) { if (e.message !== "unauthorized") fail(e); }
}

$("signin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  route();
});
$("signout").addEventListener("click", () => signOut());
$("back").addEventListener("click", (ev) => { ev.preventDefault(); location.hash = ""; });
$("range-preset").addEventListener("change", () => {
  const p = $("range-preset").value;
  if (p === "custom") { $("range-from").focus(); return; }
  setRange(rangeFor(p, state.athlete.row.today, state.athlete.first));
  drawCharts().catch(fail);
});
$("range").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const { first, row } = state.athlete;
  let from = readDate($("range-from").value), to = readDate($("range-to").value);
  const bad = [["from", $("range-from").value, from], ["to", $("range-to").value, to]].find(([, v, d]) => v.trim() && !d);
  if (bad) { fail(new Error(`"${bad[1]}" is not a date: write it like ${fmtDate(row.today)}`)); return; }
  from = from || first; to = to || row.today;
  if (from > to) [from, to] = [to, from];
  if (from < first) from = first;
  if (to > row.today) to = row.today;
  $("error").textContent = "";
  $("range-preset").value = "custom";
  setRange({ from, to });
  drawCharts().catch(fail);
});
$("select-all").addEventListener("change", () => {
  for (const b of document.querySelectorAll("#flags .pick")) b.checked = $("select-all").checked;
  updateAckButton();
});
$("ack-selected").addEventListener("click", () => { const ids = picked(); if (ids.length) ack(ids); });
$("show-closed").addEventListener("change", () => renderFlags(state.athlete.row));
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") hideTip(); });
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (!$("athlete").hidden && state.range) drawCharts().catch(fail);
    if (!$("activity").hidden && state.activity) drawActivityCharts(state.activity);
  }, 200);
});
// A link with a token pasted into an open tab changes only the fragment: take it there too.
window.addEventListener("hashchange", () => { takeToken(); route(); });
wireCalendar();

if (takeToken()) route(); else signOut();

// --- fitness / fatigue / form (docs/hr-load.md) ---------------------------------------------
// Banister's 42- and 7-day loads of the day rows: performance context, never a risk signal,
// and said so above the chart together with what the impulse is made of.
const FIT_SOURCE = {
  trimp: "heart-rate load (Banister TRIMP)",
  srpe: "session RPE × minutes",
  distance: "running km (no heart rate or RPE recorded)",
};
function fitnessNote(f) {
  let text = `${f.note} Daily impulse: ${FIT_SOURCE[f.source] || f.source}`;
  if (f.imputed) text += `; ${f.imputed} ${f.imputed === 1 ? "activity" : "activities"} without heart rate counted by duration`;
  if (f.hr) text += `; heart rates ${fmt(f.hr.resting_hr, 0)}–${fmt(f.hr.max_hr, 0)} bpm (${f.hr.hr_source === "settings" ? "coach's settings" : "estimated from the data"})`;
  return `${text}. Fitness: ${f.fitness_days}-day load; fatigue: ${f.fatigue_days}-day load; form = fitness − fatigue.`;
}

function drawFitness(day) {
  const box = $("fitness"), f = day.fitness;
  const rows = day.data.filter((d) => d.fitness !== null && d.fitness !== undefined);
  box.hidden = !f || !rows.length;
  if (box.hidden) return;
  $("fitness-note").textContent = fitnessNote(f);
  const holder = $("fitness-chart");
  const W = Math.max(320, Math.round(holder.clientWidth || $("charts").clientWidth || 760)), H = W < 500 ? 220 : 260;
  const pad = { l: 56, r: 10, t: 16, b: 44 };
  const iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
  const fit = rows.map((d) => Number(d.fitness)), fat = rows.map((d) => Number(d.fatigue)), form = rows.map((d) => Number(d.form));
  const ax = yAxis(Math.min(0, ...form), Math.max(...fit, ...fat), 1);
  const y = (v) => pad.t + ih - ((v - ax.lo) / (ax.hi - ax.lo)) * ih;
  const x = (i) => pad.l + (rows.length > 1 ? (i / (rows.length - 1)) * iw : iw / 2);
  const unit = f.unit;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
    "aria-label": `Fitness, fatigue and form (${unit}) from ${fmtDate(rows[0].date)} to ${fmtDate(rows[rows.length - 1].date)}: ` +
      `fitness ${fmt(fit[fit.length - 1])}, fatigue ${fmt(fat[fat.length - 1])}, form ${fmt(form[form.length - 1])}` });
  for (const v of tickValues(ax)) {
    s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    s.append(svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v, tickDigits(ax.step))));
  }
  s.append(svg("text", { x: 12, y: pad.t + ih / 2, transform: `rotate(-90 12 ${pad.t + ih / 2})`, "text-anchor": "middle", class: "axis-title" }, `${unit} per day`));
  // A tick on the Mondays, labelled as many as fit.
  const mondays = rows.map((d, i) => [d, i]).filter(([d]) => d.date === monday(d.date));
  const every = Math.max(1, Math.ceil(mondays.length / Math.max(1, Math.floor(iw / 90))));
  mondays.forEach(([d, i], k) => {
    s.append(svg("line", { x1: x(i), x2: x(i), y1: pad.t + ih, y2: pad.t + ih + 4, class: "axis" }));
    if (k % every === 0) s.append(svg("text", { x: x(i), y: pad.t + ih + 17, "text-anchor": "middle" }, fmtDate(d.date)));
  });
  const line = (vals) => vals.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("");
  const zero = y(0);
  const area = `${line(form)}L${x(form.length - 1).toFixed(1)},${zero.toFixed(1)}L${x(0).toFixed(1)},${zero.toFixed(1)}Z`;
  s.append(svg("path", { d: area, class: "form-area" }), svg("path", { d: line(fat), class: "fat-line" }), svg("path", { d: line(fit), class: "fit-line" }));
  const legend = el("ul", { class: "legend" },
    legendItem(svg("path", { d: "M1,6H21", class: "fit-line" }), `fitness (${f.fitness_days}-day load)`),
    legendItem(svg("path", { d: "M1,6H21", class: "fat-line" }), `fatigue (${f.fatigue_days}-day load)`),
    legendItem(svg("rect", { x: 1, y: 1, width: 20, height: 10, class: "form-area" }), "form = fitness − fatigue"));
  // The svg sits in a div: the load charts are the figures' own svgs (one per dimension).
  holder.replaceChildren(el("figure", { class: "chart", "data-chart": "fitness" }, el("div", {}, s), legend));
}
