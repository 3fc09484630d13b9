// The chat pipeline every receiver calls: validate → store the event (the dedupe point, before the
// ack) → resolve the member → route → one transaction with the state change, outbox rows, audit
// rows and the event marked done → hand the outbox rows to delivery.
import { z } from 'zod';
import type { Database, Tx } from '../db/client.js';
import type { Logger } from '../log.js';
import { findBoundMember, finishInbound, insertAudits, insertInbound, insertOutbox } from './store.js';
import { Context, UserError } from './context.js';
import type { Router } from './router.js';
import type { TokenSigner } from './token.js';
import type { ActionAck, Inbound } from './types.js';
import { say } from './wording.js';

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
  z.object({ ...base, kind: z.literal('message'), text: z.string() }),
  z.object({ ...base, kind: z.literal('action'), token: z.string().max(2048), form: z.record(z.string(), z.string().max(20_000)).optional() }),
]);

export type HandleResult =
  | { status: 'processed'; ack: ActionAck; outboxIds: string[] }
  | { status: 'duplicate' }
  | { status: 'invalid'; reason: string };

/** Where committed outbox rows go next (the deliver queue). */
export type OutboxSink = (ids: string[]) => Promise<void>;

export class ChatCore {
  private sink: OutboxSink = async () => {};

  constructor(
    private readonly db: Database,
    private readonly router: Router,
    private readonly tokens: TokenSigner,
    private readonly log: Logger,
    private readonly limits: ChatLimits = DEFAULT_LIMITS,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  onOutbox(sink: OutboxSink): void {
    this.sink = sink;
  }

  /** Validate and store the event. Returns null for a duplicate. This is what must finish before the ack. */
  async accept(raw: unknown): Promise<{ inbound: Inbound; rowId: string } | { invalid: string } | null> {
    const parsed = inboundSchema.safeParse(raw);
    if (!parsed.success) return { invalid: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
    const inbound = parsed.data as Inbound;
    const rowId = await insertInbound(this.db.prisma, inbound.platform, inbound.eventId, inbound);
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
    const now = this.clock();
    let result: { ack: ActionAck; outboxIds: string[] };
    try {
      result = await this.db.prisma.$transaction((tx) => this.route(tx, inbound, rowId, now), { timeout: 15_000, maxWait: 10_000 });
    } catch (e) {
      const userError = e instanceof UserError;
      if (!userError) this.log.error({ err: e, platform: inbound.platform, eventId: inbound.eventId }, 'event processing failed');
      const message = userError ? e.message : say('errors.internal');
      // The handler's changes rolled back; only the answer and the event's outcome are recorded.
      result = await this.db.prisma.$transaction(async (tx) => {
        const ctx = new Context(inbound, null, tx, this.tokens, now);
        ctx.reply(message);
        if (inbound.kind === 'action') ctx.toast('error', message);
        const outboxIds = await insertOutbox(tx, ctx.outbox);
        await finishInbound(tx, rowId, userError ? 'DONE' : 'FAILED', now, userError ? undefined : String((e as Error).message).slice(0, 500));
        return { ack: ctx.ack, outboxIds };
      });
    }
    if (result.outboxIds.length) {
      await this.sink(result.outboxIds).catch((e) => this.log.error({ err: e }, 'handing outbox rows to delivery failed; the sweep will retry'));
    }
    return { status: 'processed', ...result };
  }

  /** Re-process events stored but never finished (a crash between ack and commit). */
  async recover(olderThanMs = 30_000): Promise<number> {
    const stale = await this.db.prisma.inboundEvent.findMany({
      where: { status: 'RECEIVED', receivedAt: { lt: new Date(this.clock().getTime() - olderThanMs) } },
      orderBy: { receivedAt: 'asc' },
      take: 500,
    });
    for (const row of stale) await this.process(row.payload as unknown as Inbound, row.id);
    return stale.length;
  }

  private async route(tx: Tx, inbound: Inbound, rowId: string, now: Date): Promise<{ ack: ActionAck; outboxIds: string[] }> {
    const member = await findBoundMember(tx, inbound.platform, inbound.tenantKey, inbound.user.id);
    let ctx: Context;

    if (inbound.kind === 'message') {
      const text = inbound.text.replace(/^\s*@\S+\s*/, '').trim();
      const length = [...text].length;
      if (length > this.limits.maxTextLength) throw new UserError(say('errors.too_long', { length, max: this.limits.maxTextLength }));
      if (!text) throw new UserError(say('errors.empty'));
      const route = this.router.matchCommand(text);
      ctx = new Context(inbound, member, tx, this.tokens, now);
      if (!member && !route?.opts.allowUnbound) throw new UserError(say('binding.unbound'));
      if (route) await route.handler(ctx, route.match);
    } else {
      const check = this.tokens.verify(inbound.token, now);
      if (!check.ok) throw new UserError(say(check.reason === 'expired' ? 'errors.token_expired' : 'errors.token_forged'));
      const route = this.router.matchAction(check.claims.action);
      if (!route) throw new UserError(say('errors.unknown_action'));
      if (!member && !route.opts.allowUnbound) throw new UserError(say('binding.unbound'));
      if (check.claims.member && member?.id !== check.claims.member) {
        const owner = await tx.member.findUnique({ where: { id: check.claims.member }, select: { name: true } });
        throw new UserError(say('errors.token_wrong_member', { name: owner?.name ?? '指定的党员' }));
      }
      ctx = new Context(inbound, member, tx, this.tokens, now, check.claims);
      await route.handler(ctx, check.claims);
    }

    const outboxIds = await insertOutbox(tx, ctx.outbox);
    await insertAudits(tx, member?.id ?? null, ctx.audits);
    await finishInbound(tx, rowId, 'DONE', now);
    return { ack: ctx.ack, outboxIds };
  }
}

/** Insert outbox rows inside a caller's transaction (jobs and domain code use this too). */
export { insertOutbox as writeOutbox } from './store.js';
