// Countdowns in working time: the text and colour of each deadline on screen (amber from the
// timer's first warning, which the server sends as `warn_from`, or under an hour of working time
// where it sends none; red once passed), repainted every few seconds, and the top bar's line
// saying whether the clock runs now. Working time is the server's calendar (workcal.js); where
// the calendar has no data the page says so instead of guessing.

import { serverNow } from "./api.js";
import { h } from "./dom.js";
import { state } from "./state.js";
import { parseIso, showMinutes } from "./time.js";

const SOON_MINUTES = 60;
const NO_DATA = { text: "нет данных календаря", level: "unknown", minutes: null };

/** The countdown of a deadline in working time: text, level (ok, soon, late, unknown), minutes
 * left (negative once passed). `warnMs`: when the timer's first warning goes (amber from then). */
export function countdown(dueMs, now = serverNow(), warnMs = NaN) {
  const cal = state.calendar;
  if (!cal || Number.isNaN(dueMs)) return { text: "—", level: "unknown", minutes: null };
  if (!cal.covers(now) || !cal.covers(dueMs)) return { ...NO_DATA };
  if (now >= dueMs) {
    const over = Math.floor(cal.workingMsBetween(dueMs, now) / 60000);
    return {
      text: over > 0 ? `просрочено на ${showMinutes(over)}` : "срок истёк",
      level: "late",
      minutes: -over,
    };
  }
  const left = Math.floor(cal.workingMsBetween(now, dueMs) / 60000);
  return {
    text: `осталось ${showMinutes(left)}`,
    level: (Number.isNaN(warnMs) ? left < SOON_MINUTES : now >= warnMs) ? "soon" : "ok",
    minutes: left,
  };
}

/** A live countdown of the deadline at an ISO time, amber from `warnIso` if given (repainted by
 * `tick`). */
export function countdownEl(dueIso, warnIso = null) {
  const el = h("span", { class: "countdown", "data-due": String(parseIso(dueIso)) });
  if (warnIso) el.dataset.warn = String(parseIso(warnIso));
  paintCountdown(el, serverNow());
  return el;
}

function paintCountdown(el, now) {
  const c = countdown(Number(el.dataset.due), now, el.dataset.warn ? Number(el.dataset.warn) : NaN);
  el.textContent = c.text;
  el.classList.remove("ok", "soon", "late", "unknown");
  el.classList.add(c.level);
  if (c.minutes !== null) el.dataset.minutes = String(c.minutes);
  else delete el.dataset.minutes;
  const row = el.closest("[data-row-level]");
  if (row) row.dataset.rowLevel = worstLevel(row);
}

const LEVELS = ["unknown", "ok", "soon", "late"];

/** A row with several countdowns (the viewer's own deadline and the most urgent one) is as
 * urgent as the most urgent of them. */
function worstLevel(row) {
  let worst = 0;
  for (const el of row.querySelectorAll(".countdown")) {
    for (let i = LEVELS.length - 1; i > worst; i -= 1) {
      if (el.classList.contains(LEVELS[i])) worst = i;
    }
  }
  return LEVELS[worst];
}

/** Repaint every countdown on screen and the clock line. */
export function tick() {
  const now = serverNow();
  for (const el of document.querySelectorAll(".countdown[data-due]")) paintCountdown(el, now);
  paintClock(now);
}

/** The top bar's line: whether deadlines run now, or that the calendar is missing. */
export function paintClock(now = serverNow()) {
  const el = document.getElementById("work-clock");
  if (!el) return;
  const cal = state.calendar;
  if (!cal) {
    el.textContent = state.calendarFailed ? "Календарь не загружен: обратный отсчёт недоступен" : "";
    el.className = state.calendarFailed ? "work-clock off" : "work-clock";
    return;
  }
  if (!cal.covers(now)) {
    const years =
      cal.firstYear === cal.lastYear ? `${cal.firstYear} г.` : `${cal.firstYear}–${cal.lastYear} гг.`;
    el.textContent = `Нет данных рабочего календаря на эту дату (есть на ${years}): обратный отсчёт недоступен`;
    el.className = "work-clock off no-data";
    return;
  }
  const working = cal.isWorkingTime(now);
  el.textContent = working ? "Рабочее время: сроки идут" : "Нерабочее время: сроки не идут";
  el.className = `work-clock ${working ? "on" : "off"}`;
}
