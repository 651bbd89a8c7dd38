// Отклик: the staff page. Sign in, the inbox of one's role, a case and what one may do with it.
// It talks only to the staff API (openapi.yaml); the server decides who may do what and the
// page only shows the actions the case view lists in `allowed_actions`.

import { ApiError, api, apiBase, serverNow, session } from "./api.js";
import { append, clear, extLink, h, safeUrl, uid } from "./dom.js";
import { clearError, configureForms, copyText, errorBox, showError, wire } from "./forms.js";
import * as M from "./manual.js";
import * as T from "./texts.js";
import { parseIso, showMinutes, showShortTime, showTime } from "./time.js";
import { loadCalendar } from "./workcal.js";

const state = {
  me: null,
  calendar: null,
  calendarFailed: false,
  view: null, // "login" | "inbox" | "case"
  filters: { status: "", department: "", overdue: false },
  cases: [],
  current: null, // the case detail on screen
  nav: 0, // bumps on every navigation; late answers of an earlier one are dropped
};

const SOON_MINUTES = 60;
const TICK_MS = 5000;
const INBOX_REFRESH_MS = 60000;

const root = document.getElementById("app");
const flash = document.getElementById("flash");

// ------------------------------------------------------------------ small things -------------

function departmentName(id) {
  const found = (state.me?.departments || []).find((d) => d.id === id);
  return found ? found.name : id;
}

function announce(text, kind = "ok") {
  clear(flash);
  flash.className = text ? `flash flash-${kind}` : "flash";
  if (text) append(flash, [text]);
}

function setTitle(text) {
  document.title = text ? `${text} — Отклик` : "Отклик";
}

function focusHeading() {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}

function badge(status, title) {
  return h("span", { class: `badge badge-${status}` }, title || T.STATUS_TITLES[status] || status);
}

function actorLabel(entry) {
  if (entry.role === "system" || entry.actor === "system") return "Система";
  if (entry.role === "curator") return "Куратор";
  const role = T.ROLE_TITLES[entry.role];
  return role ? `${entry.actor} (${role})` : entry.actor;
}

// ------------------------------------------------------------------ countdowns ---------------

/** The countdown of a deadline in working time: text and level (ok, soon, late). */
export function countdown(dueMs, now = serverNow()) {
  const cal = state.calendar;
  if (!cal || Number.isNaN(dueMs)) return { text: "—", level: "unknown", minutes: null };
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
    level: left < SOON_MINUTES ? "soon" : "ok",
    minutes: left,
  };
}

function countdownEl(dueIso) {
  const el = h("span", { class: "countdown", "data-due": String(parseIso(dueIso)) });
  paintCountdown(el, serverNow());
  return el;
}

function paintCountdown(el, now) {
  const c = countdown(Number(el.dataset.due), now);
  el.textContent = c.text;
  el.classList.remove("ok", "soon", "late", "unknown");
  el.classList.add(c.level);
  if (c.minutes !== null) el.dataset.minutes = String(c.minutes);
  const row = el.closest("[data-row-level]");
  if (row) row.dataset.rowLevel = c.level;
}

function tick() {
  const now = serverNow();
  for (const el of document.querySelectorAll(".countdown[data-due]")) paintCountdown(el, now);
  paintClock(now);
}

function paintClock(now) {
  const el = document.getElementById("work-clock");
  if (!el) return;
  const cal = state.calendar;
  if (!cal) {
    el.textContent = state.calendarFailed ? "Календарь не загружен: обратный отсчёт недоступен" : "";
    el.className = state.calendarFailed ? "work-clock off" : "work-clock";
    return;
  }
  const working = cal.isWorkingTime(now);
  const year = cal.local(now).year;
  el.textContent =
    (working ? "Рабочее время: сроки идут" : "Нерабочее время: сроки не идут") +
    (cal.covers(year) ? "" : ` · нет данных о праздниках ${year} г.`);
  el.className = `work-clock ${working ? "on" : "off"}`;
}

// ------------------------------------------------------------------ sign in / out ------------

function signedOut(message) {
  session.token = null;
  state.me = null;
  state.current = null;
  renderLogin(message);
}

function renderShell() {
  const me = state.me;
  const header = document.getElementById("topbar");
  clear(header);
  header.hidden = !me;
  if (!me) return;
  const role = T.ROLE_TITLES[me.role] || me.role;
  const dept = me.department ? ` · ${departmentName(me.department)}` : "";
  append(header, [
    h(
      "div",
      { class: "brand" },
      h("a", { href: "#/", class: "brand-name" }, "Отклик"),
      h("span", { class: "brand-sub" }, "ответы на сообщения граждан"),
    ),
    h("nav", { "aria-label": "Разделы" }, h("a", { href: "#/" }, "Входящие")),
    h("p", { id: "work-clock", class: "work-clock", "aria-live": "off" }),
    h(
      "div",
      { class: "who" },
      h("span", { class: "who-name" }, me.name || me.login),
      h("span", { class: "who-role" }, `${role}${dept}`),
    ),
    h("button", { type: "button", class: "secondary", id: "logout", onclick: logout }, "Выйти"),
  ]);
  paintClock(serverNow());
}

