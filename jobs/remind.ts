// Meeting reminders: Reminder rows (written by the meeting side when a notice is created, changed or
// cancelled) fired by BullMQ delayed jobs with semantic ids.
//
// - Scheduling: rows PLANNED and due within the horizon get a delayed job whose id names the row and
//   its due time (`remind|<session>|<kind>|<dueAt ms>`). `schedule()` runs after a notice commits
//   (when the caller hands us the session) and every minute from the dispatcher, so rows written by
//   any instance, or missed while everything was down, are picked up. Re-adding an existing job id is
//   a no-op, so restarts and several instances add nothing twice.
// - Firing re-reads the row in a transaction and claims it (PLANNED + same dueAt → FIRED) in the same
//   transaction that writes the outbox rows, so a replay, a duplicate job or a second instance sends
//   nothing more. A changed meeting has a new dueAt: the old job finds a different dueAt and does
//   nothing; a cancelled one finds CANCELLED.
// - Guardrails (src/domain/guardrails.ts): quiet hours and non-working days move a reminder to the
//   next working morning (the row's dueAt is rewritten and it fires then) unless the meeting is that
//   same day; a before-meeting reminder that could only go out after the start is SKIPPED; members
//   on approved leave and members over their daily nudge budget are dropped.
import type { Job } from 'bullmq';
import type { Database, Tx } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { Outbound } from '../src/chat/types.js';
import type { TokenSigner } from '../src/chat/token.js';
import type { Reminder } from '../src/generated/prisma/client.js';
import { writeOutbox } from '../src/chat/core.js';
import { applyRecipientGuardrails, DEFAULT_GUARDRAILS, localDayRange, reminderTiming, type GuardrailOptions } from '../src/domain/guardrails.js';
import { meetingReminderMessages as lifeReminderMessages, type ReminderMessageOptions } from '../src/domain/life/reminders.js';
import type { Deliverer } from './deliver.js';

export const REMIND_QUEUE = 'remind';

/**
 * Adapter point to the meeting side (issue 4): the messages a due reminder sends now, to members
 * who have not answered. Tests and benchmarks may pass their own.
 */
export type ReminderMessages = (tx: Tx, reminder: Pick<Reminder, 'key' | 'kind' | 'sessionId' | 'status'>, now: Date, opts: ReminderMessageOptions) => Promise<Outbound[]>;
export const meetingReminderMessages: ReminderMessages = lifeReminderMessages;

export interface ReminderOptions {
  guardrails: GuardrailOptions;
  /** Rows due within this window get their delayed job now. */
  horizonMs: number;
  concurrency: number;
  clock: () => Date;
  messages: ReminderMessages;
  tokens?: TokenSigner;
  life?: ReminderMessageOptions['life'];
}

export type FireOutcome =
  | { status: 'fired'; sent: number; skipped: Array<{ memberId: string; reason: string }> }
  | { status: 'shifted'; to: Date }
  | { status: 'skipped'; reason: string }
  | { status: 'stale' };

interface FireJob {
  id: string;
  dueAt: number;
}

export function reminderJobId(r: { key: string; dueAt: Date }): string {
  // BullMQ job ids may not contain ':'; the key is remind:<session>:<kind>.
  return `${r.key.replaceAll(':', '|')}|${r.dueAt.getTime()}`;
}

