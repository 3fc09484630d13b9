// Benchmark of the roster import: 10,000 members (5 units × 20 branches × 100, with posts and a Lark account
// each) written into the template, read and checked, then imported into a fresh PostgreSQL database as
// the CLI does (one transaction); then the same file again (nothing changes). Prints the times and the
// peak memory (RSS) of the process. Target: the first import under 30 s on this machine.
// `npm run bench -- import [-- --members=10000]`
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { SYSTEM } from '../../src/access/index.js';
import { runService } from '../../src/services/run.js';
import { importRoster } from '../../src/services/org-import.js';
import { readRoster } from '../../src/domain/roster/file.js';
import { writeRosterTemplate } from '../../src/domain/roster/template.js';
import { fillTemplate, makeRoster } from '../helpers/roster.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const TARGET_S = 30;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function benchImport(opts: Record<string, string> = {}): Promise<void> {
  const members = Number(opts.members ?? 10_000);
  const units = 5;
  const branches = 20;
  const perBranch = Math.ceil(members / (units * branches));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zh13-bench-'));
  const name = `zh13_import_bench_${crypto.randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  await admin(`CREATE DATABASE "${name}"`);
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: dir });
  try {
    await db.migrate();
    const template = path.join(dir, 'template.xlsx');
    const file = path.join(dir, '组织与党员.xlsx');
    await writeRosterTemplate(template);
    const data = makeRoster({ units, branches, perBranch, lark: true });
    await fillTemplate(template, file, data);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    console.log(`workbook: ${data.members.length} members, ${data.orgs.length} org nodes, ${(fs.statSync(file).size / 1024).toFixed(0)} KB; RSS before import ${mb(process.memoryUsage().rss)}`);
    peak = process.memoryUsage().rss;

    const t0 = performance.now();
    const roster = await readRoster([file]);
    const t1 = performance.now();
    let steps = 0;
    const { result: d } = await runService(db.prisma, SYSTEM, new Date(), (u) => importRoster(u, { roster, onProgress: () => void steps++ }));
    const t2 = performance.now();
    const total = (t2 - t0) / 1000;
    console.log(`read and check: ${((t1 - t0) / 1000).toFixed(2)} s`);
    console.log(`import: ${((t2 - t1) / 1000).toFixed(2)} s (${d.members.added.length} members, ${d.orgs.added.length} org nodes, ${d.posts.added.length} posts, ${d.accounts.added} accounts; ${steps} progress reports)`);
    console.log(`total: ${total.toFixed(2)} s (target < ${TARGET_S} s: ${total < TARGET_S ? 'met' : 'MISSED'}); peak RSS ${mb(peak)}`);

    const t3 = performance.now();
    const again = await readRoster([file]);
    const { result: d2 } = await runService(db.prisma, SYSTEM, new Date(), (u) => importRoster(u, { roster: again }));
    console.log(`re-import of the same file: ${((performance.now() - t3) / 1000).toFixed(2)} s, ${d2.members.unchanged} unchanged, ${d2.members.added.length + d2.members.moved.length + d2.members.left.length} changed; peak RSS ${mb(peak)}`);
    const rows = await db.prisma.member.count();
    if (rows !== data.members.length) throw new Error(`expected ${data.members.length} members, found ${rows}`);
    if (total >= TARGET_S) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await db.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
