// «Шаблоны ответов»: the library the draft form offers (clause 19), kept by the responsible
// and technical executors. A template may be for one topic, one network, both or any; the
// shipped ones may be changed or removed like the desk's own. The server checks every field and
// who may change the library; the page only says what it answered.

import { api, sessionEnded } from "./api.js";
import { append, clear, h, uid } from "./dom.js";
import { errorBox, loadView, showError, wire } from "./forms.js";
import { announce, focusHeading, setTitle } from "./page.js";
import { state } from "./state.js";
import { showTime } from "./time.js";
import { entries, name } from "./vocabulary.js";

const TITLE_MAX = 120; // otklik.domain.answer_templates
const TEXT_MAX = 4000;

export async function renderTemplates(root, ctx) {
  state.view = "templates";
  state.current = null;
  setTitle("Шаблоны ответов");
  const box = errorBox();
  const holder = h("div", { id: "templates" }, h("p", { class: "muted" }, "Загрузка…"));
  clear(root);
  append(root, [
    h("div", { class: "page-head" }, h("h1", {}, "Шаблоны ответов")),
    h(
      "p",
      { class: "hint" },
      "Форма проекта ответа предлагает шаблоны темы и сети сообщения первыми. {имя} — имя автора, {место} — место; [в скобках] заполняет исполнитель.",
    ),
    box,
    holder,
  ]);
  focusHeading();
  await loadView("/api/v1/templates", { holder, box, ctx }, (data) =>
    paint(holder, data.templates || [], ctx, root),
  );
}

function scope(t) {
  const topic = t.topic ? `тема «${t.topic}»` : "любая тема";
  const network = t.network ? name("networks", t.network) : "любая сеть";
  return `${topic}, ${network}`;
}

function paint(holder, templates, ctx, root) {
  clear(holder);
  const list = h(
    "ul",
    { class: "template-list" },
    templates.map((t) =>
      h(
        "li",
        { class: "template-item", "data-template-id": t.template_id },
        h("strong", {}, t.title),
        h("span", { class: "muted" }, ` — ${scope(t)}; ${t.kind === "interim" ? "промежуточный" : "окончательный"}`),
        t.updated_by ? h("span", { class: "muted" }, `; изменён ${showTime(t.updated_at)}, ${t.updated_by_name || t.updated_by}`) : null,
        h(
          "button",
          { type: "button", class: "link-button", onclick: () => editForm(holder, t, ctx, root, templates) },
          "Изменить",
        ),
      ),
    ),
  );
  const add = h(
    "button",
    { type: "button", class: "secondary", onclick: () => editForm(holder, null, ctx, root, templates) },
    "Новый шаблон",
  );
  append(holder, [templates.length ? list : h("p", { class: "muted" }, "Шаблонов нет."), add]);
}

function field(label, control) {
  const id = uid("tpl");
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

/** The topics to suggest: those of the messages in the inbox and of the templates, as the
 * monitoring system spells them (a template is offered by its message's topic). */
function knownTopics(templates) {
  const seen = new Map();
  for (const topic of [...state.cases.map((c) => c.topic), ...templates.map((t) => t.topic)]) {
    const text = (topic || "").trim();
    if (text && !seen.has(text.toLowerCase())) seen.set(text.toLowerCase(), text);
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b, "ru"));
}

/** The form for one template (`t`), or a new one. */
function editForm(holder, t, ctx, root, templates) {
  const box = errorBox();
  const newId = () => `own-${Date.now().toString(36)}`;
  const title = h("input", { name: "title", maxlength: TITLE_MAX, value: t ? t.title : "" });
  const kind = h(
    "select",
    { name: "kind" },
    h("option", { value: "final", selected: !t || t.kind === "final" }, "окончательный"),
    h("option", { value: "interim", selected: t?.kind === "interim" }, "промежуточный"),
  );
  const topics = uid("topics");
  const topic = h("input", { name: "topic", list: topics, value: t?.topic || "" });
  const network = h(
    "select",
    { name: "network" },
    h("option", { value: "" }, "любая сеть"),
    entries("networks").map(([code, title]) => h("option", { value: code, selected: t?.network === code }, title)),
  );
  const text = h("textarea", { name: "text", rows: 8, maxlength: TEXT_MAX, value: t ? t.text : "" });
  const remove = t
    ? h("button", { type: "button", class: "danger", "data-remove": "1" }, "Удалить")
    : null;
  const form = h(
    "form",
    { class: "action-form template-form", "data-template-id": t ? t.template_id : "" },
    h("h2", {}, t ? `Шаблон «${t.title}»` : "Новый шаблон"),
    field("Название", title),
    field("Вид ответа", kind),
    field("Тема (пусто — любая)", topic),
    h(
      "datalist",
      { id: topics },
      knownTopics(templates).map((topic) => h("option", { value: topic })),
    ),
    field("Сеть", network),
    field("Текст шаблона", text),
    box,
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit" }, "Сохранить"),
      remove,
      h("button", { type: "button", class: "link-button", onclick: () => renderTemplates(root, ctx) }, "Отмена"),
    ),
  );
  wire(form, box, async () => {
    const id = t ? t.template_id : newId();
    await api("PUT", `/api/v1/templates/${encodeURIComponent(id)}`, {
      body: {
        title: title.value,
        kind: kind.value,
        topic: topic.value.trim() || null,
        network: network.value || null,
        text: text.value,
      },
    });
    await renderTemplates(root, ctx);
    announce(`Шаблон «${title.value.trim()}» сохранён.`, "ok");
  });
  if (remove) {
    remove.addEventListener("click", async () => {
      if (!confirm(`Удалить шаблон «${t.title}»? Он больше не будет предлагаться в форме ответа.`)) return;
      remove.disabled = true; // one deletion at a time
      try {
        await api("DELETE", `/api/v1/templates/${encodeURIComponent(t.template_id)}`);
        await renderTemplates(root, ctx);
        announce(`Шаблон «${t.title}» удалён.`, "ok");
      } catch (error) {
        if (sessionEnded(error)) ctx.signedOut("Сеанс завершён. Войдите снова.");
        else showError(box, error);
        remove.disabled = false;
      }
    });
  }
  clear(holder);
  append(holder, [form]);
  title.focus();
}
