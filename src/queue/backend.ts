// BullMQ with one code path and three backends: Redis (production), BullMQ's own PostgreSQL
// backend, and the embedded default: that PostgreSQL backend over an in-process PGlite kept in its
// own directory, so queue work never interleaves with application transactions.
import path from 'node:path';
import { Redis } from 'ioredis';
import * as bullmq from 'bullmq';
import type { Processor, QueueOptions, WorkerOptions } from 'bullmq';
import type { QueueBackendKind } from '../config.js';
import { aheadOfQueued, createPGlitePool, openPGlite, type PGliteSession } from './pglite-pool.js';
import { PGliteThread, pgliteThreadAvailable } from './pglite-thread.js';
import { settles, withTimeout } from '../util/timeout.js';

export type Queue = bullmq.Queue;
export type Worker = bullmq.Worker;
export type Job = bullmq.Job;

export interface QueueBackend {
  kind: QueueBackendKind;
  createQueue(name: string, opts?: Omit<QueueOptions, 'connection'>): Queue;
  createWorker(name: string, processor: Processor, opts?: Omit<WorkerOptions, 'connection'>): Worker;
  /** Resolves when the backend answers, rejects otherwise (bounded time). */
  ping(timeoutMs?: number): Promise<void>;
  /** Runs a readiness probe's reads (embedded: ahead of the statements waiting for PGlite's one session). */
  probe<T>(fn: () => Promise<T>): Promise<T>;
  /** Close every queue and worker made here, then the connection; bounded in time. */
  close(graceMs?: number): Promise<void>;
}

export interface QueueBackendOptions {
  kind: QueueBackendKind;
  redisUrl?: string;
  databaseUrl?: string;
  /** Embedded: the data directory (the queue lives in <dir>/queue), or memory:// in tests. */
  dataDir?: string;
  /** Embedded: PGlite in a worker thread (default: when running compiled) or in this thread. */
  thread?: boolean;
  prefix: string;
}

interface Classes {
  Queue: new (name: string, opts: QueueOptions) => Queue;
  Worker: new (name: string, processor: Processor, opts: WorkerOptions) => Worker;
}

function tracked(kind: QueueBackendKind, classes: Classes, connection: unknown, prefix: string | undefined,
  ping: () => Promise<unknown>, closeConnection: () => Promise<void>): QueueBackend {
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  const swallow = () => {}; // errors surface through ping() and job failures, never as a crash
  return {
    kind,
    createQueue(name, opts) {
      const q = new classes.Queue(name, { ...opts, prefix, connection } as QueueOptions);
      q.on('error', swallow);
      queues.push(q);
      return q;
    },
    createWorker(name, processor, opts) {
      const w = new classes.Worker(name, processor, { ...opts, prefix, connection } as WorkerOptions);
      w.on('error', swallow);
      workers.push(w);
      return w;
    },
    async ping(timeoutMs = 2000) {
      await withTimeout(ping(), timeoutMs, '队列后端');
    },
    probe: (fn) => fn(),
    async close(graceMs = 5000) {
      // Workers first so they finish the job in hand, then queues, then the connection. Each step
      // is bounded: with the backend unreachable BullMQ's close never resolves, and shutdown must.
      const closing = workers.splice(0);
      if (!(await settles(Promise.all(closing.map((w) => w.close())), graceMs))) {
        closing.forEach((w) => void w.disconnect().catch(() => {}));
      }
      await settles(Promise.all(queues.splice(0).map((q) => q.close())), 2000);
      await settles(closeConnection(), 2000);
    },
  };
}

/** BullMQ's migrator needs one session (BEGIN, advisory lock, SET LOCAL, COMMIT), not a pool. */
async function migrateQueue(pool: bullmq.PgPool): Promise<void> {
  const client = await pool.connect();
  try {
    await bullmq.runMigrations(client);
  } finally {
    client.release();
  }
}

export async function openQueueBackend(opts: QueueBackendOptions): Promise<QueueBackend> {
  if (opts.kind === 'redis') {
    if (!opts.redisUrl) throw new Error('Redis 队列后端需要 REDIS_URL');
    const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    redis.on('error', () => {});
    return tracked('redis', bullmq as unknown as Classes, redis, opts.prefix, () => redis.ping(), async () => {
      redis.disconnect();
    });
  }
  const postgres = bullmq.withBackend(bullmq.createPostgresBackend) as unknown as Classes;
  if (opts.kind === 'postgres') {
    if (!opts.databaseUrl) throw new Error('PostgreSQL 队列后端需要 QUEUE_DATABASE_URL 或 DATABASE_URL');
    const { default: pg } = await import('pg'); // on PostgreSQL only
    // BullMQ's SQL is unqualified and it does not set search_path on a pool it is handed.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, connectionTimeoutMillis: 3000, options: `-c search_path=${bullmq.DEFAULT_SCHEMA},public` });
    pool.on('error', () => {});
    await migrateQueue(pool);
    return tracked('postgres', postgres, pool, undefined, () => pool.query('SELECT 1'), () => pool.end());
  }
  const dir = opts.dataDir ?? 'memory://';
  const queueDir = dir.startsWith('memory://') ? dir : path.join(dir, 'queue');
  // Compiled (production): in a worker thread of its own (pglite-thread.ts); from source in-thread.
  const db: PGliteSession = (opts.thread ?? pgliteThreadAvailable()) ? await PGliteThread.open(queueDir, 'queue') : await openPGlite(queueDir, 'queue');
  const pool = createPGlitePool(db);
  await migrateQueue(pool);
  const backend = tracked('embedded', postgres, pool, undefined, () => db.query('SELECT 1'), async () => {
    await pool.end();
    if (!db.closed) await db.close();
  });
  return { ...backend, probe: aheadOfQueued };
}