function renderLogin(message) {
  state.view = "login";
  state.nav += 1;
  renderShell();
  setTitle("Вход");
  clear(root);
  const box = errorBox();
  const form = h(
    "form",
    { class: "login card", novalidate: true, "aria-labelledby": "login-h" },
    h("h1", { id: "login-h" }, "Вход для сотрудников"),
    h("p", { class: "muted" }, "Отклик — ответы администрации на сообщения граждан в соцсетях."),
    message ? h("p", { class: "notice", role: "status" }, message) : null,
    h("label", { for: "login" }, "Логин"),
    h("input", {
      id: "login",
      name: "login",
      autocomplete: "username",
      required: true,
      autocapitalize: "none",
      spellcheck: "false",
    }),
    h("label", { for: "password" }, "Пароль"),
    h("input", {
      id: "password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    }),
    box,
    h("button", { type: "submit" }, "Войти"),
  );
  wire(form, box, async () => {
    const login = form.elements.login.value.trim();
    const password = form.elements.password.value;
    if (!login || !password) {
      throw new ApiError(422, "invalid_input", "Введите логин и пароль.", {});
    }
    const answer = await api("POST", "/api/v1/auth/login", { body: { login, password } });
    session.token = answer.token;
    state.me = await api("GET", "/api/v1/me");
    announce("");
    route();
  });
  append(root, [form]);
  form.elements.login.focus();
}

async function logout() {
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch {
    // the token is dropped here anyway
  }
  history.replaceState(null, "", location.pathname + location.search + "#/");
  announce("");
  signedOut("Вы вышли из системы.");
}

// ------------------------------------------------------------------ inbox --------------------

function filtersFromHash(hash) {
  const query = new URLSearchParams(hash.split("?")[1] || "");
  return {
    status: T.STATUS_TITLES[query.get("status")] ? query.get("status") : "",
    department: query.get("department") || "",
    overdue: ["1", "true", "yes"].includes((query.get("overdue") || "").toLowerCase()),
  };
}

function filtersQuery(filters) {
  const query = new URLSearchParams();
  if (filters.status) query.set("status", filters.status);
  if (filters.department) query.set("department", filters.department);
  if (filters.overdue) query.set("overdue", "1");
  return query.toString();
}

function canReadReports() {
  return state.me && ["responsible", "head"].includes(state.me.role);
}

function renderInbox(filters) {
  state.view = "inbox";
  state.filters = filters;
  state.current = null;
  setTitle("Входящие");
  clear(root);
  const me = state.me;
  const statusSelect = h(
    "select",
    { id: "filter-status", name: "status" },
    h("option", { value: "" }, "Все"),
    Object.entries(T.STATUS_TITLES).map(([value, title]) =>
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
  const filterForm = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Отбор сообщений" },
    h("div", { class: "field" }, h("label", { for: "filter-status" }, "Статус"), statusSelect),
    departmentSelect
      ? h("div", { class: "field" }, h("label", { for: "filter-department" }, "Отдел"), departmentSelect)
      : null,
    h("div", { class: "field check" }, overdueBox, h("label", { for: "filter-overdue" }, "Только просроченные")),
    h("button", { type: "submit", class: "secondary" }, "Обновить"),
  );
  const onChange = () => {
    state.filters = {
      status: statusSelect.value,
      department: departmentSelect ? departmentSelect.value : "",
      overdue: overdueBox.checked,
    };
    const query = filtersQuery(state.filters);
    history.replaceState(null, "", `#/${query ? `?${query}` : ""}`);
    loadInbox();
  };
  filterForm.addEventListener("change", onChange);
  filterForm.addEventListener("submit", (e) => {
    e.preventDefault();
    onChange();
  });

  append(root, [
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Входящие"),
      me.role === "technical"
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
    filterForm,
    h("p", { id: "inbox-count", class: "muted", role: "status" }),
    h("div", { id: "inbox-error", class: "form-error", role: "alert", hidden: true }),
    h("div", { id: "inbox-list", class: "inbox-wrap" }, h("p", { class: "muted" }, "Загрузка…")),
  ]);
  loadInbox();
}

let inboxRequests = 0;

async function loadInbox({ quiet = false } = {}) {
  const nav = state.nav;
  const request = ++inboxRequests; // only the latest request's answer is shown
  const query = filtersQuery(state.filters);
  const errorEl = document.getElementById("inbox-error");
  try {
    const data = await api("GET", `/api/v1/cases${query ? `?${query}` : ""}`);
    if (nav !== state.nav || state.view !== "inbox" || request !== inboxRequests) return;
    state.cases = data.cases || [];
    errorEl.hidden = true;
    paintInbox();
  } catch (error) {
    if (nav !== state.nav || request !== inboxRequests) return;
    if (error instanceof ApiError && error.status === 401) {
      signedOut("Сеанс завершён. Войдите снова.");
      return;
    }
    if (quiet) return;
    showError(errorEl, error);
  }
}

function nearestDeadline(c) {
  if (!c.next_due) return null;
  return { key: c.next_deadline || "contribution_due", due: c.next_due };
}

function paintInbox() {
  const holder = document.getElementById("inbox-list");
  const focusedId = document.activeElement?.closest?.("[data-case-id]")?.dataset.caseId;
  clear(holder);
  const cases = state.cases;
  const count = document.getElementById("inbox-count");
  count.textContent = cases.length ? `Сообщений: ${cases.length}` : "";
  if (!cases.length) {
    append(holder, [h("p", { class: "empty" }, "Сообщений нет.")]);
    return;
  }
  const rows = cases.map((c) => {
    const nearest = nearestDeadline(c);
    const excerpt = c.text.length > 160 ? `${c.text.slice(0, 157)}…` : c.text;
    return h(
      "tr",
      { "data-case-id": c.case_id, "data-status": c.status, "data-row-level": "ok" },
      h("td", { "data-label": "Статус" }, badge(c.status, c.status_title)),
      h(
        "td",
        { "data-label": "Сообщение", class: "cell-message" },
        h("a", { href: `#/case/${c.case_id}`, class: "case-link" }, c.topic || "Без темы"),
        c.flags && c.flags.length
          ? h("span", { class: "flag", title: "Признаки п. 20 регламента" }, " п. 20")
          : null,
        h("span", { class: "excerpt" }, excerpt),
      ),
      h("td", { "data-label": "Населённый пункт" }, c.location || "—"),
      h(
        "td",
        { "data-label": "Важность" },
        h("span", { class: `importance importance-${c.importance}` }, T.IMPORTANCE[c.importance] || c.importance),
      ),
      h("td", { "data-label": "Соцсеть" }, T.NETWORKS[c.network] || c.network),
      h(
        "td",
        { "data-label": "Ближайший срок", class: "cell-due" },
        nearest
          ? h(
              "div",
              { class: "due" },
              h("span", { class: "due-name" }, T.timerTitle(nearest.key)),
              h("span", { class: "due-time" }, `до ${showTime(nearest.due)}`),
            )
          : "—",
      ),
      h("td", { "data-label": "Осталось", class: "cell-left" }, nearest ? countdownEl(nearest.due) : "—"),
    );
  });
  const table = h(
    "table",
    { class: "inbox" },
    h("caption", { class: "visually-hidden" }, "Сообщения граждан"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Статус", "Сообщение", "Населённый пункт", "Важность", "Соцсеть", "Ближайший срок", "Осталось (рабочее время)"].map(
          (t) => h("th", { scope: "col" }, t),
        ),
      ),
    ),
    h("tbody", {}, rows),
  );
  append(holder, [table]);
  tick();
  if (focusedId) holder.querySelector(`[data-case-id="${CSS.escape(focusedId)}"] a`)?.focus();
}

// ------------------------------------------------------------------ reports ------------------

function currentMonth() {
  const tz = state.me?.timezone || "Asia/Barnaul";
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit" })
    .formatToParts(new Date(serverNow()));
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}`;
}

const MONTHS = [
  "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
  "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
];

function monthTitle(value) {
  const [year, month] = value.split("-").map(Number);
  return `${MONTHS[month - 1]} ${year}`;
}

/** "YYYY-MM" of this month and the `count - 1` months before it, newest first. */
function recentMonths(current, count) {
  let [year, month] = current.split("-").map(Number);
  const result = [];
  for (let i = 0; i < count; i += 1) {
    result.push(`${year}-${String(month).padStart(2, "0")}`);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return result;
}

function reportsBlock() {
  const month = h(
    "select",
    { id: "report-month", name: "month" },
    recentMonths(currentMonth(), 24).map((value, i) =>
      h("option", { value, selected: i === 0 }, monthTitle(value)),
    ),
  );
  const box = errorBox();
  const link = (format, text) => {
    const a = h("a", { class: "report-link", "data-format": format, href: "#" }, text);
    const update = () => {
      a.href = `${apiBase()}/api/v1/reports/monthly?month=${encodeURIComponent(month.value)}&format=${format}`;
    };
    update();
    month.addEventListener("change", update);
    a.addEventListener("click", (event) => {
      event.preventDefault();
      openReport(format, month.value, box);
    });
    return a;
  };
  return h(
    "section",
    { class: "reports card", "aria-labelledby": "reports-h" },
    h("h2", { id: "reports-h" }, "Ежемесячный отчёт (п. 23)"),
    h(
      "div",
      { class: "reports-row" },
      h("div", { class: "field" }, h("label", { for: "report-month" }, "Месяц"), month),
      h(
        "p",
        { class: "report-links" },
        link("html", "Открыть отчёт"),
        link("csv", "Скачать CSV"),
        link("xlsx", "Скачать XLSX"),
      ),
    ),
    box,
  );
}

async function openReport(format, month, box) {
  clearError(box);
  if (!/^\d{4}-\d{2}$/.test(month)) {
    showError(box, new ApiError(422, "invalid_input", "Укажите месяц (ГГГГ-ММ).", {}));
    return;
  }
  // A window opened now, before waiting for the report, is not taken for a pop-up.
  const target = format === "html" ? window.open("", "_blank") : null;
  try {
    const response = await api(
      "GET",
      `/api/v1/reports/monthly?month=${encodeURIComponent(month)}&format=${format}`,
      { raw: true },
    );
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    if (format === "html" && target) {
      target.location.href = url;
    } else if (format === "html") {
      h("a", { href: url, target: "_blank", rel: "noopener" }).click();
    } else {
      const disposition = response.headers.get("Content-Disposition") || "";
      const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || `otklik-${month}.${format}`;
      const a = h("a", { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    if (target) target.close();
    showError(box, error);
  }
}

// ------------------------------------------------------------------ the case -----------------

async function showCase(caseId) {
  state.view = "case";
  const nav = state.nav;
  setTitle("Сообщение");
  clear(root);
  append(root, [
    h("nav", { class: "crumbs", "aria-label": "Навигация" }, h("a", { href: "#/" }, "← Входящие")),
    h("p", { class: "muted" }, "Загрузка…"),
  ]);
  try {
    const detail = await api("GET", `/api/v1/cases/${encodeURIComponent(caseId)}`);
    if (nav !== state.nav) return;
    renderCase(detail);
    focusHeading();
  } catch (error) {
    if (nav !== state.nav) return;
    if (error instanceof ApiError && error.status === 401) {
      signedOut("Сеанс завершён. Войдите снова.");
      return;
    }
    clear(root);
    const box = h("div", { class: "form-error", role: "alert" });
    append(root, [
      h("nav", { class: "crumbs", "aria-label": "Навигация" }, h("a", { href: "#/" }, "← Входящие")),
      h("h1", {}, error instanceof ApiError && error.status === 404 ? "Сообщение не найдено" : "Ошибка"),
      box,
    ]);
    showError(box, error);
    focusHeading();
  }
}

async function refreshCase() {
  if (state.view !== "case" || !state.current) return route();
  const nav = state.nav;
  try {
    const detail = await api("GET", `/api/v1/cases/${encodeURIComponent(state.current.case_id)}`);
    if (nav !== state.nav) return;
    renderCase(detail);
    announce("Данные сообщения обновлены.", "info");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut("Сеанс завершён. Войдите снова.");
    else announce(error.message || "Не удалось обновить.", "error");
  }
}

/** What the manual path's views need of the page. */
function manualContext() {
  return {
    me: state.me,
    announce,
    applied,
    openCase(detail, message) {
      state.nav += 1;
      state.view = "case";
      history.pushState(null, "", `#/case/${encodeURIComponent(detail.case_id)}`);
      applied(detail, message);
      focusHeading();
    },
  };
}

