// ONE conformance suite every platform adapter passes against its local fake: the real app (real
// PostgreSQL, Redis, BullMQ delivery) with only the platform replaced. Each adapter's test file
// calls `conformance(...)` with a function that starts its fake.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Router } from '../../src/chat/router.js';
import type { Card } from '../../src/chat/card.js';
import type { PlatformHooks } from '../../src/platforms/index.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { DELIVER_QUEUE } from '../../jobs/deliver.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { type ChatAddress, type FakeSent, type PlatformFake, sleep, waitUntil } from './fakes/common.js';

/** Test-only routes: a card with a counter button, and an action slower than any ack deadline. */
export function conformanceRoutes(router: Router): void {
  const counterCard = (key: string, count: number, token: string): Card => ({
    title: '测试卡片',
    fields: [{ label: '点击次数', value: String(count) }],
    buttons: [{ actionId: 'conformance.count', label: '点一下', style: 'primary', token }],
  });
  router
    .command({ name: 'conformance.card', keywords: ['测试卡片'] }, async (ctx) => {
      const key = `conformance-card:${ctx.inbound.platform}:${ctx.inbound.eventId}`;
      const count = ctx.tokens.sign({ action: 'conformance.count', target: key }, 3600, ctx.now);
      const slow = ctx.tokens.sign({ action: 'conformance.slow', target: key }, 3600, ctx.now);
      const card = counterCard(key, 0, count);
      card.buttons!.push({ actionId: 'conformance.slow', label: '慢操作', token: slow });
      ctx.send({ to: ctx.here, body: { kind: 'card', card }, dedupeKey: key });
    })
    .command({ name: 'conformance.long', keywords: ['测试长卡片'] }, async (ctx) => {
      // 4,000 names: about 36 KB as a Lark card, over every platform's card size.
      const names = Array.from({ length: 4000 }, (_, i) => `- 第${i + 1}名 党员${String(i + 1).padStart(4, '0')} 已提交`);
      const key = `conformance-long:${ctx.inbound.platform}:${ctx.inbound.eventId}`;
      const token = ctx.tokens.sign({ action: 'conformance.count', target: key }, 3600, ctx.now);
      ctx.send({ to: ctx.here, body: { kind: 'card', card: { title: '承诺提交情况', markdown: names.join('\n'), buttons: [{ actionId: 'conformance.count', label: '点一下', token }], footer: '已提交 4000 / 4000' } }, dedupeKey: key });
    })
    .command({ name: 'conformance.longform', keywords: ['测试长表单'] }, async (ctx) => {
      const key = `conformance-form:${ctx.inbound.platform}:${ctx.inbound.eventId}`;
      // Long-lived: the suite's clock is pinned weeks before the wall clock the H5 link is signed on.
      const token = ctx.tokens.sign({ action: 'conformance.count', target: key }, 90 * 86_400, ctx.now);
      const form = { actionId: 'conformance.count', token, submitLabel: '提交纪实', fields: [{ name: 'minutes', label: '会议纪实', type: 'textarea' as const, required: true, maxLength: 5000 }, { name: 'note', label: '备注', type: 'text' as const, maxLength: 200 }] };
      ctx.send({ to: ctx.here, body: { kind: 'card', card: { title: '填写纪实', markdown: '请填写本次会议纪实。', form } }, dedupeKey: key });
    })
    .action('conformance.count', async (ctx, claims) => {
      const before = await ctx.tx.auditLog.count({ where: { action: 'conformance.click', entityId: claims.target } });
      const count = before + 1;
      ctx.audit({ action: 'conformance.click', entityType: 'Test', entityId: claims.target });
      const token = ctx.tokens.sign({ action: 'conformance.count', target: claims.target }, 3600, ctx.now);
      const card = counterCard(claims.target, count, token);
      ctx.toast('success', `已点击 ${count} 次`);
      ctx.showCard(card);
      ctx.send({ to: ctx.here, body: { kind: 'card_update', ofKey: claims.target, card }, dedupeKey: `${claims.target}:v${count}` });
    })
    .action('conformance.slow', async (ctx, claims) => {
      await sleep(1800);
      ctx.audit({ action: 'conformance.slow', entityType: 'Test', entityId: claims.target });
      ctx.showCard({ title: '测试卡片', markdown: '慢操作完成' });
    });
}

