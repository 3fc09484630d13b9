// The life services driven directly on PGlite, with no chat layer: notices (who is expected, the
// duplicate and no-chat refusals), the check-in window, 请假 and 补签 with the approver's decision,
// corrections, minutes, cancellation and compliance; what each changes, the intents it returns and
// the coded errors it refuses with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import type { Principal } from '../../src/access/principal.js';
import { Unit } from '../../src/services/kernel.js';
import { branchKinds, cancelMeeting, changeNotice, createNotice } from '../../src/services/meetings.js';
import { checkIn, checkInAll, checkInChoices, correct, decide, requestLate, requestLeave } from '../../src/services/attendance.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { requestLedger } from '../../src/services/ledger.js';
import { complianceOf } from '../../src/services/compliance.js';
import { parsePeriod } from '../../src/domain/life/period.js';
import type { NoticeDraft } from '../../src/domain/life/notice.js';

let h: ServiceHarness;
const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-20T10:00:00+08:00');
const START = at('2026-12-05T14:30:00+08:00'); // check-in 14:00–16:30, 补签 until 12 December 16:30

const node = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;
const memberId = async (code: string) => (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: code } })).id;
const chatId = async (platformChatId: string) => (await h.db.prisma.chat.findFirstOrThrow({ where: { platformChatId } })).id;

async function draft(code: string, more: Partial<NoticeDraft> = {}): Promise<NoticeDraft> {
  const kinds = (await h.run(h.system, NOW, (u) => branchKinds(u))).result;
  const kind = kinds.find((k) => k.code === code)!;
  return { kind, at: START, place: '三楼会议室', topic: kind.name, attendeeNames: [], groupName: null, ...more };
}

/** Run as `who` and expect the coded refusal `code` (nothing changed: the run rolled back). */
const refused = (who: Principal, now: Date, fn: (u: Unit) => Promise<unknown>, code: string) => expect(h.run(who, now, fn)).rejects.toMatchObject({ name: 'DomainError', code });

let b1: string;
let secretary: Principal;
let member: Principal;

beforeAll(async () => {
  h = await ServiceHarness.open();
  b1 = await node('demo-branch-1');
  secretary = await h.member('m101');
  member = await h.member('m103');
});
afterAll(() => h?.close());

describe('notices', () => {
  it('expects the whole branch, posts the card to its work chat and writes the reminder plan', async () => {
    const d1 = await draft('theme_day', { topic: '学习党章' });
    const run = await h.run(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d1 }));
    const { session, expected, plan, postedHere } = run.result;
    expect(expected).toBe(10);
    expect(postedHere).toBe(false);
    expect(session.checkinOpensAt).toEqual(at('2026-12-05T14:00:00+08:00'));
    expect(session.checkinClosesAt).toEqual(at('2026-12-05T16:30:00+08:00'));
    expect(plan.map((p) => p.key)).toEqual(['day_before', 'hour_before', 'start', 'after_end'].map((k) => `remind:${session.id}:${k}`));
    expect(run.intents).toEqual([
      expect.objectContaining({ type: 'notify', to: { chat: await chatId('branch-1') }, view: 'meeting.notice_card', key: `meeting:${session.id}:card`, category: 'notice' }),
    ]);
    expect(run.audits).toEqual([expect.objectContaining({ action: 'meeting.notice', entityId: session.id })]);
    expect(await h.db.prisma.attendance.count({ where: { sessionId: session.id, status: 'PENDING' } })).toBe(10);
    expect(await h.db.prisma.reminder.count({ where: { sessionId: session.id } })).toBe(4);
  });

  it('refuses the same notice twice, naming its time', async () => {
    const d = await draft('theme_day', { topic: '学习党章' });
    await expect(h.run(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d }))).rejects.toMatchObject({ code: 'meeting.duplicate_notice', vars: { kind: '主题党日', time: START } });
  });

  it('expects only the 支部委员会 at a 支委会, and a 党小组 at its 党小组会 posted by its leader', async () => {
    const d2 = await draft('branch_committee');
    const committee = await h.run(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d2 }));
    const names = async (sessionId: string) => (await h.db.prisma.attendance.findMany({ where: { sessionId }, include: { member: true } })).map((a) => a.member.employeeNo).sort();
    expect(await names(committee.result.session.id)).toEqual(['m101', 'm102', 'm103', 'm104']);

    const leader = await h.member('m105');
    const d3 = await draft('group_meeting');
    const group = await h.run(leader, NOW, (u) => createNotice(u, { branchId: b1, draft: d3 }));
    expect(group.result.session.orgNodeId).toBe(await node('demo-branch-1-g1'));
    expect(await names(group.result.session.id)).toEqual(['m101', 'm103', 'm105', 'm107', 'm109']);
    // … but may not post for the whole branch
    const d4 = await draft('party_lecture');
    await refused(leader, NOW, (u) => createNotice(u, { branchId: b1, draft: d4 }), 'errors.not_allowed');
  });

  it('refuses a member, unknown attendees, and a branch without a work chat', async () => {
    const d5 = await draft('party_lecture');
    await refused(member, NOW, (u) => createNotice(u, { branchId: b1, draft: d5 }), 'errors.not_allowed');
    const d6 = await draft('party_lecture', { attendeeNames: ['查无此人'] });
    await refused(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d6 }), 'meeting.unknown_attendees');
    const b2 = await node('demo-branch-2');
    const d8 = await draft('party_lecture');
    await refused(
      await h.member('m201'),
      NOW,
      async (u) => {
        await u.tx.chat.deleteMany({ where: { orgNodeId: b2 } });
        return createNotice(u, { branchId: b2, draft: d8 });
      },
      'meeting.no_group_chat',
    );
    expect(await h.db.prisma.chat.count({ where: { orgNodeId: b2 } })).toBe(1); // rolled back
  });
});

