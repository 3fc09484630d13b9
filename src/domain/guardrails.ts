// Guardrails against burden (ARCHITECTURE "Less burden, not more"): reminders only on working
// days (Chinese public holidays and 调休 make-up workdays: the holiday file, `chinese-days`, or the
// computed statutory days, see holidays.ts) and outside quiet
// hours, never to a member on approved leave, and at most a few nudges per member and local day.
// There is deliberately nothing here that ranks or compares members.
// Pure functions: every input (instants, leave sets, counts) is passed in; tests use fixed dates.
import { BUILT_IN_CALENDAR, type HolidayCalendar } from './holidays.js';
import { addDays, fromLocal, localDay, toLocal, DEFAULT_TZ } from './life/time.js';

export interface GuardrailOptions {
  timezone: string;
  /** Local "HH:MM" when quiet hours start (inclusive) and end (exclusive); may wrap midnight. */
  quietStart: string;
  quietEnd: string;
  /** Local "HH:MM" a shifted reminder is sent at on the next working day. */
  workMorning: string;
  /** Reminders (outbox rows of category 'reminder') one member may get per local day. */
  dailyNudgeBudget: number;
  /** Which days are working days (the holiday file over the package); the built-in calendar when absent. */
  calendar?: HolidayCalendar;
}

export const DEFAULT_GUARDRAILS: GuardrailOptions = {
  timezone: DEFAULT_TZ,
  quietStart: '21:00',
  quietEnd: '08:00',
  workMorning: '09:00',
  dailyNudgeBudget: 3,
};

/** "HH:MM" → minutes after midnight; throws on anything else (config validation uses this). */
export function parseClock(hhmm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  if (!m) throw new Error(`不是有效的时间（应为 HH:MM）：${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

type Ymd = { year: number; month: number; day: number };
const ymdString = (d: Ymd) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
const sameDay = (a: Ymd, b: Ymd) => a.year === b.year && a.month === b.month && a.day === b.day;

/** A working day in mainland China: Mon–Fri unless a public holiday, plus 调休 make-up weekend days. */
export function isWorkingDay(day: Ymd, calendar: HolidayCalendar = BUILT_IN_CALENDAR): boolean {
  return calendar.isWorkingDay(ymdString(day));
}

export function inQuietHours(instant: Date, o: Pick<GuardrailOptions, 'timezone' | 'quietStart' | 'quietEnd'> = DEFAULT_GUARDRAILS): boolean {
  const l = toLocal(instant, o.timezone);
  const t = l.hour * 60 + l.minute;
  const start = parseClock(o.quietStart);
  const end = parseClock(o.quietEnd);
  if (start === end) return false;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/** May a reminder go out at `instant` (working day, outside quiet hours)? */
export function isSendableTime(instant: Date, o: GuardrailOptions = DEFAULT_GUARDRAILS): boolean {
  return isWorkingDay(localDay(instant, o.timezone), o.calendar) && !inQuietHours(instant, o);
}

/** The first working-day morning (`workMorning`, local) at or after `instant`. */
export function nextWorkingMorning(instant: Date, o: GuardrailOptions = DEFAULT_GUARDRAILS): Date {
  const morning = parseClock(o.workMorning);
  let day: Ymd = localDay(instant, o.timezone);
  for (let i = 0; i < 60; i++) {
    if (isWorkingDay(day, o.calendar)) {
      const at = fromLocal({ ...day, hour: Math.floor(morning / 60), minute: morning % 60 }, o.timezone);
      if (at.getTime() >= instant.getTime()) return at;
    }
    day = addDays(day, 1);
  }
  throw new Error('no working day within 60 days');
}

export type ReminderTiming =
  | { action: 'send'; at: Date }
  | { action: 'shift'; at: Date }
  | { action: 'skip'; reason: 'after_start' };

/**
 * When a reminder due at `due` should really go out.
 * - Outside quiet hours on a working day: at `due`.
 * - A reminder before the meeting that falls on the meeting's own local day goes out at `due`
 *   even in quiet hours or on a holiday (the meeting is happening that day anyway).
 * - Otherwise it moves to the next working morning; if that is not before the meeting start (for
 *   reminders about a meeting still to come), it is skipped: a late "tomorrow" reminder helps no one.
 * Reminders after the meeting (补签 prompts, summaries) always respect quiet hours and holidays.
 */
export function reminderTiming(due: Date, meetingStart: Date | null, o: GuardrailOptions = DEFAULT_GUARDRAILS): ReminderTiming {
  if (isSendableTime(due, o)) return { action: 'send', at: due };
  const beforeMeeting = meetingStart !== null && due.getTime() <= meetingStart.getTime();
  if (beforeMeeting && sameDay(localDay(due, o.timezone), localDay(meetingStart, o.timezone))) return { action: 'send', at: due };
  const at = nextWorkingMorning(due, o);
  if (beforeMeeting && at.getTime() >= meetingStart.getTime()) return { action: 'skip', reason: 'after_start' };
  return { action: 'shift', at };
}

/** [start, end) of the local day containing `instant`. */
export function localDayRange(instant: Date, tz = DEFAULT_TZ): { start: Date; end: Date } {
  const d = localDay(instant, tz);
  return { start: fromLocal(d, tz), end: fromLocal(addDays(d, 1), tz) };
}

export type SkipReason = 'on_leave' | 'budget';

/**
 * Which of the candidate messages may be sent: none to a member on approved leave, and per member
 * no more than the daily budget (counting what was already sent today). Messages without a member
 * (group posts) pass. Order is kept; the budget is spent in order.
 */
export function applyRecipientGuardrails<T extends { memberId?: string | null }>(
  messages: T[],
  ctx: { onLeave: ReadonlySet<string>; sentToday: ReadonlyMap<string, number>; budget: number },
): { send: T[]; skipped: Array<{ message: T; reason: SkipReason }> } {
  const used = new Map(ctx.sentToday);
  const send: T[] = [];
  const skipped: Array<{ message: T; reason: SkipReason }> = [];
  for (const m of messages) {
    if (!m.memberId) {
      send.push(m);
      continue;
    }
    if (ctx.onLeave.has(m.memberId)) {
      skipped.push({ message: m, reason: 'on_leave' });
      continue;
    }
    const n = used.get(m.memberId) ?? 0;
    if (n >= ctx.budget) {
      skipped.push({ message: m, reason: 'budget' });
      continue;
    }
    used.set(m.memberId, n + 1);
    send.push(m);
  }
  return { send, skipped };
}
