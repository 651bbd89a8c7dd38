// The inbox: the cases of one's role as the server orders them (what awaits one's decision
// first, then by the nearest deadline), with filters kept in the address (status, department,
// overdue, a search `q`, closed cases shown or not) and a live countdown of the viewer's own
// deadline (the server's `my_due`: the timer their role answers for), the most urgent one of
// anybody under it when that is another; whose turn it is; a title of topic, place, author and
// the first words. Refreshed quietly every minute while it is on screen.
// The server sends it a page at a time (GET /api/v1/cases?limit=&cursor=): «Показать ещё» under
// the table loads the next page, by itself as it scrolls into view; a change of the filters
// starts again from the first page.

import { api, sessionEnded } from "./api.js";
import { append, clear, h } from "./dom.js";
import { countdownEl, tick } from "./countdown.js";
import { showError } from "./forms.js";
import { root, setTitle } from "./page.js";
import { canReadReports, reportsBlock } from "./reports.js";
import { colleagueName, departmentName, state } from "./state.js";
import { capitalize, counted, timerTitle } from "./texts.js";
import { showTime } from "./time.js";
import { entries, known, name } from "./vocabulary.js";
import { badge } from "./widgets.js";

const COLUMNS = [
  "Статус",
  "Сообщение",
  "Чей ход",
  "Важность",
  "Соцсеть",
  "Ваш срок",
  "Осталось (рабочее время)",
];

const YES = ["1", "true", "yes"];

/** The filters of an address such as "#/?status=received&overdue=1". */
export function filtersFromHash(hash) {
  const query = new URLSearchParams(hash.split("?")[1] || "");
  const status = query.get("status") || "";
  return {
    status: known("statuses", status) ? status : "",
    department: query.get("department") || "",
    overdue: YES.includes((query.get("overdue") || "").toLowerCase()),
    q: (query.get("q") || "").trim(),
    closed: YES.includes((query.get("closed") || "").toLowerCase()),
  };
}

function filtersQuery(filters) {
  const query = new URLSearchParams();
  if (filters.status) query.set("status", filters.status);
  if (filters.department) query.set("department", filters.department);
  if (filters.overdue) query.set("overdue", "1");
  if (filters.q) query.set("q", filters.q);
  if (filters.closed) query.set("closed", "1");
  return query.toString();
}

function filterForm(filters, ctx) {
  const me = state.me;
  const statusSelect = h(
    "select",
    { id: "filter-status", name: "status" },
    h("option", { value: "" }, "Все"),
    entries("statuses").map(([value, title]) =>
      h("option", { value, selected: value === filters.status }, title),
    ),
  );
  const departmentSelect =
    me.role === "executor"
      ? null
      : h(
          "select",
          { id: "filter-department", name: "department" },
          h("option", { value: "" }, "Все"),
          (me.departments || []).map((d) =>
            h("option", { value: d.id, selected: d.id === filters.department }, d.name),
          ),
        );
  const overdueBox = h("input", {
    type: "checkbox",
    id: "filter-overdue",
    name: "overdue",
    checked: filters.overdue,
  });
  const closedBox = h("input", {
    type: "checkbox",
    id: "filter-closed",
    name: "closed",
    checked: filters.closed,
  });
  const search = h("input", {
    type: "search",
    id: "filter-q",
    name: "q",
    value: filters.q || "",
    maxlength: 200,
    placeholder: "слово из текста, автор, место, номер",
    autocomplete: "off",
  });
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Отбор сообщений" },
    h("div", { class: "field field-search" }, h("label", { for: "filter-q" }, "Поиск"), search),
    h("div", { class: "field" }, h("label", { for: "filter-status" }, "Статус"), statusSelect),
    departmentSelect
      ? h("div", { class: "field" }, h("label", { for: "filter-department" }, "Отдел"), departmentSelect)
      : null,
    h("div", { class: "field check" }, overdueBox, h("label", { for: "filter-overdue" }, "Только просроченные")),
    h("div", { class: "field check" }, closedBox, h("label", { for: "filter-closed" }, "Показать закрытые")),
    h("button", { type: "submit", class: "secondary" }, "Обновить"),
  );
  let typing = null; // the search runs a moment after the official stops typing
  const onChange = () => {
    clearTimeout(typing);
    state.filters = {
      status: statusSelect.value,
      department: departmentSelect ? departmentSelect.value : "",
      overdue: overdueBox.checked,
      q: search.value.trim(),
      closed: closedBox.checked,
    };
    const query = filtersQuery(state.filters);
    history.replaceState(null, "", `#/${query ? `?${query}` : ""}`);
    loadInbox(ctx);
  };
  form.addEventListener("change", onChange);
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      if (search.value.trim() !== (state.filters.q || "")) onChange();
    }, 400);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onChange();
  });
  return form;
}

