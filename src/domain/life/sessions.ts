// Meeting sessions: loading, attendance counts, the group card and its in-place updates. Shared by
// the chat handlers, the reminder messages and the ledger.
import type { Tx } from '../../db/client.js';
import { asSql, type SqlLike } from '../../db/sql.js';
import type { OrgKind, PostTitle } from '../../generated/prisma/enums.js';
import type { MeetingSession } from '../../generated/prisma/client.js';
import type { Card } from '../../chat/card.js';
import type { Destination, Outbound } from '../../chat/types.js';
import type { TokenSigner } from '../../chat/token.js';
import { say } from '../../chat/wording.js';
import { formatDateTime, formatShort } from './time.js';
import { cardTokenTtlSeconds, type LifeOptions } from './options.js';

/** Posts that make up a 支部委员会 (expected at 支委会). */
export const BRANCH_COMMITTEE_POSTS: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER', 'PUBLICITY_MEMBER', 'DISCIPLINE_MEMBER'];

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
/** A chat row `c` as a delivery Destination (null when there is no row). */
const CHAT_DESTINATION = `CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('platform', c.platform, 'tenantKey', c."tenantKey", 'target', c."platformChatId", 'targetKind', c.kind) END`;

export async function loadSession(db: SqlLike, id: string): Promise<SessionView | null> {
  const rows = await asSql(db).query<SessionView>(`SELECT ${SESSION_VIEW} FROM "MeetingSession" s ${SESSION_JOINS} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * 签到 in one statement (it runs on every click): the session with the member's attendance as it
 * was before, and whether this call checked them in. The row changes only for a session that is not
 * cancelled, inside its check-in window, and an attendance not yet checked in; PostgreSQL checks
 * the status again under the row lock, so of two concurrent clicks only one changes it.
 */
export async function checkInFor(
  db: SqlLike,
  id: string,
  memberId: string,
  now: Date,
): Promise<(SessionView & { attendance: { id: string; status: string; pendingRequest: boolean } | null; checkedIn: boolean }) | null> {
  const rows = await asSql(db).query<SessionView & { attendanceId: string | null; attendanceStatus: string; pendingRequest: boolean; checkedIn: boolean }>(
    `WITH s AS (SELECT * FROM "MeetingSession" WHERE id = $1),
     changed AS (
       UPDATE "Attendance" a SET status = 'PRESENT', "checkedInAt" = $3::timestamptz, "updatedAt" = now()
         FROM s
        WHERE a."sessionId" = s.id AND a."memberId" = $2 AND a.status IN ('PENDING', 'LEAVE', 'ABSENT')
          AND s.status <> 'CANCELLED' AND s."checkinOpensAt" <= $3::timestamptz AND $3::timestamptz < s."checkinClosesAt"
       RETURNING a.id)
     SELECT ${SESSION_VIEW}, a.id AS "attendanceId", a.status::text AS "attendanceStatus",
            EXISTS (SELECT 1 FROM "AttendanceRequest" r WHERE r."attendanceId" = a.id AND r.status = 'PENDING') AS "pendingRequest",
            EXISTS (SELECT 1 FROM changed) AS "checkedIn"
       FROM s ${SESSION_JOINS} LEFT JOIN "Attendance" a ON a."sessionId" = s.id AND a."memberId" = $2`,
    [id, memberId, now],
  );
  const row = rows[0];
  if (!row) return null;
  const { attendanceId, attendanceStatus, pendingRequest, checkedIn, ...session } = row;
  return { ...session, attendance: attendanceId ? { id: attendanceId, status: attendanceStatus, pendingRequest } : null, checkedIn };
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
  const rows = await asSql(db).query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM "Attendance" WHERE "sessionId" = $1 GROUP BY status`, [sessionId]);
  const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
  const c = { present: n('PRESENT'), late: n('LATE'), leave: n('LEAVE'), absent: n('ABSENT'), pending: n('PENDING') };
  return { expected: c.present + c.late + c.leave + c.absent + c.pending, ...c };
}

/** 应到 23 · 已签到 0 · 请假 0 · 未响应 23 (补签 counts as 已签到; 缺席 shown once someone is marked). */
export function counterLine(c: Counts): string {
  const parts = [say('meeting.counter', { expected: c.expected, checked: c.present + c.late, leave: c.leave, pending: c.pending })];
  if (c.late) parts.push(say('meeting.counter_late', { late: c.late }));
  if (c.absent) parts.push(say('meeting.counter_absent', { absent: c.absent }));
  return parts.join(' · ');
}

