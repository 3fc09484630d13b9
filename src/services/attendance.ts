// Attendance, the one module that writes Attendance and AttendanceRequest rows: who is expected,
// 签到 (the hot path: plain SQL, one statement), 请假 and 补签 requests, the approver's decision,
// the secretary's corrections, and voiding open requests when a meeting is cancelled or the member
// checks in after all.
import type { Unit } from './kernel.js';
import { fail, settle, unwrap, type Settled } from './kernel.js';
import { actingMember, approverOf, authorize } from '../access/index.js';
import type { AttendanceStatus, RequestKind } from '../generated/prisma/enums.js';
import { DEFAULT_LIFE, lateEnd, type LifeOptions } from '../domain/life/options.js';
import { branchScope, checkInFor, type CheckInRow, latestStarted, type CheckInSession, loadSession, meetingTitle, sessionBranchId, sessionInclude, sessionsExpecting, type SessionView } from '../domain/life/sessions.js';
import { data, LIFE_VIEWS, type ApprovalData, type DecidedData } from './life-views.js';

/** Longest reason for 请假 / 补签, in characters. */
export const REASON_MAX = 200;

/** The wording key of each attendance status (出席, 请假 …), for coded errors and presenters. */
export const STATUS_KEYS: Record<AttendanceStatus, string> = {
  PRESENT: 'meeting.status_present',
  LEAVE: 'meeting.status_leave',
  ABSENT: 'meeting.status_absent',
  LATE: 'meeting.status_late',
  PENDING: 'meeting.status_pending',
};

const title = (s: { kind: { name: string }; topic: string }) => ({ title: meetingTitle(s) });

/** Who is expected at a new session (everyone starts 未响应). */
export async function expectAttendees(unit: Unit, sessionId: string, memberIds: string[]): Promise<void> {
  await unit.tx.attendance.createMany({ data: memberIds.map((memberId) => ({ sessionId, memberId })) });
}

/** Members who answered (checked in, on leave, or with a request): they are told of changes. */
export async function responders(unit: Unit, sessionId: string): Promise<string[]> {
  const rows = await unit.tx.attendance.findMany({
    where: { sessionId, OR: [{ status: { in: ['PRESENT', 'LATE', 'LEAVE'] } }, { requests: { some: {} } }] },
    select: { memberId: true },
  });
  return rows.map((r) => r.memberId);
}

/** Open requests of a session are void (the meeting was cancelled); `why` is the code kept as the note. */
export async function voidPendingRequests(unit: Unit, input: { sessionId: string; why: 'meeting.request_void_cancelled' }): Promise<void> {
  await unit.tx.attendanceRequest.updateMany({ where: { attendance: { sessionId: input.sessionId }, status: 'PENDING' }, data: { status: 'REJECTED', note: input.why, decidedAt: unit.now } });
}

// ───────────────────────── 签到 ─────────────────────────

export interface CheckInResult {
  /** What names the meeting, and its check-in window. */
  session: CheckInSession;
  /** False: the member had already checked in (nothing changed). */
  checkedIn: boolean;
  /** The member was on approved leave, which this check-in ends. */
  leaveRevoked: boolean;
}

/** One 签到: who clicked (the unit's principal) and which meeting. */
export interface CheckInClick {
  unit: Unit;
  sessionId: string;
}

/**
 * 签到: the busiest action of all (everyone clicks when a meeting starts), so the clicks that arrive
 * together go together: one statement checks them all in and reads their sessions, a second only
 * when open requests are voided. Each click gets its result or its coded error (a click that fails
 * changed nothing). The clicks' units share one transaction and time.
 */
export async function checkInAll(clicks: CheckInClick[], o: LifeOptions = DEFAULT_LIFE): Promise<Array<Settled<CheckInResult>>> {
  if (!clicks.length) return [];
  const { sql, now } = clicks[0]!.unit;
  const members = clicks.map((c) => settle(() => actingMember(c.unit.principal).id));
  const asked = clicks.flatMap((c, i) => (members[i]!.ok ? [{ sessionId: c.sessionId, memberId: members[i]!.value, at: i }] : []));
  const rows = new Map((await checkInFor(sql, asked, now)).map((row, j) => [asked[j]!.at, row]));
  const outcomes = clicks.map((c, i) => {
    const member = members[i]!;
    return member.ok ? settle(() => checkedIn(c.unit, rows.get(i)!, o)) : member;
  });
  // (a repeated click's row has no open request: the first click's voids it)
  const voided = outcomes.flatMap((r, i) => {
    const att = rows.get(i)?.attendance;
    return r.ok && r.value.checkedIn && att?.pendingRequest ? [att.id] : [];
  });
  if (voided.length) {
    await sql.query(`UPDATE "AttendanceRequest" SET status = 'REJECTED', note = $2, "decidedAt" = $3::timestamptz WHERE "attendanceId" = ANY($1::text[]) AND status = 'PENDING'`, [
      voided,
      'meeting.request_void_checked_in',
      now,
    ]);
  }
  return outcomes;
}

