// 驾驶舱 through the whole service on PostgreSQL: the sign-in link from chat (once, 5 minutes, bound to its
// member), the session cookie (revocable), scopes (a unit's 机关党委 cannot open another unit; the 工委 sees
// both; a member cannot open it; a branch secretary gets his branch), no member's name in any response above
// the branch (pages, JSON, cards), and figures equal to the compliance computation for every branch.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { runUnit } from '../../src/chat/effects.js';
import { SYSTEM } from '../../src/access/principal.js';
import { computeCompliance } from '../../src/domain/life/compliance.js';
import { periodOf, previousPeriod } from '../../src/domain/life/period.js';
import { dashboardView, freezeSnapshots, snapshotOf } from '../../src/services/dashboard.js';
import { SIGN_IN_ACTION } from '../../src/web/dashboard.js';
import { sessionsCommand } from '../../src/cli/sessions.js';
import { storeFile } from '../../src/state/files.js';
import { type ChatDriver, direct } from '../helpers/chat.js';
import { lastDm as lastDmOf, signInPath, dashboardOrganFor, type DashboardOrgan } from '../helpers/dashboard.js';

const TZ = 'Asia/Shanghai';
let o: DashboardOrgan;
let app: App;
let chat: ChatDriver;
let ids: Record<string, string>;
let node: Record<string, string>;
let names: string[] = [];
const clock = () => o.clock;
const START = new Date('2026-12-10T10:00:00+08:00');

const lastDm = (code: string) => lastDmOf(app, code);

/** `驾驶舱` in a direct chat; the sign-in link from the reply (path and query). */
async function signInLink(code: string): Promise<string> {
  await chat.say(code, direct(code), '驾驶舱');
  return signInPath(await lastDm(code));
}

