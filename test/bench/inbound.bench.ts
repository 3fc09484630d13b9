// Inbound benchmark: card actions through receiver (console HTTP), dedupe, router and database on
// real PostgreSQL and Redis, at a fixed offered load. The service runs in its own process so the
// load generator does not share its event loop. Prints throughput and ack latency p50/p99.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { TokenSigner } from '../../src/chat/token.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Options (strings, from `npm run bench -- inbound --rates=1000,200,50 --seconds=10`). */
export async function benchInbound(opts: { rates?: string; seconds?: string } = {}): Promise<void> {
  // The target load first, then lower loads so the sustainable rate on this machine shows too.
  const rates = String(opts.rates ?? process.env.BENCH_INBOUND_RATES ?? '1000,200,50').split(',').map(Number);
  const seconds = Number(opts.seconds ?? process.env.BENCH_INBOUND_SECONDS ?? 10);
  const dbName = `zhibu_bench_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const secret = crypto.randomBytes(32).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/inbound-server.ts'], {
    env: { ...process.env, DATABASE_URL: dbUrl.toString(), REDIS_URL, QUEUE_PREFIX: `bench_${dbName}`, APP_SECRET: secret, DATA_DIR: `/tmp/${dbName}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const signer = new TokenSigner(secret);
    const users = Array.from({ length: 30 }, (_, i) => `m${Math.floor(i / 10) + 1}${String((i % 10) + 1).padStart(2, '0')}`);
    const click = async (n: number): Promise<number> => {
      const body = JSON.stringify({
        chatKind: 'GROUP',
        chatId: `branch-${(n % 3) + 1}`,
        userId: users[n % users.length],
        token: signer.sign({ action: 'bench.checkin', target: `s${Math.floor(n / users.length)}` }, 3600),
        eventId: crypto.randomUUID(),
      });
      const t0 = performance.now();
      const res = await fetch(`${url}/console/api/actions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const json = (await res.json()) as { status: string; ack?: { toast?: { type: string } } };
      if (res.status !== 200 || json.status !== 'processed' || json.ack?.toast?.type !== 'success') throw new Error(`unexpected answer ${res.status} ${JSON.stringify(json)}`);
      return performance.now() - t0;
    };

    for (let i = 0; i < 200; i++) await click(i); // warm-up
    let base = 200; // click n updates card s{n/30}; the server made 3,000 of them
    for (const rate of rates) {
    // Open loop: requests leave at the offered rate whatever the answers do.
    const total = rate * seconds;
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const inflight: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(click(base + i).then((ms) => void latencies.push(ms), (e) => { if (errors++ === 0) console.error(`first error: ${(e as Error).message}`); }));
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `inbound: offered ${rate}/s for ${seconds}s (${total} card actions, PostgreSQL + Redis): ` +
        `throughput ${(latencies.length / elapsed).toFixed(0)}/s, ack latency p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms, errors ${errors} (target 1000/s with p99 < 100 ms)`,
    );
    base += total;
    await new Promise((r) => setTimeout(r, 3000)); // let delivery drain between runs
    }
    const [l1, l5] = (await import('node:os')).loadavg();
    console.log(`inbound: load average ${l1!.toFixed(1)} (5 min ${l5!.toFixed(1)}) on ${(await import('node:os')).cpus().length} cores; server, PostgreSQL, Redis and this load generator share them`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchInbound();
