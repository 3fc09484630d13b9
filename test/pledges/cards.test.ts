// The pledge presenters on service results (no chat layer): the invitation card, and review cards
// sent earlier that change after the member edits (replaced) or a reviewer decides (every copy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Intent } from '../../src/services/kernel.js';
import { reviewPledge, startCampaign, submitPledge } from '../../src/services/pledges.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';
import { insertOutboxIds } from '../../src/outbox/store.js';
import type { Card } from '../../src/chat/card.js';
import { ServiceHarness } from '../helpers/services.js';

const NY = 'America/New_York';
const NOW = new Date('2027-01-10T16:00:00Z');
let h: ServiceHarness;
const presenters = buildPresenters({ tokens: new TokenSigner('cards-test-secret'), timezone: NY, publicUrl: 'http://zhibu.test' });

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

/** Send what the intents ask for (outbox rows), as the chat core would. */
const send = (intents: Intent[]) => h.db.transaction(async (scope) => insertOutboxIds(scope.sql, (await presenters.outbound(scope.tx, intents, NOW)).outbox));
const render = (card: string, key: string) => h.db.transaction(async (scope) => (await presenters.cardsRenderer(card)(scope.sql, [key], presenters.env(NOW)))[0] ?? null);

describe('pledge cards', () => {
  it('invites with the deadline in the configured zone, then shows replaced and decided review cards', async () => {
    const b1 = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    const m101 = await h.member('m101');
    const start = await h.run(m101, NOW, (u) => startCampaign(u, { nodeId: b1, text: '年度承诺 截止 2027年1月31日', tz: NY }));
    const invite = presenters.body(start.intents.find((i) => i.type === 'notify')! as never, NOW);
    expect(invite.kind === 'card' && invite.card.fields?.find((f) => f.label === '截止时间')?.value).toBe('2027年1月31日 23:59');
    await send(start.intents);

    const m103 = await h.member('m103');
    const pledge = await h.db.prisma.pledge.findFirstOrThrow({ where: { campaignId: start.result.campaign.id, member: { employeeNo: 'm103' } } });
    const first = await h.run(m103, NOW, (u) => submitPledge(u, { pledgeId: pledge.id, form: { category1: '学习提升', content1: '第一稿' }, tz: NY }));
    await send(first.intents);
    const reviewer = m101.kind === 'member' ? m101.member.id : '';
    const v1 = `pledge:review:${pledge.id}:v1:${reviewer}`;
    expect(await render('pledge.review', v1)).toBeNull(); // still waiting

    const second = await h.run(m103, NOW, (u) => submitPledge(u, { pledgeId: pledge.id, form: { category1: '学习提升', content1: '第二稿' }, tz: NY }));
    expect(second.intents).toContainEqual({ type: 'refresh', card: 'pledge.review', id: v1 });
    await send(second.intents);
    const replaced = await render('pledge.review', v1);
    expect(replaced).toMatchObject({ dedupeKey: `${v1}:update:superseded`, to: { target: 'm101', targetKind: 'DIRECT' }, body: { kind: 'card_update', ofKey: v1 } });
    expect((replaced!.body as { card: Card }).card.title).toBe('承诺审核：张伟（已更新）');

    await h.run(m101, NOW, (u) => reviewPledge(u, { pledgeId: pledge.id, version: 2, approve: false, comment: '请具体些' }));
    const decided = await render('pledge.review', `pledge:review:${pledge.id}:v2:${reviewer}`);
    const card = (decided!.body as { card: Card }).card;
    expect([card.title, card.fields?.map((f) => f.value)]).toEqual(['已退回：张伟 的承诺', ['第二稿', '请具体些', '王建国']]);
  });
});