/** 签到 of one member (checkInAll of one click). */
export async function checkIn(unit: Unit, input: { sessionId: string }, o: LifeOptions = DEFAULT_LIFE): Promise<CheckInResult> {
  return unwrap((await checkInAll([{ unit, sessionId: input.sessionId }], o))[0]!);
}

/** One click's outcome from its row: the refusals, or the audit entry and the card refresh of a check-in. */
function checkedIn(unit: Unit, s: CheckInRow, o: LifeOptions): CheckInResult {
  if (!s) fail('meeting.not_found');
  if (s.status === 'CANCELLED') fail('meeting.is_cancelled', title(s));
  const att = s.attendance;
  if (!att) fail('meeting.not_expected', title(s));
  if (unit.now < s.checkinOpensAt) fail('meeting.checkin_not_open', { opens: s.checkinOpensAt });
  if (unit.now >= s.checkinClosesAt) fail('meeting.checkin_closed', { until: lateEnd(s.checkinClosesAt, o) });
  const result = { session: s, checkedIn: s.checkedIn, leaveRevoked: s.checkedIn && att.status === 'LEAVE' };
  if (!s.checkedIn) return result;
  unit.audit({ action: 'attendance.checkin', entityType: 'Attendance', entityId: att.id, detail: { sessionId: s.id, from: att.status } });
  unit.refresh('meeting', s.id);
  return result;
}

/**
 * The sessions a member could check in to now (in the branch's scope, or anywhere when null); a
 * kind narrows a choice of several. None: says why (not open yet, closed, nothing at all).
 */
export async function checkInChoices(unit: Unit, input: { branchId: string | null; kindId?: string | null }, o: LifeOptions = DEFAULT_LIFE): Promise<SessionView[]> {
  const me = actingMember(unit.principal);
  const now = unit.now;
  const mine = await sessionsExpecting(unit.tx, me.id, input.branchId);
  let open = mine.filter((s) => s.status === 'SCHEDULED' && now >= s.checkinOpensAt && now < s.checkinClosesAt);
  if (input.kindId && open.length > 1) open = open.filter((s) => s.kind.id === input.kindId);
  if (open.length) return open;
  const upcoming = mine.find((x) => x.status === 'SCHEDULED' && now < x.checkinOpensAt);
  if (upcoming) fail('meeting.checkin_not_open_for', { ...title(upcoming), opens: upcoming.checkinOpensAt });
  const closed = [...mine].reverse().find((x) => now >= x.checkinClosesAt && now < lateEnd(x.checkinClosesAt, o));
  if (closed) fail('meeting.checkin_closed', { until: lateEnd(closed.checkinClosesAt, o) });
  fail('meeting.nothing_to_check_in');
}

// ───────────────────────── 请假 and 补签 ─────────────────────────

/** Sessions a member may still ask leave for (scheduled, check-in not closed). */
export async function leaveChoices(unit: Unit, input: { branchId: string | null }): Promise<SessionView[]> {
  const me = actingMember(unit.principal);
  const list = (await sessionsExpecting(unit.tx, me.id, input.branchId)).filter((s) => s.status === 'SCHEDULED' && unit.now < s.checkinClosesAt);
  if (!list.length) fail('meeting.nothing_to_leave');
  return list;
}

/** Sessions a member may ask 补签 for (check-in closed, 补签 period running). */
export async function lateChoices(unit: Unit, input: { branchId: string | null }, o: LifeOptions = DEFAULT_LIFE): Promise<SessionView[]> {
  const me = actingMember(unit.principal);
  const now = unit.now;
  const mine = await sessionsExpecting(unit.tx, me.id, input.branchId);
  const list = mine.filter((s) => now >= s.checkinClosesAt && now < lateEnd(s.checkinClosesAt, o));
  if (list.length) return list;
  const open = mine.find((x) => x.status === 'SCHEDULED' && now >= x.checkinOpensAt && now < x.checkinClosesAt);
  fail(open ? 'meeting.late_not_needed' : 'meeting.nothing_to_late');
}

