// The ledger (电子台账) as an inspector (季度督查, 年底验收) reads it: for a branch, or for a 机关党委
// and every branch under it, and a period, every meeting that has taken place with its full record
// (主持人, 记录人, times, attendees, 请假 / 补签 / 缺席 with reasons, 列席, attendance rate and quorum,
// the 党课 lecturer, minutes, photos and attachments as links, the corrections trail), and 应开 versus
// 实开 for every kind and month, zeros included. Meetings that have not started are not listed (only
// counted as announced), and nobody is absent from a meeting whose check-in is still open.
// The workbook and the printable record are rendered by the surfaces (src/chat/presenters/
// ledger-workbook.ts, src/web/ledger-files.ts); the download link is signed by the surface that hands
// it out, and the right is checked again here on download.
import { takenPlace } from '../domain/life/held.js';
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { authorize } from '../access/index.js';
import type { Tx } from '../db/client.js';
import type { OrgKind } from '../generated/prisma/enums.js';
import { parsePeriod, periodOf, subPeriods, type PeriodRange } from '../domain/life/period.js';
import { computeCompliance } from '../domain/life/compliance.js';
import type { FrequencyRule } from '../domain/meeting-kinds.js';
import { DEFAULT_LIFE, type LifeOptions } from '../domain/life/options.js';
import { latestStarted } from '../domain/life/sessions.js';
import type { Attachment } from './minutes.js';

/** What a ledger covers: one branch, or a 机关党委 and every branch under it. */
export interface LedgerScope {
  id: string;
  name: string;
  kind: OrgKind;
}

export interface LedgerAbsence {
  name: string;
  reason: string | null;
}

export interface LedgerCorrection {
  at: Date;
  name: string;
  from: string;
  to: string;
  by: string | null;
  note: string;
}

export interface LedgerMeeting {
  sessionId: string;
  kindCode: string;
  kindName: string;
  branchName: string;
  /** The branch, or the 党小组 for a 党小组会. */
  orgNodeName: string;
  topic: string;
  place: string | null;
  startsAt: Date;
  endsAt: Date | null;
  /** held: minutes saved or someone checked in; unconfirmed: started, but nothing shows it took place. */
  state: 'held' | 'unconfirmed';
  backfilled: boolean;
  /** Check-in still running: those who have not answered are not (yet) absent. */
  checkinOpen: boolean;
  host: string | null;
  recorder: string | null;
  lecturer: string | null;
  expected: number;
  present: string[];
  late: LedgerAbsence[];
  leave: LedgerAbsence[];
  absent: LedgerAbsence[];
  notAnswered: string[];
  observers: string[];
  /** (签到 + 补签) / 应到, 0..1. */
  rate: number;
  /** More than half of those expected attended. */
  quorum: boolean;
  minutes: { summary: string; resolutions: string | null; speakers: string[]; attachments: Attachment[]; recordedAt: Date } | null;
  corrections: LedgerCorrection[];
}

/** 应开 versus 实开 of one obligation window (a month for monthly kinds, the quarter or year for others). */
export interface LedgerPlanRow {
  branchName: string;
  kindCode: string;
  kindName: string;
  group: string | null;
  rule: FrequencyRule;
  part: { key: string; label: string };
  required: number;
  held: number;
  /** Held per month of the report period (zeros included). */
  months: number[];
}

export interface LedgerData {
  scope: LedgerScope;
  period: PeriodRange;
  months: Array<{ key: string; label: string }>;
  /** The branches covered (for a 机关党委: every branch under it, then the 机关党委 itself). */
  branches: Array<{ id: string; name: string }>;
  meetings: LedgerMeeting[];
  plan: LedgerPlanRow[];
  /** Announced in the period but not started yet: not listed. */
  upcoming: number;
  now: Date;
}

/**
 * Ask for a ledger: of the branch, or of the 机关党委 with all its branches. `phrase` names the
 * period (本季度, 2026年第四季度, 2026年12月 …; default this quarter).
 */
