// The chat core on real PostgreSQL and Redis: routing, help, limits, tokens, dedupe, roles, binding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ChatCore } from '../../src/chat/core.js';
import { Router } from '../../src/chat/router.js';
import { UserError } from '../../src/chat/context.js';
import { createLogger } from '../../src/log.js';
import { can } from '../../src/access/index.js';
import type { InboundAction, QueuedOutbox } from '../../src/chat/types.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { ChatDriver, direct, group } from '../helpers/chat.js';

let app: App;
let chat: ChatDriver;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await freshPostgres({ migrated: false });
  drop = db.drop;
  app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' });
  chat = new ChatDriver(app);
});
afterAll(async () => {
  chat.close();
  await app.stop();
  await drop();
});

const eventsDone = () => app.db.prisma.inboundEvent.count({ where: { status: 'DONE' } });

describe('routing and replies', () => {
  it('answers 帮助 with the help card, in a group and directly', async () => {
    await chat.say('m102', group(1), '@支部助手 帮助');
    const { card } = await chat.waitForCard(group(1), '使用说明');
    expect(card.markdown).toContain('**签到**');
    await chat.say('m102', direct('m102'), '帮助');
    await chat.waitForCard(direct('m102'), '使用说明');
  });

  it('answers an unknown command with the help card naming what it did not understand', async () => {
    await chat.say('m103', direct('m103'), '帮我订一张去北京的机票');
    const { card } = await chat.waitForCard(direct('m103'), '使用说明');
    expect(card.markdown).toMatch(/^没有听懂「帮我订一张去北京的机票」/);
  });

  it('refuses text over the limit with a clear error and records nothing else', async () => {
    const outboxBefore = await app.db.prisma.outboxMessage.count();
    const r = await chat.say('m104', direct('m104'), '长'.repeat(2001));
    expect(r.status).toBe('processed');
    await chat.waitFor(direct('m104'), (e) => e.type === 'message' && e.text === '消息太长了（2001 字），请控制在 2000 字以内。');
    expect(await app.db.prisma.outboxMessage.count()).toBe(outboxBefore + 1); // the error reply only
  });

  it('tells an unbound user how to bind', async () => {
    await chat.say('stranger-1', direct('stranger-1'), '签到');
    await chat.waitFor(direct('stranger-1'), (e) => e.type === 'message' && !!e.text?.startsWith('您还没有绑定党员身份。请向支部书记索取绑定码'));
  });

  it('processes the same event id once', async () => {
    const before = await app.db.prisma.outboxMessage.count();
    const first = await chat.say('m105', direct('m105'), '帮助', 'evt-dup-1');
    const second = await chat.say('m105', direct('m105'), '帮助', 'evt-dup-1');
    expect(first.status).toBe('processed');
    expect(second.status).toBe('duplicate');
    expect(await app.db.prisma.outboxMessage.count()).toBe(before + 1);
    expect(await app.db.prisma.inboundEvent.count({ where: { eventId: 'evt-dup-1' } })).toBe(1);
  });

  it('rejects a malformed event without touching the database', async () => {
    const before = await app.db.prisma.inboundEvent.count();
    const r = await app.core.handle({ kind: 'message', platform: 'CONSOLE', eventId: '', chat: { id: 'x', kind: 'GROUP' }, user: { id: 'u' }, text: 'hi' });
    expect(r.status).toBe('invalid');
    expect(await app.db.prisma.inboundEvent.count()).toBe(before);
  });
});