function showRegister() {
  state.view = "register";
  state.current = null;
  setTitle("Регистрация сообщения");
  M.renderRegister(root, manualContext());
  focusHeading();
}

/** After an action: the server's answer is the case now. */
function applied(detail, message) {
  renderCase(detail);
  announce(message, "ok");
  flash.setAttribute("tabindex", "-1");
  flash.focus();
}

function renderCase(c) {
  state.current = c;
  const m = c.message || {};
  setTitle(`${c.topic} — ${T.STATUS_TITLES[c.status] || c.status}`);
  clear(root);
  append(root, [
    h("nav", { class: "crumbs", "aria-label": "Навигация" }, h("a", { href: "#/" }, "← Входящие")),
    h(
      "div",
      { class: "case-head" },
      h(
        "div",
        {},
        h("h1", {}, c.topic || "Сообщение", c.location ? `, ${c.location}` : ""),
        h(
          "p",
          { class: "case-sub" },
          badge(c.status, c.status_title),
          h(
            "span",
            { class: "muted" },
            `${c.external_id ? ` № ${c.external_id}` : ""} · ${
              c.source === "manual" ? `зарегистрировано вручную (${c.registered_by || "—"})` : "получено"
            } ${showTime(c.received_at)}`,
          ),
        ),
      ),
      h("button", { type: "button", class: "secondary", id: "refresh", onclick: refreshCase }, "Обновить"),
    ),
    warnings(c),
    h(
      "div",
      { class: "case-grid" },
      h(
        "div",
        { class: "case-main" },
        postSection(c, m),
        actionsSection(c),
        draftsSection(c),
      ),
      h(
        "div",
        { class: "case-side" },
        timersSection(c),
        contributionsSection(c),
        timelineSection(c),
        escalationsSection(c),
      ),
    ),
  ]);
  tick();
}