export async function requestLedger(unit: Unit, input: { nodeId: string; phrase?: string }, o: LifeOptions = DEFAULT_LIFE): Promise<{ scope: LedgerScope; period: PeriodRange }> {
  const scope = await ledgerAccess(unit, input.nodeId);
  const phrase = (input.phrase ?? '').trim();
  const period = phrase ? parsePeriod(phrase, unit.now, o.timezone) : periodOf('quarter', unit.now, o.timezone);
  if (!period) fail('ledger.bad_period', { text: [...phrase].slice(0, 20).join('') });
  unit.audit({ action: 'ledger.export', entityType: 'OrgNode', entityId: scope.id, detail: { period: period.key } });
  return { scope, period };
}

/**
 * Refuses unless the principal may have this ledger: a branch's for its managers (and the 机关党委
 * managers above), a 机关党委's for its posts (and the 工委 above). Any other node is refused.
 */
export async function ledgerAccess(unit: Unit, nodeId: string): Promise<LedgerScope> {
  const node = await unit.tx.orgNode.findUnique({ where: { id: nodeId }, select: { id: true, name: true, kind: true } });
  if (!node || (node.kind !== 'BRANCH' && node.kind !== 'ORGAN_COMMITTEE')) fail('errors.not_allowed', { what: { key: 'ledger.what' } });
  await authorize(unit.tx, unit.principal, node.kind === 'BRANCH' ? 'branch.manage' : 'organ.view', node.id, 'ledger.what');
  return node;
}

