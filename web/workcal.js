// The administration's working time on the page. web/calendar.json holds every working period
// of the server's WorkingCalendar (shared/otklik/domain/calendar.py) as [start, end) UTC instants
// in epoch milliseconds, sorted; web/build_data.py writes it. This module only adds up how much
// of those intervals lies between two instants (a binary search, as the server does): it knows
// no holiday, weekday or time zone, so it cannot count differently from the server. Outside the
// covered range it knows nothing, and says so (`covers`).

/** The index of the last value <= t in a sorted array, or -1. */
function lastAtOrBefore(values, t) {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export class WorkCalendar {
  constructor(data) {
    const periods = data.periods || [];
    this.firstYear = data.first_year;
    this.lastYear = data.last_year;
    this.coveredFrom = data.covered_from;
    this.coveredUntil = data.covered_until;
    this.starts = new Float64Array(periods.length);
    this.ends = new Float64Array(periods.length);
    this.before = new Float64Array(periods.length); // working ms before period i
    let total = 0;
    let last = this.coveredFrom;
    periods.forEach(([start, end], i) => {
      if (!(start >= last && end > start)) throw new Error(`calendar.json: period ${i} out of order`);
      this.starts[i] = start;
      this.ends[i] = end;
      this.before[i] = total;
      total += end - start;
      last = end;
    });
    if (last > this.coveredUntil) throw new Error("calendar.json: a period past the covered range");
  }

  /** Whether the data covers instant `t` (outside it the page has no calendar). */
  covers(t) {
    return t >= this.coveredFrom && t < this.coveredUntil;
  }

  /** Working milliseconds from the start of the covered range up to instant `t`. */
  elapsed(t) {
    const i = lastAtOrBefore(this.starts, t);
    if (i < 0) return 0;
    return this.before[i] + Math.min(t, this.ends[i]) - this.starts[i];
  }

  /** Whether the clock runs at instant `t` (periods are half-open: 13:00 is not working time). */
  isWorkingTime(t) {
    const i = lastAtOrBefore(this.starts, t);
    return i >= 0 && t < this.ends[i];
  }

  /** Working milliseconds from instant `a` to instant `b` (negative when `b` is earlier). */
  workingMsBetween(a, b) {
    return this.elapsed(b) - this.elapsed(a);
  }
}

export async function loadCalendar(url = "calendar.json") {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`calendar.json: HTTP ${response.status}`);
  return new WorkCalendar(await response.json());
}
