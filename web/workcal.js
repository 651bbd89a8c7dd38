// The administration's working calendar on the page: the same rule as the server's
// WorkingCalendar (shared/otklik/domain/calendar.py), fed by web/calendar.json, which
// web/build_calendar.py generates from the server's calendar. Countdowns count working
// milliseconds between two instants exactly as the server counts its deadlines.

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MS = 86400000;

function minutesOf(hhmm) {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// Cut `minutes` off the end of a day's periods, dropping periods it uses up (calendar._shorten).
function shorten(periods, minutes) {
  const result = periods.map((p) => [...p]);
  while (minutes > 0 && result.length) {
    const [a, b] = result[result.length - 1];
    const length = b - a;
    if (length > minutes) {
      result[result.length - 1] = [a, b - minutes];
      minutes = 0;
    } else {
      result.pop();
      minutes -= length;
    }
  }
  return result;
}

export class WorkCalendar {
  constructor(data) {
    this.data = data;
    this.timezone = data.timezone;
    this.firstYear = data.first_year;
    this.lastYear = data.last_year;
    this.week = {};
    for (const name of WEEKDAYS) {
      this.week[name] = (data.week[name] || []).map(([a, b]) => [minutesOf(a), minutesOf(b)]);
    }
    this.daysOff = new Set(data.days_off || []);
    this.weekendWorkdays = new Set(data.weekend_workdays || []);
    this.shortenedDays = new Set(data.shortened_days || []);
    this.shortenBy = data.shortened_by_minutes || 0;
    this.weekendSchedule = data.weekend_workday_schedule || "mon";
    this._days = new Map();
    this._instants = new Map();
    this._format = new Intl.DateTimeFormat("en-GB", {
      timeZone: this.timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  }

  /** Whether the data knows this year's holidays (outside it only the ordinary week counts). */
  covers(year) {
    return year >= this.firstYear && year <= this.lastYear;
  }

  /** Working periods of a local day "YYYY-MM-DD" as [startMinute, endMinute] pairs. */
  periodsOfDay(iso) {
    let periods = this._days.get(iso);
    if (periods) return periods;
    const [y, m, d] = iso.split("-").map(Number);
    const weekday = WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];
    if (this.daysOff.has(iso)) {
      periods = [];
    } else {
      periods = this.week[weekday];
      if (!periods.length && this.weekendWorkdays.has(iso)) periods = this.week[this.weekendSchedule];
      if (periods.length && this.shortenedDays.has(iso)) periods = shorten(periods, this.shortenBy);
    }
    this._days.set(iso, periods);
    return periods;
  }

  /** The same, as "HH:MM" strings (what the tests compare with the server's calendar). */
  periodsOfDayText(iso) {
    const text = (m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
    return this.periodsOfDay(iso).map(([a, b]) => [text(a), text(b)]);
  }

  /** Local calendar fields of an instant in the calendar's time zone. */
  local(ms) {
    const parts = {};
    for (const p of this._format.formatToParts(new Date(ms))) parts[p.type] = p.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour) % 24,
      minute: Number(parts.minute),
      second: Number(parts.second),
    };
  }

  _offset(ms) {
    const l = this.local(ms);
    const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /** The instant of a local wall-clock time (the earlier one if ambiguous, as Python's fold=0). */
  instant(year, month, day, minuteOfDay) {
    const wall = Date.UTC(year, month - 1, day) + minuteOfDay * 60000;
    const first = wall - this._offset(wall);
    const second = wall - this._offset(first);
    return Math.min(first, second);
  }

  /** The working periods of a local day as [startMs, endMs) instants (cached). */
  periodInstants(year, month, day) {
    const iso = `${year}-${pad(month)}-${pad(day)}`;
    let found = this._instants.get(iso);
    if (!found) {
      found = this.periodsOfDay(iso).map(([a, b]) => [
        this.instant(year, month, day, a),
        this.instant(year, month, day, b),
      ]);
      this._instants.set(iso, found);
    }
    return found;
  }

  isWorkingTime(ms) {
    const l = this.local(ms);
    return this.periodInstants(l.year, l.month, l.day).some(([a, b]) => a <= ms && ms < b);
  }

  /** Working milliseconds from instant `a` to instant `b` (negative when `b` is earlier). */
  workingMsBetween(a, b) {
    if (b < a) return -this.workingMsBetween(b, a);
    const start = this.local(a);
    const end = this.local(b);
    let day = Date.UTC(start.year, start.month - 1, start.day);
    const last = Date.UTC(end.year, end.month - 1, end.day);
    let total = 0;
    while (day <= last) {
      const date = new Date(day);
      const y = date.getUTCFullYear();
      const m = date.getUTCMonth() + 1;
      const d = date.getUTCDate();
      for (const [p, q] of this.periodInstants(y, m, d)) {
        const from = Math.max(a, p);
        const to = Math.min(b, q);
        if (to > from) total += to - from;
      }
      day += DAY_MS;
    }
    return total;
  }
}

export async function loadCalendar(url = "calendar.json") {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`calendar.json: HTTP ${response.status}`);
  return new WorkCalendar(await response.json());
}
