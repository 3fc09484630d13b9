// The pledge services driven directly (no chat layer) on the demo organ: starting a campaign (its
// audience, DRAFT pledges and invitation intents), submit and review transitions with their coded
// errors, access refusals, and dates read in the configured zone (TIMEZONE) rather than Shanghai.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyIntent, Intent } from '../../src/services/kernel.js';
import { myPledges, reviewPledge, startCampaign, submitPledge } from '../../src/services/pledges.js';
import { myReportForms } from '../../src/services/pledges-fulfilment.js';
import { campaignStatus, remindCampaign } from '../../src/services/pledges-oversight.js';
import { ServiceHarness } from '../helpers/services.js';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';
let h: ServiceHarness;
const node = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;
const memberId = async (code: string) => (await h.db.prisma.member.findUniqueOrThrow({ where: { employeeNo: code } })).id;
const notes = (intents: Intent[]) => intents.filter((i): i is NotifyIntent => i.type === 'notify');
const pledgeOf = async (campaignId: string, code: string) => h.db.prisma.pledge.findUniqueOrThrow({ where: { campaignId_memberId: { campaignId, memberId: await memberId(code) } } });

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

const NOW = new Date('2027-01-10T02:00:00Z');
let campaignId: string;

describe('starting a campaign', () => {
  it('asks every active member of the branch: DRAFT pledges, an invitation intent each, an audit entry', async () => {
    const b1 = await node('demo-branch-1');
    const run = await h.run(await h.member('m101'), NOW, (u) => startCampaign(u, { nodeId: b1, text: '2027年度党员承诺践诺 截止 2027年1月31日 每人1-3条', tz: SH }));
    const c = run.result.campaign;
    campaignId = c.id;
    expect(run.result.asked).toBe(10);
    expect(run.result.unreachable).toEqual([]);
    expect(c.deadline.toISOString()).toBe('2027-01-31T15:59:59.999Z');
    expect(await h.db.prisma.pledge.count({ where: { campaignId: c.id, status: 'DRAFT' } })).toBe(10);
    const invites = notes(run.intents);
    expect(invites.length).toBe(10);
    expect(invites.every((i) => i.view === 'pledge.invite' && i.category === 'notice' && i.key.startsWith(`pledge:invite:${c.id}:`))).toBe(true);
    expect(invites.map((i) => ('member' in i.to ? i.to.member : '')).sort()).toEqual((await h.db.prisma.member.findMany({ where: { branchId: b1 }, select: { id: true } })).map((m) => m.id).sort());
    expect(run.audits).toMatchObject([{ action: 'pledge.campaign_start', entityId: c.id, detail: { asked: 10, via: 'cli' } }]);
  });

  it('names members nobody can message', async () => {
    const b3 = await node('demo-branch-3');
    await h.db.prisma.platformIdentity.deleteMany({ where: { member: { employeeNo: 'm309' } } });
    const run = await h.run(await h.member('m301'), NOW, (u) => startCampaign(u, { nodeId: b3, text: '第三支部承诺 截止 2027年2月1日', tz: SH }));
    expect(run.result.unreachable).toEqual(['邓洁']);
    expect(notes(run.intents).length).toBe(10); // the presenters drop the unreachable one when sending
  });

  it('refuses a member without a post, a secretary of another branch, and a unit-wide campaign without an organ post; nothing is written', async () => {
    const b1 = await node('demo-branch-1');
    const start = async (code: string, text: string) => h.run(await h.member(code), NOW, (u) => startCampaign(u, { nodeId: b1, text, tz: SH }));
    await expect(start('m103', '我的活动 截止 2027年3月1日')).rejects.toMatchObject({ code: 'errors.not_allowed', vars: { what: { key: 'commands.pledge.start.what' } } });
    await expect(start('m201', '别人的活动 截止 2027年3月1日')).rejects.toMatchObject({ code: 'errors.not_allowed' });
    await expect(start('m102', '全机关承诺 截止 2027年3月1日 全机关')).rejects.toMatchObject({ code: 'pledge.unit_not_allowed' });
    await expect(start('m101', '承诺活动 截止 2027年1月9日')).rejects.toMatchObject({ code: 'pledge.deadline_past', vars: { deadline: '2027年1月9日 23:59' } });
    expect(await h.db.prisma.pledgeCampaign.count({ where: { name: { in: ['我的活动', '别人的活动', '全机关承诺', '承诺活动'] } } })).toBe(0);
  });
});

