// What a handler gets: the event, the member, the open transaction, and ways to answer.
// Everything a handler sends or records is written in the same transaction as its state change.
import type { Tx } from '../db/client.js';
import type { Sql, TxScope } from '../db/sql.js';
import type { MemberInfo } from '../domain/org.js';
import type { ActionAck, Destination, Inbound, Outbound, OutboundBody } from './types.js';
import type { TokenClaims, TokenSigner } from './token.js';
import { type Card, type CardForm, validateForm } from './card.js';
import { say } from './wording.js';
import { Unit, type AuditEntry } from '../services/kernel.js';
import { memberPrincipal, type Principal } from '../access/principal.js';
import { chatSubject } from '../access/index.js';
import type { Presenters } from './presenters/registry.js';

export type { AuditEntry } from '../services/kernel.js';

/** A refusal or a user mistake: the transaction rolls back, the user gets `message`, nothing changes. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export class Context {
  readonly outbox: Outbound[] = [];
  readonly ack: ActionAck = {};
  private replies = 0;
  /** Prisma, inside the event's transaction. */
  readonly tx: Tx;
  /** Plain SQL, inside the same transaction (for handlers on the hot path, see src/db/sql.ts). */
  readonly sql: Sql;
  /** What services run in: this transaction, the member as principal, the event's time; collects their intents. */
  readonly unit: Unit;

  constructor(
    readonly inbound: Inbound,
    /** Null only inside routes guarded 'anyone'. */
    readonly member: MemberInfo | null,
    scope: TxScope,
    readonly tokens: TokenSigner,
    readonly now: Date,
    readonly presenters: Presenters,
    readonly claims?: TokenClaims,
  ) {
    this.tx = scope.tx;
    this.sql = scope.sql;
    const principal: Principal = member ? memberPrincipal(member, 'chat') : { kind: 'guest' };
    this.unit = new Unit(scope, principal, now);
  }

  get audits(): AuditEntry[] {
    return this.unit.audits;
  }

  /** The platform and tenant of this event: members are reached there first. */
  get origin(): { platform: Inbound['platform']; tenantKey: string } {
    return { platform: this.inbound.platform, tenantKey: this.inbound.tenantKey };
  }

  /** The member, for routes that require one (all but routes guarded 'anyone'). */
  get me(): MemberInfo {
    if (!this.member) throw new Error('route needs a bound member');
    return this.member;
  }

  get here(): Destination {
    const i = this.inbound;
    return { platform: i.platform, tenantKey: i.tenantKey, target: i.chat.id, targetKind: i.chat.kind };
  }

  /** Answer in the chat the event came from. Keys derive from the event id, so a replay sends nothing new. */
  reply(body: OutboundBody | string, category: Outbound['category'] = 'reply'): void {
    const b: OutboundBody = typeof body === 'string' ? { kind: 'text', text: body } : body;
    this.outbox.push({ to: this.here, body: b, dedupeKey: `reply:${this.inbound.platform}:${this.inbound.eventId}:${this.replies++}`, category });
  }

  /** Send anywhere, with a caller-chosen stable key. */
  send(out: Outbound): void {
    this.outbox.push(out);
  }

  /** Direct message to a member on this event's platform, if they have an identity there. */
  async dm(memberId: string, body: OutboundBody | string, dedupeKey: string, category: Outbound['category'] = 'reply'): Promise<boolean> {
    const identity = await this.tx.platformIdentity.findFirst({
      where: { memberId, platform: this.inbound.platform, tenantKey: this.inbound.tenantKey },
      select: { platformUserId: true },
    });
    if (!identity) return false;
    const b: OutboundBody = typeof body === 'string' ? { kind: 'text', text: body } : body;
    this.send({
      to: { platform: this.inbound.platform, tenantKey: this.inbound.tenantKey, target: identity.platformUserId, targetKind: 'DIRECT' },
      body: b,
      dedupeKey,
      category,
      memberId,
    });
    return true;
  }

  /** The submitted form values, checked against the form's rules; refuses (changes nothing) when invalid. */
  readForm(form: CardForm): Record<string, string> {
    const values = this.inbound.kind === 'action' ? (this.inbound.form ?? {}) : {};
    const problem = validateForm(form, values);
    if (problem) throw new UserError(say('errors.form_invalid', { problem }));
    return Object.fromEntries(form.fields.map((f) => [f.name, (values[f.name] ?? '').trim()]));
  }

  /** The org node this chat is about (src/access chatSubject: the bound node, a 党小组's branch, else the member's branch). */
  async subject(): Promise<{ id: string; kind: string }> {
    const i = this.inbound;
    return (await chatSubject(this.tx, { platform: i.platform, tenantKey: i.tenantKey, id: i.chat.id, kind: i.chat.kind }, this.member)) ?? { id: this.me.branchId, kind: 'BRANCH' };
  }

  /** The branch this chat is about: its subject when that is a branch, else the member's own. */
  async chatBranchId(): Promise<string> {
    const node = await this.subject();
    return node.kind === 'BRANCH' ? node.id : this.me.branchId;
  }

  toast(type: NonNullable<ActionAck['toast']>['type'], text: string): void {
    this.ack.toast = { type, text };
  }

  /** The clicked card as it should look now (platforms that update in the ack use it). */
  showCard(card: Card): void {
    this.ack.card = card;
  }

  audit(entry: AuditEntry): void {
    this.unit.audit(entry);
  }
}
