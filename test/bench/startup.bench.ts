// `npm run bench -- startup`: the compiled service (npm run build first, done here when dist/ is
// missing) from spawn to its first /readyz 200, embedded on an empty and on a kept data directory,
// and on PostgreSQL + Redis; then idle memory (RSS after 10 s idle). Targets from issue 17:
// embedded start < 6 s empty / < 2 s kept, idle < 400 MB embedded, < 200 MB on PostgreSQL and Redis.
import { freePort } from '../helpers/redis-server.js';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';


/** CPU seconds (user + system) the process has used: less dependent on the machine's load than wall time. */
const cpuS = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14 and 15) in clock ticks
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function run(label: string, env: Record<string, string>, idleMs = 10_000): Promise<{ readyS: number; rss: number; cpuReady: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], { env: { ...process.env, NODE_ENV: 'production', APP_SECRET: 'b'.repeat(40), LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: '', REDIS_URL: '', ...env }, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  let ready = 0;
  let cpuReady = 0;
  while (performance.now() - t0 < 180_000) {
    if ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) === 200) {
      ready = (performance.now() - t0) / 1000;
      cpuReady = cpuS(child.pid!);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, idleMs));
  const rss = rssMb(child.pid!);
  const peak = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  child.kill('SIGTERM');
  await exited;
  console.log(`${label.padEnd(34)} start → /readyz 200: ${ready ? `${ready.toFixed(2)} s (CPU ${cpuReady.toFixed(2)} s)` : 'never (180 s)'}   idle RSS after ${idleMs / 1000} s: ${rss.toFixed(0)} MB (peak ${peak.toFixed(0)} MB)`);
  return { readyS: ready, rss, cpuReady };
}

export async function benchStartup(): Promise<void> {
  if (!fs.existsSync('dist/src/main.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-bench-startup-'));
  const empty = await run('embedded, empty data directory', { DATA_DIR: dataDir, SEED_DEMO: 'true' });
  const kept = await run('embedded, kept data directory', { DATA_DIR: dataDir, SEED_DEMO: 'true' });
  const name = `zh_17_bench_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  let pgRun: { readyS: number; rss: number; cpuReady: number } | undefined;
  try {
    pgRun = await run('PostgreSQL + Redis', { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-bench-pg-')), DATABASE_URL: url.toString(), REDIS_URL: REDIS, QUEUE_PREFIX: name, SEED_DEMO: 'true' });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${name}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await admin.end();
  }
  console.log(`load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores: on a loaded machine wall time is several times the CPU time`);
  console.log('targets: embedded < 6 s empty, < 2 s kept, idle < 400 MB; PostgreSQL + Redis idle < 200 MB');
  console.log(`met: empty ${empty.readyS < 6 ? 'yes' : 'no'}, kept ${kept.readyS < 2 ? 'yes' : 'no'}, embedded idle ${Math.max(empty.rss, kept.rss) < 400 ? 'yes' : 'no'}, PG+Redis idle ${pgRun && pgRun.rss < 200 ? 'yes' : 'no'}`);
}
