// The case view: the head (topic, status, refresh), the warnings of routing (clauses 18, 20, 24),
// the citizen's post, the actions the server allows (actions.js), the drafts, and on the side
// the deadlines with live countdowns, the departments' contributions, the timeline and the
// warnings and breaches of deadlines.

import { ApiError, api, sessionEnded } from "./api.js";
import { actionsSection } from "./actions.js";
import { countdownEl, tick } from "./countdown.js";
import { append, clear, extLink, h, safeUrl } from "./dom.js";
import { showError } from "./forms.js";
import { announce, focusFlash, focusHeading, root, setTitle } from "./page.js";
import { assignmentSection } from "./assignment.js";
import { notesSection } from "./notes.js";
import { printButton, printHeader } from "./print.js";
import { colleagueName, departmentName, state } from "./state.js";
import { capitalize, timelinePhrase, timerTitle } from "./texts.js";
import { parseIso, showShortTime, showTime } from "./time.js";
import { known, name } from "./vocabulary.js";
import { attachmentsList, badge, commentsList, facts } from "./widgets.js";

// Statuses in which nothing more happens to a case (otklik.domain.states.CLOSED).
const CLOSED = new Set(["returned_to_curator", "not_processable", "answered", "withdrawn"]);

const crumbs = () =>
  h("nav", { class: "crumbs", "aria-label": "Навигация" }, h("a", { href: "#/" }, "← Входящие"));

/** Load a case and show it (or why it cannot be shown). */
export async function showCase(caseId, ctx) {
  state.view = "case";
  const nav = state.nav;
  setTitle("Сообщение");
  clear(root);
  append(root, [crumbs(), h("p", { class: "muted" }, "Загрузка…")]);
  try {
    const detail = await api("GET", `/api/v1/cases/${encodeURIComponent(caseId)}`);
    if (nav !== state.nav) return;
    renderCase(detail, ctx);
    focusHeading();
  } catch (error) {
    if (nav !== state.nav) return;
    if (sessionEnded(error)) {
      ctx.signedOut("Сеанс завершён. Войдите снова.");
      return;
    }
    clear(root);
    const box = h("div", { class: "form-error", role: "alert" });
    append(root, [
      crumbs(),
      h("h1", {}, error instanceof ApiError && error.status === 404 ? "Сообщение не найдено" : "Ошибка"),
      box,
    ]);
    showError(box, error);
    focusHeading();
  }
}

/** Read the case on screen afresh (after a 409, or the «Обновить» button). */
export async function refreshCase(ctx) {
  if (state.view !== "case" || !state.current) return ctx.route();
  const nav = state.nav;
  try {
    const detail = await api("GET", `/api/v1/cases/${encodeURIComponent(state.current.case_id)}`);
    if (nav !== state.nav) return;
    renderCase(detail, ctx);
    announce("Данные сообщения обновлены.", "info");
  } catch (error) {
    if (sessionEnded(error)) ctx.signedOut("Сеанс завершён. Войдите снова.");
    else announce(error.message || "Не удалось обновить.", "error");
  }
}

/** After an action: the server's answer is the case now; say what was done. */
export function applied(ctx, detail, message) {
  renderCase(detail, ctx);
  announce(message, "ok");
  focusFlash();
}

export function renderCase(c, ctx) {
  state.current = c;
  const m = c.message || {};
  setTitle(`${c.topic} — ${name("statuses", c.status)}`);
  clear(root);
  append(root, [
    printHeader(c),
    crumbs(),
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
      h(
        "div",
        { class: "case-tools" },
        printButton(),
        h("button", { type: "button", class: "secondary", id: "refresh", onclick: () => refreshCase(ctx) }, "Обновить"),
      ),
    ),
    warnings(c),
    h(
      "div",
      { class: "case-grid" },
      h("div", { class: "case-main" }, postSection(c, m), actionsSection(c, ctx), draftsSection(c)),
      h(
        "div",
        { class: "case-side" },
        timersSection(c),
        contributionsSection(c),
        assignmentSection(c, ctx),
        notesSection(c, ctx),
        timelineSection(c),
        escalationsSection(c),
      ),
    ),
  ]);
  tick();
}

/** «угрозы («пристрелю»)»: a flag and the words that raised it, for the technical executor. */
function flagged(flag, words) {
  const found = (words || {})[flag] || [];
  return found.length ? `${name("flags", flag)} (${found.map((w) => `«${w}»`).join(", ")})` : name("flags", flag);
}

