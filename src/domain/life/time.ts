// Wall-clock arithmetic in a named IANA zone (Asia/Shanghai by default) without a date library.
// Instants are stored in UTC; everything people see or type is a local date and time in the zone.

export const DEFAULT_TZ = 'Asia/Shanghai';

export interface LocalDateTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    fmtCache.set(tz, f);
  }
  return f;
}

/** The local wall clock of `instant` in `tz`. */
export function toLocal(instant: Date, tz = DEFAULT_TZ): LocalDateTime & { second: number; weekday: number } {
  const parts = Object.fromEntries(formatter(tz).formatToParts(instant).map((p) => [p.type, p.value]));
  const l = { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second) };
  return { ...l, weekday: new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay() };
}

/** Offset of `tz` from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, tz: string): number {
  const l = toLocal(new Date(instant), tz);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(instant / 1000) * 1000;
}

/** The instant when the wall clock in `tz` shows the given local time. Out-of-range parts roll over (day 32 = next month). */
export function fromLocal(l: Partial<LocalDateTime> & { year: number; month: number; day: number }, tz = DEFAULT_TZ): Date {
  const guess = Date.UTC(l.year, l.month - 1, l.day, l.hour ?? 0, l.minute ?? 0);
  let t = guess - offsetAt(guess, tz);
  t = guess - offsetAt(t, tz); // second pass settles DST edges in zones that have them
  return new Date(t);
}

/** Local calendar date (no time) as a plain UTC-midnight Date, for day arithmetic. */
export function localDay(instant: Date, tz = DEFAULT_TZ): { year: number; month: number; day: number; weekday: number } {
  const l = toLocal(instant, tz);
  return { year: l.year, month: l.month, day: l.day, weekday: l.weekday };
}

/** Add days to a local calendar date. */
export function addDays(d: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number; weekday: number } {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate(), weekday: u.getUTCDay() };
}

/** Whole local days from `now`'s date to `end`'s date (end exclusive instant → last day counts). */
export function daysBetween(from: { year: number; month: number; day: number }, to: { year: number; month: number; day: number }): number {
  return Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000);
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const pad = (n: number) => String(n).padStart(2, '0');

/** 2026年12月5日（周六）14:30 */
export function formatDateTime(instant: Date, tz = DEFAULT_TZ): string {
  const l = toLocal(instant, tz);
  return `${l.year}年${l.month}月${l.day}日（周${WEEKDAYS[l.weekday]}）${pad(l.hour)}:${pad(l.minute)}`;
}

/** 周六 */
export function weekdayName(weekday: number): string {
  return `周${WEEKDAYS[weekday]}`;
}

/** 2026年12月5日（周六）14:30—16:30: the start, and the end's clock time when there is one (its date too when another day). */
export function formatRange(start: Date, end: Date | null | undefined, tz = DEFAULT_TZ): string {
  if (!end) return formatDateTime(start, tz);
  const s = toLocal(start, tz);
  const l = toLocal(end, tz);
  const sameDay = s.year === l.year && s.month === l.month && s.day === l.day;
  return `${formatDateTime(start, tz)}—${sameDay ? `${pad(l.hour)}:${pad(l.minute)}` : formatDateTime(end, tz)}`;
}

/** 12月5日 14:30 (short, for lists) */
export function formatShort(instant: Date, tz = DEFAULT_TZ): string {
  const l = toLocal(instant, tz);
  return `${l.month}月${l.day}日 ${pad(l.hour)}:${pad(l.minute)}`;
}

/** 2026-12-05 14:30 */
export function formatIso(instant: Date, tz = DEFAULT_TZ): string {
  const l = toLocal(instant, tz);
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}
