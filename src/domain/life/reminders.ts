// The reminder plan of a meeting, written when the notice is created (rewritten on change,
// cancelled on cancel). jobs/remind.ts fires the rows as they fall due; who each one reaches and
// what it says is decided at firing time by src/services/reminders.ts (it re-reads who has not
// answered, so a replay is harmless).
//
// Kinds and when they are due (local time in the configured zone):
//   day_before   09:00 on the day before the meeting
//   hour_before  one hour before the start
//   start        when check-in opens (签到已开启)
//   after_end    when check-in closes
import type { Tx } from '../../db/client.js';
import { addDays, fromLocal, localDay } from './time.js';
import { DEFAULT_LIFE } from './options.js';

export const MEETING_REMINDER_KINDS = ['day_before', 'hour_before', 'start', 'after_end'] as const;
export type MeetingReminderKind = (typeof MEETING_REMINDER_KINDS)[number];

export const reminderKey = (sessionId: string, kind: MeetingReminderKind) => `remind:${sessionId}:${kind}`;

export function reminderPlan(s: { id: string; startsAt: Date; checkinOpensAt: Date; checkinClosesAt: Date }, tz = DEFAULT_LIFE.timezone): Array<{ key: string; kind: MeetingReminderKind; dueAt: Date }> {
  const dayBefore = addDays(localDay(s.startsAt, tz), -1);
  const due: Record<MeetingReminderKind, Date> = {
    day_before: fromLocal({ ...dayBefore, hour: 9, minute: 0 }, tz),
    hour_before: new Date(s.startsAt.getTime() - 3600_000),
    start: s.checkinOpensAt,
    after_end: s.checkinClosesAt,
  };
  return MEETING_REMINDER_KINDS.map((kind) => ({ key: reminderKey(s.id, kind), kind, dueAt: due[kind] }));
}

/** Write (or rewrite) the plan. A reminder whose time has already passed is stored CANCELLED. */
export async function writeReminderPlan(tx: Tx, s: Parameters<typeof reminderPlan>[0], now: Date, tz = DEFAULT_LIFE.timezone): Promise<void> {
  for (const r of reminderPlan(s, tz)) {
    const status = r.dueAt.getTime() > now.getTime() ? 'PLANNED' : 'CANCELLED';
    await tx.reminder.upsert({
      where: { key: r.key },
      create: { key: r.key, sessionId: s.id, kind: r.kind, dueAt: r.dueAt, status },
      update: { dueAt: r.dueAt, status, firedAt: null },
    });
  }
}

export async function cancelReminderPlan(tx: Tx, sessionId: string): Promise<void> {
  await tx.reminder.updateMany({ where: { sessionId, status: 'PLANNED' }, data: { status: 'CANCELLED' } });
}
