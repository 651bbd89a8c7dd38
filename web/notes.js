// The desk's internal notes on a case: what colleagues should know (a call made, a promise of
// the road service). Kept with the case and in its audit trail; never sent to the curator, the
// monitoring system or the citizen.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { counted } from "./texts.js";
import { showTime } from "./time.js";

const NOTE_MAX_LENGTH = 4000; // the server's limit (otklik.domain.case.NOTE_MAX_LENGTH)

export function notesSection(c, ctx) {
  const notes = c.notes || [];
  const mayAdd = (c.allowed_actions || []).includes("add_note");
  if (!notes.length && !mayAdd) return null;
  const list = notes.length
    ? h(
        "ol",
        { class: "notes-list" },
        notes.map((n) =>
          h(
            "li",
            { class: "note" },
            h("p", { class: "muted" }, `${n.author_name || n.author}, ${showTime(n.at)}`),
            h("p", { class: "note-text" }, n.text),
          ),
        ),
      )
    : h("p", { class: "muted" }, "Заметок пока нет.");
  return h(
    "section",
    { class: "card notes", "aria-labelledby": "notes-h" },
    h("h2", { id: "notes-h" }, "Заметки"),
    notes.length ? h("p", { class: "muted" }, counted(notes.length, ["заметка", "заметки", "заметок"])) : null,
    h("p", { class: "hint" }, "Видны только сотрудникам администрации; куратору и автору не отправляются."),
    list,
    mayAdd ? noteForm(c, ctx) : null,
  );
}

function noteForm(c, ctx) {
  const box = errorBox();
  const id = uid("note");
  const text = h("textarea", { id, name: "text", rows: 3, maxlength: NOTE_MAX_LENGTH });
  const form = h(
    "form",
    { class: "action-form note-form", "data-action": "add_note" },
    h("label", { for: id }, "Новая заметка"),
    text,
    box,
    h("button", { type: "submit", class: "secondary" }, "Добавить заметку"),
  );
  wire(form, box, async () => {
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/notes`, { body: { text: text.value } });
    ctx.applied(detail, "Заметка добавлена.");
  });
  return form;
}