export class ReminderService {
  private readonly queue;
  readonly opts: ReminderOptions;

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    opts: Partial<ReminderOptions> = {},
  ) {
    this.opts = { guardrails: DEFAULT_GUARDRAILS, horizonMs: 15 * 60_000, concurrency: 32, clock: () => new Date(), messages: meetingReminderMessages, ...opts };
    this.queue = backend.createQueue(REMIND_QUEUE);
  }

  /** Give every PLANNED row due within the horizon (optionally of one session) its delayed job. */
  async schedule(sessionId?: string): Promise<number> {
    const now = this.opts.clock();
    const rows = await this.db.prisma.reminder.findMany({
      where: { status: 'PLANNED', dueAt: { lte: new Date(now.getTime() + this.opts.horizonMs) }, ...(sessionId ? { sessionId } : {}) },
      select: { id: true, key: true, dueAt: true },
      orderBy: { dueAt: 'asc' },
      take: 50_000,
    });
    for (let i = 0; i < rows.length; i += 1000) {
      await this.queue.addBulk(
        rows.slice(i, i + 1000).map((r) => ({
          name: 'fire',
          data: { id: r.id, dueAt: r.dueAt.getTime() } satisfies FireJob,
          opts: { jobId: reminderJobId(r), delay: Math.max(0, r.dueAt.getTime() - now.getTime()), attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400, count: 20_000 }, removeOnFail: { count: 5000 } },
        })),
      );
    }
    return rows.length;
  }

  startWorker() {
    return this.backend.createWorker(REMIND_QUEUE, (job: Job) => this.fire(job.data as FireJob), { concurrency: this.opts.concurrency });
  }

  /** Fire one reminder (idempotent: only the PLANNED row with this dueAt does anything). */
  async fire(job: FireJob): Promise<FireOutcome> {
    const now = this.opts.clock();
    const g = this.opts.guardrails;
    const result = await this.db.prisma.$transaction(
      async (tx): Promise<{ outcome: FireOutcome; ids: string[] }> => {
        const row = await tx.reminder.findUnique({ where: { id: job.id } });
        if (!row || row.status !== 'PLANNED' || row.dueAt.getTime() !== job.dueAt) return { outcome: { status: 'stale' }, ids: [] };
        const session = row.sessionId ? await tx.meetingSession.findUnique({ where: { id: row.sessionId }, select: { startsAt: true } }) : null;
        const at = new Date(Math.max(now.getTime(), row.dueAt.getTime()));
        const timing = reminderTiming(at, session?.startsAt ?? null, g);
        if (timing.action === 'skip') {
          const n = await tx.reminder.updateMany({ where: { id: row.id, status: 'PLANNED', dueAt: row.dueAt }, data: { status: 'SKIPPED', firedAt: now } });
          return { outcome: n.count ? { status: 'skipped', reason: timing.reason } : { status: 'stale' }, ids: [] };
        }
        if (timing.action === 'shift') {
          const n = await tx.reminder.updateMany({ where: { id: row.id, status: 'PLANNED', dueAt: row.dueAt }, data: { dueAt: timing.at } });
          return { outcome: n.count ? { status: 'shifted', to: timing.at } : { status: 'stale' }, ids: [] };
        }
        const claimed = await tx.reminder.updateMany({ where: { id: row.id, status: 'PLANNED', dueAt: row.dueAt }, data: { status: 'FIRED', firedAt: now } });
        if (!claimed.count) return { outcome: { status: 'stale' }, ids: [] };

        const candidates = await this.opts.messages(tx, row, now, { tokens: this.opts.tokens, life: this.opts.life });
        const memberIds = [...new Set(candidates.map((m) => m.memberId).filter((x): x is string => !!x))];
        const onLeave = new Set<string>();
        const sentToday = new Map<string, number>();
        if (memberIds.length) {
          if (row.sessionId) {
            const leave = await tx.attendance.findMany({
              where: { sessionId: row.sessionId, memberId: { in: memberIds }, OR: [{ status: 'LEAVE' }, { requests: { some: { kind: 'LEAVE', status: 'APPROVED' } } }] },
              select: { memberId: true },
            });
            leave.forEach((l) => onLeave.add(l.memberId));
          }
          const day = localDayRange(now, g.timezone);
          const counts = await tx.outboxMessage.groupBy({
            by: ['memberId'],
            where: { memberId: { in: memberIds }, category: 'reminder', createdAt: { gte: day.start, lt: day.end } },
            _count: { _all: true },
          });
          counts.forEach((c) => c.memberId && sentToday.set(c.memberId, c._count._all));
        }
        const { send, skipped } = applyRecipientGuardrails(candidates, { onLeave, sentToday, budget: g.dailyNudgeBudget });
        const ids = await writeOutbox(tx, send);
        // Budgets count by the day the reminder fired (the injected clock in tests, now otherwise).
        if (ids.length) await tx.outboxMessage.updateMany({ where: { id: { in: ids } }, data: { createdAt: now } });
        return { outcome: { status: 'fired', sent: ids.length, skipped: skipped.map((s) => ({ memberId: s.message.memberId!, reason: s.reason })) }, ids };
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
    if (result.ids.length) await this.deliverer.enqueue(result.ids).catch((e) => this.log.error({ err: e }, 'handing reminder messages to delivery failed; the sweep will retry'));
    if (result.outcome.status === 'shifted') {
      this.log.info({ reminderId: job.id, to: result.outcome.to.toISOString() }, 'reminder moved out of quiet hours or a holiday');
      await this.schedule();
    }
    return result.outcome;
  }
}
