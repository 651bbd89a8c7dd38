// What the page knows at the moment, shared by its views: who is signed in, the calendar, which
// view is on screen and the data it shows. Only views change it; nothing here touches the DOM.

export const state = {
  me: null, // GET /api/v1/me: login, name, role, department, departments, timezone
  calendar: null, // a WorkCalendar once calendar.json loaded
  calendarFailed: false,
  vocabularyFailed: false,
  view: null, // "login" | "inbox" | "register" | "case" | "templates" | "dashboard"
  filters: { status: "", department: "", overdue: false },
  cases: [], // the inbox as the server listed it
  current: null, // the case detail on screen
  nav: 0, // bumps on every navigation; late answers of an earlier one are dropped
};

/** An official's name by login, as /api/v1/me lists the departments' officials. */
export function colleagueName(login) {
  const found = (state.me?.colleagues || []).find((x) => x.login === login);
  return found ? found.name : login;
}

/** Whether the signed-in official keeps the library of answer templates (the server decides:
 * otklik.domain.roles, Action.EDIT_TEMPLATES; the page only shows what it would allow). */
export function keepsTemplates() {
  return ["responsible", "technical"].includes(state.me?.role);
}

/** A department's name from the directory the server sent with /me (its id if unknown). */
export function departmentName(id) {
  const found = (state.me?.departments || []).find((d) => d.id === id);
  return found ? found.name : id;
}
