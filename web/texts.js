// Everything an official reads, in Russian: the names of the API's codes and the answer templates.

import { showTime } from "./time.js";

export const STATUS_TITLES = {
  received: "Новое",
  returned_to_curator: "Возвращено куратору",
  not_processable: "Не подлежит обработке",
  in_work: "В работе",
  internal_review: "На согласовании",
  ready_to_send: "Готов к отправке куратору",
  curator_review: "У куратора",
  rework: "На доработке",
  approved: "Согласовано, к публикации",
  awaiting_final: "Дан промежуточный ответ",
  answered: "Ответ опубликован",
  withdrawn: "Отозвано куратором",
};

export const CLOSED = new Set(["returned_to_curator", "not_processable", "answered", "withdrawn"]);

export const ROLE_TITLES = {
  curator: "куратор",
  responsible: "ответственный исполнитель",
  technical: "технический исполнитель",
  executor: "исполнитель",
  head: "глава района",
  system: "система",
};

export const IMPORTANCE = { high: "высокая", medium: "средняя", low: "низкая" };

export const NETWORKS = {
  vk: "ВКонтакте",
  ok: "Одноклассники",
  telegram: "Telegram",
  instagram: "Instagram",
  web: "Сайт",
  other: "Другое",
};

export const DEADLINE_TITLES = {
  triage_due: "Распределение сообщения",
  answer_due: "Публикация ответа",
  send_to_curator_due: "Направление проекта куратору",
  curator_decision_due: "Решение куратора",
  rework_due: "Доработка проекта",
  publish_due: "Публикация согласованного ответа",
  final_answer_due: "Окончательный ответ после промежуточного",
  contribution_due: "Вклад отдела в совместный ответ",
};

export const TIMER_NUMBERS = {
  triage_due: "T1",
  answer_due: "T2",
  send_to_curator_due: "T3",
  curator_decision_due: "T4",
  rework_due: "T5",
  publish_due: "T6",
  final_answer_due: "T7",
  contribution_due: "T8",
};

export const OUTCOMES = {
  met: "выполнено в срок",
  late: "срок нарушен",
  cancelled: "отменён (больше не требуется)",
};

export const PARTIES = { administration: "администрация", curator: "куратор" };

export const DRAFT_KINDS = { final: "окончательный", interim: "промежуточный" };

export const DRAFT_STATUSES = {
  internal_review: "на согласовании у ответственного исполнителя",
  rejected: "возвращён ответственным исполнителем",
  ready_to_send: "согласован, ждёт внесения в систему мониторинга",
  curator_review: "на рассмотрении у куратора",
  returned: "возвращён куратором на доработку",
  approved: "согласован куратором",
  published: "опубликован",
  withdrawn: "отозван",
};

export const FLAGS = {
  obscene: "нецензурная брань",
  insult: "оскорбления",
  threat: "угрозы",
};

export const SIGNIFICANCE = {
  high_importance: "социально значимое сообщение (высокая важность)",
  surge: "всплеск активности по одному вопросу",
};

export const ATTACHMENT_TYPES = {
  photo: "Фото",
  video: "Видео",
  document: "Документ",
  link: "Ссылка",
};

export const ESCALATION_KINDS = { warning: "предупреждение", breach: "нарушение срока" };

/** The name of a timer key such as "answer_due" or "contribution_due:roads". */
export function timerTitle(key, departmentName = (d) => d) {
  const [deadline, department] = String(key).split(":");
  const title = DEADLINE_TITLES[deadline] || deadline;
  const number = TIMER_NUMBERS[deadline];
  const suffix = department ? ` — ${departmentName(department)}` : "";
  return `${title}${number ? ` (${number})` : ""}${suffix}`;
}

function list(values, map = (x) => x) {
  return (values || []).map(map).join(", ") || "—";
}

export const CURATOR_EVENTS = {
  draft_approved: "проект согласован",
  draft_returned: "проект возвращён на доработку",
  message_withdrawn: "сообщение отозвано",
};

/** How a curator's decision reached us: by the monitoring system, or recorded by hand. */
function recordedBy(d) {
  if (d.via !== "manual") return "";
  const when = d.recorded_at ? `, записано ${showTime(d.recorded_at)}` : "";
  return ` (внесено вручную${when})`;
}

