// Inbound benchmark: card actions through receiver (console HTTP), dedupe, router and database on
// real PostgreSQL and Redis, at a fixed offered load, with the service's delivery workers running
// (card updates go out to the console as the clicks come in). The service runs in its own process
// so the load generator does not share its event loop. Prints throughput, ack latency p50/p99, CPU
// per action (server, PostgreSQL, Redis, load generator) and p99 per second.
// Two actions (inbound-server.ts): bench.checkin, a stand-in with a check-in's work, and the real
// 签到 button of meeting cards (meeting.checkin), which also asks for the meeting card to be
// refreshed: one small outbox row per card and second, rendered by the delivery worker.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { TokenSigner } from '../../src/chat/token.js';
import { deleteRedisKeys } from '../helpers/redis-keys.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

// node:http with keep-alive: the load generator shares the two cores, and fetch costs it about twice the CPU.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// CPU seconds used so far by processes (Linux /proc; 0 elsewhere): the server, and PostgreSQL's
// processes, so the output says what one card action costs and where. A backend that exited is
// counted through its parent's "children" time (the postmaster reaps it).
function cpuSeconds(match: (pid: string, comm: string) => boolean): number {
  let ticks = 0;
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  const stats = new Map<string, { comm: string; fields: string[] }>();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      stats.set(pid, { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') });
    } catch {
      // the process ended meanwhile
    }
  }
  for (const [pid, { comm, fields }] of stats) {
    if (!match(pid, comm)) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    const parent = stats.get(fields[1]!);
    if (!parent || !match(fields[1]!, parent.comm)) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

type Options = { rates?: string; seconds?: string; warmup?: string; action?: string; spread?: string };

/**
 * Options (strings): `npm run bench -- inbound --action=bench.checkin --rates=1000,500 --seconds=10
 * --warmup=3 --spread=1`. Without --action both actions run, each on a fresh service.
 */
export async function benchInbound(opts: Options = {}): Promise<void> {
  for (const action of opts.action ? [opts.action] : ['bench.checkin', 'meeting.checkin']) await benchAction({ ...opts, action });
}

async function benchAction(opts: Options): Promise<void> {
  // The target load first, then a lower load so the sustainable rate on this machine shows too.
  const rates = String(opts.rates ?? process.env.BENCH_INBOUND_RATES ?? '1000,500').split(',').map(Number);
  const seconds = Number(opts.seconds ?? process.env.BENCH_INBOUND_SECONDS ?? 10);
  const warmup = Number(opts.warmup ?? 3);
  // meeting.checkin: the real 签到 button; bench.checkin: a stand-in with the same work (inbound-server.ts).
  const action = opts.action ?? 'meeting.checkin';
  const clicks = 200 + (rates[0]! * warmup) + rates.reduce((sum, r) => sum + r * seconds, 0);
  // spread: the ten members of a branch click a card `spread` rounds apart (a round is 30 clicks), so
  // about 10 × spread × 3 cards are being clicked at once: 1 = everyone on the same card at once.
  const spread = Math.max(1, Number(opts.spread ?? 1));
  const dbName = `zhibu_bench_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  // BENCH_PG_LOG=1: PostgreSQL logs every statement of this database with its duration (to see where its time goes).
  if (process.env.BENCH_PG_LOG) await admin(`ALTER DATABASE "${dbName}" SET log_min_duration_statement = 0`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const secret = crypto.randomBytes(32).toString('hex');
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'test/bench/inbound-server.ts'], {
    env: {
      ...process.env, DATABASE_URL: dbUrl.toString(), REDIS_URL, QUEUE_PREFIX: `bench_${dbName}`, APP_SECRET: secret, DATA_DIR: `/tmp/${dbName}`,
      BENCH_ACTION: action, BENCH_SESSIONS: String(Math.ceil(clicks / 30) + 10 * spread + 1),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [url, targets] = await new Promise<[string, string[][]]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /READY (\S+) (.*)\n/.exec(out);
        if (m) resolve([m[1]!, JSON.parse(m[2]!) as string[][]]);
      });
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const signer = new TokenSigner(secret);
    const users = Array.from({ length: 30 }, (_, i) => `m${Math.floor(i / 10) + 1}${String((i % 10) + 1).padStart(2, '0')}`);
    // Click n: member n % 30 (ten per branch; j-th of their branch) in round n / 30 clicks card
    // round + j × spread of their branch: every click is a first check-in that changes state, and
    // every card is clicked by all ten members.
    const click = async (n: number): Promise<number> => {
      const branch = Math.floor((n % users.length) / 10);
      const card = Math.floor(n / users.length) + (n % 10) * spread;
      const body = JSON.stringify({
        chatKind: 'GROUP',
        chatId: `branch-${branch + 1}`,
        userId: users[n % users.length],
        token: signer.sign({ action, target: targets[branch]![card]! }, 3600),
        eventId: crypto.randomUUID(),
      });
      const t0 = performance.now();
      const res = await post(`${url}/console/api/actions`, body);
      const json = JSON.parse(res.body) as { status: string; ack?: { toast?: { type: string } } };
      if (res.status !== 200 || json.status !== 'processed' || json.ack?.toast?.type !== 'success') throw new Error(`unexpected answer ${res.status} ${res.body}`);
      return performance.now() - t0;
    };

    let next = 0;
    const serverPid = String(child.pid);
    // Open loop: requests leave at the offered rate whatever the answers do.
    const run = async (rate: number, secs: number, label: string) => {
      const total = rate * secs;
      const latencies: number[] = [];
      const bySecond: number[][] = [];
      let errors = 0;
      const cpuBefore = { server: cpuSeconds((pid) => pid === serverPid), postgres: cpuSeconds((_, comm) => comm === 'postgres'), redis: cpuSeconds((_, comm) => comm.startsWith('redis-server')), load: process.cpuUsage() };
      const started = performance.now();
      const inflight: Array<Promise<void>> = [];
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const second = Math.floor(i / rate);
        inflight.push(click(next++).then((ms) => { latencies.push(ms); (bySecond[second] ??= []).push(ms); }, (e) => { if (errors++ === 0) console.error(`first error: ${(e as Error).message}`); }));
      }
      await Promise.all(inflight);
      const elapsed = (performance.now() - started) / 1000;
      const perAction = (cpu: number) => `${((cpu * 1000) / total).toFixed(2)} ms`;
      const loadCpu = process.cpuUsage(cpuBefore.load);
      latencies.sort((x, y) => x - y);
      console.log(
        `inbound: ${label}${action} (spread ${spread}), offered ${rate}/s for ${secs}s (${total} card actions, PostgreSQL + Redis): ` +
          `throughput ${(latencies.length / elapsed).toFixed(0)}/s, ack latency p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms, errors ${errors} (target 1000/s with p99 < 100 ms)`,
      );
      console.log(
        `inbound:   CPU per action: server ${perAction(cpuSeconds((pid) => pid === serverPid) - cpuBefore.server)}, ` +
          `PostgreSQL ${perAction(cpuSeconds((_, comm) => comm === 'postgres') - cpuBefore.postgres)}, ` +
          `Redis ${perAction(cpuSeconds((_, comm) => comm.startsWith('redis-server')) - cpuBefore.redis)}, ` +
          `load generator ${perAction((loadCpu.user + loadCpu.system) / 1e6)}`,
      );
      // Where the slow answers were: a start-up spike and a steady state read differently.
      console.log(`inbound:   p99 by second of sending (ms): ${bySecond.map((l) => percentile(l.sort((x, y) => x - y), 99).toFixed(0)).join(' ')}`);
      await new Promise((r) => setTimeout(r, 3000)); // let delivery drain between runs
    };

    for (let i = 0; i < 200; i++) await click(next++);
    // A freshly started service compiles its hot code and opens its pool's connections during the
    // first seconds under load; those are measured apart from the steady state.
    if (warmup > 0) await run(rates[0]!, warmup, 'warm-up (not the result): ');
    for (const rate of rates) await run(rate, seconds, '');
    const [l1, l5] = (await import('node:os')).loadavg();
    console.log(`inbound: load average ${l1!.toFixed(1)} (5 min ${l5!.toFixed(1)}) on ${(await import('node:os')).cpus().length} cores; server, PostgreSQL, Redis and this load generator share them`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await deleteRedisKeys(REDIS_URL, `bench_${dbName}*`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchInbound();
