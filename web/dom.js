// Small DOM helpers. Text from social networks is never parsed as HTML: every string is a text node.

const PROPERTIES = new Set(["value", "checked", "selected", "disabled", "hidden", "open"]);

/** h("a", {href: "#/", class: "x", onclick: fn}, "text", child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Only http(s) addresses become links (a post may carry anything, e.g. "javascript:"). */
export function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
}

/** A link to an outside address, or the address as plain text when it is not http(s). */
export function extLink(url, text) {
  const safe = safeUrl(url);
  if (!safe) return h("span", {}, text || url || "—");
  return h("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, text || safe);
}

let ids = 0;
export function uid(prefix = "id") {
  ids += 1;
  return `${prefix}-${ids}`;
}
