// A `pg.Pool`-shaped facade over ONE embedded PGlite, so BullMQ's own PostgreSQL backend
// (`withBackend(createPostgresBackend)`) runs in-process. BullMQ only needs the small structural
// surface in bullmq/dist/esm/postgres/pg-types.d.ts (PgPool / PgPoolClient / PgListenClient).
//
// PGlite is a single Postgres session, so "connections" here are views onto that one session:
// - a transaction opened by one client (BEGIN … COMMIT/ROLLBACK) would otherwise swallow every
//   other client's statements, so an async gate gives the session to that client until its
//   transaction ends (detected with `db.isInTransaction()`, not by parsing SQL);
// - session settings (search_path, application_name) are shared by every client;
// - LISTEN/UNLISTEN become per-client PGlite listeners that re-emit pg's 'notification' event.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { PGlite, types, type QueryOptions, type Results } from '@electric-sql/pglite';
import type { PgNotification, PgPool, PgPoolClient, PgQueryResult } from 'bullmq';

/**
 * What the pool needs of a PGlite: the instance itself, or one running in a worker thread
 * (PGliteThread, pglite-thread.ts). Query options other than PG_COMPAT are not used here.
 */
export interface PGliteSession {
  readonly closed: boolean;
  exec(sql: string, options?: QueryOptions): Promise<Results[]>;
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  isInTransaction(): boolean;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Opens PGlite so that a process which closes it exits promptly.
 *
 * PGlite's Postgres arms a 10 s `log_startup_progress_interval` timer (a real Node timer via
 * emscripten's setitimer). On a resumed data directory it re-arms forever, so a process that
 * forgets `db.close()` never exits. The setting is postmaster-level: `SET` after create fails with
 * 55P02 "cannot be changed now", so it must go in `startParams` — which *replaces* the defaults,
 * hence the spread. Even so, Postgres arms a one-shot 10 s idle stats-flush timer after activity
 * (not configurable), so owners must still `await db.close()` on shutdown (tests: in afterAll).
 *
 * `dataDir` is a directory path (created with its parents: PGlite's own mkdir is not recursive),
 * or `memory://` for tests.
 */
export async function openPGlite(dataDir: string, template?: 'app' | 'queue', wasm?: WebAssembly.Module): Promise<PGlite> {
  delayWasmTierUp();
  const pgliteWasmModule = wasm ?? (await pgliteWasm());
  const fsPath = dataDir.startsWith('file://') ? dataDir.slice('file://'.length) : dataDir;
  const onDisk = !!fsPath && !/^[a-z][a-z0-9+.-]*:\/\//i.test(fsPath);
  if (onDisk) await mkdir(fsPath, { recursive: true });
  const from = template && onDisk && !fs.existsSync(path.join(fsPath, 'PG_VERSION')) ? builtTemplate(template) : undefined;
  if (from) fs.cpSync(from, fsPath, { recursive: true });
  return PGlite.create({
    dataDir,
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    pgliteWasmModule,
  });
}

let compiledWasm: Promise<WebAssembly.Module> | undefined;

/**
 * PGlite's PostgreSQL compiled once per process for every PGlite in it, the queue's thread included:
 * a module handed to a worker thread shares its compiled code (compiling it there again left about
 * 20 MB more resident).
 */
export function pgliteWasm(): Promise<WebAssembly.Module> {
  delayWasmTierUp(); // before the module is compiled
  const file = path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm');
  return (compiledWasm ??= fs.promises.readFile(file).then((bytes) => WebAssembly.compile(bytes)));
}

/**
 * V8 recompiles a WASM function with its optimising compiler once the function has run a budget's
 * worth of code. PostgreSQL's start-up runs much of PGlite's module just past the default budget, so
 * every start spent about a second of CPU optimising code it would hardly run again (a kept data
 * directory: about 2.9 s of CPU to /readyz, 1.8–2.0 s with 100 times the budget). Code that stays
 * hot under load still crosses the larger budget: a select/update/insert loop ran about 10 % fewer
 * iterations per CPU second (`--liftoff-only`, never optimising: 13 % fewer), a price the embedded
 * default's load (one organ's chats) never notices; production runs PostgreSQL. A flag set before
 * the first module is compiled applies to it.
 */
function delayWasmTierUp(): void {
  if (tierUpDelayed) return;
  v8.setFlagsFromString('--wasm-tiering-budget=180000000');
  tierUpDelayed = true;
}
let tierUpDelayed = false;

/**
 * Postmaster settings for every PGlite of the app. shared_buffers: PostgreSQL's 128 MB are
 * touched at start (about 110 MB of resident memory per instance, and there are two: app and
 * queue); 16 MB hold an organ's working set.
 */
export const PGLITE_SETTINGS = ['-c', 'log_startup_progress_interval=0', '-c', 'shared_buffers=16MB'];

/**
 * Migrated empty clusters that `npm run build` leaves beside the compiled code (dist/pglite/app:
 * the app's migrations applied, dist/pglite/queue: BullMQ's). An empty data directory is a copy of
 * one instead of running initdb and every migration: initdb alone costs about 7 s of CPU here and
 * leaves 500 MB of WASM memory behind, a copy is a file copy (PGlite's own loadDataDir would untar
 * 40 MB inside its WASM memory, which never shrinks). The migrations still run and find themselves
 * applied (their ledger is in the copy), a newer one is applied as usual. Like a kept data
 * directory, a template stays valid while PGlite keeps its PostgreSQL major version. Absent (runs
 * from source): initdb.
 */
export function builtTemplate(name: 'app' | 'queue'): string | undefined {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pglite', name);
  return fs.existsSync(path.join(dir, 'PG_VERSION')) ? dir : undefined;
}

export interface PGlitePoolOptions {
  /**
   * Schema put first on the session's search_path (default `bullmq`, BullMQ's DEFAULT_SCHEMA, the
   * only one it uses with a caller-supplied pool). BullMQ's runtime SQL is unqualified and relies
   * on search_path; a real pg.Pool would need `options: '-c search_path=bullmq'`. `null` leaves
   * search_path alone. Session-wide: use a PGlite dedicated to the queue.
   */
  schema?: string | null;
}

/** Yields a full event-loop turn: PGlite runs synchronously in WASM, and a busy worker's queries
 *  would otherwise chain through microtasks only and starve timers (lock renewal, delays). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** node-postgres returns int8 (and int8[]) as strings; PGlite as numbers. BullMQ is written
 *  against pg (it `Number()`s bigint columns), so mirror pg rather than risk a subtle mismatch. */
const keepString = (v: string) => v;
export const PG_COMPAT: QueryOptions = {
  parsers: {
    [types.INT8]: keepString,
    1016: (v: string) => types.arrayParser(v, keepString, 1016) as unknown,
  },
};

/** The message pg uses, which BullMQ's backend recognises while it is closing. */
const ENDED = 'Cannot use a pool after calling end on the pool (PGlitePool)';

/** FIFO async mutex: `acquire()` resolves with the function that releases it; an urgent acquirer
 *  goes before the others waiting (never before the holder). */
class Gate {
  private held = false;
  private readonly urgent: Array<() => void> = [];
  private readonly waiting: Array<() => void> = [];
  acquire(urgent = false): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          const next = this.urgent.shift() ?? this.waiting.shift();
          if (next) next();
          else this.held = false;
        });
      };
      if (!this.held) grant();
      else (urgent ? this.urgent : this.waiting).push(grant);
    });
  }
}

