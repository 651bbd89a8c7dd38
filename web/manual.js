// Working without an integration (the monitoring systems publish no API for districts): the
// technical executor registers a message read in the monitoring system's page or e-mail notice,
// enters the approved draft there, and records here what the curator decided there.

import { api } from "./api.js";
import { append, clear, h, uid } from "./dom.js";
import { copyText, errorBox, wire } from "./forms.js";
import { showTime } from "./time.js";
import { entries } from "./vocabulary.js";
import { attachmentsList } from "./widgets.js";

// The registration's fields: name (as the API's error paths name them), label, required.
const FIELDS = [
  ["url", "Ссылка на публикацию в соцсети", true],
  ["network", "Соцсеть", false],
  ["text", "Текст сообщения", true],
  ["author.name", "Автор (имя, как в соцсети)", true],
  ["author.url", "Ссылка на страницу автора", false],
  ["detected_at", "Обнаружено системой мониторинга (местное время)", true],
  ["topic", "Тема", true],
  ["location", "Населённый пункт", false],
  ["importance", "Важность", true],
  ["external_id", "Номер в системе мониторинга", false],
  ["curator.name", "Куратор", false],
];

/** "2026-12-02T10:15" for a datetime-local input, from an ISO time in the display zone. */
function localInput(iso) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})/.exec(String(iso || ""));
  return m ? m[1] : "";
}

function control(name, topics) {
  const id = `reg-${name.replace(".", "-")}`;
  if (name === "text") return h("textarea", { id, name, rows: 6 });
  if (name === "network") {
    return h(
      "select",
      { id, name },
      h("option", { value: "" }, "определить по ссылке"),
      entries("networks").map(([value, title]) => h("option", { value }, title)),
    );
  }
  if (name === "importance") {
    return h(
      "select",
      { id, name },
      h("option", { value: "" }, "— выберите —"),
      entries("importance").map(([value, title]) => h("option", { value }, title)),
    );
  }
  if (name === "detected_at") return h("input", { id, name, type: "datetime-local", step: 60 });
  const attrs = { id, name, autocomplete: "off" };
  if (name === "url" || name === "author.url") Object.assign(attrs, { type: "url", inputmode: "url", placeholder: "https://…" });
  if (name === "topic") attrs.list = "reg-topics";
  const input = h("input", attrs);
  return name === "topic"
    ? [input, h("datalist", { id: "reg-topics" }, topics.map((t) => h("option", { value: t })))]
    : input;
}

/** The page «Зарегистрировать сообщение»: a paste box that fills the form, and the form. */
export function renderRegister(root, ctx) {
  clear(root);
  const box = errorBox();
  const pasteBox = errorBox();
  const topics = (ctx.me.departments || []).map((d) => d.name);
  const rows = FIELDS.map(([name, label, required]) =>
    h(
      "div",
      { class: "field reg-field", "data-field": name },
      h("label", { for: `reg-${name.replace(".", "-")}` }, label, required ? h("span", { class: "req" }, " *") : null),
      control(name, topics),
      h("p", { class: "hint not-found", hidden: true }, required ? "Не найдено в тексте — заполните." : "Не найдено в тексте."),
    ),
  );
  const form = h(
    "form",
    { class: "action-form register-form", "data-action": "register", novalidate: true },
    h("fieldset", {}, h("legend", {}, "Сообщение"), rows, box, h("button", { type: "submit" }, "Зарегистрировать")),
  );
  const notice = h("textarea", { id: "notice-text", name: "notice", rows: 8 });
  const summary = h("p", { class: "muted", id: "notice-summary", role: "status" });
  const paste = h(
    "form",
    { class: "action-form paste-form", "data-action": "parse_notice" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Вставить уведомление"),
      h("label", { for: "notice-text" }, "Текст письма-уведомления или карточки сообщения из системы мониторинга"),
      notice,
      pasteBox,
      h("button", { type: "submit", class: "secondary" }, "Заполнить поля"),
      summary,
    ),
  );
  wire(paste, pasteBox, async () => {
    const read = await api("POST", "/api/v1/notices/parse", { body: { text: notice.value } });
    fill(form, read.fields);
    const missing = FIELDS.filter(([name, , required]) => required && !valueOf(read.fields, name)).map(
      ([, label]) => label,
    );
    summary.textContent = missing.length
      ? `Не удалось прочитать: ${missing.join(", ")}. Заполните выделенные поля.`
      : "Все обязательные поля заполнены из уведомления. Проверьте их перед регистрацией.";
  });
  wire(form, box, async () => {
    const v = (name) => form.elements[name].value.trim();
    const { status, data } = await api("POST", "/api/v1/cases", {
      withStatus: true,
      body: {
        url: v("url"),
        network: v("network") || null,
        text: v("text"),
        author: { name: v("author.name"), url: v("author.url") },
        detected_at: v("detected_at"),
        topic: v("topic"),
        location: v("location"),
        importance: v("importance"),
        external_id: v("external_id"),
        curator: { name: v("curator.name") },
      },
    });
    ctx.openCase(
      data,
      status === 201
        ? "Сообщение зарегистрировано. Сроки считаются от времени обнаружения."
        : "Это сообщение уже зарегистрировано — открыта его карточка.",
    );
  });
  append(root, [
    h("nav", { class: "crumbs", "aria-label": "Навигация" }, h("a", { href: "#/" }, "← Входящие")),
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Регистрация сообщения"),
      h(
        "p",
        { class: "muted" },
        "Для сообщений из «Инцидент Менеджмента» и ПОС, которые приходят письмом или видны только " +
          "на странице системы мониторинга. Вставьте текст уведомления — поля заполнятся сами; " +
          "что не удалось прочитать, останется пустым и будет выделено. Сроки ответа считаются " +
          "от времени обнаружения, указанного в системе мониторинга.",
      ),
    ),
    h("div", { class: "register-grid" }, paste, form),
  ]);
}