describe('attendance', () => {
  let sessionId: string;
  let chat: string;
  beforeAll(async () => {
    const s = await h.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习党章' } });
    sessionId = s.id;
    chat = s.chatId!;
  });

  it('checks in only inside the window, once, refreshing the card', async () => {
    await expect(h.run(member, at('2026-12-05T13:59:00+08:00'), (u) => checkIn(u, { sessionId }))).rejects.toMatchObject({ code: 'meeting.checkin_not_open', vars: { opens: at('2026-12-05T14:00:00+08:00') } });
    const first = await h.run(member, at('2026-12-05T14:05:00+08:00'), (u) => checkIn(u, { sessionId }));
    expect(first.result).toMatchObject({ checkedIn: true, leaveRevoked: false });
    expect(first.intents).toEqual([{ type: 'refresh', card: 'meeting', id: sessionId }]);
    expect(first.audits).toEqual([expect.objectContaining({ action: 'attendance.checkin', detail: { sessionId, from: 'PENDING' } })]);
    const again = await h.run(member, at('2026-12-05T14:06:00+08:00'), (u) => checkIn(u, { sessionId }));
    expect(again).toMatchObject({ result: { checkedIn: false }, intents: [], audits: [] });
    await expect(h.run(member, at('2026-12-05T16:30:00+08:00'), (u) => checkIn(u, { sessionId }))).rejects.toMatchObject({ code: 'meeting.checkin_closed', vars: { until: at('2026-12-12T16:30:00+08:00') } });
    await refused(await h.member('m201'), at('2026-12-05T14:05:00+08:00'), (u) => checkIn(u, { sessionId }), 'meeting.not_expected');
    // by text: the open meeting, or why there is none
    expect((await h.run(await h.member('m102'), at('2026-12-05T14:05:00+08:00'), (u) => checkInChoices(u, { branchId: b1 }))).result.map((s) => s.id)).toContain(sessionId);
    await refused(await h.member('m102'), NOW, (u) => checkInChoices(u, { branchId: b1 }), 'meeting.checkin_not_open_for');
  });

  it('sends a leave request to the approver; the decision tells the member and refreshes the card', async () => {
    const leaver = await h.member('m104');
    const req = await h.run(leaver, NOW, (u) => requestLeave(u, { sessionId, reason: '出差在外' }));
    expect(req.result.approver?.id).toBe(await memberId('m101'));
    expect(req.intents).toEqual([
      expect.objectContaining({ type: 'notify', to: { member: await memberId('m101'), orElseChat: chat }, view: 'meeting.approval_request', key: `meeting:req:${req.result.requestId}:approval`, category: 'approval' }),
    ]);
    expect(req.audits).toEqual([expect.objectContaining({ action: 'attendance.leave_request' })]);
    await refused(leaver, NOW, (u) => requestLeave(u, { sessionId, reason: '还是出差' }), 'meeting.request_pending');
    await refused(leaver, NOW, (u) => requestLeave(u, { sessionId, reason: '  ' }), 'meeting.leave_needs_reason');

    // a member holding the button may not decide
    await refused(member, NOW, (u) => decide(u, { requestId: req.result.requestId, approved: true }), 'errors.not_allowed');
    const ok = await h.run(secretary, NOW, (u) => decide(u, { requestId: req.result.requestId, approved: true }));
    expect(ok.intents).toEqual([
      { type: 'refresh', card: 'meeting', id: sessionId },
      expect.objectContaining({ type: 'notify', to: { member: await memberId('m104'), orElseChat: chat }, view: 'meeting.request_decided', key: `meeting:req:${req.result.requestId}:decision` }),
    ]);
    expect(ok.audits).toEqual([expect.objectContaining({ action: 'attendance.approve', entityId: req.result.requestId })]);
    expect((await h.db.prisma.attendance.findFirstOrThrow({ where: { sessionId, memberId: await memberId('m104') } })).status).toBe('LEAVE');
    await expect(h.run(secretary, NOW, (u) => decide(u, { requestId: req.result.requestId, approved: false }))).rejects.toMatchObject({
      code: 'meeting.request_already_decided',
      vars: { status: { key: 'meeting.status_approved' } },
    });
  });

  it('takes 补签 only after check-in closed and within the 补签 period', async () => {
    const late = await h.member('m109');
    await refused(late, at('2026-12-05T14:10:00+08:00'), (u) => requestLate(u, { sessionId, reason: '手机没电' }), 'meeting.late_not_needed');
    await refused(late, at('2026-12-05T13:00:00+08:00'), (u) => requestLate(u, { sessionId, reason: '手机没电' }), 'meeting.checkin_not_open');
    await refused(late, at('2026-12-12T16:30:00+08:00'), (u) => requestLate(u, { sessionId, reason: '手机没电' }), 'meeting.request_too_late');
    const req = await h.run(late, at('2026-12-05T17:00:00+08:00'), (u) => requestLate(u, { sessionId, reason: '手机没电' }));
    const rejected = await h.run(secretary, at('2026-12-05T18:00:00+08:00'), (u) => decide(u, { requestId: req.result.requestId, approved: false }));
    expect(rejected.intents.map((i) => i.type)).toEqual(['notify']); // nothing on the card changes
    expect((await h.db.prisma.attendance.findFirstOrThrow({ where: { sessionId, memberId: await memberId('m109') } })).status).toBe('PENDING');
  });

  it('lets a manager correct attendance by hand, refusing members and no-op corrections', async () => {
    const when = at('2026-12-05T18:00:00+08:00');
    await refused(member, when, (u) => correct(u, { branchId: b1, memberName: '吴敏', status: 'PRESENT' }), 'errors.not_allowed');
    const r = await h.run(secretary, when, (u) => correct(u, { branchId: b1, memberName: '吴敏', status: 'ABSENT', note: '未到会' }));
    expect(r.result.session.id).toBe(sessionId);
    expect(r.intents).toEqual([{ type: 'refresh', card: 'meeting', id: sessionId }]);
    expect(r.audits).toEqual([expect.objectContaining({ action: 'attendance.correct', detail: { sessionId, from: 'PENDING', to: 'ABSENT', note: '未到会' } })]);
    await expect(h.run(secretary, when, (u) => correct(u, { branchId: b1, memberName: '吴敏', status: 'ABSENT' }))).rejects.toMatchObject({ code: 'meeting.correct_same', vars: { status: { key: 'meeting.status_absent' } } });
    await refused(secretary, when, (u) => correct(u, { branchId: b1, memberName: '查无此人', status: 'PRESENT' }), 'meeting.correct_not_listed');
  });
});

