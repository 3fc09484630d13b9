// Meetings: notices (who is expected, the chat the card goes to, the check-in window, the reminder
// plan), changes and cancellation, and the lists a surface chooses a meeting from. Attendance rows
// are written by src/services/attendance.ts only.
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { actingMember, authorize, BRANCH_COMMITTEE_POSTS, can, ORGAN_MANAGER_POSTS, ORGAN_POSTS, pathOf } from '../access/index.js';
import type { OrgKind, Platform, PostTitle } from '../generated/prisma/enums.js';
import { DEFAULT_LIFE, checkinWindow, type LifeOptions } from '../domain/life/options.js';
import type { KindRef, NoticeDraft } from '../domain/life/notice.js';
import type { WhenProblem } from '../domain/life/when.js';
import { formatIso, weekdayName } from '../domain/life/time.js';
import { branchScope, loadSession, sessionBranchId, sessionInclude, type Counts, type SessionView } from '../domain/life/sessions.js';
import { cancelReminderPlan, reminderPlan, writeReminderPlan } from '../domain/life/reminders.js';
import { expectAttendees, responders, voidPendingRequests } from './attendance.js';
import { data as viewData, LIFE_VIEWS, type CancelledData, type ChangedData, type NoticeCardData } from './life-views.js';

export { LIFE_VIEWS } from './life-views.js';

/** A reminder plan written for a session: the jobs side schedules the ones due soon. */
export type ReminderPlan = Array<{ key: string; dueAt: Date }>;

const WHEN_ERRORS: Record<WhenProblem, string> = {
  missing: 'meeting.when_missing',
  no_date: 'meeting.when_no_date',
  no_time: 'meeting.when_no_time',
  ambiguous_hour: 'meeting.when_ambiguous_hour',
  invalid: 'meeting.when_invalid',
  past: 'meeting.when_past',
  weekday_mismatch: 'meeting.when_weekday_mismatch',
  date_conflict: 'meeting.when_date_conflict',
  day_passed: 'meeting.when_day_passed',
  bad_range: 'meeting.when_bad_range',
  two_times: 'meeting.when_two_times',
  recurring: 'meeting.when_recurring',
  vague_day: 'meeting.when_vague_day',
};

/**
 * Refuse a meeting time that could not be read: what is missing, or, when the text could mean
 * something else, the reading the bot would take (`at`, `end`) so the secretary can confirm it.
 */
export function failWhen(problem: WhenProblem, detail: { at?: Date; end?: Date; weekday?: number } = {}): never {
  const { at, end, weekday } = detail;
  fail(WHEN_ERRORS[problem], { time: at ?? '', end: end ? clockOf(end) : '', weekday: weekday === undefined ? '' : weekdayName(weekday) });
}

/** 16:30 of an instant (the end of a range is shown as a clock time). */
const clockOf = (d: Date) => formatIso(d).slice(11);

/**
 * The meeting kinds a branch or its 党小组 hold (notices, hints in commands); in the chat of a 机关党委 or a
 * unit (`subject`), the kinds held there: 机关党委委员会议, 思想动态分析, 廉政警示教育, 中心组学习.
 */
export async function branchKinds(unit: Unit, subject?: { kind: string }): Promise<Array<KindRef & { category: string }>> {
  const levels: OrgKind[] = subject?.kind === 'ORGAN_COMMITTEE' || subject?.kind === 'UNIT' ? ['ORGAN_COMMITTEE', 'UNIT'] : ['BRANCH', 'GROUP'];
  return unit.tx.meetingKind.findMany({ where: { orgLevel: { in: levels } }, orderBy: { code: 'asc' } });
}

/** Who is expected at a meeting of a 机关党委 (its 委员) or of a unit's 党组 (书记 and 成员). */
const LEVEL_POSTS: Partial<Record<OrgKind, PostTitle[]>> = { ORGAN_COMMITTEE: ORGAN_POSTS, UNIT: ['PARTY_GROUP_SECRETARY', 'PARTY_GROUP_MEMBER'] };

/**
 * The 机关党委 or unit on `fromId`'s path that holds a meeting of `level`, whether the principal may notice it
 * (a 机关党委's 书记 or 专职副书记; for the 党组 also its 书记), its expected members and the nodes whose chat gets the card.
 */
