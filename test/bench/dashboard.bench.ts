// Benchmark of the 驾驶舱 (src/services/dashboard.ts, src/web/dashboard.ts) over a generated work committee (the
// obligation bench's city: `--units` units, each with its 机关党委 and `--branches` branches of `--members`
// members, a year of 支委会 in half the branches, 党费 records). Prints, for the data of the 工委 view and of one
// unit's view for 2026Q4 (with the previous quarter beside it): the first view (every figure computed and kept,
// src/services/dashboard-figures.ts), then p50/p95 with the figures kept and right after a change in one branch,
// `--runs` times each (default 5), with the process's CPU time beside the wall time (the machine may be shared); then the 工委 page's time in Debian
// Chromium from navigation to the chart drawn (and the part after the server's answer), `--renders` times
// (default 3; 0 skips it; CHROMIUM_PATH as in test/e2e). The size is --units=200 --branches=15
// --members=20 (3,000 branches, 60,000 members); the default is smaller. PGlite in memory; `--pg=<url>` for
// PostgreSQL (an empty database of your own, e.g. zh_16_bench); `--reuse` keeps a city seeded there before.
// Standalone: npx tsx test/bench/run.ts dashboard
import fs from 'node:fs';
import os from 'node:os';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { openEmbedded, openPostgres, type Database } from '../../src/db/client.js';
import { periodRange } from '../../src/domain/life/period.js';
import { Unit } from '../../src/services/kernel.js';
import { memberPrincipal, SYSTEM } from '../../src/access/principal.js';
import { findMember } from '../../src/domain/org.js';
import { dashboardView } from '../../src/services/dashboard.js';
import { forgetKeptFigures } from '../../src/services/dashboard-figures.js';
import { openSignIn, requestSignIn } from '../../src/services/web-sessions.js';
import { DASHBOARD_COOKIE, registerDashboard } from '../../src/web/dashboard.js';
import { TokenSigner } from '../../src/chat/token.js';
import { seedCity } from './obligations.bench.js';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const TZ = 'Asia/Shanghai';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function benchDashboard(opts: Record<string, string> = {}): Promise<void> {
  const units = Number(opts.units ?? 10);
  const branches = Number(opts.branches ?? 10);
  const membersPer = Number(opts.members ?? 20);
  const runs = Number(opts.runs ?? 5);
  const renders = Number(opts.renders ?? 3);
  const db = opts.pg ? await openPostgres(opts.pg) : await openEmbedded('memory://');
  try {
    await db.migrate();
    // --reuse: keep a city an earlier run seeded in the same database (seeding 3,000 branches takes a while).
    if (opts.reuse && (await db.prisma.orgNode.count({ where: { code: 'c' } }))) console.log(`reusing the seeded city: ${await db.prisma.orgNode.count({ where: { kind: 'BRANCH' } })} branches, ${await db.prisma.member.count()} members`);
    else {
      const t0 = performance.now();
      const seeded = await seedCity(db, units, branches, membersPer);
      console.log(`seed: ${(performance.now() - t0).toFixed(0)} ms; ${units} units, ${units * branches} branches, ${seeded.members} members, ${seeded.sessions} meetings (${opts.pg ? 'PostgreSQL' : 'PGlite'})`);
    }
    const now = new Date('2026-12-29T09:00:00+08:00');
    const period = periodRange('quarter', 2026, 4);
    const o = { timezone: TZ, atRiskDays: 10 };
    const committee = await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'c' } });
    const unit = await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'u0' } });
    console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
    const view = async (nodeId: string) => {
      const t = performance.now();
      const c = process.cpuUsage();
      await db.transaction((scope) => dashboardView(new Unit(scope, SYSTEM, now), { nodeId, period }, o));
      const used = process.cpuUsage(c);
      return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
    };
    const line = (label: string, xs: Array<{ wall: number; cpu: number }>) =>
      console.log(`${label}: p50 ${pct(xs.map((x) => x.wall), 50).toFixed(0)} ms, p95 ${pct(xs.map((x) => x.wall), 95).toFixed(0)} ms (${xs.length} runs; this process's CPU p50 ${pct(xs.map((x) => x.cpu), 50).toFixed(0)} ms)`);
    // A member of one branch renamed: a change the triggers tell (as a check-in, minutes or a record would).
    const someone = await db.prisma.member.findFirstOrThrow({ where: { branch: { code: { startsWith: 'u0-b' } } }, select: { id: true, name: true } });
    let renames = 0;
    const touchOneBranch = () => db.prisma.member.update({ where: { id: someone.id }, data: { name: `${someone.name}${++renames % 2 ? '·' : ''}` } });
    for (const [label, nodeId] of [['工委 view', committee.id], ['unit view', unit.id]] as const) {
      // Kept figures (src/services/dashboard-figures.ts) from an earlier view or run would make the first view a warm one.
      await forgetKeptFigures(db.sql);
      const cold = await view(nodeId);
      console.log(`${label}, first (every figure computed and kept): ${cold.wall.toFixed(0)} ms (CPU ${cold.cpu.toFixed(0)} ms)`);
      const warm: Array<{ wall: number; cpu: number }> = [];
      for (let i = 0; i < runs; i++) warm.push(await view(nodeId));
      line(`${label}, figures kept`, warm);
      const touched: Array<{ wall: number; cpu: number }> = [];
      for (let i = 0; i < runs; i++) {
        await touchOneBranch();
        touched.push(await view(nodeId));
      }
      line(`${label}, after a change in one branch`, touched);
    }
    if (renders > 0) await renderTimes(db, now, committee.id, renders);
    console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await db.close();
  }
}