describe('minutes, ledger and compliance', () => {
  it('saves minutes, which marks the meeting held, and counts it in compliance', async () => {
    const s = await h.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习党章' } });
    const when = at('2026-12-05T18:00:00+08:00');
    const input = { sessionId: s.id, summary: '学习党章', speakers: '王建国、李秀英', attachments: '会议照片 https://pan.example.cn/s/a\nhttps://pan.example.cn/s/b', untitled: (n: number) => `附件${n}` };
    await refused(member, when, (u) => saveMinutes(u, input), 'errors.not_allowed');
    await refused(secretary, when, (u) => saveMinutes(u, { ...input, attachments: '照片 没有链接' }), 'meeting.minutes_bad_link');
    const r = await h.run(secretary, when, (u) => saveMinutes(u, input));
    expect(r.result.minutes.attachments).toEqual([
      { title: '会议照片', url: 'https://pan.example.cn/s/a' },
      { title: '附件2', url: 'https://pan.example.cn/s/b' },
    ]);
    expect(r.result.names.leave).toEqual(['刘洋']);
    expect(r.intents).toEqual([{ type: 'refresh', card: 'meeting', id: s.id }]);
    expect(r.audits).toEqual([expect.objectContaining({ action: 'meeting.minutes', entityId: s.id })]);
    expect((await h.db.prisma.meetingSession.findUniqueOrThrow({ where: { id: s.id } })).status).toBe('HELD');

    const q4 = parsePeriod('2026Q4', when)!;
    const report = (await h.run(member, when, (u) => complianceOf(u, { nodeId: b1, period: q4, kindCodes: ['theme_day'] }))).result;
    const theme = report.items.find((i) => i.obligationKey === 'theme_day')!;
    expect({ required: theme.required, held: theme.held, status: theme.status }).toEqual({ required: 3, held: 1, status: 'missed' });
    // another branch's report is for those who see that branch
    const b2 = await node('demo-branch-2');
    await refused(member, when, (u) => complianceOf(u, { nodeId: b2, period: q4 }), 'errors.not_allowed');
  });

  it('gives the ledger to managers only, for a period they name', async () => {
    await refused(member, NOW, (u) => requestLedger(u, { nodeId: b1 }), 'errors.not_allowed');
    await refused(secretary, NOW, (u) => requestLedger(u, { nodeId: b1, phrase: '上世纪' }), 'ledger.bad_period');
    const r = await h.run(secretary, NOW, (u) => requestLedger(u, { nodeId: b1, phrase: '2026年第四季度' }));
    expect(r.result.period.key).toBe('2026Q4');
    expect(r.audits).toEqual([expect.objectContaining({ action: 'ledger.export', entityId: b1, detail: { period: '2026Q4' } })]);
  });
});

