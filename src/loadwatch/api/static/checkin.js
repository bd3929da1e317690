// loadwatch athlete check-in: plain JS, no external assets, strict CSP (no inline script or
// style).  A personal link is /checkin#athlete=ID&token=lwc_…: the fragment never reaches the
// server.  It is kept in this browser's local storage so the page opens again from a home-screen
// icon; a signed-in dashboard user (session storage) may check in for an athlete they see.
"use strict";

const API = "/api/v1";
const LINK_KEY = "loadwatch.checkin";
const USER_TOKEN_KEY = "loadwatch.token";
const $ = (id) => document.getElementById(id);
const picked = {};
let view = null;
let auth = null;

function fromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const athlete = params.get("athlete");
  const token = params.get("token");
  if (athlete && token) {
    localStorage.setItem(LINK_KEY, JSON.stringify({ athlete, token }));
    return { athlete, token };
  }
  const saved = localStorage.getItem(LINK_KEY);
  if (saved && !athlete) {
    try { return JSON.parse(saved); } catch (_) { /* not ours */ }
  }
  const user = sessionStorage.getItem(USER_TOKEN_KEY);
  if (athlete && user) return { athlete, token: user };
  return null;
}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${auth.token}`, Accept: "application/json" };
  if (body) headers["Content-Type"] = "application/json";
  const r = await fetch(API + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  let data = null;
  try { data = await r.json(); } catch (_) { /* empty */ }
  if (!r.ok) {
    const err = new Error((data && data.detail) || r.statusText);
    err.status = r.status;
    throw err;
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function dayWords(iso) {
  const d = new Date(`${iso}T12:00:00Z`);
  return d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
}

function show(id) {
  for (const s of ["loading", "nolink", "gone", "ci"]) $(s).hidden = s !== id;
}

function gone(text) {
  $("gone-text").textContent = text;
  show("gone");
}

// --- the scales ---------------------------------------------------------------------------
function buildScale(fs) {
  const field = fs.dataset.field;
  const chips = el("div", { class: "chips", role: "group" });
  for (let v = 0; v <= 10; v++) {
    chips.append(el("button", {
      type: "button", class: "chip", "data-v": String(v), "aria-pressed": "false",
      "aria-label": `${fs.querySelector("legend").firstChild.textContent.trim()}: ${v}`,
      onclick: () => pick(field, v),
    }, String(v)));
  }
  fs.append(chips);
}

function pick(field, v) {
  picked[field] = v;
  const fs = document.querySelector(`fieldset[data-field="${field}"]`);
  for (const b of fs.querySelectorAll(".chip")) b.setAttribute("aria-pressed", String(Number(b.dataset.v) === v));
  $("save").disabled = false;
  $("status").textContent = "";
}

function ask(field, on, value) {
  const fs = document.querySelector(`fieldset[data-field="${field}"]`);
  fs.hidden = !on;
  if (on && value !== null && value !== undefined) pick(field, value);
}

// --- the view -----------------------------------------------------------------------------
function render(v) {
  view = v;
  for (const k of Object.keys(picked)) delete picked[k];
  $("who").textContent = v.athlete;
  const run = v.run;
  const entry = v.entry || {};
  $("norun").hidden = Boolean(run);
  $("run").hidden = !run;
  if (run) {
    const bits = [dayWords(run.date), `${dec(run.distance_km, 1)} km`];
    if (run.pace) bits.push(`${run.pace} /km`);
    $("run").replaceChildren(
      bits.join(" · "),
      el("span", { class: "sub" }, `${run.sport.replace("_", " ")} · ${Math.round(run.minutes)} min`
        + (run.name ? ` · ${run.name}` : "")
        + (run.srpe !== null ? ` · session load ${Math.round(run.srpe)}` : "")),
    );
    $("ci-title").textContent = v.ask_morning ? "Good morning" : "After your run";
  } else {
    $("ci-title").textContent = "Check in";
  }
  renderLimits(v);
  // The morning after: pain on waking first; the run's own questions while any is missing
  // (or, once given, to correct them).
  const afterDone = run && !v.ask_after_run;
  ask("pain_next_morning", v.ask_morning || (run && entry.pain_next_morning !== null && entry.pain_next_morning !== undefined), entry.pain_next_morning);
  const showAfter = run && (v.ask_after_run || !v.ask_morning);
  ask("pain_during", showAfter, entry.pain_during);
  ask("pain_after", showAfter, entry.pain_after);
  ask("rpe", showAfter, run ? run.rpe : null);
  // No run to check in on: pain between runs still counts (the rules read a rest day's entry;
  // docs/checkin.md). It is today's entry's pain_after, as the API takes it.
  ask("pain_today", !run, entry.pain_after);
  const todayDone = !run && entry.pain_after !== null && entry.pain_after !== undefined;
  $("note").value = entry.note || "";
  $("save").disabled = true;
  $("status").className = "status";
  $("status").textContent = (afterDone && !v.ask_morning) || todayDone ? "Checked in ✓ — change anything and save again." : "";
  show("ci");
}

// One line for the next run (what a runner glances at), the reasons folded away beneath.
// The rounding of every other face (app.js roundHalfUp, loadwatch.rounding.fixed): the
// decimal the number prints as, a half up: 30.25 km is "30.3", 2.675 at 2 places "2.68".
function dec(v, digits) {
  const shortest = String(Math.abs(v));
  const dot = shortest.indexOf(".");
  let r = v;
  if (!shortest.includes("e") && dot >= 0 && shortest.length - dot - 1 > digits) {
    const kept = shortest.slice(0, dot + 1 + digits), up = shortest[dot + 1 + digits] >= "5";
    r = Math.sign(v) * (Number(kept) + (up ? 10 ** -digits : 0));
  }
  const text = r.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}
// None of a dimension in a run, in one phrase on every surface (loadwatch.vocabulary.NO_LOAD):
// zero climbing is "no climbing", never "climb 0 m" (flat is a plan's up to 10 m per km).
const NO_LOAD = {
  distance: "rest",
  speed: "no fast running",
  hills: "no climbing",
  uphill: "no uphill running",
};
const LIMIT_WORD = {
  distance: (n) => `${dec(n, 1)} km`,
  speed: (n) => (dec(n, 1) !== "0.0" ? `fast ${dec(n, 1)} km` : NO_LOAD.speed),
  hills: (n, l) => (Math.round(n) === 0 ? NO_LOAD.hills : l.flat ? `flat (climb up to ${Math.round(n)} m)` : `climb ${Math.round(n)} m`),
};

function renderLimits(v) {
  const parts = v.limits
    .filter((l) => l.next_run !== null && LIMIT_WORD[l.dimension])
    .map((l) => LIMIT_WORD[l.dimension](l.next_run, l));
  // These are the limits in force (the plan's caps, or a lower limit of the rules or a step
  // back: "Why" names each), not the plan's caps themselves (trial F16).
  const head = v.on_plan ? "Next run on your plan" : "Next run";
  const line = parts.length ? `${head}: up to ${parts.join(" · ")}` : `${head}: no limit yet`;
  const why = el("details", { class: "why" }, el("summary", {}, "Why"),
    ...(v.limits_note ? [el("p", { class: "plan" }, v.limits_note)] : []),
    ...v.limits.map((l) => el("p", { "data-dimension": l.dimension }, l.text)));
  $("limits").replaceChildren(el("p", { class: "next", id: "next-run" }, line), why);
}

async function load() {
  try {
    render(await call("GET", `/athletes/${encodeURIComponent(auth.athlete)}/checkin`));
  } catch (e) {
    if (e.status === 404) gone("This link does not open a check-in for this athlete.");
    else if (e.status === 401) gone("This link has been revoked or is not valid: ask your coach for a new one.");
    else gone(`Could not load the check-in (${e.message}).`);
  }
}

async function save(ev) {
  ev.preventDefault();
  if (!view) return;
  const body = view.run ? { activity_id: view.run.activity_id } : { date: view.today };
  for (const [k, v] of Object.entries(picked)) {
    if (!document.querySelector(`fieldset[data-field="${k}"]`).hidden) body[k === "pain_today" ? "pain_after" : k] = v;
  }
  const note = $("note").value.trim();
  if (note && (body.pain_during !== undefined || body.pain_after !== undefined || body.pain_next_morning !== undefined || view.entry)) body.note = note;
  $("save").disabled = true;
  try {
    const out = await call("POST", `/athletes/${encodeURIComponent(auth.athlete)}/checkin`, body);
    const effort = out.run && out.run.srpe !== null ? ` Session load ${Math.round(out.run.srpe)}.` : "";
    await load();
    $("status").className = "status";
    $("status").textContent = `Saved ✓ ${dayWords(out.date)}.${effort}`;
  } catch (e) {
    $("save").disabled = false;
    $("status").className = "status error";
    $("status").textContent = e.status === 401 ? "This link has been revoked." : `Not saved: ${e.message}`;
  }
}

function start() {
  for (const fs of document.querySelectorAll("fieldset.scale")) buildScale(fs);
  $("ci-form").addEventListener("submit", save);
  auth = fromFragment();
  if (!auth) { show("nolink"); return; }
  load();
}

start();
