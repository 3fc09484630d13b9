// The separate worker process (`npm run worker` → src/worker.ts) delivers what a service started
// with RUN_WORKERS=false writes. The platform is the local Lark fake (test/platforms/fakes/lark.ts):
// the worker builds the same Lark sender from LARK_* settings and the fake records every message
// it receives, so delivery is observed at the platform, not only as rows marked SENT. (The console
// platform would not do: a worker process has its own, unobserved console hub.)
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { until } from '../helpers/wait.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { LarkFake } from '../platforms/fakes/lark.js';
import { bindDemoMembers } from '../platforms/conformance.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});


describe('npm run worker', () => {
  it('delivers outbox rows written by a service that runs no workers, and exits cleanly on SIGTERM', async () => {
    const fake = await LarkFake.start({ mode: 'webhook' });
    closers.push(() => fake.close());
    const pg = await freshPostgres({ migrated: false });
    closers.push(pg.drop);
    const env = { DATABASE_URL: pg.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), APP_SECRET: 'w'.repeat(48), SEED_DEMO: 'true', ...fake.env() };
    const app: App = await startTestApp({ ...env, DATA_DIR: tempDataDir(), RUN_WORKERS: 'false' });
    closers.push(() => app.stop());
    await fake.attach(app);
    await bindDemoMembers(app, fake);

    const group = fake.group(1);
    for (const user of ['m102', 'm103', 'm104']) await fake.pushMessage(group, fake.userId(user), '帮助');
    const rows = await until('three replies in the outbox', async () => {
      const r = await app.db.prisma.outboxMessage.findMany({ where: { platform: 'LARK', target: group.id } });
      return r.length === 3 ? r : undefined;
    }, 30_000);
    // Nobody delivers yet.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await app.db.prisma.outboxMessage.count({ where: { id: { in: rows.map((r) => r.id) }, status: 'PENDING' } })).toBe(3);
    expect(fake.sent).toHaveLength(0);

    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: root,
      env: { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: tempDataDir(), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    closers.push(async () => void (worker.exitCode === null && worker.kill('SIGKILL')));

    await until(`rows SENT by the worker (output: ${output.slice(0, 500)})`, async () => (await app.db.prisma.outboxMessage.count({ where: { id: { in: rows.map((r) => r.id) }, status: 'SENT' } })) === 3, 60_000);
    const toGroup = fake.sent.filter((s) => s.to === group.id && s.text.includes('使用说明'));
    expect(toGroup).toHaveLength(3);
    const sent = await app.db.prisma.outboxMessage.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
    expect(sent.map((r) => r.platformMessageId).sort()).toEqual(toGroup.map((s) => s.id).sort());

    worker.kill('SIGTERM');
    const code = await exited;
    expect(code, `worker output:\n${output.slice(-2000)}`).toBe(0);
  }, 120_000);
});
