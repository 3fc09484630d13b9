// Delivery of outbox rows through BullMQ: one job per row (job id = row id), at most one send per
// dedupe key, retries with backoff on retryable failures, and a visible DEAD state at the end.
import type { Job } from 'bullmq';
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { Platform } from '../src/generated/prisma/enums.js';
import type { OutboundBody } from '../src/chat/types.js';
import { type PlatformSender, SendError } from '../src/platforms/types.js';

export const DELIVER_QUEUE = 'deliver';

export interface DeliverOptions {
  attempts: number;
  backoffMs: number;
  concurrency: number;
}

export const DEFAULT_DELIVER: DeliverOptions = { attempts: 8, backoffMs: 1000, concurrency: 8 };

export type DeliverOutcome = 'sent' | 'skipped' | 'superseded' | 'dead';

export class Deliverer {
  private readonly queue;
  private readonly senders = new Map<Platform, PlatformSender>();

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    senders: PlatformSender[],
    private readonly log: Logger,
    private readonly opts: DeliverOptions = DEFAULT_DELIVER,
  ) {
    for (const s of senders) this.senders.set(s.platform, s);
    this.queue = backend.createQueue(DELIVER_QUEUE);
  }

  /** Hand committed rows to the queue. Re-adding a row that is still queued is a no-op (job id). */
  async enqueue(ids: string[], delayMs = 0): Promise<void> {
    if (!ids.length) return;
    await this.queue.addBulk(
      ids.map((id) => ({
        name: 'send',
        data: { id },
        opts: {
          jobId: id,
          delay: delayMs,
          attempts: this.opts.attempts,
          backoff: { type: 'exponential', delay: this.opts.backoffMs },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      })),
    );
  }

  startWorker() {
    return this.backend.createWorker(DELIVER_QUEUE, (job: Job) => this.run(job), { concurrency: this.opts.concurrency });
  }

  private async run(job: Job): Promise<DeliverOutcome> {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.deliverOne(String(job.data.id), final);
  }

  /** Send one row. Throws on a retryable failure (so BullMQ retries) unless this is the last attempt. */
  async deliverOne(id: string, finalAttempt = false): Promise<DeliverOutcome> {
    const p = this.db.prisma;
    // The claim is the "at most once": only one worker moves a row from PENDING/RETRY to SENDING.
    const [row] = await p.outboxMessage.updateManyAndReturn({
      where: { id, status: { in: ['PENDING', 'RETRY'] } },
      data: { status: 'SENDING', attempts: { increment: 1 } },
    });
    if (!row) return 'skipped';

    const body = row.payload as unknown as OutboundBody;
    let originalMessageId: string | undefined;
    if (row.kind === 'card_update' && row.updateOfKey) {
      // Only the newest rendering matters: an older pending update is dropped.
      const newer = await p.outboxMessage.count({ where: { updateOfKey: row.updateOfKey, createdAt: { gt: row.createdAt } } });
      if (newer > 0) {
        await p.outboxMessage.update({ where: { id }, data: { status: 'CANCELLED' } });
        return 'superseded';
      }
      const original = await p.outboxMessage.findUnique({ where: { dedupeKey: row.updateOfKey }, select: { platformMessageId: true, status: true } });
      originalMessageId = original?.platformMessageId ?? undefined;
      if (!originalMessageId) return this.fail(id, new SendError('原卡片尚未发出', true, 500), finalAttempt);
    }

    const sender = this.senders.get(row.platform);
    if (!sender) return this.fail(id, new SendError(`没有配置 ${row.platform} 平台`, false), true);
    try {
      const r = await sender.send({
        to: { platform: row.platform, tenantKey: row.tenantKey, target: row.target, targetKind: row.targetKind },
        body,
        key: row.dedupeKey,
        originalMessageId,
      });
      await p.outboxMessage.update({ where: { id }, data: { status: 'SENT', platformMessageId: r.messageId, sentAt: new Date(), lastError: null } });
      return 'sent';
    } catch (e) {
      const err = e instanceof SendError ? e : new SendError((e as Error).message, true);
      return this.fail(id, err, finalAttempt);
    }
  }

  private async fail(id: string, err: SendError, finalAttempt: boolean): Promise<DeliverOutcome> {
    const dead = finalAttempt || !err.retryable;
    await this.db.prisma.outboxMessage.update({
      where: { id },
      data: {
        status: dead ? 'DEAD' : 'RETRY',
        lastError: err.message.slice(0, 500),
        notBefore: new Date(Date.now() + (err.retryAfterMs ?? this.opts.backoffMs)),
      },
    });
    if (dead) {
      this.log.warn({ outboxId: id, error: err.message }, 'delivery gave up; row is DEAD');
      return 'dead';
    }
    throw err;
  }

  /** Re-enqueue rows that are due but not queued (after a restart or a lost queue). */
  async sweep(): Promise<number> {
    const due = await this.db.prisma.outboxMessage.findMany({
      where: { status: { in: ['PENDING', 'RETRY'] }, notBefore: { lte: new Date() } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
      take: 5000,
    });
    await this.enqueue(due.map((r) => r.id));
    return due.length;
  }

  /** Put DEAD rows back in line (CLI: outbox retry). */
  async retryDead(ids?: string[]): Promise<number> {
    const rows = await this.db.prisma.outboxMessage.updateManyAndReturn({
      where: { status: 'DEAD', ...(ids ? { id: { in: ids } } : {}) },
      data: { status: 'RETRY', notBefore: new Date() },
      select: { id: true },
    });
    await Promise.all(rows.map((r) => this.queue.remove(r.id).catch(() => 0)));
    await this.enqueue(rows.map((r) => r.id));
    return rows.length;
  }
}
