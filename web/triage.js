// Triage by the technical executor (clauses 10, 18, 20): accept the message and name the
// departments, return it to the curator as outside the remit, or mark it not processable.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { departmentName, state } from "./state.js";

function acceptForm(c, ctx) {
  const proposed = new Set(c.proposed_departments || []);
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
      box,
      h("button", { type: "submit" }, "Принять в работу"),
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

/** A decision that needs only a reason: a return to the curator, or not processable. */
function reasonForm(c, ctx, { decision, legend, label, button, done }) {
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
    ctx.applied(detail, done);
  });
  return form;
}

export function triageForms(c, ctx) {
  return h(
    "div",
    { class: "triage" },
    acceptForm(c, ctx),
    reasonForm(c, ctx, {
      decision: "return",
      legend: "Вернуть куратору: вне компетенции администрации (п. 10)",
      label: "Причина возврата",
      button: "Вернуть куратору",
      done: "Сообщение возвращено куратору.",
    }),
    reasonForm(c, ctx, {
      decision: "not_processable",
      legend: "Не подлежит обработке (п. 20)",
      label: "Основание: угрозы, нецензурная брань, оскорбления",
      button: "Отметить как не подлежащее обработке",
      done: "Сообщение отмечено как не подлежащее обработке.",
    }),
  );
}