function warnings(c) {
  const items = [];
  if (c.flags && c.flags.length) {
    items.push(
      h(
        "div",
        { class: "warning", role: "note" },
        h("strong", {}, "Внимание, п. 20 регламента: "),
        `в тексте найдены признаки — ${c.flags.map((f) => T.FLAGS[f] || f).join(", ")}. `,
        "Если сообщение содержит угрозы, нецензурную брань или оскорбления, ответ не готовится: " +
          "отметьте его как не подлежащее обработке. Решение за техническим исполнителем.",
      ),
    );
  }
  if (c.repeat_of) {
    items.push(
      h(
        "div",
        { class: "warning info", role: "note" },
        h("strong", {}, "Повторное сообщение (п. 18). "),
        "Этот вопрос уже рассматривался: ",
        h("a", { href: `#/case/${c.repeat_of}` }, "прежнее сообщение"),
        c.proposed_assignee ? `; его вёл(а) ${c.proposed_assignee} — сообщение передаётся ему (ей)` : "",
        ". В ответе нужно сообщить, что сделано с тех пор.",
      ),
    );
  }
  if (c.significance) {
    items.push(
      h(
        "div",
        { class: "warning info", role: "note" },
        h("strong", {}, "Доложено главе района (п. 24): "),
        T.SIGNIFICANCE[c.significance] || c.significance,
        ".",
      ),
    );
  }
  if (T.CLOSED.has(c.status)) {
    items.push(
      h(
        "div",
        { class: "closed-note", role: "note" },
        h("strong", {}, `Сообщение закрыто: ${c.status_title || T.STATUS_TITLES[c.status]}.`),
        c.resolution_reason ? ` Основание: ${c.resolution_reason}` : "",
      ),
    );
  }
  return items.length ? h("div", { class: "warnings" }, items) : null;
}

function dl(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
  );
}

function attachmentsList(attachments) {
  if (!attachments || !attachments.length) return null;
  return h(
    "ul",
    { class: "attachments" },
    attachments.map((a, i) =>
      h("li", {}, extLink(a.url, `${T.ATTACHMENT_TYPES[a.type] || a.type} ${i + 1}`), " ", h("span", { class: "muted url" }, a.url)),
    ),
  );
}

function postSection(c, m) {
  const author = m.author || c.author || {};
  return h(
    "section",
    { class: "card post", "aria-labelledby": "post-h" },
    h("h2", { id: "post-h" }, "Сообщение гражданина"),
    h(
      "p",
      { class: "post-author" },
      safeUrl(author.url) ? extLink(author.url, author.name || author.id) : author.name || author.id || "Автор не указан",
      h("span", { class: "muted" }, ` · ${T.NETWORKS[m.network || c.network] || m.network} · ${showTime(m.detected_at)}`),
    ),
    h("blockquote", { class: "post-text" }, m.text || c.text),
    attachmentsList(m.attachments),
    h("p", {}, extLink(m.url, "Открыть публикацию в соцсети")),
    dl([
      ["Тема", c.topic],
      ["Населённый пункт", c.location || "—"],
      ["Важность", T.IMPORTANCE[c.importance] || c.importance],
      ["Соцсеть", T.NETWORKS[c.network] || c.network],
      ["Обнаружено мониторингом", showTime(m.detected_at)],
      ["Получено администрацией", showTime(c.received_at)],
      ["Куратор", m.curator ? m.curator.name || m.curator.id : null],
      ["Исполнители", c.departments.length ? c.departments.map(departmentName).join(", ") : "не назначены"],
      [
        "Предложено при разборе",
        c.proposed_departments && c.proposed_departments.length
          ? c.proposed_departments.map(departmentName).join(", ")
          : null,
      ],
    ]),
  );
}

