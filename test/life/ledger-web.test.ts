// Personal ledger links through the whole service on PostgreSQL (with Redis) and on PGlite: the workbook and
// the printable meeting record are given only to the member the link was sent to. With no identity
// (curl) the link gives a confirmation page, never the content; the code goes privately to that
// member; someone else's identity is refused. The printable record is rendered in Chromium
// (screenshot and PDF per database in test-artifacts/ledger/).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { chromium } from 'playwright-core';
import type { App } from '../../src/app.js';
import { runUnit } from '../../src/chat/effects.js';
import { findMember } from '../../src/domain/org.js';
import { memberPrincipal } from '../../src/access/principal.js';
import type { Unit } from '../../src/services/kernel.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { checkIn } from '../../src/services/attendance.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { LEDGER_ACTION, ledgerTarget, RECORD_ACTION } from '../../src/web/ledger-files.js';
import { startDemoOn } from '../helpers/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-artifacts/ledger');

describe.each(['postgres', 'pglite'] as const)('personal ledger links on %s', (kind) => {
  let app: App;
  let drop: () => Promise<void>;
  let now = new Date('2026-11-20T10:00:00+08:00');
  let b1: string;
  let sessionId: string;
  const ids: Record<string, string> = {};

  async function as<T>(code: string, at: string, fn: (u: Unit) => Promise<T>): Promise<T> {
    now = new Date(at);
    const member = (await findMember(app.db.prisma, ids[code]!))!;
    return (await runUnit(app.db, memberPrincipal(member, 'web'), now, app.core.presenters, fn)).result;
  }

  beforeAll(async () => {
    ({ app, drop } = await startDemoOn(kind, { clock: () => now }, { RUN_WORKERS: 'false' }));
    for (const m of await app.db.prisma.member.findMany({ select: { id: true, employeeNo: true } })) ids[m.employeeNo!] = m.id;
    b1 = (await app.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    const themeDay = (await as('m101', '2026-11-20T10:00:00+08:00', (u) => branchKinds(u))).find((k) => k.code === 'theme_day')!;
    sessionId = (await as('m101', '2026-11-20T10:00:00+08:00', (u) => createNotice(u, { branchId: b1, draft: { kind: themeDay, at: new Date('2026-12-05T14:30:00+08:00'), place: '三楼会议室', topic: '学习贯彻四中全会精神', attendeeNames: [], groupName: null } }))).session.id;
    for (const code of ['m101', 'm102', 'm103']) await as(code, '2026-12-05T14:10:00+08:00', (u) => checkIn(u, { sessionId }));
    await as('m102', '2026-12-05T17:00:00+08:00', (u) =>
      saveMinutes(u, { sessionId, summary: '集体学习四中全会公报，结合本职谈体会。', resolutions: '开展一次志愿服务', speakers: '王建国、张伟', attachments: '会议照片 https://example.org/p1.jpg', untitled: (n) => `附件${n}`, recorder: '李秀英', observers: '赵磊', endsAt: new Date('2026-12-05T16:30:00+08:00') }),
    );
    now = new Date('2026-12-10T10:00:00+08:00');
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await drop?.();
  });

  const link = (action: string, target: string, member: string) => `/files/${action === LEDGER_ACTION ? 'ledger' : 'meeting-record'}?t=${encodeURIComponent(app.tokens.sign({ action, target, member: ids[member]! }, 1800, now))}`;
  const post = (body: Record<string, string>, cookie?: string) =>
    fetch(`${app.url}/files/identity`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) } });

  /** Prove to be `code` for `url`: ask for the code, read it from the DM the outbox holds, enter it. */
  async function identify(code: string, url: string): Promise<string> {
    const sent = await post({ link: url, step: 'send' });
    expect(sent.status).toBe(200);
    const dm = await app.db.prisma.outboxMessage.findFirstOrThrow({ where: { memberId: ids[code], dedupeKey: { startsWith: 'web:identity:' } }, orderBy: { seq: 'desc' } });
    expect(dm.targetKind).toBe('DIRECT');
    const digits = /验证码：(\d{6})/.exec(JSON.stringify(dm.payload))![1]!;
    const wrong = await post({ link: url, step: 'verify', code: digits === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('验证码不正确或已过期');
    const ok = await post({ link: url, step: 'verify', code: digits });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(url);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    return cookie.split(';')[0]!;
  }

  describe('a link bound to its member', () => {
    let cookie101: string;

    it('gives no file to a client with no identity, only the confirmation page', async () => {
      const url = link(LEDGER_ACTION, ledgerTarget(b1, '2026Q4'), 'm101');
      const res = await fetch(`${app.url}${url}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('这个链接只供 王** 本人使用');
      expect(html).not.toContain('学习贯彻四中全会精神');
    });

    it('opens for the member it was sent to after the code sent to him privately', async () => {
      const url = link(LEDGER_ACTION, ledgerTarget(b1, '2026Q4'), 'm101');
      cookie101 = await identify('m101', url);
      const res = await fetch(`${app.url}${url}`, { headers: { cookie: cookie101 } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('spreadsheetml');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
      const ws = wb.getWorksheet('主题党日')!;
      const head = (ws.getRow(2).values as string[]).slice(1);
      expect(ws.getRow(3).getCell(head.indexOf('主持人') + 1).value).toBe('王建国');
      expect(ws.getRow(3).getCell(head.indexOf('记录人') + 1).value).toBe('李秀英');
    });

    it('refuses a link sent to someone else, even to a member who proved who he is', async () => {
      const toOther = link(LEDGER_ACTION, ledgerTarget(b1, '2026Q4'), 'm102');
      const res = await fetch(`${app.url}${toOther}`, { headers: { cookie: cookie101 } });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('这个链接是发给另一位同志的');
      // a forged or edited identity cookie is no identity
      const forged = await fetch(`${app.url}${link(LEDGER_ACTION, ledgerTarget(b1, '2026Q4'), 'm101')}`, { headers: { cookie: `${cookie101}x` } });
      expect(forged.status).toBe(401);
      // the holder of a forwarded link cannot get the code: it goes to the member the link names
      const before = await app.db.prisma.outboxMessage.count({ where: { memberId: ids.m103 } });
      await post({ link: toOther, step: 'send' });
      expect(await app.db.prisma.outboxMessage.count({ where: { memberId: ids.m103 } })).toBe(before);
      expect(await app.db.prisma.outboxMessage.count({ where: { memberId: ids.m102, dedupeKey: { startsWith: 'web:identity:' } } })).toBe(1);
    });

    it('renders the printable meeting record (会议记录) in Chromium', async () => {
      const url = link(RECORD_ACTION, sessionId, 'm101');
      expect((await fetch(`${app.url}${url}`)).status).toBe(401);
      const res = await fetch(`${app.url}${url}`, { headers: { cookie: cookie101 } });
      expect(res.status).toBe(200);
      const html = await res.text();
      if (!fs.existsSync(CHROMIUM)) throw new Error(`需要 Chromium：${CHROMIUM}`);
      fs.mkdirSync(SHOTS, { recursive: true });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
        await page.setContent(html);
        await expect(page.locator('h1').textContent()).resolves.toBe('第一党支部（办公室）主题党日会议记录');
        const row = async (label: string) => page.locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) }).first().innerText();
        // the end as a clock time: the meeting ended the day it began
        expect(await page.locator('tr', { has: page.locator('th', { hasText: /^时间$/ }) }).first().locator('td').first().innerText()).toBe('2026年12月5日（周六）14:30—16:30');
        expect(await row('主持人')).toContain('王建国');
        expect(await row('记录人')).toContain('李秀英');
        expect(await row('列席人员')).toContain('赵磊');
        expect(await row('缺席人员')).toContain('刘洋');
        expect(await page.locator('body').innerText()).toContain('应到 10 人，实到 3 人，请假 0 人，缺席 7 人，出席率 30%');
        await page.screenshot({ path: path.join(SHOTS, `meeting-record-${kind}.png`), fullPage: true });
        await page.emulateMedia({ media: 'print' });
        expect(await page.locator('.tools').isVisible()).toBe(false);
        const pdf = await page.pdf({ format: 'A4', path: path.join(SHOTS, `meeting-record-${kind}.pdf`) });
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBe(1);
      } finally {
        await browser.close();
      }
    });
  });
});