function valueOf(fields, name) {
  const [head, tail] = name.split(".");
  const value = tail ? (fields[head] || {})[tail] : fields[head];
  return value === null || value === undefined ? "" : String(value);
}

/** Fill the form from what the server read; a field it did not read is emptied and marked. */
function fill(form, fields) {
  for (const [name] of FIELDS) {
    const raw = valueOf(fields, name);
    const value = name === "detected_at" ? localInput(raw) : raw;
    const input = form.elements[name];
    input.value = value;
    const row = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    row.classList.toggle("missing", !value);
    row.classList.toggle("filled", Boolean(value));
    row.querySelector(".not-found").hidden = Boolean(value);
    if (value) input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", "true");
  }
}

// -- the case page: handing the draft over and the curator's decision ------------------------

/** A manual case's approved draft: copy it into the monitoring system, then mark it sent. */
export function handoverForm(c, ctx) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "ready_to_send");
  if (!draft) return null;
  const box = errorBox();
  const form = h(
    "form",
    { class: "action-form handover", "data-action": "mark_sent" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Передать проект куратору через систему мониторинга (п. 12)"),
      h(
        "p",
        { class: "hint" },
        "Сообщение зарегистрировано вручную: внесите согласованный текст ответа в систему мониторинга" +
          (c.external_id ? ` (сообщение № ${c.external_id})` : "") +
          ", приложите фото и видео, затем отметьте здесь. Срок направления куратору идёт до отметки: до ",
        showTime(c.deadlines.send_to_curator_due || c.deadlines.rework_due),
        ".",
      ),
      h("blockquote", { class: "draft-text", id: "handover-text" }, draft.text),
      attachmentsList(draft.attachments),
      h(
        "button",
        { type: "button", class: "secondary copy-draft", onclick: () => copyText(draft.text, ctx.announce, "Текст ответа скопирован.") },
        "Скопировать текст ответа",
      ),
      box,
      h("button", { type: "submit" }, "Внесено в систему мониторинга"),
    ),
  );
  wire(form, box, async () => {
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/drafts/${draft.draft_id}/sent`);
    ctx.applied(detail, "Отмечено: проект передан куратору. Срок решения куратора — 30 минут.");
  });
  return form;
}

function decisionTime(id) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, "Когда куратор принял решение (пусто — сейчас)"),
    h("input", { id, name: "at", type: "datetime-local", step: 60 }),
  );
}

const DECIDED = {
  draft_approved: "Решение куратора записано: проект согласован.",
  draft_returned: "Решение куратора записано: проект возвращён на доработку.",
  message_withdrawn: "Записано: куратор отозвал сообщение.",
};

async function recordDecision(c, ctx, body) {
  const detail = await api("POST", `/api/v1/cases/${c.case_id}/curator-decision`, { body });
  ctx.applied(detail, DECIDED[body.event]);
}

/** The curator's decision on the draft, as the technical executor saw it there. */
export function curatorDecisionForm(c, ctx) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "curator_review");
  if (!draft) return null;
  const box = errorBox();
  const name = uid("decision");
  const commentId = uid("curator-comment");
  const form = h(
    "form",
    { class: "action-form curator-decision", "data-action": "curator_decide" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Решение куратора по проекту (пп. 13–14)"),
      h(
        "p",
        { class: "hint" },
        c.source === "manual"
          ? "Куратор рассматривает проект в системе мониторинга. Когда решение появится там (или куратор сообщит его по телефону), запишите его здесь."
          : "Решение придёт из системы мониторинга само. Если куратор сообщил его по телефону, запишите его здесь.",
      ),
      h(
        "div",
        { class: "checks" },
        h("div", { class: "check" }, h("input", { type: "radio", name: "event", id: `${name}-a`, value: "draft_approved", checked: true }), h("label", { for: `${name}-a` }, "Согласовал")),
        h("div", { class: "check" }, h("input", { type: "radio", name: "event", id: `${name}-r`, value: "draft_returned" }), h("label", { for: `${name}-r` }, "Вернул на доработку")),
      ),
      h("label", { for: commentId }, "Замечания куратора (обязательно при возврате)"),
      h("textarea", { id: commentId, name: "comment", rows: 3 }),
      decisionTime(uid("curator-at")),
      box,
      h("button", { type: "submit" }, "Записать решение куратора"),
    ),
  );
  wire(form, box, () =>
    recordDecision(c, ctx, {
      event: form.elements.event.value,
      draft_id: draft.draft_id,
      comment: form.elements.comment.value,
      at: form.elements.at.value || null,
    }),
  );
  return form;
}

/** The curator took the message back (clause 10's other side); rarely needed, so folded. */
export function withdrawalForm(c, ctx) {
  const box = errorBox();
  const commentId = uid("withdraw-comment");
  const form = h(
    "form",
    { class: "action-form", "data-action": "withdraw" },
    h("label", { for: commentId }, "Причина, как её указал куратор"),
    h("textarea", { id: commentId, name: "comment", rows: 2 }),
    decisionTime(uid("withdraw-at")),
    box,
    h("button", { type: "submit", class: "secondary" }, "Записать отзыв сообщения"),
  );
  wire(form, box, () =>
    recordDecision(c, ctx, { event: "message_withdrawn", comment: form.elements.comment.value, at: form.elements.at.value || null }),
  );
  return h("details", { class: "withdrawal" }, h("summary", {}, "Куратор отозвал сообщение"), form);
}
