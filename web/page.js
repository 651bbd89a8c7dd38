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

export function setTitle(text) {
  document.title = text ? `${text} — Отклик` : "Отклик";
}

/** Focus the view's heading, so keyboard and screen-reader users start at the new content. */
export function focusHeading() {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}
