// All background work in one place, used by the service (RUN_WORKERS=true) and by `npm run worker`:
// delivery, reminders, task prompts, and a maintenance queue whose Job Schedulers run the outbox
// sweep (every 30 s), the reminder dispatcher (every minute), the compliance scan (daily 08:30),
// the pledge reminders (daily 09:30, jobs/pledges.ts), the attachment downloads (every 5 s) and the
// 驾驶舱's kept figures (after start and daily 00:20, src/services/dashboard-figures.ts).
// Producers (enqueue, schedule) work without workers; startWorkers() adds the consumers. Any number
// of processes may run workers: every job is idempotent against the database.
// Schedulers live in the queue backend: a Redis that comes back empty (restart without persistence,
// failover) loses them. A process running workers therefore checks every RECONCILE_EVERY_MS which are
// missing and creates those again (ensureSchedulers); /readyz reports missing ones (missingSchedulers).
import type { Job } from 'bullmq';
import type { Config } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { PlatformSender } from '../src/platforms/types.js';
import type { TokenSigner } from '../src/chat/token.js';
import type { Presenters } from '../src/chat/presenters/index.js';
import { DEFAULT_GUARDRAILS, type GuardrailOptions } from '../src/domain/guardrails.js';
import { Deliverer } from './deliver.js';
import { DestinationLimiter, parseRateLimits, type LimiterStore } from './rate-limit.js';
import { ReminderService, type ReminderMessages } from './remind.js';
import { PromptService } from './prompt.js';
import { complianceScan } from './compliance.js';
import { INBOUND_RETENTION_DAYS, purgeInbound } from '../src/state/inbound.js';
import { pruneKeptFigures } from '../src/services/dashboard-figures.js';
import { keepFigures, treeRoots } from '../src/services/dashboard.js';
import { PledgeReminders, PLEDGE_REMIND_JOB, PLEDGE_REMIND_SCHEDULER } from './pledges.js';
import { jobPresenters, runAsSystem } from './run.js';
import { scheduledBackup } from '../src/db/backup.js';
import { AttachmentFetcher, ATTACHMENTS_EVERY_MS, ATTACHMENTS_JOB } from './attachments.js';

export const MAINTENANCE_QUEUE = 'maintenance';
/**
 * The jobs that may run for minutes (the daily compliance scan over the whole tree, the backup) have
 * a queue and a worker of their own: on the maintenance queue they held up the frequent jobs behind
 * them (outbox sweep, reminder dispatch, attachment downloads: WeCom's file urls live 5 minutes).
 */
export const LONG_JOBS_QUEUE = 'maintenance-long';
const KEEP_FIGURES_JOB = 'keep-figures';
/** How often a worker process looks for missing schedulers (they are back within a minute). */
export const RECONCILE_EVERY_MS = 30_000;

export interface JobsDeps {
  config: Config;
  db: Database;
  queue: QueueBackend;
  senders: PlatformSender[];
  log: Logger;
  tokens?: TokenSigner;
  /** Renders what services ask to send (src/chat/presenters); built from config and tokens when absent. */
  presenters?: Presenters;
  clock?: () => Date;
  /** Test seam: who due meeting reminders reach (src/services/reminders.ts). */
  reminderMessages?: ReminderMessages;
  /** Test seam: task templates directory. */
  promptsDir?: string;
  /** Test seam: how often missing schedulers are looked for (default RECONCILE_EVERY_MS). */
  reconcileEveryMs?: number;
}

export function limiterStoreFor(config: Config): LimiterStore {
  const q = config.queue;
  if (q.backend === 'redis' && q.redisUrl) return { kind: 'redis', redisUrl: q.redisUrl, prefix: q.prefix };
  if (q.backend === 'postgres' && q.databaseUrl) return { kind: 'postgres', databaseUrl: q.databaseUrl };
  return { kind: 'memory' };
}

export function guardrailsFrom(config: Config): GuardrailOptions {
  return { ...DEFAULT_GUARDRAILS, timezone: config.timezone, ...config.jobs.guardrails };
}

export class Jobs {
  private readonly maintenance;
  private readonly long;
  private readonly workers: Array<{ close(): Promise<void> }> = [];
  private started = false;
  private reconciler?: NodeJS.Timeout;
  private reconciling?: Promise<unknown>;

  private constructor(
    private readonly deps: JobsDeps,
    readonly presenters: Presenters,
    readonly limiter: DestinationLimiter,
    readonly deliverer: Deliverer,
    readonly reminders: ReminderService,
    readonly prompts: PromptService,
    readonly pledgeReminders: PledgeReminders,
    readonly attachments: AttachmentFetcher,
  ) {
    this.maintenance = deps.queue.createQueue(MAINTENANCE_QUEUE);
    this.long = deps.queue.createQueue(LONG_JOBS_QUEUE);
  }

