// The responsible executor's approval of a draft (clause 12): approve it (it goes to the
// curator, or is handed over by hand on a manual case), or send it back with what to fix.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { showTime } from "./time.js";
import { name } from "./vocabulary.js";
import { attachmentsList, findingsList } from "./widgets.js";

export function reviewForms(c, allowed, ctx) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "internal_review");
  if (!draft) return h("p", { class: "muted" }, "Проекта на согласовании нет.");
  const parts = [
    h(
      "div",
      { class: "review-draft" },
      h("p", { class: "muted" }, `Проект (${name("draft_kinds", draft.kind)}) от ${draft.author}, ${showTime(draft.created_at)}:`),
      h("blockquote", { class: "draft-text" }, draft.text),
      attachmentsList(draft.attachments),
      h("p", { class: "findings-head" }, "Автоматическая проверка проекта:"),
      findingsList(draft.checks, { empty: "Замечаний нет." }),
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
      ctx.applied(detail, "Проект согласован и направлен куратору.");
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
      ctx.applied(detail, "Проект возвращён исполнителю на доработку.");
    });
    parts.push(form);
  }
  return h("div", { class: "review" }, parts);
}
