// Benchmark of the obligation engine over a city-sized tree: one 工委, `--units` units (default 40), each
// with its 机关党委 and `--branches` branches (default 10) of two 党小组 and `--members` members (default 25),
// every unit on the default list; a year of meetings (支委会 monthly in half the branches) and 党费 records.
// Prints the rows seeded, the obligations of the year, and the time of a whole-tree year report, a branch's
// quarter, the escalation and the members' reminders. PGlite in memory; `--pg=<url>` for PostgreSQL (an
// empty database of your own, e.g. postgresql://127.0.0.1:5432/zh_14_bench).
// Standalone: npx tsx test/bench/run.ts obligations
import { openEmbedded, openPostgres, type Database } from '../../src/db/client.js';
import { STANDARD_MEETING_KINDS } from '../../src/domain/meeting-kinds.js';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { itemRows } from '../../src/domain/duties/store.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { periodRange } from '../../src/domain/life/period.js';
import { truncateAll } from '../../src/seed/seed.js';
import { Unit } from '../../src/services/kernel.js';
import { SYSTEM } from '../../src/access/principal.js';
import { escalate, memberReminders } from '../../src/services/obligations.js';

const sh = (local: string) => new Date(`${local}+08:00`);

export async function seedCity(db: Database, units: number, branches: number, membersPer: number): Promise<{ members: number; sessions: number; records: number }> {
  const p = db.prisma;
  await truncateAll(p);
  for (const k of STANDARD_MEETING_KINDS) await p.meetingKind.create({ data: { ...k, frequency: { ...k.frequency } } });
  const kinds = new Map((await p.meetingKind.findMany()).map((k) => [k.code, k.id]));
  const list = readDefaultList();
  // The rows of the whole city first, then set-based inserts (a full-size city is ~300,000 rows).
  type Kind = 'WORK_COMMITTEE' | 'UNIT' | 'ORGAN_COMMITTEE' | 'BRANCH' | 'GROUP';
  const nodes: Array<{ id: string; code: string; name: string; kind: Kind; parentId: string | null }> = [{ id: 'n-c', code: 'c', name: '市直机关工委', kind: 'WORK_COMMITTEE', parentId: null }];
  const members: Array<{ id: string; name: string; employeeNo: string; branchId: string }> = [];
  const posts: Array<{ memberId: string; orgNodeId: string; title: 'BRANCH_SECRETARY' | 'ORGAN_SECRETARY' }> = [];
  const sessions: Array<{ id: string; kindId: string; orgNodeId: string; topic: string; startsAt: Date; checkinOpensAt: Date; checkinClosesAt: Date; createdById: string; status: 'HELD' }> = [];
  const attendances: Array<{ sessionId: string; memberId: string; status: 'PRESENT' | 'ABSENT' }> = [];
  const records: Array<{ itemCode: string; orgNodeId: string; memberId: string; occurredAt: Date; text: string }> = [];
  for (let u = 0; u < units; u++) {
    const unitId = `n-u${u}`;
    const organId = `n-u${u}-o`;
    nodes.push({ id: unitId, code: `u${u}`, name: `单位${u}`, kind: 'UNIT', parentId: 'n-c' }, { id: organId, code: `u${u}-o`, name: `单位${u}机关党委`, kind: 'ORGAN_COMMITTEE', parentId: unitId });
    for (let b = 0; b < branches; b++) {
      const branchId = `n-u${u}-b${b}`;
      nodes.push({ id: branchId, code: `u${u}-b${b}`, name: `单位${u}第${b + 1}支部`, kind: 'BRANCH', parentId: organId });
      for (const g of [1, 2]) nodes.push({ id: `${branchId}-g${g}`, code: `u${u}-b${b}-g${g}`, name: `第${g}党小组`, kind: 'GROUP', parentId: branchId });
      const rows = Array.from({ length: membersPer }, (_, i) => ({ id: `m-${u}-${b}-${i}`, name: `党员${u}-${b}-${i}`, employeeNo: `e${u}-${b}-${i}`, branchId }));
      members.push(...rows);
      posts.push({ memberId: rows[0]!.id, orgNodeId: branchId, title: 'BRANCH_SECRETARY' });
      if (b === 0) posts.push({ memberId: rows[0]!.id, orgNodeId: organId, title: 'ORGAN_SECRETARY' });
      if (b % 2 === 0) {
        for (let month = 1; month <= 11; month++) {
          const at = sh(`2026-${String(month).padStart(2, '0')}-10T14:30`);
          const id = `s-${u}-${b}-${month}`;
          sessions.push({ id, kindId: kinds.get('branch_committee')!, orgNodeId: branchId, topic: '支委会', startsAt: at, checkinOpensAt: at, checkinClosesAt: at, createdById: rows[0]!.id, status: 'HELD' });
          attendances.push(...rows.slice(0, 5).map((m, i) => ({ sessionId: id, memberId: m.id, status: i < 4 ? ('PRESENT' as const) : ('ABSENT' as const) })));
        }
      }
      records.push(...rows.flatMap((m) => [10, 11].map((month) => ({ itemCode: 'B-10', orgNodeId: branchId, memberId: m.id, occurredAt: sh(`2026-${month}-05T10:00`), text: '党费已交' }))));
    }
  }
  const chunks = <T>(rows: T[], n = 2000) => Array.from({ length: Math.ceil(rows.length / n) }, (_, i) => rows.slice(i * n, (i + 1) * n));
  // Parents before children (the tree's foreign key): nodes are pushed in that order.
  for (const c of chunks(nodes)) await p.orgNode.createMany({ data: c });
  for (let u = 0; u < units; u++) await p.responsibilityList.create({ data: { unitId: `n-u${u}`, year: 2026, version: 1, sourceFile: 'default', items: { create: itemRows(list) } } });
  for (const c of chunks(members)) await p.member.createMany({ data: c });
  for (const c of chunks(posts)) await p.post.createMany({ data: c });
  for (const c of chunks(sessions)) await p.meetingSession.createMany({ data: c });
  for (const c of chunks(attendances)) await p.attendance.createMany({ data: c });
  for (const c of chunks(records)) await p.dutyRecord.createMany({ data: c });
  await p.$executeRawUnsafe('ANALYZE');
  return { members: members.length, sessions: sessions.length, records: records.length };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms`);
  return r;
}

export async function benchObligations(opts: Record<string, string> = {}): Promise<void> {
  const units = Number(opts.units ?? 40);
  const branches = Number(opts.branches ?? 10);
  const membersPer = Number(opts.members ?? 25);
  const db = opts.pg ? await openPostgres(opts.pg) : await openEmbedded('memory://');
  try {
    await db.migrate();
    const seeded = await timed('seed', () => seedCity(db, units, branches, membersPer));
    console.log(`tree: ${units} units, ${units * branches} branches, ${seeded.members} members; ${seeded.sessions} meetings, ${seeded.records} records (${opts.pg ? 'PostgreSQL' : 'PGlite'})`);
    const now = sh('2026-12-29T09:00');
    const year = await timed('whole tree, 2026', () => computeObligations(db.prisma as never, { period: periodRange('year', 2026, 1), now }));
    const by = (s: string) => year.obligations.filter((o) => o.status === s).length;
    console.log(`obligations: ${year.obligations.length} (done ${by('done')}, open ${by('open')}, at risk ${by('at_risk')}, missed ${by('missed')}); untracked items ${year.untracked.length}`);
    const branch = await db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'u0-b0' } });
    const q = await timed('one branch, 2026Q4', () => computeObligations(db.prisma as never, { rootId: branch.id, period: periodRange('quarter', 2026, 4), now }));
    console.log(`branch obligations: ${q.obligations.length}`);
    const run = <T>(fn: (u: Unit) => Promise<T>) => db.transaction(async (scope) => fn(new Unit(scope, SYSTEM, now)));
    const summaries = await timed('escalation, 2026Q4', () => run((u) => escalate(u, { period: periodRange('quarter', 2026, 4), timezone: 'Asia/Shanghai' })));
    console.log(`escalation summaries: ${summaries}`);
    const reminded = await timed('member reminders', () => run((u) => memberReminders(u, { timezone: 'Asia/Shanghai', atRiskDays: 3 })));
    console.log(`members reminded: ${reminded}`);
  } finally {
    await db.close();
  }
}
