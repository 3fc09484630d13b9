// Applies the committed Prisma migrations (prisma/migrations/*/migration.sql) in order and records
// them in Prisma's own `_prisma_migrations` table, so `prisma migrate status/deploy` agree with us.
// Our own step because Prisma's migrate commands need workarounds on both drivers here
// (TOOLCHAIN.md); the folder format stays Prisma's.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One database session: simple-protocol multi-statement exec plus parameterised query. */
export interface SqlSession {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const ledgerDdl = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  changedChecksums: string[];
}

/**
 * Apply pending migrations, each in its own transaction with its ledger row.
 * Callers on a shared server hold an advisory lock around this (see openDatabase).
 */
export async function applyMigrations(db: SqlSession, migrations = readMigrations()): Promise<MigrateResult> {
  await db.exec(ledgerDdl);
  const done = await db.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const doneByName = new Map(done.map((r) => [r.migration_name, r.checksum]));
  const result: MigrateResult = { applied: [], alreadyApplied: 0, changedChecksums: [] };
  for (const m of migrations) {
    const prior = doneByName.get(m.name);
    if (prior !== undefined) {
      result.alreadyApplied++;
      if (prior !== m.checksum) result.changedChecksums.push(m.name);
      continue;
    }
    await db.exec('BEGIN');
    try {
      await db.exec(m.sql);
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      await db.exec('COMMIT');
    } catch (e) {
      await db.exec('ROLLBACK');
      throw new Error(`迁移 ${m.name} 执行失败，数据库已回滚到执行前的状态：${(e as Error).message}`, { cause: e });
    }
    result.applied.push(m.name);
  }
  return result;
}
