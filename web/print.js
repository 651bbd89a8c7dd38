// The printable case card: the button that prints it and the line at the top of the printout.
// What the printout shows and hides is style.css's `@media print`; the line says when it was
// printed, set again just before each printing (the button or the browser's own command), so a
// card printed an hour after it was opened does not carry the older time.

import { h } from "./dom.js";
import { state } from "./state.js";

/** «02.12.2026 15:04» now, in the display time zone the server names in /me (DISPLAY_TIMEZONE),
 * as every time on the card is shown. */
export function printedAt(now = new Date()) {
  const parts = {};
  const format = new Intl.DateTimeFormat("ru-RU", {
    timeZone: state.me?.timezone || "Asia/Barnaul",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(now)) parts[part.type] = part.value;
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}

function stamp() {
  for (const el of document.querySelectorAll(".print-head [data-printed]")) el.textContent = printedAt();
}

window.addEventListener("beforeprint", stamp);

/** «Карточка сообщения № im-123 · распечатано 02.12.2026 15:04», seen only on paper. */
export function printHeader(c) {
  return h(
    "p",
    { class: "print-only print-head" },
    `Карточка сообщения № ${c.external_id || c.case_id} · распечатано `,
    h("span", { "data-printed": true }, printedAt()),
  );
}

export function printButton() {
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "print-card",
      onclick: () => {
        stamp();
        window.print();
      },
    },
    "Распечатать карточку",
  );
}
