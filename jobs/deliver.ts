// Delivery of outbox rows through BullMQ: one job per row (job id = row id), at most one send per
// dedupe key, per-destination rate limits shared by every worker, retries with backoff that honours
// the platform's retry-after on 429/5xx, and a visible DEAD state at the end.
//
// Card updates are coalesced: the updates of all cards due in the same CARD_WINDOW_MS share one job
// at the window's end, which sends only the newest rendering of each card. Thirty members clicking
// 签到 within a second edit the group card once or twice, not thirty (platforms limit edits, too),
// and a hundred busy cards cost one job and one claim statement per window, not a hundred.
//
// At most once: a worker moves a row PENDING/RETRY → SENDING before it calls the platform; only one
// worker can win that update. A row left in SENDING (the process died mid-send) is uncertain: the
// platform may or may not have it. The sweep puts such rows back in line only when the platform's
// send takes an idempotency key (`capabilities.idempotentSend`: the platform drops the duplicate);
// otherwise it marks them DEAD with an "UNCERTAIN" note so an operator checks the chat and then
// retries or leaves them (`npm run cli -- outbox list --status DEAD`, `outbox retry <id>`).
//
// A card refresh (a service asked for a shared card to show new state) is rendered here, at the end
// of its window, from the state then: the renderer comes from the chat layer (renderCardsWith).
// Every row transition is a function of src/outbox/store.ts; this file decides when to call which.
import crypto from 'node:crypto';
import { DelayedError, type Job, type JobsOptions } from 'bullmq';
import type { Database } from '../src/db/client.js';
import type { Sql, SqlLike } from '../src/db/sql.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { Destination, Outbound, OutboundBody, Platform, QueuedOutbox } from '../src/chat/types.js';
import { type PlatformSender, SendError } from '../src/platforms/types.js';
import type { DestinationLimiter } from './rate-limit.js';
import { TimeoutError, withTimeout } from '../src/util/timeout.js';
import { groupBy } from '../src/domain/group-by.js';
import {
  CARD_WINDOW_MS,
  type ClaimedRow,
  type OutboxStatus,
  claim,
  claimCardRefreshes,
  claimCardUpdates,
  defer,
  destinations,
  dueIds,
  listOutbox,
  markDead,
  markSent,
  renderedRefreshes,
  retryLater,
  revive,
  settleStuck,
} from '../src/outbox/store.js';

export { CARD_WINDOW_MS };

/**
 * Renders shared cards of one kind (RefreshIntent: kind and ids) as they should look now, all of a
 * window's at once; one result per id, null where there is nothing to send.
 */
export type CardRefresher = (sql: Sql, card: string, ids: string[]) => Promise<Array<Outbound | null>>;

export const DELIVER_QUEUE = 'deliver';

export interface DeliverOptions {
  attempts: number;
  backoffMs: number;
  concurrency: number;
  /** Longest wait between attempts (a platform's retry-after can be longer: it wins). */
  maxBackoffMs?: number;
  /** A row in SENDING for longer than this is taken as abandoned by a dead process. */
  stuckAfterMs?: number;
  /** Per-destination limits; none = send as fast as the workers go. */
  limiter?: DestinationLimiter;
  /**
   * Sends in flight at once per destination (chat or user) and per platform, in this process: a
   * destination or a platform that hangs holds at most this many of the `concurrency` slots, so
   * the others keep theirs. Default: 2 per destination, concurrency − ⌈concurrency/4⌉ per platform.
   */
  perDestination?: number;
  perPlatform?: number;
  /**
   * Last-resort time limit of one platform call (the adapters' own HTTP limits come first). A send
   * cut off here may have reached the platform: retried where sends are idempotent, otherwise
   * DEAD with the UNCERTAIN note for an operator, like a row left in SENDING.
   */
  sendTimeoutMs?: number;
  /**
   * How long an answer waits for its rows to reach the queue (handOff). The rows are stored
   * already; with the queue backend down (Redis gone, ioredis holding commands until it is back)
   * the answer goes out after this and the outbox sweep enqueues the rows once it answers.
   */
  handOffTimeoutMs?: number;
}

export const DEFAULT_DELIVER: DeliverOptions = { attempts: 8, backoffMs: 1000, concurrency: 8, maxBackoffMs: 10 * 60_000, stuckAfterMs: 5 * 60_000, perDestination: 2, sendTimeoutMs: 30_000 };

