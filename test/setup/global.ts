// Runs once per `vitest run`: checks PostgreSQL and Redis are reachable, builds a migrated template
// database for this run (each test file clones it), and drops everything this run made.
import crypto from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { deleteRedisKeys } from '../helpers/redis-keys.js';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../src/db/migrate.js';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    pgTemplate: string;
  }
}

function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`测试需要 PostgreSQL（${ADMIN_URL}）：${(e as Error).message}。请先启动 PostgreSQL，或设置 TEST_DATABASE_URL。`);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(`测试需要 Redis（${REDIS_URL}）：${(e as Error).message}。请先启动 Redis，或设置 TEST_REDIS_URL。`);
  } finally {
    redis.disconnect();
  }

  const template = `zt_${runId}_tpl`;
  await admin.query(`CREATE DATABASE "${template}"`);
  const t = new pg.Client({ connectionString: dbUrl(template) });
  await t.connect();
  await applyMigrations({
    exec: async (sql) => void (await t.query(sql)),
    query: async (sql, params) => (await t.query(sql, params)).rows,
  });
  await t.end();
  await admin.end();

  project.provide('runId', runId);
  project.provide('pgTemplate', template);

  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`zt_${runId}_%`]);
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await c.end();
    await deleteRedisKeys(REDIS_URL, `zt_${runId}_*`);
  };
}
