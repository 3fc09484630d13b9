// Task prompts as services on the demo organ (PGlite, no chat layer, no queue): a 机关党委 post's
// 工作提示 fans out to every branch chat under their 机关党委, a plain member is refused, the
// delivery report counts what happened to each message, and a scheduled prompt is filled in per branch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { broadcastToBranches, fireScheduledPrompt, PROMPT_VIEWS, promptReport, sendPrompt } from '../../src/services/prompts.js';
import { DomainError, type Intent, type NotifyIntent } from '../../src/services/kernel.js';
import { parseTemplate } from '../../src/domain/prompts/templates.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';
import { insertOutboxIds } from '../../src/outbox/store.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const presenters = buildPresenters({ tokens: new TokenSigner('t'.repeat(64)), timezone: 'Asia/Shanghai', publicUrl: 'http://localhost' });
let h: ServiceHarness;
const chats = new Map<string, string>(); // chat row id → console chat id (branch-1 …)
let organId: string;

beforeAll(async () => {
  h = await ServiceHarness.open();
  for (const c of await h.db.prisma.chat.findMany({ select: { id: true, platformChatId: true } })) chats.set(c.id, c.platformChatId);
  organId = (await h.db.prisma.orgNode.findFirstOrThrow({ where: { kind: 'ORGAN_COMMITTEE' } })).id;
});
afterAll(() => h?.close());