export function renderInbox(filters, ctx) {
  state.view = "inbox";
  state.filters = filters;
  state.current = null;
  setTitle("Входящие");
  clear(root);
  append(root, [
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Входящие"),
      state.me.role === "technical"
        ? h("p", {}, h("a", { href: "#/register", class: "button", id: "register-link" }, "Зарегистрировать сообщение"))
        : null,
      h(
        "p",
        { class: "muted" },
        "Сначала — сообщения, которые ждут вашего решения, затем по ближайшему сроку. " +
          "Остаток времени считается в рабочих минутах: пн–пт 9:00–13:00 и 14:00–18:00 " +
          "(время Барнаула), без праздников; в предпраздничные дни на час короче.",
      ),
    ),
    canReadReports() ? reportsBlock() : null,
    filterForm(filters, ctx),
    h("p", { id: "inbox-count", class: "muted", role: "status" }),
    h("div", { id: "inbox-error", class: "form-error", role: "alert", hidden: true }),
    h("div", { id: "inbox-list", class: "inbox-wrap" }, h("p", { class: "muted" }, "Загрузка…")),
  ]);
  loadInbox(ctx);
}

const PAGE = 50; // the server's default page
const MAX_PAGE = 200; // the most the server sends at once

let inboxRequests = 0;
let nextCursor = null; // of the page after what is shown; null: all is shown
let loadingMore = false;
let moreObserver = null;

function pageUrl(limit, cursor) {
  const query = new URLSearchParams(filtersQuery(state.filters));
  if (limit !== PAGE) query.set("limit", String(limit));
  if (cursor) query.set("cursor", cursor);
  const text = query.toString();
  return `/api/v1/cases${text ? `?${text}` : ""}`;
}

/** Ask the server for the inbox of the current filters from its first page; `quiet` keeps
 * errors off the screen (the periodic refresh), and fetches as many cases as are shown so the
 * list does not shrink under the official's eyes. */
export async function loadInbox(ctx, { quiet = false } = {}) {
  const nav = state.nav;
  const request = ++inboxRequests; // only the latest request's answer is shown
  const want = quiet ? Math.max(PAGE, state.cases.length) : PAGE;
  const errorEl = document.getElementById("inbox-error");
  try {
    let cases = [];
    let cursor = null;
    do {
      const limit = Math.min(MAX_PAGE, Math.max(PAGE, want - cases.length));
      const data = await api("GET", pageUrl(limit, cursor));
      if (nav !== state.nav || state.view !== "inbox" || request !== inboxRequests) return;
      cases = cases.concat(data.cases || []);
      cursor = data.cursor || null;
    } while (cursor && cases.length < want);
    state.cases = cases;
    nextCursor = cursor;
    loadingMore = false;
    errorEl.hidden = true;
    paintInbox(ctx);
  } catch (error) {
    if (nav !== state.nav || request !== inboxRequests) return;
    handleError(ctx, error, errorEl, quiet);
  }
}

