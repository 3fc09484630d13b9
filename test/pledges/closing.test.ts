// Pledge fixes a first-time user needed, through the chat core on PostgreSQL (with Redis) and on
// embedded PGlite: the H5 form submits with fewer items than slots (what a browser really sends for
// the untouched selects); 催交承诺 at night keeps quiet hours like the scheduled reminders; a
// campaign can be closed by those who run it, and a closed campaign reminds nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { Unit } from '../../src/services/kernel.js';
import { SYSTEM } from '../../src/access/principal.js';
import { activeCampaignIds, campaignReminders } from '../../src/services/pledges-oversight.js';
import { startDemoOn } from '../helpers/app.js';
import { ChatDriver, direct, group } from '../helpers/chat.js';

/** What a browser submits for a page's form when the user fills `typed` and leaves the rest alone. */
function browserSubmit(html: string, typed: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="(?:hidden|text|date)"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) out[m[1]!] = m[2]!;
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) out[m[1]!] = m[2]!;
  for (const m of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const options = [...m[2]!.matchAll(/<option value="([^"]*)"( selected)?>/g)];
    out[m[1]!] = (options.find((o) => o[2]) ?? options[0])?.[1] ?? '';
  }
  return { ...out, ...typed };
}

describe.each(['postgres', 'pglite'] as const)('pledge campaigns on %s', (kind) => {
  let app: App;
  let chat: ChatDriver;
  let drop: (() => Promise<void>) | undefined;
  let now = new Date('2027-01-11T10:00:00+08:00'); // a Monday
  const p = () => app.db.prisma;
  const said = (c: ReturnType<typeof direct>, pred: (t: string) => boolean) => chat.waitFor(c, (e) => e.type === 'message' && !!e.text && pred(e.text));
  const asSystem = <T>(fn: (u: Unit) => Promise<T>) => app.db.transaction((scope) => fn(new Unit(scope, SYSTEM, now)));

  beforeAll(async () => {
    // The organ's own quiet hours, which 催交承诺 keeps like the scheduled reminders.
    ({ app, drop } = await startDemoOn(kind, { clock: () => now }, { QUIET_HOURS: '20:00-08:00' }));
    chat = new ChatDriver(app);
    for (const c of ['m102', 'm103', 'm105']) chat.watch(direct(c));
    await chat.say('m102', direct('m102'), '发起承诺');
    const { card } = await chat.waitForCard(direct('m102'), '发起承诺践诺');
    await chat.click('m102', direct('m102'), card.form!, { name: '2027年度党员承诺', scope: 'branch', mode: 'ITEMS', items: '1-3', categories: '攻坚、创新、服务', deadline: '2027-02-28', late: 'REFUSE', report: 'none' });
    await chat.waitForCard(direct('m102'), '已发起：2027年度党员承诺');
  }, 120_000);
  afterAll(async () => {
    chat?.close();
    await app?.stop();
    await drop?.();
  });

  it('the H5 form submits with one item of three: the untouched category selects send nothing', async () => {
    const invite = await chat.waitForCard(direct('m105'), '请填写：2027年度党员承诺');
    const url = new URL(invite.card.form!.url!);
    const page = await app.server.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/name="category3"[^>]*><option value="" selected>请选择<\/option>/);
    const form = browserSubmit(page.body, { category1: '攻坚', content1: '牵头攻坚一项难题' });
    expect([form.category2, form.category3]).toEqual(['', '']);
    const post = await app.server.inject({ method: 'POST', url: '/h5/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
    expect(post.statusCode).toBe(200);
    const pl = await p().pledge.findFirstOrThrow({ where: { member: { employeeNo: 'm105' } }, include: { items: true } });
    expect([pl.status, pl.items.map((i) => [i.category, i.content])]).toEqual(['SUBMITTED', [['攻坚', '牵头攻坚一项难题']]]);
  });

  it('催交承诺 at night keeps quiet hours: the reminders wait for the next working morning', async () => {
    now = new Date('2027-01-11T22:30:00+08:00');
    await chat.say('m102', direct('m102'), '催交承诺');
    await said(direct('m102'), (t) => t.startsWith('现在是休息时间') && t.includes('2027年1月12日 09:00'));
    const rows = await p().outboxMessage.findMany({ where: { category: 'reminder' } });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.notBefore.toISOString()).toBe(new Date('2027-01-12T09:00:00+08:00').toISOString());
    // in working hours the next day they go at once
    now = new Date('2027-01-12T10:00:00+08:00');
    const before = rows.length;
    await chat.say('m102', direct('m102'), '催交承诺');
    await said(direct('m102'), (t) => t.startsWith('已私信提醒'));
    const fresh = (await p().outboxMessage.findMany({ where: { category: 'reminder' }, orderBy: { seq: 'asc' } })).slice(before);
    expect(fresh.length).toBeGreaterThan(0);
    for (const r of fresh) expect(r.notBefore.getTime()).toBeLessThanOrEqual(now.getTime() + 1000);
    // 20:30 is inside the configured quiet hours (20:00-08:00), though not the built-in ones.
    now = new Date('2027-01-14T20:30:00+08:00');
    await chat.say('m102', direct('m102'), '催交承诺');
    await said(direct('m102'), (t) => t.startsWith('现在是休息时间') && t.includes('2027年1月15日'));
  });

  it('closes a campaign for those who run it; a closed campaign reminds nobody', async () => {
    await chat.say('m103', direct('m103'), '结束承诺');
    await said(direct('m103'), (t) => t.includes('结束承诺活动'));
    expect((await p().pledgeCampaign.findFirstOrThrow()).closedAt).toBeNull();

    await chat.say('m102', direct('m102'), '结束承诺 2027年度党员承诺');
    await said(direct('m102'), (t) => t.startsWith('已结束「2027年度党员承诺」'));
    const c = await p().pledgeCampaign.findFirstOrThrow();
    expect(c.closedAt?.getTime()).toBe(now.getTime());
    expect(await p().auditLog.count({ where: { action: 'pledge.close', entityId: c.id } })).toBe(1);

    now = new Date('2027-01-13T10:00:00+08:00');
    const before = await p().outboxMessage.count({ where: { category: 'reminder' } });
    expect(await asSystem((u) => activeCampaignIds(u))).toEqual([]);
    expect(await asSystem((u) => campaignReminders(u, { campaignId: c.id, tz: 'Asia/Shanghai' }))).toBe(false);
    await chat.say('m102', direct('m102'), '催交承诺');
    await said(direct('m102'), (t) => t === '没有找到您所管理支部正在进行的承诺活动。');
    expect(await p().outboxMessage.count({ where: { category: 'reminder' } })).toBe(before);
  });
});
