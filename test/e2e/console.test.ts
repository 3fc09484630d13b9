// The web console in a real browser (Debian's Chromium driven by playwright-core) against the whole
// service on real PostgreSQL and Redis: help, hash links, live updates across tabs, inert HTML.
// Screenshots go to test-artifacts/console/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import type { Router } from '../../src/chat/router.js';
import type { Card } from '../../src/chat/card.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { UserError } from '../../src/chat/context.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.ZHIBU_SKIP_E2E === '1';
const SHOTS = path.resolve('test-artifacts/console');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

let app: App;
let browser: Browser;
let drop: () => Promise<void>;
const contexts: BrowserContext[] = [];

// A sign-up card for the two-tab scenario, routed through the app's own pipeline (startApp's
// extendRouter): a member posts it with 「接龙 …」, every click is an audit row and updates the card.
function signUpCard(topic: string, names: string[], token: string): Card {
  return {
    title: `接龙：${topic}`,
    tone: 'green',
    fields: [{ label: '事项', value: topic }],
    markdown: names.length ? names.map((n) => `- ${n}`).join('\n') : '还没有人接龙',
    buttons: [{ actionId: 'e2e.signup', label: '我参加', style: 'primary', token }],
    footer: `已接龙 ${names.length} 人`,
  };
}

function extendRouter(router: Router): void {
  router
    .command(/^接龙\s+(.+)$/, async (ctx, match) => {
      const key = `e2e-signup:${ctx.inbound.eventId}`;
      const token = ctx.tokens.sign({ action: 'e2e.signup', target: key }, 3600);
      ctx.send({ to: ctx.here, body: { kind: 'card', card: signUpCard(match[1]!, [], token) }, dedupeKey: key });
      ctx.audit({ action: 'e2e.signup.open', entityType: 'SignUp', entityId: key, detail: { topic: match[1]! } });
    })
    .action('e2e.signup', async (ctx, claims) => {
      const opened = await ctx.tx.auditLog.findFirstOrThrow({ where: { action: 'e2e.signup.open', entityId: claims.target } });
      const before = await ctx.tx.auditLog.findMany({ where: { action: 'e2e.signup', entityId: claims.target }, orderBy: { createdAt: 'asc' } });
      const names = before.map((a) => (a.detail as { name: string }).name);
      if (names.includes(ctx.me.name)) throw new UserError('您已经接龙了');
      names.push(ctx.me.name);
      ctx.audit({ action: 'e2e.signup', entityType: 'SignUp', entityId: claims.target, detail: { name: ctx.me.name } });
      const token = ctx.tokens.sign({ action: 'e2e.signup', target: claims.target }, 3600);
      const card = signUpCard((opened.detail as { topic: string }).topic, names, token);
      ctx.send({ to: ctx.here, body: { kind: 'card_update', ofKey: claims.target, card }, dedupeKey: `${claims.target}:v${names.length}` });
      ctx.toast('success', '接龙成功');
    });
}

async function openConsole(hash: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  // A context per tab: separate storage, as two people on two machines.
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
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
    fs.mkdirSync(SHOTS, { recursive: true });
    const db = await freshPostgres({ migrated: false });
    drop = db.drop;
    app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { extendRouter });
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

  it('updates a group card in a second member\'s tab when the first member clicks its button', async () => {
    const a = await openConsole('#user=m207&chat=GROUP:branch-2');
    const b = await openConsole('#user=m208&chat=GROUP:branch-2');
    await send(a.page, '接龙 周六义务植树');
    const cardIn = (p: Page) => p.locator('.msg.bot .card', { has: p.locator('.card-head', { hasText: '接龙：周六义务植树' }) });
    await cardIn(a.page).waitFor();
    await cardIn(b.page).waitFor();
    // Tab B sees what member A said, on the left with A's name.
    expect(await b.page.locator('.msg.other', { hasText: '接龙 周六义务植树' }).locator('.name').textContent()).toContain('何勇');
    expect(await cardIn(b.page).locator('.card-foot').textContent()).toBe('已接龙 0 人');
    await shot(b.page, '02a-group-card-before');

    await cardIn(a.page).locator('button', { hasText: '我参加' }).click();
    await a.page.locator('.toast.success', { hasText: '接龙成功' }).waitFor();
    // B's copy of the card changes in place, with a highlight, and is not duplicated.
    await expect.poll(() => cardIn(b.page).locator('.card-foot').textContent()).toBe('已接龙 1 人');
    expect(await cardIn(b.page).locator('.md li').allTextContents()).toEqual(['何勇']);
    expect(await cardIn(b.page).count()).toBe(1);
    expect(await cardIn(b.page).evaluate((el) => el.classList.contains('flash'))).toBe(true);
    await shot(b.page, '02b-group-card-updated-in-other-tab');

    // And the other way round; a second click by A is refused with a toast and changes nothing.
    await cardIn(b.page).locator('button', { hasText: '我参加' }).click();
    await expect.poll(() => cardIn(a.page).locator('.card-foot').textContent()).toBe('已接龙 2 人');
    expect(await cardIn(a.page).locator('.md li').allTextContents()).toEqual(['何勇', '高雪']);
    await cardIn(a.page).locator('button', { hasText: '我参加' }).click();
    await a.page.locator('.toast.error', { hasText: '您已经接龙了' }).waitFor();
    expect(await app.db.prisma.auditLog.count({ where: { action: 'e2e.signup' } })).toBe(2);
    // A fresh tab gets the card in its latest version from the history.
    const c = await openConsole('#user=m209&chat=GROUP:branch-2');
    await expect.poll(() => cardIn(c.page).locator('.card-foot').textContent()).toBe('已接龙 2 人');
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([]);
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
    await shot(page, '03-xss-1280');
  });

  it('fits a narrow phone screen', async () => {
    const { page } = await openConsole('#user=m102&chat=GROUP:branch-1', { width: 420, height: 860 });
    await send(page, '帮助');
    await page.locator('.msg.bot .card-head', { hasText: '使用说明' }).last().waitFor();
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