/** The next page, added under what is shown. */
async function loadMore(ctx) {
  if (!nextCursor || loadingMore) return;
  loadingMore = true;
  const nav = state.nav;
  const request = inboxRequests; // a fresh load (filters, refresh) makes this answer stale
  const errorEl = document.getElementById("inbox-error");
  const button = document.getElementById("inbox-more");
  if (button) {
    button.disabled = true;
    button.textContent = "Загрузка…";
  }
  try {
    const data = await api("GET", pageUrl(PAGE, nextCursor));
    if (nav !== state.nav || state.view !== "inbox" || request !== inboxRequests) return;
    const shown = new Set(state.cases.map((c) => c.case_id));
    state.cases = state.cases.concat((data.cases || []).filter((c) => !shown.has(c.case_id)));
    nextCursor = data.cursor || null;
    errorEl.hidden = true;
    loadingMore = false;
    paintInbox(ctx);
  } catch (error) {
    if (nav !== state.nav || request !== inboxRequests) return;
    loadingMore = false;
    if (button) {
      button.disabled = false;
      button.textContent = "Показать ещё";
    }
    handleError(ctx, error, errorEl, false);
  }
}

function handleError(ctx, error, errorEl, quiet) {
  if (sessionEnded(error)) {
    ctx.signedOut("Сеанс завершён. Войдите снова.");
    return;
  }
  if (quiet) return;
  showError(errorEl, error);
}

/** «Показать ещё», pressed by itself when it scrolls into view. */
function moreButton(ctx) {
  const button = h(
    "button",
    { type: "button", class: "secondary", id: "inbox-more" },
    "Показать ещё",
  );
  button.addEventListener("click", () => loadMore(ctx));
  if ("IntersectionObserver" in window) {
    moreObserver = new IntersectionObserver(
      (seen) => {
        if (seen.some((e) => e.isIntersecting)) loadMore(ctx);
      },
      { rootMargin: "200px" },
    );
    moreObserver.observe(button);
  }
  return h("p", { class: "inbox-more" }, button);
}

function nearestDeadline(c) {
  if (!c.next_due) return null;
  return { key: c.next_deadline || "contribution_due", due: c.next_due, warn: c.next_warn_from };
}

/** The deadline the viewer answers for (the server's `my_*`), or null. */
function ownDeadline(c) {
  if (!c.my_due) return null;
  const key = c.my_department ? `${c.my_deadline}:${c.my_department}` : c.my_deadline;
  return { key, due: c.my_due, warn: c.my_warn_from };
}

const TITLE_WORDS = 8;

/** «Дороги, с. Зудилово — Ирина Петрова: Когда отремонтируют дорогу по ул. Ленина…»: the place
 * is in the title, so the table has no column of its own for it. */
export function caseTitle(c, words = TITLE_WORDS) {
  const head = [c.topic || "Без темы", c.location].filter(Boolean).join(", ");
  const all = String(c.text || "").split(/\s+/).filter(Boolean);
  const start = all.slice(0, words).join(" ").replace(/[\s,.;:—-]+$/, "");
  const first = start ? `${start}${all.length > words ? "…" : ""}` : "";
  const author = c.author && c.author.name ? c.author.name : "";
  const who = [author, first].filter(Boolean).join(": ");
  return who ? `${head} — ${who}` : head;
}

/** «Чей ход»: the role (for executors, the departments) whose action the case awaits. */
function turnCell(c) {
  const t = c.turn;
  if (!t) return "—";
  const role = capitalize(name("roles", t.role));
  const assigned = (t.assignees || []).map(colleagueName);
  const text =
    t.role === "executor" && t.departments.length
      ? `${role}: ${t.departments.map(departmentName).join(", ")}${assigned.length ? ` (${assigned.join(", ")})` : ""}`
      : role;
  return h(
    "span",
    { class: t.mine ? "turn turn-mine" : "turn" },
    text,
    t.mine ? h("strong", { class: "turn-you" }, " — ваш ход") : null,
  );
}

