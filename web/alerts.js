// In-page alerts of new and due work. While an official is signed in the page reads their inbox
// (GET /api/v1/cases) right away and then every minute, and compares it with what it saw
// before: a case new in the inbox, a deadline whose warning period began (`*_warn_from`
// passed) or whose due time passed. Each event is shown once, as a notice linking to its case,
// until the official dismisses it; the count is in the alerts bar and in front of the window's
// title, and, where the official allowed it, the browser shows a system notification as well.
// The first reading only learns which cases are already there (no «новое» for a whole inbox
// after signing in), but does tell of deadlines already in warning or passed.

import { api, serverNow, sessionEnded } from "./api.js";
import { h } from "./dom.js";
import { caseTitle } from "./inbox.js";
import { announce, setUnread } from "./page.js";
import { departmentName } from "./state.js";
import { counted, timerTitle } from "./texts.js";
import { parseIso } from "./time.js";

const POLL_MS = 60000; // window.OTKLIK_ALERT_POLL_MS, read at the start, replaces it
const PAGE = 200; // the most the server sends at once
const MAX_PAGES = 10; // an inbox of more than 2000 open cases is read in part
const MAX_NOTICES = 30; // the oldest go when more are shown
const SYSTEM_AT_ONCE = 3; // more events of one reading make a single system notification

const NEW_FORMS = ["новое", "новых", "новых"];
const NOTICE_FORMS = ["новое уведомление", "новых уведомления", "новых уведомлений"];
const EVENT_FORMS = ["новое событие", "новых события", "новых событий"];

/** The counter of the alerts bar: «1 новое», «2 новых», «5 новых». */
export function countText(count) {
  return counted(count, NEW_FORMS);
}

/** The counter in words: «1 новое уведомление», «2 новых уведомления», «5 новых уведомлений». */
export function countLabel(count) {
  return counted(count, NOTICE_FORMS);
}

let running = null; // the polling of the official signed in now
let notices = []; // shown, newest first: {key, element}

const region = () => document.getElementById("alerts");
const list = () => document.getElementById("alerts-list");

/** Start reading the inbox for `login`; called on every route, so a second call does nothing. */
export function startAlerts(ctx, login) {
  if (running && running.login === login) return;
  stopAlerts();
  const asked = Number(window.OTKLIK_ALERT_POLL_MS);
  const run = { login, ctx, seen: null, announced: new Set(), polls: 0, busy: false };
  run.timer = setInterval(() => poll(run), asked > 0 ? asked : POLL_MS);
  running = run;
  region().hidden = false;
  poll(run);
}

/** Signed out: no more readings, and nothing of the previous official stays on screen. */
export function stopAlerts() {
  if (running) clearInterval(running.timer);
  running = null;
  for (const notice of notices) notice.element.remove();
  notices = [];
  const el = region();
  el.hidden = true;
  delete el.dataset.polls;
  paintCount();
}

async function poll(run) {
  if (run.busy) return; // a slow answer: the next reading waits for it
  run.busy = true;
  try {
    const cases = await openCases();
    if (running !== run) return;
    const now = serverNow();
    const events = [];
    for (const c of cases) {
      if (run.seen && !run.seen.has(c.case_id)) {
        const text = `Новое сообщение: ${caseTitle(c)}`;
        events.push({ key: `new|${c.case_id}`, kind: "new", caseId: c.case_id, text });
      }
      events.push(...dueEvents(c, now));
    }
    run.seen = new Set([...(run.seen || []), ...cases.map((c) => c.case_id)]);
    const fresh = events.filter((e) => !run.announced.has(e.key));
    for (const e of fresh) run.announced.add(e.key);
    show(fresh);
  } catch (error) {
    // a failed reading is tried again at the next one; only an ended session is news
    if (running === run && sessionEnded(error)) run.ctx.signedOut("Сеанс завершён. Войдите снова.");
  } finally {
    run.busy = false;
    if (running === run) {
      run.polls += 1;
      region().dataset.polls = String(run.polls); // how many readings are done (the tests wait on it)
    }
  }
}

/** The open cases of the official's inbox, as many pages as there are (up to MAX_PAGES). */
async function openCases() {
  let cases = [];
  let cursor = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) query.set("cursor", cursor);
    const data = await api("GET", `/api/v1/cases?${query}`);
    cases = cases.concat(data.cases || []);
    cursor = data.cursor || null;
    pages += 1;
  } while (cursor && pages < MAX_PAGES);
  return cases;
}

