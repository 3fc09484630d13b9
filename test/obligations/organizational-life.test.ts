// 民主评议党员 results and the 组织生活会 steps, on PGlite and PostgreSQL: results are entered and seen by the
// branch's own managers only (counts for the 委员 and the levels above), corrections keep the old row and
// are audited; the yearly 民主评议 counts only once every member has a result, the 组织生活会 only once its
// steps are done, and the 完成情况 line names what is missing; the 谈心谈话 summary above the branch counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { computeCompliance } from '../../src/domain/life/compliance.js';
import { periodRange } from '../../src/domain/life/period.js';
import { enterReview, lifeChecklist, markLifeStep, reviewsOf } from '../../src/services/organizational-life.js';
import { escalate, memberReminders, type EscalationData, type MemberReminderData } from '../../src/services/obligations.js';
import { memberReminderText } from '../../src/chat/presenters/obligations.js';
import { DomainError, type NotifyIntent } from '../../src/services/kernel.js';
import { complianceCard } from '../../src/chat/presenters/life.js';
import { lifeChecklistCard, reviewListCard } from '../../src/chat/presenters/organizational-life.js';
import { DEMO_MEMBERS } from '../../src/seed/demo-org.js';
import { memberDue } from '../../src/services/duties.js';
import { memberDueCard } from '../../src/chat/presenters/duties.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';

const presenters = buildPresenters({ tokens: new TokenSigner('e'.repeat(64)), timezone: 'Asia/Shanghai', publicUrl: 'http://localhost' });

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';
const NOW = sh('2026-12-03T10:00');
const Q4 = periodRange('quarter', 2026, 4);

