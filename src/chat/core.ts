// The chat pipeline every receiver calls: validate → store the event (the dedupe point, before the
// ack) → resolve the member → route → one transaction with the state change, outbox rows, audit
// rows and the event marked done → hand the outbox rows to delivery.
import { z } from 'zod';
import type { Database } from '../db/client.js';
import type { Sql, TxScope } from '../db/sql.js';
import { GroupCommit } from '../util/group-commit.js';
import type { Logger } from '../log.js';
import { findBoundMembers, insertInbound, knownTenants, memberKey, recordBatch } from './store.js';
import type { MemberInfo } from '../domain/org.js';
import { Context, UserError } from './context.js';
import type { ActionRoute, Click, Router } from './router.js';
import { TokenSigner } from './token.js';
import type { ActionAck, Inbound, InboundAction, InboundJoined, InboundMessage, Outbound, QueuedOutbox } from './types.js';
import { say } from './wording.js';
import { DomainError } from '../services/kernel.js';
import { can, type Ability } from '../access/index.js';
import { Presenters } from './presenters/registry.js';
import { DEFAULT_TZ } from '../domain/life/time.js';
import type { RefreshIntent } from '../services/kernel.js';
import { cardRefreshes, insertOutbox, insertUpdateOfSentCard, sentCardChats, sentCardKey } from '../outbox/store.js';

export interface ChatLimits {
  /** Longest accepted message, in characters. */
  maxTextLength: number;
}

export const DEFAULT_LIMITS: ChatLimits = { maxTextLength: 2000 };

const ref = z.object({ id: z.string().min(1).max(256) });
const base = {
  platform: z.enum(['CONSOLE', 'LARK', 'DINGTALK', 'WECOM', 'WECHATY']),
  tenantKey: z.string().max(256),
  eventId: z.string().min(1).max(256),
  chat: ref.extend({ kind: z.enum(['GROUP', 'DIRECT']), title: z.string().max(256).optional() }),
  user: ref.extend({ name: z.string().max(256).optional() }),
};
const inboundSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('message'),
    text: z.string(),
    attachments: z
      .array(z.object({ kind: z.enum(['image', 'file', 'audio', 'video']), key: z.string().min(1).max(2048), name: z.string().max(512).optional(), size: z.number().int().nonnegative().optional() }))
      .max(50)
      .optional(),
    unsupported: z.string().min(1).max(64).optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('action'),
    token: z.string().max(2048),
    form: z.record(z.string(), z.string().max(20_000)).optional(),
    cardMessageId: z.string().min(1).max(256).optional(),
  }),
  z.object({ ...base, kind: z.literal('joined') }),
]);

export type HandleResult = { status: 'processed'; ack: ActionAck } | { status: 'duplicate' } | { status: 'invalid'; reason: string };

/** Where committed outbox rows go next (the deliver queue). */
export type OutboxSink = (rows: QueuedOutbox[]) => Promise<void>;

interface Work {
  inbound: Inbound;
  rowId: string;
}

/** One event's outcome inside a batch, before the batch's rows are written. */
interface Outcome {
  ctx: Context;
  rowId: string;
  status: 'DONE' | 'FAILED';
  error?: string;
}

/** U+FFFD stands for what cannot be stored: a lone UTF-16 surrogate, a NUL, or bytes that were not UTF-8. */
const REPLACEMENT = '\uFFFD';
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

/** Every string in the event made storable (PostgreSQL's jsonb refuses lone surrogates and NUL). */
function storable<T>(v: T): T {
  if (typeof v === 'string') return v.replace(UNSTORABLE, REPLACEMENT) as T;
  if (Array.isArray(v)) return v.map(storable) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, storable(x)])) as T;
  return v;
}

/** What a member wrote holds characters we could not read (replaced on the way in). */
const unreadable = (s: string | undefined) => !!s && s.includes(REPLACEMENT);

/** A declared guard's refusal names who may (prompts/replies/access.yaml). */
export const REFUSALS: Record<Exclude<Ability, 'member'>, string> = {
  'branch.view': 'refused.branch_view',
  'branch.manage': 'errors.not_allowed',
  'group.lead': 'refused.group_lead',
  'organ.view': 'refused.organ_view',
  'organ.manage': 'refused.organ_manage',
  'organ.any': 'refused.organ_any',
  'tree.view': 'refused.tree_view',
  'org.admin': 'refused.org_admin',
};

