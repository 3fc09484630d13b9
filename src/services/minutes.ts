// Minutes (会议纪实): which meeting they are for, the record as it stands, saving it (which marks
// the meeting 已召开), with attendance names taken from the check-ins.
import type { Tx } from '../db/client.js';
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { actingMember, authorize } from '../access/index.js';
import type { AttendanceStatus } from '../generated/prisma/enums.js';
import { splitNames } from '../domain/life/notice.js';
import { fromLocal, localDay } from '../domain/life/time.js';
import { DEFAULT_LIFE, type LifeOptions } from '../domain/life/options.js';
import { attendanceCounts, latestStarted, loadSession, meetingTitle, sessionBranchId, type Counts, type SessionView } from '../domain/life/sessions.js';

/** Longest summary, in characters. */
export const MINUTES_MAX = 5000;

export interface Attachment {
  title: string;
  /** A web link (typed in the form), or a picture or file sent in chat: its platform handle until stored, then file:<sha256>. */
  url: string;
  /** Sent in chat: a picture or another file. */
  kind?: 'image' | 'file';
  sha256?: string;
  size?: number;
}

/** A link typed in the form (the form edits these; pictures sent in chat stay whatever the form says). */
export const isWebLink = (a: Attachment) => /^https?:\/\//.test(a.url);

export interface MinutesRecord {
  summary: string;
  resolutions: string | null;
  speakers: string[];
  attachments: Attachment[];
  /** 列席 and the 党课 lecturer, as recorded. */
  observers?: string[];
  lecturer?: string | null;
}

/**
 * Attachment lines as a secretary writes them, one per line: "标题 https://…" (the title may be
 * left out: `untitled(n)` names the n-th). A line without a valid http(s) link is refused.
 */
export function parseAttachments(text: string, untitled: (n: number) => string): Attachment[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const m = line.match(/https?:\/\/[^\s<>"']+/);
      const bad = () => fail('meeting.minutes_bad_link', { line: [...line].slice(0, 30).join('') });
      if (!m) bad();
      try {
        new URL(m![0]);
      } catch {
        bad();
      }
      const title = line.replace(m![0], '').replace(/[:：\s]+$/, '').trim();
      return { title: title || untitled(i + 1), url: m![0] };
    });
}

async function recordable(unit: Unit, s: SessionView | null): Promise<SessionView> {
  if (!s) fail('meeting.not_found');
  await authorize(unit.tx, unit.principal, 'branch.manage', sessionBranchId(s), 'meeting.what_minutes');
  return s;
}

/** A meeting's minutes as stored (null before any are saved); no access check: callers hold a link or a right. */
export async function minutesRecord(tx: Tx, sessionId: string): Promise<MinutesRecord | null> {
  const m = await tx.minutes.findUnique({ where: { sessionId } });
  return m ? { summary: m.summary, resolutions: m.resolutions, speakers: m.speakers, attachments: (m.attachments as unknown as Attachment[] | null) ?? [], observers: m.observers, lecturer: m.lecturer } : null;
}

/** The latest meeting of the branch that has started (of `kindId` when given), for its minutes. */
export async function minutesTarget(unit: Unit, input: { branchId: string; kindId?: string | null }): Promise<{ session: SessionView; minutes: MinutesRecord | null; counts: Counts }> {
  await authorize(unit.tx, unit.principal, 'branch.manage', input.branchId, 'meeting.what_minutes');
  const s = await latestStarted(unit.tx, { branchId: input.branchId, kindId: input.kindId, since: 'start', now: unit.now });
  if (!s) fail('meeting.nothing_to_record');
  return { session: s, minutes: await minutesRecord(unit.tx, s.id), counts: await attendanceCounts(unit.tx, s.id) };
}

/**
 * 纪实照片 [类型]: pictures and files sent in chat join the minutes of the branch's latest meeting (of that
 * kind), as their platform handles; the download after the ack replaces each with the stored file.
 * The minutes must exist: the photos belong to a record, not to a meeting nobody has written up.
 */
export async function addMinutesFiles(
  unit: Unit,
  input: { branchId: string; kindId?: string | null; files: Array<{ kind: string; url: string; title?: string }>; untitled: (n: number) => string },
): Promise<{ session: SessionView; added: number; total: number }> {
  const { session: s, minutes } = await minutesTarget(unit, input);
  if (!input.files.length) fail('meeting.minutes_files_none');
  if (!minutes) fail('meeting.minutes_files_first', { title: meetingTitle(s) });
  const known = new Set(minutes.attachments.map((a) => a.url));
  const fresh = input.files.filter((f) => !known.has(f.url));
  const attachments = [...minutes.attachments, ...fresh.map((f, i) => ({ title: f.title || input.untitled(minutes.attachments.length + i + 1), url: f.url, kind: f.kind === 'image' ? ('image' as const) : ('file' as const) }))];
  await unit.tx.minutes.update({ where: { sessionId: s.id }, data: { attachments: attachments as unknown as object[] } });
  unit.audit({ action: 'meeting.minutes_files', entityType: 'MeetingSession', entityId: s.id, detail: { added: fresh.length } });
  return { session: s, added: fresh.length, total: attachments.length };
}