describe('card tokens', () => {
  // A core with one state-changing action, sharing the app's database and signer.
  let core: ChatCore;
  let branchId: string;
  beforeAll(async () => {
    const router = new Router().action('test.rename', async (ctx, claims) => {
      if (!(await can(ctx.tx, ctx.unit.principal, 'branch.manage', claims.target))) throw new UserError('只有本支部的书记或组织委员才能改名。');
      await ctx.tx.orgNode.update({ where: { id: claims.target }, data: { name: '改名后的支部' } });
      ctx.audit({ action: 'org.rename', entityType: 'OrgNode', entityId: claims.target });
      ctx.toast('success', '已改名');
    });
    core = new ChatCore(app.db, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
    branchId = (await app.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-2' } })).id;
  });

  const click = (user: string, token: string, eventId: string = crypto.randomUUID()) =>
    core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId, chat: group(2), user: { id: user }, token });
  const name = async () => (await app.db.prisma.orgNode.findUniqueOrThrow({ where: { id: branchId } })).name;

  it('refuses a forged token and changes nothing', async () => {
    const good = app.tokens.sign({ action: 'test.rename', target: branchId }, 600);
    const forged = good.slice(0, -2) + (good.endsWith('A') ? 'BB' : 'AA');
    const r = await click('m201', forged);
    expect(r.status === 'processed' && r.ack.toast).toEqual({ type: 'error', text: '这张卡片的按钮无效，请使用群里最新的卡片。' });
    // A token for another target, signed with another secret, is forged too.
    const otherSecret = new (app.tokens.constructor as new (s: string) => typeof app.tokens)('x'.repeat(40)).sign({ action: 'test.rename', target: branchId }, 600);
    expect((await click('m201', otherSecret)).status).toBe('processed');
    expect(await name()).toBe('第二党支部（规划处）');
  });

  it('refuses an expired token and changes nothing', async () => {
    const expired = app.tokens.sign({ action: 'test.rename', target: branchId }, 60, new Date(Date.now() - 3600_000));
    const r = await click('m201', expired);
    expect(r.status === 'processed' && r.ack.toast?.text).toBe('这张卡片已过期，请使用群里最新的卡片。');
    expect(await name()).toBe('第二党支部（规划处）');
  });

  it('refuses a member trying a secretary-only action, then lets the secretary do it once', async () => {
    const token = app.tokens.sign({ action: 'test.rename', target: branchId }, 600);
    const audits = () => app.db.prisma.auditLog.count({ where: { action: 'org.rename' } });
    const refused = await click('m207', token); // an ordinary member of branch 2
    expect(refused.status === 'processed' && refused.ack.toast?.text).toBe('只有本支部的书记或组织委员才能改名。');
    expect(await name()).toBe('第二党支部（规划处）');
    expect(await audits()).toBe(0);

    const ok = await click('m201', token, 'rename-once'); // the branch secretary
    expect(ok.status === 'processed' && ok.ack.toast?.text).toBe('已改名');
    expect(await click('m201', token, 'rename-once')).toEqual({ status: 'duplicate' });
    expect(await name()).toBe('改名后的支部');
    expect(await audits()).toBe(1);
  });

  it('keeps a member-bound token for that member', async () => {
    const token = app.tokens.sign({ action: 'test.rename', target: branchId, member: 'nobody' }, 600);
    const r = await click('m201', token);
    expect(r.status === 'processed' && r.ack.toast?.text).toBe('这个按钮只能由 指定的党员 本人操作。');
  });
});