/** The ledger's content for a scope the principal may have (checked again) and a period. */
export async function ledgerData(unit: Unit, input: { nodeId: string; period: PeriodRange }, o: LifeOptions = DEFAULT_LIFE): Promise<LedgerData> {
  const scope = await ledgerAccess(unit, input.nodeId);
  const { tx, now } = unit;
  const { period } = input;
  const branches = scope.kind === 'BRANCH' ? [{ id: scope.id, name: scope.name }] : await branchesUnder(tx, scope.id);
  // A 机关党委's workbook also holds its own meetings (委员会议, 警示教育 …), as a row after its branches.
  const units = scope.kind === 'BRANCH' ? branches : [...branches, { id: scope.id, name: scope.name }];
  const groups = await tx.orgNode.findMany({ where: { parentId: { in: branches.map((b) => b.id) }, kind: 'GROUP' }, select: { id: true, parentId: true } });
  const branchOf = new Map<string, string>([...units.map((b) => [b.id, b.name] as [string, string]), ...groups.map((g) => [g.id, branches.find((b) => b.id === g.parentId)!.name] as [string, string])]);
  const nodeIds = [...branchOf.keys()];

  const sessions = await tx.meetingSession.findMany({
    where: { orgNodeId: { in: nodeIds }, startsAt: { gte: period.start, lt: period.end }, status: { not: 'CANCELLED' } },
    include: {
      kind: true,
      orgNode: { select: { name: true } },
      minutes: true,
      attendances: { include: { member: { select: { name: true, employeeNo: true } }, requests: { where: { status: 'APPROVED' }, orderBy: { createdAt: 'desc' } } } },
    },
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
  });
  const started = sessions.filter((s) => s.startsAt <= now);
  const upcoming = sessions.length - started.length;

  const attendanceIds = started.flatMap((s) => s.attendances.map((a) => a.id));
  const audits = attendanceIds.length
    ? await tx.auditLog.findMany({ where: { action: 'attendance.correct', entityType: 'Attendance', entityId: { in: attendanceIds } }, orderBy: { createdAt: 'asc' } })
    : [];
  const memberIds = [...new Set([...started.flatMap((s) => [s.hostId, s.recorderId, s.lecturerId, s.minutes?.recordedById]), ...audits.map((a) => a.actorId)].filter((x): x is string => !!x))];
  const names = new Map((await tx.member.findMany({ where: { id: { in: memberIds } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));

  const meetings = started.map((s): LedgerMeeting => {
    const rows = [...s.attendances].sort((a, b) => (a.member.employeeNo ?? a.member.name).localeCompare(b.member.employeeNo ?? b.member.name));
    const by = (st: string) => rows.filter((a) => a.status === st);
    const reasonOf = (a: (typeof rows)[number], kind: 'LEAVE' | 'LATE') => a.requests.find((r) => r.kind === kind)?.reason ?? a.reason ?? null;
    const checkinOpen = now < s.checkinClosesAt;
    const attended = by('PRESENT').length + by('LATE').length;
    const held = s.status === 'HELD' || !!s.minutes || attended > 0;
    const pending = by('PENDING');
    const byId = new Map(rows.map((a) => [a.id, a.member.name]));
    return {
      sessionId: s.id,
      kindCode: s.kind.code,
      kindName: s.kind.name,
      branchName: branchOf.get(s.orgNodeId) ?? s.orgNode.name,
      orgNodeName: s.orgNode.name,
      topic: s.topic,
      place: s.place,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      state: held ? 'held' : 'unconfirmed',
      backfilled: s.backfilled,
      checkinOpen,
      host: s.hostId ? (names.get(s.hostId) ?? null) : null,
      recorder: (s.recorderId ? names.get(s.recorderId) : s.minutes ? names.get(s.minutes.recordedById) : undefined) ?? null,
      lecturer: s.minutes?.lecturer ?? (s.lecturerId ? (names.get(s.lecturerId) ?? null) : null),
      expected: rows.length,
      present: by('PRESENT').map((a) => a.member.name),
      late: by('LATE').map((a) => ({ name: a.member.name, reason: reasonOf(a, 'LATE') })),
      leave: by('LEAVE').map((a) => ({ name: a.member.name, reason: reasonOf(a, 'LEAVE') })),
      // Nobody is absent from a meeting that did not (yet) take place, or while check-in runs.
      absent: !held ? [] : rows.filter((a) => a.status === 'ABSENT' || (!checkinOpen && a.status === 'PENDING')).map((a) => ({ name: a.member.name, reason: a.reason })),
      notAnswered: checkinOpen || !held ? pending.map((a) => a.member.name) : [],
      observers: s.minutes?.observers ?? [],
      rate: rows.length ? attended / rows.length : 0,
      quorum: attended * 2 > rows.length,
      minutes: s.minutes
        ? { summary: s.minutes.summary, resolutions: s.minutes.resolutions, speakers: s.minutes.speakers, attachments: (s.minutes.attachments as unknown as Attachment[]) ?? [], recordedAt: s.minutes.recordedAt }
        : null,
      corrections: audits
        .filter((a) => byId.has(a.entityId))
        .map((a) => {
          const d = a.detail as { from?: string; to?: string; note?: string };
          return { at: a.createdAt, name: byId.get(a.entityId)!, from: d.from ?? '', to: d.to ?? '', by: a.actorId ? (names.get(a.actorId) ?? null) : null, note: d.note ?? '' };
        }),
    };
  });

  const months = subPeriods('month', period, o.timezone);
  const plan = await planRows(unit, units, period, months, o);
  return { scope, period, months: months.map((m) => ({ key: m.key, label: m.label })), branches: units, meetings, plan, upcoming, now };
}

/** 应开 versus 实开 per branch, kind (per 党小组 for 党小组会) and obligation window, with the monthly counts. */
async function planRows(unit: Unit, branches: Array<{ id: string; name: string }>, period: PeriodRange, months: PeriodRange[], o: LifeOptions): Promise<LedgerPlanRow[]> {
  const rows: LedgerPlanRow[] = [];
  for (const b of branches) {
    const report = await computeCompliance(unit.tx, { orgNodeId: b.id, period, now: unit.now, tz: o.timezone, includeDutyItems: false });
    const groups = await unit.tx.orgNode.findMany({ where: { parentId: b.id, kind: 'GROUP' }, select: { id: true } });
    const from = new Date(Math.min(period.start.getTime(), ...report.items.map((i) => i.window.start.getTime())));
    const to = new Date(Math.max(period.end.getTime(), ...report.items.map((i) => i.window.end.getTime())));
    const held = await heldIn(unit.tx, [b.id, ...groups.map((g) => g.id)], from, to, unit.now);
    for (const item of report.items) {
      const nodeId = item.group?.id ?? b.id;
      const times = held.filter((s) => s.kind.code === item.kindCode && s.orgNodeId === nodeId).map((s) => s.startsAt);
      const count = (p: { start: Date; end: Date }) => times.filter((t) => t >= p.start && t < p.end).length;
      const inPeriod = item.parts.filter((p) => p.end > period.start && p.start < period.end);
      for (const part of inPeriod.length ? inPeriod : item.parts) {
        rows.push({
          branchName: b.name,
          kindCode: item.kindCode,
          kindName: item.name,
          group: item.group?.name ?? null,
          rule: item.rule,
          part: { key: part.key, label: part.label },
          required: part.required,
          held: count(part),
          months: months.map((m) => (m.start >= part.start && m.end <= part.end ? count(m) : 0)),
        });
      }
    }
  }
  return rows;
}

/** Sessions that count as held (实开): the rule compliance and the obligation engine use (src/domain/life/held.ts, the kind's quorum included). */
async function heldIn(tx: Tx, nodeIds: string[], from: Date, to: Date, now: Date) {
  const { counted } = await takenPlace(tx, nodeIds, from, to, now);
  return counted.map((s) => ({ orgNodeId: s.orgNodeId, startsAt: s.startsAt, kind: { code: s.kindCode } }));
}

async function branchesUnder(tx: Tx, rootId: string): Promise<Array<{ id: string; name: string }>> {
  return tx.$queryRawUnsafe<Array<{ id: string; name: string }>>(
    `WITH RECURSIVE down AS (
       SELECT id, kind, name, code, 0 AS depth FROM "OrgNode" WHERE id = $1
       UNION ALL
       SELECT o.id, o.kind, o.name, o.code, down.depth + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.depth < 16)
     SELECT id, name FROM down WHERE kind = 'BRANCH' ORDER BY code`,
    rootId,
  );
}

/** One meeting's record for the printable 会议记录 page, for those who may have its branch's ledger. */
export async function meetingRecord(unit: Unit, input: { sessionId: string }, o: LifeOptions = DEFAULT_LIFE): Promise<{ meeting: LedgerMeeting; branch: { id: string; name: string } }> {
  const s = await unit.tx.meetingSession.findUnique({ where: { id: input.sessionId }, select: { startsAt: true, orgNode: { select: { id: true, kind: true, parentId: true } } } });
  if (!s) fail('meeting.not_found');
  const branchId = s.orgNode.kind === 'GROUP' && s.orgNode.parentId ? s.orgNode.parentId : s.orgNode.id;
  const period = periodOf('month', s.startsAt, o.timezone);
  const data = await ledgerData(unit, { nodeId: branchId, period }, o);
  const meeting = data.meetings.find((m) => m.sessionId === input.sessionId);
  if (!meeting) fail('ledger.record_not_held');
  return { meeting, branch: data.branches[0]! };
}

/** A personal link was opened: the one-time code goes privately to the member it was sent to (view: a wording key). */
export async function sendLinkCode(unit: Unit, input: { memberId: string; code: string; key: string }): Promise<void> {
  unit.notify({ member: input.memberId }, 'ledger.identity_code_dm', { code: input.code }, input.key, { category: 'reply' });
}

/** The latest meeting of a branch that has started (of `kindId` when given), for its printable record. */
export async function recordTarget(unit: Unit, input: { branchId: string; kindId?: string | null }): Promise<{ id: string; kind: { name: string }; topic: string; startsAt: Date }> {
  await ledgerAccess(unit, input.branchId);
  const s = await latestStarted(unit.tx, { branchId: input.branchId, kindId: input.kindId, since: 'start', now: unit.now });
  if (!s) fail('meeting.nothing_to_record');
  return s;
}
