// Wiring: configuration → data directory lock → database (migrate, seed) → queue backend →
// jobs → HTTP. `stop()` reverses it: stop intake, finish work in flight, close connections.
import type { FastifyInstance } from 'fastify';
import { type Config, usesEmbeddedStorage } from './config.js';
import type { Logger } from './log.js';
import { lockDataDir } from './db/lock.js';
import { openDatabase, type Database } from './db/client.js';
import { openQueueBackend, type QueueBackend } from './queue/backend.js';
import { createServer, ReadinessProblem } from './web/server.js';
import { isEmpty, seedDemo } from './seed/seed.js';
import { installMeetingKinds } from './domain/norms.js';
import { TokenSigner } from './chat/token.js';
import { ChatCore } from './chat/core.js';
import { buildRouter } from './chat/bot.js';
import type { Router } from './chat/router.js';
import { settles, withTimeout } from './util/timeout.js';
import { appSecret } from './secret.js';
import { ConsoleHub } from './platforms/console/hub.js';
import { consoleSender } from './platforms/console/sender.js';
import { registerConsole } from './platforms/console/routes.js';
import type { Deliverer } from '../jobs/deliver.js';
import { guardrailsFrom, Jobs, LONG_JOBS_QUEUE, MAINTENANCE_QUEUE } from '../jobs/index.js';
import { DELIVER_QUEUE } from '../jobs/deliver.js';
import { REMIND_QUEUE } from '../jobs/remind.js';
import { PROMPT_QUEUE } from '../jobs/prompt.js';
import { registerMetrics } from './web/metrics.js';
import { registerH5 } from './web/h5.js';
import { registerLedgerFiles } from './web/ledger-files.js';
import { registerAttachmentFiles } from './web/attachment-files.js';
import { registerDashboard } from './web/dashboard.js';
import { registerPlatformLogin } from './web/platform-login.js';
import { registerDutyFiles } from './web/duty-files.js';
import { registerPledgeFiles } from './web/pledge-files.js';
import type { PlatformAdapter } from './platforms/adapter.js';
import { buildAdapters, buildWebLogins, mountPlatformRoutes, platformSenders, startReceivers, stopReceivers, type PlatformHooks } from './platforms/index.js';
import { conversationStore } from './state/conversation.js';
import { consoleQueries } from './state/console.js';
import { coverageWarning } from './domain/holidays.js';
import { localDay } from './domain/life/time.js';
import { forgetKeptFigures } from './services/dashboard-figures.js';

export interface App {
  config: Config;
  db: Database;
  queue: QueueBackend;
  server: FastifyInstance;
  secret: string;
  tokens: TokenSigner;
  core: ChatCore;
  deliverer: Deliverer;
  /** Background jobs (reminders, task prompts, delivery). */
  jobs: Jobs;
  hub: ConsoleHub;
  /** Enabled platform adapters (Lark, DingTalk, WeCom, Wechaty). */
  platforms: PlatformAdapter[];
  /** Base URL the server listens on (after start). */
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Add routes to the bot (benchmarks and tests drive extra actions through the real pipeline). */
  extendRouter?: (router: Router) => void;
  /** The clock the chat core reads (tests pin it). */
  clock?: () => Date;
  /** Platform adapter test seams. */
  platforms?: PlatformHooks;
}