/** The [请假] button: the session when the member may still ask leave for it (the form follows). */
export async function leaveFormFor(unit: Unit, input: { sessionId: string }): Promise<SessionView> {
  const me = actingMember(unit.principal);
  const s = await loadSession(unit.tx, input.sessionId);
  if (!s) fail('meeting.not_found');
  if (s.status === 'CANCELLED') fail('meeting.is_cancelled', title(s));
  const att = await unit.tx.attendance.findUnique({ where: { sessionId_memberId: { sessionId: s.id, memberId: me.id } } });
  if (!att) fail('meeting.not_expected', title(s));
  if (att.status === 'LEAVE') fail('meeting.already_on_leave', title(s));
  if (att.status === 'PRESENT' || att.status === 'LATE') fail('meeting.already_present', title(s));
  return s;
}

export interface RequestResult {
  requestId: string;
  session: SessionView;
  /** Who decides; null when the branch has no 书记, 副书记 or 组织委员 (the card then goes to the meeting's chat). */
  approver: { id: string; name: string } | null;
}

/** 请假 for a meeting, with a reason: the approver gets a card to decide. */
export function requestLeave(unit: Unit, input: { sessionId: string; reason: string }, o: LifeOptions = DEFAULT_LIFE): Promise<RequestResult> {
  return submitRequest(unit, input, 'LEAVE', o);
}

/** 补签 after check-in closed, within the 补签 period, with a reason: the approver decides. */
export function requestLate(unit: Unit, input: { sessionId: string; reason: string }, o: LifeOptions = DEFAULT_LIFE): Promise<RequestResult> {
  return submitRequest(unit, input, 'LATE', o);
}

async function submitRequest(unit: Unit, input: { sessionId: string; reason: string }, kind: RequestKind, o: LifeOptions): Promise<RequestResult> {
  const { tx, now } = unit;
  const me = actingMember(unit.principal);
  const s = await loadSession(tx, input.sessionId);
  if (!s) fail('meeting.not_found');
  const reason = input.reason.trim();
  if (!reason) fail(kind === 'LEAVE' ? 'meeting.leave_needs_reason' : 'meeting.late_needs_reason');
  if ([...reason].length > REASON_MAX) fail('meeting.reason_too_long', { max: REASON_MAX });
  if (s.status === 'CANCELLED') fail('meeting.is_cancelled', title(s));
  const att = await tx.attendance.findUnique({ where: { sessionId_memberId: { sessionId: s.id, memberId: me.id } }, include: { requests: { where: { status: 'PENDING' } } } });
  if (!att) fail('meeting.not_expected', title(s));
  if (now >= lateEnd(s.checkinClosesAt, o)) fail('meeting.request_too_late', title(s));
  if (att.status === 'PRESENT' || att.status === 'LATE') fail('meeting.already_present', title(s));
  if (att.status === 'LEAVE') fail('meeting.already_on_leave', title(s));
  if (att.requests.length) fail('meeting.request_pending');
  if (kind === 'LATE' && now < s.checkinClosesAt) {
    if (now >= s.checkinOpensAt) fail('meeting.late_not_needed');
    fail('meeting.checkin_not_open', { opens: s.checkinOpensAt });
  }
  const req = await tx.attendanceRequest.create({ data: { attendanceId: att.id, kind, reason } });
  // Never the requester himself: a secretary's own request goes to the next manager or the 机关党委.
  const approver = await approverOf(tx, sessionBranchId(s), { except: me.id });
  const card: ApprovalData = { requestId: req.id, kind, name: me.name, reason, session: { kind: s.kind, topic: s.topic, startsAt: s.startsAt, checkinClosesAt: s.checkinClosesAt } };
  const to = approver ? { member: approver.id, orElseChat: s.chatId } : s.chatId ? { chat: s.chatId } : null;
  if (to) unit.notify(to, LIFE_VIEWS.approval, data(card), `meeting:req:${req.id}:approval`, { category: 'approval' });
  unit.audit({ action: kind === 'LEAVE' ? 'attendance.leave_request' : 'attendance.late_request', entityType: 'AttendanceRequest', entityId: req.id, detail: { sessionId: s.id } });
  return { requestId: req.id, session: s, approver };
}

