// Self-healing schedules: a Redis that comes back empty loses every BullMQ job scheduler. The service
// reports the missing ones in /readyz and creates them again within a minute, with no restart.
// The test owns its Redis: a redis-server on a free port without persistence, flushed mid-test.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { RECONCILE_EVERY_MS } from '../../jobs/index.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';

let redis: ChildProcess;
let port: number;
let app: App | undefined;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedisServer(port);
});

afterAll(async () => {
  await app?.stop();
  redis?.kill('SIGKILL');
});

async function readyz(a: App) {
  const res = await fetch(`${a.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; down?: string[]; details?: Array<{ name: string; error?: string }> } };
}

describe('job schedulers after Redis comes back empty', () => {
  it('are reported missing by /readyz and exist again within 60 s without a restart', async () => {
    expect(RECONCILE_EVERY_MS).toBeLessThanOrEqual(30_000);
    app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}/0`, DATA_DIR: tempDataDir(), SEED_DEMO: 'true' });
    expect((await readyz(app)).status).toBe(200);
    const before = (await app.jobs.missingSchedulers());
    expect(before).toEqual([]);
    const client = new Redis({ port });
    const keys = async () => (await client.keys('*:repeat:*')).length;
    const repeatKeys = await keys();
    expect(repeatKeys).toBeGreaterThanOrEqual(4);

    await client.flushall(); // what a restart without persistence or a lagging failover leaves
    const t0 = Date.now();
    const down = await readyz(app);
    expect(down.status).toBe(503);
    expect(down.body.down).toEqual(['schedulers']);
    const detail = down.body.details?.find((d) => d.name === 'schedulers');
    expect(detail?.error).toMatch(/^missing job schedulers: .*outbox-sweep.*reminder-dispatch.*compliance-scan/);

    // Back within a minute, by the reconciler alone.
    let ready = down;
    while (Date.now() - t0 < 60_000 && ready.status !== 200) {
      await new Promise((r) => setTimeout(r, 1000));
      ready = await readyz(app);
    }
    expect(ready.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await app.jobs.missingSchedulers()).toEqual([]);
    expect(await keys()).toBe(repeatKeys);
    client.disconnect();
  }, 120_000);
});