/** The deadlines the inbox shows of a case: the viewer's own, and the most urgent of anybody. */
function watched(c) {
  const all = [];
  if (c.my_due) {
    const key = c.my_department ? `${c.my_deadline}:${c.my_department}` : c.my_deadline;
    all.push({ key, due: c.my_due, warn: c.my_warn_from });
  }
  if (c.next_due) all.push({ key: c.next_deadline || "contribution_due", due: c.next_due, warn: c.next_warn_from });
  const same = new Set();
  return all.filter((d) => {
    const id = `${d.key.split(":")[0]}|${d.due}`;
    if (same.has(id)) return false;
    same.add(id);
    return true;
  });
}

function dueEvents(c, now) {
  const events = [];
  for (const d of watched(c)) {
    const due = parseIso(d.due);
    const warn = d.warn ? parseIso(d.warn) : NaN;
    let kind = null;
    if (now >= due) kind = "late";
    else if (now >= warn) kind = "soon";
    if (!kind) continue;
    const what = kind === "late" ? "Срок истёк" : "Срок подходит";
    events.push({
      key: `${kind}|${c.case_id}|${d.key}|${d.due}`,
      kind,
      caseId: c.case_id,
      text: `${what}: ${timerTitle(d.key, departmentName)} — ${caseTitle(c)}`,
    });
  }
  return events;
}

function show(events) {
  if (!events.length) return;
  const holder = list();
  for (const e of events) {
    const element = noticeElement(e);
    holder.prepend(element);
    notices.unshift({ key: e.key, element });
  }
  for (const old of notices.splice(MAX_NOTICES)) old.element.remove();
  paintCount();
  systemNotifications(events);
}

function noticeElement(e) {
  // the notice goes once the link is followed: a link taken out of the page would not navigate
  const later = () => setTimeout(() => dismiss(e.key));
  return h(
    "li",
    { class: `alert alert-${e.kind}`, "data-case-id": e.caseId },
    h("a", { href: `#/case/${encodeURIComponent(e.caseId)}`, class: "alert-link", onclick: later }, e.text),
    h(
      "button",
      {
        type: "button",
        class: "link-button alert-dismiss",
        "aria-label": `Скрыть: ${e.text}`,
        onclick: () => dismiss(e.key),
      },
      "Скрыть",
    ),
  );
}

function dismiss(key) {
  const at = notices.findIndex((n) => n.key === key);
  if (at < 0) return;
  notices[at].element.remove();
  notices.splice(at, 1);
  paintCount();
}

function dismissAll() {
  for (const notice of notices) notice.element.remove();
  notices = [];
  paintCount();
}

/** The bar over the notices (the count, «Скрыть все», the offer of system notifications), shown
 * while there are any. */
function paintCount() {
  const el = region();
  const count = notices.length;
  el.classList.toggle("has-alerts", count > 0);
  let bar = el.querySelector(".alerts-bar");
  if (!bar) {
    bar = h(
      "div",
      { class: "alerts-bar" },
      h("span", { class: "alerts-count", id: "alerts-count" }),
      h("button", { type: "button", class: "link-button", id: "alerts-clear", onclick: dismissAll }, "Скрыть все"),
      notificationsButton(),
    );
    el.prepend(bar);
  }
  const badge = bar.querySelector(".alerts-count");
  badge.textContent = count ? countText(count) : "";
  badge.title = count ? countLabel(count) : "";
  bar.hidden = count === 0;
  setUnread(count);
}

function systemNotifications(events) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (events.length > SYSTEM_AT_ONCE) {
    systemNotification(`${counted(events.length, EVENT_FORMS)}: откройте страницу «Отклик».`, null, "otklik-many");
    return;
  }
  for (const e of events) systemNotification(e.text, e.caseId, e.key);
}

function systemNotification(body, caseId, tag) {
  try {
    const note = new Notification("Отклик", { body, tag, lang: "ru" });
    note.onclick = () => {
      window.focus();
      if (caseId) location.hash = `#/case/${encodeURIComponent(caseId)}`;
      note.close();
    };
  } catch {
    // some browsers (Chrome on Android) allow only a service worker's notifications: the
    // notice on the page is there anyway
  }
}

/** «Включить уведомления браузера», while the browser has not been asked yet: offered next to
 * the notices it would bring, and asked only when the official presses it, never by the page. */
function notificationsButton() {
  if (!("Notification" in window) || Notification.permission !== "default") return null;
  const button = h(
    "button",
    {
      type: "button",
      class: "secondary notify-on",
      id: "notify-on",
      onclick: async () => {
        const answer = await Notification.requestPermission();
        if ((answer || Notification.permission) === "default") return;
        button.remove();
        if (Notification.permission === "denied") {
          announce("Уведомления браузера запрещены: их можно разрешить в настройках сайта.", "info");
        }
      },
    },
    "Включить уведомления браузера",
  );
  return button;
}