  private queueOf(s: { long?: boolean }) {
    return s.long ? this.long : this.maintenance;
  }

  static async create(deps: JobsDeps): Promise<Jobs> {
    const { config, db, queue, log } = deps;
    const limiter = await DestinationLimiter.open(limiterStoreFor(config), parseRateLimits(config.jobs.rateLimits));
    const deliverer = new Deliverer(db, queue, deps.senders, log.child({ component: 'deliver' }), {
      attempts: config.jobs.deliverAttempts,
      backoffMs: 1000,
      concurrency: config.jobs.deliverConcurrency,
      limiter,
    });
    const clock = deps.clock ?? (() => new Date());
    const presenters = jobPresenters({ presenters: deps.presenters, tokens: deps.tokens, timezone: config.timezone, publicUrl: config.publicUrl });
    const reminders = new ReminderService(db, queue, deliverer, log.child({ component: 'remind' }), {
      guardrails: guardrailsFrom(config),
      clock,
      presenters,
      life: { ...config.life, timezone: config.timezone, publicUrl: config.publicUrl },
      ...(deps.reminderMessages ? { messages: deps.reminderMessages } : {}),
    });
    const prompts = new PromptService(db, queue, deliverer, log.child({ component: 'prompt' }), { timezone: config.timezone, clock, presenters, ...(deps.promptsDir ? { dir: deps.promptsDir } : {}) });
    const pledgeReminders = new PledgeReminders(db, queue.createQueue(MAINTENANCE_QUEUE), deliverer, log.child({ component: 'pledge-remind' }), { guardrails: guardrailsFrom(config), clock, presenters });
    const attachments = new AttachmentFetcher(db, deps.senders, (rows) => deliverer.handOff(rows), log.child({ component: 'attachments' }), { maxBytes: config.attachments.maxBytes, tokens: deps.tokens, publicUrl: config.publicUrl, clock });
    return new Jobs(deps, presenters, limiter, deliverer, reminders, prompts, pledgeReminders, attachments);
  }