const get = (path: string, cookie?: string) => fetch(`${app.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

async function signIn(code: string): Promise<string> {
  const r = await get(await signInLink(code));
  expect(r.status).toBe(303);
  const c = r.headers.get('set-cookie')!;
  expect(c).toMatch(/HttpOnly/);
  expect(c).toMatch(/Max-Age=28800/);
  return c.split(';')[0]!;
}

const noNames = (text: string) => expect(names.filter((n) => text.includes(n))).toEqual([]);

dashboardOrganFor((organ, driver) => {
  o = organ;
  ({ app, ids, node, names } = organ);
  chat = driver;
});

describe('sign-in link', () => {
  it('opens a session once; a replayed, expired or forged link is refused; a revoked session is refused', async () => {
    const link = await signInLink('m101');
    expect(await lastDm('m101')).toContain('5 分钟内有效');
    const first = await get(link);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/dashboard');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const replay = await get(link);
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('登录链接已使用或已失效');

    const home = await get('/dashboard', cookie);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('示例市发展和改革委员会机关党委');
    expect(html).toContain('第二党支部（规划处）');
    noNames(html);

    // Forged: another member's id in a token signed with a different secret, or an edited signature.
    const t = decodeURIComponent(link.split('t=')[1]!);
    const forged = await get(`/dashboard/sign-in?t=${encodeURIComponent(t.slice(0, -3) + (t.endsWith('AAA') ? 'BBB' : 'AAA'))}`);
    expect(forged.status).toBe(403);
    // Expired: a link signed six minutes ago for five minutes.
    const now = clock().now;
    const row = await app.db.prisma.webSession.create({ data: { memberId: ids.m101!, linkExpiresAt: new Date(now.getTime() + 60_000) } });
    const old = app.tokens.sign({ action: SIGN_IN_ACTION, target: row.id, member: ids.m101! }, 300, new Date(now.getTime() - 6 * 60_000));
    const expired = await get(`/dashboard/sign-in?t=${encodeURIComponent(old)}`);
    expect(expired.status).toBe(410);
    // A link of another action (a ledger link) is not a sign-in.
    const other = app.tokens.sign({ action: 'ledger.record', target: row.id, member: ids.m101! }, 300, now);
    expect((await get(`/dashboard/sign-in?t=${encodeURIComponent(other)}`)).status).toBe(403);
    // ECharts comes from the service itself.
    const js = await get('/dashboard/assets/echarts.min.js');
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(500_000);
    // No cookie, or a made-up one.
    expect((await get('/dashboard')).status).toBe(401);
    expect((await get('/dashboard', 'zhibu_dash=made-up')).status).toBe(401);

    // Revoked by the operator: the cookie no longer opens anything.
    const out: string[] = [];
    const code = await sessionsCommand(['revoke', '--member', 'm101'], async (fn) => fn(app.db.prisma), { log: (s) => out.push(s), error: (s) => out.push(s) }, now);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/已注销 [1-9]\d* 个会话/);
    expect((await get('/dashboard', cookie)).status).toBe(401);
    const audits = await app.db.prisma.auditLog.count({ where: { action: { in: ['web.sign_in', 'web.session_revoke', 'web.sign_in_link'] } } });
    expect(audits).toBeGreaterThanOrEqual(3);
  });

  it('the session lasts 8 hours', async () => {
    const cookie = await signIn('m101');
    clock().now = new Date(START.getTime() + 7.9 * 3600_000);
    expect((await get('/dashboard', cookie)).status).toBe(200);
    clock().now = new Date(START.getTime() + 8.1 * 3600_000);
    expect((await get('/dashboard', cookie)).status).toBe(401);
    clock().now = START;
  });

  it('a member without a post is refused in chat and gets no link', async () => {
    const before = await app.db.prisma.webSession.count();
    await chat.say('m108', direct('m108'), '驾驶舱');
    expect(await lastDm('m108')).toContain('驾驶舱供支部委员、机关党委、工委的同志和管理员使用');
    expect(await app.db.prisma.webSession.count()).toBe(before);
  });
});

describe('scopes', () => {
  it("unit A's 机关党委 cannot open unit B, and unit B's cannot open unit A; the 工委 sees both", async () => {
    const a = await signIn('m101');
    expect((await get(`/dashboard/node/${node['b-organ']}`, a)).status).toBe(403);
    expect((await get(`/dashboard/node/${node['b-branch-1']}`, a)).status).toBe(403);
    expect((await get(`/dashboard/data/${node['b-unit']}`, a)).status).toBe(403);
    const b = await signIn('b01');
    expect((await get(`/dashboard/node/${node['demo-organ']}`, b)).status).toBe(403);
    expect((await get(`/dashboard/node/${node['demo-branch-1']}`, b)).status).toBe(403);
    const own = await get('/dashboard', b);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('财政局第一党支部');

    const w = await signIn('w01');
    const home = await (await get('/dashboard', w)).text();
    expect(home).toContain('示例市发展和改革委员会');
    expect(home).toContain('示例市财政局');
    noNames(home);
    for (const code of ['demo-unit', 'demo-organ', 'b-unit', 'b-organ']) {
      const r = await get(`/dashboard/node/${node[code]}`, w);
      expect(r.status).toBe(200);
      noNames(await r.text());
      const j = await get(`/dashboard/data/${node[code]}`, w);
      expect(j.status).toBe(200);
      noNames(await j.text());
    }
    const committeeJson = await (await get(`/dashboard/data/${node['demo-committee']}`, w)).text();
    noNames(committeeJson);
    expect(JSON.parse(committeeJson).units.map((u: { name: string }) => u.name)).toEqual(expect.arrayContaining(['示例市财政局', '示例市发展和改革委员会']));
  });

  it("a branch secretary gets his own branch; names of a meeting only for the branch's managers", async () => {
    const s = await signIn('b02');
    const r = await get('/dashboard', s);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('本支部情况');
    expect((await get(`/dashboard/node/${node['b-organ']}`, s)).status).toBe(403);

    const manager = await signIn('m102'); // 组织委员 of branch 1
    const page = await (await get(`/dashboard/node/${node['demo-branch-1']}`, manager)).text();
    expect(page).toContain('学习贯彻四中全会精神');
    expect(page).toContain('王建国'); // who attended: the branch's managers see names
    const viewer = await signIn('m103'); // 宣传委员: sees the branch, not the names
    const plain = await get(`/dashboard/node/${node['demo-branch-1']}`, viewer);
    expect(plain.status).toBe(200);
    const text = await plain.text();
    expect(text).toContain('学习贯彻四中全会精神');
    noNames(text);
    // The organ secretary above sees branch 1's figures, and names there as a manager of the branch (branch.manage).
    const organ = await signIn('m101');
    const organPage = await (await get(`/dashboard/node/${node['demo-organ']}`, organ)).text();
    noNames(organPage);
  });

  it("shows a meeting's photos (纪实照片) on its record to the branch's managers, and to nobody else", async () => {
    const picture = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(800)]);
    const sha = crypto.createHash('sha256').update(picture).digest('hex');
    await storeFile(app.db.sql, { sha256: sha, bytes: picture, mime: 'image/png' });
    const minutes = await app.db.prisma.minutes.findUniqueOrThrow({ where: { sessionId: o.sessionId } });
    await app.db.prisma.minutes.update({ where: { id: minutes.id }, data: { attachments: [{ title: '会议照片', url: `file:${sha}`, kind: 'image', sha256: sha, size: picture.length }] } });
    const file = `/dashboard/meeting/${o.sessionId}/file/${sha}`;

    const manager = await signIn('m102');
    const record = await (await get(`/dashboard/meeting/${o.sessionId}`, manager)).text();
    expect(record).toContain(`<img src="${file}" alt="会议照片">`);
    const served = await get(file, manager);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);
    // A file that is not this meeting's, someone who may not open the record, no session.
    expect((await get(`/dashboard/meeting/${o.sessionId}/file/${'0'.repeat(64)}`, manager)).status).toBe(404);
    expect((await get(file, await signIn('m103'))).status).toBe(403);
    expect((await get(file)).status).toBe(401);
  });

  it("lists the records that met an item with their evidence (kept pictures, links) to the branch's managers only", async () => {
    const picture = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), crypto.randomBytes(600)]);
    const sha = crypto.createHash('sha256').update(picture).digest('hex');
    await storeFile(app.db.sql, { sha256: sha, bytes: picture, mime: 'image/jpeg' });
    const record = await app.db.prisma.dutyRecord.create({
      data: {
        itemCode: 'B-10', orgNodeId: node['demo-branch-1']!, memberId: ids['m106']!, occurredAt: new Date('2026-12-08T10:00:00+08:00'), text: '12月党费已交',
        evidence: [{ kind: 'image', url: `file:${sha}`, sha256: sha, size: picture.length }, { kind: 'link', url: 'https://pay.example/r/9' }],
      },
    });
    const manager = await signIn('m102');
    const data = JSON.parse(await (await get(`/dashboard/data/${node['demo-branch-1']}`, manager)).text()) as { branch: { lines: Array<{ key: string; itemCode: string | null }> } };
    const key = data.branch.lines.find((l) => l.itemCode === 'B-10')!.key;
    const path = `/dashboard/node/${node['demo-branch-1']}/obligation?k=${encodeURIComponent(key)}`;
    const file = `/dashboard/record/${record.id}/file/${sha}`;
    const page = await (await get(path, manager)).text();
    expect(page).toContain('工作记录');
    expect(page).toContain('杨帆');
    expect(page).toContain('12月党费已交');
    expect(page).toContain(`<img class="evidence" src="${file}"`);
    expect(page).toContain('href="https://pay.example/r/9"');
    const served = await get(file, manager);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);
    expect((await get(`/dashboard/record/${record.id}/file/${'1'.repeat(64)}`, manager)).status).toBe(404);

    // 宣传委员 sees the branch's figures, not its members' records or their pictures.
    const viewer = await signIn('m103');
    const plain = await get(path, viewer);
    expect(plain.status).toBe(200);
    const text = await plain.text();
    expect(text).not.toContain('工作记录');
    expect(text).not.toContain('12月党费已交');
    expect((await get(file, viewer)).status).toBe(403);
  });
});

describe('figures', () => {
  it("equal the compliance computation for every branch, and the roll-up counts branches with everything done", async () => {
    const now = clock().now;
    const period = periodOf('quarter', now, TZ);
    const { result: v } = await runUnit(app.db, SYSTEM, now, app.core.presenters, (u) => dashboardView(u, { nodeId: node['demo-organ']!, period }, { timezone: TZ, atRiskDays: 10 }));
    if (v.level !== 'organ') throw new Error('organ view expected');
    expect(v.organ.branches.map((b) => b.name)).toEqual(['第一党支部（办公室）', '第二党支部（规划处）', '第三党支部（综合处）']);
    let allDone = 0;
    for (const b of v.organ.branches) {
      const c = await computeCompliance(app.db.prisma as never, { orgNodeId: b.id, period, now, tz: TZ, atRiskDays: 10 });
      const counts = { done: 0, open: 0, at_risk: 0, missed: 0 };
      for (const i of c.items) counts[i.status]++;
      expect(b.obligations).toEqual(counts);
      expect(b.lines.map((l) => [l.key, l.status, l.held, l.required])).toEqual(c.items.map((i) => [i.obligationKey, i.status, i.held, i.required]));
      if (c.items.every((i) => i.status === 'done')) allDone++;
    }
    expect(v.organ.rollUp.branchesAllDone).toBe(allDone);
    // Branch 1: one 主题党日 held in November with minutes, 6 of 10 at it; branch 2 held nothing and misses November's.
    const [b1, b2] = v.organ.branches;
    expect(b1!.records).toEqual({ held: 1, withMinutes: 1, withHost: 1 });
    expect(b1!.attendance.attended).toBe(6);
    expect(b1!.attendance.expected).toBe(10);
    expect(b2!.records.held).toBe(0);
    const theme = b2!.lines.find((l) => l.kindCode === 'theme_day')!;
    expect(theme.missedParts).toContain('2026年11月');
    expect(b1!.lines.find((l) => l.kindCode === 'theme_day')!.missedParts).not.toContain('2026年11月');
    noNames(JSON.stringify(v));
  });

  it("the 工委 view's units (computed from one load of the whole committee) equal the compliance computation of each unit, its 机关党委 and its branches, this quarter and the last", async () => {
    const now = clock().now;
    const period = periodOf('quarter', now, TZ);
    const prev = previousPeriod(period, TZ);
    const { result: v } = await runUnit(app.db, SYSTEM, now, app.core.presenters, (u) => dashboardView(u, { nodeId: node['demo-committee']!, period }, { timezone: TZ, atRiskDays: 10 }));
    if (v.level !== 'committee') throw new Error('committee view expected');
    const counts = async (ids: string[], p: typeof period) => {
      const c = { done: 0, open: 0, at_risk: 0, missed: 0 };
      let allDone = 0;
      for (const id of ids) {
        const items = (await computeCompliance(app.db.prisma as never, { orgNodeId: id, period: p, now, tz: TZ, atRiskDays: 10 })).items;
        for (const i of items) c[i.status]++;
        if (items.every((i) => i.status === 'done')) allDone++;
      }
      return { c, allDone };
    };
    const kids = async (parentId: string, kind: 'ORGAN_COMMITTEE' | 'BRANCH') => (await app.db.prisma.orgNode.findMany({ where: { parentId, kind }, select: { id: true }, orderBy: { code: 'asc' } })).map((n) => n.id);
    // Both units, in the roster's order (codes).
    expect(v.units.map((x) => x.code)).toEqual(['b-unit', 'demo-unit']);
    for (const unitRow of v.units) {
      const organs = await kids(unitRow.id, 'ORGAN_COMMITTEE');
      expect(unitRow.own).toEqual((await counts([unitRow.id, ...organs], period)).c);
      const branches = (await Promise.all(organs.map((o) => kids(o, 'BRANCH')))).flat();
      expect(branches.length).toBeGreaterThan(0);
      for (const [p, r] of [[period, unitRow.rollUp], [prev, unitRow.previous]] as const) {
        const expected = await counts(branches, p);
        expect(r.obligations).toEqual(expected.c);
        expect([r.branches, r.branchesAllDone]).toEqual([branches.length, expected.allDone]);
      }
    }
    noNames(JSON.stringify(v));
  });
});

describe('chat cards', () => {
  it('本机关本季度党建情况 and 各单位本季度情况 carry the figures, no names, and a [查看明细] link to that place', async () => {
    await chat.say('m101', direct('m101'), '本机关本季度党建情况');
    const organCard = await lastDm('m101');
    expect(organCard).toContain('本机关本季度党建情况');
    expect(organCard).toContain('第二党支部（规划处）');
    expect(organCard).toContain('查看明细');
    noNames(organCard);
    const link = /(\/dashboard\/sign-in\?t=[^\s"\\)]+)/.exec(organCard)![1]!;
    const opened = await get(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/dashboard/node/${node['demo-organ']}?p=2026Q4`);

    await chat.say('w01', direct('w01'), '各单位本季度情况');
    const committeeCard = await lastDm('w01');
    expect(committeeCard).toContain('各单位本季度情况');
    expect(committeeCard).toContain('示例市财政局');
    expect(committeeCard).toContain('示例市发展和改革委员会');
    noNames(committeeCard);

    await chat.say('m108', direct('m108'), '各单位本季度情况');
    expect(await lastDm('m108')).toContain('这张情况卡片供机关党委、工委的同志查看');
    await chat.say('m101', direct('m101'), '各单位本季度情况');
    expect(await lastDm('m101')).toContain('这张情况卡片供机关党委、工委的同志查看');
  });
});