const urgentWork = new AsyncLocalStorage<true>();

/**
 * Runs `fn` with every pool statement it makes ahead of the statements waiting for the session
 * (not of a transaction holding it). PGlite is one session, so a readiness probe would otherwise
 * wait behind a burst of background work (the workers' first polls and scheduler upserts at start);
 * on PostgreSQL it would run beside them.
 */
export function aheadOfQueued<T>(fn: () => Promise<T>): Promise<T> {
  return urgentWork.run(true, fn);
}

type Listen = { op: 'LISTEN' | 'UNLISTEN'; channel: string; name: string };

/** Recognises SQL made only of LISTEN/UNLISTEN statements (BullMQ sends them with `--` comments).
 *  Returns null for anything else, which then runs as ordinary SQL. */
function parseListen(text: string): Listen[] | null {
  const body = text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const statements = body.split(';').map((s) => s.trim()).filter(Boolean);
  if (statements.length === 0) return null;
  const out: Listen[] = [];
  for (const s of statements) {
    const m = /^(LISTEN|UNLISTEN)\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|\*)$/i.exec(s);
    if (!m) return null;
    const raw = m[2]!;
    if (raw === '*' && m[1]!.toUpperCase() === 'LISTEN') return null; // let Postgres reject it
    // The channel name as Postgres (and thus pg's notification) reports it.
    const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
    out.push({ op: m[1]!.toUpperCase() as Listen['op'], channel: raw, name });
  }
  return out;
}