/** Wait before a job whose destination or platform is busy looks again (no attempt spent). */
const BUSY_RETRY_MS = 250;

/** Sends in flight per destination and per platform (one process). */
const destinationKey = (to: Destination) => `${to.platform}|${to.tenantKey}|${to.targetKind}|${to.target}`;

export class InFlight {
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly perDestination: number,
    private readonly perPlatform: number,
  ) {}

  /** Take a slot for `to`, or undefined when its destination or platform is at its limit. */
  enter(to: Destination): (() => void) | undefined {
    const dest = `d:${destinationKey(to)}`;
    const plat = `p:${to.platform}`;
    if ((this.byKey.get(dest) ?? 0) >= this.perDestination || (this.byKey.get(plat) ?? 0) >= this.perPlatform) return undefined;
    for (const k of [dest, plat]) this.byKey.set(k, (this.byKey.get(k) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      for (const k of [dest, plat]) {
        const n = (this.byKey.get(k) ?? 1) - 1;
        if (n > 0) this.byKey.set(k, n);
        else this.byKey.delete(k);
      }
    };
  }
}

export type DeliverOutcome = 'sent' | 'skipped' | 'dead';

export const UNCERTAIN_NOTE = 'UNCERTAIN: 发送过程中进程中断，平台可能已收到；请在群里核实后决定是否重发';

/** Job 'send': one row. Job 'cards': the newest due update of every card. */
interface SendJobData {
  id?: string;
  to?: Destination;
}

/** Card updates looked at per claim; a window with more claims again. */
const CARD_CLAIM_LIMIT = 500;

/** Where an outbox row goes, from its columns (the limiter and the sender take this shape). */
const destinationOf = (r: Destination): Destination => ({ platform: r.platform, tenantKey: r.tenantKey, target: r.target, targetKind: r.targetKind });

/** Exponential backoff, but never sooner than the platform asked (retry-after). */
export function backoffFor(attemptsMade: number, err: Error | undefined, opts: Pick<DeliverOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  const exp = Math.min(opts.backoffMs * 2 ** Math.max(0, attemptsMade - 1), opts.maxBackoffMs ?? Infinity);
  const after = err instanceof SendError || (err && 'retryAfterMs' in err) ? Number((err as SendError).retryAfterMs ?? 0) : 0;
  return Math.max(exp, after);
}

/** Run `fn` over `items`, at most `n` at once (each lane takes the next item when it is free). */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, lane));
}

