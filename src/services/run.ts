// Run a service that sends nothing (imports, listings, grants from the operator's CLI; the 驾驶舱's
// pages and sign-in): one transaction, the principal and the time, its audit rows written in it. A
// service that asks to send messages or refresh cards runs through src/chat/effects.ts runUnit
// instead, which presents them; here such a request is a programming error and rolls back, so
// nothing is ever silently left unsent. A DomainError rolls everything back.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Database } from '../db/client.js';
import type { Principal } from '../access/principal.js';
import { asSql, type TxScope } from '../db/sql.js';
import { Unit } from './kernel.js';

/** `db`: the service's Database (its transaction serves plain SQL and Prisma alike), or a Prisma client (the CLI). */
export async function runService<T>(db: Database | PrismaClient, principal: Principal, now: Date, fn: (unit: Unit) => Promise<T>): Promise<{ result: T }> {
  const body = async (scope: TxScope) => {
    const unit = new Unit(scope, principal, now);
    const result = await fn(unit);
    const sends = unit.intents.length;
    if (sends) throw new Error(`runService: the service asked to send ${sends} message(s) or card refresh(es); run it with runUnit (src/chat/effects.ts)`);
    if (unit.audits.length) await scope.tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, actorId: unit.actorId })) });
    return { result };
  };
  if ('transaction' in db) return db.transaction(body);
  return db.$transaction((tx) => body({ tx, sql: asSql(tx), mark: () => 0, changedSince: () => true }), { timeout: 60_000, maxWait: 10_000 });
}
