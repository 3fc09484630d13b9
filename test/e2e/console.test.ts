// The web console in a real browser (Debian's Chromium driven by playwright-core) against the whole
// service on real PostgreSQL and Redis: help, hash links, live updates across tabs, inert HTML.
// Screenshots go to test-artifacts/console/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import type { Router } from '../../src/chat/router.js';
import type { Card, CardForm } from '../../src/chat/card.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.ZHIBU_SKIP_E2E === '1';
const SHOTS = path.resolve('test-artifacts/console');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let app: App;
// The chat core's clock: before the meeting while it is announced, then inside its check-in window.
let now = new Date('2026-11-20T10:00:00+08:00');
let browser: Browser;
let drop: () => Promise<void>;
const contexts: BrowserContext[] = [];

// A card with a form, for the inline checks in the browser and the server's answer.
function noteForm(token: string): CardForm {
  return {
    actionId: 'e2e.note',
    token,
    submitLabel: '提交留言',
    fields: [
      { name: 'note', label: '留言', type: 'text', required: true, maxLength: 10 },
      { name: 'kind', label: '类型', type: 'select', required: true, options: [{ value: 'idea', label: '建议' }, { value: 'thanks', label: '表扬' }] },
    ],
  };
}

function extendRouter(router: Router): void {
  router
    .command({ name: 'e2e.note', keywords: ['留言'] }, async (ctx) => {
      const key = `e2e-note:${ctx.inbound.eventId}`;
      const token = ctx.tokens.sign({ action: 'e2e.note', target: key }, 3600, ctx.now);
      ctx.send({ to: ctx.here, body: { kind: 'card', card: { title: '意见箱', tone: 'orange', form: noteForm(token), footer: '还没有留言' } }, dedupeKey: key });
    })
    .action('e2e.note', async (ctx, claims) => {
      const values = ctx.readForm(noteForm(''));
      ctx.audit({ action: 'e2e.note', entityType: 'Note', entityId: claims.target, detail: values });
      const card: Card = { title: '意见箱', tone: 'grey', fields: [{ label: '留言', value: values.note! }, { label: '类型', value: values.kind === 'idea' ? '建议' : '表扬' }], footer: '已收到，谢谢' };
      ctx.send({ to: ctx.here, body: { kind: 'card_update', ofKey: claims.target, card }, dedupeKey: `${claims.target}:done` });
      ctx.showCard(card);
      ctx.toast('success', '已收到留言');
    });
}