describe('change and cancel', () => {
  it('tells those who answered about a change and a cancellation, and voids open requests', async () => {
    const d7 = await draft('party_lecture', { topic: '党章学习', at: at('2026-12-20T09:00:00+08:00') });
    const created = await h.run(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d7 }));
    const sessionId = created.result.session.id;
    const req = await h.run(member, NOW, (u) => requestLeave(u, { sessionId, reason: '外出培训' }));
    const m103 = await memberId('m103');

    await refused(member, NOW, (u) => changeNotice(u, { sessionId, place: '四楼会议室' }), 'errors.not_allowed');
    await refused(secretary, NOW, (u) => changeNotice(u, { sessionId, place: '三楼会议室' }), 'meeting.change_nothing');
    const changed = await h.run(secretary, NOW, (u) => changeNotice(u, { sessionId, startsAt: at('2026-12-21T09:00:00+08:00'), place: '四楼会议室' }));
    expect(changed.result.changes).toEqual({ startsAt: at('2026-12-21T09:00:00+08:00'), place: '四楼会议室' });
    expect(changed.result.plan?.find((p) => p.key.endsWith('hour_before'))?.dueAt).toEqual(at('2026-12-21T08:00:00+08:00'));
    expect(changed.intents).toEqual([{ type: 'refresh', card: 'meeting', id: sessionId }, expect.objectContaining({ to: { member: m103, orElseChat: created.result.chat.id }, view: 'meeting.notice_changed' })]);

    const cancelled = await h.run(secretary, NOW, (u) => cancelMeeting(u, { sessionId }));
    expect(cancelled.intents).toEqual([
      { type: 'refresh', card: 'meeting', id: sessionId },
      expect.objectContaining({ to: { member: m103, orElseChat: created.result.chat.id }, view: 'meeting.meeting_cancelled', key: `meeting:${sessionId}:cancelled:${m103}` }),
    ]);
    expect(await h.db.prisma.attendanceRequest.findUniqueOrThrow({ where: { id: req.result.requestId } })).toMatchObject({ status: 'REJECTED', note: 'meeting.request_void_cancelled' });
    expect((await h.db.prisma.reminder.findMany({ where: { sessionId } })).map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    await refused(secretary, NOW, (u) => cancelMeeting(u, { sessionId }), 'meeting.nothing_to_cancel');
    await refused(member, at('2026-12-21T08:50:00+08:00'), (u) => checkIn(u, { sessionId }), 'meeting.is_cancelled');
  });
});