describe.each(['pglite', 'postgres'] as const)('organizational life on %s', (backend) => {
  let h: ServiceHarness;
  const node = (code: string) => h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } });
  const refusal = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

  /** A held session of `kind` in a branch, the secretary checked in; minutes with their 列席 when given. */
  async function held(kind: string, branchCode: string, startsAt: Date, observers?: string[]) {
    const p = h.db.prisma;
    const branch = await node(branchCode);
    const secretary = await p.member.findFirstOrThrow({ where: { branchId: branch.id }, orderBy: { employeeNo: 'asc' } });
    const k = await p.meetingKind.findUniqueOrThrow({ where: { code: kind } });
    const s = await p.meetingSession.create({ data: { kindId: k.id, orgNodeId: branch.id, topic: `${k.name}测试`, startsAt, checkinOpensAt: startsAt, checkinClosesAt: new Date(startsAt.getTime() + 7_200_000), createdById: secretary.id, status: 'HELD' } });
    await p.attendance.create({ data: { sessionId: s.id, memberId: secretary.id, status: 'PRESENT' } });
    if (observers) await p.minutes.create({ data: { sessionId: s.id, summary: '会议纪实', recordedById: secretary.id, observers } });
  }

  /** The engine's obligation of a yearly meeting item at a branch, and the branch's 完成情况 line for it. */
  async function standing(branchCode: string, itemCode: string, kindCode: string) {
    const branch = await node(branchCode);
    const r = await computeObligations(h.db.prisma as never, { rootId: branch.id, period: periodRange('year', 2026, 1), now: NOW, itemCodes: [itemCode] });
    const report = await computeCompliance(h.db.prisma as never, { orgNodeId: branch.id, period: Q4, now: NOW });
    const line = complianceCard({ ...report, items: report.items.filter((i) => i.kindCode === kindCode) }, Q4, '', TZ).markdown!;
    return { ob: r.obligations.find((o) => o.holder.node.id === branch.id)!, item: report.items.find((i) => i.kindCode === kindCode)!, line };
  }

  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
  });
  afterAll(() => h?.close());

  it('lets only the branch’s own managers enter and see 民主评议 results; the others see counts', async () => {
    const b2 = (await node('demo-branch-2')).id;
    const enter = async (code: string, name: string, result: string, notes?: string) => h.run(await h.member(code), NOW, (u) => enterReview(u, { branchId: b2, name, result, notes, timezone: TZ }));
    const before = await h.db.prisma.memberReview.count();
    expect(await refusal(enter('m205', '胡斌', 'EXCELLENT'))).toBe('errors.not_allowed'); // a member
    expect(await refusal(enter('m203', '胡斌', 'EXCELLENT'))).toBe('errors.not_allowed'); // 宣传委员: a 委员, not a manager
    expect(await refusal(enter('m101', '胡斌', 'EXCELLENT'))).toBe('errors.not_allowed'); // the 机关党委书记, above the branch
    expect(await refusal(enter('m201', '王建国', 'EXCELLENT'))).toBe('orglife.no_member'); // another branch's member
    expect(await refusal(enter('m201', '胡斌', 'GREAT'))).toBe('orglife.review_usage');
    expect(await h.db.prisma.memberReview.count()).toBe(before);

    const first = await enter('m201', '胡斌', 'EXCELLENT', '政治忠诚、政治担当表现突出');
    expect(first.result).toMatchObject({ member: { name: '胡斌' }, year: 2026, result: 'EXCELLENT', previous: null, counts: { done: 1, total: 10 } });
    expect(first.audits).toEqual([expect.objectContaining({ action: 'member_review.enter', entityType: 'MemberReview' })]);
    // A correction by the 组织委员: the latest wins, the first row stays, both audited.
    const fix = await enter('m202', '胡斌', 'QUALIFIED');
    expect(fix.result).toMatchObject({ result: 'QUALIFIED', previous: 'EXCELLENT', counts: { done: 1, total: 10 } });
    expect(fix.audits).toEqual([expect.objectContaining({ action: 'member_review.correct', detail: expect.objectContaining({ previous: 'EXCELLENT', result: 'QUALIFIED' }) })]);
    expect(await h.db.prisma.memberReview.count({ where: { branchId: b2 } })).toBe(2);

    const list = async (code: string) => (await h.run(await h.member(code), NOW, (u) => reviewsOf(u, { branchId: b2, timezone: TZ }))).result;
    const own = await list('m201');
    expect(own.members!.find((m) => m.name === '胡斌')).toEqual({ name: '胡斌', result: 'QUALIFIED', notes: null });
    expect(reviewListCard(own).markdown).toContain('· 胡斌：合格\n· 郭芳：未评议');
    // The 宣传委员 and the 机关党委书记: counts only, no name anywhere.
    for (const code of ['m203', 'm101']) {
      const r = await list(code);
      expect(r.members).toBeNull();
      expect(r.counts).toEqual({ done: 1, total: 10 });
      const shown = JSON.stringify(r) + JSON.stringify(reviewListCard(r));
      for (const m of DEMO_MEMBERS) expect(shown).not.toContain(m.name);
      expect(reviewListCard(r).markdown).toBe('第二党支部（规划处） · 2026年民主评议：已评议 1/10 人。');
    }
    expect(await refusal(list('m205'))).toBe('errors.not_allowed'); // a member sees no one's result
  });

  it('counts the 民主评议 only when the meeting is held and every member has a result, and says what is missing', async () => {
    const b2 = (await node('demo-branch-2')).id;
    await held('member_review', 'demo-branch-2', sh('2026-11-25T14:30'));
    const open = await standing('demo-branch-2', 'B-08', 'member_review');
    expect(open.ob).toMatchObject({ status: 'open', met: 1, missing: [{ kind: 'reviews', done: 1, total: 10 }] });
    expect(open.item.status).toBe('open');
    expect(open.line).toBe('⭕ 民主评议党员：已开 1 次，其他环节未完成（距2026年结束 28 天）\n　· 还缺：民主评议结果（已评议 1/10 人）');
    const secretary = await h.member('m201');
    const rest = await h.db.prisma.member.findMany({ where: { branchId: b2, active: true, name: { not: '胡斌' } }, select: { name: true } });
    for (const m of rest) await h.run(secretary, NOW, (u) => enterReview(u, { branchId: b2, name: m.name, result: 'QUALIFIED', timezone: TZ }));
    const done = await standing('demo-branch-2', 'B-08', 'member_review');
    expect(done.ob.status).toBe('done');
    expect(done.ob.missing).toEqual([]);
    expect(done.line).toBe('✅ 民主评议党员：应开 1 次，已开 1 次');
  });

  it('keeps the 组织生活会 open until its steps are done, names the missing ones, and shows the checklist', async () => {
    const b3 = (await node('demo-branch-3')).id;
    const mark = async (code: string, step: 'consult' | 'talks' | 'self_review' | 'rectify', text: string) => h.run(await h.member(code), NOW, (u) => markLifeStep(u, { branchId: b3, step, text, timezone: TZ }));
    expect(await refusal(mark('m305', 'consult', '已征求意见'))).toBe('errors.not_allowed');
    expect(await refusal(mark('m301', 'consult', ''))).toBe('orglife.step_no_evidence');

    await held('life_meeting', 'demo-branch-3', sh('2026-11-20T14:30'), ['王建国（机关党委）']);
    const before = await standing('demo-branch-3', 'B-07', 'life_meeting');
    expect(before.ob.status).toBe('open');
    expect(before.line).toBe('⭕ 组织生活会：已开 1 次，其他环节未完成（距2026年结束 28 天）\n　· 还缺：会前征求意见、会前谈心谈话、对照检查材料（0/10 人）、会后整改落实');
    // Also when the report is asked for 组织生活 only (no list duties in it).
    const filtered = await computeCompliance(h.db.prisma as never, { orgNodeId: b3, period: Q4, now: NOW, categories: ['组织生活'] });
    expect(filtered.items.find((i) => i.kindCode === 'life_meeting')).toMatchObject({ status: 'open', held: 1, missing: expect.arrayContaining([{ kind: 'step', step: 'rectify' }]) });

    const consult = await mark('m301', 'consult', '共收集意见12条 https://example.com/yijian');
    expect(consult.audits).toEqual([expect.objectContaining({ action: 'life_step.mark', entityType: 'LifeMeetingStep' })]);
    expect(await h.db.prisma.lifeMeetingStep.findFirstOrThrow({ where: { branchId: b3, step: 'consult' }, select: { evidence: true } })).toEqual({ evidence: [{ kind: 'link', url: 'https://example.com/yijian' }] });
    await mark('m301', 'talks', '会前谈心谈话已完成');
    const two = (await mark('m302', 'self_review', '郑凯、梁燕 材料已交')).result;
    expect(two.selfReview).toMatchObject({ done: 2, total: 10 });
    expect(two.selfReview.missingNames).toHaveLength(8);
    expect((await standing('demo-branch-3', 'B-07', 'life_meeting')).line).toBe('⭕ 组织生活会：已开 1 次，其他环节未完成（距2026年结束 28 天）\n　· 还缺：对照检查材料（2/10 人）、会后整改落实');
    // Seen from above: the same checklist without the names of those missing.
    const above = (await h.run(await h.member('m101'), NOW, (u) => lifeChecklist(u, { branchId: b3, timezone: TZ }))).result;
    expect(above.selfReview).toEqual({ done: 2, total: 10, missingNames: null });

    await mark('m301', 'self_review', '全体党员对照检查材料已交');
    const last = (await mark('m301', 'rectify', '整改清单见 https://example.com/zhenggai')).result;
    expect(last).toMatchObject({ status: 'done', missing: [] });
    expect(last.meetings).toEqual([{ at: sh('2026-11-20T14:30'), topic: '组织生活会测试', observers: ['王建国（机关党委）'] }]);
    const card = lifeChecklistCard(last, TZ).markdown!;
    expect(card).toContain('✅ 对照检查材料：10/10 人');
    expect(card).toContain('✅ 召开组织生活会：11月20日 14:30「组织生活会测试」\n　· 列席：王建国（机关党委）\n✅ 会后整改落实：');
    expect(card).toContain('各环节均已完成。');
    const after = await standing('demo-branch-3', 'B-07', 'life_meeting');
    expect(after.ob.status).toBe('done');
    expect(after.line).toBe('✅ 组织生活会：应开 1 次，已开 1 次');
  });

  it('shows a 委员 their 谈心谈话 pairs in 我还有哪些没完成, each with the other 委员', async () => {
    const due = (await h.run(await h.member('m103'), NOW, (u) => memberDue(u, { timezone: TZ, lateCheckinDays: 7 }))).result;
    expect(due.duties.filter((d) => d.code === 'B-09').map((d) => d.with)).toEqual(['王建国', '李秀英', '刘洋']);
    expect(memberDueCard(presenters.env(NOW), due).markdown).toContain('· B-09 开展谈心谈话：支部委员之间、支部委员和党员之间、党员和党员之间（与刘洋）：2026年应完成 1 次，已完成 0 次');
  });

  it('reminds both 委员 of a pair not yet met near the year’s end, each naming the other', async () => {
    const r = await h.run(h.system, sh('2026-12-29T09:00'), (u) => memberReminders(u, { timezone: TZ, atRiskDays: 3 }));
    const m103 = (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm103' } })).id;
    const note = r.intents.find((i): i is NotifyIntent => i.type === 'notify' && 'member' in i.to && i.to.member === m103)!;
    const data = note.data as unknown as MemberReminderData;
    expect(data.items.filter((i) => i.code === 'B-09').map((i) => i.with)).toEqual(['王建国', '李秀英', '刘洋']);
    expect(memberReminderText(data)).toContain('· B-09 开展谈心谈话：支部委员之间、支部委员和党员之间、党员和党员之间（与王建国）（2026年，还剩 2 天）');
  });

  it('tells the 机关党委 about missed 谈心谈话 as counts, never naming a pair', async () => {
    const sent = await h.run(h.system, sh('2027-01-04T09:00'), (u) => escalate(u, { period: Q4, timezone: TZ, only: 'missed' }));
    const organ = await node('demo-organ');
    const note = sent.intents.find((i): i is NotifyIntent => i.type === 'notify' && i.key.startsWith(`escalation:${organ.id}`))!;
    const data = note.data as unknown as EscalationData;
    const talks = data.nodes.find((n) => n.name === '第一党支部（办公室）')!.items.find((i) => i.code === 'B-09');
    expect(talks).toMatchObject({ count: 12, perPerson: true }); // 6 委员 pairs and 6 members, none recorded
    for (const m of DEMO_MEMBERS) expect(JSON.stringify(data)).not.toContain(m.name);
  });
});