export interface DecideResult {
  request: { id: string; kind: RequestKind; reason: string; member: { id: string; name: string } };
  session: SessionView;
  approved: boolean;
  by: string;
}

/**
 * The approver's decision on a 请假 / 补签 request: approved leave marks 请假, an approved 补签 marks
 * 补签 (only while the member had not answered); the member is told, the group card is refreshed.
 */
export async function decide(unit: Unit, input: { requestId: string; approved: boolean }): Promise<DecideResult> {
  const { tx, now } = unit;
  const { approved } = input;
  const req = await tx.attendanceRequest.findUnique({ where: { id: input.requestId }, include: { attendance: { include: { member: { select: { id: true, name: true } } } } } });
  if (!req) fail('meeting.not_found');
  const s = (await loadSession(tx, req.attendance.sessionId))!;
  await authorize(tx, unit.principal, 'branch.manage', sessionBranchId(s), 'meeting.what_approve');
  const me = actingMember(unit.principal);
  if (req.attendance.memberId === me.id) fail('meeting.no_self_approval');
  const done = await tx.attendanceRequest.updateMany({ where: { id: req.id, status: 'PENDING' }, data: { status: approved ? 'APPROVED' : 'REJECTED', decidedById: me.id, decidedAt: now } });
  if (done.count === 0) {
    const current = await tx.attendanceRequest.findUniqueOrThrow({ where: { id: req.id } });
    fail('meeting.request_already_decided', { status: { key: current.status === 'APPROVED' ? 'meeting.status_approved' : 'meeting.status_rejected' } });
  }
  if (approved) {
    const to: AttendanceStatus = req.kind === 'LEAVE' ? 'LEAVE' : 'LATE';
    await tx.attendance.updateMany({ where: { id: req.attendanceId, status: { in: ['PENDING', 'ABSENT'] } }, data: { status: to, checkedInAt: to === 'LATE' ? now : undefined } });
    unit.refresh('meeting', s.id);
  }
  const member = req.attendance.member;
  const told: DecidedData = { approved, kind: req.kind, by: me.name, session: { kind: s.kind, topic: s.topic, startsAt: s.startsAt } };
  unit.notify({ member: member.id, orElseChat: s.chatId }, LIFE_VIEWS.decided, data(told), `meeting:req:${req.id}:decision`);
  unit.audit({ action: approved ? 'attendance.approve' : 'attendance.reject', entityType: 'AttendanceRequest', entityId: req.id, detail: { kind: req.kind, sessionId: s.id } });
  return { request: { id: req.id, kind: req.kind, reason: req.reason, member }, session: s, approved, by: me.name };
}

// ───────────────────────── 签到情况 and 补录 ─────────────────────────

export interface RollCall {
  session: SessionView;
  checkinOpen: boolean;
  present: string[];
  late: string[];
  leave: string[];
  /** Asked leave or 补签, waiting for a decision. */
  waiting: string[];
  /** Not answered (while check-in is open), or absent (after it closed). */
  notAnswered: string[];
}

/**
 * 签到情况 for a branch's managers: the meeting whose check-in is open or was the latest to open
 * (of `kindId` when given), else the next one ahead, with the names by answer. The surface sends it
 * privately: names are never listed in the group.
 */
export async function rollCall(unit: Unit, input: { branchId: string; kindId?: string | null }): Promise<RollCall> {
  const { tx, now } = unit;
  await authorize(tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_roll_call');
  const s =
    (await latestStarted(tx, { branchId: input.branchId, kindId: input.kindId, since: 'checkin', now })) ??
    (await tx.meetingSession.findFirst({
      where: { orgNodeId: { in: await branchScope(tx, input.branchId) }, status: 'SCHEDULED', startsAt: { gt: now }, ...(input.kindId ? { kindId: input.kindId } : {}) },
      include: sessionInclude,
      orderBy: { startsAt: 'asc' },
    }));
  if (!s) fail('meeting.nothing_to_roll_call');
  const rows = await tx.attendance.findMany({
    where: { sessionId: s.id },
    include: { member: { select: { name: true, employeeNo: true } }, requests: { where: { status: 'PENDING' }, select: { id: true } } },
  });
  rows.sort((a, b) => (a.member.employeeNo ?? a.member.name).localeCompare(b.member.employeeNo ?? b.member.name));
  const names = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).map((r) => r.member.name);
  const open = now < s.checkinClosesAt;
  return {
    session: s,
    checkinOpen: open,
    present: names((r) => r.status === 'PRESENT'),
    late: names((r) => r.status === 'LATE'),
    leave: names((r) => r.status === 'LEAVE'),
    waiting: names((r) => r.requests.length > 0 && (r.status === 'PENDING' || r.status === 'ABSENT')),
    notAnswered: names((r) => r.requests.length === 0 && (r.status === 'PENDING' || r.status === 'ABSENT')),
  };
}

