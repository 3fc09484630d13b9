// Plain SQL beside Prisma, for the statements that run on every chat event and every delivery.
// Measured on this project (test/bench/inbound.bench.ts): one Prisma call costs ~0.5 ms (raw) to
// ~1 ms (findUnique) of CPU, one pg query ~0.05 ms; at 1,000 card actions per second that gap is
// the whole budget. Domain code keeps using Prisma.
//
// One transaction serves both: `Database.transaction` opens it on a pg connection and, for the
// duration of the callback, Prisma's statements from the same async context run on that
// connection too (JoinablePool below). On embedded PGlite (one connection anyway) the transaction
// is Prisma's own and `sql` goes through it.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from './client.js';

export interface Sql {
  /** One statement with $1… parameters; rows as objects. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** What a transaction callback gets: plain SQL and the Prisma client, both inside the transaction. */
export interface TxScope {
  sql: Sql;
  tx: Tx;
  /** A marker for changedSince. */
  mark(): number;
  /** Whether anything since the mark may have changed state (a write, or a failed statement). */
  changedSince(mark: number): boolean;
}

/** Store functions take either plain SQL or a Prisma client / transaction (jobs and CLI code). */
export type SqlLike = Sql | PrismaClient | Tx;

export function asSql(db: SqlLike): Sql {
  if ('query' in db && typeof db.query === 'function') return db as Sql;
  const p = db as PrismaClient;
  return { query: <T>(text: string, params: unknown[] = []) => p.$queryRawUnsafe<T[]>(text, ...params) };
}

// Dates go as ISO strings: the same text on pg and through Prisma (columns are timestamptz).
const param = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

// Planning is most of PostgreSQL's work for the statements of a click (measured with the inbound
// benchmark's BENCH_PG_LOG: planning took twice as long as executing). A statement whose every
// lookup goes through a primary or unique key is marked `keyed`: it is prepared once per connection
// (named by a hash of its text) and PostgreSQL keeps a generic plan for it once that plan costs no
// more than planning per call; such a plan cannot turn bad as tables grow. Every other statement
// goes unnamed, so it is planned with its parameters each time: a cached plan made while a table
// was nearly empty (a new deployment) kept scanning the whole table as it grew (measured: the batch
// outcome statement went from 0.2 ms to 4 ms over a 30 s benchmark).
const statementNames = new Map<string, string>();

/** Marks a statement text as keyed (see above); returns it unchanged. Texts are fixed, with $n parameters. */
export function keyed(text: string): string {
  if (!statementNames.has(text)) statementNames.set(text, `z_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 20)}`);
  return text;
}

function pgSql(q: { query: pg.Pool['query'] | pg.PoolClient['query'] }): Sql {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      const r = await (q.query as pg.Pool['query'])({ name: statementNames.get(text), text, values: params.map(param) });
      return r.rows as T[];
    },
  };
}

/** The part of a pg client the transaction's statements go through. */
type Conn = Pick<pg.PoolClient, 'query'>;

const ambient = new AsyncLocalStorage<{ client: Conn | null }>();
const READ_ONLY = /^\s*SELECT\b/i;
const TX_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK)\b/i;

/** A connection already inside our transaction, as Prisma's adapter sees a pooled client. */
function joined(client: Conn): pg.PoolClient {
  const facade = {
    // Prisma's own BEGIN/COMMIT/ROLLBACK become no-ops: the outer transaction decides.
    query(config: pg.QueryConfig | string, values?: unknown[]) {
      const text = typeof config === 'string' ? config : config.text;
      if (TX_CONTROL.test(text)) return Promise.resolve({ rows: [], fields: [], rowCount: 0, command: '', oid: 0 });
      return client.query(config as pg.QueryConfig, values);
    },
    release() {},
    on() { return facade; },
    removeListener() { return facade; },
  };
  return facade as unknown as pg.PoolClient;
}

/** The pool Prisma's adapter uses: inside `transaction()`, it answers with the transaction's connection. */
export type JoinablePool = pg.Pool;

/** A JoinablePool (pg imported here, on PostgreSQL only: embedded storage never loads it). */
export async function joinablePool(config: pg.PoolConfig): Promise<JoinablePool> {
  const { default: pgRuntime } = await import('pg');
  class Joinable extends pgRuntime.Pool {
    // pg's overloads (promise or callback) pass straight through; only the promise form is joined.
    /* eslint-disable @typescript-eslint/no-explicit-any */
    override connect(...args: any[]): any {
      const client = ambient.getStore()?.client;
      if (client && args.length === 0) return Promise.resolve(joined(client));
      return (super.connect as (...a: any[]) => any)(...args);
    }

    override query(...args: any[]): any {
      const client = ambient.getStore()?.client;
      if (client) return (client.query as (...a: any[]) => any)(...args);
      return (super.query as (...a: any[]) => any)(...args);
    }
    /* eslint-enable @typescript-eslint/no-explicit-any */
  }
  return new Joinable(config);
}

export function postgresSql(pool: JoinablePool, prisma: PrismaClient) {
  const sql = pgSql(pool);
  async function transaction<T>(fn: (scope: TxScope) => Promise<T>): Promise<T> {
    const client: pg.PoolClient = await pool.connect();
    // Counts statements that may change state (ctx.sql and Prisma alike), so a caller can tell
    // whether a failed step left anything behind.
    let changes = 0;
    const counted: Conn = {
      query: ((config: pg.QueryConfig | string, values?: unknown[]) => {
        if (!READ_ONLY.test(typeof config === 'string' ? config : config.text)) changes++;
        return client.query(config as pg.QueryConfig, values).catch((e: unknown) => {
          changes++;
          throw e;
        });
      }) as Conn['query'],
    };
    const store = { client: counted as Conn | null };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const scope: TxScope = { sql: pgSql(counted), tx: prisma as unknown as Tx, mark: () => changes, changedSince: (m) => changes !== m };
      const result = await ambient.run(store, () => fn(scope));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((err: Error) => (broken = err));
      throw e;
    } finally {
      // Work the callback left running must not use the connection after it is back in the pool.
      store.client = null;
      client.release(broken);
    }
  }
  return { sql, transaction };
}

export function prismaSql(prisma: PrismaClient) {
  return {
    sql: asSql(prisma),
    transaction: <T>(fn: (scope: TxScope) => Promise<T>) =>
      // Prisma's own statements cannot be watched here: every step counts as a possible change.
      prisma.$transaction((tx) => fn({ sql: asSql(tx), tx, mark: () => 0, changedSince: () => true }), { timeout: 15_000, maxWait: 10_000 }),
  };
}
