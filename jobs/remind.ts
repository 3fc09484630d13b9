// Meeting reminders: Reminder rows (written by the meeting side when a notice is created, changed or
// cancelled) fired in batches by BullMQ delayed jobs.
//
// Job shape: one delayed job per due instant, not per reminder. Reminders cluster on a few instants
// (09:00 the day before, an hour before, check-in opening …), so 10,000 reminders due in the same
// second are ONE job (`due|<ms>`) whose run claims every PLANNED row due by then, in batches, with
// plain SQL. Per-reminder jobs made that 10,000 jobs and 10,000 interactive transactions over a
// 10-connection pool (about 80 firings/s); a batch costs a fixed number of statements.
//
// - Scheduling: `schedule()` adds the job of every distinct due instant of PLANNED rows within the
//   horizon (15 min). It runs at start, every minute from the dispatcher, and for one session right
//   after a notice is written (`planned()`, the meeting side's onReminderPlan hook, which needs no
//   database read). Re-adding a job id that is still waiting is a no-op, so restarts and several
//   instances add nothing twice; finished jobs are removed, so an instant can be queued again.
// - Firing (`fireDue`): `SELECT … FOR UPDATE SKIP LOCKED` claims up to `batchSize` due rows; in the
//   same transaction src/services/reminders.ts decides what they do (send, move out of quiet hours,
//   skip; to whom, minus leave and the nudge budget), the presenters render the notes, and one
//   statement writes the outbox rows and marks the rows FIRED. Two instances, a duplicate job or a
//   replay cannot fire a row twice: a row is claimed under its lock and leaves PLANNED in the same
//   commit as its outbox rows. A changed meeting has a new dueAt (an old instant's job finds nothing
//   due); a cancelled one is CANCELLED, never claimed.
// - Backstop: the dispatcher also fires rows overdue by more than a few seconds (a job that failed
//   for good, a job that ran before the notice's transaction committed, everything down for a while).
// - The nudge budget is counted per batch against what the outbox already holds for the day; two
//   batches firing at the same moment for the same member (different instants, or two instances)
//   may each spend it once.
import type { Job } from 'bullmq';
import { Prisma } from '../src/generated/prisma/client.js';
import type { Database } from '../src/db/client.js';
import type { SqlLike } from '../src/db/sql.js';
import { insertOutboxBulk } from '../src/outbox/store.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { Outbound, OutboundBody } from '../src/chat/types.js';
import type { Presenters } from '../src/chat/presenters/index.js';
import { SYSTEM } from '../src/access/index.js';
import { Unit } from '../src/services/kernel.js';
import { DEFAULT_GUARDRAILS, type GuardrailOptions } from '../src/domain/guardrails.js';
import type { LifeOptions } from '../src/domain/life/options.js';
import { dueReminders, meetingReminderNotes, type DueReminder, type ReminderNote, type ReminderRecipients } from '../src/services/reminders.js';
import type { Deliverer } from './deliver.js';
import { jobPresenters } from './run.js';

// Kept where the pledge reminders import it from.
export { applyNudgeBudget } from '../src/services/reminders.js';

export const REMIND_QUEUE = 'remind';

/**
 * A reminder message: a note for the presenters, or a body already rendered (benchmarks stub the
 * recipients with fixed messages).
 */
export type ReminderMessage = ReminderNote | Outbound;
/** Who due reminders reach, per reminder id (src/services/reminders.ts); tests and benchmarks may pass their own. */
export type ReminderMessages = ReminderRecipients<ReminderMessage>;

export interface ReminderOptions {
  guardrails: GuardrailOptions;
  /** Rows due within this window get their delayed job now. */
  horizonMs: number;
  /** Rows claimed per transaction. */
  batchSize: number;
  /** Claim loops one due job runs side by side (each its own transaction). */
  parallel: number;
  /** Due jobs a worker runs at once (different instants). */
  concurrency: number;
  /** The dispatcher fires rows overdue by more than this (normally their own job does). */
  overdueMs: number;
  clock: () => Date;
  messages: ReminderMessages;
  /** Renders the notes (plain ones when absent: tests, benchmarks; see jobs/run.ts). */
  presenters?: Presenters;
  life?: Partial<LifeOptions>;
}

