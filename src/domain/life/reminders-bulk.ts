// The messages of many due reminders at once: the same semantics as meetingReminderMessages
// (src/domain/life/reminders.ts, one reminder at a time), with a fixed number of statements per
// batch instead of several per reminder and per member. The jobs side fires due reminders in
// batches (jobs/remind.ts) and calls this; test/life/reminders-bulk.test.ts checks both agree.
//
// Plain SQL (as in src/chat/store.ts): runs on PostgreSQL and PGlite, and costs far less CPU than
// Prisma's nested queries for thousands of rows.
import { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../db/client.js';
import type { Platform, PostTitle } from '../../generated/prisma/enums.js';
import type { Card } from '../../chat/card.js';
import type { Destination, Outbound } from '../../chat/types.js';
import { say } from '../../chat/wording.js';
import { formatDateTime } from './time.js';
import { DEFAULT_LIFE, lateEnd, type LifeOptions } from './options.js';
import { meetingTitle, type Counts } from './sessions.js';
import { MEETING_REMINDER_KINDS, summaryCard, type MeetingReminderKind, type ReminderMessageOptions } from './reminders.js';

export interface ReminderRef {
  id: string;
  key: string;
  kind: string;
  sessionId: string | null;
  status: string;
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
  chatKind: 'GROUP' | 'DIRECT' | null;
}

interface WaitingRow {
  sessionId: string;
  memberId: string;
  name: string;
  status: string;
  platformUserId: string | null;
}

const APPROVER_TITLES: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER'];
/** `= ANY(…)` over one JSON parameter rather than one bound parameter per id (indexes still apply). */
const anyOf = (ids: string[]) => Prisma.sql`ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;

/** Messages per reminder id (every given id has an entry, possibly empty). */
export async function meetingReminderMessagesBulk(tx: Tx, reminders: ReminderRef[], now: Date, opts: ReminderMessageOptions = {}): Promise<Map<string, Outbound[]>> {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...opts.life };
  const out = new Map<string, Outbound[]>(reminders.map((r) => [r.id, []]));
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

  // after_end: the branch approver (支部书记, else 副书记, else 组织委员) and the session's counts.
  const ending = live.filter((l) => l.kind === 'after_end');
  const approvers = new Map<string, { id: string; name: string; identities: Array<{ platform: string; tenantKey: string; platformUserId: string }> }>();
  const counts = new Map<string, Counts>();
  if (ending.length) {
    const branchOf = (s: SessionRow) => (s.nodeKind === 'GROUP' && s.parentId ? s.parentId : s.nodeId);
    const branches = [...new Set(ending.map((l) => branchOf(l.s)))];
    const posts = await tx.$queryRaw<Array<{ orgNodeId: string; title: PostTitle; memberId: string; name: string; identities: Array<{ platform: string; tenantKey: string; platformUserId: string; boundAt: string }> }>>`
      SELECT p."orgNodeId", p.title::text AS title, m.id AS "memberId", m.name,
             coalesce((SELECT json_agg(json_build_object('platform', pi.platform, 'tenantKey', pi."tenantKey", 'platformUserId', pi."platformUserId", 'boundAt', pi."boundAt") ORDER BY pi."boundAt")
                         FROM "PlatformIdentity" pi WHERE pi."memberId" = m.id), '[]'::json) AS identities
        FROM "Post" p JOIN "Member" m ON m.id = p."memberId" AND m.active
       WHERE p."orgNodeId" = ${anyOf(branches)} AND p.until IS NULL
         AND p.title IN ('BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER')
       ORDER BY p.since ASC, p.id ASC`;
    for (const b of branches) {
      for (const title of APPROVER_TITLES) {
        const p = posts.find((x) => x.orgNodeId === b && x.title === title);
        if (p) {
          approvers.set(b, { id: p.memberId, name: p.name, identities: p.identities });
          break;
        }
      }
    }
    const rows = await tx.$queryRaw<Array<{ sessionId: string; status: string; n: number }>>`
      SELECT "sessionId", status::text AS status, count(*)::int AS n FROM "Attendance"
       WHERE "sessionId" = ${anyOf([...new Set(ending.map((l) => l.s.id))])} GROUP BY "sessionId", status`;
    for (const id of new Set(ending.map((l) => l.s.id))) {
      const n = (st: string) => rows.find((x) => x.sessionId === id && x.status === st)?.n ?? 0;
      const c = { present: n('PRESENT'), late: n('LATE'), leave: n('LEAVE'), absent: n('ABSENT'), pending: n('PENDING') };
      counts.set(id, { expected: c.present + c.late + c.leave + c.absent + c.pending, ...c });
    }
  }

  for (const { r, kind, s } of live) {
    const list = out.get(r.id)!;
    const chat: Destination = { platform: s.platform!, tenantKey: s.tenantKey!, target: s.platformChatId!, targetKind: s.chatKind! };
    const rows = (bySession.get(s.id) ?? []).filter((w) => w.status === 'PENDING' || kind === 'after_end');
    const vars = { title: meetingTitle({ kind: { name: s.kindName }, topic: s.topic }), time: formatDateTime(s.startsAt, o.timezone), place: s.place ?? say('meeting.place_tbd') };
    let startButton: Card['buttons'];
    if (kind === 'start' && opts.tokens) {
      const ttl = Math.max(60, Math.ceil((s.checkinClosesAt.getTime() - now.getTime()) / 1000));
      startButton = [{ actionId: 'meeting.checkin', label: say('meeting.button_checkin'), style: 'primary', token: opts.tokens.sign({ action: 'meeting.checkin', target: s.id }, ttl, now) }];
    }
    const lateText = kind === 'after_end' ? say('meeting.remind_late', { ...vars, until: formatDateTime(lateEnd(s.checkinClosesAt, o), o.timezone) }) : '';
    const text = kind === 'day_before' ? say('meeting.remind_day_before', vars) : kind === 'hour_before' ? say('meeting.remind_hour_before', vars) : lateText;
    for (const a of rows) {
      if (!a.platformUserId) continue;
      const to: Destination = { platform: chat.platform, tenantKey: chat.tenantKey, target: a.platformUserId, targetKind: 'DIRECT' };
      const base = { to, dedupeKey: `${r.key}:${a.memberId}`, category: 'reminder' as const, memberId: a.memberId };
      if (kind === 'start') {
        const card: Card = { title: say('meeting.remind_start_title'), tone: 'blue', markdown: say('meeting.remind_start', vars) };
        if (startButton) card.buttons = startButton.map((b) => ({ ...b }));
        list.push({ ...base, body: { kind: 'card', card } });
      } else list.push({ ...base, body: { kind: 'text', text } });
    }
    if (kind === 'after_end') {
      const approver = approvers.get(s.nodeKind === 'GROUP' && s.parentId ? s.parentId : s.nodeId) ?? null;
      const card = summaryCard(s.kindName, s.topic, vars.time, rows.map((w) => w.name), counts.get(s.id)!);
      if (opts.tokens && approver) {
        card.buttons = [{ actionId: 'meeting.minutes_form', label: say('meeting.button_minutes'), style: 'primary', token: opts.tokens.sign({ action: 'meeting.minutes_form', target: s.id, member: approver.id }, 30 * 86_400, now) }];
      }
      const id = approver?.identities.find((i) => i.platform === chat.platform && i.tenantKey === chat.tenantKey);
      const to: Destination = id ? { platform: chat.platform, tenantKey: chat.tenantKey, target: id.platformUserId, targetKind: 'DIRECT' } : chat;
      list.push({ to, body: { kind: 'card', card }, dedupeKey: `${r.key}:summary`, category: 'reminder', memberId: approver?.id });
    }
  }
  return out;
}
