// Pledge cards in the web console, in a real browser (Debian's Chromium with playwright-core): HTML
// and script in a member's pledge text stay inert text in the secretary's review card and in the
// member's pre-filled form, and the review buttons work from the page. Screenshots go to
// test-artifacts/pledges/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { ChatDriver, direct, group } from '../helpers/chat.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.ZHIBU_SKIP_E2E === '1';
const SHOTS = path.resolve('test-artifacts/pledges');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'];
const HTML = '<script>alert("x")</script><img src=x onerror=alert(1)><b>加强</b>学习';

let app: App;
let chat: ChatDriver;
let browser: Browser;
let drop: () => Promise<void>;
const now = new Date('2027-01-10T02:00:00Z');

describe.skipIf(SKIP)('pledge cards in the web console', () => {
  beforeAll(async () => {
    const db = await freshPostgres({ migrated: false });
    drop = db.drop;
    app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { clock: () => now });
    chat = new ChatDriver(app);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    chat?.close();
    await app?.stop();
    await drop?.();
  });

  async function open(hash: string): Promise<{ page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${app.url}/console${hash}`);
    await page.locator('.status.online').waitFor();
    return { page, dialogs };
  }

  it('shows HTML in a pledge as text in the review card and the returned form; review works from the page', async () => {
    chat.watch(direct('m104'));
    chat.watch(direct('m101'));
    await chat.say('m101', group(1), '发起承诺 2027年度党员承诺践诺 截止 2027年1月31日 每人1-3条');
    const invite = await chat.waitForCard(direct('m104'), '请填写');
    await chat.click('m104', direct('m104'), invite.card.form!, { category1: '学习提升', content1: HTML });
    await chat.waitForCard(direct('m101'), '承诺审核：刘洋');

    const secretary = await open('#user=m101&chat=DIRECT:m101');
    const card = secretary.page.locator('.msg.bot .card', { has: secretary.page.locator('.card-head', { hasText: '承诺审核：刘洋' }) });
    await card.waitFor();
    expect(await card.locator('.fields').textContent()).toContain(HTML);
    expect(await card.locator('script, img, b').count()).toBe(0);
    await secretary.page.screenshot({ path: path.join(SHOTS, 'review-card.png') });

    await card.locator('textarea').fill('请写明具体措施');
    await card.locator('button[type=submit]').click();
    await secretary.page.locator('.card-head', { hasText: '已退回：刘洋 的承诺' }).waitFor();

    const member = await open('#user=m104&chat=DIRECT:m104');
    const returned = member.page.locator('.msg.bot .card', { has: member.page.locator('.card-head', { hasText: '承诺被退回修改' }) });
    await returned.waitFor();
    expect(await returned.locator('textarea[name=content1]').inputValue()).toBe(HTML);
    expect(await returned.locator('.fields').textContent()).toContain('请写明具体措施');
    expect(await member.page.locator('.card script, .card img, .card b').count()).toBe(0);
    await member.page.screenshot({ path: path.join(SHOTS, 'returned-card.png') });
    expect([...secretary.dialogs, ...member.dialogs]).toEqual([]);
    expect((await app.db.prisma.pledge.findFirstOrThrow({ where: { member: { employeeNo: 'm104' } } })).status).toBe('RETURNED');
  });
});
