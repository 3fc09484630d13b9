// The service on the embedded default and on PostgreSQL + Redis: readiness, seed, restart, lock.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { adminQuery, freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';

const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.stop();
});

async function get(app: App, path: string) {
  const res = await fetch(app.url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('embedded default', () => {
  const dataDir = tempDataDir();

  it('starts with demo data, answers /healthz and /readyz, and keeps data across restarts', async () => {
    const app = await startTestApp({ DATA_DIR: dataDir, SEED_DEMO: 'true', HOLIDAYS_FILE: 'no-such-holidays.yaml' });
    expect(app.db.kind).toBe('embedded');
    expect(app.queue.kind).toBe('embedded');
    expect(await get(app, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get(app, '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: ['database', 'queue', 'schedulers'] } });
    // Next year has no official holiday arrangement (no file, none in the package): said, not failed.
    expect(ready.body.warnings).toEqual([expect.stringMatching(/^no official holiday arrangement for (\d{4}, )?\d{4}: using computed statutory holidays/)]);
    expect(await app.db.prisma.member.count()).toBe(30);
    // A change made now must survive the restart.
    await app.db.prisma.orgNode.update({ where: { code: 'demo-branch-3' }, data: { name: '第三党支部（改名后）' } });
    await app.stop();

    const again = await startTestApp({ DATA_DIR: dataDir, SEED_DEMO: 'true' });
    apps.push(again);
    expect(await again.db.prisma.member.count()).toBe(30); // not seeded twice
    expect((await again.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-3' } })).name).toBe('第三党支部（改名后）');
  }, 120_000); // two embedded start-ups (PGlite, migrations, seed) on a busy 2-core machine

  it('refuses a second process on the same data directory with a clear message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/数据目录 .* 正被另一个进程（pid \d+）使用/);
  });
});

describe('PostgreSQL and Redis', () => {
  it('is ready on real services and reports 503 naming the queue when Redis is unreachable', async () => {
    const db = await freshPostgres({ migrated: false });
    const app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'false' });
    apps.push(app);
    expect(app.db.kind).toBe('postgres');
    expect(app.queue.kind).toBe('redis');
    expect((await get(app, '/readyz')).status).toBe(200);

    // Start-up must not hang on an unreachable queue backend: it serves and reports 503 "queue".
    const noRedis = await startTestApp({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1/0', DATA_DIR: tempDataDir(), SEED_DEMO: 'false', QUEUE_START_TIMEOUT_MS: '500' });
    apps.push(noRedis);
    const r = await get(noRedis, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.down).toEqual(['queue']);
    expect((await get(noRedis, '/healthz')).status).toBe(200); // the process is up and serving
  }, 60_000);

  it('reports 503 naming the database when PostgreSQL refuses connections, then recovers', async () => {
    const db = await freshPostgres({ migrated: false });
    const app = await startTestApp({ DATABASE_URL: db.url, QUEUE_BACKEND: 'embedded', DATA_DIR: tempDataDir(), SEED_DEMO: 'false' });
    apps.push(app);
    expect((await get(app, '/readyz')).status).toBe(200);

    await adminQuery(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [db.name]);
    const down = await get(app, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.down).toEqual(['database']);

    await adminQuery(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    expect((await get(app, '/readyz')).status).toBe(200);
  }, 60_000); // an embedded queue start-up on a busy 2-core machine
});
