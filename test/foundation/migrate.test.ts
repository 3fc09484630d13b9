import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations, type SqlSession } from '../../src/db/migrate.js';
import { pgliteSession } from '../../src/db/client.js';
import { freshPostgres } from '../helpers/env.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function sessions(): Promise<Array<[string, SqlSession]>> {
  const lite = new PGlite('memory://');
  cleanups.push(() => lite.close());
  const db = await freshPostgres({ migrated: false });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanups.push(async () => {
    await client.end();
    await db.drop();
  });
  return [
    ['PGlite', pgliteSession(lite)],
    ['PostgreSQL', { exec: async (s) => void (await client.query(s)), query: async (s, p) => (await client.query(s, p)).rows }],
  ];
}

describe('migrations', async () => {
  const all = await sessions();

  it.each(all)('apply the committed migrations on %s, record them as Prisma does, and are idempotent', async (_name, db) => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    const first = await applyMigrations(db);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const ledger = await db.query<{ migration_name: string; checksum: string; applied_steps_count: number }>(
      `SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(ledger).toEqual(migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })));
    const tables = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema()`);
    expect(tables[0]!.n).toBeGreaterThan(20);
    const second = await applyMigrations(db);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length, changedChecksums: [] });
  });

  it.each(all)('roll a failing migration back completely on %s', async (_name, db) => {
    const bad = { name: '99999999999999_bad', sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;', checksum: 'x' };
    await expect(applyMigrations(db, [...readMigrations(), bad])).rejects.toThrow(/迁移 99999999999999_bad 执行失败，数据库已回滚/);
    expect(await db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'half_done'`)).toHaveLength(0);
    expect(await db.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1`, [bad.name])).toHaveLength(0);
  });

  it.each(all)('report an applied migration whose file changed on %s', async (_name, db) => {
    const changed = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    const r = await applyMigrations(db, changed);
    expect(r.changedChecksums).toEqual([changed[0]!.name]);
  });
});