export interface FireSummary {
  /** Rows that sent their messages (possibly none, e.g. everyone answered). */
  fired: number;
  /** Outbox rows written. */
  sent: number;
  shifted: number;
  skipped: number;
  /** Recipients dropped by the guardrails. */
  dropped: Array<{ memberId: string; reason: string }>;
}

const emptySummary = (): FireSummary => ({ fired: 0, sent: 0, shifted: 0, skipped: 0, dropped: [] });

/**
 * Outbox rows of reminders in one statement (src/outbox/store.ts insertOutboxBulk), category
 * 'reminder' and `createdAt` the firing clock's time (daily nudge budgets count by it; tests and
 * benchmarks pin the clock); with `fired`, the same statement marks those reminders FIRED. Pledge
 * reminders (jobs/pledges.ts) write with it too.
 */
export function insertReminderOutbox(db: SqlLike, items: Outbound[], now: Date, fired?: { ids: string[]; at: Date }): Promise<string[]> {
  const markFired = fired?.ids.length
    ? { sql: `fired AS (UPDATE "Reminder" SET status = 'FIRED', "firedAt" = $3::timestamptz WHERE id = ANY(ARRAY(SELECT jsonb_array_elements_text($4::jsonb))) RETURNING 1)`, params: [fired.at, JSON.stringify(fired.ids)] }
    : undefined;
  return insertOutboxBulk(db, items, { createdAt: now, category: 'reminder', with: markFired });
}

export function dueJobId(dueAt: Date | number): string {
  return `due|${typeof dueAt === 'number' ? dueAt : dueAt.getTime()}`;
}

