// Meeting sessions as data: loading, 签到 in one statement, attendance counts, the branch a session
// belongs to. Shared by the services, the presenters, the reminders and the ledger.
import type { Tx } from '../../db/client.js';
import { asSql, type SqlLike } from '../../db/sql.js';
import type { ChatKind, OrgKind, Platform } from '../../generated/prisma/enums.js';
import type { MeetingSession } from '../../generated/prisma/client.js';
import { CHAT_DESTINATION } from '../../outbox/reach.js';


/** Where a chat row is reached (the shape of an outbox Destination). */
export interface ChatTarget {
  platform: Platform;
  tenantKey: string;
  target: string;
  targetKind: ChatKind;
}

export const sessionInclude = {
  kind: { select: { id: true, code: true, name: true, category: true } },
  orgNode: { select: { id: true, name: true, kind: true, parentId: true } },
} as const;

/** A session with its kind and org node (what sessionInclude selects, and what loadSession returns). */
export type SessionView = MeetingSession & {
  kind: { id: string; code: string; name: string; category: string };
  orgNode: { id: string; name: string; kind: OrgKind; parentId: string | null };
};

// The session view in plain SQL: loading a session and bumping its card run on every 签到 click
// (src/db/sql.ts on why the hot path avoids Prisma calls). `s` is the session row.
const SESSION_VIEW = `
  s.id, s."kindId", s."orgNodeId", s."chatId", s.topic, s.place, s."startsAt", s."endsAt", s."checkinOpensAt", s."checkinClosesAt",
  s.status::text AS status, s."createdById", s."hostId", s."recorderId", s."cardMessageKey", s.version, s."createdAt", s."updatedAt",
  json_build_object('id', k.id, 'code', k.code, 'name', k.name, 'category', k.category) AS kind,
  json_build_object('id', o.id, 'name', o.name, 'kind', o.kind, 'parentId', o."parentId") AS "orgNode"`;
const SESSION_JOINS = `JOIN "MeetingKind" k ON k.id = s."kindId" JOIN "OrgNode" o ON o.id = s."orgNodeId"`;