async function levelMeeting(unit: Unit, fromId: string, level: OrgKind): Promise<{ nodeId: string; expected: string[]; chatNodes: string[] }> {
  const { tx, principal } = unit;
  const node = (await pathOf(tx, fromId)).find((n) => n.kind === level);
  if (!node) fail('errors.not_allowed', { what: { key: 'meeting.what_notice' } });
  const organs = level === 'UNIT' ? (await tx.orgNode.findMany({ where: { parentId: node.id, kind: 'ORGAN_COMMITTEE' }, select: { id: true } })).map((o) => o.id) : [];
  const mine = principal.kind === 'member' && principal.member.posts.some((p) => p.orgNodeId === node.id && (level === 'UNIT' ? p.title === 'PARTY_GROUP_SECRETARY' : ORGAN_MANAGER_POSTS.includes(p.title)));
  let allowed = mine || (level === 'ORGAN_COMMITTEE' && (await can(tx, principal, 'organ.manage', node.id)));
  for (const o of organs) allowed ||= await can(tx, principal, 'organ.manage', o);
  if (!allowed) fail('errors.not_allowed', { what: { key: 'meeting.what_notice' } });
  const posts = await tx.post.findMany({ where: { orgNodeId: node.id, until: null, title: { in: LEVEL_POSTS[level] ?? [] }, member: { active: true } }, select: { memberId: true } });
  return { nodeId: node.id, expected: [...new Set(posts.map((p) => p.memberId))], chatNodes: [node.id, ...organs] };
}