describe('submit and review', () => {
  const form = { category1: '学习提升', content1: '每月精读一本理论著作' };

  it('submits: SUBMITTED, a review card intent to the branch secretary; the same text again changes nothing', async () => {
    const p = await pledgeOf(campaignId, 'm103');
    const run = await h.run(await h.member('m103'), NOW, (u) => submitPledge(u, { pledgeId: p.id, form, tz: SH }));
    expect(run.result).toMatchObject({ outcome: 'submitted', version: 1, late: false, editOfApproved: false, reviewersReached: true });
    expect((await pledgeOf(campaignId, 'm103')).status).toBe('SUBMITTED');
    const m101 = await memberId('m101');
    expect(notes(run.intents)).toMatchObject([{ view: 'pledge.review', to: { member: m101 }, key: `pledge:review:${p.id}:v1:${m101}`, category: 'approval' }]);
    const again = await h.run(await h.member('m103'), NOW, (u) => submitPledge(u, { pledgeId: p.id, form, tz: SH }));
    expect(again.result).toEqual({ outcome: 'unchanged' });
    expect(again.intents).toEqual([]);
  });

  it('refuses someone else’s pledge and items over the limit', async () => {
    const p = await pledgeOf(campaignId, 'm104');
    await expect(h.run(await h.member('m105'), NOW, (u) => submitPledge(u, { pledgeId: p.id, form, tz: SH }))).rejects.toMatchObject({ code: 'pledge.not_yours' });
    await expect(h.run(await h.member('m104'), NOW, (u) => submitPledge(u, { pledgeId: p.id, form: { category1: '其他', content1: '学'.repeat(201) }, tz: SH }))).rejects.toMatchObject({
      code: 'pledge.item_too_long',
      vars: { n: 1, length: 201, max: 200 },
    });
    expect((await pledgeOf(campaignId, 'm104')).status).toBe('DRAFT');
  });

  it('refuses a reviewer of another branch, the member themselves, a stale card; approves once', async () => {
    const p = await pledgeOf(campaignId, 'm103');
    const review = async (code: string, version: number) => h.run(await h.member(code), NOW, (u) => reviewPledge(u, { pledgeId: p.id, version, approve: true }));
    await expect(review('m201', 1)).rejects.toMatchObject({ code: 'errors.not_allowed', vars: { what: { key: 'pledge.what_review' } } });
    await expect(review('m103', 1)).rejects.toMatchObject({ code: 'errors.not_allowed' });
    await expect(review('m101', 0)).rejects.toMatchObject({ code: 'pledge.review_stale' });
    const ok = await review('m101', 1);
    expect(ok.result).toMatchObject({ approve: true, comment: null, member: { name: '张伟' } });
    expect((await pledgeOf(campaignId, 'm103')).status).toBe('APPROVED');
    expect(ok.intents).toContainEqual({ type: 'refresh', card: 'pledge.review', id: `pledge:review:${p.id}:v1:${await memberId('m101')}` });
    expect(notes(ok.intents)).toMatchObject([{ view: 'pledge.approved_notice', to: { member: p.memberId } }]);
    await expect(review('m101', 1)).rejects.toMatchObject({ code: 'pledge.review_not_pending' });
  });

  it('returns with a comment only; the member gets the form back', async () => {
    const p = await pledgeOf(campaignId, 'm104');
    await h.run(await h.member('m104'), NOW, (u) => submitPledge(u, { pledgeId: p.id, form, tz: SH }));
    const ret = (comment: string) => h.member('m101').then((m) => h.run(m, NOW, (u) => reviewPledge(u, { pledgeId: p.id, version: 1, approve: false, comment })));
    await expect(ret('  ')).rejects.toMatchObject({ code: 'pledge.comment_missing' });
    const r = await ret('请写明具体措施');
    expect((await pledgeOf(campaignId, 'm104')).status).toBe('RETURNED');
    expect(notes(r.intents)).toMatchObject([{ view: 'pledge.returned', data: { comment: '请写明具体措施' } }]);
    const mine = await h.run(await h.member('m104'), NOW, (u) => myPledges(u, { tz: SH }));
    expect(mine.result[0]).toMatchObject({ editable: true, comment: '请写明具体措施', pledge: { status: 'RETURNED' } });
  });

  it('shows status to the branch secretary and refuses a member; reminds once a day', async () => {
    const b1 = await node('demo-branch-1');
    const s = await h.run(await h.member('m101'), NOW, (u) => campaignStatus(u, { nodeId: b1, tz: SH }));
    expect(s.result.tally.byStatus.APPROVED.map((x) => x.name)).toEqual(['张伟']);
    expect(s.result.tally.byStatus.RETURNED.map((x) => x.name)).toEqual(['刘洋']);
    await expect(h.run(await h.member('m108'), NOW, (u) => campaignStatus(u, { nodeId: b1, tz: SH }))).rejects.toMatchObject({ code: 'errors.not_allowed', vars: { what: { key: 'commands.pledge.status.what' } } });
    const r = await h.run(await h.member('m101'), NOW, (u) => remindCampaign(u, { nodeId: b1, tz: SH }));
    expect(r.result).toMatchObject({ sent: 9, skipped: 0 }); // 8 not submitted, m104 returned
    expect(notes(r.intents).every((i) => i.category === 'reminder' && i.key.endsWith(':20270110'))).toBe(true);
  });
});