export class ReminderService {
  private readonly queue;
  private readonly presenters: Presenters;
  readonly opts: ReminderOptions;

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    opts: Partial<ReminderOptions> = {},
  ) {
    this.opts = {
      guardrails: DEFAULT_GUARDRAILS,
      horizonMs: 15 * 60_000,
      batchSize: 2500,
      parallel: 2,
      concurrency: 4,
      overdueMs: 5000,
      clock: () => new Date(),
      messages: meetingReminderNotes,
      ...opts,
    };
    this.presenters = jobPresenters({ presenters: this.opts.presenters, timezone: this.opts.life?.timezone ?? this.opts.guardrails.timezone, publicUrl: this.opts.life?.publicUrl ?? '' });
    this.queue = backend.createQueue(REMIND_QUEUE);
  }

  /** Queue the due job of every instant at which PLANNED rows (optionally of one session) fall due within the horizon. */
  async schedule(sessionId?: string): Promise<number> {
    const now = this.opts.clock();
    const until = new Date(now.getTime() + this.opts.horizonMs);
    const rows = await this.db.prisma.$queryRaw<Array<{ dueAt: Date }>>`
      SELECT DISTINCT "dueAt" FROM "Reminder"
       WHERE status = 'PLANNED' AND "dueAt" <= ${until} ${sessionId ? Prisma.sql`AND "sessionId" = ${sessionId}` : Prisma.empty}
       ORDER BY "dueAt" LIMIT 20000`;
    await this.addDueJobs(rows.map((r) => r.dueAt), now);
    return rows.length;
  }

  /**
   * The meeting side wrote or rewrote a plan (called inside its transaction): queue the instants
   * due within the horizon straight away, without reading the database. If the job runs before
   * that transaction commits it finds nothing; the dispatcher's overdue pass fires the rows then.
   */
  planned(plan: Array<{ dueAt: Date }>): void {
    const now = this.opts.clock();
    const soon = plan.map((p) => p.dueAt).filter((d) => d.getTime() > now.getTime() && d.getTime() <= now.getTime() + this.opts.horizonMs);
    if (soon.length) void this.addDueJobs(soon, now).catch((e) => this.log.warn({ err: e }, 'queueing reminder jobs failed; the dispatcher will'));
  }

  private async addDueJobs(instants: Date[], now: Date): Promise<void> {
    const unique = [...new Set(instants.map((d) => d.getTime()))];
    for (let i = 0; i < unique.length; i += 1000) {
      await this.queue.addBulk(
        unique.slice(i, i + 1000).map((at) => ({
          name: 'due',
          data: { at },
          opts: { jobId: dueJobId(at), delay: Math.max(0, at - now.getTime()), attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
        })),
      );
    }
  }

  startWorker() {
    return this.backend.createWorker(REMIND_QUEUE, (job: Job) => this.fireDue(new Date(Math.max(this.opts.clock().getTime(), Number(job.data.at)))), { concurrency: this.opts.concurrency });
  }

  /** Dispatcher tick: queue what falls due soon, fire what is overdue. */
  async dispatch(): Promise<{ scheduled: number; overdue: FireSummary }> {
    const scheduled = await this.schedule();
    const overdue = await this.fireDue(new Date(this.opts.clock().getTime() - this.opts.overdueMs));
    if (overdue.fired + overdue.shifted + overdue.skipped) this.log.warn({ fired: overdue.fired, shifted: overdue.shifted, skipped: overdue.skipped }, 'fired overdue reminders');
    return { scheduled, overdue };
  }

  /** Fire every PLANNED row due at or before `cutoff` (default now), batch by batch. */
  async fireDue(cutoff: Date = this.opts.clock()): Promise<FireSummary> {
    const total = emptySummary();
    const ids: string[] = [];
    const shiftedTo = new Set<number>();
    const loop = async () => {
      for (;;) {
        const b = await this.fireBatch(cutoff);
        total.fired += b.summary.fired;
        total.sent += b.summary.sent;
        total.shifted += b.summary.shifted;
        total.skipped += b.summary.skipped;
        total.dropped.push(...b.summary.dropped);
        b.shiftedTo.forEach((t) => shiftedTo.add(t));
        ids.push(...b.ids);
        if (b.claimed < this.opts.batchSize) return;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.parallel) }, loop));
    // Delivery starts once everything due is claimed: its workers share the connection pool, and
    // handing over batch by batch measured about twice the lateness for the later batches.
    await this.deliverer.enqueue(ids).catch((e) => this.log.error({ err: e }, 'handing reminder messages to delivery failed; the sweep will retry'));
    if (shiftedTo.size) {
      this.log.info({ shifted: total.shifted }, 'reminders moved out of quiet hours or a holiday');
      await this.addDueJobs([...shiftedTo].filter((t) => t <= this.opts.clock().getTime() + this.opts.horizonMs).map((t) => new Date(t)), this.opts.clock());
    }
    return total;
  }

  private async fireBatch(cutoff: Date): Promise<{ claimed: number; ids: string[]; summary: FireSummary; shiftedTo: number[] }> {
    return this.db.transaction(async (scope) => {
      const summary = emptySummary();
      const rows = await scope.tx.$queryRaw<DueReminder[]>`
        SELECT r.id, r.key, r.kind, r."sessionId", r.status, r."dueAt", s."startsAt"
          FROM "Reminder" r LEFT JOIN "MeetingSession" s ON s.id = r."sessionId"
         WHERE r.status = 'PLANNED' AND r."dueAt" <= ${cutoff}
         ORDER BY r."dueAt" LIMIT ${this.opts.batchSize}
           FOR UPDATE OF r SKIP LOCKED`;
      if (!rows.length) return { claimed: 0, ids: [], summary, shiftedTo: [] };
      const now = this.opts.clock();
      const due = await dueReminders(new Unit(scope, SYSTEM, now), rows, { guardrails: this.opts.guardrails, life: this.opts.life, recipients: this.opts.messages });
      summary.skipped = due.skipped.length;
      summary.shifted = due.shifted.length;
      summary.dropped = due.dropped;
      let ids: string[] = [];
      if (due.fire.length) {
        // One statement writes the outbox rows and marks the reminders FIRED; firedAt is when the
        // messages were written (the transaction commits right after).
        ids = await insertReminderOutbox(scope.sql, this.render(due.send, now), now, { ids: due.fire, at: this.opts.clock() });
        summary.fired = due.fire.length;
        summary.sent = ids.length;
      }
      return { claimed: rows.length, ids, summary, shiftedTo: due.shifted.map((s) => s.to.getTime()) };
    });
  }

  /** Notes as outbox messages; notes of one reminder share their data and are rendered once. */
  private render(messages: ReminderMessage[], now: Date): Outbound[] {
    const bodies = new Map<object, OutboundBody>();
    return messages.map((m) => {
      if ('body' in m) return m;
      let body = bodies.get(m.data);
      if (!body) bodies.set(m.data, (body = this.presenters.body(m, now)));
      return { to: m.to, body, dedupeKey: m.dedupeKey, category: 'reminder', memberId: m.memberId };
    });
  }
}
