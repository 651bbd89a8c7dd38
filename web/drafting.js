// Writing the answer (clauses 12, 17, 19): a department's contribution to a joint answer, and
// the draft itself — from a template, final or interim, with photos — sent for approval.

import { ApiError, api } from "./api.js";
import { countdownEl } from "./countdown.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { departmentName, state } from "./state.js";
import { SIGNATURE, addressName, fillTemplate, unfilledPlaceholders } from "./texts.js";
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

// What a draft may attach: photos and videos, checked again by the server by their first bytes.
const ACCEPTED_FILES = "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm";

/** «2,4 МБ», «830 КБ». */
export function fileSize(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(".", ",")} МБ`;
  return `${Math.max(1, Math.round(bytes / 1024))} КБ`;
}

/** Upload one file for the case's draft: the API signs a form, the browser POSTs the file
 * straight to the storage with it, then the API checks what was stored (its first bytes and
 * size) and answers the attachment, or refuses (and deletes) it. */
async function uploadFile(caseId, file) {
  const started = await api("POST", `/api/v1/cases/${caseId}/attachments`, {
    body: { name: file.name, content_type: file.type || "application/octet-stream", size: file.size },
  });
  const form = new FormData();
  for (const [key, value] of Object.entries(started.upload.fields)) form.append(key, value);
  form.append("file", file);
  let stored = null;
  try {
    stored = await fetch(started.upload.url, { method: "POST", body: form, credentials: "omit" });
  } catch {
    // An answer the page may not read (no CORS headers on it) still stored the file, or not:
    // the confirmation below is what decides.
  }
  if (stored && !stored.ok && stored.status !== 0) {
    throw new ApiError(stored.status, "upload_refused", `Хранилище не приняло файл «${file.name}» (HTTP ${stored.status}): возможно, он слишком большой.`);
  }
  const answer = await api("POST", `/api/v1/cases/${caseId}/attachments/${started.file_id}/confirm`);
  return answer.attachment;
}

/** The joint answer from the contributions given, offered before the library's templates. */
function jointTemplates(c) {
  const given = (c.contributions || []).filter((x) => x.text);
  if (!given.length) return [];
  return [
    {
      id: "joint",
      title: "Совместный ответ из вкладов отделов",
      kind: "final",
      text: `Здравствуйте, {имя}!\n\n${given.map((x) => x.text).join("\n\n")}\n\n${SIGNATURE}`,
    },
  ];
}

/** The library's templates that fit the case (its topic and network, the most specific first),
 * added to the list as they come; a failure to read them leaves the joint one and a note. */
async function offerLibrary(c, templates, select) {
  const query = new URLSearchParams({ topic: c.topic || "", network: c.network || "" });
  try {
    const answer = await api("GET", `/api/v1/templates?${query}`);
    for (const t of answer.templates || []) {
      templates.push({ id: `lib:${t.template_id}`, title: t.title, kind: t.kind, text: t.text });
      select.append(h("option", { value: `lib:${t.template_id}` }, t.title));
    }
  } catch {
    select.append(h("option", { value: "", disabled: true }, "Шаблоны не загрузились: обновите страницу"));
  }
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
  const templates = jointTemplates(c);
  const select = h(
    "select",
    { id: templateId, name: "template" },
    h("option", { value: "" }, "— выберите шаблон —"),
    templates.map((t) => h("option", { value: t.id }, t.title)),
  );
  offerLibrary(c, templates, select);
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
  // The files of this draft: uploaded and confirmed for this case (a reworked draft keeps its own).
  let attached = (reworking?.attachments || []).filter((a) => a.key);
  const fileInput = h("input", { type: "file", id: attId, name: "files", multiple: true, accept: ACCEPTED_FILES });
  const fileList = h("ul", { class: "attached-files", "aria-live": "polite" });
  const fileError = h("p", { class: "file-error", hidden: true, role: "alert" });
  const renderFiles = () => {
    fileList.replaceChildren(
      ...attached.map((a) => {
        const remove = h("button", { type: "button", class: "link-button" }, "Убрать");
        remove.setAttribute("aria-label", `Убрать файл ${a.name}`);
        remove.addEventListener("click", () => {
          attached = attached.filter((x) => x.key !== a.key);
          renderFiles();
        });
        return h(
          "li",
          { class: "attached-file", "data-key": a.key },
          h("span", { class: "file-kind" }, a.type === "video" ? "Видео" : "Фото"),
          " ",
          h("span", { class: "file-name" }, a.name),
          " ",
          h("span", { class: "muted" }, fileSize(a.size)),
          " ",
          remove,
        );
      }),
    );
  };
  renderFiles();
  fileInput.addEventListener("change", async () => {
    const files = [...fileInput.files];
    fileInput.value = "";
    fileError.hidden = true;
    const problems = [];
    for (const file of files) {
      const pending = h("li", { class: "attached-file pending" }, `Загрузка «${file.name}»…`);
      fileList.append(pending);
      try {
        const attachment = await uploadFile(c.case_id, file);
        attached = [...attached.filter((x) => x.key !== attachment.key), attachment];
      } catch (error) {
        problems.push(error.message || `Не удалось загрузить «${file.name}».`);
      } finally {
        pending.remove();
        renderFiles();
      }
    }
    if (problems.length) {
      fileError.textContent = problems.join(" ");
      fileError.hidden = false;
    }
  });
  // The responsible executor approves drafts (clause 12): the server approves his own as he
  // submits it, so the button says what will happen.
  const approving = state.me.role === "responsible";
  const approval =
    c.source === "manual"
      ? {
          button: "Утвердить ответ",
          done: "Ответ утверждён: технический исполнитель внесёт его в систему мониторинга.",
        }
      : { button: "Утвердить и направить куратору", done: "Ответ утверждён и направлен куратору." };
  const draftParts = () => ({
    kind: kindInterim.checked ? "interim" : "final",
    attachments: attached.map((a) => ({ key: a.key })),
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
      h("label", { for: attId }, "Фото и видео к ответу (необязательно)"),
      h(
        "p",
        { class: "hint", id: `${attId}-hint` },
        "JPEG, PNG, GIF, WEBP, MP4, MOV или WEBM; размер — не больше предела соцсети (Telegram: фото 10 МБ, видео 50 МБ; ВКонтакте: фото 50 МБ).",
      ),
      fileInput,
      fileList,
      fileError,
      advice,
      box,
      h("div", { class: "buttons" }, check, h("button", { type: "submit" }, approving ? approval.button : "Направить на согласование")),
    ),
  );
  text.setAttribute("aria-describedby", `${textId}-hint`);
  fileInput.setAttribute("aria-describedby", `${attId}-hint`);
  check.addEventListener("click", async () => {
    check.disabled = true;
    advice.textContent = "Проверка…";
    try {
      const { kind, attachments } = draftParts();
      const answer = await api("POST", `/api/v1/cases/${c.case_id}/drafts/check`, {
        body: { text: text.value.trim() || " ", kind, attachments },
      });
      advice.replaceChildren(
        h("p", { class: "findings-head" }, `Автоматическая проверка (это советы: ${approving ? "утвердить" : "направить на согласование"} можно и так):`),
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
    ctx.applied(detail, approving ? approval.done : "Проект ответа направлен на согласование ответственному исполнителю.");
  });
  return form;
}