const WAITING_FOR = {
  received: "Ожидается распределение техническим исполнителем.",
  in_work: "Исполнитель готовит проект ответа.",
  internal_review: "Проект на согласовании у ответственного исполнителя.",
  curator_review: "Проект на рассмотрении у куратора.",
  rework: "Проект дорабатывается по замечаниям куратора.",
  approved: "Технический исполнитель публикует согласованный ответ.",
  ready_to_send: "Технический исполнитель вносит согласованный проект в систему мониторинга.",
  awaiting_final: "Готовится окончательный ответ после промежуточного.",
};

function actionsSection(c) {
  const allowed = new Set(c.allowed_actions || []);
  const forms = [];
  if (allowed.has("triage")) forms.push(triageForms(c));
  if (allowed.has("contribute")) forms.push(contributionForm(c));
  if (allowed.has("submit_draft")) forms.push(draftForm(c));
  if (allowed.has("approve_draft") || allowed.has("reject_draft")) forms.push(reviewForms(c, allowed));
  const technical = state.me.role === "technical";
  if (allowed.has("mark_sent")) forms.push(M.handoverForm(c, manualContext()));
  if (allowed.has("curator_decide") && technical) forms.push(M.curatorDecisionForm(c, manualContext()));
  if (allowed.has("publish")) forms.push(publicationForm(c));
  // a curator may withdraw a message at any step; the technical executor records it
  const withdrawal = allowed.has("withdraw") && technical ? M.withdrawalForm(c, manualContext()) : null;
  return h(
    "section",
    { class: "card actions", id: "actions", "aria-labelledby": "actions-h" },
    h("h2", { id: "actions-h" }, "Действия"),
    forms.length
      ? forms
      : h(
          "p",
          { class: "muted no-actions" },
          "Для вашей роли действий по этому сообщению сейчас нет. ",
          waitingFor(c),
        ),
    withdrawal,
  );
}

function waitingFor(c) {
  if (c.status === "curator_review" && c.source === "manual") {
    return "Проект у куратора в системе мониторинга; его решение записывает технический исполнитель.";
  }
  return WAITING_FOR[c.status] || "";
}

// -- triage (clauses 10, 18, 20)

function triageForms(c) {
  const proposed = new Set(c.proposed_departments || []);
  const departments = state.me.departments || [];
  const acceptBox = errorBox();
  const accept = h(
    "form",
    { class: "action-form", "data-action": "accept" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Принять в работу и назначить исполнителей"),
      c.proposed_assignee
        ? h("p", { class: "hint" }, `Повторное сообщение: прежнее вёл(а) ${c.proposed_assignee}.`)
        : null,
      h(
        "div",
        { class: "checks" },
        departments.map((d) => {
          const id = uid("dept");
          return h(
            "div",
            { class: "check" },
            h("input", { type: "checkbox", id, name: "departments", value: d.id, checked: proposed.has(d.id) }),
            h("label", { for: id }, d.name, proposed.has(d.id) ? h("span", { class: "muted" }, " (предложено)") : null),
          );
        }),
      ),
      h(
        "p",
        { class: "hint" },
        "Несколько отделов — совместный ответ: каждый отдел даёт вклад за 2 рабочих часа, ответ пишет ответственный исполнитель.",
      ),
      acceptBox,
      h("button", { type: "submit" }, "Принять в работу"),
    ),
  );
  wire(accept, acceptBox, async () => {
    const chosen = [...accept.querySelectorAll('input[name="departments"]:checked')].map((i) => i.value);
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/triage`, {
      body: { decision: "accept", departments: chosen },
    });
    applied(detail, `Сообщение принято в работу. Исполнители: ${chosen.map(departmentName).join(", ")}.`);
  });

  const reasonForm = (decision, legend, label, button, done) => {
    const box = errorBox();
    const id = uid("reason");
    const form = h(
      "form",
      { class: "action-form", "data-action": decision },
      h(
        "fieldset",
        {},
        h("legend", {}, legend),
        h("label", { for: id }, label),
        h("textarea", { id, name: "reason", rows: 2 }),
        box,
        h("button", { type: "submit", class: "secondary" }, button),
      ),
    );
    wire(form, box, async () => {
      const detail = await api("POST", `/api/v1/cases/${c.case_id}/triage`, {
        body: { decision, reason: form.elements.reason.value },
      });
      applied(detail, done);
    });
    return form;
  };
  return h(
    "div",
    { class: "triage" },
    accept,
    reasonForm(
      "return",
      "Вернуть куратору: вне компетенции администрации (п. 10)",
      "Причина возврата",
      "Вернуть куратору",
      "Сообщение возвращено куратору.",
    ),
    reasonForm(
      "not_processable",
      "Не подлежит обработке (п. 20)",
      "Основание: угрозы, нецензурная брань, оскорбления",
      "Отметить как не подлежащее обработке",
      "Сообщение отмечено как не подлежащее обработке.",
    ),
  );
}

// -- drafting (clauses 12, 17, 19)

function contributionForm(c) {
  const mine = (c.contributions || []).find((x) => x.department === state.me.department);
  const box = errorBox();
  const id = uid("contribution");
  const form = h(
    "form",
    { class: "action-form", "data-action": "contribute" },
    h(
      "fieldset",
      {},
      h("legend", {}, `Вклад отдела «${departmentName(state.me.department)}» в совместный ответ (п. 17)`),
      mine ? h("p", { class: "hint" }, "Срок: ", showTime(mine.due), " · ", countdownEl(mine.due)) : null,
      h("label", { for: id }, "Что сделано или будет сделано по вопросу вашего отдела"),
      h("textarea", { id, name: "text", rows: 5 }),
      box,
      h("button", { type: "submit" }, "Отправить вклад"),
    ),
  );
  wire(form, box, async () => {
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/contributions`, {
      body: { text: form.elements.text.value },
    });
    applied(detail, "Вклад отдела отправлен ответственному исполнителю.");
  });
  return form;
}

