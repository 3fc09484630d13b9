// What every application service shares. A service runs in a Unit: one transaction, the acting
// principal and the time. It changes rows through the Unit's transaction, tells what must follow as
// intents (messages to people and chats, shared cards to refresh, audit entries) and refuses with a
// coded error. It knows no chat, web page, platform, job or wording: surfaces run it and present the
// result, and the presenters turn intents and error codes into cards and text (src/chat/presenters).
import type { Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../db/client.js';
import type { Sql, TxScope } from '../db/sql.js';
import type { Principal } from '../access/principal.js';

/** A value a coded error or an intent carries; `{ key }` names another wording key to fill in. */
export type Var = string | number | Date | { key: string };
export type Vars = Record<string, Var>;

/**
 * A refusal or a user mistake, by code. The code is the wording key of its message in prompts/
 * (e.g. `meeting.duplicate_notice`); vars fill it in. The transaction rolls back: nothing changes.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly vars: Vars = {},
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

/** Refuse: throws DomainError(code, vars). */
export function fail(code: string, vars: Vars = {}): never {
  throw new DomainError(code, vars);
}

/** One input's outcome where a service takes several at once: its result, or the coded error it failed with (changing nothing). */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Runs one input's part of such a service: a coded error becomes its outcome. */
export function settle<T>(part: () => T): Settled<T> {
  try {
    return { ok: true, value: part() };
  } catch (e) {
    if (e instanceof DomainError) return { ok: false, error: e };
    throw e;
  }
}

/** The result, or throws the coded error (a surface calling such a service for one input). */
export function unwrap<T>(outcome: Settled<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** Who should hear of it: a member (privately, on the platform they use; else `orElseChat`), or a chat (a Chat row id). */
export type Recipient = { member: string; orElseChat?: string | null } | { chat: string };

export type Category = 'reply' | 'notice' | 'reminder' | 'prompt' | 'approval';

/** Tell someone something. `view` names what to show: a presenter's name, or a wording key for plain text with `data` as its vars. */
export interface NotifyIntent {
  type: 'notify';
  to: Recipient;
  view: string;
  data: Record<string, unknown>;
  /** Stable: the same key is sent at most once (a replay of the same event sends nothing new). */
  key: string;
  category?: Category;
  notBefore?: Date;
  broadcastId?: string;
}

/** A shared card (say, a meeting's group card) shows changed state: render it again, once per batch. */
export interface RefreshIntent {
  type: 'refresh';
  card: string;
  id: string;
}

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  detail?: Prisma.InputJsonValue;
}

export type Intent = NotifyIntent | RefreshIntent;

/** One service call's transaction, principal, time and what it asks to follow. */
export class Unit {
  readonly intents: Intent[] = [];
  readonly audits: AuditEntry[] = [];
  readonly tx: Tx;
  readonly sql: Sql;

  constructor(
    scope: TxScope,
    readonly principal: Principal,
    readonly now: Date,
  ) {
    this.tx = scope.tx;
    this.sql = scope.sql;
  }

  notify(to: Recipient, view: string, data: Record<string, unknown>, key: string, more: Pick<NotifyIntent, 'category' | 'notBefore' | 'broadcastId'> = {}): void {
    this.intents.push({ type: 'notify', to, view, data, key, ...more });
  }

  refresh(card: string, id: string): void {
    if (!this.intents.some((i) => i.type === 'refresh' && i.card === card && i.id === id)) this.intents.push({ type: 'refresh', card, id });
  }

  audit(entry: AuditEntry): void {
    this.audits.push(entry);
  }

  /** The acting member's id, or null for the system (jobs). */
  get actorId(): string | null {
    return this.principal.kind === 'member' ? this.principal.member.id : null;
  }
}
