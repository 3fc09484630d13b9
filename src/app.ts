// Wiring: configuration → data directory lock → database (migrate, seed) → queue backend →
// jobs → HTTP. `stop()` reverses it: stop intake, finish work in flight, close connections.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Config, usesEmbeddedStorage } from './config.js';
import type { Logger } from './log.js';
import { lockDataDir } from './db/lock.js';
import { openDatabase, type Database } from './db/client.js';
import { openQueueBackend, type QueueBackend } from './queue/backend.js';
import { createServer } from './web/server.js';
import { isEmpty, seedDemo } from './seed/seed.js';

export interface App {
  config: Config;
  db: Database;
  queue: QueueBackend;
  server: FastifyInstance;
  secret: string;
  /** Base URL the server listens on (after start). */
  url: string;
  stop(): Promise<void>;
}

/** APP_SECRET, or for local runs a random one kept in DATA_DIR so signed links survive restarts. */
function loadSecret(config: Config): string {
  if (config.appSecret) return config.appSecret;
  if (config.env === 'test') return crypto.randomBytes(32).toString('hex');
  const file = path.join(config.dataDir, 'app-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function startApp(config: Config, log: Logger): Promise<App> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((e) => log.warn({ err: e }, 'cleanup step failed'));
  };
  try {
    if (usesEmbeddedStorage(config)) {
      const lock = lockDataDir(config.dataDir);
      cleanups.push(() => lock.release());
    }
    const secret = loadSecret(config);

    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.close());
    const migrated = await db.migrate();
    log.info({ database: db.kind, applied: migrated.applied, alreadyApplied: migrated.alreadyApplied }, 'database ready');
    for (const name of migrated.changedChecksums) log.warn({ migration: name }, 'applied migration file was changed after it was applied');
    if (config.seedDemo && (await isEmpty(db.prisma))) {
      const summary = await seedDemo(db.prisma);
      log.info(summary, 'seeded demo data');
    }

    const queue = await openQueueBackend({
      kind: config.queue.backend,
      redisUrl: config.queue.redisUrl,
      databaseUrl: config.queue.databaseUrl,
      dataDir: config.dataDir,
      prefix: config.queue.prefix,
    });
    cleanups.push(() => queue.close());
    log.info({ queue: queue.kind }, 'queue backend ready');

    const server = createServer({
      log,
      checks: [
        { name: 'database', check: () => db.ping() },
        { name: 'queue', check: () => queue.ping() },
      ],
    });
    cleanups.push(() => server.close());
    const url = await server.listen({ host: config.host, port: config.port });
    log.info({ url }, 'listening');

    let stopping: Promise<void> | undefined;
    return {
      config,
      db,
      queue,
      server,
      secret,
      url,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
