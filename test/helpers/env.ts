// Per-test-file real services: a fresh PostgreSQL database cloned from the run's migrated template,
// and a Redis key prefix of its own. Both are removed when the run ends (test/setup/global.ts).
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { ADMIN_URL, REDIS_URL } from '../setup/global.js';

export { ADMIN_URL, REDIS_URL };

function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string, params?: unknown[]): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** A new PostgreSQL database. `migrated: false` gives an empty one (for migration tests). */
export async function freshPostgres(opts: { migrated?: boolean } = {}): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `zt_${inject('runId')}_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(opts.migrated === false ? `CREATE DATABASE "${name}"` : `CREATE DATABASE "${name}" TEMPLATE "${inject('pgTemplate')}"`);
  return { url: dbUrl(name), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** A Redis key prefix unique to this test file (BullMQ `prefix`). */
export function redisPrefix(): string {
  return `zt_${inject('runId')}_${crypto.randomBytes(3).toString('hex')}`;
}