export async function startApp(config: Config, log: Logger, opts: StartOptions = {}): Promise<App> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((e) => log.warn({ err: e }, 'cleanup step failed'));
  };
  try {
    if (usesEmbeddedStorage(config)) {
      const lock = lockDataDir(config.dataDir);
      cleanups.push(() => lock.release());
    }
    const secret = appSecret(config, { create: config.env !== 'test' });
    // Years without an official holiday arrangement: computed statutory days, no 调休 (holidays.ts).
    const holidayWarning = () => coverageWarning(config.jobs.guardrails.calendar, localDay(opts.clock?.() ?? new Date(), config.timezone).year);
    const hw = holidayWarning();
    if (hw) log.warn({ holidaysFile: config.jobs.guardrails.calendar.file }, hw);
    if (config.env === 'production' && config.consoleEnabled) {
      log.warn('CONSOLE_ENABLED=true in production: /console lets anyone who reaches this port act as any member; turn it off unless you are testing');
    }

    // The queue backend opens beside the database (embedded: its PGlite starts in a thread of its own).
    const queueOpening = openQueueBackend({
      kind: config.queue.backend,
      redisUrl: config.queue.redisUrl,
      databaseUrl: config.queue.databaseUrl,
      dataDir: config.dataDir,
      prefix: config.queue.prefix,
    });
    queueOpening.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    cleanups.push(async () => (await queueOpening.catch(() => undefined))?.close());
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.close());
    const migrated = await db.migrate();
    log.info({ database: db.kind, applied: migrated.applied, alreadyApplied: migrated.alreadyApplied }, 'database ready');
    for (const name of migrated.changedChecksums) log.warn({ migration: name }, 'applied migration file was changed after it was applied');
    // The 驾驶舱's kept figures were computed by the code that ran before this start; its rules may have changed.
    await forgetKeptFigures(db.sql);
    if (config.seedDemo && (await isEmpty(db.prisma))) {
      const summary = await seedDemo(db.prisma);
      log.info(summary, 'seeded demo data');
    }
    // Norms, not demo data: a real organ gets the standard meeting kinds too (only the missing ones).
    const kinds = await db.prisma.$transaction((tx) => installMeetingKinds(tx));
    if (kinds) log.info({ meetingKinds: kinds }, 'installed the standard meeting kinds');
    if (await isEmpty(db.prisma)) log.warn('no organisation yet: import the roster (npm run cli -- org template, then org import; README "Deploying for a real organ")');

    const queue = await queueOpening;
    log.info({ queue: queue.kind }, 'queue backend ready');

    const tokens = new TokenSigner(secret, config.appSecretPrevious);
    const hub = new ConsoleHub();
    // onReminderPlan (jobs, issue 5): reminders due soon get their job as soon as a notice is written.
    const router = buildRouter({ publicUrl: config.publicUrl, tokens, life: { timezone: config.timezone, ...config.life, onReminderPlan: (plan) => jobs.reminders.planned(plan) }, duties: { llm: config.llm, log: log.child({ component: 'duties' }) }, guardrails: guardrailsFrom(config) });
    opts.extendRouter?.(router);
    const core = new ChatCore(db, router, tokens, log.child({ component: 'chat' }), undefined, opts.clock);
    // Platform adapters: senders to the Deliverer (degraded by capabilities), receivers below.
    const platformDeps = { core, tokens, log: log.child({ component: 'platform' }), publicUrl: config.publicUrl, state: conversationStore(db.sql) };
    const platforms = await buildAdapters(config.platforms, platformDeps, opts.platforms);
    // Jobs (issue 5): delivery with rate limits, reminders, task prompts, compliance scan.
    const jobs = await Jobs.create({ config, db, queue, senders: [consoleSender(hub), ...platformSenders(platforms, platformDeps, config.platforms)], log, tokens, presenters: router.presenters, clock: opts.clock });
    cleanups.push(async () => void (await settles(jobs.close(), 5000)));
    const deliverer = jobs.deliverer.renderCardsWith((sql, card, ids) => core.renderCard(sql, card, ids));
    // Bounded (handOff): while the queue backend is down a chat answer never waits on it.
    core.onOutbox((rows) => deliverer.handOff(rows));

    const server = createServer({
      log,
      checks: [
        { name: 'database', check: () => db.ping() },
        { name: 'queue', check: () => queue.ping() },
        // A queue backend that came back empty has lost the job schedulers until the reconciler
        // (every 30 s in jobs/index.ts) creates them again; say so meanwhile.
        ...(config.runWorkers
          ? [{
              name: 'schedulers',
              check: async () => {
                // A backend that is down is reported by its own check ("queue", "database"), not here.
                const up = (p: Promise<void>) => p.then(() => true, () => false);
                if (!(await up(queue.ping())) || !(await up(db.ping()))) return;
                const missing = await withTimeout(queue.probe(() => jobs.missingSchedulers()), 2000, 'schedulers');
                if (missing.length) throw new ReadinessProblem(`missing job schedulers: ${missing.join(', ')} (created again within a minute)`);
              },
            }]
          : []),
      ],
      warnings: () => [holidayWarning()].filter((w): w is string => !!w),
    });
    const platformState = new Map<string, 'starting' | 'connected' | 'failed'>();
    if (config.metricsEnabled) {
      registerMetrics(server, {
        sql: db.sql,
        queue,
        queues: [DELIVER_QUEUE, REMIND_QUEUE, PROMPT_QUEUE, MAINTENANCE_QUEUE, LONG_JOBS_QUEUE],
        missingSchedulers: config.runWorkers ? () => jobs.missingSchedulers() : undefined,
        platforms: () => platformState,
      });
    }
    if (config.consoleEnabled) registerConsole(server, { queries: consoleQueries(db), core, hub });
    // Organizational life: H5 forms (long minutes, text-only platforms) and ledger downloads.
    registerH5(server, { db, tokens, pages: router.pages, presenters: core.presenters, deliver: (rows) => deliverer.handOff(rows), clock: opts.clock });
    registerLedgerFiles(server, { db, tokens, timezone: config.timezone, presenters: core.presenters, deliver: (rows) => deliverer.handOff(rows), clock: opts.clock });
    registerAttachmentFiles(server, { db, tokens, clock: opts.clock }); // stored chat attachments (issue 19)
    registerDashboard(server, { db, tokens, timezone: config.timezone, atRiskDays: config.life.atRiskDays, clock: opts.clock });
    // 驾驶舱 sign-in through a platform (Lark web app, DingTalk and WeCom OAuth2), each when configured.
    registerPlatformLogin(server, { db, secret, logins: await buildWebLogins(config.platforms.webLogin ?? {}, log), publicUrl: config.publicUrl, timezone: config.timezone, log, clock: opts.clock });
    registerDutyFiles(server); // GET /files/duty-template.xlsx (issue 6)
    registerPledgeFiles(server, { db, tokens, clock: opts.clock, timezone: config.timezone });
    mountPlatformRoutes(platforms, server);
    cleanups.push(() => server.close());
    // Listen before the workers start (about a third of a kept start's CPU time, BullMQ's first
    // round trips): requests are answered meanwhile and their deliveries wait in the queue, and
    // /readyz stays 503 while schedulers are missing (an empty data directory, an emptied Redis).
    const url = await server.listen({ host: config.host, port: config.port });
    log.info({ url }, 'listening');
    if (config.runWorkers) {
      // Reconciling schedulers needs the queue backend. When it does not answer, serve anyway
      // (/readyz says 503 "queue") and let the workers start once it is back.
      const starting = jobs.startWorkers().catch((e) => log.error({ err: e }, 'starting the workers failed'));
      if (!(await settles(starting, config.queueStartTimeoutMs))) log.warn('queue backend not answering; workers start when it does');
      const recovered = await core.recover();
      if (recovered) log.info({ recovered }, 'resumed unfinished work');
    }
    cleanups.push(() => stopReceivers(platforms));
    await startReceivers(platforms, log, undefined, platformState);

    let stopping: Promise<void> | undefined;
    return {
      config,
      db,
      queue,
      server,
      secret,
      tokens,
      core,
      deliverer,
      jobs,
      hub,
      platforms,
      url,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
