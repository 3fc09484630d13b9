// Opens the application database: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set,
// otherwise embedded PGlite under DATA_DIR/app. Same schema, same migrations, same code.
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaClient } from '../generated/prisma/client.js';
import { EmbeddedPGliteAdapterFactory } from './pglite-adapter.js';
import { applyMigrations, type MigrateResult, type SqlSession } from './migrate.js';
import { openPGlite } from '../queue/pglite-pool.js';
import { settles, withTimeout } from '../util/timeout.js';
import { joinablePool, postgresSql, prismaSql, type Sql, type TxScope } from './sql.js';

export { PrismaClient };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  kind: 'postgres' | 'embedded';
  prisma: PrismaClient;
  /** Plain SQL outside a transaction (the per-event hot path; see sql.ts). */
  sql: Sql;
  /** One transaction for plain SQL and Prisma alike; commits when `fn` resolves, rolls back when it throws. */
  transaction<T>(fn: (scope: TxScope) => Promise<T>): Promise<T>;
  migrate(): Promise<MigrateResult>;
  /** Resolves when the database answers a trivial query, rejects otherwise (bounded time). */
  ping(timeoutMs?: number): Promise<void>;
  /** Embedded only: PGlite's dump of its data directory (tar.gz), for backups (src/db/backup.ts). */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

// Any two-int key works; it only has to be the same for every instance of this app.
const MIGRATION_LOCK = 'SELECT pg_advisory_lock(7310, 2026)';
const MIGRATION_UNLOCK = 'SELECT pg_advisory_unlock(7310, 2026)';

export async function openPostgres(url: string): Promise<Database> {
  // Only statements marked keyed are prepared and may keep a generic plan (sql.ts); the rest,
  // Prisma's included, are unnamed and planned with their parameters every time.
  // pg and Prisma's pg adapter load here, on PostgreSQL only (embedded storage starts without them).
  const [{ PrismaPg }, pool] = await Promise.all([import('@prisma/adapter-pg'), joinablePool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000 })]);
  pool.on('error', () => {}); // an idle client dropping must not crash the process; ping() reports it
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    prisma,
    ...postgresSql(pool, prisma),
    async migrate() {
      const client = await pool.connect();
      const session: SqlSession = {
        exec: async (sql) => void (await client.query(sql)),
        query: async (sql, params) => (await client.query(sql, params)).rows,
      };
      try {
        await client.query(MIGRATION_LOCK);
        return await applyMigrations(session);
      } finally {
        await client.query(MIGRATION_UNLOCK).catch(() => {});
        client.release();
      }
    },
    async ping(timeoutMs = 2000) {
      await withTimeout(pool.query('SELECT 1'), timeoutMs, '数据库');
    },
    async close() {
      // Bounded, like the queue's close: a connection still held by work cut short at shutdown
      // (seen: the worker stopped during start-up) must not keep the process from exiting.
      await settles(prisma.$disconnect(), 2000);
      await settles(pool.end(), 3000);
    },
  };
}

export function pgliteSession(db: PGlite): SqlSession {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
  };
}

export async function openEmbedded(dataDir: string): Promise<Database> {
  const db = await openPGlite(dataDir === 'memory://' ? dataDir : path.join(dataDir, 'app'), 'app');
  const prisma = new PrismaClient({ adapter: new EmbeddedPGliteAdapterFactory(db) });
  return {
    kind: 'embedded',
    prisma,
    ...prismaSql(prisma),
    migrate: () => applyMigrations(pgliteSession(db)),
    dump: () => db.dumpDataDir('gzip'),
    async ping(timeoutMs = 2000) {
      if (db.closed) throw new Error('数据库已关闭');
      await withTimeout(db.query('SELECT 1'), timeoutMs, '数据库');
    },
    async close() {
      await prisma.$disconnect();
      if (!db.closed) await db.close();
    },
  };
}

export function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openEmbedded(opts.dataDir);
}
