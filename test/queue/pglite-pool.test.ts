// BullMQ's own PostgreSQL backend running in-process on one embedded PGlite through the pool facade.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresBackend, runMigrations, withBackend, type Job } from 'bullmq';
import type { EventEmitter } from 'node:events';
import type { PgNotification } from 'bullmq';
import { aheadOfQueued, createPGlitePool, openPGlite, type PGlitePool, type PGlitePoolClient, type PGliteSession } from '../../src/queue/pglite-pool.js';
import { PGliteThread } from '../../src/queue/pglite-thread.js';

const { Queue, Worker } = withBackend(createPostgresBackend);
type Closable = { close(): Promise<void> };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** BullMQ's Worker default `drainDelay` (seconds): how long an idle worker blocks in waitForJob
 *  before polling again. A job seen faster than this was woken by LISTEN/NOTIFY, not by the poll. */
const DEFAULT_DRAIN_DELAY_MS = 5_000;

function track<T extends Closable>(list: Closable[], x: T): T {
  list.push(x);
  return x;
}

function waitFor(worker: EventEmitter, count: number): Promise<Array<{ job: Job; at: number }>> {
  const seen: Array<{ job: Job; at: number }> = [];
  return new Promise((resolve, reject) => {
    worker.on('failed', (_job, err) => reject(err));
    worker.on('completed', (job: Job) => {
      seen.push({ job, at: Date.now() });
      if (seen.length === count) resolve(seen);
    });
  });
}

// The same facade over PGlite in this thread (tests, runs from source) and in a worker thread of
// its own (the compiled service: src/queue/pglite-thread.ts).
const sessions: Array<[string, () => Promise<PGliteSession>]> = [
  ['in this thread', () => openPGlite('memory://')],
  ['in a worker thread', () => PGliteThread.open('memory://')],
];

