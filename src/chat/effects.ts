// What a service call asked for, applied by a surface other than the chat core (web pages, the CLI,
// jobs): its messages become outbox rows, the shared cards it changed are rendered, its audit rows are
// written, all in the caller's transaction. The chat core does the same per batch (core.ts).
import type { TxScope } from '../db/sql.js';
import type { Unit } from '../services/kernel.js';
import type { Presenters } from './presenters/registry.js';
import { insertOutboxRows } from './store.js';
import type { Outbound, Platform, QueuedOutbox } from './types.js';

/** Returns the new outbox rows, for the caller to hand to delivery after the commit. */
export async function applyEffects(scope: TxScope, unit: Unit, presenters: Presenters, prefer?: { platform: Platform; tenantKey: string }): Promise<QueuedOutbox[]> {
  const { outbox } = await presenters.outbound(scope.tx, unit.intents, unit.now, prefer);
  const cards: Outbound[] = [];
  for (const i of unit.intents) {
    if (i.type !== 'refresh') continue;
    const update = await presenters.cardRenderer(i.card)(scope.sql, i.id, presenters.env(unit.now));
    if (update) cards.push(update);
  }
  if (unit.audits.length) {
    await scope.tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, detail: a.detail ?? {}, actorId: unit.actorId })) });
  }
  return insertOutboxRows(scope.sql, [...outbox, ...cards]);
}
