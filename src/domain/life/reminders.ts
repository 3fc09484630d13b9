// The reminder plan of a meeting, written when the notice is created (rewritten on change,
// cancelled on cancel), and the messages a due reminder sends. The jobs side fires the rows
// (BullMQ delayed jobs with the row key as job id), applies quiet hours and holidays, and calls
// meetingReminderMessages at firing time: it re-reads who has not answered, so a replay is harmless.
//
// Kinds and when they are due (local time in the configured zone):
//   day_before   09:00 on the day before the meeting       → non-responders
//   hour_before  one hour before the start                 → non-responders
//   start        when check-in opens (签到已开启)           → non-responders, with a 签到 button
//   after_end    when check-in closes                      → absentees get the 补签 prompt;
//                                                            the secretary gets a summary card
import type { Tx } from '../../db/client.js';
import type { Reminder } from '../../generated/prisma/client.js';
import type { Card } from '../../chat/card.js';
import type { Outbound } from '../../chat/types.js';
import type { TokenSigner } from '../../chat/token.js';
import { say } from '../../chat/wording.js';
import { addDays, formatDateTime, fromLocal, localDay } from './time.js';
import { DEFAULT_LIFE, lateEnd, type LifeOptions } from './options.js';
import { attendanceCounts, branchApprover, chatDestination, counterLine, loadSession, meetingTitle, memberDestination, sessionBranchId } from './sessions.js';

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

export interface ReminderMessageOptions {
  /** With a signer, messages carry buttons (签到, 填写纪实); without one they are text only. */
  tokens?: TokenSigner;
  life?: Partial<LifeOptions>;
}

/**
 * The messages `reminder` should send at `now`: only to members who have not answered (never to
 * someone on leave or with a leave/补签 request waiting), by direct message on the platform of the
 * meeting's group chat; for after_end also a summary card to the branch secretary. Returns [] for
 * a cancelled reminder or meeting, or when the moment has passed (a 1-hour reminder after the start).
 * Dedupe keys are `<reminder key>:<member id>` and `<reminder key>:summary`.
 */
export async function meetingReminderMessages(tx: Tx, reminder: Pick<Reminder, 'key' | 'kind' | 'sessionId' | 'status'>, now: Date, opts: ReminderMessageOptions = {}): Promise<Outbound[]> {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...opts.life };
  if (!reminder.sessionId || reminder.status === 'CANCELLED') return [];
  const kind = reminder.kind as MeetingReminderKind;
  if (!MEETING_REMINDER_KINDS.includes(kind)) return [];
  const s = await loadSession(tx, reminder.sessionId);
  if (!s || s.status === 'CANCELLED') return [];
  const stale = kind === 'after_end' ? now >= lateEnd(s.checkinClosesAt, o) : kind === 'start' ? now >= s.checkinClosesAt : now >= s.startsAt;
  if (stale) return [];
  const chat = await chatDestination(tx, s.chatId);
  if (!chat) return [];

  const waiting = await tx.attendance.findMany({
    where: {
      sessionId: s.id,
      status: kind === 'after_end' ? { in: ['PENDING', 'ABSENT'] } : 'PENDING',
      requests: { none: { status: 'PENDING' } },
      member: { active: true },
    },
    select: { memberId: true, member: { select: { name: true } } },
    orderBy: { member: { name: 'asc' } },
  });

  const vars = { title: meetingTitle(s), time: formatDateTime(s.startsAt, o.timezone), place: s.place ?? say('meeting.place_tbd') };
  const out: Outbound[] = [];
  for (const a of waiting) {
    const to = await memberDestination(tx, a.memberId, chat.platform, chat.tenantKey);
    if (!to) continue;
    const base = { to, dedupeKey: `${reminder.key}:${a.memberId}`, category: 'reminder' as const, memberId: a.memberId };
    if (kind === 'day_before') out.push({ ...base, body: { kind: 'text', text: say('meeting.remind_day_before', vars) } });
    else if (kind === 'hour_before') out.push({ ...base, body: { kind: 'text', text: say('meeting.remind_hour_before', vars) } });
    else if (kind === 'start') {
      const card: Card = { title: say('meeting.remind_start_title'), tone: 'blue', markdown: say('meeting.remind_start', vars) };
      if (opts.tokens) {
        const ttl = Math.max(60, Math.ceil((s.checkinClosesAt.getTime() - now.getTime()) / 1000));
        card.buttons = [{ actionId: 'meeting.checkin', label: say('meeting.button_checkin'), style: 'primary', token: opts.tokens.sign({ action: 'meeting.checkin', target: s.id }, ttl, now) }];
      }
      out.push({ ...base, body: { kind: 'card', card } });
    } else out.push({ ...base, body: { kind: 'text', text: say('meeting.remind_late', { ...vars, until: formatDateTime(lateEnd(s.checkinClosesAt, o), o.timezone) }) } });
  }

  if (kind === 'after_end') {
    const approver = await branchApprover(tx, sessionBranchId(s));
    const c = await attendanceCounts(tx, s.id);
    const card = summaryCard(s.kind.name, s.topic, vars.time, waiting.map((w) => w.member.name), c);
    if (opts.tokens && approver) {
      card.buttons = [{ actionId: 'meeting.minutes_form', label: say('meeting.button_minutes'), style: 'primary', token: opts.tokens.sign({ action: 'meeting.minutes_form', target: s.id, member: approver.id }, 30 * 86_400, now) }];
    }
    const to = (approver && (await memberDestination(tx, approver.id, chat.platform, chat.tenantKey))) ?? chat;
    out.push({ to, body: { kind: 'card', card }, dedupeKey: `${reminder.key}:summary`, category: 'reminder', memberId: approver?.id });
  }
  return out;
}

/** The card the secretary gets after a meeting: who has not answered, and the counter. */
export function summaryCard(kindName: string, topic: string, time: string, missing: string[], counts: Parameters<typeof counterLine>[0]): Card {
  return {
    title: say('meeting.summary_title', { kind: kindName }),
    tone: 'orange',
    fields: [
      { label: say('meeting.field_topic'), value: topic },
      { label: say('meeting.field_time'), value: time },
      { label: say('meeting.summary_missing'), value: missing.join('、') || say('meeting.none') },
    ],
    markdown: say('meeting.summary_note'),
    footer: counterLine(counts),
  };
}
