// The same job code on all three backends: Redis, BullMQ's PostgreSQL backend, embedded PGlite.
import { afterAll, describe, expect, it } from 'vitest';
import { openQueueBackend, type QueueBackend } from '../../src/queue/backend.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';

const opened: QueueBackend[] = [];
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const b of opened) await b.close();
  for (const d of drops) await d();
});

const backends: Array<[string, QueueBackend['kind'], () => Promise<QueueBackend>]> = [
  ['redis', 'redis', () => openQueueBackend({ kind: 'redis', redisUrl: REDIS_URL, prefix: redisPrefix() })],
  [
    'postgres',
    'postgres',
    async () => {
      const db = await freshPostgres({ migrated: false });
      drops.push(db.drop);
      return openQueueBackend({ kind: 'postgres', databaseUrl: db.url, prefix: 'unused' });
    },
  ],
  ['embedded', 'embedded', () => openQueueBackend({ kind: 'embedded', dataDir: 'memory://', prefix: 'unused', thread: false })],
  // As the compiled service runs it: PGlite in a worker thread of its own.
  ['embedded in a worker thread', 'embedded', () => openQueueBackend({ kind: 'embedded', dataDir: 'memory://', prefix: 'unused', thread: true })],
];

describe.each(backends)('queue backend %s', (_label, kind, open) => {
  it('enqueues, delays and processes a job through the same code path', async () => {
    const backend = await open();
    opened.push(backend);
    expect(backend.kind).toBe(kind);
    await backend.ping();

    const queue = backend.createQueue('foundation');
    const done: Array<{ id: string; at: number; data: unknown }> = [];
    const worker = backend.createWorker('foundation', async (job) => {
      done.push({ id: job.id!, at: Date.now(), data: job.data });
      return 'ok';
    });
    const finished = new Promise<void>((resolve) => {
      let completed = 0;
      worker.on('completed', () => ++completed === 2 && resolve());
    });
    const addedAt = Date.now();
    await queue.add('now', { n: 1 }, { jobId: 'job-now' });
    await queue.add('later', { n: 2 }, { jobId: 'job-later', delay: 700 });
    // A duplicate job id is ignored: semantic ids make re-enqueueing harmless.
    await queue.add('now', { n: 99 }, { jobId: 'job-now' });
    await finished;

    expect(done.map((d) => d.id)).toEqual(['job-now', 'job-later']);
    expect(done[0]!.data).toEqual({ n: 1 });
    const later = done[1]!;
    expect(later.at - addedAt).toBeGreaterThanOrEqual(690);
    expect(later.at - addedAt).toBeLessThan(5000);
    const job = await queue.getJob('job-later');
    expect(await job?.getState()).toBe('completed');
    expect(job?.returnvalue).toBe('ok');
  });
});