/**
 * The 工委 page in Chromium, signed in as a 工委 secretary (a member the bench adds): from navigation to the
 * chart drawn (ECharts sets data-ready after drawing), and the part of it after the server's answer began.
 */
async function renderTimes(db: Database, now: Date, committeeId: string, renders: number): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`page render: skipped, no Chromium at ${CHROMIUM}`);
    return;
  }
  const p = db.prisma;
  const branch = await p.orgNode.findFirstOrThrow({ where: { kind: 'BRANCH' }, orderBy: { code: 'asc' } });
  const w = await p.member.upsert({ where: { employeeNo: 'bench-w01' }, create: { name: '工委书记', employeeNo: 'bench-w01', branchId: branch.id }, update: {}, select: { id: true } });
  await p.post.upsert({ where: { memberId_orgNodeId_title: { memberId: w.id, orgNodeId: committeeId, title: 'WORK_COMMITTEE_SECRETARY' } }, create: { memberId: w.id, orgNodeId: committeeId, title: 'WORK_COMMITTEE_SECRETARY' }, update: {} });
  const principal = memberPrincipal((await findMember(p, w.id))!, 'web');
  const { cookie } = await db.transaction(async (scope) => {
    const u = new Unit(scope, principal, now);
    const link = await requestSignIn(u);
    return openSignIn(u, { sessionId: link.sessionId, memberId: w.id });
  });
  const server = Fastify();
  registerDashboard(server, { db, tokens: new TokenSigner('bench-secret'), timezone: TZ, clock: () => now });
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] });
  try {
    const total: number[] = [];
    const after: number[] = [];
    for (let i = -1; i < renders; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: TZ });
      await context.addCookies([{ name: DASHBOARD_COOKIE, value: cookie, url: `${base}/dashboard` }]);
      const page = await context.newPage();
      page.setDefaultTimeout(300_000);
      const t = performance.now();
      await page.goto(`${base}/dashboard/node/${committeeId}?p=2026Q4`, { waitUntil: 'commit' });
      await page.locator('#chart[data-ready] svg').waitFor();
      const ms = performance.now() - t;
      // Navigation Timing: from the first byte of the answer to now (the chart drawn).
      const browserPart = await page.evaluate(() => performance.now() - (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseStart);
      await context.close();
      if (i < 0) continue;
      total.push(ms);
      after.push(browserPart);
    }
    console.log(`工委 page in Chromium, navigation to chart drawn: p50 ${pct(total, 50).toFixed(0)} ms, max ${Math.max(...total).toFixed(0)} ms; after the server's first byte: p50 ${pct(after, 50).toFixed(0)} ms (${renders} renders)`);
  } finally {
    await browser.close();
    await server.close();
  }
}
