// Reminders as services on the demo organ (PGlite, no chat layer, no queue): who a due meeting
// reminder reaches (non-responders only; never someone on leave, waiting for a decision or over the
// daily nudge budget), when (quiet hours and holidays move or skip it), what the presenters make of
// it, and the daily compliance scan's alerts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { DEFAULT_GUARDRAILS } from '../../src/domain/guardrails.js';
import { complianceAlerts, crossedThreshold, dueReminders, meetingReminderNotes, REMINDER_VIEWS, type DueReminder, type ReminderNote } from '../../src/services/reminders.js';
import { DomainError } from '../../src/services/kernel.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const tokens = new TokenSigner('t'.repeat(64));
const presenters = buildPresenters({ tokens, timezone: 'Asia/Shanghai', publicUrl: 'http://localhost' });
let h: ServiceHarness;
let branchId: string;
let chatId: string;
let kindId: string;
/** Branch 1's members by code (m101 …). */
const members = new Map<string, string>();

beforeAll(async () => {
  h = await ServiceHarness.open();
  const p = h.db.prisma;
  branchId = (await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
  chatId = (await p.chat.findFirstOrThrow({ where: { orgNodeId: branchId, kind: 'GROUP' } })).id;
  kindId = (await p.meetingKind.findUniqueOrThrow({ where: { code: 'branch_assembly' } })).id;
  for (const m of await p.member.findMany({ where: { branchId }, select: { id: true, employeeNo: true } })) members.set(m.employeeNo!, m.id);
});
afterAll(() => h?.close());

type State = 'PRESENT' | 'LEAVE' | 'ABSENT' | 'LATE' | 'PENDING';

/** A meeting of branch 1 with every member PENDING except `states`, and its reminder row of `kind`. */
async function meeting(startsAt: Date, kind: string, states: Record<string, State> = {}, dueAt = startsAt): Promise<{ sessionId: string; row: DueReminder }> {
  const p = h.db.prisma;
  const s = await p.meetingSession.create({
    data: { kindId, orgNodeId: branchId, chatId, topic: '学习党章', place: '三楼会议室', startsAt, checkinOpensAt: new Date(startsAt.getTime() - 30 * 60_000), checkinClosesAt: new Date(startsAt.getTime() + 120 * 60_000), createdById: members.get('m101')! },
  });
  await p.attendance.createMany({ data: [...members].map(([code, id]) => ({ sessionId: s.id, memberId: id, status: states[code] ?? 'PENDING' })) });
  const r = await p.reminder.create({ data: { key: `remind:${s.id}:${kind}`, sessionId: s.id, kind, dueAt } });
  return { sessionId: s.id, row: { id: r.id, key: r.key, kind: r.kind, sessionId: s.id, status: r.status, dueAt: r.dueAt, startsAt } };
}

const fire = (rows: DueReminder[], now: Date) => h.run(h.system, now, (unit) => dueReminders(unit, rows, { guardrails: DEFAULT_GUARDRAILS, recipients: meetingReminderNotes }));
const codesOf = (notes: ReminderNote[]) => notes.map((n) => [...members].find(([, id]) => id === n.memberId)?.[0]).sort();
const attendanceOf = async (sessionId: string, code: string) => h.db.prisma.attendance.findFirstOrThrow({ where: { sessionId, memberId: members.get(code)! } });

describe('meeting reminders', () => {
  it('reach only members who have not answered and have no request waiting', async () => {
    // Wednesday 2026-10-14, 13:30 for a meeting at 14:30.
    const { sessionId, row } = await meeting(sh('2026-10-14T14:30'), 'hour_before', { m102: 'PRESENT', m103: 'LEAVE', m104: 'ABSENT' });
    await h.db.prisma.attendanceRequest.create({ data: { attendanceId: (await attendanceOf(sessionId, 'm105')).id, kind: 'LEAVE', reason: '出差', status: 'PENDING' } });
    const { result } = await fire([row], sh('2026-10-14T13:30'));
    expect(result.fire).toEqual([row.id]);
    expect(codesOf(result.send)).toEqual(['m101', 'm106', 'm107', 'm108', 'm109', 'm110']);
    const note = result.send[0]!;
    expect(note.view).toBe(REMINDER_VIEWS.meeting);
    expect(note.to).toMatchObject({ platform: 'CONSOLE', targetKind: 'DIRECT' });
    expect(result.send.every((n) => n.dedupeKey === `${row.key}:${n.memberId}`)).toBe(true);
    expect(presenters.body(note, sh('2026-10-14T13:30'))).toEqual({ kind: 'text', text: '一小时后开会：支部党员大会「学习党章」，2026年10月14日（周三）14:30，地点 三楼会议室。' });
  });

  it('drop a member on approved leave and one over the daily nudge budget', async () => {
    const { sessionId, row } = await meeting(sh('2026-10-15T14:30'), 'hour_before');
    await h.db.prisma.attendanceRequest.create({ data: { attendanceId: (await attendanceOf(sessionId, 'm106')).id, kind: 'LEAVE', reason: '病假', status: 'APPROVED' } });
    await h.db.prisma.outboxMessage.createMany({
      data: [1, 2, 3].map((i) => ({ dedupeKey: `earlier:m107:${i}`, platform: 'CONSOLE', target: 'm107', targetKind: 'DIRECT', kind: 'text', category: 'reminder', memberId: members.get('m107')!, payload: { kind: 'text', text: 'x' }, createdAt: sh('2026-10-15T09:00') })),
    });
    const { result } = await fire([row], sh('2026-10-15T13:30'));
    expect(codesOf(result.send)).not.toContain('m106');
    expect(codesOf(result.send)).not.toContain('m107');
    expect(result.dropped).toEqual(
      expect.arrayContaining([
        { memberId: members.get('m106'), reason: 'on_leave' },
        { memberId: members.get('m107'), reason: 'budget' },
      ]),
    );
    expect(result.send).toHaveLength(members.size - 2);
  });

  it('move a reminder out of quiet hours, and skip one that could only go out after the start', async () => {
    // Friday 22:00, meeting on Monday: moved to 09:00 on the 调休 Saturday (a workday).
    const moved = await meeting(sh('2026-10-12T15:00'), 'day_before', {}, sh('2026-10-09T22:00'));
    // Sunday 2026-10-18 22:00 for a meeting at 08:30 on Monday: the next working morning (09:00) is after the start.
    const skipped = await meeting(sh('2026-10-19T08:30'), 'day_before', {}, sh('2026-10-18T22:00'));
    const first = await fire([moved.row], sh('2026-10-09T22:00'));
    expect(first.result).toMatchObject({ send: [], fire: [], shifted: [{ id: moved.row.id, to: sh('2026-10-10T09:00') }] });
    expect((await h.db.prisma.reminder.findUniqueOrThrow({ where: { id: moved.row.id } })).dueAt).toEqual(sh('2026-10-10T09:00'));
    const second = await fire([skipped.row], sh('2026-10-18T22:00'));
    expect(second.result).toMatchObject({ send: [], fire: [], skipped: [skipped.row.id] });
    expect((await h.db.prisma.reminder.findUniqueOrThrow({ where: { id: skipped.row.id } })).status).toBe('SKIPPED');
  });

  it('send nothing once the moment has passed or for a cancelled meeting', async () => {
    const late = await meeting(sh('2026-10-20T14:30'), 'hour_before');
    expect((await fire([late.row], sh('2026-10-20T14:31'))).result.send).toEqual([]);
    const cancelled = await meeting(sh('2026-10-21T14:30'), 'hour_before');
    await h.db.prisma.meetingSession.update({ where: { id: cancelled.sessionId }, data: { status: 'CANCELLED' } });
    expect((await fire([cancelled.row], sh('2026-10-21T13:30'))).result.send).toEqual([]);
  });

  it('open check-in with a 签到 button that works until check-in closes', async () => {
    const { sessionId, row } = await meeting(sh('2026-10-22T14:30'), 'start', { m102: 'PRESENT' });
    const now = sh('2026-10-22T14:00');
    const { result } = await fire([row], now);
    expect(result.send).toHaveLength(members.size - 1);
    const body = presenters.body(result.send[0]!, now);
    if (body.kind !== 'card') throw new Error('a card');
    expect(body.card.markdown).toBe('支部党员大会「学习党章」（2026年10月22日（周四）14:30，三楼会议室）签到已开启，请点击签到或发送「签到」。');
    const check = tokens.verify(body.card.buttons![0]!.token, now);
    expect(check.ok && check.claims).toEqual({ action: 'meeting.checkin', target: sessionId, member: undefined });
    expect(check.ok && check.expiresAt).toEqual(sh('2026-10-22T16:30'));
  });

  it('after the end, prompt absentees to 补签 and give the approver the summary with who is missing', async () => {
    const { sessionId, row } = await meeting(sh('2026-10-23T14:30'), 'after_end', { m101: 'PRESENT', m102: 'LATE', m103: 'LEAVE', m104: 'ABSENT' });
    const now = sh('2026-10-23T16:30');
    const { result } = await fire([row], now);
    const summary = result.send.find((n) => n.view === REMINDER_VIEWS.summary)!;
    const prompts = result.send.filter((n) => n.view === REMINDER_VIEWS.meeting);
    expect(codesOf(prompts)).toEqual(['m104', 'm105', 'm106', 'm107', 'm108', 'm109', 'm110']);
    expect(presenters.body(prompts[0]!, now)).toEqual({ kind: 'text', text: expect.stringContaining('请在 2026年10月30日（周五）16:30 前发送「补签 原因」申请补签') });
    expect(summary).toMatchObject({ dedupeKey: `${row.key}:summary`, memberId: members.get('m101'), to: { target: 'm101', targetKind: 'DIRECT' } });
    const body = presenters.body(summary, now);
    if (body.kind !== 'card') throw new Error('a card');
    expect(body.card.title).toBe('会后小结 · 支部党员大会');
    expect(body.card.fields![2]!.value.split('、')).toHaveLength(7);
    expect(body.card.footer).toBe('应到 10 · 已签到 2 · 请假 1 · 未响应 6 · 含补签 1 · 缺席 1');
    const check = tokens.verify(body.card.buttons![0]!.token, now);
    expect(check.ok && check.claims).toEqual({ action: 'meeting.minutes_form', target: sessionId, member: members.get('m101') });
  });
});

describe('compliance scan', () => {
  it('alerts the secretary once per obligation, period and threshold, tightest first', async () => {
    const branch = await h.db.prisma.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { id: true, name: true } });
    const scan = (now: Date) => h.run(h.system, now, (unit) => complianceAlerts(unit, { branch, thresholds: [10, 3], timezone: 'Asia/Shanghai' }));
    const first = await scan(sh('2026-12-24T08:30'));
    expect(first.result).toBeGreaterThan(0);
    expect(first.intents).toHaveLength(first.result);
    const alert = first.intents[0]!;
    if (alert.type !== 'notify') throw new Error('a notice');
    expect(alert).toMatchObject({ to: { member: members.get('m101') }, view: REMINDER_VIEWS.complianceAlert, category: 'notice' });
    expect(alert.key).toMatch(/:d10$/);
    const body = presenters.body(alert, sh('2026-12-24T08:30'));
    expect(body.kind === 'text' && body.text).toMatch(new RegExp(`^提醒：${branch.name}的「.+」（2026年第四季度）还差 7 天截止`));
    // The same day again: nothing new. Two days left: the 3-day threshold, once.
    expect((await scan(sh('2026-12-24T12:00'))).result).toBe(0);
    const tighter = await scan(sh('2026-12-29T08:30'));
    expect(tighter.result).toBe(first.result);
    expect(tighter.intents.every((i) => i.type === 'notify' && i.key.endsWith(':d3'))).toBe(true);
    expect((await scan(sh('2026-12-30T08:30'))).result).toBe(0);
  });

  it('is the system’s job, and picks the tightest threshold crossed', async () => {
    await expect(h.run(await h.member('m101'), new Date(), (unit) => complianceAlerts(unit, { branch: { id: branchId, name: 'x' }, thresholds: [10], timezone: 'Asia/Shanghai' }))).rejects.toBeInstanceOf(DomainError);
    expect(crossedThreshold(7, [10, 3])).toBe(10);
    expect(crossedThreshold(2, [10, 3])).toBe(3);
    expect(crossedThreshold(11, [10, 3])).toBeNull();
  });
});