export class Deliverer {
  private readonly queue;
  private readonly senders = new Map<Platform, PlatformSender>();
  private readonly opts: DeliverOptions;
  /** Card window jobs this process has added (job id → window end): each is added once, not per click. */
  private readonly cardJobs = new Map<string, number>();
  private refresher: CardRefresher | undefined;
  readonly inFlight: InFlight;

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    senders: PlatformSender[],
    private readonly log: Logger,
    opts: DeliverOptions = DEFAULT_DELIVER,
  ) {
    this.opts = { ...DEFAULT_DELIVER, ...opts };
    const c = this.opts.concurrency;
    // A platform's cap only matters when another platform needs the slots (the console is local).
    const platforms = senders.filter((x) => x.platform !== 'CONSOLE').length;
    this.inFlight = new InFlight(this.opts.perDestination ?? 2, this.opts.perPlatform ?? (platforms > 1 ? Math.max(1, c - Math.ceil(c / 4)) : c));
    for (const s of senders) this.senders.set(s.platform, s);
    this.queue = backend.createQueue(DELIVER_QUEUE);
  }

  /** Hand committed rows to the queue, by id (reads their destinations). */
  async enqueue(ids: string[], delayMs = 0): Promise<void> {
    if (!ids.length) return;
    const rows = await destinations(this.db.sql, ids);
    // An operator retry (RETRY with attempts reset to 0, see revive in src/outbox) must replace the old,
    // failed job of the same id, or adding it again would be a no-op.
    await Promise.all(rows.filter((r) => r.status === 'RETRY' && r.attempts === 0).map((r) => this.queue.remove(r.id).catch(() => 0)));
    await this.enqueueRows(rows.map((r) => ({ id: r.id, to: destinationOf(r), notBefore: r.notBefore, updateOfKey: r.updateOfKey })), delayMs);
  }

  /**
   * Hand committed rows to the queue for the one waiting on them (a chat answer, a form page),
   * within handOffTimeoutMs (default 2 s), and never fail: while the queue backend is down the
   * caller gets its answer and the rows, stored already, are enqueued by the outbox sweep later.
   */
  async handOff(rows: QueuedOutbox[]): Promise<void> {
    try {
      await withTimeout(this.enqueueRows(rows), this.opts.handOffTimeoutMs ?? 2000, '队列后端');
    } catch (e) {
      this.log.warn({ err: e, rows: rows.length }, 'outbox rows not handed to the queue (backend down or slow); the sweep enqueues them');
    }
  }

  /** Hand committed rows to the queue. Re-adding a row (or a card window) still queued is a no-op (job id). */
  async enqueueRows(rows: QueuedOutbox[], delayMs = 0): Promise<void> {
    if (!rows.length) return;
    const now = Date.now();
    const common: JobsOptions = { attempts: this.opts.attempts, backoff: { type: 'platform' }, removeOnFail: { count: 5000 } };
    const jobs = new Map<string, { name: string; data: SendJobData; opts: JobsOptions }>();
    for (const r of rows) {
      const due = Math.max(now + delayMs, r.notBefore.getTime());
      if (r.updateOfKey) {
        // The end of the window it falls in (a refresh is due exactly at its window's end).
        const at = Math.ceil(due / CARD_WINDOW_MS) * CARD_WINDOW_MS;
        const jobId = `cards_${at}`;
        // Still ahead of its window's end, so it has not run yet and will see this row.
        if (this.cardJobs.has(jobId)) continue;
        jobs.set(jobId, { name: 'cards', data: {}, opts: { ...common, jobId, delay: at - now, removeOnComplete: true } });
      } else {
        jobs.set(r.id, { name: 'send', data: { id: r.id, to: r.to }, opts: { ...common, jobId: r.id, delay: due - now, removeOnComplete: { count: 1000 } } });
      }
    }
    const all = [...jobs.values()];
    for (let i = 0; i < all.length; i += 1000) await this.queue.addBulk(all.slice(i, i + 1000));
    for (const job of all) if (job.name === 'cards') this.cardJobs.set(job.opts.jobId!, now + (job.opts.delay ?? 0));
    if (this.cardJobs.size > 1000) for (const [id, at] of this.cardJobs) if (at < now) this.cardJobs.delete(id);
  }

  /** How card refreshes are rendered (the chat layer's card presenters). */
  renderCardsWith(refresher: CardRefresher): this {
    this.refresher = refresher;
    return this;
  }

  startWorker() {
    return this.backend.createWorker(DELIVER_QUEUE, (job: Job, token?: string) => this.run(job, token), {
      concurrency: this.opts.concurrency,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => backoffFor(attemptsMade, err, this.opts) },
    });
  }

  private async run(job: Job, token?: string): Promise<DeliverOutcome | number> {
    if (job.name !== 'send') {
      // A window job never claims before its window ends: a refresh is due exactly then, and one
      // claimed earlier could miss a click of the same window (its row would already be taken).
      const end = Number(/^cards_(\d+)$/.exec(job.id ?? '')?.[1] ?? 0);
      const early = end + 2 - Date.now();
      if (early > 0) await new Promise((r) => setTimeout(r, Math.min(early, CARD_WINDOW_MS)));
      return this.deliverCards();
    }
    const data = job.data as SendJobData;
    // The rate limit first: it spreads a burst over its windows, so few jobs reach the in-flight
    // check below at once (a refused job is moved, not spun on).
    if (this.opts.limiter && data.to) {
      const r = await this.opts.limiter.reserve(data.to);
      if (!r.ok) {
        // Wait for a free slot without spending an attempt.
        await job.moveToDelayed(Date.now() + r.waitMs, token);
        throw new DelayedError();
      }
    }
    // A destination (or platform) with its sends in flight waits its turn without a slot or an attempt.
    const leave = data.to ? this.inFlight.enter(data.to) : () => {};
    if (!leave) {
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS + Math.floor(Math.random() * BUSY_RETRY_MS), token);
      throw new DelayedError();
    }
    try {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return await this.deliverOne(String(data.id), final);
    } finally {
      leave();
    }
  }

  /** Send one row. Throws on a retryable failure (so BullMQ retries) unless this is the last attempt. */
  async deliverOne(id: string, finalAttempt = false): Promise<DeliverOutcome> {
    const row = await claim(this.db.sql, id);
    return row ? this.sendClaimed(row, finalAttempt) : 'skipped';
  }

  /**
   * Send the newest due update of every card (older ones are deleted); returns how many were
   * claimed. One chat's cards go out one after another in a lane of their own, chats side by side
   * (as many at once as the worker's concurrency): sent side by side, a busy chat's cards beyond its
   * in-flight limit were each put back and queued again, every window. What a chat's slot or rate
   * limit does not allow now, and the rest of a chat whose send failed (a failing or slow chat holds
   * up only itself), is put back for the window of its new due time; attempts are counted on the row.
   */
  async deliverCards(): Promise<number> {
    const refreshes = await this.renderRefreshes();
    const rows = await claimCardUpdates(this.db.sql, CARD_CLAIM_LIMIT);
    const later: QueuedOutbox[] = [];
    const putBack = async (rest: ClaimedRow[], until: Date) => {
      await defer(this.db.sql, rest.map((r) => r.id), until);
      later.push(...rest.map((r) => ({ id: r.id, to: destinationOf(r), notBefore: until, updateOfKey: r.updateOfKey })));
    };
    const sendLane = async (lane: ClaimedRow[]) => {
      for (const [i, row] of lane.entries()) {
        const to = destinationOf(row);
        const leave = this.inFlight.enter(to);
        const slot = !leave ? { ok: false as const, waitMs: BUSY_RETRY_MS } : this.opts.limiter ? await this.opts.limiter.reserve(to) : { ok: true as const };
        if (!slot.ok) {
          leave?.();
          return putBack(lane.slice(i), new Date(Date.now() + slot.waitMs));
        }
        try {
          await this.sendClaimed(row, row.attempts >= this.opts.attempts);
        } catch (e) {
          // Retryable: fail() set the row to RETRY, due after the backoff.
          later.push({ id: row.id, to, notBefore: new Date(Date.now() + backoffFor(row.attempts, e as Error, this.opts)), updateOfKey: row.updateOfKey });
          return putBack(lane.slice(i + 1), new Date(Date.now() + BUSY_RETRY_MS));
        } finally {
          leave?.();
        }
      }
    };
    await pool([...groupBy(rows, (r) => destinationKey(destinationOf(r))).values()], this.opts.concurrency, sendLane);
    if (later.length) await this.enqueueRows(later);
    if (rows.length === CARD_CLAIM_LIMIT || refreshes === CARD_CLAIM_LIMIT) await this.queue.add('cards', {}, { jobId: `cards_more_${Date.now()}`, removeOnComplete: true });
    return rows.length;
  }

  /**
   * The due card refreshes, newest per card (older ones deleted), rendered from current state and
   * written as card updates in one transaction (one commit for the window's cards, not one per
   * card); returns how many were claimed. If that transaction fails, each card is tried alone so one
   * bad card holds up no other; a render that fails is tried again in a later window, then given up (DEAD).
   */
  private async renderRefreshes(): Promise<number> {
    const claimed = await claimCardRefreshes(this.db.sql, CARD_CLAIM_LIMIT);
    const refresher = this.refresher;
    if (!claimed.length) return 0;
    if (!refresher) {
      for (const row of claimed) await markDead(this.db.sql, row.id, `no card renderer in this process for ${row.payload.card}`);
      return claimed.length;
    }
    // A window's cards of one kind render together (one statement for all of them, not one per card).
    const render = (rows: typeof claimed) =>
      this.db.transaction(async (scope) => {
        const updates: Outbound[] = [];
        for (const [card, ofKind] of groupBy(rows, (r) => r.payload.card)) {
          for (const update of await refresher(scope.sql, card, ofKind.map((r) => r.payload.id))) if (update) updates.push(update);
        }
        await renderedRefreshes(scope.sql, rows.map((r) => r.id), updates);
      });
    try {
      await render(claimed);
      return claimed.length;
    } catch {
      // Alone, below: the failing one is found and retried later.
    }
    for (const row of claimed) {
      try {
        await render([row]);
      } catch (e) {
        const error = `card refresh: ${(e as Error).message}`;
        this.log.warn({ outboxId: row.id, err: e }, 'rendering a card refresh failed');
        if (row.attempts >= this.opts.attempts) {
          await markDead(this.db.sql, row.id, error);
          continue;
        }
        const at = new Date(Date.now() + backoffFor(row.attempts, undefined, this.opts));
        await retryLater(this.db.sql, row.id, error, at);
        await this.enqueueRows([{ id: row.id, to: destinationOf(row), notBefore: at, updateOfKey: row.updateOfKey }]);
      }
    }
    return claimed.length;
  }

  private async sendClaimed(row: ClaimedRow, finalAttempt: boolean): Promise<DeliverOutcome> {
    const { id } = row;
    const body = row.payload as unknown as OutboundBody;
    const to = destinationOf(row);
    const originalMessageId = row.original ?? undefined;
    if (row.kind === 'card_update' && !originalMessageId) return this.fail(id, new SendError('原卡片尚未发出', true, 500), finalAttempt);

    const sender = this.senders.get(row.platform);
    if (!sender) return this.fail(id, new SendError(`没有配置 ${row.platform} 平台`, false), true);
    try {
      const r = await withTimeout(sender.send({ to, body, key: row.dedupeKey, originalMessageId }), this.opts.sendTimeoutMs ?? 30_000, 'platform send');
      await markSent(this.db.sql, id, r.messageId);
      return 'sent';
    } catch (e) {
      if (e instanceof TimeoutError && !sender.capabilities.idempotentSend) {
        // The platform may have it: a second send could duplicate it. An operator decides.
        await markDead(this.db.sql, id, `${UNCERTAIN_NOTE}（${(e as Error).message}）`);
        this.log.warn({ outboxId: id, platform: row.platform }, 'platform send timed out; row is DEAD (uncertain)');
        return 'dead';
      }
      const err = e instanceof SendError ? e : new SendError((e as Error).message, true);
      if (err.retryAfterMs && this.opts.limiter) await this.opts.limiter.hold(to, err.retryAfterMs);
      return this.fail(id, err, finalAttempt);
    }
  }

  private async fail(id: string, err: SendError, finalAttempt: boolean): Promise<DeliverOutcome> {
    if (finalAttempt || !err.retryable) {
      await markDead(this.db.sql, id, err.message);
      this.log.warn({ outboxId: id, error: err.message }, 'delivery gave up; row is DEAD');
      return 'dead';
    }
    await retryLater(this.db.sql, id, err.message, new Date(Date.now() + (err.retryAfterMs ?? this.opts.backoffMs)));
    throw err;
  }

  /**
   * Re-enqueue rows that are due but not queued (after a restart or a lost queue), and settle rows
   * stuck in SENDING: back in line where the platform dedupes sends, otherwise DEAD for an operator.
   */
  async sweep(): Promise<number> {
    const stuckBefore = new Date(Date.now() - (this.opts.stuckAfterMs ?? DEFAULT_DELIVER.stuckAfterMs!));
    const idempotent = [...this.senders.values()].filter((s) => s.capabilities.idempotentSend).map((s) => s.platform);
    const { retried, uncertain } = await settleStuck(this.db.sql, stuckBefore, idempotent, UNCERTAIN_NOTE);
    if (retried.length || uncertain.length) {
      // The BullMQ jobs of those rows completed ("skipped") or stalled: make room for new ones.
      await Promise.all(retried.map((id) => this.queue.remove(id).catch(() => 0)));
      this.log.warn({ retried: retried.length, uncertain: uncertain.length }, 'settled outbox rows stuck in SENDING');
    }
    const due = await dueIds(this.db.sql);
    await this.enqueue(due);
    return due.length;
  }

  /** Put DEAD rows back in line now (the CLI only marks them; the sweep enqueues them). */
  async retryDead(ids?: string[]): Promise<number> {
    const marked = await revive(this.db.sql, ids);
    await this.enqueue(marked);
    return marked.length;
  }

  /** Rows for the operator (CLI: outbox list), newest first. */
  list(status?: OutboxStatus, take = 50) {
    return listOutbox(this.db.sql, status, take);
  }
}
