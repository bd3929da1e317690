// loadwatch coach dashboard: plain JS and inline SVG so it works offline, behind any firewall.
"use strict";

const API = "/api/v1";
const DIMS = [
  { key: "distance", column: "distance_km", title: "Weekly distance", unit: "km" },
  { key: "speed", column: "fast_km", title: "Weekly fast running", unit: "km" },
  { key: "hills", column: "elevation_gain_m", title: "Weekly climbing", unit: "m" },
];
const WEEKS = 26;
const $ = (id) => document.getElementById(id);
const SEVERITY = { alert: 2, caution: 1 };

// A token handed over in the URL fragment (never sent to the server in a request line) is
// moved to localStorage and wiped from the address bar.
function takeToken() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    localStorage.setItem("loadwatch.token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return localStorage.getItem("loadwatch.token");
}

async function api(path, options = {}) {
  const token = localStorage.getItem("loadwatch.token");
  const r = await fetch(API + path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(options.headers || {}) },
  });
  if (r.status === 401) { signOut("That token was not accepted."); throw new Error("unauthorized"); }
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (_) { /* not JSON */ }
    throw new Error(`${path}: ${r.status} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return r.json();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(n, digits = 1) { return n === null || n === undefined ? "–" : Number(n).toFixed(digits); }

function signOut(message) {
  localStorage.removeItem("loadwatch.token");
  for (const id of ["overview", "detail", "signout"]) $(id).hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
}

function badges(counts) {
  const span = el("span");
  if (counts.alert) span.append(el("span", { class: "badge alert", title: "alerts" }, counts.alert));
  if (counts.caution) span.append(el("span", { class: "badge caution", title: "cautions" }, counts.caution));
  return span;
}

function sparkline(weeks) {
  const w = 120, h = 28, max = Math.max(1, ...weeks.map((x) => x.distance_km));
  const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: "spark" });
  const bw = w / weeks.length;
  weeks.forEach((x, i) => {
    const bh = (x.distance_km / max) * (h - 2);
    s.append(svg("rect", { x: i * bw + 1, y: h - bh, width: bw - 2, height: bh, class: "bar", fill: "#2e86c1" },));
  });
  s.append(svg("title", {}, weeks.map((x) => `${x.week}: ${fmt(x.distance_km)} km`).join("\n")));
  return s;
}

async function loadOverview() {
  const [me, board] = await Promise.all([api("/me"), api("/dashboard")]);
  $("who").textContent = `${me.name} (${me.role})`;
  $("signin").hidden = true;
  $("signout").hidden = false;
  $("overview").hidden = false;
  const body = $("athletes").tBodies[0];
  body.replaceChildren();
  for (const row of board.data) {
    const cells = [el("td", {}, row.name)];
    for (const d of DIMS) {
      const r = row.ratios[d.key];
      cells.push(el("td", {}, badges(row.open_flags[d.key] || {}),
        el("span", { class: "ratio", title: "last 7 days vs mean week of the 28 before" }, r ? `×${fmt(r, 2)}` : "")));
    }
    cells.push(el("td", {}, sparkline(row.weekly_distance)));
    cells.push(el("td", {}, row.last_activity_at ? row.last_activity_at.slice(0, 10) : "–"));
    const tr = el("tr", { "data-athlete": row.athlete_id, onclick: () => loadAthlete(row.athlete_id, tr) }, ...cells);
    body.append(tr);
  }
  if (board.data.length) loadAthlete(board.data[0].athlete_id, body.rows[0]);
}

function weekOf(isoDate) {
  const d = new Date(isoDate + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function chart(dim, weeks, flags) {
  const W = 760, H = 170, pad = { l: 40, r: 8, t: 14, b: 22 };
  const values = weeks.map((w) => Number(w[dim.column] || 0));
  const max = Math.max(1, ...values);
  const worst = {};
  for (const f of flags) {
    if (f.dimension !== dim.key) continue;
    const wk = weekOf(f.date);
    if (!worst[wk] || SEVERITY[f.severity] > SEVERITY[worst[wk].severity]) worst[wk] = f;
  }
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": dim.title, "data-dimension": dim.key });
  const bw = (W - pad.l - pad.r) / Math.max(1, weeks.length);
  s.append(svg("text", { x: 0, y: pad.t }, `${fmt(max, 0)} ${dim.unit}`));
  s.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, stroke: "#d1d5db" }));
  weeks.forEach((w, i) => {
    const v = values[i], bh = (v / max) * (H - pad.t - pad.b), x = pad.l + i * bw;
    const flag = worst[w.week_start];
    const bar = svg("rect", { x: x + 1, y: H - pad.b - bh, width: Math.max(1, bw - 2), height: bh,
      class: "bar" + (flag ? " " + flag.severity : ""), "data-week": w.week_start });
    bar.append(svg("title", {}, `week of ${w.week_start}: ${fmt(v, dim.unit === "m" ? 0 : 1)} ${dim.unit}` +
      (flag ? `\n${flag.message}` : "")));
    s.append(bar);
    if (flag) s.append(svg("text", { x: x + bw / 2, y: H - pad.b - bh - 3, "text-anchor": "middle",
      class: "flag-mark " + flag.severity, fill: flag.severity === "alert" ? "#c0392b" : "#d68910" }, "▲"));
    if (i % 4 === 0) s.append(svg("text", { x, y: H - 6 }, w.week_start.slice(5)));
  });
  return el("div", { class: "chart" }, el("h4", {}, `${dim.title} (${dim.unit})`), s);
}

async function loadAthlete(id, row) {
  for (const r of $("athletes").tBodies[0].rows) r.classList.toggle("selected", r === row);
  const today = new Date();
  const from = new Date(today.getTime() - WEEKS * 7 * 86400e3).toISOString().slice(0, 10);
  const [status, series, flags] = await Promise.all([
    api(`/athletes/${id}/status`),
    api(`/athletes/${id}/series?period=week&from=${from}`).catch(() => api(`/athletes/${id}/series?period=week`)),
    api(`/athletes/${id}/flags?status=all`),
  ]);
  let weeks = series.data;
  if (!weeks.length) weeks = (await api(`/athletes/${id}/series?period=week`)).data;
  weeks = weeks.slice(-WEEKS);
  $("detail").hidden = false;
  $("detail-name").textContent = status.athlete;
  $("detail-threshold").textContent = status.fast_threshold.explanation;
  $("headroom").replaceChildren(...status.dimensions.map((d) =>
    el("div", {}, el("strong", {}, d.dimension), el("br"), d.headroom_note || "not enough history yet")));
  $("charts").replaceChildren(...DIMS.map((d) => chart(d, weeks, flags.data)));
  const list = $("flags");
  list.replaceChildren();
  const sorted = [...flags.data].sort((a, b) => (a.date < b.date ? 1 : -1));
  if (!sorted.length) list.append(el("li", { class: "none" }, "No flags — load is rising within safe limits."));
  for (const f of sorted) {
    const li = el("li", { class: `${f.severity} ${f.status}`, "data-flag": f.id },
      el("div", {}, f.message),
      el("div", { class: "meta" }, `${f.date} · ${f.dimension} · ${f.rule.replace(/_/g, " ")} · ${f.severity} · ${f.status}`));
    if (f.status === "open") {
      li.append(el("button", { onclick: async () => {
        try { await api(`/flags/${f.id}/ack`, { method: "POST" }); await loadAthlete(id, row); }
        catch (e) { $("error").textContent = e.message; }
      } }, "Acknowledge"));
    }
    list.append(li);
  }
}

$("signin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  localStorage.setItem("loadwatch.token", $("token").value.trim());
  loadOverview().catch((e) => { $("error").textContent = e.message; });
});
$("signout").addEventListener("click", () => signOut());

if (takeToken()) loadOverview().catch((e) => { $("error").textContent = e.message; });
else signOut();