describe.each(sessions)('PGlite pool facade under BullMQ, PGlite %s', { timeout: 30_000 }, (_where, open) => {
  let db: PGliteSession;
  let pool: PGlitePool;
  const queues: Closable[] = [];
  const workers: Closable[] = [];
  /** Every NOTIFY any pooled client received (the worker's LISTEN client among them). */
  const notifications: Array<{ channel: string; payload?: string; at: number }> = [];

  beforeAll(async () => {
    db = await open();
    pool = createPGlitePool(db);
    pool.on('connect', (client: PGlitePoolClient) => {
      client.on('notification', (msg: PgNotification) => notifications.push({ ...msg, at: Date.now() }));
    });
    // runMigrations wants one session (it BEGINs, takes an advisory lock, COMMITs): a client, not the pool.
    const client = await pool.connect();
    try {
      expect(await runMigrations(client)).toBeGreaterThan(0);
    } finally {
      client.release();
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.close()));
    await pool?.end();
    await db?.close();
  });

  it('adds a job and a worker processes it', async () => {
    const queue = track(queues, new Queue('basic', { connection: pool }));
    const worker = track(workers, new Worker('basic', async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), { connection: pool }));
    const done = waitFor(worker, 1);
    await queue.add('double', { n: 21 }, { jobId: 'j1' });
    const job = (await done)[0]!.job;
    expect(job.id).toBe('j1');
    expect(job.returnvalue).toEqual({ doubled: 42 });
    expect(await (await queue.getJob('j1'))?.getState()).toBe('completed');
  });

  it('holds a delayed job until its delay has passed', async () => {
    const queue = track(queues, new Queue('delayed', { connection: pool }));
    const worker = track(workers, new Worker('delayed', async () => 'ok', { connection: pool }));
    const done = waitFor(worker, 1);
    const added = await queue.add('later', {}, { delay: 300 });
    await sleep(150);
    expect(await added.getState()).toBe('delayed');
    const { job, at } = (await done)[0]!;
    expect(job.processedOn! - job.timestamp).toBeGreaterThanOrEqual(300);
    // Woken at the due time (the worker re-arms its wait to the next delayed job), not by a poll.
    expect(at - job.timestamp).toBeLessThan(1_500);
  });

  it('wakes an idle worker through LISTEN/NOTIFY, well before its poll interval', async () => {
    const queue = track(queues, new Queue('wake', { connection: pool }));
    const worker = track(workers, new Worker('wake', async () => 'ok', { connection: pool }));
    // Let it find the queue empty and settle into its blocking wait (default drainDelay: 5 s).
    await new Promise<void>((resolve) => worker.once('drained', () => resolve()));
    await sleep(300);
    const done = waitFor(worker, 1);
    const t0 = Date.now();
    await queue.add('ping', {});
    const { at } = (await done)[0]!;
    const latency = at - t0;
    console.info(`[pglite-pool] idle worker woken by NOTIFY after ${latency} ms (poll interval ${DEFAULT_DRAIN_DELAY_MS} ms)`);
    expect(latency).toBeLessThan(DEFAULT_DRAIN_DELAY_MS / 10);
    expect(notifications.some((n) => n.channel === 'bullmq_jobs' && n.payload === 'wake' && n.at >= t0)).toBe(true);
  });

  it("gates other clients (and the pool) while one client's transaction is open", async () => {
    await pool.query('CREATE TABLE public.gate_test (n int)');
    const a = await pool.connect();
    const b = await pool.connect();
    const order: string[] = [];
    try {
      await a.query('BEGIN');
      await a.query('INSERT INTO public.gate_test VALUES ($1)', [1]);
      const t0 = Date.now();
      const fromB = b.query<{ n: number }>('SELECT count(*)::int AS n FROM public.gate_test').then((r) => {
        order.push('b');
        return { n: r.rows[0]!.n, at: Date.now() - t0 };
      });
      const fromPool = pool.query('SELECT 1').then(() => order.push('pool'));
      await sleep(100);
      order.push('a commits');
      await a.query('COMMIT');
      const seen = await fromB;
      await fromPool;
      // Both waited for the commit (their relative order is not specified).
      expect(order[0]).toBe('a commits');
      expect([...order].sort()).toEqual(['a commits', 'b', 'pool']);
      expect(seen.at).toBeGreaterThanOrEqual(100);
      expect(seen.n).toBe(1);
    } finally {
      a.release();
      b.release();
    }
  });

  it('runs a readiness probe ahead of the statements waiting for the session, not of an open transaction', async () => {
    const a = await pool.connect();
    const order: string[] = [];
    try {
      await a.query('BEGIN');
      const queued = [1, 2, 3].map((n) => pool.query('SELECT $1::int AS n', [n]).then(() => order.push(`queued ${n}`)));
      await sleep(20);
      const probe = aheadOfQueued(() => pool.query('SELECT 1')).then(() => order.push('probe'));
      await sleep(50);
      expect(order).toEqual([]); // the transaction still holds the session
      await a.query('COMMIT');
      await Promise.all([...queued, probe]);
      expect(order).toEqual(['probe', 'queued 1', 'queued 2', 'queued 3']);
    } finally {
      a.release();
    }
  });

  it('releases the gate after a failing statement and ROLLBACK, or on release()', async () => {
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query('INSERT INTO public.gate_test VALUES (2)');
      await expect(a.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      // The transaction is aborted but still open: others must keep waiting.
      let bDone = false;
      const fromB = b.query<{ n: number }>('SELECT count(*)::int AS n FROM public.gate_test WHERE n = 2').then((r) => {
        bDone = true;
        return r.rows[0]!.n;
      });
      await sleep(50);
      expect(bDone).toBe(false);
      await a.query('ROLLBACK');
      expect(await fromB).toBe(0); // ran after the rollback, not inside a's transaction
      expect(db.isInTransaction()).toBe(false);

      // A client released mid-transaction is rolled back and the gate freed.
      const c = await pool.connect();
      await c.query('BEGIN');
      await c.query('INSERT INTO public.gate_test VALUES (3)');
      c.release();
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM public.gate_test WHERE n = 3');
      expect(rows[0]!.n).toBe(0);
      await expect(c.query('SELECT 1')).rejects.toThrow(/after release/);

      // A transaction left open by a pool-level query cannot strand the session either.
      await expect(pool.query('BEGIN')).rejects.toThrow(/pool\.connect\(\)/);
      expect(db.isInTransaction()).toBe(false);
    } finally {
      a.release();
      b.release();
    }
  });

  it('processes a batch (throughput)', async () => {
    const n = 300;
    const queue = track(queues, new Queue('bulk', { connection: pool }));
    const t0 = Date.now();
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'j', data: { i } })));
    const added = Date.now();
    const worker = track(workers, new Worker('bulk', async () => 'ok', { connection: pool, concurrency: 4 }));
    await waitFor(worker, n);
    const end = Date.now();
    const rate = Math.round((n * 1000) / (end - added));
    console.info(`[pglite-pool] addBulk ${n}: ${added - t0} ms; processed ${n} in ${end - added} ms = ${rate} jobs/s`);
    expect(await queue.getJobCountByTypes('completed')).toBe(n);
  });

  it('fails clearly once ended, without closing PGlite', async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await pool.end();
    await expect(pool.query('SELECT 1')).rejects.toThrow(/after calling end on the pool/);
    await expect(pool.connect()).rejects.toThrow(/after calling end on the pool/);
    expect(db.closed).toBe(false);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });
});