const notes = (intents: Intent[]) => intents.filter((i): i is NotifyIntent => i.type === 'notify');
const chatsOf = (intents: Intent[]) => notes(intents).map((n) => ('chat' in n.to ? chats.get(n.to.chat) : null)).sort();
const refusal = (p: Promise<unknown>) => p.then(() => 'sent', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

describe('工作提示', () => {
  it('goes from the 机关党委书记 to every branch chat under the 机关党委, as a card with the broadcast id', async () => {
    const r = await h.run(await h.member('m101'), sh('2026-11-02T10:00'), (u) => sendPrompt(u, { text: '  请各支部于本周五前报送主题党日计划。 ', ref: 'CONSOLE:e1' }));
    expect(r.result.chats).toBe(3);
    expect(chatsOf(r.intents)).toEqual(['branch-1', 'branch-2', 'branch-3']);
    const n = notes(r.intents)[0]!;
    expect(n).toMatchObject({ view: PROMPT_VIEWS.adhoc, category: 'prompt', broadcastId: r.result.broadcastId, key: expect.stringMatching(`^prompt:${r.result.broadcastId}:`) });
    expect(presenters.body(n, sh('2026-11-02T10:00'))).toEqual({ kind: 'card', card: { title: '工作提示', tone: 'blue', markdown: '请各支部于本周五前报送主题党日计划。', footer: '来自机关党委 · 支部助手' } });
    expect(r.audits).toEqual([{ action: 'prompt.broadcast', entityType: 'PromptBroadcast', entityId: r.result.broadcastId, detail: { chats: 3 } }]);
    const b = await h.db.prisma.promptBroadcast.findUniqueOrThrow({ where: { id: r.result.broadcastId }, include: { prompt: true } });
    expect(b).toMatchObject({ periodKey: 'CONSOLE:e1', text: '请各支部于本周五前报送主题党日计划。', prompt: { templateId: 'adhoc', createdById: expect.any(String) } });
  });

  it('may be sent by a 机关党委委员 too, but not by a plain member; empty or overlong text is refused', async () => {
    const before = await h.db.prisma.promptBroadcast.count();
    expect(await refusal(h.run(await h.member('m103'), new Date(), (u) => sendPrompt(u, { text: '请报送学习计划' })))).toBe('prompts.not_allowed');
    expect(await refusal(h.run(await h.member('m102'), new Date(), (u) => sendPrompt(u, { text: '请报送学习计划' })))).toBe('prompts.not_allowed');
    expect(await refusal(h.run(await h.member('m101'), new Date(), (u) => sendPrompt(u, { text: '   ' })))).toBe('prompts.usage');
    expect(await refusal(h.run(await h.member('m101'), new Date(), (u) => sendPrompt(u, { text: '字'.repeat(1501) })))).toBe('prompts.too_long');
    expect(await h.db.prisma.promptBroadcast.count()).toBe(before);
    const committee = await h.run(await h.member('m201'), new Date(), (u) => sendPrompt(u, { text: '请报送学习计划' }));
    expect(committee.result.chats).toBe(3);
  });

  it('is sent by the system for the 机关党委 it names, and refused without one', async () => {
    expect(await refusal(h.run(h.system, new Date(), (u) => sendPrompt(u, { text: '请报送学习计划' })))).toBe('prompts.no_organ');
    const r = await h.run(h.system, new Date(), (u) => sendPrompt(u, { text: '请报送学习计划', organId }));
    expect(chatsOf(r.intents)).toEqual(['branch-1', 'branch-2', 'branch-3']);
    // Operator tools pick the branches themselves; only the system may.
    const branch2 = await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-2' } });
    const picked = await h.run(h.system, new Date(), (u) => broadcastToBranches(u, { text: '只发二支部', branchIds: [branch2.id], ref: 'cli:1' }));
    expect(chatsOf(picked.intents)).toEqual(['branch-2']);
    expect(picked.audits).toEqual([]);
    expect(await refusal(h.run(await h.member('m101'), new Date(), (u) => broadcastToBranches(u, { text: 'x', branchIds: [branch2.id], ref: 'x' })))).toBe('prompts.not_allowed');
  });

  it('reports to its sender how many messages were sent, failed and are pending', async () => {
    const m301 = await h.member('m301');
    expect((await h.run(m301, new Date(), (u) => promptReport(u))).result).toBeNull();
    const sent = await h.run(m301, sh('2026-11-03T10:00'), (u) => sendPrompt(u, { text: '请各支部做好年终总结准备工作，按时报送材料。' }));
    const { outbox } = await presenters.outbound(h.db.prisma as never, sent.intents, sh('2026-11-03T10:00'));
    const ids = await insertOutboxIds(h.db.prisma, outbox);
    await h.db.prisma.outboxMessage.update({ where: { id: ids[0] }, data: { status: 'SENT' } });
    await h.db.prisma.outboxMessage.update({ where: { id: ids[1] }, data: { status: 'DEAD', lastError: '429' } });
    const r = await h.run(m301, new Date(), (u) => promptReport(u));
    expect(r.result).toMatchObject({ broadcastId: sent.result.broadcastId, text: '请各支部做好年终总结准备工作，按时报送材料。', counts: { total: 3, sent: 1, failed: 1, pending: 1 } });
    expect(await refusal(h.run(await h.member('m103'), new Date(), (u) => promptReport(u)))).toBe('prompts.not_allowed');
    expect((await h.run(h.system, new Date(), (u) => promptReport(u, { broadcastId: sent.result.broadcastId }))).result?.counts.total).toBe(3);
  });
});

describe('scheduled prompts', () => {
  const template = parseTemplate(`---
id: test-plan
title: 下月主题党日安排提示
schedule: monthly on the 25th at 09:00
audience: { orgKinds: [BRANCH] }
variables: [branch, nextMonth, themeDayPlans]
---
**{{branch}}**：请确定{{nextMonth}}主题党日安排。
{{themeDayPlans}}`);

  it('go to every chat of the audience, filled in per branch, once per day', async () => {
    const prompt = await h.db.prisma.taskPrompt.create({ data: { templateId: template.id, title: template.title, schedule: template.cron, audience: template.audience } });
    const fire = (now: Date) => h.run(h.system, now, (u) => fireScheduledPrompt(u, { promptId: prompt.id, templates: [template], timezone: 'Asia/Shanghai' }));
    const first = await fire(sh('2026-11-25T09:00'));
    expect(first.result.chats).toBe(3);
    expect(chatsOf(first.intents)).toEqual(['branch-1', 'branch-2', 'branch-3']);
    const bodies = notes(first.intents).map((n) => presenters.body(n, sh('2026-11-25T09:00')));
    expect(bodies.map((b) => (b.kind === 'card' ? b.card.markdown : '')).sort()[0]).toMatch(/^\*\*第一党支部（.+）\*\*：请确定2026年12月主题党日安排。\n· 尚未安排$/);
    expect((await fire(sh('2026-11-25T15:00'))).result).toEqual({ broadcastId: null, chats: 0 });
    await h.db.prisma.taskPrompt.update({ where: { id: prompt.id }, data: { enabled: false } });
    expect((await fire(sh('2026-11-26T09:00'))).result.broadcastId).toBeNull();
  });
});
