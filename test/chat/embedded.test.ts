// The chat pipeline on the embedded default (PGlite for data and queue): the same SQL and the
// same BullMQ code path as on PostgreSQL and Redis.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { ChatDriver, button, direct, group } from '../helpers/chat.js';

let app: App;
let chat: ChatDriver;
let now = new Date();
beforeAll(async () => {
  app = await startTestApp({ DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { clock: () => now });
  chat = new ChatDriver(app);
});
afterAll(async () => {
  chat.close();
  await app.stop();
});

it('answers, dedupes and delivers on embedded PGlite', async () => {
  expect(app.db.kind).toBe('embedded');
  expect(app.queue.kind).toBe('embedded');
  await chat.say('m102', group(1), '帮助', 'embedded-evt-1');
  expect((await chat.say('m102', group(1), '帮助', 'embedded-evt-1')).status).toBe('duplicate');
  const { card } = await chat.waitForCard(group(1), '使用说明');
  expect(card.title).toBe('支部助手 · 使用说明');
  const row = await app.db.prisma.outboxMessage.findFirstOrThrow({ where: { target: 'branch-1' } });
  expect(row.status).toBe('SENT');
  expect(row.platformMessageId).toMatch(/^cm_/);
  expect(row.attempts).toBe(1);
});

it('runs a card action (请假 opens a private reason form) on embedded PGlite', async () => {
  await chat.say('m101', group(1), '通知 主题党日 明天下午2:30 三楼会议室 主题：学习党章');
  const notice = await chat.waitForCard(group(1), '主题党日');
  expect(notice.card.footer).toMatch(/已签到 0/);
  await chat.click('m103', group(1), button(notice.card, '请假'));
  await chat.waitFor(direct('m103'), (e) => e.type === 'message' && !!e.card);
});

it('checks a member in (the plain-SQL 签到) and updates the group card on embedded PGlite', async () => {
  now = new Date('2026-11-20T10:00:00+08:00');
  await chat.say('m201', group(2), '通知 主题党日 11月20日 14:30 二楼会议室 主题：学习党章');
  const notice = await chat.waitForCard(group(2), '主题党日');
  now = new Date('2026-11-20T14:35:00+08:00');
  const first = await chat.click('m202', group(2), button(notice.card, '签到'));
  expect(first.status === 'processed' && first.ack.toast?.type).toBe('success');
  const again = await chat.click('m202', group(2), button(notice.card, '签到'));
  expect(again.status === 'processed' && again.ack.toast?.type).toBe('info');
  await chat.waitFor(group(2), (e) => e.type === 'card_update' && e.messageId === notice.messageId && !!e.card.footer?.includes('已签到 1'));
  expect(await app.db.prisma.attendance.count({ where: { status: 'PRESENT' } })).toBe(1);
});