export async function loadSession(db: SqlLike, id: string): Promise<SessionView | null> {
  const rows = await asSql(db).query<SessionView>(`SELECT ${SESSION_VIEW} FROM "MeetingSession" s ${SESSION_JOINS} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

// Every click in the statement is a row of `click` (n: its place); `changed` the attendances this
// statement checked in. Planned per call (not keyed): the join's size is the batch's.
const CHECK_IN = `WITH click AS (SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t("sessionId", "memberId", n)),
     s AS (SELECT id, "kindId", topic, status, "checkinOpensAt", "checkinClosesAt" FROM "MeetingSession" WHERE id = ANY($1::text[])),
     changed AS (
       UPDATE "Attendance" a SET status = 'PRESENT', "checkedInAt" = $3::timestamptz, "updatedAt" = now()
         FROM s, click c
        WHERE a."sessionId" = s.id AND c."sessionId" = s.id AND a."memberId" = c."memberId" AND a.status IN ('PENDING', 'LEAVE', 'ABSENT')
          AND s.status <> 'CANCELLED' AND s."checkinOpensAt" <= $3::timestamptz AND $3::timestamptz < s."checkinClosesAt"
       RETURNING a.id)
     SELECT c.n::int AS n, s.id, s.topic, s.status::text AS status, s."checkinOpensAt", s."checkinClosesAt", k.name AS "kindName",
            a.id AS "attendanceId", a.status::text AS "attendanceStatus",
            EXISTS (SELECT 1 FROM "AttendanceRequest" r WHERE r."attendanceId" = a.id AND r.status = 'PENDING') AS "pendingRequest",
            EXISTS (SELECT 1 FROM changed WHERE changed.id = a.id) AS "checkedIn"
       FROM click c JOIN s ON s.id = c."sessionId" JOIN "MeetingKind" k ON k.id = s."kindId"
       LEFT JOIN "Attendance" a ON a."sessionId" = s.id AND a."memberId" = c."memberId"`;

/** What a 签到 reads of its session: what names it, its status and its check-in window (not the whole view: it runs on every click). */
export interface CheckInSession {
  id: string;
  topic: string;
  status: MeetingSession['status'];
  checkinOpensAt: Date;
  checkinClosesAt: Date;
  kind: { name: string };
}

/** A click's session with the member's attendance as it was before, and whether the click checked them in; null: no such session. */
export type CheckInRow = (CheckInSession & { attendance: { id: string; status: string; pendingRequest: boolean } | null; checkedIn: boolean }) | null;

/**
 * 签到 of several clicks in one statement (everyone clicks when a meeting starts), a row per click in
 * their order. A row changes only for a session that is not cancelled, inside its check-in window,
 * and an attendance not yet checked in; PostgreSQL checks the status again under the row lock, so of
 * two concurrent clicks only one changes it, and of the same member's clicks in one call the first.
 */
export async function checkInFor(db: SqlLike, clicks: Array<{ sessionId: string; memberId: string }>, now: Date): Promise<CheckInRow[]> {
  if (!clicks.length) return [];
  const rows = await asSql(db).query<Omit<CheckInSession, 'kind'> & { n: number; kindName: string; attendanceId: string | null; attendanceStatus: string; pendingRequest: boolean; checkedIn: boolean }>(
    CHECK_IN,
    [clicks.map((c) => c.sessionId), clicks.map((c) => c.memberId), now],
  );
  const byPlace = new Map(rows.map((r) => [r.n, r]));
  // One attendance changes once: a click repeated in the same call finds it as the first one left it.
  const earlier = new Map<string, boolean>();
  return clicks.map((_, i) => {
    const row = byPlace.get(i + 1);
    if (!row) return null;
    const { n: _n, kindName, attendanceId, attendanceStatus, pendingRequest, checkedIn, ...session } = row;
    const first = attendanceId ? earlier.get(attendanceId) : undefined; // whether the first click checked them in
    if (attendanceId && first === undefined) earlier.set(attendanceId, checkedIn);
    const attendance = !attendanceId ? null : first ? { id: attendanceId, status: 'PRESENT', pendingRequest: false } : { id: attendanceId, status: attendanceStatus, pendingRequest };
    return { ...session, kind: { name: kindName }, attendance, checkedIn: checkedIn && first === undefined };
  });
}

/** The branch a session belongs to (a 党小组会 belongs to the group's branch). */
export function sessionBranchId(s: { orgNode: { id: string; kind: string; parentId: string | null } }): string {
  return s.orgNode.kind === 'GROUP' && s.orgNode.parentId ? s.orgNode.parentId : s.orgNode.id;
}

/** The org nodes whose sessions belong to a branch: the branch and its 党小组. */
export async function branchScope(tx: Tx, branchId: string): Promise<string[]> {
  const groups = await tx.orgNode.findMany({ where: { parentId: branchId, kind: 'GROUP' }, select: { id: true } });
  return [branchId, ...groups.map((g) => g.id)];
}

export interface Counts {
  expected: number;
  present: number; // 签到
  late: number; // 补签 (approved)
  leave: number;
  absent: number; // marked 缺席
  pending: number; // 未响应
}

export async function attendanceCounts(db: SqlLike, sessionId: string): Promise<Counts> {
  return (await attendanceCountsOf(db, [sessionId])).get(sessionId)!;
}

/** attendanceCounts of several sessions in one statement (a delivery window's meeting cards), by session id. */
export async function attendanceCountsOf(db: SqlLike, sessionIds: string[]): Promise<Map<string, Counts>> {
  const rows = await asSql(db).query<{ sessionId: string; status: string; n: number }>(
    `SELECT "sessionId", status::text AS status, count(*)::int AS n FROM "Attendance" WHERE "sessionId" = ANY($1::text[]) GROUP BY "sessionId", status`,
    [sessionIds],
  );
  const counts = new Map(sessionIds.map((id) => [id, { expected: 0, present: 0, late: 0, leave: 0, absent: 0, pending: 0 }]));
  const field = { PRESENT: 'present', LATE: 'late', LEAVE: 'leave', ABSENT: 'absent', PENDING: 'pending' } as const;
  for (const r of rows) {
    const c = counts.get(r.sessionId)!;
    c[field[r.status as keyof typeof field]] += r.n;
    c.expected += r.n;
  }
  return counts;
}

/** Sessions (not cancelled) where a member is expected: in a branch's scope, or anywhere when `branchId` is null. */
export async function sessionsExpecting(tx: Tx, memberId: string, branchId: string | null): Promise<SessionView[]> {
  const where = branchId ? { orgNodeId: { in: await branchScope(tx, branchId) } } : {};
  return tx.meetingSession.findMany({
    where: { ...where, status: { not: 'CANCELLED' }, attendances: { some: { memberId } } },
    include: sessionInclude,
    orderBy: { startsAt: 'asc' },
  });
}

/**
 * The latest session of a branch that has begun (`since`: its check-in opened, or it started), not
 * cancelled, of `kindId` when given: what corrections and minutes are about.
 */
export async function latestStarted(tx: Tx, q: { branchId: string; kindId?: string | null; since: 'checkin' | 'start'; now: Date }): Promise<SessionView | null> {
  const began = q.since === 'checkin' ? { checkinOpensAt: { lte: q.now } } : { startsAt: { lte: q.now } };
  return tx.meetingSession.findFirst({
    where: { orgNodeId: { in: await branchScope(tx, q.branchId) }, status: { not: 'CANCELLED' }, ...began, ...(q.kindId ? { kindId: q.kindId } : {}) },
    include: sessionInclude,
    orderBy: { startsAt: 'desc' },
  });
}

/**
 * How a meeting is named to people: its kind, and its topic in 「」 when that says more. A coded
 * error names the meeting with it (the `title` var), so it stays beside the data.
 */
export function meetingTitle(s: { kind: { name: string }; topic: string }): string {
  return s.topic && s.topic !== s.kind.name ? `${s.kind.name}「${s.topic}」` : s.kind.name;
}

// Rows locked in id order: two windows rendering some of the same cards at once cannot deadlock.
// Not keyed: a generic plan for a list of ids scans a small table whole, and this runs once per window.
const BUMP_FOR_CARDS = `WITH locked AS MATERIALIZED (SELECT id FROM "MeetingSession" WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE),
     s AS (UPDATE "MeetingSession" m SET version = m.version + 1, "updatedAt" = now() FROM locked WHERE m.id = locked.id RETURNING m.*)
     SELECT ${SESSION_VIEW}, ${CHAT_DESTINATION} AS "to"
       FROM s ${SESSION_JOINS} LEFT JOIN "Chat" c ON c.id = s."chatId"`;

/**
 * Bump the sessions' versions and load them with their chats' destinations, in one statement for a
 * delivery window's meeting cards (see the 'meeting' card in src/chat/presenters/life.ts); sessions
 * not found are absent. Bumping takes the row locks, so concurrent answers serialise here and each
 * version's counter, counted after this, includes every earlier answer.
 */
export async function bumpForCards(db: SqlLike, sessionIds: string[]): Promise<Array<SessionView & { to: ChatTarget | null }>> {
  if (!sessionIds.length) return [];
  return asSql(db).query<SessionView & { to: ChatTarget | null }>(BUMP_FOR_CARDS, [sessionIds]);
}
