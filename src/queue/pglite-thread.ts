// The embedded queue's PGlite in a worker thread. PostgreSQL inside PGlite runs synchronously on the
// thread that owns it; in its own thread the queue's start (about a fifth of a kept start's CPU) runs
// beside the app's database start, and BullMQ's statements no longer take turns with the app's on
// the main thread. The main thread keeps a PGliteSession that forwards each statement and knows,
// from every reply, whether a transaction is open (the pool's gate asks that synchronously).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results } from '@electric-sql/pglite';
import { PG_COMPAT, pgliteWasm, type PGliteSession } from './pglite-pool.js';

export type ThreadRequest = { id: number; compat?: boolean } & (
  | { op: 'exec'; sql: string }
  | { op: 'query'; sql: string; params?: unknown[] }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; key: number }
  | { op: 'close' }
);
type Op = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
export type ThreadReply = { id: number; inTx: boolean } & ({ ok: true; result: unknown } | { ok: false; error: Record<string, unknown> });
type Notify = { notify: number; payload: string };

/** An error's message and fields (PostgreSQL's code, detail …) as plain data for postMessage. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { ...fields, name: e.name, message: e.message };
}

function rebuild(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message)), fields);
}

const compiled = new URL('./pglite-thread-worker.js', import.meta.url);

/** Whether the worker's compiled entry is here (dist/); from source the queue's PGlite stays in-thread. */
export function pgliteThreadAvailable(): boolean {
  return fs.existsSync(fileURLToPath(compiled));
}

function spawn(dataDir: string, template: 'app' | 'queue' | undefined, wasm: WebAssembly.Module): Worker {
  const workerData = { dataDir, template, wasm };
  // The thread inherits node's options but its entry is a file (`node --input-type=module -e` would fail it).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  if (pgliteThreadAvailable()) return new Worker(compiled, { workerData, execArgv });
  // From source (tests): the TypeScript entry through tsx, a development dependency.
  const source = new URL('./pglite-thread-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData });
}

export class PGliteThread implements PGliteSession {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<number, (payload: string) => void>();
  private nextId = 1;
  private inTx = false;
  private ended = false;
  private readonly opened: Promise<void>;

  /** Opens PGlite in a new worker thread, as openPGlite does in this one (template, settings). */
  static async open(dataDir: string, template?: 'app' | 'queue'): Promise<PGliteThread> {
    const t = new PGliteThread(spawn(dataDir, template, await pgliteWasm()));
    await t.opened;
    return t;
  }

  private constructor(private readonly worker: Worker) {
    this.opened = new Promise((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    worker.on('message', (m: ThreadReply | Notify) => {
      if ('notify' in m) return this.listeners.get(m.notify)?.(m.payload);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.inTx = m.inTx;
      if (this.pending.size === 0) worker.unref(); // idle: the thread alone keeps no process alive
      if (m.ok) p?.resolve(m.result);
      else p?.reject(rebuild(m.error));
    });
    const fail = (e: Error) => {
      this.ended = true;
      this.inTx = false;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`PGlite thread exited (code ${code})`)));
  }

  get closed(): boolean {
    return this.ended;
  }

  isInTransaction(): boolean {
    return this.inTx;
  }

  private request<T>(op: Op): Promise<T> {
    if (this.ended) return Promise.reject(new Error('PGlite is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // Waiting for an answer keeps the process alive, as a pending statement in-thread would.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...op, id });
    });
  }

  private static compat(options?: QueryOptions): boolean {
    if (options && options !== PG_COMPAT) throw new Error('PGliteThread: only the pool’s pg-compatible parsers are supported');
    return !!options;
  }

  exec(sql: string, options?: QueryOptions): Promise<Results[]> {
    return this.request({ op: 'exec', sql, compat: PGliteThread.compat(options) });
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.request({ op: 'query', sql, params, compat: PGliteThread.compat(options) });
  }

  async listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>> {
    const key = await this.request<number>({ op: 'listen', channel });
    this.listeners.set(key, callback);
    return async () => {
      this.listeners.delete(key);
      if (!this.ended) await this.request({ op: 'unlisten', key });
    };
  }

  /** Closes PGlite (PostgreSQL's shutdown checkpoint) in its thread, then ends the thread. */
  async close(): Promise<void> {
    if (this.ended) return;
    await this.request({ op: 'close' });
    this.ended = true;
    await this.worker.terminate();
  }
}
