// Writing the answer (clauses 12, 17, 19): a department's contribution to a joint answer, and
// the draft itself — from a template, final or interim, with photos — sent for approval.

import { ApiError, api } from "./api.js";
import { countdownEl } from "./countdown.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { departmentName, state } from "./state.js";
import { SIGNATURE, TEMPLATES, addressName, fillTemplate, unfilledPlaceholders } from "./texts.js";
import { showTime } from "./time.js";
import { commentsList, findingsList } from "./widgets.js";

export function contributionForm(c, ctx) {
  const department = state.me.department;
  const mine = (c.contributions || []).find((x) => x.department === department);
  const box = errorBox();
  const id = uid("contribution");
  const form = h(
    "form",
    { class: "action-form", "data-action": "contribute" },
    h(
      "fieldset",
      {},
      h("legend", {}, `Вклад отдела «${departmentName(department)}» в совместный ответ (п. 17)`),
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
    ctx.applied(detail, "Вклад отдела отправлен ответственному исполнителю.");
  });
  return form;
}

/** The attachment type of a link, from its file extension (the API's AttachmentType). */
function attachmentType(url) {
  const path = url.split(/[?#]/)[0].toLowerCase();
  if (/\.(jpe?g|png|gif|webp|heic|bmp)$/.test(path)) return "photo";
  if (/\.(mp4|mov|avi|webm|mkv|3gp)$/.test(path)) return "video";
  if (/\.(pdf|docx?|xlsx?|odt|ods|rtf|txt)$/.test(path)) return "document";
  return "link";
}

/** The templates on offer: a joint answer from the contributions given, then the fixed ones. */
function templatesOf(c) {
  const templates = [...TEMPLATES];
  const given = (c.contributions || []).filter((x) => x.text);
  if (given.length) {
    templates.unshift({
      id: "joint",
      title: "Совместный ответ из вкладов отделов",
      kind: "final",
      text: `Здравствуйте, {имя}!\n\n${given.map((x) => x.text).join("\n\n")}\n\n${SIGNATURE}`,
    });
  }
  return templates;
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

export function draftForm(c, ctx) {
  const latest = c.drafts && c.drafts.length ? c.drafts[c.drafts.length - 1] : null;
  const reworking = latest && ["rejected", "returned"].includes(latest.status) ? latest : null;
  const onlyFinal = c.status === "awaiting_final";
  const box = errorBox();
  const textId = uid("draft-text");
  const templateId = uid("template");
  const attId = uid("draft-att");
  const name = addressName((c.message?.author || c.author || {}).name);
  const templates = templatesOf(c);
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
    text.value = fillTemplate(t.text, { name, location: c.location });
    if (!onlyFinal) {
      kindInterim.checked = t.kind === "interim";
      kindFinal.checked = t.kind !== "interim";
    }
    text.focus();
    text.setSelectionRange(0, 0);
  });
  const advice = h("div", { class: "advice", "aria-live": "polite" });
  const check = h("button", { type: "button", class: "secondary check-draft" }, "Проверить ответ");
  const draftParts = () => ({
    kind: kindInterim.checked ? "interim" : "final",
    attachments: form.elements.attachments.value
      .split(/\s*\n\s*/)
      .map((u) => u.trim())
      .filter(Boolean)
      .map((url) => ({ type: attachmentType(url), url })),
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
          h("label", { for: kindInterim.id }, "Промежуточный (окончательный — в течение 7 рабочих дней)"),
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
      advice,
      box,
      h("div", { class: "buttons" }, check, h("button", { type: "submit" }, "Направить на согласование")),
    ),
  );
  text.setAttribute("aria-describedby", `${textId}-hint`);
  check.addEventListener("click", async () => {
    check.disabled = true;
    advice.textContent = "Проверка…";
    try {
      const { kind, attachments } = draftParts();
      const answer = await api("POST", `/api/v1/cases/${c.case_id}/drafts/check`, {
        body: { text: text.value.trim() || " ", kind, attachments },
      });
      advice.replaceChildren(
        h("p", { class: "findings-head" }, "Автоматическая проверка (это советы: направить на согласование можно и так):"),
        findingsList(answer.findings, { empty: "Замечаний нет: ответ обращается к автору, называет меру и срок." }),
      );
    } catch (error) {
      advice.replaceChildren(h("p", { class: "form-error" }, error.message || "Не удалось проверить."));
    } finally {
      check.disabled = false;
    }
  });
  wire(form, box, async () => {
    const body = text.value.trim();
    const left = unfilledPlaceholders(body);
    if (left.length) {
      throw new ApiError(422, "placeholders", `Замените в тексте заготовки: ${[...new Set(left)].join(", ")}.`, {
        text: "остались заготовки в квадратных скобках",
      });
    }
    const { kind, attachments } = draftParts();
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/drafts`, {
      body: { text: body, kind, attachments },
    });
    ctx.applied(detail, "Проект ответа направлен на согласование ответственному исполнителю.");
  });
  return form;
}
