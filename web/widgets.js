// Small pieces several views show the same way: a status badge, a list of facts, a post's or a
// draft's attachments, the comments on a draft.

import { extLink, h } from "./dom.js";
import { showTime } from "./time.js";
import { name } from "./vocabulary.js";

/** The status badge; `title` is the server's `status_title` when the view carries one. */
export function badge(status, title) {
  return h("span", { class: `badge badge-${status}` }, title || name("statuses", status));
}

/** A definition list of [label, value] pairs, leaving out empty values. */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
  );
}

/** «Фото 1», «Видео 2»… as links, each with its address; a file of ours (a draft's, kept in
 * the administration's storage, no link) by its name. */
export function attachmentsList(attachments) {
  if (!attachments || !attachments.length) return null;
  return h(
    "ul",
    { class: "attachments" },
    attachments.map((a, i) =>
      a.key && !a.url
        ? h(
            "li",
            { class: "stored-file" },
            `${name("attachment_types", a.type)} ${i + 1}: `,
            h("span", { class: "file-name" }, a.name || "файл"),
          )
        : h(
            "li",
            {},
            extLink(a.url, `${name("attachment_types", a.type)} ${i + 1}`),
            " ",
            h("span", { class: "muted url" }, a.url),
          ),
    ),
  );
}

/** The comments on a draft: the curator's stand out, the others name their author. */
export function commentsList(comments) {
  if (!comments || !comments.length) return null;
  return h(
    "ul",
    { class: "comments" },
    comments.map((cm) => {
      const curator = cm.role === "curator";
      return h(
        "li",
        { class: curator ? "comment comment-curator" : "comment" },
        h(
          "p",
          { class: "comment-head" },
          h("strong", {}, curator ? "Замечание куратора" : `Комментарий: ${name("roles", cm.role)}`),
          h("span", { class: "muted" }, ` · ${curator ? "" : `${cm.by}, `}${showTime(cm.at)}`),
        ),
        h("p", { class: "comment-text" }, cm.text),
      );
    }),
  );
}

/** The checker's advice on a draft (clauses 18-20): warnings first, each with how to fix it. */
export function findingsList(findings, { empty = null } = {}) {
  if (!findings || !findings.length) return empty ? h("p", { class: "findings-none" }, empty) : null;
  const ordered = [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "warning" ? -1 : 1));
  return h(
    "ul",
    { class: "findings" },
    ordered.map((f) =>
      h(
        "li",
        { class: `finding finding-${f.severity}`, "data-code": f.code },
        h("strong", {}, f.severity === "warning" ? "Внимание: " : "Совет: "),
        f.message,
      ),
    ),
  );
}