export function meetingTitle(s: { kind: { name: string }; topic: string }): string {
  return s.topic && s.topic !== s.kind.name ? `${s.kind.name}「${s.topic}」` : s.kind.name;
}

export function whenLine(s: { startsAt: Date }, o: LifeOptions): string {
  return formatDateTime(s.startsAt, o.timezone);
}

/** The group card as it should look now. Tokens are signed afresh on each rendering. */
export function noticeCard(s: SessionView, c: Counts, tokens: TokenSigner, now: Date, o: LifeOptions): Card {
  const fields = [
    { label: say('meeting.field_topic'), value: s.topic },
    { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) },
    { label: say('meeting.field_place'), value: s.place ?? say('meeting.place_tbd') },
    { label: say('meeting.field_checkin'), value: say('meeting.checkin_window', { opens: formatShort(s.checkinOpensAt, o.timezone), closes: formatShort(s.checkinClosesAt, o.timezone) }) },
  ];
  if (s.orgNode.kind === 'GROUP') fields.splice(1, 0, { label: say('meeting.field_group'), value: s.orgNode.name });
  if (s.status === 'CANCELLED') {
    return { title: say('meeting.card_title_cancelled', { kind: s.kind.name }), tone: 'grey', fields, markdown: say('meeting.card_cancelled_note'), footer: counterLine(c) };
  }
  const ttl = cardTokenTtlSeconds(s.checkinClosesAt, now, o);
  return {
    title: say('meeting.card_title', { kind: s.kind.name }),
    tone: s.status === 'HELD' ? 'green' : 'blue',
    fields,
    buttons: [
      { actionId: 'meeting.checkin', label: say('meeting.button_checkin'), style: 'primary', token: tokens.sign({ action: 'meeting.checkin', target: s.id }, ttl, now) },
      { actionId: 'meeting.leave', label: say('meeting.button_leave'), token: tokens.sign({ action: 'meeting.leave', target: s.id }, ttl, now) },
    ],
    footer: counterLine(c),
  };
}

export async function chatDestination(db: SqlLike, chatId: string | null): Promise<Destination | null> {
  if (!chatId) return null;
  const rows = await asSql(db).query<{ to: Destination }>(`SELECT ${CHAT_DESTINATION} AS "to" FROM "Chat" c WHERE c.id = $1`, [chatId]);
  return rows[0]?.to ?? null;
}

/**
 * Bump the session's version and render the card update. Bumping first takes the row lock, so
 * concurrent answers serialise here and each version's counter includes every earlier answer.
 */
export async function cardUpdate(db: SqlLike, sessionId: string, tokens: TokenSigner, now: Date, o: LifeOptions): Promise<Outbound | null> {
  const [row] = await asSql(db).query<SessionView & { to: Destination | null }>(
    `WITH s AS (UPDATE "MeetingSession" SET version = version + 1, "updatedAt" = now() WHERE id = $1 RETURNING *)
     SELECT ${SESSION_VIEW}, ${CHAT_DESTINATION} AS "to"
       FROM s ${SESSION_JOINS} LEFT JOIN "Chat" c ON c.id = s."chatId"`,
    [sessionId],
  );
  const ofKey = row?.cardMessageKey;
  if (!row || !ofKey || !row.to) return null;
  const { to, ...bumped } = row;
  // Counted after the bump, in a statement of its own: it sees every answer committed before ours.
  const card = noticeCard(bumped, await attendanceCounts(db, sessionId), tokens, now, o);
  return { to, body: { kind: 'card_update', ofKey, card }, dedupeKey: `${ofKey}:v${bumped.version}`, category: 'notice' };
}

/** The member who receives approval cards: the 支部书记, else a 副书记, else the 组织委员. */
export async function branchApprover(tx: Tx, branchId: string): Promise<{ id: string; name: string } | null> {
  for (const title of ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER'] as PostTitle[]) {
    const post = await tx.post.findFirst({ where: { orgNodeId: branchId, title, until: null, member: { active: true } }, select: { member: { select: { id: true, name: true } } } });
    if (post) return post.member;
  }
  return null;
}

/** A direct-message destination for a member on a platform, if they have an identity there. */
export async function memberDestination(tx: Tx, memberId: string, platform: Destination['platform'], tenantKey: string): Promise<Destination | null> {
  const id = await tx.platformIdentity.findFirst({ where: { memberId, platform, tenantKey }, select: { platformUserId: true } });
  return id ? { platform, tenantKey, target: id.platformUserId, targetKind: 'DIRECT' } : null;
}