/** The platform account an event comes from. */
const account = (i: Inbound) => ({ platform: i.platform, tenantKey: i.tenantKey, userId: i.user.id });

/** A deadlock or serialization failure: nothing wrong with the event, the transaction just lost a race. */
function transient(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'P2034';
}

/** Several clicks on one card in a batch: only the last rendering is kept (it includes the others'). */
function newestCardUpdates(items: Outbound[]): Outbound[] {
  const last = new Map<string, Outbound>();
  for (const item of items) if (item.body.kind === 'card_update') last.set(item.body.ofKey, item);
  return items.filter((item) => item.body.kind !== 'card_update' || last.get(item.body.ofKey) === item);
}

/**
 * The shared cards the batch's services asked to refresh (RefreshIntent): one small outbox row per
 * card and delivery window, rendered from current state at delivery (jobs/deliver.ts), so a click
 * pays for no rendering and thirty clicks in a second render the card once.
 */
function refreshRows(outcomes: Outcome[]): ReturnType<typeof cardRefreshes> {
  const now = new Date();
  const seen = new Set<string>();
  return outcomes.flatMap((o) => {
    const asks: RefreshIntent[] = [];
    for (const i of o.ctx.unit.intents) {
      if (i.type !== 'refresh' || seen.has(`${i.card}:${i.id}`)) continue;
      seen.add(`${i.card}:${i.id}`);
      asks.push(i);
    }
    return cardRefreshes(asks, o.ctx.here, now);
  });
}

/**
 * A click on a card the platform names only by its message id: the chat is the one the card was
 * sent to (its outbox row), where there is one. One query for the batch.
 */
async function resolveCardChats(sql: Sql, items: Work[]): Promise<void> {
  const clicks = items.flatMap((w) => (w.inbound.kind === 'action' && w.inbound.cardMessageId ? [{ work: w, card: { platform: w.inbound.platform, messageId: w.inbound.cardMessageId } }] : []));
  if (!clicks.length) return;
  const chats = await sentCardChats(sql, clicks.map((c) => c.card));
  for (const { work, card } of clicks) {
    const chat = chats.get(sentCardKey(card));
    if (chat) work.inbound = { ...work.inbound, chat: { ...work.inbound.chat, ...chat } };
  }
}

/**
 * The platform tenant an event came from is kept when members' accounts are stored under it (an organ
 * with several tenants, imported with 企业ID): the same user id in two tenants is two identities. A
 * single-tenant install stores every row under '' and its events are read as ''. One query per batch.
 */
async function resolveTenants(sql: Sql, items: Work[]): Promise<void> {
  const tenanted = items.filter((w) => w.inbound.tenantKey !== '');
  if (!tenanted.length) return;
  const known = await knownTenants(sql, tenanted.map((w) => w.inbound));
  for (const w of tenanted) if (!known.has(`${w.inbound.platform}/${w.inbound.tenantKey}`)) w.inbound = { ...w.inbound, tenantKey: '' };
}

/** The events of one transaction, and their outcomes as they are settled. */
interface Batch {
  scope: TxScope;
  items: Work[];
  now: Date;
  outcomes: Outcome[];
}

/** A click that passed its checks, with its action's route. */
interface CheckedClick extends Click {
  route: ActionRoute;
}

/** A batch action failed after a change: roll the batch back and hand it these clicks one at a time. */
class RedoApart extends Error {
  constructor(readonly indexes: number[]) {
    super('redo batch action apart');
  }
}

/** A handler failed after changing state: roll the batch back and run it again without that event. */
class RedoWithout extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('redo batch');
  }
}

