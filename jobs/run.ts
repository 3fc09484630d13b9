// How scheduled work runs a service: as the system, in one transaction, with the intents it returns
// rendered by the presenters (src/chat/presenters) and written to the outbox, and its audit rows,
// in the same commit. A DomainError rolls everything back.
import { randomBytes } from 'node:crypto';
import type { Database } from '../src/db/client.js';
import { SYSTEM } from '../src/access/index.js';
import { Unit } from '../src/services/kernel.js';
import { TokenSigner } from '../src/chat/token.js';
import { buildPresenters, type Presenters } from '../src/chat/presenters/index.js';
import { insertOutboxIds } from '../src/outbox/store.js';

/**
 * The bot's presenters, or plain ones for jobs run without a bot (tests, benchmarks, the CLI): their
 * buttons carry tokens of a throwaway key when no signer is given.
 */
export function jobPresenters(o: { presenters?: Presenters; tokens?: TokenSigner; timezone: string; publicUrl: string }): Presenters {
  return o.presenters ?? buildPresenters({ tokens: o.tokens ?? new TokenSigner(randomBytes(32).toString('hex')), timezone: o.timezone, publicUrl: o.publicUrl });
}

/** Run `fn` as the system at `now`; returns its result and the ids of the outbox rows written (for delivery). */
export async function runAsSystem<T>(db: Database, presenters: Presenters, now: Date, fn: (unit: Unit) => Promise<T>): Promise<{ result: T; ids: string[] }> {
  return db.transaction(async (scope) => {
    const unit = new Unit(scope, SYSTEM, now);
    const result = await fn(unit);
    const { outbox } = await presenters.outbound(scope.tx, unit.intents, now);
    const ids = await insertOutboxIds(scope.sql, outbox);
    if (unit.audits.length) await scope.tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, actorId: null })) });
    return { result, ids };
  });
}