function toResult<R>(r: { rows: unknown[]; rowCount?: number } | undefined): PgQueryResult<R> {
  return { rows: (r?.rows ?? []) as R[], rowCount: r?.rowCount ?? null };
}

export class PGlitePool extends EventEmitter implements PgPool {
  /** BullMQ caps a worker's block at 10 s unless the pool says its LISTEN socket has keepalive
   *  (so a dropped connection is noticed). There is no socket here to drop: say so. */
  readonly options = { keepAlive: true };

  private readonly gate = new Gate();
  /** The client whose transaction currently owns the session, and how to free the gate. */
  private txOwner: PGlitePoolClient | null = null;
  private releaseTx: (() => void) | null = null;
  private readonly clients = new Set<PGlitePoolClient>();
  private ready: Promise<void> | null = null;
  private ended = false;

  constructor(
    private readonly db: PGliteSession,
    private readonly opts: PGlitePoolOptions = {},
  ) {
    super();
    // Every BullMQ queue and worker on this backend wraps this one pool and listens for its errors:
    // one listener each, as many as the app has queues and workers, not a leak.
    this.setMaxListeners(0);
  }

  /** One-shot query on "some connection". A transaction left open by it is rolled back and
   *  reported: on pg it would strand a pooled connection; use `connect()` for transactions. */
  async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    return this.run(null, () => this.sql<R>(text, params));
  }

  async connect(): Promise<PGlitePoolClient> {
    if (this.ended) throw new Error(ENDED);
    const client = new PGlitePoolClient(this);
    this.clients.add(client);
    this.emit('connect', client);
    return client;
  }

  /** Stops the facade: later queries fail, open clients are released (their transactions rolled
   *  back, their LISTENs dropped). Does not close PGlite — its owner does that. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await Promise.all([...this.clients].map((c) => c.releaseAndWait()));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** @internal Runs `op` with the session: directly if `owner` already holds it through an open
   *  transaction, else after taking the gate; keeps the gate while `owner`'s transaction is open. */
  async run<T>(owner: PGlitePoolClient | null, op: () => Promise<T>, internal = false): Promise<T> {
    if (this.ended && !internal) throw new Error(ENDED);
    await yieldToEventLoop();
    if (owner && this.txOwner === owner) {
      try {
        return await op();
      } finally {
        if (!this.inTransaction()) {
          const release = this.releaseTx;
          this.txOwner = null;
          this.releaseTx = null;
          release?.();
        }
      }
    }
    const release = await this.gate.acquire(urgentWork.getStore() === true);
    let result: T;
    try {
      if (this.ended && !internal) throw new Error(ENDED);
      await this.init();
      result = await op();
    } catch (err) {
      await this.settle(owner, release);
      throw err;
    }
    if ((await this.settle(owner, release)) === 'rolled back') {
      throw new Error('PGlitePool.query() left a transaction open; it was rolled back. Use pool.connect() for transactions.');
    }
    return result;
  }

  /** After a statement run under the gate: if it left a transaction open (BEGIN, or a failed
   *  statement inside one), the session stays with `owner` until COMMIT/ROLLBACK or release().
   *  A pool-level query has no one to own it, so its transaction is rolled back. */
  private async settle(owner: PGlitePoolClient | null, release: () => void): Promise<'free' | 'kept' | 'rolled back'> {
    if (!this.inTransaction()) {
      release();
      return 'free';
    }
    if (owner) {
      this.txOwner = owner;
      this.releaseTx = release;
      return 'kept';
    }
    try {
      await this.db.exec('ROLLBACK');
    } finally {
      release();
    }
    return 'rolled back';
  }

  /** @internal Parameterless SQL goes through `exec` (simple protocol: multi-statement files,
   *  comments); parameterised SQL through `query` (extended protocol). */
  async sql<R>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    if (!params || params.length === 0) {
      const results = await this.db.exec(text, PG_COMPAT);
      return toResult<R>(results[results.length - 1]);
    }
    return toResult<R>(await this.db.query(text, [...params], PG_COMPAT));
  }

  /** @internal */
  get pglite(): PGliteSession {
    return this.db;
  }

  /** @internal */
  forget(client: PGlitePoolClient): void {
    this.clients.delete(client);
  }

  /** @internal */
  ownsTransaction(client: PGlitePoolClient): boolean {
    return this.txOwner === client;
  }

  private inTransaction(): boolean {
    // A closed PGlite has no module to ask (and no transaction).
    return !this.db.closed && this.db.isInTransaction();
  }

  /** Runs inside the gate, before the first statement. */
  private init(): Promise<void> {
    const schema = this.opts.schema === undefined ? 'bullmq' : this.opts.schema;
    if (this.ready || schema === null) return this.ready ?? Promise.resolve();
    if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) throw new Error(`PGlitePool: invalid schema name ${JSON.stringify(schema)}`);
    this.ready = this.db.exec(`SET search_path TO "${schema}", public`).then(() => undefined);
    // Do not memoise a failure: the next statement retries.
    this.ready.catch(() => (this.ready = null));
    return this.ready;
  }
}