function dueCell(own, nearest) {
  const other =
    nearest && (!own || nearest.key !== own.key || nearest.due !== own.due)
      ? h(
          "div",
          { class: "due-other" },
          h("span", { class: "due-other-title" }, `Ближайший срок: ${timerTitle(nearest.key, departmentName)}`),
          h("span", { class: "due-time" }, `до ${showTime(nearest.due)}`),
          own ? countdownEl(nearest.due, nearest.warn) : null,
        )
      : null;
  if (!own) {
    return nearest ? [h("span", { class: "due-none muted" }, "Ваших сроков нет"), other] : "—";
  }
  return h(
    "div",
    { class: "due due-own" },
    h("span", { class: "due-name" }, timerTitle(own.key, departmentName)),
    h("span", { class: "due-time" }, `до ${showTime(own.due)}`),
    other,
  );
}

function caseRow(c) {
  const nearest = nearestDeadline(c);
  const own = ownDeadline(c);
  const main = own || nearest; // the countdown of the «Осталось» column
  const excerpt = c.text.length > 160 ? `${c.text.slice(0, 157).trimEnd()}…` : c.text;
  const cut = c.text.split(/\s+/).filter(Boolean).length > TITLE_WORDS; // else all in the title
  return h(
    "tr",
    { "data-case-id": c.case_id, "data-status": c.status, "data-row-level": "ok" },
    h("td", { "data-label": "Статус" }, badge(c.status, c.status_title)),
    h(
      "td",
      { "data-label": "Сообщение", class: "cell-message" },
      h("a", { href: `#/case/${c.case_id}`, class: "case-link" }, caseTitle(c)),
      c.flags && c.flags.length
        ? h("span", { class: "flag", title: "Признаки п. 20 регламента" }, " п. 20")
        : null,
      cut ? h("span", { class: "excerpt" }, excerpt) : null,
    ),
    h("td", { "data-label": "Чей ход", class: "cell-turn" }, turnCell(c)),
    h(
      "td",
      { "data-label": "Важность" },
      h("span", { class: `importance importance-${c.importance}` }, name("importance", c.importance)),
    ),
    h("td", { "data-label": "Соцсеть" }, name("networks", c.network)),
    h("td", { "data-label": "Ваш срок", class: "cell-due" }, dueCell(own, nearest)),
    h("td", { "data-label": "Осталось", class: "cell-left" }, main ? countdownEl(main.due, main.warn) : "—"),
  );
}

function paintInbox(ctx) {
  const holder = document.getElementById("inbox-list");
  if (!holder) return;
  const focusedId = document.activeElement?.closest?.("[data-case-id]")?.dataset.caseId;
  const moreFocused = document.activeElement?.id === "inbox-more";
  if (moreObserver) {
    moreObserver.disconnect();
    moreObserver = null;
  }
  clear(holder);
  const cases = state.cases;
  const count = document.getElementById("inbox-count");
  count.textContent = cases.length
    ? `Показано ${counted(cases.length, ["сообщение", "сообщения", "сообщений"])}` +
      (nextCursor ? " — есть ещё" : "")
    : "";
  if (!cases.length) {
    const f = state.filters || {};
    append(holder, [
      h(
        "p",
        { class: "empty" },
        f.q ? `По запросу «${f.q}» сообщений не найдено.` : "Сообщений нет.",
        f.closed || f.status ? "" : " Закрытые скрыты: «Показать закрытые» покажет их.",
      ),
    ]);
    return;
  }
  const table = h(
    "table",
    { class: "inbox" },
    h("caption", { class: "visually-hidden" }, "Сообщения граждан"),
    h("thead", {}, h("tr", {}, COLUMNS.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, cases.map(caseRow)),
  );
  append(holder, [table, nextCursor ? moreButton(ctx) : null]);
  tick();
  if (focusedId) holder.querySelector(`[data-case-id="${CSS.escape(focusedId)}"] a`)?.focus();
  else if (moreFocused) document.getElementById("inbox-more")?.focus();
}
