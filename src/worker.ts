// Worker process entry point: `npm run worker`. Opens the database and the queue backend and runs
// only the BullMQ workers (delivery, reminders, task prompts, maintenance) — no HTTP, no receivers.
// Run any number of these next to the service (with RUN_WORKERS=false there): every job is
// idempotent against the database. SIGTERM/SIGINT: finish the jobs in hand, then exit.
// The embedded mode (PGlite) is single-process, so it has no separate worker: the service runs them.
import { loadConfigOrExit, type Config } from './config.js';
import { createLogger } from './log.js';
import { appSecret } from './secret.js';
import { openDatabase } from './db/client.js';
import { openQueueBackend } from './queue/backend.js';
import { TokenSigner } from './chat/token.js';
import { ChatCore } from './chat/core.js';
import { buildRouter } from './chat/bot.js';
import { ConsoleHub } from './platforms/console/hub.js';
import { consoleSender } from './platforms/console/sender.js';
import { buildAdapters, platformSenders } from './platforms/index.js';
import { Jobs } from '../jobs/index.js';
import { conversationStore } from './state/conversation.js';


async function main(): Promise<void> {
  const config: Config = loadConfigOrExit();
  const log = createLogger({ level: config.logLevel, pretty: config.env === 'development' && process.stdout.isTTY }).child({ process: 'worker' });
  if (!config.databaseUrl || config.queue.backend === 'embedded') {
    process.stderr.write('独立的 worker 进程需要 PostgreSQL（DATABASE_URL）和 Redis 或 PostgreSQL 队列（REDIS_URL 或 QUEUE_BACKEND=postgres）。\n嵌入式模式只有一个进程：请直接运行 npm start（RUN_WORKERS=true）。\n');
    process.exit(1);
  }
  if (!config.appSecret) log.warn('APP_SECRET is not set: buttons in reminders signed by this worker will not verify in the service');

  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e) => log.warn({ err: e }, 'cleanup step failed'));
  };
  // Installed before start-up: workers begin taking jobs while start-up still reconciles schedulers,
  // and a SIGTERM then must stop them gracefully too.
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    shuttingDown = true;
    log.info({ signal }, 'worker shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.close());
    await db.migrate();
    const queue = await openQueueBackend({ kind: config.queue.backend, redisUrl: config.queue.redisUrl, databaseUrl: config.queue.databaseUrl, dataDir: config.dataDir, prefix: config.queue.prefix });
    cleanups.push(() => queue.close());
    const tokens = new TokenSigner(appSecret(config, { create: false }), config.appSecretPrevious);
    // Senders only (no receivers): the same adapters the service builds.
    const router = buildRouter({ publicUrl: config.publicUrl, tokens, life: { timezone: config.timezone } });
    const core = new ChatCore(db, router, tokens, log.child({ component: 'chat' }));
    const deps = { core, tokens, log: log.child({ component: 'platform' }), publicUrl: config.publicUrl, state: conversationStore(db.sql) };
    const platforms = await buildAdapters(config.platforms, deps);
    // Console messages sent from a separate process reach no browser (the console lives in the
    // service's memory); they are still marked sent. Use real platforms with separate workers.
    const jobs = await Jobs.create({ config, db, queue, senders: [consoleSender(new ConsoleHub()), ...platformSenders(platforms, deps, config.platforms)], log, tokens, presenters: router.presenters });
    // Card refreshes render here too: this bot's card presenters, the same as the service's.
    jobs.deliverer.renderCardsWith((sql, card, ids) => core.renderCard(sql, card, ids));
    core.onOutbox((rows) => jobs.deliverer.handOff(rows));
    cleanups.push(() => jobs.close());
    await jobs.startWorkers();
    log.info({ queue: queue.kind }, '支部助手 worker 已启动');
  } catch (e) {
    if (shuttingDown) return; // start-up was cut short by the shutdown, which exits by itself
    log.fatal({ err: e }, 'worker start-up failed');
    await stop();
    process.exit(1);
  }

  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));
}

void main();