export class PGlitePoolClient extends EventEmitter implements PgPoolClient {
  /** Statements of one client run in order, as on one pg connection (and so that a statement
   *  queued behind this client's BEGIN does not wait for the gate that BEGIN will hold). */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listens = new Map<string, () => Promise<void>>();
  private released: Promise<void> | null = null;

  constructor(private readonly pool: PGlitePool) {
    super();
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    if (this.released) return Promise.reject(new Error('PGlitePoolClient: query after release()'));
    return this.enqueue(() =>
      this.pool.run(this, () => {
        const listen = params && params.length > 0 ? null : parseListen(text);
        return listen ? this.applyListen<R>(listen) : this.pool.sql<R>(text, params);
      }),
    );
  }

  /** Rolls back a transaction this client still holds (freeing the session for others) and drops
   *  its LISTENs. `destroy` makes no difference: there is no connection to keep or close. */
  release(_destroy?: boolean): void {
    void this.releaseAndWait().catch((err: unknown) => {
      if (this.pool.listenerCount('error') > 0) this.pool.emit('error', err);
    });
  }

  /** @internal `release()` that can be awaited. */
  releaseAndWait(): Promise<void> {
    if (!this.released) {
      this.released = this.enqueue(async () => {
        this.pool.forget(this);
        if (this.pool.ownsTransaction(this)) {
          await this.pool.run(this, () => this.pool.pglite.exec('ROLLBACK'), true).catch(() => undefined);
        }
        if (this.listens.size > 0) {
          await this.pool.run(this, () => this.unlistenAll(), true);
        }
        this.removeAllListeners('notification');
      });
    }
    return this.released;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async applyListen<R>(statements: Listen[]): Promise<PgQueryResult<R>> {
    for (const s of statements) {
      if (s.op === 'UNLISTEN') {
        if (s.channel === '*') await this.unlistenAll();
        else await this.listens.get(s.name)?.();
        this.listens.delete(s.name);
      } else if (!this.listens.has(s.name)) {
        // LISTEN is idempotent per connection, as in Postgres.
        const unsubscribe = await this.pool.pglite.listen(s.channel, (payload) => {
          const msg: PgNotification = { channel: s.name, payload, processId: 0 };
          this.emit('notification', msg);
        });
        this.listens.set(s.name, () => unsubscribe());
      }
    }
    return { rows: [], rowCount: null };
  }

  private async unlistenAll(): Promise<void> {
    const all = [...this.listens.values()];
    this.listens.clear();
    for (const unsubscribe of all) await unsubscribe().catch(() => undefined);
  }
}

/** Wraps one PGlite as a pool for `new Queue(name, { connection: pool })` under
 *  `withBackend(createPostgresBackend)`. BullMQ's `runMigrations` needs one session, so pass it a
 *  client: `const c = await pool.connect(); try { await runMigrations(c) } finally { c.release() }`. */
export function createPGlitePool(db: PGliteSession, options?: PGlitePoolOptions): PGlitePool {
  return new PGlitePool(db, options);
}