describe('TIMEZONE', () => {
  it('reads deadlines, periods and reminder days in the configured zone, not Shanghai', async () => {
    const b2 = await node('demo-branch-2');
    const now = new Date('2027-01-10T16:30:00Z'); // 11:30 on 10 January in New York, already 11 January in Shanghai
    const run = await h.run(await h.member('m201'), now, (u) => startCampaign(u, { nodeId: b2, text: '第二支部承诺 截止 2027年1月31日 每季度汇报', tz: NY }));
    const c = run.result.campaign;
    expect(c.deadline.toISOString()).toBe('2027-02-01T04:59:59.999Z'); // 23:59:59.999 EST
    expect(c.reportUntil!.toISOString()).toBe('2028-01-29T04:59:59.999Z'); // a year on, 28 January 23:59:59.999 EST

    const r = await h.run(await h.member('m201'), now, (u) => remindCampaign(u, { nodeId: b2, tz: NY }));
    expect(notes(r.intents).every((i) => i.key.endsWith(':20270110'))).toBe(true);

    // m202 submits in time; after the deadline a late first submission is refused, dated in New York.
    const p = await pledgeOf(c.id, 'm202');
    await h.run(await h.member('m202'), now, (u) => submitPledge(u, { pledgeId: p.id, form: { category1: '其他', content1: '按时完成规划评估' }, tz: NY }));
    await h.run(await h.member('m201'), now, (u) => reviewPledge(u, { pledgeId: p.id, version: 1, approve: true }));
    const late = await pledgeOf(c.id, 'm203');
    const after = new Date('2027-02-01T06:00:00Z');
    await expect(h.run(await h.member('m203'), after, (u) => submitPledge(u, { pledgeId: late.id, form: { category1: '其他', content1: '迟到' }, tz: NY }))).rejects.toMatchObject({
      code: 'pledge.deadline_passed',
      vars: { deadline: '2027年1月31日 23:59' },
    });

    // 31 March 23:30 in New York is still Q1 there (Q2 has begun in Shanghai).
    const endOfQ1 = new Date('2027-04-01T03:30:00Z');
    const inNy = await h.run(await h.member('m202'), endOfQ1, (u) => myReportForms(u, { tz: NY }));
    expect(inNy.result.map((f) => [f.period.key, f.period.start.toISOString()])).toEqual([['2027Q1', '2027-01-01T05:00:00.000Z']]);
    const inSh = await h.run(await h.member('m202'), endOfQ1, (u) => myReportForms(u, { tz: SH }));
    expect(inSh.result.map((f) => f.period.key)).toEqual(['2027Q2']);
  });
});