/** A meeting's minutes as they stand (the form shows them), for those who may record them. */
export async function minutesOf(unit: Unit, input: { sessionId: string }): Promise<{ session: SessionView; minutes: MinutesRecord | null; counts: Counts }> {
  const s = await recordable(unit, await loadSession(unit.tx, input.sessionId));
  return { session: s, minutes: await minutesRecord(unit.tx, s.id), counts: await attendanceCounts(unit.tx, s.id) };
}

export interface SaveMinutesInput {
  sessionId: string;
  summary: string;
  resolutions?: string | null;
  /** Names, separated by 、 or commas. */
  speakers?: string;
  /** Attachment lines (parseAttachments). */
  attachments?: string;
  /** The name of an attachment given without a title (附件2). */
  untitled: (n: number) => string;
  /** 主持人 and 记录人 by name (branch members); absent: as on the notice, and whoever saves. */
  host?: string | null;
  recorder?: string | null;
  /** 列席: names, separated by 、 or commas (they need not be members of the branch). */
  observers?: string | null;
  /** 党课: who gave the lecture. */
  lecturer?: string | null;
  /** When the meeting ended: an instant, or a clock time (16:30) on the meeting's day. */
  endsAt?: Date | null;
  endTime?: string | null;
}

/** 16:30 on the local day of `start`; null when empty; refused when it is not a clock time. */
function endOn(start: Date, text: string | null | undefined, tz: string): Date | null {
  const t = text?.trim().replace('：', ':');
  if (!t) return null;
  const m = /^(\d{1,2}):(\d{2})$/.exec(t);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) fail('meeting.minutes_bad_end');
  return fromLocal({ ...localDay(start, tz), hour: Number(m[1]), minute: Number(m[2]) }, tz);
}

/** Members of the meeting's branch by name (主持人, 记录人): unknown or ambiguous names are refused. */
async function memberByName(unit: Unit, s: SessionView, name: string | null | undefined): Promise<string | undefined> {
  const n = name?.trim();
  if (!n) return undefined;
  const found = await unit.tx.member.findMany({ where: { branchId: sessionBranchId(s), active: true, name: n }, select: { id: true } });
  if (!found.length) fail('meeting.unknown_attendees', { names: n });
  if (found.length > 1) fail('meeting.ambiguous_attendees', { names: n });
  return found[0]!.id;
}

export interface SavedMinutes {
  session: SessionView;
  minutes: MinutesRecord;
  /** Names by what the check-ins say: 出席 (签到 and 补签), 请假, 缺席 (marked, or never answered once check-in closed). */
  names: Record<'present' | 'leave' | 'absent', string[]>;
  counts: Counts;
}

/** Save the minutes: the meeting counts as held (已召开), the group card shows it. */
export async function saveMinutes(unit: Unit, input: SaveMinutesInput, o: LifeOptions = DEFAULT_LIFE): Promise<SavedMinutes> {
  const { tx } = unit;
  const me = actingMember(unit.principal);
  const s = await loadSession(tx, input.sessionId);
  if (!s) fail('meeting.not_found');
  if (s.status === 'CANCELLED') fail('meeting.is_cancelled', { title: meetingTitle(s) });
  await recordable(unit, s);
  const summary = input.summary.trim();
  // The form edits the links; pictures and files sent in chat (纪实照片) are kept whatever it says.
  const sentInChat = ((await tx.minutes.findUnique({ where: { sessionId: s.id }, select: { attachments: true } }))?.attachments as unknown as Attachment[] | undefined ?? []).filter((a) => !isWebLink(a));
  const attachments = [...parseAttachments(input.attachments ?? '', input.untitled), ...sentInChat];
  const record: MinutesRecord = { summary, resolutions: input.resolutions?.trim() || null, speakers: splitNames(input.speakers ?? ''), attachments };
  const hostId = await memberByName(unit, s, input.host);
  const recorderId = await memberByName(unit, s, input.recorder);
  const endsAt = input.endsAt ?? endOn(s.startsAt, input.endTime, o.timezone);
  if (endsAt && endsAt <= s.startsAt) fail('meeting.minutes_bad_end');
  const more = { observers: splitNames(input.observers ?? ''), lecturer: input.lecturer?.trim() || null };
  const row = { ...record, ...more, attachments: record.attachments as unknown as object[], recordedById: me.id };
  await tx.minutes.upsert({ where: { sessionId: s.id }, create: { sessionId: s.id, ...row }, update: row });
  await tx.meetingSession.update({
    where: { id: s.id },
    data: { status: 'HELD', recorderId: recorderId ?? s.recorderId ?? me.id, ...(hostId ? { hostId } : {}), ...(endsAt ? { endsAt } : {}) },
  });
  unit.refresh('meeting', s.id);
  unit.audit({ action: 'meeting.minutes', entityType: 'MeetingSession', entityId: s.id, detail: { attachments: attachments.length } });

  const rows = await tx.attendance.findMany({ where: { sessionId: s.id }, include: { member: { select: { name: true } } }, orderBy: { member: { name: 'asc' } } });
  const names = (st: AttendanceStatus[]) => rows.filter((r) => st.includes(r.status)).map((r) => r.member.name);
  // While check-in runs, those who have not answered are not absent (yet).
  const absent: AttendanceStatus[] = unit.now < s.checkinClosesAt ? ['ABSENT'] : ['ABSENT', 'PENDING'];
  return { session: s, minutes: record, names: { present: names(['PRESENT', 'LATE']), leave: names(['LEAVE']), absent: names(absent) }, counts: await attendanceCounts(tx, s.id) };
}
