// The top bar (who is signed in, the working-time line, sign-out) and the sign-in form; the
// alerts of new and due work (alerts.js) run while somebody is signed in.
// After signing in, `ctx.route()` shows the view of the address.

import { startAlerts, stopAlerts } from "./alerts.js";
import { ApiError, api, session } from "./api.js";
import { append, clear, h } from "./dom.js";
import { paintClock } from "./countdown.js";
import { errorBox, wire } from "./forms.js";
import { announce, root, setTitle } from "./page.js";
import { departmentName, keepsTemplates, state } from "./state.js";
import { name } from "./vocabulary.js";

/** The top bar of the signed-in official (hidden when nobody is). */
export function renderShell(ctx) {
  const me = state.me;
  const header = document.getElementById("topbar");
  clear(header);
  header.hidden = !me;
  if (!me) {
    stopAlerts();
    return;
  }
  const dept = me.department ? ` · ${departmentName(me.department)}` : "";
  append(header, [
    h(
      "div",
      { class: "brand" },
      h("a", { href: "#/", class: "brand-name" }, "Отклик"),
      h("span", { class: "brand-sub" }, "ответы на сообщения граждан"),
    ),
    h(
      "nav",
      { "aria-label": "Разделы" },
      h("a", { href: "#/" }, "Входящие"),
      // the head of district's overview (and the responsible executor's): who may read reports
      ["head", "responsible"].includes(me.role) ? h("a", { href: "#/dashboard" }, "Сводка") : null,
      // the library of answer templates: kept by the desk that approves and the one that publishes
      keepsTemplates() ? h("a", { href: "#/templates" }, "Шаблоны ответов") : null,
    ),
    h("p", { id: "work-clock", class: "work-clock", "aria-live": "off" }),
    h(
      "div",
      { class: "who" },
      h("span", { class: "who-name" }, me.name || me.login),
      h("span", { class: "who-role" }, `${name("roles", me.role)}${dept}`),
    ),
    h("button", { type: "button", class: "secondary", id: "logout", onclick: () => logout(ctx) }, "Выйти"),
  ]);
  paintClock();
  startAlerts(ctx, me.login);
}

/** The token is gone or refused: forget the official and show the sign-in form. */
export function signedOut(ctx, message) {
  session.token = null;
  state.me = null;
  state.current = null;
  renderLogin(ctx, message);
}

export function renderLogin(ctx, message) {
  state.view = "login";
  state.nav += 1;
  renderShell(ctx);
  setTitle("Вход");
  clear(root);
  const box = errorBox();
  const form = h(
    "form",
    { class: "login card", novalidate: true, "aria-labelledby": "login-h" },
    h("h1", { id: "login-h" }, "Вход для сотрудников"),
    h("p", { class: "muted" }, "Отклик — ответы администрации на сообщения граждан в соцсетях."),
    message ? h("p", { class: "notice", role: "status" }, message) : null,
    h("label", { for: "login" }, "Логин"),
    h("input", {
      id: "login",
      name: "login",
      autocomplete: "username",
      required: true,
      autocapitalize: "none",
      spellcheck: "false",
    }),
    h("label", { for: "password" }, "Пароль"),
    h("input", {
      id: "password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    }),
    box,
    h("button", { type: "submit" }, "Войти"),
  );
  wire(form, box, async () => {
    const login = form.elements.login.value.trim();
    const password = form.elements.password.value;
    if (!login || !password) {
      throw new ApiError(422, "invalid_input", "Введите логин и пароль.", {});
    }
    let answer;
    try {
      // the server's own words on a wrong password (401) or too many (429); the login stays
      answer = await api("POST", "/api/v1/auth/login", { body: { login, password }, signIn: true });
    } catch (error) {
      form.elements.password.value = "";
      form.elements.password.focus();
      throw error;
    }
    session.token = answer.token;
    state.me = await api("GET", "/api/v1/me");
    announce("");
    ctx.route();
  });
  append(root, [form]);
  form.elements.login.focus();
}

async function logout(ctx) {
  stopAlerts(); // a reading sent while the token is revoked would end the session a second time
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch {
    // the token is dropped here anyway
  }
  history.replaceState(null, "", location.pathname + location.search + "#/");
  announce("");
  signedOut(ctx, "Вы вышли из системы.");
}
