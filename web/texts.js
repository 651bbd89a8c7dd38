// The page's own Russian: phrases built from parts (timeline entries, timer titles, counts),
// the answer templates' placeholders (the templates are the server's library, templates.js). The names of the API's codes are the server's
// (vocabulary.js); none is copied here.

import { showTime } from "./time.js";
import { known, name } from "./vocabulary.js";

/** The text with its first letter in upper case (names read in lower case inside a sentence). */
export function capitalize(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** The Russian plural form of a count: plural(5, ["сообщение", "сообщения", "сообщений"]). */
export function plural(count, [one, few, many]) {
  const n = Math.abs(Math.trunc(Number(count))) % 100;
  if (n >= 11 && n <= 14) return many;
  if (n % 10 === 1) return one;
  if (n % 10 >= 2 && n % 10 <= 4) return few;
  return many;
}

/** "5 сообщений", "21 сообщение", "3 сообщения". */
export function counted(count, forms) {
  return `${count}\u00a0${plural(count, forms)}`;
}

/** The name of a timer key such as "answer_due" or "contribution_due:roads", e.g.
 * «Публикация ответа (T2)», «Вклад отдела в совместный ответ (T8) — Дороги». The deadline's name
 * is the server's (it carries the timer's number); an unknown one is its code and number. */
export function timerTitle(key, departmentName = (d) => d) {
  const [deadline, department] = String(key).split(":");
  const number = name("timers", deadline);
  const title = known("deadlines", deadline)
    ? capitalize(name("deadlines", deadline))
    : `${deadline}${known("timers", deadline) ? ` (${number})` : ""}`;
  const suffix = department ? ` — ${departmentName(department)}` : "";
  return `${title}${suffix}`;
}

function list(values, map = (x) => x) {
  return (values || []).map(map).join(", ") || "—";
}

/** How a curator's decision reached us: by the monitoring system, or recorded by hand. */
function recordedBy(d) {
  if (d.via !== "manual") return "";
  const when = d.recorded_at ? `, записано ${showTime(d.recorded_at)}` : "";
  return ` (внесено вручную${when})`;
}

/** What a timeline entry says, in Russian. */
export function timelinePhrase(entry, departmentName = (d) => d, personName = (login) => login) {
  const d = entry.details || {};
  switch (entry.action) {
    case "received":
      return d.via === "manual"
        ? `Сообщение зарегистрировано вручную по данным системы мониторинга (№ ${d.external_id || "—"})`
        : `Сообщение получено из системы мониторинга (№ ${d.external_id || "—"})`;
    case "routing_proposed":
      return (
        `Автоматический разбор: предложены отделы — ${list(d.departments, departmentName)}` +
        (d.flags && d.flags.length ? `; признаки п. 20 — ${list(d.flags, (f) => name("flags", f))}` : "")
      );
    case "repeat_linked":
      return `Связано с ранее рассмотренным сообщением (п. 18)${d.handled_by ? `; его вёл(а) ${d.handled_by}` : ""}`;
    case "reported_to_head":
      return `Доложено главе района (п. 24): ${d.reason ? name("significance", d.reason) : ""}`;
    case "accepted":
      return `Принято в работу, исполнители: ${list(d.departments, departmentName)}`;
    case "returned_to_curator":
      return `Возвращено куратору как вне компетенции: ${d.reason || ""}`;
    case "not_processable":
      return `Признано не подлежащим обработке (п. 20): ${d.reason || ""}`;
    case "contribution_submitted":
      return `Отдел «${departmentName(d.department)}» представил вклад в совместный ответ`;
    case "draft_submitted":
      return `Проект ответа (${d.kind ? name("draft_kinds", d.kind) : "—"}) направлен на согласование`;
    case "draft_approved":
      return d.via === "integration" || !d.via
        ? "Проект согласован ответственным исполнителем и направлен куратору"
        : "Проект согласован ответственным исполнителем";
    case "draft_sent_to_curator":
      return "Проект внесён в систему мониторинга для куратора";
    case "draft_rejected":
      return `Проект возвращён исполнителю: ${d.comment || ""}`;
    case "curator_approved":
      return `Куратор согласовал ответ${recordedBy(d)}`;
    case "curator_returned":
      return `Куратор вернул ответ на доработку: ${d.comment || ""}${recordedBy(d)}`;
    case "curator_decision_conflict":
      return `Система мониторинга сообщила решение куратора («${name("curator_events", d.event)}»), которое расходится с записанным; карточка не изменена`;
    case "published":
      return `Ответ (${d.kind ? name("draft_kinds", d.kind) : "—"}) опубликован: ${d.url || ""}`;
    case "publication_failed":
      return `Автоматическая публикация не удалась: ${d.reason || ""}. Опубликуйте ответ вручную`;
    case "anonymised":
      return "Персональные данные автора удалены по сроку хранения";
    case "withdrawn":
      return `Куратор отозвал сообщение${d.comment ? `: ${d.comment}` : ""}${recordedBy(d)}`;
    case "executor_assigned":
      return `Поручено: ${personName(d.assignee)} (${departmentName(d.department)})${
        d.previous ? `; прежде — ${personName(d.previous)}` : ""
      }`;
    case "note_added":
      return "Добавлена заметка";
    case "deadline_warning":
      return `Предупреждение о сроке «${timerTitle(d.timer, departmentName)}»${
        d.level ? ` (уровень ${d.level})` : ""
      }; уведомлены: ${list(d.notified)}`;
    case "deadline_breach":
      return `Нарушен срок «${timerTitle(d.timer, departmentName)}»${
        d.level ? ` (уровень ${d.level})` : ""
      }; уведомлены: ${list(d.notified)}`;
    default:
      return `Событие: ${entry.action}`;
  }
}

export const SIGNATURE = "С уважением, администрация района."; // of the joint answer

/** How to address the author: first name (with patronymic if given), or nobody. */
export function addressName(fullName) {
  const words = String(fullName || "")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return "";
  return words.length >= 3 ? `${words[0]} ${words[1]}` : words[0];
}

export function fillTemplate(text, { name, location }) {
  let result = text;
  result = name ? result.replaceAll("{имя}", name) : result.replaceAll(", {имя}", "").replaceAll("{имя}", "");
  result = result.replaceAll("{место}", location || "указанный адрес");
  return result;
}

/** Placeholders [like this] left in a draft. */
export function unfilledPlaceholders(text) {
  return [...String(text).matchAll(/\[[^\]\n]{1,80}\]/g)].map((m) => m[0]);
}
