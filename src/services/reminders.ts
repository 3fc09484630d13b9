// Who is reminded of what, and when. Two scheduled duties of the system:
//
// - Meeting reminders. The meeting side writes a plan of Reminder rows with each notice
//   (src/domain/life/reminders.ts); jobs/remind.ts claims the rows that fall due and asks
//   `dueReminders` what they send: when (quiet hours and non-working days move or skip a row,
//   src/domain/guardrails.ts), to whom (members who have not answered; never someone on leave or
//   with a leave/补签 request waiting; at most the daily nudge budget) and what (a view and its data,
//   rendered by src/chat/presenters/reminders.ts). The job writes the rendered rows and marks the
//   reminders FIRED in one statement.
// - The daily compliance scan (jobs/compliance.ts): per branch, which obligation of the quarter is
//   at risk and crossed which threshold; its secretary is told once per obligation, period and
//   threshold (a ComplianceAlert unique row is written with the message).
//
// Kinds of meeting reminder and who gets them:
//   day_before, hour_before   non-responders (text)
//   start                     non-responders (card with a 签到 button)
//   after_end                 absentees get the 补签 prompt; the branch approver a summary card
// A reminder sends nothing once its moment has passed (an hour-before reminder after the start).
//
// The recipients of many due reminders are read with a fixed number of plain-SQL statements per
// batch (runs on PostgreSQL and PGlite, and costs far less CPU than Prisma's nested queries for
// thousands of rows); members are reached by direct message on the platform of the meeting's chat.
import { Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../db/client.js';
import type { ChatKind, OrgKind, Platform, PostTitle } from '../generated/prisma/enums.js';
import { APPROVER_ORDER, approverOf } from '../access/index.js';
import { memberDestinations } from '../outbox/reach.js';
import { applyRecipientGuardrails, localDayRange, reminderTiming, type GuardrailOptions, type SkipReason } from '../domain/guardrails.js';
import { DEFAULT_LIFE, lateEnd, type LifeOptions } from '../domain/life/options.js';
import { MEETING_REMINDER_KINDS, type MeetingReminderKind } from '../domain/life/reminders.js';
import type { Counts } from '../domain/life/sessions.js';
import { computeCompliance } from '../domain/life/compliance.js';
import { periodOf } from '../domain/life/period.js';
import { fail, type Unit } from './kernel.js';

/** Views of this area (src/chat/presenters/reminders.ts renders them). */
export const REMINDER_VIEWS = {
  /** A member's reminder of a meeting: MeetingReminderData. */
  meeting: 'meeting.reminder',
  /** The approver's card after a meeting: who has not answered, the counter. MeetingSummaryData. */
  summary: 'meeting.reminder_summary',
  /** The secretary's compliance alert: plain text, the wording key with ComplianceAlertData as vars. */
  complianceAlert: 'jobs.compliance_alert',
} as const;

export interface MeetingReminderData {
  kind: MeetingReminderKind;
  sessionId: string;
  kindName: string;
  topic: string;
  place: string | null;
  startsAt: Date;
  checkinClosesAt: Date;
  /** End of the 补签 period (after_end). */
  lateUntil: Date;
}

export interface MeetingSummaryData {
  sessionId: string;
  kindName: string;
  topic: string;
  startsAt: Date;
  /** Names of those who have not answered, by name. */
  missing: string[];
  counts: Counts;
  /** Who may fill in the minutes from the card (the approver), or null (the card goes to the chat). */
  approverId: string | null;
}

export interface ComplianceAlertData {
  branch: string;
  name: string;
  period: string;
  days: number;
  required: number;
  held: number;
}

/** Where a reminder goes (the shape of an outbox destination). */
export interface ReminderTarget {
  platform: Platform;
  tenantKey: string;
  target: string;
  targetKind: ChatKind;
}

/**
 * One reminder to one recipient: where, its dedupe key (`<reminder key>:<member id>` or
 * `<reminder key>:summary`), and what to show. Notes of one reminder share their `data` object.
 */
export interface ReminderNote {
  to: ReminderTarget;
  dedupeKey: string;
  memberId?: string;
  view: string;
  data: Record<string, unknown>;
}

/** A claimed Reminder row. */
export interface ReminderRef {
  id: string;
  key: string;
  kind: string;
  sessionId: string | null;
  status: string;
}

export interface DueReminder extends ReminderRef {
  dueAt: Date;
  /** The meeting's start (null for a row without a session). */
  startsAt: Date | null;
}

/** The recipients of due reminders per reminder id; the default is `meetingReminderNotes`. */
export type ReminderRecipients<T> = (tx: Tx, reminders: ReminderRef[], now: Date, life: Partial<LifeOptions>) => Promise<Map<string, T[]>>;

export interface DueOutcome<T> {
  /** What to send now, in order, after leave and the nudge budget. */
  send: T[];
  /** Reminders that sent (possibly nothing, e.g. everyone answered): mark them FIRED with `send`. */
  fire: string[];
  /** Reminders moved out of quiet hours or a holiday, and their new due time (already written). */
  shifted: Array<{ id: string; to: Date }>;
  /** Reminders that could only go out after the meeting started (already marked SKIPPED). */
  skipped: string[];
  /** Recipients dropped by the guardrails. */
  dropped: Array<{ memberId: string; reason: SkipReason }>;
}

/**
 * `= ANY(…)` over one JSON parameter instead of one bound parameter per id; runs on PostgreSQL and
 * PGlite, and the planner still uses an index on the column (an `IN (SELECT …)` made it hash-join
 * a sequential scan of the outbox).
 */
const anyOf = (ids: string[]) => Prisma.sql`ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;

/**
 * What claimed reminders do at `unit.now`: each is sent, moved (quiet hours, holidays) or skipped;
 * the rows sent get their recipients (`recipients`, default the meeting's non-responders), minus
 * members on leave and members over the daily nudge budget. Moves and skips are written here; the
 * caller writes `send` and marks `fire` FIRED in the same transaction (the budget of later batches
 * counts the outbox rows of category 'reminder' created at `unit.now`).
 */
export async function dueReminders<T extends { memberId?: string | null }>(
  unit: Unit,
  rows: DueReminder[],
  o: { guardrails: GuardrailOptions; life?: Partial<LifeOptions>; recipients: ReminderRecipients<T> },
): Promise<DueOutcome<T>> {
  const { tx, now } = unit;
  const out: DueOutcome<T> = { send: [], fire: [], shifted: [], skipped: [], dropped: [] };
  const send: DueReminder[] = [];
  const timings = new Map<string, ReturnType<typeof reminderTiming>>(); // rows share a few instants
  for (const row of rows) {
    const at = Math.max(now.getTime(), row.dueAt.getTime());
    const memo = `${at}|${row.startsAt?.getTime() ?? ''}`;
    const timing = timings.get(memo) ?? reminderTiming(new Date(at), row.startsAt, o.guardrails);
    timings.set(memo, timing);
    if (timing.action === 'send') send.push(row);
    else if (timing.action === 'skip') out.skipped.push(row.id);
    else out.shifted.push({ id: row.id, to: timing.at });
  }
  if (out.skipped.length) await tx.$executeRaw`UPDATE "Reminder" SET status = 'SKIPPED', "firedAt" = ${now} WHERE id = ${anyOf(out.skipped)}`;
  if (out.shifted.length) {
    const values = out.shifted.map((s) => Prisma.sql`(${s.id}, ${s.to}::timestamptz)`);
    await tx.$executeRaw`UPDATE "Reminder" r SET "dueAt" = v.due FROM (VALUES ${Prisma.join(values)}) AS v(id, due) WHERE r.id = v.id`;
  }
  if (!send.length) return out;

  const byReminder = await o.recipients(tx, send, now, o.life ?? {});
  const candidates: Array<{ message: T; sessionId: string | null }> = [];
  for (const r of send) for (const message of byReminder.get(r.id) ?? []) candidates.push({ message, sessionId: r.sessionId });
  const onLeave = await onLeaveIn(tx, candidates);
  const present: T[] = [];
  for (const { message, sessionId } of candidates) {
    if (message.memberId && onLeave.has(`${sessionId}|${message.memberId}`)) out.dropped.push({ memberId: message.memberId, reason: 'on_leave' });
    else present.push(message);
  }
  const budgeted = await applyNudgeBudget(tx, present, now, o.guardrails);
  budgeted.skipped.forEach((s) => out.dropped.push({ memberId: s.message.memberId!, reason: s.reason }));
  out.send = budgeted.send;
  out.fire = send.map((r) => r.id);
  return out;
}

/** `<session>|<member>` of the candidates who are on leave for that meeting (LEAVE, or an approved leave request). */
async function onLeaveIn(tx: Tx, candidates: Array<{ message: { memberId?: string | null }; sessionId: string | null }>): Promise<Set<string>> {
  const memberIds = [...new Set(candidates.map((c) => c.message.memberId).filter((x): x is string => !!x))];
  const sessionIds = [...new Set(candidates.map((c) => c.sessionId).filter((x): x is string => !!x))];
  const out = new Set<string>();
  if (!memberIds.length || !sessionIds.length) return out;
  const leave = await tx.$queryRaw<Array<{ sessionId: string; memberId: string }>>`
    SELECT a."sessionId", a."memberId" FROM "Attendance" a
     WHERE a."sessionId" = ${anyOf(sessionIds)} AND a."memberId" = ${anyOf(memberIds)}
       AND (a.status = 'LEAVE' OR EXISTS (SELECT 1 FROM "AttendanceRequest" q WHERE q."attendanceId" = a.id AND q.kind = 'LEAVE' AND q.status = 'APPROVED'))`;
  leave.forEach((l) => out.add(`${l.sessionId}|${l.memberId}`));
  return out;
}

/**
 * The daily nudge budget, shared by every reminder job (meetings here, pledges in jobs/pledges.ts):
 * per member, what the outbox already holds of category 'reminder' created on the local day of
 * `now`, plus these messages in order, at most `dailyNudgeBudget`. Messages without a member pass.
 * Call it inside the transaction that writes the messages with `createdAt` = `now`, so the next
 * count sees them.
 */
export async function applyNudgeBudget<T extends { memberId?: string | null }>(
  tx: Tx,
  messages: T[],
  now: Date,
  g: Pick<GuardrailOptions, 'timezone' | 'dailyNudgeBudget'>,
): Promise<{ send: T[]; skipped: Array<{ message: T; reason: SkipReason }> }> {
  const memberIds = [...new Set(messages.map((m) => m.memberId).filter((x): x is string => !!x))];
  const sentToday = new Map<string, number>();
  if (memberIds.length) {
    const day = localDayRange(now, g.timezone);
    const counts = await tx.$queryRaw<Array<{ memberId: string; n: number }>>`
      SELECT "memberId", count(*)::int AS n FROM "OutboxMessage"
       WHERE "memberId" = ${anyOf(memberIds)} AND category = 'reminder' AND "createdAt" >= ${day.start} AND "createdAt" < ${day.end}
       GROUP BY "memberId"`;
    counts.forEach((c) => sentToday.set(c.memberId, c.n));
  }
  return applyRecipientGuardrails(messages, { onLeave: new Set(), sentToday, budget: g.dailyNudgeBudget });
}

interface SessionRow {
  id: string;
  status: string;
  topic: string;
  place: string | null;
  startsAt: Date;
  checkinClosesAt: Date;
  kindName: string;
  nodeId: string;
  nodeKind: string;
  parentId: string | null;
  platform: Platform | null;
  tenantKey: string | null;
  platformChatId: string | null;
  chatKind: ChatKind | null;
}

interface WaitingRow {
  sessionId: string;
  memberId: string;
  name: string;
  status: string;
  platformUserId: string | null;
}

interface ApproverRow {
  orgNodeId: string;
  title: PostTitle;
  memberId: string;
  identities: Array<{ platform: string; tenantKey: string; platformUserId: string }>;
}

/**
 * Who the meeting reminders due at `now` go to, per reminder id (every id has an entry, possibly
 * empty): members who have not answered (PENDING; ABSENT too after the end), without a leave or
 * 补签 request waiting, by direct message on the platform of the meeting's chat (someone with no
 * identity there is left out); after the end also a summary for the branch approver (支部书记,
 * else 副书记, else 组织委员), privately, else in the chat. Nothing for a cancelled reminder or
 * meeting, or once the moment has passed.
 */
export async function meetingReminderNotes(tx: Tx, reminders: ReminderRef[], now: Date, life: Partial<LifeOptions> = {}): Promise<Map<string, ReminderNote[]>> {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...life };
  const out = new Map<string, ReminderNote[]>(reminders.map((r) => [r.id, []]));
  const wanted = reminders.filter((r) => r.sessionId && r.status !== 'CANCELLED' && MEETING_REMINDER_KINDS.includes(r.kind as MeetingReminderKind));
  if (!wanted.length) return out;

  const sessionIds = [...new Set(wanted.map((r) => r.sessionId!))];
  const sessions = new Map(
    (
      await tx.$queryRaw<SessionRow[]>`
        SELECT s.id, s.status::text AS status, s.topic, s.place, s."startsAt", s."checkinClosesAt", k.name AS "kindName",
               n.id AS "nodeId", n.kind::text AS "nodeKind", n."parentId",
               c.platform::text AS platform, c."tenantKey", c."platformChatId", c.kind::text AS "chatKind"
          FROM "MeetingSession" s
          JOIN "MeetingKind" k ON k.id = s."kindId"
          JOIN "OrgNode" n ON n.id = s."orgNodeId"
          LEFT JOIN "Chat" c ON c.id = s."chatId"
         WHERE s.id = ${anyOf(sessionIds)}`
    ).map((s) => [s.id, s]),
  );

  // Reminders that still send something now, with their session.
  const live: Array<{ r: ReminderRef; kind: MeetingReminderKind; s: SessionRow }> = [];
  for (const r of wanted) {
    const s = sessions.get(r.sessionId!);
    if (!s || s.status === 'CANCELLED' || !s.platform) continue;
    const kind = r.kind as MeetingReminderKind;
    const stale = kind === 'after_end' ? now >= lateEnd(s.checkinClosesAt, o) : kind === 'start' ? now >= s.checkinClosesAt : now >= s.startsAt;
    if (!stale) live.push({ r, kind, s });
  }
  if (!live.length) return out;

  // Who has not answered (PENDING; ABSENT too for after_end), with their identity on the chat's platform.
  const liveSessions = [...new Set(live.map((l) => l.s.id))];
  const waiting = await tx.$queryRaw<WaitingRow[]>`
    SELECT a."sessionId", a."memberId", m.name, a.status::text AS status, i."platformUserId"
      FROM "Attendance" a
      JOIN "Member" m ON m.id = a."memberId" AND m.active
      JOIN "MeetingSession" s ON s.id = a."sessionId"
      JOIN "Chat" c ON c.id = s."chatId"
      LEFT JOIN LATERAL (
        SELECT pi."platformUserId" FROM "PlatformIdentity" pi
         WHERE pi."memberId" = a."memberId" AND pi.platform = c.platform AND pi."tenantKey" = c."tenantKey"
         ORDER BY pi."boundAt" LIMIT 1) i ON true
     WHERE a."sessionId" = ${anyOf(liveSessions)}
       AND a.status IN ('PENDING', 'ABSENT')
       AND NOT EXISTS (SELECT 1 FROM "AttendanceRequest" q WHERE q."attendanceId" = a.id AND q.status = 'PENDING')
     ORDER BY m.name ASC`;
  const bySession = new Map<string, WaitingRow[]>();
  for (const w of waiting) {
    const list = bySession.get(w.sessionId) ?? [];
    list.push(w);
    bySession.set(w.sessionId, list);
  }

  // after_end: the branch approver and the session's counts.
  const branchOf = (s: SessionRow) => (s.nodeKind === 'GROUP' && s.parentId ? s.parentId : s.nodeId);
  const ending = live.filter((l) => l.kind === 'after_end');
  const approvers = new Map<string, ApproverRow>();
  const counts = new Map<string, Counts>();
  if (ending.length) {
    const branches = [...new Set(ending.map((l) => branchOf(l.s)))];
    const posts = await tx.$queryRaw<ApproverRow[]>`
      SELECT p."orgNodeId", p.title::text AS title, m.id AS "memberId",
             coalesce((SELECT json_agg(json_build_object('platform', pi.platform, 'tenantKey', pi."tenantKey", 'platformUserId', pi."platformUserId") ORDER BY pi."boundAt")
                         FROM "PlatformIdentity" pi WHERE pi."memberId" = m.id), '[]'::json) AS identities
        FROM "Post" p JOIN "Member" m ON m.id = p."memberId" AND m.active
       WHERE p."orgNodeId" = ${anyOf(branches)} AND p.until IS NULL AND p.title::text = ${anyOf(APPROVER_ORDER)}
       ORDER BY p.since ASC, p.id ASC`;
    for (const b of branches) {
      for (const title of APPROVER_ORDER) {
        const p = posts.find((x) => x.orgNodeId === b && x.title === title);
        if (p) {
          approvers.set(b, p);
          break;
        }
      }
    }
    const endingSessions = [...new Set(ending.map((l) => l.s.id))];
    const rows = await tx.$queryRaw<Array<{ sessionId: string; status: string; n: number }>>`
      SELECT "sessionId", status::text AS status, count(*)::int AS n FROM "Attendance"
       WHERE "sessionId" = ${anyOf(endingSessions)} GROUP BY "sessionId", status`;
    for (const id of endingSessions) {
      const n = (st: string) => rows.find((x) => x.sessionId === id && x.status === st)?.n ?? 0;
      const c = { present: n('PRESENT'), late: n('LATE'), leave: n('LEAVE'), absent: n('ABSENT'), pending: n('PENDING') };
      counts.set(id, { expected: c.present + c.late + c.leave + c.absent + c.pending, ...c });
    }
  }

  for (const { r, kind, s } of live) {
    const list = out.get(r.id)!;
    const chat: ReminderTarget = { platform: s.platform!, tenantKey: s.tenantKey!, target: s.platformChatId!, targetKind: s.chatKind! };
    const rows = (bySession.get(s.id) ?? []).filter((w) => w.status === 'PENDING' || kind === 'after_end');
    const data: MeetingReminderData = {
      kind,
      sessionId: s.id,
      kindName: s.kindName,
      topic: s.topic,
      place: s.place,
      startsAt: s.startsAt,
      checkinClosesAt: s.checkinClosesAt,
      lateUntil: lateEnd(s.checkinClosesAt, o),
    };
    for (const a of rows) {
      if (!a.platformUserId) continue;
      const to: ReminderTarget = { platform: chat.platform, tenantKey: chat.tenantKey, target: a.platformUserId, targetKind: 'DIRECT' };
      list.push({ to, dedupeKey: `${r.key}:${a.memberId}`, memberId: a.memberId, view: REMINDER_VIEWS.meeting, data: data as unknown as Record<string, unknown> });
    }
    if (kind === 'after_end') {
      const approver = approvers.get(branchOf(s)) ?? null;
      const summary: MeetingSummaryData = { sessionId: s.id, kindName: s.kindName, topic: s.topic, startsAt: s.startsAt, missing: rows.map((w) => w.name), counts: counts.get(s.id)!, approverId: approver?.memberId ?? null };
      const id = approver?.identities.find((i) => i.platform === chat.platform && i.tenantKey === chat.tenantKey);
      const to: ReminderTarget = id ? { platform: chat.platform, tenantKey: chat.tenantKey, target: id.platformUserId, targetKind: 'DIRECT' } : chat;
      list.push({ to, dedupeKey: `${r.key}:summary`, memberId: approver?.memberId, view: REMINDER_VIEWS.summary, data: summary as unknown as Record<string, unknown> });
    }
  }
  return out;
}

// ───────────────────────── compliance scan ─────────────────────────

/** The threshold an item with `daysLeft` falls under now (the tightest), or null. */
export function crossedThreshold(daysLeft: number, thresholds: number[]): number | null {
  const hit = thresholds.filter((t) => daysLeft <= t);
  return hit.length ? Math.min(...hit) : null;
}

/** The nodes the daily scan looks at: every branch, 机关党委 and unit (their meetings and list items). */
export async function scannedBranches(tx: Tx): Promise<Array<{ id: string; name: string; kind: OrgKind }>> {
  return tx.orgNode.findMany({ where: { kind: { in: ['BRANCH', 'ORGAN_COMMITTEE', 'UNIT'] } }, select: { id: true, name: true, kind: true }, orderBy: { id: 'asc' } });
}


/**
 * The daily scan of one branch (the system only): every obligation of the current quarter that is
 * at risk and has crossed a threshold it was not yet alerted for gets a ComplianceAlert row and a
 * notice to the branch's approver (支部书记, else 副书记, else 组织委员). The looser thresholds are
 * recorded too: a first scan at 2 days left must not warn "10 days" later. A branch whose approver
 * cannot be reached privately records nothing (the alert comes once they can). Returns how many alerts.
 */
export async function complianceAlerts(unit: Unit, input: { branch: { id: string; name: string; kind?: OrgKind }; thresholds: number[]; timezone: string }): Promise<number> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const { tx, now } = unit;
  const { branch, thresholds, timezone } = input;
  const period = periodOf('quarter', now, timezone);
  const report = await computeCompliance(tx, { orgNodeId: branch.id, period, now, tz: timezone, atRiskDays: Math.max(...thresholds) });
  const atRisk = report.items.filter((i) => i.atRisk);
  if (!atRisk.length) return 0;
  // Who answers for the node: a branch's approver, a 机关党委's 书记 (else 专职副书记), a unit's 党组书记.
  const secretary = await approverOf(tx, branch.id);
  if (!secretary || !(await memberDestinations(tx, [secretary.id])).size) return 0;
  let alerts = 0;
  for (const item of atRisk) {
    const threshold = crossedThreshold(item.daysLeft, thresholds);
    if (threshold === null) continue;
    const key = { orgNodeId: branch.id, obligationKey: item.obligationKey, periodKey: item.window.key, threshold: `d${threshold}` };
    const created = await tx.complianceAlert.createManyAndReturn({ data: [key], skipDuplicates: true, select: { id: true } });
    await tx.complianceAlert.createMany({ data: thresholds.filter((t) => t > threshold).map((t) => ({ ...key, threshold: `d${t}` })), skipDuplicates: true });
    if (!created[0]) continue;
    const data: ComplianceAlertData = { branch: branch.name, name: item.name, period: item.window.label, days: item.daysLeft, required: item.required, held: item.held };
    unit.notify({ member: secretary.id }, REMINDER_VIEWS.complianceAlert, data as unknown as Record<string, unknown>, `compliance:${branch.id}:${item.obligationKey}:${item.window.key}:d${threshold}`, { category: 'notice' });
    alerts++;
  }
  return alerts;
}
