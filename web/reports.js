// The monthly report block of the inbox (clause 23) for the responsible executor and the head:
// a month, and the report opened as a page or downloaded as CSV or XLSX; the month's breaches
// (clause 22) as a page.

import { ApiError, api, apiBase, serverNow } from "./api.js";
import { h } from "./dom.js";
import { clearError, errorBox, showError } from "./forms.js";
import { state } from "./state.js";

const MONTHS = [
  "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
  "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
];

export function canReadReports() {
  return Boolean(state.me) && ["responsible", "head"].includes(state.me.role);
}

/** "YYYY-MM" of the server's now in the administration's time zone. */
function currentMonth() {
  const tz = state.me?.timezone || "Asia/Barnaul";
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit" })
    .formatToParts(new Date(serverNow()));
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}`;
}

/** "Декабрь 2026" of "2026-12". */
export function monthTitle(value) {
  const [year, month] = value.split("-").map(Number);
  return `${MONTHS[month - 1]} ${year}`;
}

/** "YYYY-MM" of this month and the `count - 1` months before it, newest first. */
function recentMonths(current, count) {
  let [year, month] = current.split("-").map(Number);
  const result = [];
  for (let i = 0; i < count; i += 1) {
    result.push(`${year}-${String(month).padStart(2, "0")}`);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return result;
}

export function reportsBlock() {
  const month = h(
    "select",
    { id: "report-month", name: "month" },
    recentMonths(currentMonth(), 24).map((value, i) =>
      h("option", { value, selected: i === 0 }, monthTitle(value)),
    ),
  );
  const box = errorBox();
  const link = (format, text, report = "monthly") => {
    const a = h("a", { class: "report-link", "data-format": format, "data-report": report, href: "#" }, text);
    const update = () => {
      a.href = `${apiBase()}/api/v1/reports/${report}?month=${encodeURIComponent(month.value)}&format=${format}`;
    };
    update();
    month.addEventListener("change", update);
    a.addEventListener("click", (event) => {
      event.preventDefault();
      openReport(format, month.value, box, report);
    });
    return a;
  };
  return h(
    "section",
    { class: "reports card", "aria-labelledby": "reports-h" },
    h("h2", { id: "reports-h" }, "Ежемесячный отчёт (п. 23)"),
    h(
      "div",
      { class: "reports-row" },
      h("div", { class: "field" }, h("label", { for: "report-month" }, "Месяц"), month),
      h(
        "p",
        { class: "report-links" },
        link("html", "Открыть отчёт"),
        link("csv", "Скачать CSV"),
        link("xlsx", "Скачать XLSX"),
        link("html", "Нарушения сроков (п. 22)", "breaches"),
      ),
    ),
    box,
  );
}

/** The report with the bearer token (a plain link would carry none): a page or a download. */
async function openReport(format, month, box, report = "monthly") {
  clearError(box);
  if (!/^\d{4}-\d{2}$/.test(month)) {
    showError(box, new ApiError(422, "invalid_input", "Укажите месяц (ГГГГ-ММ).", {}));
    return;
  }
  // A window opened now, before waiting for the report, is not taken for a pop-up.
  const target = format === "html" ? window.open("", "_blank") : null;
  if (target) target.opener = null; // the report cannot reach back into the staff page
  try {
    const response = await api(
      "GET",
      `/api/v1/reports/${report}?month=${encodeURIComponent(month)}&format=${format}`,
      { raw: true },
    );
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    if (format === "html" && target) {
      target.location.href = url;
    } else if (format === "html") {
      h("a", { href: url, target: "_blank", rel: "noopener" }).click();
    } else {
      const disposition = response.headers.get("Content-Disposition") || "";
      const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || `otklik-${month}.${format}`;
      const a = h("a", { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    if (target) target.close();
    showError(box, error);
  }
}