function warnings(c) {
  const items = [];
  if (c.flags && c.flags.length) {
    items.push(
      h(
        "div",
        { class: "warning", role: "note" },
        h("strong", {}, "Внимание, п. 20 регламента: "),
        `в тексте найдены признаки — ${c.flags.map((f) => flagged(f, c.flag_words)).join("; ")}. `,
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
  if (c.arrived_late) {
    const late = c.arrived_late;
    items.push(
      h(
        "div",
        { class: "warning", role: "note" },
        h("strong", {}, "Поступило с опозданием: "),
        `сообщение обнаружено ${showTime(late.detected_at)}, поступило ${showTime(late.received_at)}; ` +
          (late.deadlines.length === 1 ? "срок " : "сроки ") +
          late.deadlines.map((d) => `«${timerTitle(d)}»`).join(", ") +
          (late.deadlines.length === 1 ? " истёк" : " истекли") +
          " до его поступления или вскоре после него. Задержка допущена до поступления; " +
          "ответ нужно подготовить как можно скорее.",
      ),
    );
  }
  if (c.similar_to && !c.repeat_of) {
    items.push(
      h(
        "div",
        { class: "warning info", role: "note" },
        h("strong", {}, "Возможный повтор. "),
        "Похоже на повтор сообщения ",
        h("a", { href: `#/case/${encodeURIComponent(c.similar_to)}` }, `№ ${c.similar_ref || c.similar_to}`),
        " (то же место и тема) — проверьте (п. 18).",
      ),
    );
  }
  if (c.significance) {
    items.push(
      h(
        "div",
        { class: "warning info", role: "note" },
        h("strong", {}, "Доложено главе района (п. 24): "),
        name("significance", c.significance),
        ".",
      ),
    );
  }
  if (CLOSED.has(c.status)) {
    items.push(
      h(
        "div",
        { class: "closed-note", role: "note" },
        h("strong", {}, `Сообщение закрыто: ${c.status_title || name("statuses", c.status)}.`),
        c.resolution_reason ? ` Основание: ${c.resolution_reason}` : "",
      ),
    );
  }
  return items.length ? h("div", { class: "warnings" }, items) : null;
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
      h("span", { class: "muted" }, ` · ${name("networks", m.network || c.network)} · ${showTime(m.detected_at)}`),
    ),
    h("blockquote", { class: "post-text" }, m.text || c.text),
    attachmentsList(m.attachments),
    h("p", {}, extLink(m.url, "Открыть публикацию в соцсети")),
    facts([
      ["Тема", c.topic],
      ["Населённый пункт", c.location || "—"],
      ["Важность", name("importance", c.importance)],
      ["Соцсеть", name("networks", c.network)],
      ["Источник", c.source ? name("sources", c.source) : null],
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

function timerRow(t) {
  return h(
    "tr",
    { "data-timer": t.deadline, "data-running": String(t.running) },
    h(
      "th",
      { scope: "row" },
      timerTitle(t.department ? `${t.deadline}:${t.department}` : t.deadline, departmentName),
      h("span", { class: "muted timer-meta" }, `п. ${t.clause} · часы: ${name("parties", t.party)}`),
    ),
    h("td", {}, showTime(t.due)),
    h(
      "td",
      {},
      t.running
        ? countdownEl(t.due, t.warn_from)
        : h(
            "span",
            { class: `outcome outcome-${t.outcome}` },
            `${known("outcomes", t.outcome) ? name("outcomes", t.outcome) : "остановлен"}${
              t.stopped_at ? ` (${showShortTime(t.stopped_at)})` : ""
            }`,
          ),
    ),
  );
}

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
          h("thead", {}, h("tr", {}, ["Срок", "До", "Состояние"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, timers.map(timerRow)),
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

function draftArticle(d, i, count) {
  return h(
    "article",
    { class: `draft draft-${d.status}`, "data-draft-id": d.draft_id, "aria-label": `Проект № ${i + 1}` },
    h(
      "h3",
      {},
      `Проект № ${i + 1} — ${name("draft_kinds", d.kind)}`,
      i === count - 1 ? h("span", { class: "muted" }, " (последний)") : null,
    ),
    h("p", { class: `draft-status status-${d.status}` }, name("draft_statuses", d.status)),
    facts([
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
  );
}

function draftsSection(c) {
  const drafts = c.drafts || [];
  return h(
    "section",
    { class: "card drafts", "aria-labelledby": "drafts-h" },
    h("h2", { id: "drafts-h" }, "Проекты ответа"),
    drafts.length
      ? drafts.map((d, i) => draftArticle(d, i, drafts.length)).reverse()
      : h("p", { class: "muted" }, "Проектов пока нет."),
  );
}

function actorLabel(entry) {
  if (entry.role === "system" || entry.actor === "system") return "Система";
  if (entry.role === "curator") return "Куратор";
  return known("roles", entry.role) ? `${entry.actor} (${name("roles", entry.role)})` : entry.actor;
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
          h("span", { class: "what" }, timelinePhrase(e, departmentName, colleagueName)),
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
              h("strong", {}, `${capitalize(name("escalation_kinds", e.kind))}: `),
              timerTitle(e.timer, departmentName),
              h(
                "span",
                { class: "muted" },
                ` · ${showTime(e.at)} · часы: ${name("parties", e.party)} · отвечает: ${name(
                  "roles",
                  e.accountable,
                )} · уровень ${e.level} · уведомлены: ${(e.notified || []).join(", ") || "—"}`,
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Нет."),
  );
}
