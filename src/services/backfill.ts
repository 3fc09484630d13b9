// 补录: a meeting held before Zhibu was installed (or held without a notice), entered afterwards with
// its attendance (出席, 请假 and 缺席 with reasons) and its minutes. It counts as held (in compliance
// and the ledger) and is marked as entered after the fact. Attendance rows are written by
// src/services/attendance.ts, the minutes by src/services/minutes.ts.
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { actingMember, authorize } from '../access/index.js';
import type { KindRef } from '../domain/life/notice.js';
import { loadSession, type SessionView } from '../domain/life/sessions.js';
import { DEFAULT_LIFE, type LifeOptions } from '../domain/life/options.js';
import { recordBackfill } from './attendance.js';
import { saveMinutes } from './minutes.js';

export interface BackfillInput {
  branchId: string;
  kind: KindRef & { orgLevel: string };
  at: Date;
  place: string | null;
  topic: string;
  host?: string | null;
  recorder?: string | null;
  /** Names of those present; those on leave and absent with their reasons (null: none given). */
  present: string[];
  leave: Array<{ name: string; reason: string | null }>;
  absent: Array<{ name: string; reason: string | null }>;
  observers?: string | null;
  lecturer?: string | null;
  /** A clock time (16:30) on the meeting's day. */
  endTime?: string | null;
  summary: string;
  resolutions?: string | null;
  attachments?: string;
  untitled: (n: number) => string;
}

export interface BackfillResult {
  session: SessionView;
  expected: number;
  present: number;
  leave: number;
  absent: number;
}

/** Enter a past meeting with its attendance and minutes (branch managers). */
export async function backfillMeeting(unit: Unit, input: BackfillInput, o: LifeOptions = DEFAULT_LIFE): Promise<BackfillResult> {
  const { tx, now } = unit;
  const me = actingMember(unit.principal);
  await authorize(tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_backfill');
  if (input.at >= now) fail('meeting.backfill_future');
  const topic = input.topic.trim();
  if (!topic) fail('meeting.backfill_no_topic');
  if (!input.present.length) fail('meeting.backfill_nobody');

  const named = [...input.present, ...input.leave.map((x) => x.name), ...input.absent.map((x) => x.name)];
  const twice = [...new Set(named.filter((n, i) => named.indexOf(n) !== i))];
  if (twice.length) fail('meeting.backfill_named_twice', { names: twice.join('、') });
  const found = await tx.member.findMany({ where: { branchId: input.branchId, name: { in: named } }, select: { id: true, name: true, groupId: true } });
  const missing = named.filter((n) => !found.some((f) => f.name === n));
  if (missing.length) fail('meeting.unknown_attendees', { names: missing.join('、') });
  const ambiguous = named.filter((n) => found.filter((f) => f.name === n).length > 1);
  if (ambiguous.length) fail('meeting.ambiguous_attendees', { names: ambiguous.join('、') });
  const idOf = (n: string) => found.find((f) => f.name === n)!;

  // A 党小组会 belongs to the 党小组 of those present (the first one named); other kinds to the branch.
  const orgNodeId = input.kind.orgLevel === 'GROUP' ? (idOf(input.present[0]!).groupId ?? fail('meeting.which_group', { groups: '' })) : input.branchId;
  const dup = await tx.meetingSession.findFirst({ where: { orgNodeId, kindId: input.kind.id, startsAt: input.at, status: { not: 'CANCELLED' } } });
  if (dup) fail('meeting.duplicate_notice', { kind: input.kind.name, time: input.at });

  const created = await tx.meetingSession.create({
    data: { kindId: input.kind.id, orgNodeId, chatId: null, topic, place: input.place, startsAt: input.at, checkinOpensAt: input.at, checkinClosesAt: input.at, createdById: me.id, backfilled: true, status: 'HELD' },
  });
  await recordBackfill(unit, {
    sessionId: created.id,
    rows: [
      ...input.present.map((n) => ({ memberId: idOf(n).id, status: 'PRESENT' as const, reason: null })),
      ...input.leave.map((x) => ({ memberId: idOf(x.name).id, status: 'LEAVE' as const, reason: x.reason })),
      ...input.absent.map((x) => ({ memberId: idOf(x.name).id, status: 'ABSENT' as const, reason: x.reason })),
    ],
  });
  await saveMinutes(
    unit,
    { sessionId: created.id, summary: input.summary, resolutions: input.resolutions, attachments: input.attachments, untitled: input.untitled, host: input.host || (await secretaryName(unit, input.branchId)), recorder: input.recorder, observers: input.observers, lecturer: input.lecturer, endTime: input.endTime },
    o,
  );
  unit.audit({ action: 'meeting.backfill', entityType: 'MeetingSession', entityId: created.id, detail: { kind: input.kind.code, startsAt: input.at.toISOString(), present: input.present.length, leave: input.leave.length, absent: input.absent.length } });
  return { session: (await loadSession(tx, created.id))!, expected: named.length, present: input.present.length, leave: input.leave.length, absent: input.absent.length };
}

/** The branch secretary's name (the default 主持人), if there is one. */
async function secretaryName(unit: Unit, branchId: string): Promise<string | null> {
  const post = await unit.tx.post.findFirst({ where: { orgNodeId: branchId, title: 'BRANCH_SECRETARY', until: null, member: { active: true, branchId } }, select: { member: { select: { name: true } } } });
  return post?.member.name ?? null;
}
