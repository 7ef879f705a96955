import { z } from 'zod';
import { invalid } from '../errors';
import { WEEKDAYS, type Weekday } from './targets';

/**
 * Periods in the tenant's time zone (DESIGN §3: Asia/Kolkata by default; weeks start Monday,
 * configurable). A period is a range of calendar days; its instants are local midnights as UTC.
 */
export const PeriodKind = z.enum(['day', 'week', 'month']);
export type PeriodKind = z.infer<typeof PeriodKind>;

export interface Period {
  kind: PeriodKind;
  /** First day, YYYY-MM-DD (local). */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** UTC instants: the local midnight starting `from`, and the one after `to`. */
  start: string;
  end: string;
  days: string[];
}

const DAY = 86_400_000;
const asUtcDate = (day: string) => new Date(`${day}T00:00:00.000Z`);
export const addDays = (day: string, n: number) => new Date(asUtcDate(day).getTime() + n * DAY).toISOString().slice(0, 10);
export const weekdayOf = (day: string): Weekday => WEEKDAYS[(asUtcDate(day).getUTCDay() + 6) % 7]!;

/** The offset (ms) of `timeZone` from UTC at `instant`. */
function offsetAt(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(instant).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The UTC instant of local midnight starting `day` in `timeZone` (exact across offset changes). */
export function localMidnight(day: string, timeZone: string): string {
  const guess = asUtcDate(day).getTime();
  let instant = guess - offsetAt(new Date(guess), timeZone);
  instant = guess - offsetAt(new Date(instant), timeZone);
  return new Date(instant).toISOString();
}

/** The local calendar day of an instant. */
export function localDay(instant: Date, timeZone: string): string {
  return new Date(instant.getTime() + offsetAt(instant, timeZone)).toISOString().slice(0, 10);
}

/** The Monday of ISO week 1 of `year` (the week holding 4 January), as UTC ms. */
function weekOneMonday(year: number): number {
  const jan4 = new Date(Date.UTC(2000, 0, 4));
  jan4.setUTCFullYear(year); // Date.UTC reads years 0–99 as 1900–1999
  return jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * DAY;
}

/** The ISO week `2026-W48` as its Monday; weeks of 2000–2100 only. */
export function isoWeekMonday(week: string): string {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw invalid([{ field: 'query.week', code: 'invalid_format', message: 'must be an ISO week like 2026-W48' }]);
  const [year, n] = [Number(m[1]), Number(m[2])];
  if (year < 2000 || year > 2100) throw invalid([{ field: 'query.week', code: 'invalid_value', message: 'must lie between the years 2000 and 2100' }]);
  const weeks = (weekOneMonday(year + 1) - weekOneMonday(year)) / (7 * DAY);
  if (n < 1 || n > weeks) throw invalid([{ field: 'query.week', code: 'invalid_value', message: `${year} has weeks 1 to ${weeks}` }]);
  return new Date(weekOneMonday(year) + (n - 1) * 7 * DAY).toISOString().slice(0, 10);
}

/** The ISO week of a day: `2026-W48`. */
export function isoWeekOf(day: string): string {
  const d = asUtcDate(day);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - weekOneMonday(year)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The day, week or month containing `day`, in `timeZone`, weeks starting on `weekStartsOn`. */
export function periodOf(kind: PeriodKind, day: string, opts: { timeZone: string; weekStartsOn: 'monday' | 'sunday' }): Period {
  let from = day;
  let to = day;
  if (kind === 'week') {
    const startIndex = opts.weekStartsOn === 'sunday' ? 6 : 0;
    const back = (WEEKDAYS.indexOf(weekdayOf(day)) - startIndex + 7) % 7;
    from = addDays(day, -back);
    to = addDays(from, 6);
  } else if (kind === 'month') {
    from = `${day.slice(0, 7)}-01`;
    const next = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 1));
    to = addDays(next.toISOString().slice(0, 10), -1);
  }
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return { kind, from, to, start: localMidnight(from, opts.timeZone), end: localMidnight(addDays(to, 1), opts.timeZone), days };
}

export const workingDaysIn = (period: Pick<Period, 'days'>, workingDays: readonly Weekday[]) => period.days.filter((d) => workingDays.includes(weekdayOf(d))).length;
