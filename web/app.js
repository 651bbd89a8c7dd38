// Отклик: the staff page. Sign in, the inbox of one's role, a case and what one may do with it.
// It talks only to the staff API (openapi.yaml); the server decides who may do what and the
// page only shows the actions the case view lists in `allowed_actions`.
//
// This module boots the page (the vocabulary, the calendar, the signed-in official) and routes
// the address to a view: "#/" the inbox, "#/case/<id>" a case, "#/register" a registration by
// hand. Views get `ctx`, what they need of the router, so no view imports this module.

import { api, session, sessionEnded } from "./api.js";
import { applied, refreshCase, showCase } from "./case.js";
import { countdown, paintClock, tick } from "./countdown.js";
import { configureForms } from "./forms.js";
import { filtersFromHash, loadInbox, renderInbox } from "./inbox.js";
import { renderRegister } from "./manual.js";
import { announce, focusHeading, root, setTitle } from "./page.js";
import { renderLogin, renderShell, signedOut } from "./shell.js";
import { keepsTemplates, state } from "./state.js";
import { loadVocabulary } from "./vocabulary.js";
import { loadCalendar } from "./workcal.js";

const TICK_MS = 5000;
const INBOX_REFRESH_MS = 60000;

/** What the views need of the page: who is signed in, and the ways to move on. */
const ctx = {
  get me() {
    return state.me;
  },
  announce,
  route,
  signedOut: (message) => signedOut(ctx, message),
  refresh: () => refreshCase(ctx),
  applied: (detail, message) => applied(ctx, detail, message),
  /** Show a case that an action (a registration) returned, as a new address. */
  openCase(detail, message) {
    state.nav += 1;
    state.view = "case";
    history.pushState(null, "", `#/case/${encodeURIComponent(detail.case_id)}`);
    applied(ctx, detail, message);
    focusHeading();
  },
};

function showRegister() {
  state.view = "register";
  state.current = null;
  setTitle("Регистрация сообщения");
  renderRegister(root, ctx);
  focusHeading();
}

function route() {
  state.nav += 1;
  if (!session.token || !state.me) {
    renderLogin(ctx);
    return;
  }
  renderShell(ctx);
  const hash = location.hash || "#/";
  const match = /^#\/case\/([^/?#]+)/.exec(hash);
  if (match) {
    showCase(decodeURIComponent(match[1]), ctx);
  } else if (hash.startsWith("#/register") && state.me.role === "technical") {
    showRegister();
  } else if (hash.startsWith("#/templates") && keepsTemplates()) {
    const nav = state.nav;
    import("./templates.js").then(({ renderTemplates }) => {
      if (nav === state.nav) renderTemplates(root, ctx);
    });
  } else if (hash.startsWith("#/dashboard")) {
    const nav = state.nav; // the module loads once; an address changed meanwhile wins
    import("./dashboard.js").then(({ renderDashboard }) => {
      if (nav === state.nav) renderDashboard(root, ctx);
    });
  } else {
    renderInbox(filtersFromHash(hash), ctx);
    focusHeading();
  }
}

/** The names of the API's codes; without them the page shows the codes and says so. */
async function vocabulary() {
  try {
    await loadVocabulary();
  } catch (error) {
    console.error(error);
    state.vocabularyFailed = true;
  }
}

function calendar() {
  loadCalendar()
    .then((cal) => {
      state.calendar = cal;
      window.otklikCalendar = cal;
      tick();
    })
    .catch((error) => {
      console.error(error);
      state.calendarFailed = true;
      paintClock();
    });
}

async function signedInOfficial() {
  if (!session.token) return { ok: true };
  try {
    state.me = await api("GET", "/api/v1/me");
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

async function boot() {
  configureForms({ refresh: ctx.refresh, signedOut: ctx.signedOut });
  document.querySelector(".skip-link")?.addEventListener("click", (event) => {
    event.preventDefault(); // the hash is the page's address: do not change it
    document.getElementById("main").focus();
  });
  calendar();
  const [, me] = await Promise.all([vocabulary(), signedInOfficial()]);
  window.addEventListener("hashchange", () => {
    announce("");
    route();
  });
  setInterval(tick, TICK_MS);
  setInterval(() => {
    if (state.view === "inbox" && document.visibilityState === "visible") loadInbox(ctx, { quiet: true });
  }, INBOX_REFRESH_MS);
  if (!me.ok) {
    if (sessionEnded(me.error)) ctx.signedOut("Сеанс завершён. Войдите снова.");
    else renderLogin(ctx, me.error.message);
  } else {
    route();
  }
  if (state.vocabularyFailed) {
    announce("Не удалось загрузить названия статусов и ролей: вместо них показаны коды. Обновите страницу.", "error");
  }
}

window.otklik = { state, countdown };
boot();
