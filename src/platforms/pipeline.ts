// What every receiver does with a platform event, in one place: store it (the dedupe point) before
// the ack, then process. Messages are processed after the ack; card actions race processing
// against the platform's deadline so the ack can carry the toast and the updated card. Work that
// finishes late updates the card afterwards (platform hook, or a card_update through the outbox).
import type { ActionAck, InboundAction, InboundJoined, InboundMessage, Platform } from '../chat/types.js';
import { say } from '../chat/wording.js';
import type { AdapterDeps } from './adapter.js';

export type Accepted = 'accepted' | 'duplicate' | 'invalid';

export interface ActionOutcome {
  status: Accepted;
  /** What to answer the platform with now. */
  ack: ActionAck;
  /** True when processing did not finish inside the deadline. */
  late: boolean;
}

export interface ActionOptions {
  /** Time left for the ack, from the moment the event arrived (platform deadline minus a margin). */
  deadlineMs: number;
  /** Platform-specific late update (e.g. Lark's delayed update with the callback token). */
  late?(ack: ActionAck): Promise<void>;
}

export class InboundPipeline {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: AdapterDeps,
    readonly platform: Platform,
  ) {}

  /** Store a message (or a join), then process it in the background. Resolves when it is safe to ack. */
  async message(inbound: InboundMessage | InboundJoined): Promise<Accepted> {
    const accepted = await this.deps.core.accept(inbound);
    if (accepted === null) return 'duplicate';
    if ('invalid' in accepted) {
      this.deps.log.warn({ platform: this.platform, eventId: inbound.eventId, problem: accepted.invalid }, 'invalid inbound message dropped');
      return 'invalid';
    }
    this.track(this.deps.core.process(accepted.inbound, accepted.rowId));
    return 'accepted';
  }

  /** Store a card action and process it, answering with what is known when the deadline comes. */
  async action(inbound: InboundAction, opts: ActionOptions): Promise<ActionOutcome> {
    const started = Date.now();
    const accepted = await this.deps.core.accept(inbound);
    if (accepted === null) return { status: 'duplicate', ack: {}, late: false };
    if ('invalid' in accepted) {
      this.deps.log.warn({ platform: this.platform, eventId: inbound.eventId, problem: accepted.invalid }, 'invalid inbound action dropped');
      return { status: 'invalid', ack: { toast: { type: 'error', text: say('errors.token_forged') } }, late: false };
    }
    const work = this.deps.core.process(accepted.inbound, accepted.rowId);
    this.track(work);
    const left = Math.max(0, opts.deadlineMs - (Date.now() - started));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
    const first = await Promise.race([work, timeout]);
    clearTimeout(timer);
    if (first !== 'timeout') return { status: 'accepted', ack: first.status === 'processed' ? first.ack : {}, late: false };

    this.track(
      work.then(async (r) => {
        if (r.status !== 'processed' || !r.ack.card) return;
        if (opts.late) await opts.late(r.ack);
        else await this.deps.core.updateClickedCard(inbound, r.ack.card);
      }).catch((e) => this.deps.log.warn({ err: e, platform: this.platform, eventId: inbound.eventId }, 'late card update failed')),
    );
    return { status: 'accepted', ack: { toast: { type: 'info', text: say('platforms.processing') } }, late: true };
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((e) => this.deps.log.error({ err: e, platform: this.platform }, 'inbound processing failed')).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Wait for work already started (graceful stop). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
