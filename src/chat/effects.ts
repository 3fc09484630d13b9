// How a surface other than the chat core (web pages, the CLI, jobs) runs a service: one transaction,
// the principal and the time; what the service asked for is applied in the same commit: its messages
// become outbox rows, the shared cards it changed become card_refresh rows (rendered at delivery, as
// the chat core does per batch), its audit rows are written. A DomainError rolls everything back.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Database } from '../db/client.js';
import { asSql, type TxScope } from '../db/sql.js';
import type { Principal } from '../access/principal.js';
import { Unit } from '../services/kernel.js';
import { cardRefreshes, insertOutbox } from '../outbox/store.js';
import type { Presenters } from './presenters/registry.js';
import type { Destination, Platform, QueuedOutbox } from './types.js';

export interface Reach {
  /** Reach members on this platform and tenant first (the surface's own, e.g. the web user's chat). */
  prefer?: { platform: Platform; tenantKey: string };
}

/** Applies `unit`'s intents and audits in its transaction; returns the new outbox rows, for delivery after the commit. */
export async function applyEffects(scope: TxScope, unit: Unit, presenters: Presenters, reach: Reach = {}): Promise<QueuedOutbox[]> {
  const { outbox } = await presenters.outbound(scope.tx, unit.intents, unit.now, reach.prefer);
  // unit.refresh asks once per card, so these are distinct.
  const asks = unit.intents.flatMap((i) => (i.type === 'refresh' ? [{ card: i.card, id: i.id }] : []));
  // A refresh row's origin only records where the request came from; the rendered update names its own chat.
  const origin: Destination = { platform: reach.prefer?.platform ?? 'CONSOLE', tenantKey: reach.prefer?.tenantKey ?? '', target: 'system', targetKind: 'DIRECT' };
  if (unit.audits.length) {
    await scope.tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, detail: a.detail ?? {}, actorId: unit.actorId })) });
  }
  return insertOutbox(scope.sql, [...outbox, ...cardRefreshes(asks, origin, unit.now)]);
}

/**
 * Runs `fn` as `principal` at `now` in one transaction with its effects applied. Returns its result
 * and the outbox rows written (hand them to delivery, or leave them to the delivery sweep).
 */
export async function runUnit<T>(
  db: Database | PrismaClient,
  principal: Principal,
  now: Date,
  presenters: Presenters,
  fn: (unit: Unit) => Promise<T>,
  reach: Reach = {},
): Promise<{ result: T; rows: QueuedOutbox[] }> {
  const body = async (scope: TxScope) => {
    const unit = new Unit(scope, principal, now);
    const result = await fn(unit);
    return { result, rows: await applyEffects(scope, unit, presenters, reach) };
  };
  if ('transaction' in db) return db.transaction(body);
  return db.$transaction((tx) => body({ tx, sql: asSql(tx), mark: () => 0, changedSince: () => true }), { timeout: 60_000, maxWait: 10_000 });
}