export class ChatCore {
  private sink: OutboxSink = async () => {};
  // Events arriving while one insert is in flight are stored together by the next one.
  private readonly inbox = new GroupCommit((events: Array<{ inbound: Inbound; json: string }>) =>
    insertInbound(this.db.sql, events.map(({ inbound, json }) => ({ platform: inbound.platform, eventId: inbound.eventId, json }))),
  );
  // Card actions under load are processed a batch per transaction, in lanes by the card they act
  // on: clicks on one card queue behind each other (they would wait for the same row locks anyway,
  // and two batches taking them in opposite orders would deadlock), other cards' clicks go ahead in
  // the other lanes. Two lanes measured better than four on two cores: bigger batches, so fewer
  // statements per click. Messages go alone: their handlers may wait on slow work (a model's
  // answer) that must not hold others up.
  private readonly lanes = Array.from({ length: 2 }, () => new GroupCommit((items: Work[]) => this.processBatch(items), { maxBatch: 64, concurrency: 1 }));
  /** How this bot presents service results (the router's, else plain ones): other surfaces render with the same. */
  readonly presenters: Presenters;

  constructor(
    private readonly db: Database,
    private readonly router: Router,
    private readonly tokens: TokenSigner,
    private readonly log: Logger,
    private readonly limits: ChatLimits = DEFAULT_LIMITS,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.presenters = router.presenters ?? new Presenters({ tokens, timezone: DEFAULT_TZ, publicUrl: '' });
  }

  onOutbox(sink: OutboxSink): void {
    this.sink = sink;
  }

  /**
   * Shared cards of one kind (RefreshIntent) as they should look now, on this bot's clock, one result
   * per id: delivery renders a window's refreshes with this.
   */
  renderCard(sql: Sql, card: string, ids: string[]): Promise<Array<Outbound | null>> {
    return this.presenters.cardsRenderer(card)(sql, ids, this.presenters.env(this.clock()));
  }

  /** Send messages outside an event's transaction (an adapter's answer to a numbered reply). */
  async post(items: Outbound[]): Promise<void> {
    const rows = await insertOutbox(this.db.sql, items);
    if (rows.length) await this.sink(rows);
  }

  /**
   * A clicked card as it should look now, after the platform's deadline passed (no ack can carry
   * it): an update of that card, found by the click's cardMessageId. Nothing when it has none.
   */
  async updateClickedCard(action: InboundAction, card: NonNullable<ActionAck['card']>): Promise<void> {
    if (!action.cardMessageId) return;
    const rows = await insertUpdateOfSentCard(this.db.sql, { platform: action.platform, messageId: action.cardMessageId }, { dedupeKey: `late:${action.platform}:${action.eventId}`, card });
    if (rows.length) await this.sink(rows);
  }