  /** Start every worker, reconcile schedulers, resume unfinished work. */
  async startWorkers(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config, db, log } = this.deps;
    this.workers.push(this.deliverer.startWorker(), this.reminders.startWorker(), this.prompts.startWorker());
    const maintenance = this.deps.queue.createWorker(MAINTENANCE_QUEUE, async (job: Job) => {
      if (job.name === 'sweep') return this.deliverer.sweep();
      if (job.name === 'dispatch') return this.reminders.dispatch();
      if (job.name === PLEDGE_REMIND_JOB) return this.pledgeReminders.process(job);
      if (job.name === ATTACHMENTS_JOB) return this.attachments.run();
      if (job.name === 'purge-inbound') {
        await pruneKeptFigures(db.sql);
        return purgeInbound(db.sql, new Date(Date.now() - INBOUND_RETENTION_DAYS * 86_400_000));
      }
      return null;
    }, { concurrency: 1 });
    const long = this.deps.queue.createWorker(LONG_JOBS_QUEUE, async (job: Job) => {
      if (job.name === 'compliance') {
        return complianceScan(db, this.presenters, this.deliverer, log.child({ component: 'compliance' }), {
          timezone: config.timezone,
          thresholds: [config.life.atRiskDays, 3].filter((d, i, a) => a.indexOf(d) === i),
          snapshotDays: config.dashboard.snapshotDays,
          clock: this.deps.clock ?? (() => new Date()),
        });
      }
      if (job.name === KEEP_FIGURES_JOB) {
        const now = (this.deps.clock ?? (() => new Date()))();
        const o = { timezone: config.timezone, atRiskDays: config.life.atRiskDays };
        // One transaction per tree: a tree's rows are committed (and its locks let go) before the next is computed.
        const roots = (await runAsSystem(db, this.presenters, now, (unit) => treeRoots(unit))).result;
        for (const rootId of roots) await runAsSystem(db, this.presenters, now, (unit) => keepFigures(unit, { rootId }, o));
        return roots.length;
      }
      if (job.name === 'backup') {
        const r = await scheduledBackup(db, config.dataDir, config.backup.keep, (this.deps.clock ?? (() => new Date()))());
        log.info({ file: r.file, bytes: r.bytes, removed: r.removed.length }, 'backup written');
        return { file: r.file, bytes: r.bytes };
      }
      return null;
    }, { concurrency: 1 });
    this.workers.push(maintenance, long);
    for (const s of this.maintenanceSchedulers()) {
      // A version before the long queue kept these on the maintenance queue.
      if (s.long) await this.maintenance.removeJobScheduler(s.id);
      await this.queueOf(s).upsertJobScheduler(s.id, s.repeat, s.template);
    }
    // The kept 驾驶舱 figures were emptied at start: computed again in the background, not by the first viewer.
    await this.long.add(KEEP_FIGURES_JOB, {}, { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } });
    await this.prompts.syncTemplates();
    const r = await this.prompts.reconcile();
    const swept = await this.deliverer.sweep();
    const { scheduled } = await this.reminders.dispatch();
    log.info({ prompts: r.active, removedSchedulers: r.removed, swept, scheduled }, 'workers started');
    this.reconciler = setInterval(() => {
      this.reconciling ??= this.ensureSchedulers()
        .then((restored) => restored.length && log.warn({ restored }, 'job schedulers were missing from the queue backend (emptied?); created them again'))
        .catch((e) => log.warn({ err: e }, 'checking the job schedulers failed; retrying'))
        .finally(() => (this.reconciling = undefined));
    }, this.deps.reconcileEveryMs ?? RECONCILE_EVERY_MS);
    this.reconciler.unref();
  }

  /** The maintenance schedulers (outbox sweep, reminder dispatch, pledge reminders, attachments, inbound purge with the kept 驾驶舱 figures pruned; `long`: on the long queue). */
  private maintenanceSchedulers() {
    const { config } = this.deps;
    const tz = config.timezone;
    const keep = { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } };
    return [
      { id: 'outbox-sweep', repeat: { every: 30_000 }, template: { name: 'sweep', opts: keep } },
      { id: 'reminder-dispatch', repeat: { every: 60_000 }, template: { name: 'dispatch', opts: keep } },
      // Statuses move with the day: the kept 驾驶舱 figures are computed again after midnight.
      { id: 'dashboard-figures', long: true, repeat: { pattern: '20 0 * * *', tz }, template: { name: KEEP_FIGURES_JOB, opts: keep } },
      { id: 'compliance-scan', long: true, repeat: { pattern: config.jobs.complianceCron, tz }, template: { name: 'compliance', opts: keep } },
      { id: PLEDGE_REMIND_SCHEDULER, repeat: { pattern: config.jobs.pledgeRemindCron, tz }, template: { name: PLEDGE_REMIND_JOB, opts: keep } },
      // Embedded mode only (one process owns DATA_DIR); PostgreSQL is backed up with pg_dump.
      ...(this.deps.db.dump && config.backup.keep > 0 ? [{ id: 'backup', long: true, repeat: { pattern: config.backup.cron, tz }, template: { name: 'backup', opts: keep } }] : []),
      // Pictures and files kept with records, downloaded after the ack (jobs/attachments.ts).
      { id: 'attachment-fetch', repeat: { every: ATTACHMENTS_EVERY_MS }, template: { name: ATTACHMENTS_JOB, opts: keep } },
      // Stored inbound event ids older than the retention (src/state/inbound.ts), hourly.
      { id: 'inbound-purge', repeat: { every: 3_600_000 }, template: { name: 'purge-inbound', opts: keep } },
    ];
  }

  /** Names of the schedulers that should exist in the queue backend and do not (maintenance and task prompts). */
  async missingSchedulers(): Promise<string[]> {
    const [here, long] = await Promise.all([this.maintenance.getJobSchedulers(0, -1), this.long.getJobSchedulers(0, -1)]);
    const have = { maintenance: new Set(here.map((s) => s.key)), long: new Set(long.map((s) => s.key)) };
    const missing = this.maintenanceSchedulers().filter((s) => !have[s.long ? 'long' : 'maintenance'].has(s.id)).map((s) => s.id);
    return [...missing, ...(await this.prompts.missingSchedulers())];
  }

  /** Create again the schedulers that are missing (only those: an upsert would move an `every` scheduler's next run). */
  async ensureSchedulers(): Promise<string[]> {
    const missing = await this.missingSchedulers();
    if (!missing.length) return [];
    for (const s of this.maintenanceSchedulers()) if (missing.includes(s.id)) await this.queueOf(s).upsertJobScheduler(s.id, s.repeat, s.template);
    if (missing.some((m) => m.startsWith('prompt-'))) await this.prompts.reconcile();
    // An emptied backend lost the queued jobs too: sweep the outbox and plan due reminders now.
    await this.deliverer.sweep();
    await this.reminders.dispatch();
    return missing;
  }

  /** Let workers finish the jobs in hand, then drop the limiter's store connection. */
  async close(): Promise<void> {
    if (this.reconciler) clearInterval(this.reconciler);
    await this.reconciling;
    await Promise.all(this.workers.splice(0).map((w) => w.close()));
    await this.limiter.close();
  }
}
