// Run a service outside the chat core (the CLI, operator scripts): one Prisma transaction, the
// principal and the time, the audit rows it asked for written in the same transaction. The chat core
// and jobs have their own runners (they also turn intents into messages); here intents are returned
// for the caller to present, and a DomainError rolls everything back.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../access/principal.js';
import { asSql } from '../db/sql.js';
import { Unit, type Intent } from './kernel.js';

export async function runService<T>(prisma: PrismaClient, principal: Principal, now: Date, fn: (unit: Unit) => Promise<T>): Promise<{ result: T; intents: Intent[] }> {
  return prisma.$transaction(
    async (tx) => {
      const unit = new Unit({ tx, sql: asSql(tx), mark: () => 0, changedSince: () => true }, principal, now);
      const result = await fn(unit);
      if (unit.audits.length) await tx.auditLog.createMany({ data: unit.audits.map((a) => ({ ...a, actorId: unit.actorId })) });
      return { result, intents: unit.intents };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}
