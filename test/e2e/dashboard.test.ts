// 驾驶舱 in Debian Chromium: sign in through the link the bot sends in chat, open the 工委 view and a unit,
// the 机关党委 view, drill down branch → obligation → meeting record, at 1280 px and at 420 px (links
// from chat open on phones). Screenshots in test-artifacts/dashboard/. No page above the branch names a member.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type ChatDriver, direct } from '../helpers/chat.js';
import { dashboardOrganFor, lastDm, signInPath, type DashboardOrgan } from '../helpers/dashboard.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.ZHIBU_SKIP_E2E === '1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const SHOTS = path.resolve('test-artifacts/dashboard');
let o: DashboardOrgan;
let chat: ChatDriver;
let browser: Browser;

/** A fresh browser (own cookies) at `width`, signed in through the chat link of `code`. */
async function signedIn(code: string, width: number): Promise<Page> {
  await chat.say(code, direct(code), '驾驶舱');
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await page.goto(`${o.app.url}${signInPath(await lastDm(o.app, code))}`);
  await page.locator('h1').first().waitFor();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const noNames = (text: string) => expect(o.names.filter((n) => text.includes(n))).toEqual([]);

describe.skipIf(SKIP)('驾驶舱 in Chromium', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`端到端测试需要 Chromium，但找不到 ${CHROMIUM}（apt-get install -y chromium fonts-wqy-microhei，或设置 CHROMIUM_PATH）`);
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  dashboardOrganFor((organ, driver) => ((o = organ), (chat = driver)));

  for (const width of [1280, 420]) {
    it(`the 工委 and the 机关党委 views, down to a meeting, at ${width} px`, async () => {
      // 工委: both units, then one unit's branches.
      const w = await signedIn('w01', width);
      await expect(w.locator('h1').first().textContent()).resolves.toBe('市直机关工委（示例）');
      const committee = await w.content();
      expect(committee).toContain('示例市财政局');
      noNames(committee);
      // The chart is drawn by ECharts served by the service itself (no CDN): an SVG per unit's bars.
      await w.locator('#chart[data-ready] svg').waitFor();
      await shot(w, `committee-${width}`);
      await w.getByRole('link', { name: '示例市发展和改革委员会', exact: true }).click();
      await w.locator('text=各支部情况').waitFor();
      noNames(await w.content());
      await shot(w, `unit-${width}`);
      // The page fits the phone's width: nothing wider than the viewport but the scrolling tables.
      const overflow = await w.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      // 机关党委 secretary: branches → branch 1 → 主题党日 → the meeting's record.
      const m = await signedIn('m101', width);
      await m.locator('text=各支部情况').waitFor();
      noNames(await m.content());
      await m.locator('#chart[data-ready] svg').waitFor();
      await shot(m, `organ-${width}`);
      await m.getByRole('link', { name: '第一党支部（办公室）' }).click();
      await m.locator('text=本支部情况').waitFor();
      await shot(m, `branch-${width}`);
      await m.getByRole('link', { name: '主题党日', exact: true }).first().click();
      await m.locator('text=学习贯彻四中全会精神').first().waitFor();
      await shot(m, `obligation-${width}`);
      await m.getByRole('link', { name: '会议记录' }).first().click();
      await m.locator('text=集体学习四中全会公报').waitFor();
      await shot(m, `meeting-${width}`);
      await w.context().close();
      await m.context().close();
    }, 120_000);
  }
});
