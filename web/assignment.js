// Who works on a case inside each department: the head of the department (or the responsible
// executor) assigns its part to one of the department's officials, who then gets its letters and
// deadline warnings as well (otklik.domain.case.Case.assign).

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { errorBox, wire } from "./forms.js";
import { colleagueName, departmentName, state } from "./state.js";

export function assignmentSection(c, ctx) {
  const assigned = c.assignees || [];
  const may = (c.allowed_actions || []).includes("assign");
  if (!assigned.length && !may) return null;
  const byDepartment = new Map(assigned.map((a) => [a.department, a]));
  const rows = (c.departments || []).map((d) => {
    const a = byDepartment.get(d);
    return h(
      "li",
      { class: "assignee", "data-department": d },
      h("span", { class: "muted" }, `${departmentName(d)}: `),
      a ? h("strong", {}, a.name || colleagueName(a.login)) : h("span", {}, "начальник отдела, не поручено"),
    );
  });
  return h(
    "section",
    { class: "card assignment", "aria-labelledby": "assignment-h" },
    h("h2", { id: "assignment-h" }, "Исполнители в отделах"),
    h("ul", { class: "assignee-list" }, rows),
    may ? assignForm(c, ctx, byDepartment) : null,
  );
}

/** The departments the viewer may assign in: their own as its head, any for the responsible. */
function assignable(c) {
  const me = state.me || {};
  return me.role === "executor" ? (c.departments || []).filter((d) => d === me.department) : c.departments || [];
}

function assignForm(c, ctx, byDepartment) {
  const box = errorBox();
  const departments = assignable(c);
  const people = (state.me?.colleagues || []).filter((x) => departments.includes(x.department));
  if (!people.length) return null;
  const id = uid("assignee");
  const select = h(
    "select",
    { id, name: "login" },
    departments.map((d) =>
      h(
        "optgroup",
        { label: departmentName(d) },
        people
          .filter((x) => x.department === d)
          .map((x) =>
            h(
              "option",
              { value: x.login, selected: byDepartment.get(d)?.login === x.login },
              x.lead ? `${x.name} (начальник отдела)` : x.name,
            ),
          ),
      ),
    ),
  );
  const form = h(
    "form",
    { class: "action-form assign-form", "data-action": "assign" },
    h("label", { for: id }, "Поручить сотруднику"),
    select,
    box,
    h("button", { type: "submit", class: "secondary" }, "Поручить"),
  );
  wire(form, box, async () => {
    const person = people.find((x) => x.login === select.value);
    const detail = await api("POST", `/api/v1/cases/${c.case_id}/assignee`, {
      body: { login: select.value, department: person ? person.department : null },
    });
    ctx.applied(detail, `Сообщение поручено: ${person ? person.name : select.value}.`);
  });
  return form;
}