/** What a timeline entry says, in Russian. */
export function timelinePhrase(entry, departmentName = (d) => d) {
  const d = entry.details || {};
  switch (entry.action) {
    case "received":
      return d.via === "manual"
        ? `Сообщение зарегистрировано вручную по данным системы мониторинга (№ ${d.external_id || "—"})`
        : `Сообщение получено из системы мониторинга (№ ${d.external_id || "—"})`;
    case "routing_proposed":
      return (
        `Автоматический разбор: предложены отделы — ${list(d.departments, departmentName)}` +
        (d.flags && d.flags.length ? `; признаки п. 20 — ${list(d.flags, (f) => FLAGS[f] || f)}` : "")
      );
    case "repeat_linked":
      return `Связано с ранее рассмотренным сообщением (п. 18)${d.handled_by ? `; его вёл(а) ${d.handled_by}` : ""}`;
    case "reported_to_head":
      return `Доложено главе района (п. 24): ${SIGNIFICANCE[d.reason] || d.reason || ""}`;
    case "accepted":
      return `Принято в работу, исполнители: ${list(d.departments, departmentName)}`;
    case "returned_to_curator":
      return `Возвращено куратору как вне компетенции: ${d.reason || ""}`;
    case "not_processable":
      return `Признано не подлежащим обработке (п. 20): ${d.reason || ""}`;
    case "contribution_submitted":
      return `Отдел «${departmentName(d.department)}» представил вклад в совместный ответ`;
    case "draft_submitted":
      return `Проект ответа (${DRAFT_KINDS[d.kind] || d.kind || "—"}) направлен на согласование`;
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
      return `Система мониторинга сообщила решение куратора («${CURATOR_EVENTS[d.event] || d.event}»), которое расходится с записанным; карточка не изменена`;
    case "published":
      return `Ответ (${DRAFT_KINDS[d.kind] || d.kind || "—"}) опубликован: ${d.url || ""}`;
    case "publication_failed":
      return `Автоматическая публикация не удалась: ${d.reason || ""}. Опубликуйте ответ вручную`;
    case "withdrawn":
      return `Куратор отозвал сообщение${d.comment ? `: ${d.comment}` : ""}${recordedBy(d)}`;
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

export const SIGNATURE = "С уважением, администрация района.";

/** Answer templates (clause 19: the network's style, the substance, proof where there is any).
 * {имя} is the author's name, {место} the location; [в скобках] is for the official to fill. */
export const TEMPLATES = [
  {
    id: "roads",
    title: "Дороги: ремонт участка",
    kind: "final",
    text:
      "Здравствуйте, {имя}! Спасибо, что сообщили о состоянии дороги ({место}). " +
      "Специалисты отдела дорожного хозяйства осмотрели участок. Ремонт выполнит [подрядчик] " +
      "в срок до [срок]. После ремонта разместим здесь фотографии.\n\n" +
      SIGNATURE,
  },
  {
    id: "housing",
    title: "ЖКХ: отопление, вода, вывоз мусора",
    kind: "final",
    text:
      "Здравствуйте, {имя}! Администрация района связалась с [организация] по вашему адресу " +
      "({место}). [Что сделано]. Работы будут завершены до [срок]. Если проблема сохранится, " +
      "напишите, пожалуйста, в этой ветке — мы проконтролируем.\n\n" +
      SIGNATURE,
  },
  {
    id: "interim",
    title: "Промежуточный ответ: нужно время",
    kind: "interim",
    text:
      "Здравствуйте, {имя}! Ваше сообщение принято в работу. Чтобы ответить по существу, " +
      "нужно [что требуется: выезд на место, запрос в организацию]. Окончательный ответ " +
      "дадим в этой ветке не позднее [срок].\n\n" +
      SIGNATURE,
  },
  {
    id: "repeat",
    title: "Повторное сообщение (п. 18)",
    kind: "final",
    text:
      "Здравствуйте, {имя}! Администрация уже отвечала на это обращение. С тех пор сделано " +
      "следующее: [что сделано]. Дальше: [что и когда будет сделано].\n\n" +
      SIGNATURE,
  },
];

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
