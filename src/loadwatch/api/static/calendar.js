// loadwatch: the athlete page's calendar (docs/planning.md) — each day's planned sessions
// against the running done, coloured by compliance in TrainingPeaks' bands (and written out,
// so colour never carries it alone), the day's flags and pain, and the sessions to come that
// the pre-flight check flags, marked before the day.  A month or a week at a time.  Loaded
// before app.js, whose helpers ($, el, api, fmt, fmtDate, addDays, monday, parseDay, MONTHS)
// it calls only once the page runs; app.js calls drawCalendar when it opens an athlete.
"use strict";

const COMPLIANCE = {
  compliant: "on plan",
  under: "a little under",
  over: "a little over",
  far_under: "far under",
  far_over: "far over",
  missed: "missed",
  unplanned: "unplanned",
  planned: "planned",
};
const CAL_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const cal = { id: null, today: null, cursor: null, view: "month", asked: 0 };

function calRange() {
  if (cal.view === "week") {
    const from = monday(cal.cursor);
    return { from, to: addDays(from, 6), title: `Week of ${fmtDate(from)}` };
  }
  const d = parseDay(cal.cursor);
  const first = `${cal.cursor.slice(0, 8)}01`;
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
  const last = addDays(next, -1);
  const from = monday(first);
  return { from, to: addDays(monday(last), 6), title: `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` };
}

function plannedText(p) {
  const extra = [];
  // The check's words for the same session ("2.3 km fast, 13 m climbing": trial 12 F6).
  if (p.fast_km > 0) extra.push(`${fmt(p.fast_km, 1)} km fast`);
  if (p.climb_m > 0) extra.push(`${fmt(p.climb_m, 0)} m climbing`);
  return `${fmt(p.distance_km, 1)} km ${p.type || "run"}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

function dayCell(d, range) {
  const month = cal.view === "month" && d.date.slice(0, 7) !== cal.cursor.slice(0, 7);
  const classes = ["cal-day", d.compliance ? `c-${d.compliance}` : "", d.at_risk ? "at-risk" : "",
    d.date === cal.today ? "today" : "", month ? "other-month" : ""].filter(Boolean).join(" ");
  const head = el("div", { class: "cal-date" },
    el("span", { class: "cal-wd" }, CAL_DAYS[(parseDay(d.date).getUTCDay() + 6) % 7] + " "),
    String(parseDay(d.date).getUTCDate()));
  const body = [head];
  for (const p of d.planned) body.push(el("div", { class: "cal-plan", title: p.note || "" }, "Plan: ", plannedText(p)));
  if (d.actual) body.push(el("div", { class: "cal-done" }, `Ran: ${fmt(d.actual.distance_km, 1)} km`));
  if (d.compliance && d.compliance !== "planned") {
    const pct = d.percent_of_plan === null ? "" : ` (${fmt(d.percent_of_plan, 0)} %)`;
    body.push(el("div", { class: "cal-state" }, COMPLIANCE[d.compliance] + pct));
  }
  if (d.at_risk) body.push(el("div", { class: "cal-risk", title: d.risk || "" }, "⚠ at risk"));
  const marks = [];
  for (const f of d.flags) marks.push(el("span", { class: `cal-flag ${f.severity}`, title: `${f.rule} · ${f.dimension}` }, f.severity === "alert" ? "▲" : "◆"));
  if (d.pain !== null && d.pain !== undefined) marks.push(el("span", { class: `cal-pain${d.pain >= 4 ? " high" : ""}` }, `pain ${d.pain}/10`));
  if (marks.length) body.push(el("div", { class: "cal-marks" }, ...marks));
  const label = [fmtDate(d.date, true), ...d.planned.map((p) => `planned ${plannedText(p)}`),
    d.actual ? `ran ${fmt(d.actual.distance_km, 1)} km` : "", d.compliance ? COMPLIANCE[d.compliance] : "",
    d.at_risk ? `at risk: ${d.risk}` : "", d.flags.length ? `${d.flags.length} flag(s)` : "",
    d.pain !== null && d.pain !== undefined ? `pain ${d.pain}/10` : ""].filter(Boolean).join(", ");
  return el("li", { class: classes, "data-date": d.date, "aria-label": label, title: d.risk || "" }, ...body);
}

async function drawCalendar(id, today) {
  if (id !== undefined) { cal.id = id; cal.today = today; cal.cursor = cal.cursor && cal.id === id ? cal.cursor : today; }
  const r = calRange();
  const ask = ++cal.asked;
  const body = await api(`/athletes/${cal.id}/calendar?from=${r.from}&to=${r.to}`);
  if (ask !== cal.asked) return;  // a later click's answer wins, whichever arrives first
  // Title, buttons and days change together: the title never names days not yet drawn.
  $("cal-title").textContent = r.title;
  for (const b of document.querySelectorAll("#cal-views button")) b.setAttribute("aria-pressed", String(b.dataset.view === cal.view));
  const grid = $("cal-grid");
  grid.className = `cal-grid ${cal.view}`;
  grid.replaceChildren(...CAL_DAYS.map((w) => el("li", { class: "cal-head", "aria-hidden": "true" }, w)),
    ...body.days.map((d) => dayCell(d, r)));
  const risky = body.days.filter((d) => d.at_risk);
  $("cal-risks").replaceChildren(...risky.map((d) => el("li", {}, el("strong", {}, fmtDate(d.date, true)), " ", d.risk)));
}

function calMove(step) {
  if (cal.view === "week") cal.cursor = addDays(cal.cursor, 7 * step);
  else {
    const d = parseDay(cal.cursor);
    cal.cursor = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1)).toISOString().slice(0, 10);
  }
  drawCalendar().catch(fail);
}

function wireCalendar() {
  $("cal-prev").addEventListener("click", () => calMove(-1));
  $("cal-next").addEventListener("click", () => calMove(1));
  $("cal-today").addEventListener("click", () => { cal.cursor = cal.today; drawCalendar().catch(fail); });
  for (const b of document.querySelectorAll("#cal-views button")) {
    b.addEventListener("click", () => { cal.view = b.dataset.view; drawCalendar().catch(fail); });
  }
  // A phone shows a week (seven rows); a desktop a month.
  if (window.matchMedia("(max-width: 760px)").matches) cal.view = "week";
}
