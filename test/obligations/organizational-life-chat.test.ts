// 民主评议 and 组织生活会 in the chat, on real PostgreSQL and Redis through the console platform: a result is
// refused in a group and entered in a direct chat, the list goes privately to the secretary and is
// refused to a member; a 组织生活会 step marked in the branch group answers with the checklist.
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { ConsoleEvent } from '../../src/platforms/console/hub.js';
import { ChatDriver, demoChatFor, direct, group } from '../helpers/chat.js';

// Thursday 3 December 2026, 10:00 in Shanghai.
const NOW = new Date('2026-12-03T02:00:00Z');
const textOf = (e: ConsoleEvent): string | undefined => (e.type === 'message' ? e.text : undefined);

let app: App;
let chat: ChatDriver;
demoChatFor(NOW, (a, c) => ((app = a), (chat = c)));

describe('民主评议 in the chat', () => {
  it('keeps results out of groups, enters them in a direct chat, and lists them to the secretary only', async () => {
    await chat.say('m201', group(2), '民主评议 胡斌 优秀');
    await chat.waitFor(group(2), (x) => textOf(x) === '民主评议结果只有本支部书记、副书记、组织委员可以看到，请在和我的私聊中登记。');
    expect(await app.db.prisma.memberReview.count()).toBe(0);

    await chat.say('m201', direct('m201'), '民主评议 胡斌 优秀 政治担当表现突出');
    await chat.waitFor(direct('m201'), (x) => textOf(x) === '已登记 胡斌 2026年民主评议结果：优秀。已评议 1/10 人。');
    expect(await app.db.prisma.auditLog.count({ where: { action: 'member_review.enter' } })).toBe(1);
    // Several at once; a name not in the branch changes nothing.
    await chat.say('m201', direct('m201'), '民主评议 郭芳、何勇 合格');
    await chat.waitFor(direct('m201'), (x) => textOf(x) === '已登记 2 人 2026年民主评议结果：合格（郭芳、何勇）。已评议 3/10 人。');
    await chat.say('m201', direct('m201'), '民主评议 高雪、王建国 合格');
    await chat.waitFor(direct('m201'), (x) => textOf(x) === '本支部没有找到「王建国」，请写在册党员的姓名。');
    expect(await app.db.prisma.memberReview.count()).toBe(3);

    chat.watch(direct('m201'));
    await chat.say('m201', group(2), '民主评议情况');
    await chat.waitFor(group(2), (x) => textOf(x) === '民主评议结果已私信发给您。');
    const { card } = await chat.waitForCard(direct('m201'), '2026年民主评议党员结果');
    expect(card.markdown).toContain('· 胡斌：优秀（政治担当表现突出）');

    await chat.say('m205', direct('m205'), '民主评议情况');
    const refused = await chat.waitFor(direct('m205'), (x) => !!textOf(x)?.includes('民主评议结果'));
    expect(textOf(refused)).toMatch(/^只有.+才能查看或登记本支部的民主评议结果。$/);

    // Each member sees their own result, privately, and nobody else's.
    await chat.say('m205', direct('m205'), '我的民主评议');
    await chat.waitFor(direct('m205'), (x) => textOf(x) === '您2026年的民主评议结果：优秀（政治担当表现突出）。如有疑问，请与支部书记沟通。');
    await chat.say('m206', group(2), '我的民主评议');
    await chat.waitFor(group(2), (x) => textOf(x) === '民主评议结果只发给您本人，请在和我的私聊中发「我的民主评议」。');
    await chat.say('m208', direct('m208'), '我的民主评议结果');
    await chat.waitFor(direct('m208'), (x) => textOf(x) === '您2026年的民主评议结果还没有登记，支部登记后可以在这里查看。');
  });
});

describe('组织生活会 in the chat', () => {
  it('marks a step from the branch group and answers with the checklist; a member cannot', async () => {
    await chat.say('m301', group(3), '组织生活会 征求意见 已完成 共收集意见12条 https://example.com/yj');
    const { card } = await chat.waitForCard(group(3), '2026年组织生活会');
    expect(card.markdown).toMatch(/^✅ 会前征求意见：12月3日 10:00 共收集意见12条 https:\/\/example\.com\/yj\n⭕ 会前谈心谈话：未完成/);
    expect(card.markdown).toContain('⭕ 召开组织生活会：未召开');
    expect(card.markdown).toContain('⭕ 对照检查材料：0/10 人\n'); // who has none yet: not in the group
    expect(card.markdown).not.toContain('还没有');
    await chat.say('m301', direct('m301'), '组织生活会情况');
    const own = await chat.waitForCard(direct('m301'), '2026年组织生活会');
    expect(own.card.markdown).toContain('　· 还没有：郑凯、梁燕、谢鹏');

    await chat.say('m305', group(3), '组织生活会 整改落实 已完成 整改清单已报');
    const refused = await chat.waitFor(group(3), (x) => !!textOf(x)?.includes('才能'));
    expect(textOf(refused)).toContain('登记组织生活会的环节');
    expect(await app.db.prisma.lifeMeetingStep.count()).toBe(1);
  });
});
