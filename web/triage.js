// Triage by the technical executor (clauses 10, 18, 20): accept the message and name the
// departments, return it to the curator as outside the remit, or mark it not processable.
// On a message with clause 20 flags the closing decisions come first and are the main buttons;
// acceptance is secondary and ticks no department by itself. A closing decision is asked
// again in the page («Да, …» / «Отмена») before anything is sent.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { departmentName, state } from "./state.js";

function flagged(c) {
  return Boolean(c.flags && c.flags.length);
}

function acceptForm(c, ctx) {
  const proposed = new Set(c.proposed_departments || []);
  const tick = !flagged(c); // a flagged message: the official chooses, nothing is pre-ticked
  const box = errorBox();
  const form = h(
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
        (state.me.departments || []).map((d) => {
          const id = uid("dept");
          return h(
            "div",
            { class: "check" },
            h("input", { type: "checkbox", id, name: "departments", value: d.id, checked: tick && proposed.has(d.id) }),
            h("label", { for: id }, d.name, proposed.has(d.id) ? h("span", { class: "muted" }, " (предложено)") : null),
          );
        }),
      ),
      h(
        "p",
        { class: "hint" },
        "Несколько отделов — совместный ответ: каждый отдел даёт вклад за 2 рабочих часа, ответ пишет ответственный исполнитель.",
      ),
      flagged(c)
        ? h(
            "p",
            { class: "hint" },
            "В сообщении есть признаки п. 20: отдел не отмечен. Если сообщение всё же требует " +
              "ответа по существу, выберите отдел сами.",
          )
        : null,
      box,
      h("button", { type: "submit", class: flagged(c) ? "secondary" : null }, "Принять в работу"),
    ),
  );
  wire(form, box, async () => {
    const chosen = [...form.querySelectorAll('input[name="departments"]:checked')].map((i) => i.value);
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/triage`, {
      body: { decision: "accept", departments: chosen },
    });
    ctx.applied(detail, `Сообщение принято в работу. Исполнители: ${chosen.map(departmentName).join(", ")}.`);
  });
  return form;
}

/** A decision that needs only a reason and closes the case: a return to the curator, or not
 * processable. Its button only asks again (`question`); «Да, …» sends it, «Отмена» goes back. */
function reasonForm(c, ctx, { decision, legend, label, button, question, confirm, done, main }) {
  const box = errorBox();
  const id = uid("reason");
  const questionId = uid("confirm");
  const start = h(
    "button",
    { type: "button", class: main ? null : "secondary", "data-step": "ask" },
    button,
  );
  const yes = h("button", { type: "submit", "data-step": "confirm" }, confirm);
  const cancel = h("button", { type: "button", class: "secondary", "data-step": "cancel" }, "Отмена");
  const confirmation = h(
    "div",
    { class: "confirm", role: "group", "aria-labelledby": questionId, hidden: true },
    h("p", { id: questionId, class: "confirm-question" }, question),
    yes,
    " ",
    cancel,
  );
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
      start,
      confirmation,
    ),
  );
  const ask = (asking) => {
    confirmation.hidden = !asking;
    start.hidden = asking;
    (asking ? yes : start).focus();
  };
  start.addEventListener("click", () => ask(true));
  cancel.addEventListener("click", () => ask(false));
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !confirmation.hidden) ask(false);
  });
  wire(form, box, async (submitter) => {
    if (submitter !== yes || confirmation.hidden) return ask(true); // never unconfirmed
    let detail;
    try {
      detail = await api("POST", `/api/v1/cases/${c.case_id}/triage`, {
        body: { decision, reason: form.elements.reason.value },
      });
    } catch (error) {
      confirmation.hidden = true; // fix what the server says, then confirm again
      start.hidden = false;
      throw error;
    }
    ctx.applied(detail, done);
  });
  return form;
}

export function triageForms(c, ctx) {
  const main = flagged(c);
  const closing = [
    reasonForm(c, ctx, {
      decision: "return",
      legend: "Вернуть куратору: вне компетенции администрации (п. 10)",
      label: "Причина возврата",
      button: "Вернуть куратору",
      question: "Вернуть сообщение куратору? Работа по нему в администрации завершится.",
      confirm: "Да, вернуть куратору",
      done: "Сообщение возвращено куратору.",
      main,
    }),
    reasonForm(c, ctx, {
      decision: "not_processable",
      legend: "Не подлежит обработке (п. 20)",
      label: "Основание: угрозы, нецензурная брань, оскорбления",
      button: "Отметить как не подлежащее обработке",
      question: "Отметить сообщение как не подлежащее обработке? Ответа на него не будет.",
      confirm: "Да, не подлежит обработке",
      done: "Сообщение отмечено как не подлежащее обработке.",
      main,
    }),
  ];
  const accept = acceptForm(c, ctx);
  return h("div", { class: "triage" }, main ? [closing, accept] : [accept, closing]);
}
