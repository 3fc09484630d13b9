// Benchmark of the 驾驶舱's data (src/services/dashboard.ts) over a generated work committee (the obligation
// bench's city: `--units` units, each with its 机关党委 and `--branches` branches of `--members` members, a
// year of 支委会 in half the branches, 党费 records). Prints p50/p95 of the 工委 view and of one unit's view
// for 2026Q4 (with the previous quarter beside it), `--runs` times each (default 5). The size is
// --units=200 --branches=15 --members=20 (3,000 branches, 60,000 members); the default is smaller.
// PGlite in memory; `--pg=<url>` for PostgreSQL (an empty database of your own, e.g. zh_16_bench).
// Standalone: npx tsx test/bench/run.ts dashboard
import { openEmbedded, openPostgres } from '../../src/db/client.js';
import { periodRange } from '../../src/domain/life/period.js';
import { Unit } from '../../src/services/kernel.js';
import { SYSTEM } from '../../src/access/principal.js';
import { dashboardView } from '../../src/services/dashboard.js';
import { seedCity } from './obligations.bench.js';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export async function benchDashboard(opts: Record<string, string> = {}): Promise<void> {
  const units = Number(opts.units ?? 10);
  const branches = Number(opts.branches ?? 10);
  const membersPer = Number(opts.members ?? 20);
  const runs = Number(opts.runs ?? 5);
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
    const o = { timezone: 'Asia/Shanghai', atRiskDays: 10 };
    const committee = await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'c' } });
    const unit = await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'u0' } });
    for (const [label, nodeId] of [['工委 view', committee.id], ['unit view', unit.id]] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await db.transaction((scope) => dashboardView(new Unit(scope, SYSTEM, now), { nodeId, period }, o));
        times.push(performance.now() - t);
      }
      console.log(`${label}: p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms (${runs} runs)`);
    }
  } finally {
    await db.close();
  }
}
