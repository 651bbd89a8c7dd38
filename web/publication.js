// Recording the publication (clause 15): the technical executor posts the approved answer in
// the citizen's thread (or from the administration's page with a link to the author) and
// records the link of the answer.

import { api } from "./api.js";
import { extLink, h, uid } from "./dom.js";
import { copyText, errorBox, wire } from "./forms.js";

export function publicationForm(c, ctx) {
  const draft = [...(c.drafts || [])].reverse().find((d) => d.status === "approved");
  const box = errorBox();
  const id = uid("pub-url");
  const copy = draft
    ? h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => copyText(draft.text, ctx.announce, "Текст ответа скопирован."),
        },
        "Скопировать текст ответа",
      )
    : null;
  const form = h(
    "form",
    { class: "action-form", "data-action": "publish" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Публикация согласованного ответа (п. 15)"),
      h(
        "p",
        { class: "hint" },
        "Опубликуйте ответ в той же ветке (",
        extLink(c.message?.url, "публикация гражданина"),
        "); если это невозможно — на странице администрации со ссылкой на автора. Затем укажите ссылку на сам ответ: принимается ссылка на ту же ветку или на страницу администрации.",
      ),
      draft ? h("blockquote", { class: "draft-text" }, draft.text) : null,
      copy,
      h("label", { for: id }, "Ссылка на опубликованный ответ"),
      h("input", { id, name: "url", type: "url", inputmode: "url", placeholder: "https://vk.com/wall…" }),
      box,
      h("button", { type: "submit" }, "Записать публикацию"),
    ),
  );
  wire(form, box, async () => {
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/publication`, {
      body: { url: form.elements.url.value.trim() },
    });
    ctx.applied(detail, "Публикация записана.");
  });
  return form;
}
