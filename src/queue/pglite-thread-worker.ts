// Worker-thread side of PGliteThread (pglite-thread.ts): owns one PGlite and runs the statements the
// main thread sends, replying with the result and whether a transaction is open afterwards.
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import { openPGlite, PG_COMPAT } from './pglite-pool.js';
import { errorFields, type ThreadReply, type ThreadRequest } from './pglite-thread.js';

const port = parentPort!;
const { dataDir, template, wasm } = workerData as { dataDir: string; template?: 'app' | 'queue'; wasm: WebAssembly.Module };
const unlisten = new Map<number, () => Promise<void>>();

let db: PGlite;
try {
  db = await openPGlite(dataDir, template, wasm);
} catch (e) {
  port.postMessage({ id: 0, ok: false, error: errorFields(e), inTx: false } satisfies ThreadReply);
  process.exit(1);
}
port.postMessage({ id: 0, ok: true, result: null, inTx: false } satisfies ThreadReply);

async function run(m: ThreadRequest): Promise<unknown> {
  const options = m.compat ? PG_COMPAT : undefined;
  switch (m.op) {
    case 'exec':
      return db.exec(m.sql, options);
    case 'query':
      return db.query(m.sql, m.params, options);
    case 'listen': {
      const key = m.id;
      unlisten.set(key, await db.listen(m.channel, (payload) => port.postMessage({ notify: key, payload })));
      return key;
    }
    case 'unlisten': {
      const stop = unlisten.get(m.key);
      unlisten.delete(m.key);
      await stop?.();
      return null;
    }
    case 'close':
      if (!db.closed) await db.close();
      return null;
  }
}

port.on('message', (m: ThreadRequest) => {
  // Statements are not chained here: PGlite runs them one at a time in arrival order, as in-thread.
  run(m).then(
    (result) => port.postMessage({ id: m.id, ok: true, result, inTx: !db.closed && db.isInTransaction() } satisfies ThreadReply),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: errorFields(e), inTx: !db.closed && db.isInTransaction() } satisfies ThreadReply),
  );
});
