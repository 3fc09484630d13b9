// Presenters: what services ask for (intents, coded errors) as cards and text. Every surface that
// shows service results uses them: the chat core after a handler, jobs after a scheduled service
// call, web pages for errors. Wording comes from prompts/ through say().
import type { Sql } from '../../db/sql.js';
import type { Tx } from '../../db/client.js';
import { DomainError, type Intent, type NotifyIntent, type Vars } from '../../services/kernel.js';
import { formatDateTime } from '../../domain/life/time.js';
import { memberDestinations, chatDestination } from '../../outbox/reach.js';
import type { TokenSigner } from '../token.js';
import type { Destination, Outbound, OutboundBody, Platform } from '../types.js';
import { say } from '../wording.js';

export interface PresentEnv {
  tokens: TokenSigner;
  now: Date;
  timezone: string;
  publicUrl: string;
}

/** Renders a notify intent's data as a message body. */
export type ViewRenderer = (data: Record<string, unknown>, env: PresentEnv) => OutboundBody;
/** Renders a shared card as it should look now (inside the transaction); null when there is nothing to send. */
export type CardRenderer = (sql: Sql, id: string, env: PresentEnv) => Promise<Outbound | null>;
/** Renders several shared cards of one kind at once (a delivery window's); one result per id, in order. */
export type CardsRenderer = (sql: Sql, ids: string[], env: PresentEnv) => Promise<Array<Outbound | null>>;

/** Fill a coded error's or intent's vars: times in the configured zone, `{ key }` as that wording. */
export function formatVars(vars: Vars | Record<string, unknown>, timezone: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (v instanceof Date) out[k] = formatDateTime(v, timezone);
    else if (typeof v === 'number' || typeof v === 'string') out[k] = v;
    else if (v && typeof v === 'object' && 'key' in v && typeof v.key === 'string') out[k] = say(v.key);
    else if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

/** A coded error's message (the code is its wording key). */
export function errorText(e: DomainError, timezone: string): string {
  return say(e.code, formatVars(e.vars, timezone));
}

export class Presenters {
  private readonly views = new Map<string, ViewRenderer>();
  private readonly cardKinds = new Map<string, CardsRenderer>();

  constructor(readonly options: { tokens: TokenSigner; timezone: string; publicUrl: string }) {}

  env(now: Date): PresentEnv {
    return { ...this.options, now };
  }

  view(name: string, render: ViewRenderer): this {
    if (this.views.has(name)) throw new Error(`view ${name} registered twice`);
    this.views.set(name, render);
    return this;
  }

  card(kind: string, render: CardRenderer): this {
    return this.cards(kind, async (sql, ids, env) => {
      const out: Array<Outbound | null> = [];
      for (const id of ids) out.push(await render(sql, id, env));
      return out;
    });
  }

  /** A shared card kind rendered a window's cards at a time (one statement for all of them, not one per card). */
  cards(kind: string, render: CardsRenderer): this {
    if (this.cardKinds.has(kind)) throw new Error(`card ${kind} registered twice`);
    this.cardKinds.set(kind, render);
    return this;
  }

  error(e: DomainError): string {
    return errorText(e, this.options.timezone);
  }

  /** A notify intent's body: its view's rendering, else the wording key `view` filled with `data`. */
  body(intent: Pick<NotifyIntent, 'view' | 'data'>, now: Date): OutboundBody {
    const render = this.views.get(intent.view);
    if (render) return render(intent.data, this.env(now));
    return { kind: 'text', text: say(intent.view, formatVars(intent.data, this.options.timezone)) };
  }

  /** The renderer of a shared card kind (RefreshIntent.card), several cards at once. */
  cardsRenderer(kind: string): CardsRenderer {
    const render = this.cardKinds.get(kind);
    if (!render) throw new Error(`no card renderer for ${kind}`);
    return render;
  }

  /**
   * Notify intents as outbox rows: members are reached privately (on `prefer`'s platform when they
   * have an identity there, see outbox/reach.ts), else in `orElseChat`; one nobody can reach is dropped
   * and returned in `unreached`.
   */
  async outbound(tx: Tx, intents: Intent[], now: Date, prefer?: { platform: Platform; tenantKey: string }): Promise<{ outbox: Outbound[]; unreached: NotifyIntent[] }> {
    const notes = intents.filter((i): i is NotifyIntent => i.type === 'notify');
    const members = [...new Set(notes.flatMap((n) => ('member' in n.to ? [n.to.member] : [])))];
    const dms = await memberDestinations(tx, members, prefer);
    const outbox: Outbound[] = [];
    const unreached: NotifyIntent[] = [];
    for (const n of notes) {
      let to: Destination | null = null;
      if ('member' in n.to) to = dms.get(n.to.member) ?? (await chatDestination(tx, n.to.orElseChat ?? null));
      else to = await chatDestination(tx, n.to.chat);
      if (!to) {
        unreached.push(n);
        continue;
      }
      outbox.push({ to, body: this.body(n, now), dedupeKey: n.key, category: n.category, memberId: 'member' in n.to ? n.to.member : undefined, notBefore: n.notBefore, broadcastId: n.broadcastId });
    }
    return { outbox, unreached };
  }
}