  /** Validate and store the event. Returns null for a duplicate. This is what must finish before the ack. */
  async accept(raw: unknown): Promise<{ inbound: Inbound; rowId: string } | { invalid: string } | null> {
    const parsed = inboundSchema.safeParse(raw);
    if (!parsed.success) return { invalid: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    // A lone surrogate or NUL would make the insert fail (a 500, redelivered for ever): it is
    // replaced, stored, and answered like other bad input (route()).
    const inbound = storable(parsed.data) as Inbound;
    const json = JSON.stringify(inbound);
    const rowId = await this.inbox.push({ inbound, json });
    return rowId ? { inbound, rowId } : null;
  }

  /** accept + process: the whole path for one event. */
  async handle(raw: unknown): Promise<HandleResult> {
    const accepted = await this.accept(raw);
    if (accepted === null) return { status: 'duplicate' };
    if ('invalid' in accepted) return { status: 'invalid', reason: accepted.invalid };
    return this.process(accepted.inbound, accepted.rowId);
  }

  async process(inbound: Inbound, rowId: string): Promise<HandleResult> {
    const work = { inbound, rowId };
    const ack = inbound.kind === 'action' ? await this.laneOf(inbound.token).push(work) : (await this.processBatch([work]))[0]!;
    return { status: 'processed', ack };
  }

  private laneOf(token: string): GroupCommit<Work, ActionAck> {
    const target = TokenSigner.peekTarget(token);
    let h = 0;
    for (let i = 0; i < target.length; i++) h = (h * 31 + target.charCodeAt(i)) | 0;
    return this.lanes[Math.abs(h) % this.lanes.length]!;
  }

  /**
   * One transaction for the batch: the handlers run one after another (runEvents), then the batch's
   * outbox rows, audit rows and event outcomes go in one statement; the rows go to delivery after the
   * commit. A handler that fails before changing anything just records its error answer. One that
   * fails after a change starts the batch again without it (attempt), and it gets its error answer.
   */
  private async processBatch(items: Work[]): Promise<ActionAck[]> {
    const now = this.clock();
    const failed = new Map<number, unknown>();
    // Clicks to hand to their batch action one at a time: handed over together, it failed after a change.
    const apart = new Set<number>();
    let retries = 0;
    for (;;) {
      try {
        const { acks, outbox } = await this.db.transaction(async (scope) => {
          await resolveCardChats(scope.sql, items);
          await resolveTenants(scope.sql, items);
          const members = await findBoundMembers(scope.sql, items.map(({ inbound }) => account(inbound)));
          const outcomes = await this.runEvents(scope, items, members, now, failed, apart);
          const outbox = await recordBatch(scope.sql, {
            outbox: [...newestCardUpdates(outcomes.flatMap((o) => o.ctx.outbox)), ...refreshRows(outcomes)],
            audits: outcomes.flatMap((o) => o.ctx.audits.map((a) => ({ ...a, actorId: o.ctx.member?.id ?? null }))),
            events: outcomes.map((o) => ({ id: o.rowId, status: o.status, error: o.error })),
            now,
          });
          return { acks: outcomes.map((o) => o.ctx.ack), outbox };
        });
        if (outbox.length) await this.sink(outbox).catch((e) => this.log.error({ err: e }, 'handing outbox rows to delivery failed; the sweep will retry'));
        return acks;
      } catch (e) {
        if (transient(e) && ++retries <= 3) continue;
        if (e instanceof RedoApart) {
          e.indexes.forEach((i) => apart.add(i));
          continue;
        }
        // Anything else failing a lone event (say, a reply the database refuses) still gets its
        // error answer recorded; a batch is split by the caller (GroupCommit) and retried alone.
        const lone = items.length === 1 && !failed.has(0);
        if (!(e instanceof RedoWithout) && !lone) throw e;
        const [index, cause] = e instanceof RedoWithout ? [e.index, e.cause] : [0, e];
        this.logFailure(items[index]!.inbound, cause);
        failed.set(index, cause);
      }
    }
  }

  /**
   * The batch's events in order. Each click is checked first (its token, its route, who clicked),
   * which changes nothing; then the handlers run, and clicks of a batch action that follow each
   * other go to it together.
   */
  private async runEvents(scope: TxScope, items: Work[], members: Map<string, MemberInfo>, now: Date, failed: Map<number, unknown>, apart: Set<number>): Promise<Outcome[]> {
    const batch: Batch = { scope, items, now, outcomes: new Array(items.length) };
    const { outcomes } = batch;
    const memberOf = (inbound: Inbound) => members.get(memberKey(account(inbound))) ?? null;
    const clicks = new Map<number, CheckedClick>();
    for (const [index, { inbound, rowId }] of items.entries()) {
      if (failed.has(index)) outcomes[index] = this.failure(scope, inbound, rowId, failed.get(index), now, false);
      else if (inbound.kind === 'action') {
        const click = await this.attempt(batch, index, () => this.checkClick(scope, inbound, memberOf(inbound), now));
        if (click) clicks.set(index, click);
      }
    }
    for (let index = 0; index < items.length; index++) {
      if (outcomes[index]) continue;
      const click = clicks.get(index);
      if (click?.route.batch) {
        const group = [index];
        if (!apart.has(index)) {
          for (let j = index + 1; j < items.length; j++) {
            if (outcomes[j]) continue;
            if (clicks.get(j)?.route !== click.route || apart.has(j)) break;
            group.push(j);
          }
        }
        await this.runBatchAction(batch, group.map((i) => ({ index: i, click: clicks.get(i)! })));
        index = group.at(-1)!;
        continue;
      }
      const { inbound, rowId } = items[index]!;
      const ctx = await this.attempt(batch, index, () => (click ? this.runClick(click) : this.route(scope, inbound as InboundMessage | InboundJoined, memberOf(inbound), now)));
      if (ctx) outcomes[index] = { ctx, rowId, status: 'DONE' };
    }
    return outcomes;
  }

  /**
   * One event's step: its result, or undefined with its error answer recorded when it failed. A
   * change made before failing cannot be undone alone (no savepoint: it would cost two round trips
   * per event), so the batch starts again without the event.
   */
  private async attempt<T>(batch: Batch, index: number, step: () => Promise<T>): Promise<T | undefined> {
    const mark = batch.scope.mark();
    try {
      return await step();
    } catch (e) {
      if (transient(e)) throw e; // the whole batch is tried again
      if (batch.scope.changedSince(mark)) throw new RedoWithout(index, e);
      const { inbound, rowId } = batch.items[index]!;
      batch.outcomes[index] = this.failure(batch.scope, inbound, rowId, e, batch.now);
      return undefined;
    }
  }

  /** Clicks of one batch action together: each gets its answer, or the error it failed with. */
  private async runBatchAction(batch: Batch, group: Array<{ index: number; click: CheckedClick }>): Promise<void> {
    const { scope, items, outcomes, now } = batch;
    let errors: Array<Error | void> | undefined;
    if (group.length === 1) errors = await this.attempt(batch, group[0]!.index, () => group[0]!.click.route.batch!([group[0]!.click]));
    else {
      const mark = scope.mark();
      try {
        errors = await group[0]!.click.route.batch!(group.map((g) => g.click));
      } catch (e) {
        if (transient(e)) throw e;
        // Handed over one at a time, the click that fails is found and the others go through.
        if (scope.changedSince(mark)) throw new RedoApart(group.map((g) => g.index));
        for (const g of group) await this.runBatchAction(batch, [g]);
        return;
      }
    }
    if (!errors) return;
    for (const [k, { index, click }] of group.entries()) {
      const { inbound, rowId } = items[index]!;
      const error = errors[k];
      if (error) outcomes[index] = this.failure(scope, inbound, rowId, error, now);
      else {
        const ctx = await this.attempt(batch, index, async () => (await this.present(click.ctx), click.ctx));
        if (ctx) outcomes[index] = { ctx, rowId, status: 'DONE' };
      }
    }
  }

  /** The handler's changes rolled back; only the answer and the event's outcome are recorded. */
  private failure(scope: TxScope, inbound: Inbound, rowId: string, e: unknown, now: Date, log = true): Outcome {
    const userError = e instanceof UserError || e instanceof DomainError;
    if (log) this.logFailure(inbound, e);
    const message = e instanceof DomainError ? this.presenters.error(e) : e instanceof UserError ? e.message : say('errors.internal');
    const ctx = new Context(inbound, null, scope, this.tokens, now, this.presenters);
    ctx.reply(message);
    if (inbound.kind === 'action') ctx.toast('error', message);
    return userError ? { ctx, rowId, status: 'DONE' } : { ctx, rowId, status: 'FAILED', error: String((e as Error).message).slice(0, 500) };
  }

  private logFailure(inbound: Inbound, e: unknown): void {
    if (!(e instanceof UserError) && !(e instanceof DomainError)) this.log.error({ err: e, platform: inbound.platform, eventId: inbound.eventId }, 'event processing failed');
  }

  /**
   * Re-process events stored but never finished (a crash between ack and commit), received in the
   * last week: older clicks and questions are stale, and the bound keeps the scan on the
   * receivedAt index.
   */
  async recover(olderThanMs = 30_000): Promise<number> {
    const now = Date.now(); // receivedAt is the database's wall clock, not the chat clock
    const stale = await this.db.prisma.inboundEvent.findMany({
      where: { status: 'RECEIVED', receivedAt: { lt: new Date(now - olderThanMs), gt: new Date(now - 7 * 86_400_000) } },
      orderBy: { receivedAt: 'asc' },
      take: 500,
    });
    for (const row of stale) await this.process(row.payload as unknown as Inbound, row.id);
    return stale.length;
  }

  /** The messages the handler's service calls asked for, as outbox rows (shared cards: refreshRows). */
  private async present(ctx: Context): Promise<void> {
    const intents = ctx.unit.intents;
    if (!intents.some((i) => i.type === 'notify')) return;
    const { outbox } = await this.presenters.outbound(ctx.tx, intents, ctx.now, ctx.origin);
    outbox.forEach((o) => ctx.send(o));
  }

  private async route(scope: TxScope, inbound: InboundMessage | InboundJoined, member: MemberInfo | null, now: Date): Promise<Context> {
    const { tx } = scope;
    let ctx: Context;

    if (inbound.kind === 'joined') {
      ctx = new Context(inbound, member, scope, this.tokens, now, this.presenters);
      for (const hook of this.router.joinHooks()) await hook(ctx);
    } else {
      if (unreadable(inbound.text)) throw new UserError(say('errors.bad_characters'));
      // Every message gets an answer: a sticker or a location says what the bot reads; a picture or
      // a file without words is acknowledged (it stays on the stored event for records).
      if (inbound.unsupported && !inbound.text.trim()) throw new UserError(say('platforms.unsupported'));
      if (inbound.attachments?.length && !inbound.text.trim()) {
        ctx = new Context(inbound, member, scope, this.tokens, now, this.presenters);
        ctx.reply(say('platforms.attachment_received', { what: attachmentWords(inbound.attachments) }));
        return ctx;
      }
      const text = inbound.text.replace(/^\s*@\S+\s*/, '').trim();
      const length = [...text].length;
      if (length > this.limits.maxTextLength) throw new UserError(say('errors.too_long', { length, max: this.limits.maxTextLength }));
      if (!text) throw new UserError(say('errors.empty'));
      const found = this.router.matchCommand(text);
      ctx = new Context(inbound, member, scope, this.tokens, now, this.presenters);
      const guard = found?.route.guard ?? 'member';
      if (!member && guard !== 'anyone') throw new UserError(say('binding.unbound'));
      if (guard !== 'anyone' && guard !== 'member' && !(await can(tx, ctx.unit.principal, guard, (await ctx.subject()).id))) {
        throw new DomainError(REFUSALS[guard], { what: { key: `commands.${found!.route.name}.what` } });
      }
      if (found) await found.route.handler(ctx, found.match);
      for (const hook of this.router.messageHooks()) await hook(ctx, found?.route.name ?? '');
    }
    await this.present(ctx);

    return ctx;
  }

  /** A click's checks, which change nothing: readable form, a valid token, a known action, the right member. */
  private async checkClick(scope: TxScope, inbound: InboundAction, member: MemberInfo | null, now: Date): Promise<CheckedClick> {
    if (Object.values(inbound.form ?? {}).some(unreadable)) throw new UserError(say('errors.bad_characters'));
    const check = this.tokens.verify(inbound.token, now);
    if (!check.ok) throw new UserError(say(check.reason === 'expired' ? 'errors.token_expired' : 'errors.token_forged'));
    const route = this.router.matchAction(check.claims.action);
    if (!route) throw new UserError(say('errors.unknown_action'));
    if (!member && route.opts.guard !== 'anyone') throw new UserError(say('binding.unbound'));
    if (check.claims.member && member?.id !== check.claims.member) {
      const owner = await scope.tx.member.findUnique({ where: { id: check.claims.member }, select: { name: true } });
      throw new UserError(say('errors.token_wrong_member', { name: owner?.name ?? '指定的党员' }));
    }
    return { ctx: new Context(inbound, member, scope, this.tokens, now, this.presenters, check.claims), claims: check.claims, route };
  }

  /** A click of an action handled one at a time. */
  private async runClick(click: CheckedClick): Promise<Context> {
    await click.route.handler!(click.ctx, click.claims);
    await this.present(click.ctx);
    return click.ctx;
  }
}

/** 图片 / 文件 / 语音 / 视频, each kind once, in the order sent. */
function attachmentWords(list: NonNullable<InboundMessage['attachments']>): string {
  const words = { image: 'platforms.attachment.image', file: 'platforms.attachment.file', audio: 'platforms.attachment.audio', video: 'platforms.attachment.video' } as const;
  return [...new Set(list.map((a) => say(words[a.kind])))].join('、');
}
