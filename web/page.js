// The page's fixed places: the main area views render into, the flash line that says what an
// action did, the window's title and where the focus goes after a view changes.

import { append, clear } from "./dom.js";

export const root = document.getElementById("app");
export const flash = document.getElementById("flash");

/** Say what happened in the flash line ("ok", "info" or "error"); an empty text clears it. */
export function announce(text, kind = "ok") {
  clear(flash);
  flash.className = text ? `flash flash-${kind}` : "flash";
  if (text) append(flash, [text]);
}

/** Move the focus to the flash line, so a screen reader reads what an action did. */
export function focusFlash() {
  flash.setAttribute("tabindex", "-1");
  flash.focus();
}

// The window's title is the view's, with the number of unread alerts in front («(2) Входящие —
// Отклик»), so a tab in the background shows there is something new.
let viewTitle = "Отклик";
let unread = 0;

function paintTitle() {
  document.title = unread ? `(${unread}) ${viewTitle}` : viewTitle;
}

export function setTitle(text) {
  viewTitle = text ? `${text} — Отклик` : "Отклик";
  paintTitle();
}

/** The number of unread alerts (alerts.js) the title shows; 0 shows none. */
export function setUnread(count) {
  unread = count;
  paintTitle();
}

/** Focus the view's heading, so keyboard and screen-reader users start at the new content. */
export function focusHeading() {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}
