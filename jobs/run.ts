// How scheduled work runs a service: as the system, through the runner every non-chat surface uses
// (src/chat/effects.ts): one transaction, its messages, card refreshes and audit rows in the same commit.
import { randomBytes } from 'node:crypto';
import type { Database } from '../src/db/client.js';
import { SYSTEM } from '../src/access/index.js';
import { Unit } from '../src/services/kernel.js';
import { TokenSigner } from '../src/chat/token.js';
import { buildPresenters, type Presenters } from '../src/chat/presenters/index.js';
import { runUnit } from '../src/chat/effects.js';

/**
 * The bot's presenters, or plain ones for jobs run without a bot (tests, benchmarks, the CLI): their
 * buttons carry tokens of a throwaway key when no signer is given.
 */
export function jobPresenters(o: { presenters?: Presenters; tokens?: TokenSigner; timezone: string; publicUrl: string }): Presenters {
  return o.presenters ?? buildPresenters({ tokens: o.tokens ?? new TokenSigner(randomBytes(32).toString('hex')), timezone: o.timezone, publicUrl: o.publicUrl });
}

/** Run `fn` as the system at `now` (src/chat/effects.ts runUnit); returns its result and the ids of the outbox rows written (for delivery). */
export async function runAsSystem<T>(db: Database, presenters: Presenters, now: Date, fn: (unit: Unit) => Promise<T>): Promise<{ result: T; ids: string[] }> {
  const { result, rows } = await runUnit(db, SYSTEM, now, presenters, fn);
  return { result, ids: rows.map((r) => r.id) };
}