export interface ConformanceOptions {
  hooks?: (fake: PlatformFake) => PlatformHooks;
}

export function conformance(name: string, startFake: () => Promise<PlatformFake>, opts: ConformanceOptions = {}): void {
  describe(`${name}: adapter conformance`, () => {
    let app: App;
    let fake: PlatformFake;
    let drop: () => Promise<void>;
    let group: ChatAddress;
    // The organizational-life loop needs a pinned calendar (a Friday in November, then the meeting day).
    let now = new Date('2026-11-20T10:00:00+08:00');

    beforeAll(async () => {
      fake = await startFake();
      const db = await freshPostgres({ migrated: false });
      drop = db.drop;
      app = await startTestApp(
        { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', ATTACHMENT_MAX_BYTES: String(64 * 1024), ...fake.env() },
        { extendRouter: conformanceRoutes, platforms: opts.hooks?.(fake), clock: () => now },
      );
      await fake.attach(app);
      await bindDemoMembers(app, fake);
      group = fake.group(1);
    });
    afterAll(async () => {
      await app?.stop();
      await fake?.close();
      await drop?.();
    });

    const sentTo = (to: string, match: (s: FakeSent) => boolean, what: string, timeoutMs = 10_000) =>
      waitUntil(what, () => fake.sent.find((s) => s.to === to && match(s)), timeoutMs);
    const audits = (action: string) => app.db.prisma.auditLog.count({ where: { action } });

    it('answers a message with a reply, in a group and directly', async () => {
      const u = fake.userId('m102');
      const ack = await fake.pushMessage(group, u, '帮助');
      expect(ack.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      await sentTo(group.id, (s) => s.text.includes('使用说明'), 'help in the group');
      const dm = fake.direct(u);
      await fake.pushMessage(dm, u, '帮助');
      await sentTo(u, (s) => s.text.includes('使用说明'), 'help in the direct chat');
    });

    it('greets a group it is added to: a bound one with its branch, an unbound one with how to bind it, once', async (ctx) => {
      if (!fake.pushBotAdded) return ctx.skip(`${name}: not applicable, the platform does not tell a bot it was added to a group`);
      const u = fake.userId('m102');
      await fake.pushBotAdded(group, u);
      await sentTo(group.id, (s) => s.text.includes('大家好') && s.text.includes('第一党支部'), 'the greeting in the bound group');
      const fresh: ChatAddress = { kind: 'GROUP', id: `${group.id}_new_${crypto.randomUUID().slice(0, 8)}` };
      const eventId = crypto.randomUUID();
      await fake.pushBotAdded(fresh, u, { eventId, name: '新建工作群' });
      await fake.pushBotAdded(fresh, u, { eventId, name: '新建工作群' }); // a redelivery
      await sentTo(fresh.id, (s) => s.text.includes('绑定本群'), 'how to bind, in the unbound group');
      // The first message there afterwards does not repeat the hint.
      await fake.pushMessage(fresh, u, '帮助');
      await sentTo(fresh.id, (s) => s.text.includes('使用说明'), 'help in the new group');
      await sleep(300);
      expect(fake.sent.filter((s) => s.to === fresh.id && s.text.includes('本群还没有绑定支部'))).toHaveLength(1);
      const chat = await app.db.prisma.chat.findFirst({ where: { platformChatId: fresh.id } });
      expect(chat).toMatchObject({ kind: 'GROUP', orgNodeId: null, title: '新建工作群' });
    });

    it('acks a card click inside the deadline, changes state once and updates the card', async () => {
      const u = fake.userId('m103');
      await fake.pushMessage(group, u, '测试卡片');
      const card = await sentTo(group.id, (s) => s.text.includes('测试卡片') && s.text.includes('点击次数：0'), 'the test card');
      const eventId = crypto.randomUUID();
      const ack = await fake.pushCardClick(u, group, card, '点一下', { eventId });
      expect(ack.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      if (ack.toast !== undefined) expect(ack.toast).toBe('已点击 1 次');
      expect(await audits('conformance.click')).toBe(1);
      // The card shows the new count: in the ack, in place, or as a new message.
      await waitUntil('the updated card', () =>
        ack.card?.includes('点击次数：1') || card.updates.some((u) => u.includes('点击次数：1')) || fake.sent.some((s) => s.to === group.id && s !== card && s.text.includes('点击次数：1')),
      );
      // The same click delivered again changes nothing.
      const again = await fake.pushCardClick(u, group, card, '点一下', { eventId });
      expect(again.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      await sleep(300);
      expect(await audits('conformance.click')).toBe(1);
      expect(await app.db.prisma.inboundEvent.count({ where: { eventId } })).toBe(1);
    });

    const answersOnly = (ctx: { skip(note?: string): void }, what: string) => {
      if (fake.transport.proactiveSends === false) ctx.skip(`${name}: not applicable, the bot can only answer (one reply per received message, the card update only in the click answer), so ${what} cannot be delivered`);
    };

    it('finishes slow work after the ack and then updates the card', async (ctx) => {
      answersOnly(ctx, 'an update after the click answer');
      const u = fake.userId('m104');
      await fake.pushMessage(group, u, '测试卡片');
      const card = await sentTo(group.id, (s) => s.text.includes('测试卡片') && s.buttons.some((b) => b.label === '慢操作') && !s.updates.length && s.text.includes('点击次数：0'), 'a fresh test card');
      const ack = await fake.pushCardClick(u, group, card, '慢操作');
      expect(ack.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      expect(ack.card ?? '').not.toContain('慢操作完成');
      await waitUntil('the late card update', () => lateUpdateSeen(fake, card), 10_000);
      expect(await audits('conformance.slow')).toBe(1);
    });

    it('processes a message delivered twice once', async () => {
      const u = fake.userId('m105');
      const dm = fake.direct(u);
      const eventId = crypto.randomUUID();
      await fake.pushMessage(dm, u, '帮助', { eventId });
      await fake.pushMessage(dm, u, '帮助', { eventId });
      await sentTo(u, (s) => s.text.includes('使用说明'), 'help');
      await sleep(500);
      expect(fake.sent.filter((s) => s.to === u && s.text.includes('使用说明'))).toHaveLength(1);
      expect(await app.db.prisma.inboundEvent.count({ where: { eventId } })).toBe(1);
    });

    it('answers every non-text message: rich text and voice read as text, pictures and files acknowledged, the rest told what the bot reads', async (ctx) => {
      const kinds = fake.transport.nonText ?? [];
      if (!kinds.length || !fake.pushNonText) return ctx.skip(`${name}: not applicable, the platform delivers no non-text messages to the bot`);
      const u = fake.userId('m110');
      const dm = fake.direct(u);
      const repliesTo = () => fake.sent.filter((s) => s.to === u).length;
      for (const kind of kinds) {
        const before = repliesTo();
        const events = await app.db.prisma.inboundEvent.count();
        await fake.pushNonText(dm, u, kind, '帮助');
        const expected = kind === 'richText' || kind === 'voice' ? '使用说明' : kind === 'other' ? '暂时看不懂这类消息' : kind === 'image' ? '已收到您发来的图片' : '已收到您发来的文件';
        await waitUntil(`the answer to ${kind}`, () => fake.sent.filter((s) => s.to === u).slice(before).find((s) => s.text.includes(expected)));
        expect(await app.db.prisma.inboundEvent.count()).toBe(events + 1);
        if (kind === 'image' || kind === 'file') {
          const row = await app.db.prisma.inboundEvent.findFirstOrThrow({ where: { platform: fake.platform }, orderBy: { receivedAt: 'desc' } });
          const attachments = (row.payload as { attachments?: Array<{ kind: string; key: string }> }).attachments ?? [];
          expect(attachments.map((a) => a.kind)).toEqual([kind]);
          expect(attachments[0]!.key.length).toBeGreaterThan(0);
        }
      }
      // Rich text in a group, with the @bot inside it, is a command like plain text.
      if (kinds.includes('richText')) {
        const before = fake.sent.filter((s) => s.to === group.id).length;
        await fake.pushNonText(group, fake.userId('m110'), 'richText', '帮助');
        await waitUntil('help for rich text in the group', () => fake.sent.filter((s) => s.to === group.id).slice(before).find((s) => s.text.includes('使用说明')));
      }
    });

    it('answers a message with a lone surrogate or a NUL with a clear reply, never an error', async () => {
      const u = fake.userId('m111');
      const dm = fake.direct(u);
      for (const text of ['签到 \ud800 好', 'x\u0000y']) {
        const before = fake.sent.filter((s) => s.to === u).length;
        const ack = await fake.pushMessage(dm, u, text);
        if (ack.status !== undefined) expect(ack.status).toBeLessThan(400);
        await waitUntil('the bad-characters reply', () => fake.sent.filter((s) => s.to === u).slice(before).find((s) => s.text.includes('无法识别的字符')));
      }
    });

    it('rejects a delivery with a bad signature and stores nothing', async (ctx) => {
      const pushBadSignature = fake.transport.signedDeliveries ? fake.pushBadSignature?.bind(fake) : undefined;
      if (!pushBadSignature) return ctx.skip(`${name}: not applicable, deliveries are not signed HTTP requests (the connection is authenticated once)`);
      const before = await app.db.prisma.inboundEvent.count();
      const r = await pushBadSignature(group, fake.userId('m106'), '帮助');
      expect(r.status).toBeGreaterThanOrEqual(400);
      await sleep(200);
      expect(await app.db.prisma.inboundEvent.count()).toBe(before);
    });

    it('refuses a signed delivery older than any redelivery, and accepts one as old as the last documented redelivery', async (ctx) => {
      const t = fake.transport.timestamps;
      if (!t || !fake.pushAged) return ctx.skip(`${name}: not applicable, deliveries carry no signed timestamp`);
      const u = fake.userId('m112');
      const before = await app.db.prisma.inboundEvent.count();
      const stale = await fake.pushAged(fake.direct(u), u, '帮助', t.neverOlderThan);
      expect(stale.status).toBe(401);
      const future = await fake.pushAged(fake.direct(u), u, '帮助', -3600);
      expect(future.status).toBe(401);
      await sleep(200);
      expect(await app.db.prisma.inboundEvent.count()).toBe(before);
      const eventId = crypto.randomUUID();
      const redelivered = await fake.pushAged(fake.direct(u), u, '帮助', t.redeliveredUpTo, { eventId });
      expect(redelivered.status).toBe(200);
      await waitUntil('the redelivered event stored', async () => (await app.db.prisma.inboundEvent.count({ where: { eventId } })) === 1 || undefined);
    });

    it('answers twenty parallel copies of one signed delivery without an error, and processes it once', async (ctx) => {
      if (!fake.transport.signedDeliveries || !fake.pushParallel) return ctx.skip(`${name}: not applicable, deliveries are not HTTP requests`);
      const u = fake.userId('m113');
      const statuses = await fake.pushParallel(fake.direct(u), u, '帮助', 20);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      await sentTo(u, (s) => s.text.includes('使用说明'), 'the one answer');
      await sleep(500);
      expect(fake.sent.filter((s) => s.to === u && s.text.includes('使用说明'))).toHaveLength(1);
    });

    it('answers the URL verification challenge without a signature, and refuses a wrong token', async (ctx) => {
      if (!fake.transport.unsignedChallenge || !fake.pushChallenge) return ctx.skip(`${name}: not applicable, no unsigned URL verification`);
      const ok = await fake.pushChallenge({});
      expect(ok.status).toBe(200);
      expect(ok.challenge).toBe(ok.sent);
      const wrong = await fake.pushChallenge({ token: 'not-the-verification-token' });
      expect(wrong.status).toBe(401);
      expect(wrong.challenge).toBeUndefined();
    });

    it('retries a rate-limited send later and loses nothing', async (ctx) => {
      if (!fake.transport.rateLimitedSends) ctx.skip(`${name}: not applicable, sends do not go through an API that answers "rate limited"`);
      const u = fake.userId('m107');
      const rejectedBefore = fake.rateLimited;
      fake.rateLimitNext(1);
      await fake.pushMessage(fake.direct(u), u, '帮助');
      await sentTo(u, (s) => s.text.includes('使用说明'), 'help after the rate limit', 20_000);
      expect(fake.rateLimited).toBe(rejectedBefore + 1);
      const row = await waitUntil('the row marked sent', async () => {
        const r = await app.db.prisma.outboxMessage.findFirstOrThrow({ where: { platform: fake.platform, target: u }, orderBy: { createdAt: 'desc' } });
        return r.status === 'SENT' ? r : undefined;
      });
      expect(row.attempts).toBe(2);
    });

    it('refreshes an expired access token', async (ctx) => {
      if (!fake.transport.expiringTokens) ctx.skip(`${name}: not applicable, sends use no access token`);
      const u = fake.userId('m108');
      const before = fake.tokenRequests;
      fake.expireTokens();
      await fake.pushMessage(fake.direct(u), u, '帮助');
      await sentTo(u, (s) => s.text.includes('使用说明'), 'help after the token expired', 15_000);
      if (before > 0) expect(fake.tokenRequests).toBeGreaterThan(before);
    });

    it('sends proactively to a member who never wrote to the bot', async (ctx) => {
      answersOnly(ctx, 'a message to someone who did not write');
      const u = fake.userId('m109');
      const key = `conformance-proactive:${crypto.randomUUID()}`;
      const rows = await app.db.prisma.outboxMessage.createManyAndReturn({
        data: [{ dedupeKey: key, platform: fake.platform, tenantKey: '', target: u, targetKind: 'DIRECT', kind: 'text', category: 'notice', payload: { kind: 'text', text: '主动提醒：本周五下午开展主题党日活动。' } }],
        select: { id: true },
      });
      await app.deliverer.enqueue(rows.map((r) => r.id));
      await sentTo(u, (s) => s.text.includes('主动提醒'), 'the proactive message');
    });

    it('puts back a direct message the batch API throttled and gives up one it calls invalid, never recording either as sent', async (ctx) => {
      if (!fake.transport.partialBatch || !fake.batchRefuse) return ctx.skip(`${name}: not applicable, direct messages are not sent through a batch API with per-recipient results`);
      const throttled = fake.userId('m114');
      const invalid = fake.userId('m115');
      fake.batchRefuse(throttled, 'flowControlled', 1);
      fake.batchRefuse(invalid, 'invalid');
      const key = `conformance-batch:${crypto.randomUUID()}`;
      const rows = await app.db.prisma.outboxMessage.createManyAndReturn({
        data: [throttled, invalid].map((u, i) => ({ dedupeKey: `${key}:${i}`, platform: fake.platform, tenantKey: '', target: u, targetKind: 'DIRECT' as const, kind: 'text', category: 'notice' as const, payload: { kind: 'text', text: `批量提醒 ${i}` }, notBefore: new Date(Date.now() - 1000) })),
        select: { id: true },
      });
      await app.deliverer.enqueue(rows.map((r) => r.id));
      const dead = await waitUntil('the invalid recipient given up', () => app.db.prisma.outboxMessage.findFirst({ where: { dedupeKey: `${key}:1`, status: 'DEAD' } }).then((r) => r ?? undefined), 15_000);
      expect(dead.lastError).toContain('invalidStaffIdList');
      const retry = await waitUntil('the throttled recipient waiting for a retry', () => app.db.prisma.outboxMessage.findFirst({ where: { dedupeKey: `${key}:0`, status: 'RETRY' } }).then((r) => r ?? undefined), 15_000);
      expect(retry.lastError).toContain('flowControlledStaffIdList');
      expect(retry.notBefore.getTime()).toBeGreaterThan(Date.now() + 30_000);
      expect(fake.sent.some((s) => s.to === throttled || s.to === invalid)).toBe(false);
      // Its delivery job waits for that retry (no attempt spent meanwhile), the recipient's bucket held as long.
      const job = await app.queue.createQueue(DELIVER_QUEUE).getJob(retry.id);
      expect(await job?.isDelayed()).toBe(true);
      expect(retry.attempts).toBe(1);
      expect(fake.sent.some((s) => s.to === invalid)).toBe(false);
    });

    it('keeps delivering to other chats while one destination hangs, and delivers to it once it answers', async (ctx) => {
      if (!fake.transport.hangs || !fake.hang) return ctx.skip(`${name}: not applicable, sends do not go through an HTTP API the fake can hold`);
      const hung = fake.userId('m106');
      const other = fake.userId('m107');
      const release = fake.hang(hung);
      try {
        const key = `conformance-hang:${crypto.randomUUID()}`;
        const row = (target: string, i: number) => ({ dedupeKey: `${key}:${i}`, platform: fake.platform, tenantKey: '', target, targetKind: 'DIRECT' as const, kind: 'text', category: 'notice' as const, payload: { kind: 'text', text: `挂起测试 ${i}` } });
        const rows = await app.db.prisma.outboxMessage.createManyAndReturn({ data: [row(hung, 0), row(hung, 1), row(hung, 2), row(hung, 3), row(other, 4)], select: { id: true } });
        const t0 = Date.now();
        await app.deliverer.enqueue(rows.map((r) => r.id));
        await sentTo(other, (s) => s.text.includes('挂起测试 4'), 'the other chat served meanwhile', 5000);
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(fake.sent.some((s) => s.to === hung && s.text.includes('挂起测试'))).toBe(false);
      } finally {
        release();
      }
      await waitUntil('the hung chat served once it answers', () => [0, 1, 2, 3].every((i) => fake.sent.some((s) => s.to === hung && s.text.includes(`挂起测试 ${i}`))) || undefined, 20_000);
    });

    it('delivers a card over the platform\'s size limit whole, in pages each within the limit (更多)', async (ctx) => {
      if (!fake.transport.cardSizeLimit) return ctx.skip(`${name}: not applicable, the fake knows no card size limit of this platform`);
      const u = fake.userId('m102');
      const before = fake.sent.length;
      const refusedBefore = fake.refusedForSize ?? 0;
      await fake.pushMessage(group, u, '测试长卡片');
      // Pages go out one after another (on WeCom the buttons come last, as their own template card):
      // wait for the whole card, not just its text.
      await waitUntil('every name and the button delivered', () => {
        const sent = fake.sent.slice(before).filter((s) => s.to === group.id);
        const text = sent.map((s) => s.text).join('\n');
        return text.includes('党员0001') && text.includes('党员2000') && text.includes('党员4000') && sent.some((p) => p.buttons.some((b) => b.label === '点一下')) || undefined;
      }, 20_000);
      const pages = fake.sent.slice(before).filter((s) => s.to === group.id);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.some((p) => p.text.includes('更多内容见下一条'))).toBe(true);
      expect(pages.some((p) => p.buttons.some((b) => b.label === '点一下'))).toBe(true);
      expect(fake.refusedForSize ?? 0).toBe(refusedBefore);
    });

    it('offers a form whose field is longer than the card\'s input takes through the H5 page', async (ctx) => {
      if (!fake.transport.cardSizeLimit) return ctx.skip(`${name}: not applicable, forms always go through the H5 page here`);
      const u = fake.userId('m105');
      await fake.pushMessage(group, u, '测试长表单');
      const card = await sentTo(group.id, (s) => s.text.startsWith('填写纪实') && s.text.includes('请填写本次会议纪实'), 'the minutes form');
      expect(card.text).toContain('/h5/form?t=');
      expect(card.text).not.toContain('<minutes>');
      expect(fake.refusedForSize ?? 0).toBe(0);
    });

    it('keeps a picture sent with 记录: fetched after the ack (retried once it failed), stored once by its SHA-256, served through the signed link; one over the size limit refused with a reply', async (ctx) => {
      if (!fake.transport.attachments || !fake.pushWithPicture || !fake.failDownloads) return ctx.skip(`${name}: not applicable, a message cannot carry words and a picture that the bot downloads`);
      const u = fake.userId('m106');
      const dm = fake.direct(u);
      const fetches = app.db.prisma.attachmentFetch;
      // Run the due downloads now (the scheduler's clock is the suite's pinned one); a row waiting for its retry is made due.
      const fetchNow = async () => {
        await fetches.updateMany({ where: { status: 'PENDING' }, data: { nextAt: new Date(0) } });
        return app.jobs.attachments.run();
      };
      const picture = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(3000)]);
      const sha = crypto.createHash('sha256').update(picture).digest('hex');
      fake.failDownloads(1);
      const ack = await fake.pushWithPicture(dm, u, '记录 党费 11月党费已交', picture);
      if (ack.status !== undefined) expect(ack.status).toBe(200);
      expect(ack.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      await sentTo(u, (s) => s.text.startsWith('已记录') && s.text.includes('党费'), 'the record answered');
      // The record exists before anything is downloaded; the first download fails and is retried.
      const record = await app.db.prisma.dutyRecord.findFirstOrThrow({ where: { text: '11月党费已交' }, orderBy: { createdAt: 'desc' } });
      const handle = (record.evidence as Array<{ url: string }>)[0]!.url;
      expect(handle).toMatch(new RegExp(`^${fake.platform.toLowerCase()}:[^#]+$`)); // no decryption key in the evidence
      await waitUntil('the failed download waiting for its retry', async () => (await fetchNow(), (await fetches.findFirst({ where: { handle, status: 'PENDING', attempts: 1, lastError: { not: null } } })) ?? undefined));
      const stored = await waitUntil('the picture stored', async () => (await fetchNow(), (await fetches.findFirst({ where: { handle, status: 'STORED' } })) ?? undefined));
      expect(stored).toMatchObject({ sha256: sha, size: picture.length, attempts: 2 });
      const file = await app.db.prisma.storedFile.findUniqueOrThrow({ where: { sha256: sha } });
      expect(Buffer.from(file.bytes).equals(picture)).toBe(true);
      const after = await app.db.prisma.dutyRecord.findUniqueOrThrow({ where: { id: record.id } });
      expect(after.evidence).toEqual([{ kind: 'image', url: `file:${sha}`, sha256: sha, size: picture.length }]);

      // The reply links the picture for its sender only: a client without the sender's identity gets the confirmation page.
      const reply = await sentTo(u, (s) => s.text.includes('已保存图片'), 'the stored reply');
      const link = /(\/files\/attachment\?t=[^\s）]+)/.exec(reply.text)![1]!;
      const anonymous = await fetch(`${app.url}${link}`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain(picture.subarray(8, 40).toString('latin1'));
      const cookie = await identify(app, link, u);
      const served = await fetch(`${app.url}${link}`, { headers: { cookie } });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);

      // The same picture again is a second record and a second download, but one stored file.
      await fake.pushWithPicture(dm, u, '记录 党费 11月党费补记', picture);
      const again = await waitUntil('the second record', () => app.db.prisma.dutyRecord.findFirst({ where: { text: '11月党费补记' } }).then((r) => r ?? undefined));
      const handle2 = (again.evidence as Array<{ url: string }>)[0]!.url;
      expect(handle2).not.toBe(handle);
      await waitUntil('the second picture stored', async () => (await fetchNow(), (await fetches.findFirst({ where: { handle: handle2, status: 'STORED', sha256: sha } })) ?? undefined));
      expect(await app.db.prisma.storedFile.count({ where: { sha256: sha } })).toBe(1);

      // Over ATTACHMENT_MAX_BYTES (64 KB here): refused with the limit in Chinese; the record keeps its text, nothing stored.
      const big = crypto.randomBytes(70 * 1024);
      await fake.pushWithPicture(dm, u, '记录 党费 大图', big);
      const bigRecord = await waitUntil('the record of the big picture', () => app.db.prisma.dutyRecord.findFirst({ where: { text: '大图' } }).then((r) => r ?? undefined));
      const bigHandle = (bigRecord.evidence as Array<{ url: string }>)[0]!.url;
      await waitUntil('the big picture refused', async () => (await fetchNow(), (await fetches.findFirst({ where: { handle: bigHandle, status: 'TOO_LARGE' } })) ?? undefined));
      await sentTo(u, (s) => s.text.includes('超过 64 KB 的上限，没有保存'), 'the size-limit reply');
      expect(await app.db.prisma.storedFile.count({ where: { sha256: crypto.createHash('sha256').update(big).digest('hex') } })).toBe(0);
      expect((await app.db.prisma.dutyRecord.findUniqueOrThrow({ where: { id: bigRecord.id } })).text).toBe('大图');
    });

    it('runs the organizational-life loop: notice, leave approval, check-in', async (ctx) => {
      answersOnly(ctx, 'the approval card to the secretary (a direct message nobody asked for)');
      const secretary = fake.userId('m101');
      await fake.pushMessage(group, secretary, '通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神');
      const notice = await sentTo(group.id, (s) => s.text.includes('会议通知') && s.buttons.some((b) => b.label === '签到'), 'the meeting notice card');
      const session = await app.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习贯彻四中全会精神' } });

      await fake.pushMessage(group, fake.userId('m104'), '请假 出差在外');
      const approval = await sentTo(secretary, (s) => s.text.includes('请假申请') && s.buttons.some((b) => b.label === '批准'), 'the approval card to the secretary');
      const ack = await fake.pushCardClick(secretary, fake.direct(secretary), approval, '批准');
      expect(ack.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      await waitUntil('the leave approved', async () => (await app.db.prisma.attendanceRequest.count({ where: { status: 'APPROVED' } })) === 1 || undefined);
      await sentTo(fake.userId('m104'), (s) => s.text.includes('请假申请已获批准'), 'the member told of the approval');

      now = new Date('2026-12-05T14:10:00+08:00');
      const checkin = await fake.pushCardClick(fake.userId('m103'), group, notice, '签到');
      expect(checkin.elapsedMs).toBeLessThan(fake.ackDeadlineMs);
      if (checkin.toast !== undefined) expect(checkin.toast).toBe('张伟 已签到：主题党日「学习贯彻四中全会精神」。');
      await waitUntil('the check-in stored', async () => (await app.db.prisma.attendance.count({ where: { sessionId: session.id, status: 'PRESENT' } })) === 1 || undefined);
      // The counter on the card moved (in the ack, in place, or as a short text).
      await waitUntil('the counter updated', () =>
        checkin.card?.includes('已签到 1') || notice.updates.some((u) => u.includes('已签到 1')) || fake.sent.some((s) => s.to === group.id && s.text.includes('已签到 1')),
      );
      now = new Date();
    });
  });
}

/** Prove to be the link's member on /files/identity (the code the bot sends them privately); the identity cookie. */
async function identify(app: App, link: string, user: string): Promise<string> {
  const post = (body: Record<string, string>) => fetch(`${app.url}/files/identity`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect((await post({ link, step: 'send' })).status).toBe(200);
  const { memberId: member } = await app.db.prisma.platformIdentity.findFirstOrThrow({ where: { platformUserId: user } });
  const dm = await waitUntil('the code sent', () => app.db.prisma.outboxMessage.findFirst({ where: { memberId: member, dedupeKey: { startsWith: 'web:identity:' } }, orderBy: { seq: 'desc' } }).then((r) => r ?? undefined));
  const code = /验证码：(\d{6})/.exec(JSON.stringify(dm.payload))![1]!;
  const ok = await post({ link, step: 'verify', code });
  expect(ok.status).toBe(303);
  return ok.headers.get('set-cookie')!.split(';')[0]!;
}

function lateUpdateSeen(fake: PlatformFake, card: FakeSent): boolean {
  const delayed = (fake as unknown as { delayedUpdates?: Array<{ text: string }> }).delayedUpdates ?? [];
  return delayed.some((d) => d.text.includes('慢操作完成')) || card.updates.some((u) => u.includes('慢操作完成')) || fake.sent.some((s) => s.text.includes('慢操作完成'));
}

/** Bind the demo members of branch 1 to platform accounts and the fake's group to branch 1. */
export async function bindDemoMembers(app: App, fake: PlatformFake): Promise<void> {
  const p = app.db.prisma;
  // The console identities name the demo members by code (m101 …); give each a platform account.
  const consoleIds = await p.platformIdentity.findMany({ where: { platform: 'CONSOLE' }, select: { platformUserId: true, memberId: true } });
  await p.platformIdentity.createMany({
    data: consoleIds.map((c) => ({ platform: fake.platform, tenantKey: '', platformUserId: fake.userId(c.platformUserId), memberId: c.memberId })),
  });
  const branch = await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
  await p.chat.create({ data: { platform: fake.platform, tenantKey: '', platformChatId: fake.group(1).id, kind: 'GROUP', title: '第一党支部', orgNodeId: branch.id } });
}