/** 补录: the attendance of a meeting entered after the fact, as it was (出席, 请假 and 缺席 with reasons). */
export async function recordBackfill(unit: Unit, input: { sessionId: string; rows: Array<{ memberId: string; status: 'PRESENT' | 'LEAVE' | 'ABSENT'; reason: string | null }> }): Promise<void> {
  await unit.tx.attendance.createMany({ data: input.rows.map((r) => ({ sessionId: input.sessionId, memberId: r.memberId, status: r.status, reason: r.reason })) });
}

// ───────────────────────── corrections ─────────────────────────

export interface CorrectInput {
  branchId: string;
  /** The meeting's kind; absent: the latest meeting whose check-in has opened. */
  kindId?: string | null;
  memberName: string;
  status: AttendanceStatus;
  /** Kept in the audit entry. */
  note?: string;
}

/** A secretary's hand correction of one member's attendance at the branch's latest started meeting. */
export async function correct(unit: Unit, input: CorrectInput): Promise<{ session: SessionView; name: string; status: AttendanceStatus }> {
  const { tx, now } = unit;
  await authorize(tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_correct');
  const s = await latestStarted(tx, { branchId: input.branchId, kindId: input.kindId, since: 'checkin', now });
  if (!s) fail('meeting.nothing_to_correct');
  const name = input.memberName;
  const att = await tx.attendance.findMany({ where: { sessionId: s.id, member: { name } } });
  if (att.length === 0) fail('meeting.correct_not_listed', { name, ...title(s) });
  if (att.length > 1) fail('meeting.ambiguous_attendees', { names: name });
  const a = att[0]!;
  const status = input.status;
  if (a.status === status) fail('meeting.correct_same', { name, status: { key: STATUS_KEYS[status] } });
  // A 缺席 keeps the note as its reason (the ledger's 缺席原因); any other status clears it.
  await tx.attendance.update({ where: { id: a.id }, data: { status, checkedInAt: status === 'PRESENT' || status === 'LATE' ? (a.checkedInAt ?? now) : null, reason: status === 'ABSENT' ? input.note?.trim() || null : null } });
  unit.audit({ action: 'attendance.correct', entityType: 'Attendance', entityId: a.id, detail: { sessionId: s.id, from: a.status, to: status, note: input.note ?? '' } });
  unit.refresh('meeting', s.id);
  return { session: s, name, status };
}

// ───────────────────────── roster changes ─────────────────────────

/**
 * Members who left the roster, or moved to another branch, are no longer expected at upcoming meetings
 * of the org they are no longer in: their 未响应 rows (with no request) on sessions not yet started go,
 * except at `keep` (their branch and 党小组 now). Answered rows and past meetings stay as history.
 * The sessions' group cards are refreshed (the counts change).
 */
export async function withdrawFromUpcoming(unit: Unit, input: { members: Array<{ id: string; keep: string[] }> }): Promise<number> {
  if (!input.members.length) return 0;
  const rows = await unit.sql.query<{ sessionId: string }>(
    `DELETE FROM "Attendance" a USING "MeetingSession" s, unnest($1::text[], $2::text[], $3::text[]) AS v(mid, k1, k2)
      WHERE a."sessionId" = s.id AND a."memberId" = v.mid AND s.status = 'SCHEDULED' AND s."startsAt" > $4::timestamptz
        AND a.status = 'PENDING' AND s."orgNodeId" <> COALESCE(v.k1, '') AND s."orgNodeId" <> COALESCE(v.k2, '')
        AND NOT EXISTS (SELECT 1 FROM "AttendanceRequest" r WHERE r."attendanceId" = a.id)
      RETURNING a."sessionId"`,
    [input.members.map((m) => m.id), input.members.map((m) => m.keep[0] ?? null), input.members.map((m) => m.keep[1] ?? null), unit.now],
  );
  for (const sessionId of new Set(rows.map((r) => r.sessionId))) unit.refresh('meeting', sessionId);
  return rows.length;
}
