// While Redis is down, a chat request gets its answer within a bounded time, never a hang (issue 17,
// breaker.md D2): the change and its outbox rows are stored in the transaction, the hand-off to the
// queue (BullMQ over ioredis, which holds commands while it reconnects) is cut off after
// handOffTimeoutMs, and the outbox sweep enqueues the rows once Redis is back.
// The test owns its Redis: a redis-server on a free port without persistence, killed and restarted.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { ChatDriver, direct } from '../helpers/chat.js';
import { freePort, killRedisServer, startRedisServer } from '../helpers/redis-server.js';

let redis: ChildProcess | undefined;
let app: App | undefined;

afterAll(async () => {
  await app?.stop();
  if (redis) await killRedisServer(redis);
});

describe('chat while Redis is down', () => {
  it('answers within the hand-off bound, stores the rows, and the sweep delivers them once Redis is back', async () => {
    const port = await freePort();
    redis = await startRedisServer(port);
    app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}/0`, DATA_DIR: tempDataDir(), SEED_DEMO: 'true' });
    const chat = new ChatDriver(app);
    // Up: the answer is delivered as usual.
    await chat.say('m102', direct('m102'), '帮助');
    await chat.waitFor(direct('m102'), (e) => e.type === 'message', 20_000);

    await killRedisServer(redis);
    redis = undefined;
    const t0 = Date.now();
    const r = await chat.say('m103', direct('m103'), '帮助');
    const took = Date.now() - t0;
    expect(r.status).toBe('processed');
    // The hand-off gives up after 2 s; the rest is the transaction on a loaded machine.
    expect(took).toBeLessThan(15_000);
    const stored = await app.db.prisma.outboxMessage.findMany({ where: { target: 'm103' } });
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((row) => row.status === 'PENDING')).toBe(true);
    // Nothing reached the member while the queue was down.
    expect(chat.watch(direct('m103'))).toEqual([]);

    // Redis back (empty, as after a restart without persistence): the sweep enqueues the stored rows.
    redis = await startRedisServer(port);
    await app.jobs.deliverer.sweep();
    await chat.waitFor(direct('m103'), (e) => e.type === 'message', 30_000);
    expect(await app.db.prisma.outboxMessage.count({ where: { target: 'm103', status: 'SENT' } })).toBe(stored.length);
  }, 120_000);
});
