// The «Действия» section of a case: the forms of the actions the server lists in
// `allowed_actions` (the server decides who may do what; the page only shows it), or what the
// case is waiting for when the official has nothing to do.

import { h } from "./dom.js";
import { contributionForm, draftForm } from "./drafting.js";
import { curatorDecisionForm, handoverForm, withdrawalForm } from "./manual.js";
import { publicationForm } from "./publication.js";
import { reviewForms } from "./review.js";
import { state } from "./state.js";
import { triageForms } from "./triage.js";

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

function waitingFor(c) {
  const mine = (c.contributions || []).find((x) => x.department === state.me.department);
  if (c.status === "in_work" && mine?.submitted_at) {
    return "Вклад вашего отдела получен; ответственный исполнитель готовит совместный ответ.";
  }
  if (c.status === "curator_review" && c.source === "manual") {
    return "Проект у куратора в системе мониторинга; его решение записывает технический исполнитель.";
  }
  return WAITING_FOR[c.status] || "";
}

/** `ctx.applied(detail, message)` shows the case an action returned. */
export function actionsSection(c, ctx) {
  const allowed = new Set(c.allowed_actions || []);
  const technical = state.me.role === "technical";
  const forms = [];
  if (allowed.has("triage")) forms.push(triageForms(c, ctx));
  if (allowed.has("contribute")) forms.push(contributionForm(c, ctx));
  if (allowed.has("submit_draft")) forms.push(draftForm(c, ctx));
  if (allowed.has("approve_draft") || allowed.has("reject_draft")) forms.push(reviewForms(c, allowed, ctx));
  if (allowed.has("mark_sent")) forms.push(handoverForm(c, ctx));
  if (allowed.has("curator_decide") && technical) forms.push(curatorDecisionForm(c, ctx));
  if (allowed.has("publish")) forms.push(publicationForm(c, ctx));
  // a curator may withdraw a message at any step; the technical executor records it
  const withdrawal = allowed.has("withdraw") && technical ? withdrawalForm(c, ctx) : null;
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