function attachmentType(url) {
  const path = url.split(/[?#]/)[0].toLowerCase();
  if (/\.(jpe?g|png|gif|webp|heic|bmp)$/.test(path)) return "photo";
  if (/\.(mp4|mov|avi|webm|mkv|3gp)$/.test(path)) return "video";
  if (/\.(pdf|docx?|xlsx?|odt|ods|rtf|txt)$/.test(path)) return "document";
  return "link";
}

function draftForm(c) {
  const latest = c.drafts && c.drafts.length ? c.drafts[c.drafts.length - 1] : null;
  const reworking = latest && ["rejected", "returned"].includes(latest.status) ? latest : null;
  const onlyFinal = c.status === "awaiting_final";
  const box = errorBox();
  const textId = uid("draft-text");
  const templateId = uid("template");
  const attId = uid("draft-att");
  const name = T.addressName((c.message?.author || c.author || {}).name);
  const templates = [...T.TEMPLATES];
  const given = (c.contributions || []).filter((x) => x.text);
  if (given.length) {
    templates.unshift({
      id: "joint",
      title: "Совместный ответ из вкладов отделов",
      kind: "final",
      text: `Здравствуйте, {имя}!\n\n${given.map((x) => x.text).join("\n\n")}\n\n${T.SIGNATURE}`,
    });
  }
  const select = h(
    "select",
    { id: templateId, name: "template" },
    h("option", { value: "" }, "— выберите шаблон —"),
    templates.map((t) => h("option", { value: t.id }, t.title)),
  );
  const text = h("textarea", { id: textId, name: "text", rows: 9, value: reworking ? reworking.text : "" });
  const kindName = uid("kind");
  const kindFinal = h("input", { type: "radio", name: "kind", id: `${kindName}-f`, value: "final", checked: true });
  const kindInterim = h("input", {
    type: "radio",
    name: "kind",
    id: `${kindName}-i`,
    value: "interim",
    disabled: onlyFinal,
    checked: !onlyFinal && reworking?.kind === "interim",
  });
  if (kindInterim.checked) kindFinal.checked = false;
  let previous = null;
  const undo = h("button", { type: "button", class: "link-button", hidden: true }, "Вернуть прежний текст");
  undo.addEventListener("click", () => {
    if (previous !== null) text.value = previous;
    previous = null;
    undo.hidden = true;
    text.focus();
  });
  const insert = h("button", { type: "button", class: "secondary" }, "Вставить шаблон");
  insert.addEventListener("click", () => {
    const t = templates.find((x) => x.id === select.value);
    if (!t) {
      select.focus();
      return;
    }
    previous = text.value;
    undo.hidden = !previous;
    text.value = T.fillTemplate(t.text, { name, location: c.location });
    if (!onlyFinal) {
      kindInterim.checked = t.kind === "interim";
      kindFinal.checked = t.kind !== "interim";
    }
    text.focus();
    text.setSelectionRange(0, 0);
  });
  const form = h(
    "form",
    { class: "action-form draft-form", "data-action": "submit_draft" },
    h(
      "fieldset",
      {},
      h("legend", {}, reworking ? "Доработать проект ответа" : "Проект ответа"),
      reworking ? reworkNote(reworking) : null,
      h(
        "div",
        { class: "template-row" },
        h("div", { class: "field" }, h("label", { for: templateId }, "Шаблон ответа"), select),
        insert,
        undo,
      ),
      h(
        "fieldset",
        { class: "kind" },
        h("legend", {}, "Вид ответа"),
        h("div", { class: "check" }, kindFinal, h("label", { for: kindFinal.id }, "Окончательный")),
        h(
          "div",
          { class: "check" },
          kindInterim,
          h(
            "label",
            { for: kindInterim.id },
            "Промежуточный (окончательный — в течение 7 рабочих дней)",
          ),
        ),
        onlyFinal ? h("p", { class: "hint" }, "После промежуточного ответа готовится окончательный.") : null,
      ),
      h("label", { for: textId }, "Текст ответа"),
      h(
        "p",
        { class: "hint", id: `${textId}-hint` },
        "Пишите в стиле общения соцсети и по существу вопроса; замените заготовки в [квадратных скобках].",
      ),
      text,
      h("label", { for: attId }, "Фото и видео к ответу (ссылки, по одной в строке; необязательно)"),
      h("textarea", { id: attId, name: "attachments", rows: 2, placeholder: "https://…" }),
      box,
      h("button", { type: "submit" }, "Направить на согласование"),
    ),
  );
  text.setAttribute("aria-describedby", `${textId}-hint`);
  wire(form, box, async () => {
    const body = text.value.trim();
    const left = T.unfilledPlaceholders(body);
    if (left.length) {
      throw new ApiError(422, "placeholders", `Замените в тексте заготовки: ${[...new Set(left)].join(", ")}.`, {
        text: "остались заготовки в квадратных скобках",
      });
    }
    const attachments = form.elements.attachments.value
      .split(/\s*\n\s*/)
      .map((u) => u.trim())
      .filter(Boolean)
      .map((url) => ({ type: attachmentType(url), url }));
    const kind = kindInterim.checked ? "interim" : "final";
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/drafts`, {
      body: { text: body, kind, attachments },
    });
    applied(detail, "Проект ответа направлен на согласование ответственному исполнителю.");
  });
  return form;
}

function reworkNote(draft) {
  return h(
    "div",
    { class: "rework-note" },
    h(
      "p",
      {},
      h(
        "strong",
        {},
        draft.status === "returned" ? "Куратор вернул проект на доработку." : "Ответственный исполнитель вернул проект.",
      ),
      " Текст прежнего проекта — в поле ниже.",
    ),
    commentsList(draft.comments),
  );
}

// -- internal approval (clause 12)

function reviewForms(c, allowed) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "internal_review");
  if (!draft) return h("p", { class: "muted" }, "Проекта на согласовании нет.");
  const parts = [
    h(
      "div",
      { class: "review-draft" },
      h("p", { class: "muted" }, `Проект (${T.DRAFT_KINDS[draft.kind] || draft.kind}) от ${draft.author}, ${showTime(draft.created_at)}:`),
      h("blockquote", { class: "draft-text" }, draft.text),
      attachmentsList(draft.attachments),
    ),
  ];
  if (allowed.has("approve_draft")) {
    const box = errorBox();
    const form = h(
      "form",
      { class: "action-form", "data-action": "approve_draft" },
      box,
      h("button", { type: "submit" }, "Согласовать и направить куратору"),
    );
    wire(form, box, async () => {
      const detail = await api("POST", `/api/v1/cases/${c.case_id}/drafts/${draft.draft_id}/approve`);
      applied(detail, "Проект согласован и направлен куратору.");
    });
    parts.push(form);
  }
  if (allowed.has("reject_draft")) {
    const box = errorBox();
    const id = uid("reject");
    const form = h(
      "form",
      { class: "action-form", "data-action": "reject_draft" },
      h(
        "fieldset",
        {},
        h("legend", {}, "Вернуть исполнителю"),
        h("label", { for: id }, "Что исправить"),
        h("textarea", { id, name: "comment", rows: 3 }),
        box,
        h("button", { type: "submit", class: "secondary" }, "Вернуть на доработку"),
      ),
    );
    wire(form, box, async () => {
      const detail = await api("POST", `/api/v1/cases/${c.case_id}/drafts/${draft.draft_id}/reject`, {
        body: { comment: form.elements.comment.value },
      });
      applied(detail, "Проект возвращён исполнителю на доработку.");
    });
    parts.push(form);
  }
  return h("div", { class: "review" }, parts);
}

// -- publication (clause 15)

function publicationForm(c) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "approved");
  const box = errorBox();
  const id = uid("pub-url");
  const copy = draft
    ? h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => copyText(draft.text, announce, "Текст ответа скопирован."),
        },
        "Скопировать текст ответа",
      )
    : null;
  const form = h(
    "form",
    { class: "action-form", "data-action": "publish" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Публикация согласованного ответа (п. 15)"),
      h(
        "p",
        { class: "hint" },
        "Опубликуйте ответ в той же ветке (",
        extLink(c.message?.url, "публикация гражданина"),
        "); если это невозможно — от имени администрации со ссылкой на автора. Затем укажите ссылку на ответ.",
      ),
      draft ? h("blockquote", { class: "draft-text" }, draft.text) : null,
      copy,
      h("label", { for: id }, "Ссылка на опубликованный ответ"),
      h("input", { id, name: "url", type: "url", inputmode: "url", placeholder: "https://vk.com/wall…" }),
      box,
      h("button", { type: "submit" }, "Записать публикацию"),
    ),
  );
  wire(form, box, async () => {
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/publication`, {
      body: { url: form.elements.url.value.trim() },
    });
    applied(detail, "Публикация записана.");
  });
  return form;
}

// -- what the case shows

function timersSection(c) {
  const timers = [...(c.timers || [])].sort((a, b) => {
    if (a.running !== b.running) return a.running ? -1 : 1;
    return parseIso(a.due) - parseIso(b.due);
  });
  return h(
    "section",
    { class: "card timers", "aria-labelledby": "timers-h" },
    h("h2", { id: "timers-h" }, "Сроки"),
    timers.length
      ? h(
          "table",
          { class: "compact" },
          h(
            "thead",
            {},
            h("tr", {}, ["Срок", "До", "Состояние"].map((t) => h("th", { scope: "col" }, t))),
          ),
          h(
            "tbody",
            {},
            timers.map((t) =>
              h(
                "tr",
                { "data-timer": t.deadline, "data-running": String(t.running) },
                h(
                  "th",
                  { scope: "row" },
                  T.timerTitle(t.department ? `${t.deadline}:${t.department}` : t.deadline, departmentName),
                  h(
                    "span",
                    { class: "muted timer-meta" },
                    `п. ${t.clause} · часы: ${T.PARTIES[t.party] || t.party}`,
                  ),
                ),
                h("td", {}, showTime(t.due)),
                h(
                  "td",
                  {},
                  t.running
                    ? countdownEl(t.due)
                    : h(
                        "span",
                        { class: `outcome outcome-${t.outcome}` },
                        `${T.OUTCOMES[t.outcome] || "остановлен"}${t.stopped_at ? ` (${showShortTime(t.stopped_at)})` : ""}`,
                      ),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Сроков нет."),
  );
}

function contributionsSection(c) {
  if (!c.contributions || !c.contributions.length) return null;
  return h(
    "section",
    { class: "card contributions", "aria-labelledby": "contrib-h" },
    h("h2", { id: "contrib-h" }, "Вклады отделов (п. 17)"),
    h(
      "ul",
      { class: "plain" },
      c.contributions.map((x) =>
        h(
          "li",
          { class: "contribution" },
          h("strong", {}, departmentName(x.department)),
          h("span", { class: "muted" }, ` · срок ${showTime(x.due)}`),
          x.submitted_at
            ? [
                h("span", { class: "muted" }, ` · представлен ${showTime(x.submitted_at)} (${x.author})`),
                h("blockquote", {}, x.text),
              ]
            : h("p", { class: "pending" }, "Ещё не представлен."),
        ),
      ),
    ),
  );
}

function commentsList(comments) {
  if (!comments || !comments.length) return null;
  return h(
    "ul",
    { class: "comments" },
    comments.map((cm) =>
      h(
        "li",
        { class: cm.role === "curator" ? "comment comment-curator" : "comment" },
        h(
          "p",
          { class: "comment-head" },
          h("strong", {}, cm.role === "curator" ? "Замечание куратора" : `Комментарий: ${T.ROLE_TITLES[cm.role] || cm.role}`),
          h("span", { class: "muted" }, ` · ${cm.role === "curator" ? "" : `${cm.by}, `}${showTime(cm.at)}`),
        ),
        h("p", { class: "comment-text" }, cm.text),
      ),
    ),
  );
}

function draftsSection(c) {
  const drafts = c.drafts || [];
  return h(
    "section",
    { class: "card drafts", "aria-labelledby": "drafts-h" },
    h("h2", { id: "drafts-h" }, "Проекты ответа"),
    drafts.length
      ? drafts
          .map((d, i) =>
            h(
              "article",
              { class: `draft draft-${d.status}`, "data-draft-id": d.draft_id, "aria-label": `Проект № ${i + 1}` },
              h(
                "h3",
                {},
                `Проект № ${i + 1} — ${T.DRAFT_KINDS[d.kind] || d.kind}`,
                i === drafts.length - 1 ? h("span", { class: "muted" }, " (последний)") : null,
              ),
              h("p", { class: `draft-status status-${d.status}` }, T.DRAFT_STATUSES[d.status] || d.status),
              dl([
                ["Автор", d.author],
                ["Создан", showTime(d.created_at)],
                ["Направлен куратору", d.sent_to_curator_at ? showTime(d.sent_to_curator_at) : null],
                ["Решение куратора", d.curator_decided_at ? showTime(d.curator_decided_at) : null],
                ["Опубликован", d.published_at ? showTime(d.published_at) : null],
                ["Ссылка на ответ", d.published_url ? extLink(d.published_url) : null],
              ]),
              h("blockquote", { class: "draft-text" }, d.text),
              attachmentsList(d.attachments),
              commentsList(d.comments),
            ),
          )
          .reverse()
      : h("p", { class: "muted" }, "Проектов пока нет."),
  );
}

function timelineSection(c) {
  return h(
    "section",
    { class: "card timeline", "aria-labelledby": "timeline-h" },
    h("h2", { id: "timeline-h" }, "Ход работы"),
    h(
      "ol",
      { class: "events" },
      (c.timeline || []).map((e) =>
        h(
          "li",
          { "data-action": e.action },
          h("time", { datetime: e.at }, showTime(e.at)),
          h("span", { class: "actor" }, actorLabel(e)),
          h("span", { class: "what" }, T.timelinePhrase(e, departmentName)),
        ),
      ),
    ),
  );
}

function escalationsSection(c) {
  const list = c.escalations || [];
  return h(
    "section",
    { class: "card escalations", "aria-labelledby": "esc-h" },
    h("h2", { id: "esc-h" }, "Предупреждения и нарушения сроков"),
    list.length
      ? h(
          "ul",
          { class: "plain" },
          list.map((e) =>
            h(
              "li",
              { class: `escalation escalation-${e.kind}` },
              h("strong", {}, `${T.ESCALATION_KINDS[e.kind] || e.kind}: `),
              T.timerTitle(e.timer, departmentName),
              h(
                "span",
                { class: "muted" },
                ` · ${showTime(e.at)} · часы: ${T.PARTIES[e.party] || e.party} · отвечает: ${
                  T.ROLE_TITLES[e.accountable] || e.accountable
                } · уровень ${e.level} · уведомлены: ${(e.notified || []).join(", ") || "—"}`,
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Нет."),
  );
}

// ------------------------------------------------------------------ routing ------------------

function route() {
  state.nav += 1;
  if (!session.token || !state.me) {
    renderLogin();
    return;
  }
  renderShell();
  const hash = location.hash || "#/";
  const match = /^#\/case\/([^/?#]+)/.exec(hash);
  if (match) {
    showCase(decodeURIComponent(match[1]));
  } else if (hash.startsWith("#/register") && state.me.role === "technical") {
    showRegister();
  } else {
    renderInbox(filtersFromHash(hash));
    focusHeading();
  }
}

async function boot() {
  configureForms({ refresh: () => refreshCase(), signedOut });
  document.querySelector(".skip-link")?.addEventListener("click", (event) => {
    event.preventDefault(); // the hash is the page's address: do not change it
    document.getElementById("main").focus();
  });
  loadCalendar()
    .then((cal) => {
      state.calendar = cal;
      window.otklikCalendar = cal;
      tick();
    })
    .catch((error) => {
      console.error(error);
      state.calendarFailed = true;
      paintClock(serverNow());
    });
  window.addEventListener("hashchange", () => {
    announce("");
    route();
  });
  setInterval(tick, TICK_MS);
  setInterval(() => {
    if (state.view === "inbox" && document.visibilityState === "visible") loadInbox({ quiet: true });
  }, INBOX_REFRESH_MS);
  if (session.token) {
    try {
      state.me = await api("GET", "/api/v1/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signedOut("Сеанс завершён. Войдите снова.");
      } else {
        renderLogin(error.message);
      }
      return;
    }
  }
  route();
}

window.otklik = { state, countdown };
boot();
