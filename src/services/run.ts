// Run a service that sends nothing (imports, listings, grants from the operator's CLI): one Prisma
// transaction, the principal and the time, its audit rows written in the same transaction. A
// service that asks to send messages or refresh cards runs through src/chat/effects.ts runUnit
// instead, which presents them; here such a request is a programming error and rolls back, so
// nothing is ever silently left unsent. A DomainError rolls everything back.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../access/principal.js';
import { asSql } from '../db/sql.js';
import { Unit } from './kernel.js';

export async function runService<T>(prisma: PrismaClient, principal: Principal, now: Date, fn: (unit: Unit) => Promise<T>): Promise<{ result: T }> {
  return prisma.$transaction(
    async (tx) => {
      const unit = new Unit({ tx, sql: asSql(tx), mark: () => 0, changedSince: () => true }, principal, now);
      const result = await fn(unit);
      const sends = unit.intents.length;
      if (sends) throw new Error(`runService: the service asked to send ${sends} message(s) or card refresh(es); run it with runUnit (src/chat/effects.ts)`);
      if (unit.audits.length) await tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, actorId: unit.actorId })) });
      return { result };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}