describe('quarterly snapshots', () => {
  it('the snapshot of 2026Q4 taken on 2027-01-06 does not change when a December meeting is recorded later; the live view does', async () => {
    const o16 = { timezone: TZ, atRiskDays: 10 };
    const sys = <T>(at: string, fn: Parameters<typeof runUnit<T>>[4]) => {
      clock().now = new Date(at);
      return runUnit(app.db, SYSTEM, clock().now, app.core.presenters, fn).then((r) => r.result);
    };
    // Not yet: four days after the quarter.
    expect(await sys('2027-01-04T09:00:00+08:00', (u) => freezeSnapshots(u, { ...o16, afterDays: 5 }))).toBe(0);
    const frozen = await sys('2027-01-06T09:00:00+08:00', (u) => freezeSnapshots(u, { ...o16, afterDays: 5 }));
    expect(frozen).toBe(5); // the 工委, two units, two 机关党委
    expect(await sys('2027-01-07T09:00:00+08:00', (u) => freezeSnapshots(u, { ...o16, afterDays: 5 }))).toBe(0);

    // On 2027-01-10 branch 2 records a 支委会 held on 2026-12-15, with minutes.
    const p = app.db.prisma;
    const kind = await p.meetingKind.findFirstOrThrow({ where: { code: 'branch_committee' } });
    const b2 = node['demo-branch-2']!;
    const s = await p.meetingSession.create({
      data: { kindId: kind.id, orgNodeId: b2, topic: '研究年度工作', startsAt: new Date('2026-12-15T09:00:00+08:00'), checkinOpensAt: new Date('2026-12-15T08:30:00+08:00'), checkinClosesAt: new Date('2026-12-15T11:00:00+08:00'), status: 'HELD', createdById: ids.m201!, backfilled: true },
    });
    await p.minutes.create({ data: { sessionId: s.id, summary: '研究年度工作。', recordedById: ids.m201!, recordedAt: new Date('2027-01-10T10:00:00+08:00') } });

    const q4 = periodOf('quarter', new Date('2026-12-01T00:00:00+08:00'), TZ);
    const live = await sys('2027-01-10T11:00:00+08:00', (u) => dashboardView(u, { nodeId: node['demo-organ']!, period: q4 }, o16));
    const snap = await sys('2027-01-10T11:00:00+08:00', (u) => snapshotOf(u, { nodeId: node['demo-organ']!, periodKey: '2026Q4' }));
    if (live.level !== 'organ' || snap?.view.level !== 'organ') throw new Error('organ views expected');
    expect(live.organ.branches[1]!.records.held).toBe(1);
    expect(snap.view.organ.branches[1]!.records.held).toBe(0);
    expect(new Date(snap.takenAt).toISOString()).toBe(new Date('2027-01-06T09:00:00+08:00').toISOString());

    // The page shows the frozen figures for that quarter, the live ones a click away; no names either way.
    const cookie = await signIn('m101');
    const frozenJson = await (await get(`/dashboard/data/${node['demo-organ']}?p=2026Q4`, cookie)).json();
    expect(frozenJson.snapshot).toBeTruthy();
    expect(frozenJson.organ.branches[1].records.held).toBe(0);
    const liveJson = await (await get(`/dashboard/data/${node['demo-organ']}?p=2026Q4&live=1`, cookie)).json();
    expect(liveJson.snapshot).toBeUndefined();
    expect(liveJson.organ.branches[1].records.held).toBe(1);
    const pageHtml = await (await get(`/dashboard/node/${node['demo-organ']}?p=2026Q4`, cookie)).text();
    expect(pageHtml).toContain('2027-01-06 冻结的本季度数据');
    noNames(pageHtml);
    // A period the page cannot read is said so, not swapped for this quarter.
    for (const bad of ['2026Q9', '下下个季度', '%E2%80%AE']) {
      const res = await get(`/dashboard/node/${node['demo-organ']}?p=${bad}`, cookie);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('没有看懂链接中的期间');
    }
    expect((await get(`/dashboard/report/${node['demo-organ']}?p=2026Q0`, cookie)).status).toBe(400);
    // Unit B's 机关党委 cannot read unit A's snapshot either.
    const b = await signIn('b01');
    expect((await get(`/dashboard/data/${node['demo-organ']}?p=2026Q4`, b)).status).toBe(403);
  });
});
