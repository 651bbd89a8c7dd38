// Times of the API: ISO 8601 with an offset, already in the display time zone.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The instant of an ISO time, in milliseconds (any number of fractional digits). */
export function parseIso(text) {
  const m = ISO.exec(String(text || ""));
  if (!m) return NaN;
  const [, y, mo, d, hh, mi, ss = "0", frac = "0", zone] = m;
  const ms = Number(`${frac}000`.slice(0, 3));
  let offset = 0;
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  return Date.UTC(+y, +mo - 1, +d, +hh, +mi, +ss, ms) - offset * 60000;
}

/** "01.12.2026 09:30" — the wall-clock time as the server wrote it (its display time zone). */
export function showTime(text) {
  const m = ISO.exec(String(text || ""));
  if (!m) return text ? String(text) : "—";
  const [, y, mo, d, hh, mi] = m;
  return `${d}.${mo}.${y} ${hh}:${mi}`;
}

/** "01.12 09:30" for tables where the year is obvious. */
export function showShortTime(text) {
  const m = ISO.exec(String(text || ""));
  if (!m) return text ? String(text) : "—";
  const [, , mo, d, hh, mi] = m;
  return `${d}.${mo} ${hh}:${mi}`;
}

/** "2 ч 05 мин", "45 мин" (a number keeps its unit on the same line). */
export function showMinutes(minutes) {
  const m = Math.max(0, Math.floor(minutes));
  if (m < 60) return `${m}\u00a0мин`;
  return `${Math.floor(m / 60)}\u00a0ч ${String(m % 60).padStart(2, "0")}\u00a0мин`;
}
