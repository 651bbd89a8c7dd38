// Forms of the page: submit once at a time, and show the API's errors next to the form that
// caused them, in Russian, with each field named and marked.

import { ApiError, api, sessionEnded } from "./api.js";
import { append, clear, h, uid } from "./dom.js";
import { state } from "./state.js";

const FIELD_NAMES = {
  login: "Логин",
  password: "Пароль",
  departments: "Отделы",
  reason: "Причина",
  text: "Текст",
  title: "Название",
  kind: "Вид ответа",
  url: "Ссылка",
  comment: "Замечания",
  attachments: "Вложения",
  network: "Соцсеть",
  "author.name": "Автор",
  "author.url": "Ссылка на автора",
  detected_at: "Время обнаружения",
  topic: "Тема",
  location: "Населённый пункт",
  importance: "Важность",
  external_id: "Номер в системе мониторинга",
  "curator.name": "Куратор",
  event: "Решение куратора",
  draft_id: "Проект ответа",
  at: "Время решения",
};

// What the page does on a 409 (the case changed under the official) and on a 401.
const hooks = { refresh: () => {}, signedOut: () => {} };

export function configureForms({ refresh, signedOut }) {
  hooks.refresh = refresh;
  hooks.signedOut = signedOut;
}

function fieldName(path) {
  const m = /^attachments\.(\d+)(?:\.(\w+))?$/.exec(path);
  if (m) return `Вложение ${Number(m[1]) + 1}${m[2] === "url" ? " (ссылка)" : ""}`;
  return FIELD_NAMES[path] || path;
}

/** Read `path` for the view on screen and hand the answer to `paint`. An answer that comes
 * after the official went elsewhere is dropped; an ended session signs out; any other error
 * empties `holder` and is shown in `box`. */
export async function loadView(path, { holder, box, ctx }, paint) {
  const nav = state.nav;
  try {
    const data = await api("GET", path);
    if (nav === state.nav) paint(data);
  } catch (error) {
    if (nav !== state.nav) return;
    if (sessionEnded(error)) {
      ctx.signedOut("Сеанс завершён. Войдите снова.");
      return;
    }
    clear(holder);
    showError(box, error);
  }
}

/** Show an API error next to its form: the message, each field, and for a 409 a refresh. */
export function showError(box, error, form) {
  clear(box);
  box.hidden = false;
  const message =
    error instanceof ApiError ? error.message : "Что-то пошло не так. Обновите страницу и повторите.";
  append(box, [h("p", { class: "error-message" }, message)]);
  const fields = error instanceof ApiError ? error.fields : {};
  const entries = Object.entries(fields || {});
  if (entries.length) {
    append(box, [
      h(
        "ul",
        { class: "error-fields" },
        entries.map(([key, text]) => h("li", {}, `${fieldName(key)}: ${text}`)),
      ),
    ]);
  }
  if (form) {
    for (const [key] of entries) {
      const input =
        form.querySelector(`[name="${CSS.escape(key)}"]`) ||
        form.querySelector(`[name="${CSS.escape(key.split(".")[0])}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", box.id);
      }
    }
  }
  if (error instanceof ApiError && error.status === 409) {
    append(box, [
      h("button", { type: "button", class: "secondary", onclick: () => hooks.refresh() }, "Обновить страницу"),
    ]);
  }
  if (sessionEnded(error)) hooks.signedOut("Сеанс завершён. Войдите снова.");
}

export function clearError(box, form) {
  clear(box);
  box.hidden = true;
  if (form) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }
}

export function errorBox() {
  return h("div", { class: "form-error", id: uid("err"), role: "alert", hidden: true });
}

/** Submit a form's action once at a time; errors land in its box. */
export function wire(form, box, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    const buttons = [...form.querySelectorAll("button")];
    for (const b of buttons) b.disabled = true;
    form.setAttribute("aria-busy", "true");
    clearError(box, form);
    try {
      await action(event.submitter || null);
    } catch (error) {
      if (!(error instanceof ApiError)) console.error(error);
      showError(box, error, form);
    } finally {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
      for (const b of buttons) b.disabled = false;
    }
  });
}

/** Copy a text to the clipboard; says in `announce` whether it worked. */
export async function copyText(text, announce, done = "Текст скопирован.") {
  try {
    await navigator.clipboard.writeText(text);
    announce(done, "info");
  } catch {
    announce("Не удалось скопировать: выделите текст вручную.", "error");
  }
}