async function openConsole(hash: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  // A context per tab: separate storage, as two people on two machines.
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  // Shorter than the test's own limit, so a wait that never ends fails naming what it waited for.
  context.setDefaultTimeout(20_000);
  contexts.push(context);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${app.url}/console${hash}`);
  await page.locator('.status.online').waitFor();
  await page.locator('#messages[data-ready]').waitFor({ state: 'attached' });
  return { page, dialogs, errors };
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#composer').fill(text);
  await page.locator('#composer').press('Enter');
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

describe.skipIf(SKIP)('web console in Chromium', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `端到端测试需要 Chromium，但找不到 ${CHROMIUM}。请安装：apt-get install -y chromium fonts-wqy-microhei` +
          `（或用 CHROMIUM_PATH 指定路径）；确实要跳过时请显式设置 ZHIBU_SKIP_E2E=1。`,
      );
    }
    fs.rmSync(SHOTS, { recursive: true, force: true }); // only this run's pictures
    fs.mkdirSync(SHOTS, { recursive: true });
    const db = await freshPostgres({ migrated: false });
    drop = db.drop;
    app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { extendRouter, clock: () => now });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    // Close the tabs first: their event streams keep connections open.
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await app?.stop();
    await drop?.();
  });

  it('a member asks for help and sees the help card; the link reopens the same view', async () => {
    const { page, errors } = await openConsole('#user=m103&chat=GROUP:branch-1');
    await expect.poll(() => page.locator('.me-card .who b').textContent()).toContain('张伟');
    expect(await page.locator('#conv-title').textContent()).toBe('第一党支部（办公室）工作群');
    // Posts are shown in Chinese next to the members.
    expect(await page.locator('[data-member="m101"]').textContent()).toContain('支部书记');

    await send(page, '帮助');
    const mine = page.locator('.msg.me .bubble', { hasText: '帮助' });
    await mine.waitFor();
    const card = page.locator('.msg.bot .card', { has: page.locator('.card-head', { hasText: '支部助手 · 使用说明' }) });
    await card.waitFor();
    expect(await card.locator('.md strong', { hasText: '签到' }).count()).toBeGreaterThan(0);
    expect(await card.locator('.md li').count()).toBeGreaterThan(3);
    expect(await card.locator('.card-foot').textContent()).toBe('发送「帮助」可随时查看本说明');
    await expect.poll(() => page.locator('#counter').textContent()).toBe('0 / 2000');
    await shot(page, '01-help-1280');

    // The URL names the member and the chat; reopening it shows the same conversation from history.
    expect(new URL(page.url()).hash).toBe('#user=m103&chat=GROUP:branch-1');
    await page.reload();
    await page.locator('.status.online').waitFor();
    await page.locator('#messages[data-ready]').waitFor({ state: 'attached' });
    await page.locator('.msg.me .bubble', { hasText: '帮助' }).waitFor();
    await page.locator('.msg.bot .card-head', { hasText: '使用说明' }).first().waitFor();

    // Picking another member and the direct chat updates the link.
    await page.locator('[data-member="m104"]').click();
    await page.locator('[data-chat="DIRECT"]').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#user=m104&chat=DIRECT:m104');
    expect(await page.locator('#conv-title').textContent()).toBe('支部助手');
    expect(await page.locator('.msg').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('runs a meeting in the group: a click in one member\'s tab updates the card in the others\' tabs', async () => {
    const secretary = await openConsole('#user=m101&chat=GROUP:branch-1');
    const member = await openConsole('#user=m103&chat=GROUP:branch-1');
    const clicks: string[] = [];
    member.page.on('request', (r) => {
      if (r.url().endsWith('/console/api/actions')) clicks.push((JSON.parse(r.postData() ?? '{}') as { eventId: string }).eventId);
    });
    await send(secretary.page, '通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神');
    const notice = (p: Page) => p.locator('.msg.bot .card', { has: p.locator('.card-head', { hasText: '会议通知 · 主题党日' }) });
    const footer = (p: Page) => notice(p).locator('.card-foot').textContent();
    await notice(secretary.page).waitFor();
    await notice(member.page).waitFor();
    // The member sees what the secretary said, on the left with name and post.
    const said = member.page.locator('.msg.other', { hasText: '通知 主题党日' });
    expect(await said.locator('.name').textContent()).toContain('王建国');
    expect(await said.locator('.name .tag').textContent()).toBe('支部书记');
    expect(await notice(member.page).locator('.fields').textContent()).toContain('学习贯彻四中全会精神');
    expect(await footer(member.page)).toBe('应到 10 · 已签到 0 · 请假 0 · 未响应 10');
    await shot(member.page, '02a-meeting-notice');

    // A member asks for leave: the real form comes privately, the secretary approves in theirs.
    const leaver = await openConsole('#user=m104&chat=GROUP:branch-1');
    await notice(leaver.page).locator('button', { hasText: '请假' }).click();
    await leaver.page.locator('.toast', { hasText: '已私信发送请假表单' }).waitFor();
    await leaver.page.locator('[data-chat="DIRECT"]').click();
    const leaveForm = leaver.page.locator('.msg.bot .card', { has: leaver.page.locator('.card-head', { hasText: '请假 · ' }) });
    await leaveForm.waitFor();
    await leaveForm.locator('button[type=submit]').click();
    expect(await leaveForm.locator('.field-err').first().textContent()).toBe('请填写「原因」');
    await leaveForm.locator('textarea').fill('出差在外');
    // The secretary, looking at the group, is told of the private approval card. The toast lasts a
    // few seconds: watch for it from before the submit, not after the leaver's screenshot.
    const told = secretary.page.locator('.toast.info', { hasText: '支部助手给您发来私信「请假申请 · 刘洋」' }).waitFor();
    await leaveForm.locator('button[type=submit]').click();
    await leaver.page.locator('.toast.success', { hasText: '的请假申请，等待' }).waitFor();
    await shot(leaver.page, '02c-leave-form-in-direct-chat');
    await told;
    expect(await secretary.page.locator('[data-chat="DIRECT"] .badge').textContent()).toBe('1');
    await shot(secretary.page, '02c-secretary-told-of-private-card');
    await secretary.page.locator('[data-chat="DIRECT"]').click();
    expect(await secretary.page.locator('[data-chat="DIRECT"] .badge').count()).toBe(0);
    const approval = secretary.page.locator('.msg.bot .card', { has: secretary.page.locator('.card-head', { hasText: '请假申请 · 刘洋' }) });
    await approval.waitFor();
    expect(await approval.textContent()).toContain('出差在外');
    await approval.locator('button', { hasText: '批准' }).click();
    await expect.poll(() => approval.locator('.card-foot').textContent()).toContain('已由 王建国 批准');
    await shot(secretary.page, '02d-leave-approved-by-secretary');
    await leaver.page.locator('.msg.bot', { hasText: '请假申请已获批准' }).waitFor();
    await expect.poll(() => footer(member.page)).toBe('应到 10 · 已签到 0 · 请假 1 · 未响应 9');
    await secretary.page.locator('[data-chat="GROUP:branch-1"]').click();
    await notice(secretary.page).waitFor();
    expect(await footer(secretary.page)).toBe('应到 10 · 已签到 0 · 请假 1 · 未响应 9');

    // Check-in opens 30 minutes before the start.
    now = new Date('2026-12-05T14:10:00+08:00');
    await notice(member.page).locator('button', { hasText: '签到' }).click();
    await member.page.locator('.toast.success', { hasText: '张伟 已签到：主题党日「学习贯彻四中全会精神」。' }).waitFor();
    // The secretary's copy changes in place, highlighted, and is not duplicated.
    await expect.poll(() => footer(secretary.page)).toBe('应到 10 · 已签到 1 · 请假 1 · 未响应 8');
    expect(await notice(secretary.page).count()).toBe(1);
    expect(await notice(secretary.page).evaluate((el) => el.classList.contains('flash'))).toBe(true);
    await shot(secretary.page, '02b-meeting-checkin-seen-by-secretary');
    await expect.poll(() => footer(member.page)).toBe('应到 10 · 已签到 1 · 请假 1 · 未响应 8');

    // A third member checks in from a third tab; both others see the counter move again.
    const third = await openConsole('#user=m107&chat=GROUP:branch-1');
    expect(await footer(third.page)).toBe('应到 10 · 已签到 1 · 请假 1 · 未响应 8'); // from the history
    await notice(third.page).locator('button', { hasText: '签到' }).click();
    await expect.poll(() => footer(secretary.page)).toBe('应到 10 · 已签到 2 · 请假 1 · 未响应 7');
    await expect.poll(() => footer(member.page)).toBe('应到 10 · 已签到 2 · 请假 1 · 未响应 7');

    // Clicking again is refused with a toast and changes nothing; every click was a new event.
    await notice(member.page).locator('button', { hasText: '签到' }).click();
    await member.page.locator('.toast', { hasText: '无需重复签到' }).waitFor();
    expect(clicks).toHaveLength(2);
    expect(new Set(clicks).size).toBe(2);
    expect(await app.db.prisma.attendance.count({ where: { status: 'PRESENT' } })).toBe(2);
    expect([...secretary.errors, ...member.errors, ...leaver.errors, ...third.errors]).toEqual([]);
    now = new Date('2026-11-20T10:00:00+08:00');
  });

  it('checks a card form inline before anything is sent, then submits it', async () => {
    const { page, errors } = await openConsole('#user=m105&chat=DIRECT:m105');
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/console/api/actions')) posted.push(r.postData() ?? '');
    });
    await send(page, '留言');
    const card = page.locator('.msg.bot .card', { has: page.locator('.card-head', { hasText: '意见箱' }) });
    await card.waitFor();
    await card.locator('button[type=submit]').click();
    expect(await card.locator('.field-err').allTextContents()).toEqual(['请填写「留言」', '请填写「类型」']);
    await card.locator('input[name=note]').fill('一二三四五六七八九十十');
    await card.locator('select[name=kind]').selectOption('idea');
    await card.locator('button[type=submit]').click();
    expect(await card.locator('.field-err').allTextContents()).toEqual(['最多 10 个字，当前 11 个字', '']);
    expect(await card.locator('.field-count').textContent()).toBe('11 / 10');
    expect(await card.locator('.field-count.over').count()).toBe(1);
    await shot(page, '06-form-inline-errors');
    expect(posted).toEqual([]);

    await card.locator('input[name=note]').fill('食堂<b>好</b>');
    expect(await card.locator('.field-err').first().textContent()).toBe('');
    await card.locator('button[type=submit]').click();
    await page.locator('.toast.success', { hasText: '已收到留言' }).waitFor();
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0]!)).toMatchObject({ chatKind: 'DIRECT', chatId: 'm105', userId: 'm105', form: { note: '食堂<b>好</b>', kind: 'idea' } });
    await expect.poll(() => card.locator('.card-foot').textContent()).toBe('已收到，谢谢');
    expect(await card.locator('.fields td').allTextContents()).toEqual(['食堂<b>好</b>', '建议']);
    expect(await card.locator('form').count()).toBe(0);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'e2e.note' } })).toBe(1);
    expect(errors).toEqual([]);
  });

  it('sends a fresh event id with every message, and nothing over the length limit', async () => {
    const { page } = await openConsole('#user=m109&chat=DIRECT:m109');
    const ids: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/console/api/')) ids.push((JSON.parse(r.postData() ?? '{}') as { eventId: string }).eventId);
    });
    await send(page, '帮助');
    await send(page, '帮助');
    await expect.poll(() => page.locator('.msg.bot .card').count()).toBe(2);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // Enter that confirms a Chinese input-method candidate does not send.
    await page.locator('#composer').fill('签到');
    await page.locator('#composer').evaluate((el) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true })));
    await page.waitForTimeout(200);
    expect(ids).toHaveLength(2);
    expect(await page.locator('#composer').inputValue()).toBe('签到');

    // Over the limit the composer says so and sends nothing.
    await page.locator('#composer').fill('长'.repeat(2001));
    expect(await page.locator('#counter').textContent()).toBe('2001 / 2000');
    expect(await page.locator('#compose-hint').textContent()).toBe('超出 1 字，请精简后再发送');
    expect(await page.locator('#send').isDisabled()).toBe(true);
    await page.locator('#composer').press('Enter');
    await page.waitForTimeout(200);
    expect(ids).toHaveLength(2);
    expect(await page.locator('#composer').inputValue()).toHaveLength(2001);
  });

  it('offers to resend a message that did not get through, with the same event id', async () => {
    const { page, errors } = await openConsole('#user=m110&chat=DIRECT:m110');
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/console/api/messages')) sent.push((JSON.parse(r.postData() ?? '{}') as { eventId: string }).eventId);
    });
    await page.route('**/console/api/messages', (r) => r.abort(), { times: 1 });
    await send(page, '帮助');
    const bubble = page.locator('.msg.me', { hasText: '帮助' });
    await bubble.locator('.resend', { hasText: '发送失败，点击重试' }).waitFor();
    expect(await bubble.getAttribute('class')).toContain('failed');
    await page.locator('.toast.error', { hasText: '发送失败' }).waitFor();
    await bubble.locator('.resend').click();
    await page.locator('.msg.bot .card-head', { hasText: '使用说明' }).waitFor();
    await expect.poll(() => bubble.getAttribute('class')).not.toMatch(/failed|pending/);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect(await page.locator('.msg.me').count()).toBe(1);
    expect(await app.db.prisma.inboundEvent.count({ where: { eventId: sent[0] } })).toBe(1);
    expect(errors).toEqual([]);
  });

  it('lets a new visitor bind with the code a secretary issued, and then know them by name', async () => {
    const secretary = await openConsole('#user=m201&chat=DIRECT:m201');
    await send(secretary.page, '生成绑定码 马超');
    const issued = secretary.page.locator('.msg.bot .bubble', { hasText: '马超 的绑定码：' });
    await issued.waitFor();
    const code = /绑定码：([A-Z0-9]{8})/.exec((await issued.textContent()) ?? '')?.[1];
    expect(code).toBeTruthy();

    const { page, errors } = await openConsole('#user=m202&chat=GROUP:branch-2');
    await page.locator('[data-visitor]').click();
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#user=(visitor-[0-9a-f]{8})&chat=DIRECT:\1$/);
    const visitor = /user=([^&]+)/.exec(new URL(page.url()).hash)![1]!;
    expect(await page.locator('.me-card').textContent()).toContain('未绑定');
    await send(page, '签到');
    await page.locator('.msg.bot .bubble', { hasText: '您还没有绑定党员身份' }).waitFor();
    await send(page, `绑定 ${code}`);
    await page.locator('.msg.bot .bubble', { hasText: '绑定成功：马超' }).waitFor();
    await expect.poll(() => page.locator('.me-card .who b').textContent()).toContain('马超');
    const identity = await app.db.prisma.platformIdentity.findFirstOrThrow({ where: { platform: 'CONSOLE', platformUserId: visitor }, include: { member: true } });
    expect(identity.member.name).toBe('马超');
    // Two console accounts, one member: the branch still counts ten.
    await expect.poll(() => page.locator('[data-chat="GROUP:branch-2"] .item-sub').textContent()).toContain('10 名党员');
    await page.reload();
    await page.locator('#messages[data-ready]').waitFor({ state: 'attached' });
    expect(await page.locator('.me-card .who b').textContent()).toContain('马超');
    await shot(page, '08-visitor-bound');
    expect(errors).toEqual([]);
  });

  it('reconnects after the connection drops and shows what was said meanwhile', async () => {
    const { page, errors } = await openConsole('#user=m301&chat=GROUP:branch-3');
    // Keep the stream down while someone else talks in the group, then let it come back.
    await page.route('**/console/api/stream*', (r) => r.abort());
    app.server.server.closeAllConnections();
    await page.locator('.status.retrying').waitFor();
    const eventId = crypto.randomUUID();
    const r = await app.core.handle({ kind: 'message', platform: 'CONSOLE', tenantKey: '', eventId, chat: { kind: 'GROUP', id: 'branch-3' }, user: { id: 'm302', name: '梁燕' }, text: '帮助' });
    expect(r.status).toBe('processed');
    await expect.poll(() => app.db.prisma.outboxMessage.count({ where: { dedupeKey: { startsWith: `reply:CONSOLE:${eventId}:` }, status: 'SENT' } })).toBe(1);
    expect(await page.locator('.msg').count()).toBe(0);
    await shot(page, '07-reconnecting');
    await page.unroute('**/console/api/stream*');
    await page.locator('.status.online').waitFor({ timeout: 20_000 });
    await page.locator('.msg.other', { hasText: '帮助' }).waitFor();
    await page.locator('.msg.bot .card-head', { hasText: '使用说明' }).waitFor();
    // Live again: a new message arrives without a reload.
    await send(page, '你好');
    await page.locator('.msg.bot .card .md', { hasText: '没有听懂「你好」' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('shows HTML a member types as text and never runs it', async () => {
    const { page, dialogs, errors } = await openConsole('#user=m106&chat=GROUP:branch-1');
    const attack = '<img src=x onerror=alert(1)>';
    await send(page, attack);
    await page.locator('.msg.me .bubble', { hasText: attack }).waitFor();
    // The bot quotes unknown text back inside its markdown: inert there too.
    const quoted = page.locator('.msg.bot .card .md', { hasText: '没有听懂「<img src=x onerror=a…」' });
    await quoted.waitFor();
    await send(page, '**<b>粗</b><script>alert(2)</script>');
    await page.locator('.msg.bot .card .md', { hasText: '没有听懂「**<b>粗</b><script>al…」' }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator('#messages img, #messages script, #messages b').count()).toBe(0);
    expect(dialogs).toEqual([]);

    // The markdown renderer on its own: escape first, then only its own tags.
    const rendered = await page.evaluate(() => {
      const r = (window as unknown as { zhibuConsole: { renderMarkdown(s: string): string } }).zhibuConsole.renderMarkdown;
      const box = document.createElement('div');
      box.innerHTML = r('**粗体** <svg onload=alert(3)>\n- 一 <a href="javascript:alert(4)">链</a>\n- 二\n\n1. 甲\n`<i>`');
      return { tags: Array.from(box.querySelectorAll('*')).map((e) => e.tagName.toLowerCase()), attrs: Array.from(box.querySelectorAll('*')).flatMap((e) => Array.from(e.attributes).map((a) => a.name)), text: box.textContent };
    });
    expect(new Set(rendered.tags)).toEqual(new Set(['p', 'strong', 'ul', 'li', 'ol', 'code']));
    expect(rendered.attrs).toEqual([]);
    expect(rendered.text).toContain('<svg onload=alert(3)>');
    expect(rendered.text).toContain('<a href="javascript:alert(4)">链</a>');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);

    // Defence in depth: the page's policy lets only its own script run, so even markup that got in
    // could not run a handler or a script.
    const res = await page.request.get(`${app.url}/console`);
    expect(res.headers()['content-security-policy']).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { pwned?: number };
      document.body.insertAdjacentHTML('beforeend', '<img src="data:," onload="window.pwned=1"><div onclick="window.pwned=2" id="trap"></div>');
      const s = document.createElement('script');
      s.textContent = 'window.pwned = 3';
      document.body.append(s);
      document.getElementById('trap')!.click();
      await new Promise((r) => setTimeout(r, 200));
      return w.pwned ?? null;
    });
    expect(ran).toBeNull();
    await shot(page, '03-xss-1280');
  });

  it('fits a narrow phone screen', async () => {
    const { page } = await openConsole('#user=m102&chat=GROUP:branch-1', { width: 420, height: 860 });
    const helpCards = page.locator('.msg.bot .card-head', { hasText: '使用说明' });
    const before = await helpCards.count();
    await send(page, '帮助');
    await expect.poll(() => helpCards.count()).toBe(before + 1);
    // The reply comes after the question, at the bottom, in view.
    expect(await page.locator('.msg').last().getAttribute('class')).toContain('bot');
    await expect.poll(() => page.evaluate(() => { const m = document.getElementById('messages')!; return m.scrollHeight - m.scrollTop - m.clientHeight; })).toBeLessThan(2);
    // The page itself must not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await shot(page, '04-mobile-420');
    await page.locator('#open-side').click();
    await page.waitForTimeout(300);
    await shot(page, '05-mobile-420-drawer');
    await page.locator('[data-chat="DIRECT"]').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#user=m102&chat=DIRECT:m102');
  });
});
