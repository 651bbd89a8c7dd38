// «Сводка»: the head of district's day at a glance (clauses 22-24) — today's missed deadlines,
// today's socially significant messages still open, each department's answers on time this
// month, and the open cases by status. One request (GET /api/v1/dashboard); the server decides
// who may read it, the page only says what it answered.

import { append, clear, h } from "./dom.js";
import { errorBox, loadView } from "./forms.js";
import { focusHeading, setTitle } from "./page.js";
import { monthTitle } from "./reports.js";
import { state } from "./state.js";
import { capitalize, counted } from "./texts.js";
import { showShortTime, showTime } from "./time.js";
import { name } from "./vocabulary.js";

const BREACHES = ["нарушение", "нарушения", "нарушений"];
const MESSAGES = ["сообщение", "сообщения", "сообщений"];
const CASES = ["обращение", "обращения", "обращений"];
// As the reports word it (otklik.service.reports.BEFORE_RECEIPT_RU).
const BEFORE_RECEIPT = "никто: поступило с опозданием, срок истёк до поступления";

function caseLink(item) {
  return h(
    "a",
    { class: "case-link", href: `#/case/${encodeURIComponent(item.case_id)}` },
    item.external_id || "Сообщение",
  );
}

function table(caption, columns, rows) {
  return h(
    "table",
    {},
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows),
  );
}

function section(id, title, summary, body) {
  return h(
    "section",
    { class: "card", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title),
    h("p", { class: "muted" }, summary),
    body,
  );
}

function breachesSection(breaches) {
  const rows = breaches.map((b) =>
    h(
      "tr",
      { "data-case": b.case_id },
      h("td", {}, caseLink(b), h("span", { class: "excerpt" }, b.topic)),
      h("td", {}, capitalize(b.title)),
      h("td", {}, showShortTime(b.due)),
      h("td", {}, showShortTime(b.recorded_at)),
      h("td", {}, name("parties", b.party)),
      h("td", {}, b.before_receipt ? BEFORE_RECEIPT : b.officials.join(", ") || "—"),
      h("td", {}, b.departments.join(", ") || "—"),
    ),
  );
  return section(
    "dashboard-breaches",
    "Нарушения сроков сегодня (п. 22)",
    breaches.length ? `Сегодня ${counted(breaches.length, BREACHES)}, последние сверху.` : "Сегодня сроки не нарушены.",
    breaches.length
      ? table(
          "Нарушения сроков сегодня",
          ["Сообщение", "Срок", "Наступил", "Зафиксировано", "Чьи часы", "Ответственные", "Отделы"],
          rows,
        )
      : null,
  );
}

function significantSection(items) {
  const rows = items.map((c) =>
    h(
      "tr",
      { "data-case": c.case_id },
      h("td", { class: "cell-message" }, caseLink(c), h("span", { class: "excerpt" }, c.text)),
      h("td", {}, capitalize(name("significance", c.significance))),
      h("td", {}, [c.topic, c.location].filter(Boolean).join(", ")),
      h("td", {}, showShortTime(c.received_at)),
      h("td", {}, name("statuses", c.status)),
      h("td", {}, c.next_due ? showShortTime(c.next_due) : "—"),
      h("td", {}, c.departments.join(", ") || "не распределено"),
    ),
  );
  return section(
    "dashboard-significant",
    "Социально значимые сообщения сегодня (п. 24)",
    items.length
      ? `${capitalize(counted(items.length, MESSAGES))} ещё в работе.`
      : "Сегодня социально значимых сообщений в работе нет.",
    items.length
      ? table(
          "Социально значимые сообщения сегодня",
          ["Сообщение", "Основание", "Тема и место", "Поступило", "Статус", "Ближайший срок", "Отделы"],
          rows,
        )
      : null,
  );
}

function share(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

function departmentsSection(departments, month) {
  const rows = departments.map((d) =>
    h(
      "tr",
      { "data-department": d.department },
      h("th", { scope: "row" }, d.name),
      h("td", {}, String(d.answered)),
      h("td", {}, String(d.on_time)),
      h("td", {}, String(d.late)),
      h("td", { class: "share" }, share(d.share)),
      h("td", {}, String(d.in_work)),
    ),
  );
  return section(
    "dashboard-departments",
    "Ответы в срок по отделам",
    `${monthTitle(month)}, с начала месяца: срок публикации ответа (T2) — соблюдён или нарушен.`,
    table("Ответы в срок по отделам", ["Отдел", "Отвечено", "В срок", "С нарушением", "Доля в срок", "В работе"], rows),
  );
}

function statusesSection(counts) {
  const entries = Object.entries(counts);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return section(
    "dashboard-statuses",
    "Обращения в работе",
    total ? `Всего ${counted(total, CASES)}.` : "Открытых обращений нет.",
    total ? h("ul", {}, entries.map(([status, n]) => h("li", {}, `${name("statuses", status)}: ${n}`))) : null,
  );
}

function paint(holder, data) {
  clear(holder);
  append(holder, [
    h("p", { class: "muted", id: "dashboard-made" }, `Данные на ${showTime(data.generated_at)}.`),
    breachesSection(data.breaches || []),
    significantSection(data.significant || []),
    departmentsSection(data.departments || [], data.month),
    statusesSection(data.open_by_status || {}),
  ]);
}

export async function renderDashboard(root, ctx) {
  state.view = "dashboard";
  state.current = null;
  setTitle("Сводка");
  const box = errorBox();
  const holder = h("div", { id: "dashboard" }, h("p", { class: "muted" }, "Загрузка…"));
  clear(root);
  append(root, [h("div", { class: "page-head" }, h("h1", {}, "Сводка за сегодня")), box, holder]);
  focusHeading();
  await loadView("/api/v1/dashboard", { holder, box, ctx }, (data) => paint(holder, data));
}
