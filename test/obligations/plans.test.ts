// The 工委's plan lists on PGlite and PostgreSQL: a 工委 post issues next month's 主题党日 plan list to every
// 机关党委 and branch chat under it; each chat's card has [已收到] [已安排]; the 工委 sees who has answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { ackPlan, issuePlan, planReport, PLAN_VIEWS, type PlanCardData } from '../../src/services/plans.js';
import { planReportText, PLAN_ACK_ACTION } from '../../src/chat/presenters/plans.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';
import { DomainError, type NotifyIntent } from '../../src/services/kernel.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';
const tokens = new TokenSigner('p'.repeat(64));
const presenters = buildPresenters({ tokens, timezone: TZ, publicUrl: 'http://localhost' });

describe.each(['pglite', 'postgres'] as const)('plan lists on %s', (backend) => {
  let h: ServiceHarness;
  const node = (code: string) => h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } });
  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
    // 吴敏 (m110) works for the 工委.
    const m110 = await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm110' } });
    await h.db.prisma.post.create({ data: { memberId: m110.id, orgNodeId: (await node('demo-committee')).id, title: 'WORK_COMMITTEE_STAFF' } });
  });
  afterAll(() => h?.close());

  const refusal = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as DomainError).code;

  it('reaches every 机关党委 and branch chat once, and the 工委 sees who pressed [已收到] and [已安排]', async () => {
    const now = sh('2026-12-03T10:00');
    const staff = await h.member('m110');
    const { result, intents, audits } = await h.run(staff, now, (u) => issuePlan(u, { kind: 'theme_day', text: '1. 学习贯彻全会精神\n2. 重温入党誓词', timezone: TZ }));
    expect(result).toMatchObject({ chats: 4, period: '2027年1月' });
    expect(audits).toEqual([expect.objectContaining({ action: 'plan.issue' })]);
    const notes = intents.filter((i): i is NotifyIntent => i.type === 'notify');
    const chats = await h.db.prisma.chat.findMany({ where: { kind: 'GROUP' }, select: { id: true } });
    expect(notes.map((n) => ('chat' in n.to ? n.to.chat : '')).sort()).toEqual(chats.map((c) => c.id).sort());
    expect(new Set(notes.map((n) => n.key)).size).toBe(4);
    expect(notes.every((n) => n.view === PLAN_VIEWS.card && n.broadcastId === result.broadcastId)).toBe(true);

    // The card: title, text, the two buttons, each carrying the plan and the chat's node.
    const branch2 = await node('demo-branch-2');
    const toBranch2 = notes.find((n) => (n.data as unknown as PlanCardData).nodeId === branch2.id)!;
    const body = presenters.body(toBranch2, now);
    if (body.kind !== 'card') throw new Error('a card');
    expect(body.card.title).toBe('2027年1月主题党日计划清单');
    expect(body.card.markdown).toContain('重温入党誓词');
    expect(body.card.buttons!.map((b) => b.label)).toEqual(['已收到', '已安排']);
    const claims = tokens.verify(body.card.buttons![1]!.token, now);
    expect(claims).toMatchObject({ ok: true, claims: { action: PLAN_ACK_ACTION, target: `${result.broadcastId}\n${branch2.id}\nARRANGED` } });

    // Branch 2's secretary: 已安排; the 机关党委 secretary: 已收到 for the 机关党委; a plain member may not answer.
    const organ = await node('demo-organ');
    const ack = async (code: string, nodeId: string, state: 'RECEIVED' | 'ARRANGED') => h.run(await h.member(code), now, (u) => ackPlan(u, { broadcastId: result.broadcastId, nodeId, state }));
    expect((await ack('m201', branch2.id, 'ARRANGED')).result).toEqual({ node: '第二党支部（规划处）', state: 'ARRANGED', already: false });
    expect((await ack('m201', branch2.id, 'ARRANGED')).result.already).toBe(true);
    expect((await ack('m101', organ.id, 'RECEIVED')).audits).toHaveLength(1);
    expect(await refusal(ack('m305', (await node('demo-branch-3')).id, 'RECEIVED'))).toBe('errors.not_allowed');

    const report = (await h.run(staff, now, (u) => planReport(u))).result!;
    expect(report.counts).toEqual({ total: 4, received: 1, arranged: 1, none: 2 });
    const text = planReportText(report);
    expect(text).toContain('2027年1月主题党日计划清单：共 4 个组织，已安排 1，已收到 1，未回复 2。');
    expect(text).toContain('已安排：第二党支部（规划处）');
    expect(text).toContain('已收到：示例市发展和改革委员会机关党委');
    expect(text).toContain('未回复：第一党支部（办公室）、第三党支部（综合处）');
  });

  it('is issued only by a 工委 post, and refuses an empty list', async () => {
    const now = sh('2026-12-03T10:00');
    expect(await refusal(h.run(await h.member('m101'), now, (u) => issuePlan(u, { kind: 'quarter', text: '召开组织生活会', timezone: TZ })))).toBe('plans.not_allowed');
    expect(await refusal(h.run(await h.member('m110'), now, (u) => issuePlan(u, { kind: 'quarter', text: '  ', timezone: TZ })))).toBe('plans.usage_quarter');
    expect(await refusal(h.run(await h.member('m101'), now, (u) => planReport(u)))).toBe('plans.not_allowed');
    const q = await h.run(await h.member('m110'), now, (u) => issuePlan(u, { kind: 'quarter', text: '本季度召开组织生活会，会前开展谈心谈话', timezone: TZ }));
    expect(q.result.period).toBe('2026年第四季度');
  });
});
