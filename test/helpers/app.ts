// Start the real service in-process for tests, on port 0.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startApp, type App, type StartOptions } from '../../src/app.js';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-test-'));
}

export async function startTestApp(env: Record<string, string | undefined>, opts: StartOptions = {}): Promise<App> {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', ...env });
  return startApp(config, createLogger({ level: config.logLevel, pretty: false }), opts);
}

/**
 * The service on `kind` with the demo organ: PostgreSQL (a fresh database, with Redis) or embedded
 * PGlite (its own data directory), with `env` over the test settings. `drop` removes the PostgreSQL
 * database after `app.stop()`.
 */
export async function startDemoOn(kind: 'postgres' | 'pglite', opts: StartOptions = {}, env: Record<string, string> = {}): Promise<{ app: App; drop: () => Promise<void> }> {
  if (kind === 'pglite') return { app: await startTestApp({ DATA_DIR: tempDataDir(), SEED_DEMO: 'true', ...env }, opts), drop: async () => {} };
  const { freshPostgres, REDIS_URL, redisPrefix } = await import('./env.js');
  const db = await freshPostgres();
  return { app: await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', ...env }, opts), drop: db.drop };
}