describe('clicks that arrive together', () => {
  it('are checked in by one call, each with its own outcome', async () => {
    const start = at('2026-12-19T14:30:00+08:00');
    const d = await draft('theme_day', { topic: '集中签到', at: start });
    const { session } = (await h.run(secretary, NOW, (u) => createNotice(u, { branchId: b1, draft: d }))).result;
    const sessionId = session.id;
    const [m103, m104, m105, m106, m201] = await Promise.all(['m103', 'm104', 'm105', 'm106', 'm201'].map((c) => h.member(c)));
    const when = at('2026-12-19T14:20:00+08:00');
    await h.run(m103!, when, (u) => checkIn(u, { sessionId }));
    const leave = await h.run(m104!, NOW, (u) => requestLeave(u, { sessionId, reason: '出差在外' }));
    await h.run(secretary, NOW, (u) => decide(u, { requestId: leave.result.requestId, approved: true }));
    const pending = await h.run(m106!, NOW, (u) => requestLeave(u, { sessionId, reason: '家中有事' }));

    const principals = [m105!, m105!, m104!, m103!, m201!, m106!];
    const { outcomes, units } = await h.db.transaction(async (scope) => {
      const units = principals.map((p) => new Unit(scope, p, when));
      return { outcomes: await checkInAll(units.map((unit) => ({ unit, sessionId }))), units };
    });
    expect(outcomes.map((o) => (o.ok ? { checkedIn: o.value.checkedIn, leaveRevoked: o.value.leaveRevoked } : o.error.code))).toEqual([
      { checkedIn: true, leaveRevoked: false },
      { checkedIn: false, leaveRevoked: false }, // the same member again: the first click checked them in
      { checkedIn: true, leaveRevoked: true }, // approved leave, ended by coming after all
      { checkedIn: false, leaveRevoked: false }, // checked in earlier
      'meeting.not_expected',
      { checkedIn: true, leaveRevoked: false },
    ]);
    // Each click's unit holds its own audit entry and card refresh.
    expect(units.map((u) => u.audits.length)).toEqual([1, 0, 1, 0, 0, 1]);
    expect(units.map((u) => u.intents.length)).toEqual([1, 0, 1, 0, 0, 1]);
    const status = async (code: string) => (await h.db.prisma.attendance.findFirstOrThrow({ where: { sessionId, memberId: await memberId(code) } })).status;
    expect([await status('m105'), await status('m104'), await status('m106')]).toEqual(['PRESENT', 'PRESENT', 'PRESENT']);
    // The open leave request of the member who came is void.
    expect(await h.db.prisma.attendanceRequest.findUniqueOrThrow({ where: { id: pending.result.requestId } })).toMatchObject({ status: 'REJECTED', note: 'meeting.request_void_checked_in' });
  });
});
