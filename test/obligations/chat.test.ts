// Obligations in the chat, on real PostgreSQL and Redis through the console platform: 记录 by a member
// (党费 by name, with a link kept as evidence) and the refusal of a meeting item; the 工委's plan list
// from a direct chat to every chat, answered with [已收到] in a branch chat and reported back.
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { ConsoleEvent } from '../../src/platforms/console/hub.js';
import { button, ChatDriver, demoChatFor, direct, group } from '../helpers/chat.js';

// Thursday 3 December 2026, 10:00 in Shanghai.
const NOW = new Date('2026-12-03T02:00:00Z');
const textOf = (e: ConsoleEvent): string | undefined => (e.type === 'message' ? e.text : undefined);

let app: App;
let chat: ChatDriver;
demoChatFor(NOW, (a, c) => ((app = a), (chat = c)));

describe('记录 in the chat', () => {
  it('records a member’s 党费 with its link, and says where the month stands', async () => {
    await chat.say('m106', direct('m106'), '记录 党费 12月党费已交 https://pay.example/r/123');
    const e = await chat.waitFor(direct('m106'), (x) => !!textOf(x)?.startsWith('已记录'));
    expect(textOf(e)).toBe('已记录 B-10「按月交纳党费」（杨帆）。\n2026年12月：已完成 1/1 次，已达到要求。');
    const row = await app.db.prisma.dutyRecord.findFirstOrThrow({ where: { itemCode: 'B-10' } });
    expect(row.evidence).toEqual([{ kind: 'link', url: 'https://pay.example/r/123' }]);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'duty.record', entityId: row.id } })).toBe(1);
  });

  it('refuses to record a meeting, which is met by holding it', async () => {
    await chat.say('m101', group(1), '记录 B-01 已开过党员大会');
    const e = await chat.waitFor(group(1), (x) => !!textOf(x)?.includes('是会议'));
    expect(textOf(e)).toMatch(/^B-01「.+」是会议，召开会议并签到或填写纪实即可计入，不需要另外记录。$/);
  });
});

describe('the 工委’s plan list in the chat', () => {
  it('reaches every chat, takes [已收到] in a branch chat, and reports who answered', async () => {
    const p = app.db.prisma;
    const m110 = await p.member.findFirstOrThrow({ where: { employeeNo: 'm110' } });
    await p.post.create({ data: { memberId: m110.id, orgNodeId: (await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-committee' } })).id, title: 'WORK_COMMITTEE_STAFF' } });
    // Watch every chat before sending: the cards may arrive in any order, and a chat not yet watched records nothing.
    chat.watch(group(1));
    chat.watch({ kind: 'GROUP', id: 'unit' });
    await chat.say('m110', direct('m110'), '主题党日计划 1.学习贯彻全会精神 2.重温入党誓词');
    await chat.waitFor(direct('m110'), (x) => !!textOf(x)?.startsWith('已向 4 个机关党委群和支部群下发2027年1月的清单'));
    // Four cards go out one after another: allow for a busy machine.
    const { card } = await chat.waitForCard(group(1), '2027年1月主题党日计划清单', 15_000);
    await chat.waitForCard({ kind: 'GROUP', id: 'unit' }, '2027年1月主题党日计划清单', 15_000);
    await chat.click('m101', group(1), button(card, '已收到'));
    await chat.waitFor(group(1), (x) => textOf(x) === '第一党支部（办公室）：已收到。');
    await chat.say('m110', direct('m110'), '计划清单情况');
    const report = await chat.waitFor(direct('m110'), (x) => !!textOf(x)?.includes('主题党日计划清单：共 4 个组织'));
    expect(textOf(report)).toContain('已安排 0，已收到 1，未回复 3');
    expect(textOf(report)).toContain('已收到：第一党支部（办公室）');
  });
});