/** What the notice form offers (the branch's kinds), for those who may post notices. */
export async function noticeFormData(unit: Unit, input: { branchId: string }): Promise<{ kinds: KindRef[] }> {
  await authorize(unit.tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_notice');
  return { kinds: await branchKinds(unit) };
}

export interface NoticeInput {
  branchId: string;
  draft: NoticeDraft;
  /** 主持人 by name (a member of the branch); absent: the 党小组长 for a 党小组会, else the branch secretary. */
  hostName?: string | null;
  /** Where the notice was asked for: the card goes to that chat when it is the branch's (or the group's), else to their first work chat on that platform. */
  origin?: { platform: Platform; tenantKey: string; chat?: { id: string; kind: 'GROUP' | 'DIRECT' } };
}

export interface NoticeResult {
  session: SessionView;
  chat: { id: string; title: string | null; platformChatId: string };
  /** The card went to the chat the notice was asked in. */
  postedHere: boolean;
  expected: number;
  plan: ReminderPlan;
}

/**
 * Post a meeting notice: a 党小组会 by its 党小组长 (or a branch manager) for the group's members,
 * a 支委会 for the 支部委员会, any other kind for the whole branch, or for the members named.
 */
export async function createNotice(unit: Unit, input: NoticeInput, o: LifeOptions = DEFAULT_LIFE): Promise<NoticeResult> {
  const { tx } = unit;
  const me = actingMember(unit.principal);
  const { branchId, draft } = input;
  const kind = draft.kind;
  let orgNodeId = branchId;
  let expected: string[];
  let chatNodes: string[] | null = null;

  if (kind.orgLevel === 'ORGAN_COMMITTEE' || kind.orgLevel === 'UNIT') {
    // A meeting of the 机关党委 or the 党组, noticed from their chat (or a member's branch below them).
    const level = await levelMeeting(unit, branchId, kind.orgLevel);
    orgNodeId = level.nodeId;
    expected = level.expected;
    chatNodes = level.chatNodes;
  } else if (kind.orgLevel === 'GROUP') {
    const groups = await tx.orgNode.findMany({ where: { parentId: branchId, kind: 'GROUP' }, select: { id: true, name: true } });
    const group = draft.groupName ? groups.find((g) => g.name === draft.groupName) : groups.find((g) => g.id === me.groupId);
    if (!group) {
      if (draft.groupName) fail('meeting.no_such_group', { name: draft.groupName });
      fail('meeting.which_group', { groups: groups.map((g) => g.name).join('、') });
    }
    await authorize(tx, unit.principal, 'group.lead', group.id, 'meeting.what_notice');
    orgNodeId = group.id;
    expected = (await tx.member.findMany({ where: { groupId: group.id, active: true }, select: { id: true } })).map((m) => m.id);
  } else {
    await authorize(tx, unit.principal, 'branch.manage', branchId, 'meeting.what_notice');
    const where =
      kind.code === 'branch_committee' ? { branchId, active: true, posts: { some: { orgNodeId: branchId, until: null, title: { in: BRANCH_COMMITTEE_POSTS } } } } : { branchId, active: true };
    expected = (await tx.member.findMany({ where, select: { id: true } })).map((m) => m.id);
  }
  if (draft.attendeeNames.length) {
    const found = await tx.member.findMany({ where: { branchId, active: true, name: { in: draft.attendeeNames } }, select: { id: true, name: true } });
    const missing = draft.attendeeNames.filter((n) => !found.some((f) => f.name === n));
    if (missing.length) fail('meeting.unknown_attendees', { names: missing.join('、') });
    const twice = draft.attendeeNames.filter((n) => found.filter((f) => f.name === n).length > 1);
    if (twice.length) fail('meeting.ambiguous_attendees', { names: twice.join('、') });
    expected = found.map((f) => f.id);
  }
  if (!expected.length) fail('meeting.nobody_expected');

  // A 机关党委's or 党组's meeting is hosted by whoever notices it unless named.
  const hostId = chatNodes && !input.hostName?.trim() ? me.id : await hostOf(unit, branchId, orgNodeId, input.hostName);

  const dup = await tx.meetingSession.findFirst({ where: { orgNodeId, kindId: kind.id, startsAt: draft.at, status: 'SCHEDULED' } });
  if (dup) fail('meeting.duplicate_notice', { kind: kind.name, time: draft.at });

  const target = chatNodes ? await noticeChat(unit, chatNodes[0]!, chatNodes[1] ?? chatNodes[0]!, input.origin) : await noticeChat(unit, branchId, orgNodeId, input.origin);
  if (!target.chat) fail('meeting.no_group_chat');

  const w = checkinWindow(draft.at, o);
  const created = await tx.meetingSession.create({
    data: { kindId: kind.id, orgNodeId, chatId: target.chat.id, topic: draft.topic, place: draft.place, startsAt: draft.at, endsAt: draft.end ?? null, checkinOpensAt: w.opensAt, checkinClosesAt: w.closesAt, createdById: me.id, hostId },
  });
  const cardKey = `meeting:${created.id}:card`;
  await tx.meetingSession.update({ where: { id: created.id }, data: { cardMessageKey: cardKey } });
  await expectAttendees(unit, created.id, expected);
  const session = (await loadSession(tx, created.id))!;
  const counts: Counts = { expected: expected.length, present: 0, late: 0, leave: 0, absent: 0, pending: expected.length };
  unit.notify({ chat: target.chat.id }, LIFE_VIEWS.noticeCard, viewData<NoticeCardData>({ session, counts }), cardKey, { category: 'notice' });
  await writeReminderPlan(tx, created, unit.now, o.timezone);
  unit.audit({ action: 'meeting.notice', entityType: 'MeetingSession', entityId: session.id, detail: { kind: kind.code, startsAt: draft.at.toISOString(), expected: expected.length } });
  return { session, chat: target.chat, postedHere: target.here, expected: expected.length, plan: reminderPlan(created, o.timezone) };
}

/** The 主持人: the member named (of the branch), else the 党小组长 of a group's meeting, else the branch secretary. */
async function hostOf(unit: Unit, branchId: string, orgNodeId: string, name: string | null | undefined): Promise<string | null> {
  const n = name?.trim();
  if (n) {
    const found = await unit.tx.member.findMany({ where: { branchId, active: true, name: n }, select: { id: true } });
    if (!found.length) fail('meeting.unknown_attendees', { names: n });
    if (found.length > 1) fail('meeting.ambiguous_attendees', { names: n });
    return found[0]!.id;
  }
  const posts = await unit.tx.post.findMany({
    where: { until: null, member: { active: true }, OR: [{ orgNodeId, title: 'GROUP_LEADER' }, { orgNodeId: branchId, title: 'BRANCH_SECRETARY' }] },
    select: { title: true, memberId: true },
  });
  return (orgNodeId !== branchId ? posts.find((p) => p.title === 'GROUP_LEADER') : undefined)?.memberId ?? posts.find((p) => p.title === 'BRANCH_SECRETARY')?.memberId ?? null;
}

/** The work chat a notice goes to: the chat it was asked in when that is the branch's or group's, else their first on the platform. */
async function noticeChat(unit: Unit, branchId: string, orgNodeId: string, origin: NoticeInput['origin']) {
  const { tx } = unit;
  const select = { id: true, title: true, platformChatId: true, orgNodeId: true } as const;
  const nodes = [branchId, orgNodeId];
  const here =
    origin?.chat?.kind === 'GROUP'
      ? await tx.chat.findUnique({ where: { platform_tenantKey_platformChatId: { platform: origin.platform, tenantKey: origin.tenantKey, platformChatId: origin.chat.id } }, select })
      : null;
  if (here?.orgNodeId && nodes.includes(here.orgNodeId)) return { chat: here, here: true };
  const first = await tx.chat.findFirst({
    where: { kind: 'GROUP', orgNodeId: { in: nodes }, ...(origin ? { platform: origin.platform, tenantKey: origin.tenantKey } : {}) },
    orderBy: { createdAt: 'asc' },
    select,
  });
  return { chat: first, here: false };
}

// ───────────────────────── choosing a meeting ─────────────────────────

/** Sessions of a branch (and its 党小组) that can still be changed or cancelled: scheduled, check-in not closed. */
export async function changeableSessions(unit: Unit, input: { branchId: string }): Promise<SessionView[]> {
  await authorize(unit.tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_change');
  return unit.tx.meetingSession.findMany({
    where: { orgNodeId: { in: await branchScope(unit.tx, input.branchId) }, status: 'SCHEDULED', checkinClosesAt: { gt: unit.now } },
    include: sessionInclude,
    orderBy: { startsAt: 'asc' },
  });
}

// ───────────────────────── change and cancel ─────────────────────────

async function changeable(unit: Unit, sessionId: string, what: string, none: string): Promise<SessionView> {
  const s = await loadSession(unit.tx, sessionId);
  if (!s) fail('meeting.not_found');
  await authorize(unit.tx, unit.principal, 'branch.manage', sessionBranchId(s), what);
  if (s.status !== 'SCHEDULED' || s.checkinClosesAt <= unit.now) fail(none);
  return s;
}

export interface ChangeInput {
  sessionId: string;
  startsAt?: Date | null;
  /** The end of the new time, when a range was given (with `startsAt` only). */
  endsAt?: Date | null;
  place?: string | null;
  topic?: string | null;
}

/** Change a notice's time (with its check-in window and reminders), place or topic; those who answered are told. */
export async function changeNotice(unit: Unit, input: ChangeInput, o: LifeOptions = DEFAULT_LIFE): Promise<{ session: SessionView; changes: ChangedData['changes']; plan: ReminderPlan | null }> {
  const s = await changeable(unit, input.sessionId, 'meeting.what_change', 'meeting.nothing_to_change');
  const data: { startsAt?: Date; endsAt?: Date | null; checkinOpensAt?: Date; checkinClosesAt?: Date; place?: string; topic?: string } = {};
  const changes: ChangedData['changes'] = {};
  if (input.startsAt && (input.startsAt.getTime() !== s.startsAt.getTime() || (input.endsAt?.getTime() ?? null) !== (s.endsAt?.getTime() ?? null))) {
    const w = checkinWindow(input.startsAt, o);
    // A new time replaces the old range: the end is the one given now, or none.
    Object.assign(data, { startsAt: input.startsAt, endsAt: input.endsAt ?? null, checkinOpensAt: w.opensAt, checkinClosesAt: w.closesAt });
    changes.startsAt = input.startsAt;
  }
  if (input.place && input.place !== s.place) data.place = changes.place = input.place;
  if (input.topic && input.topic !== s.topic) data.topic = changes.topic = input.topic;
  if (!Object.keys(changes).length) fail('meeting.change_nothing');

  const updated = await unit.tx.meetingSession.update({ where: { id: s.id }, data });
  let plan: ReminderPlan | null = null;
  if (data.startsAt) {
    await writeReminderPlan(unit.tx, updated, unit.now, o.timezone);
    plan = reminderPlan(updated, o.timezone);
  }
  unit.refresh('meeting', s.id);
  const told: ChangedData = { session: { kind: s.kind, topic: s.topic, startsAt: s.startsAt }, changes };
  for (const memberId of await responders(unit, s.id)) {
    unit.notify({ member: memberId, orElseChat: s.chatId }, LIFE_VIEWS.changed, viewData(told), `meeting:${s.id}:change:${updated.updatedAt.getTime()}:${memberId}`);
  }
  unit.audit({ action: 'meeting.change', entityType: 'MeetingSession', entityId: s.id, detail: { fields: Object.keys(data) } });
  return { session: s, changes, plan };
}

/** Cancel a meeting: its reminders stop, open requests are void, those who answered are told. */
export async function cancelMeeting(unit: Unit, input: { sessionId: string }): Promise<{ session: SessionView }> {
  const s = await changeable(unit, input.sessionId, 'meeting.what_cancel', 'meeting.nothing_to_cancel');
  await unit.tx.meetingSession.update({ where: { id: s.id }, data: { status: 'CANCELLED' } });
  await cancelReminderPlan(unit.tx, s.id);
  await voidPendingRequests(unit, { sessionId: s.id, why: 'meeting.request_void_cancelled' });
  unit.refresh('meeting', s.id);
  const told: CancelledData = { session: { kind: s.kind, topic: s.topic, startsAt: s.startsAt } };
  for (const memberId of await responders(unit, s.id)) unit.notify({ member: memberId, orElseChat: s.chatId }, LIFE_VIEWS.cancelled, viewData(told), `meeting:${s.id}:cancelled:${memberId}`);
  unit.audit({ action: 'meeting.cancel', entityType: 'MeetingSession', entityId: s.id });
  return { session: s };
}