describe('a click on a card the platform names by its message id', () => {
  it('runs in the chat the card was sent to, and a late update goes to that card', async () => {
    const seen: unknown[] = [];
    const router = new Router().action('test.where', async (ctx) => {
      seen.push(ctx.inbound.chat);
      ctx.toast('success', '好');
    });
    const core = new ChatCore(app.db, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
    const sunk: QueuedOutbox[] = [];
    core.onOutbox(async (rows) => void sunk.push(...rows));
    const key = `where:${crypto.randomUUID()}`;
    await app.db.prisma.outboxMessage.create({
      data: { dedupeKey: key, platform: 'CONSOLE', tenantKey: '', target: 'branch-1', targetKind: 'GROUP', kind: 'card', payload: { kind: 'card', card: { title: '卡片' } }, status: 'SENT', platformMessageId: `cm_${key}` },
    });
    const token = app.tokens.sign({ action: 'test.where', target: 'x' }, 600);
    // The platform's guess at the chat (say, only the clicker) is what an unknown card leaves.
    const click = (cardMessageId: string): InboundAction => ({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: direct('m101'), user: { id: 'm101' }, token, cardMessageId });
    const known = click(`cm_${key}`);
    expect((await core.handle(known)).status).toBe('processed');
    expect((await core.handle(click('cm_unknown'))).status).toBe('processed');
    expect(seen).toEqual([group(1), direct('m101')]);
    // The event is stored as the platform sent it; the chat is found when it is processed.
    const stored = await app.db.prisma.inboundEvent.findFirstOrThrow({ where: { eventId: known.eventId } });
    expect((stored.payload as { chat: unknown }).chat).toEqual(direct('m101'));

    sunk.length = 0;
    await core.updateClickedCard(known, { title: '卡片', markdown: '完成' });
    expect(sunk).toHaveLength(1);
    expect(sunk[0]).toMatchObject({ to: { platform: 'CONSOLE', target: 'branch-1', targetKind: 'GROUP' }, updateOfKey: key });
    await core.updateClickedCard(known, { title: '卡片', markdown: '完成' }); // the same click again: nothing new
    expect(sunk).toHaveLength(1);
  });
});

describe('identity binding', () => {
  it('lets a secretary issue a one-time code in a direct chat and a new account bind with it', async () => {
    await chat.say('m301', group(3), '生成绑定码 谢鹏');
    await chat.waitFor(group(3), (e) => e.type === 'message' && e.text === '绑定码只能在与支部助手的单聊中生成，以免在群里泄露。');

    await chat.say('m307', direct('m307'), '生成绑定码 谢鹏'); // not a secretary
    await chat.waitFor(direct('m307'), (e) => e.type === 'message' && e.text === '只有本支部的书记或组织委员才能生成绑定码。');

    await chat.say('m301', direct('m301'), '生成绑定码 谢鹏');
    const issued = await chat.waitFor(direct('m301'), (e) => e.type === 'message' && !!e.text?.startsWith('谢鹏 的绑定码：'));
    const code = /绑定码：([A-Z0-9]{8})/.exec(issued.type === 'message' ? issued.text! : '')![1]!;
    const stored = await app.db.prisma.bindingCode.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(stored.codeHash).not.toContain(code); // only the hash is kept

    await chat.say('lark-user-9', direct('lark-user-9'), `绑定 ${code}`);
    await chat.waitFor(direct('lark-user-9'), (e) => e.type === 'message' && e.text === '绑定成功：谢鹏，欢迎使用支部助手。发送「帮助」查看可以做什么。');
    const xiepeng = await app.db.prisma.member.findFirstOrThrow({ where: { name: '谢鹏' }, include: { identities: true } });
    expect(xiepeng.identities.map((i) => i.platformUserId).sort()).toEqual(['lark-user-9', 'm303']);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'identity.bind', entityId: xiepeng.id } })).toBe(1);

    await chat.say('someone-else', direct('someone-else'), `绑定 ${code}`);
    await chat.waitFor(direct('someone-else'), (e) => e.type === 'message' && e.text === '绑定码无效或已过期，请向支部书记重新索取。');
  });
});

it('marks every processed event done', async () => {
  expect(await eventsDone()).toBeGreaterThan(5);
  expect(await app.db.prisma.inboundEvent.count({ where: { status: 'FAILED' } })).toBe(0);
});

describe('card forms', () => {
  it('validates a submitted form against its rules and changes nothing when it is invalid', async () => {
    const form = {
      actionId: 'test.note',
      token: '',
      submitLabel: '提交',
      fields: [
        { name: 'topic', label: '主题', type: 'text' as const, required: true, maxLength: 10 },
        { name: 'kind', label: '类型', type: 'select' as const, options: [{ value: 'a', label: '甲' }] },
        { name: 'day', label: '日期', type: 'date' as const },
      ],
    };
    const saved: Array<Record<string, string>> = [];
    const router = new Router().action('test.note', async (ctx) => {
      saved.push(ctx.readForm(form));
      ctx.toast('success', '已保存');
    });
    const core = new ChatCore(app.db, router, app.tokens, createLogger({ level: 'silent', pretty: false }));
    const token = app.tokens.sign({ action: 'test.note', target: 'x' }, 600);
    const submit = async (values: Record<string, string>) => {
      const r = await core.handle({ kind: 'action', platform: 'CONSOLE', tenantKey: '', eventId: crypto.randomUUID(), chat: direct('m101'), user: { id: 'm101' }, token, form: values });
      return r.status === 'processed' ? r.ack.toast?.text : r.status;
    };
    expect(await submit({ topic: ' ' })).toBe('表单没有提交成功：请填写「主题」');
    expect(await submit({ topic: '一二三四五六七八九十十一' })).toBe('表单没有提交成功：「主题」最多 10 个字，当前 12 个字');
    expect(await submit({ topic: '学习', kind: 'zz' })).toBe('表单没有提交成功：「类型」的选项无效');
    expect(await submit({ topic: '学习', day: '12月5日' })).toBe('表单没有提交成功：「日期」的日期格式应为 2026-12-05');
    expect(saved).toEqual([]);
    expect(await submit({ topic: ' 学习 ', kind: 'a', day: '2026-12-05', extra: 'ignored' })).toBe('已保存');
    expect(saved).toEqual([{ topic: '学习', kind: 'a', day: '2026-12-05' }]);
  });
});
