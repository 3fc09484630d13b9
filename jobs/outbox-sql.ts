// The delivery worker's per-row statements in plain SQL: they run for every message sent, and one
// raw statement costs about a quarter of the CPU of Prisma's compiled query (src/chat/store.ts).
// Same SQL on PostgreSQL and PGlite. "updatedAt" is set here because Prisma's @updatedAt is
// client-side and the stuck-SENDING sweep reads it.
import type { OutboxStatus, Platform, ChatKind } from '../src/generated/prisma/enums.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';

export interface ClaimedRow {
  id: string;
  dedupeKey: string;
  platform: Platform;
  tenantKey: string;
  target: string;
  targetKind: ChatKind;
  kind: string;
  payload: unknown;
  updateOfKey: string | null;
  createdAt: Date;
}

/** PENDING/RETRY → SENDING for one row; null when another worker has it or it is done. */
export async function claimOutbox(db: PrismaClient, id: string): Promise<ClaimedRow | null> {
  const rows = await db.$queryRaw<ClaimedRow[]>`
    UPDATE "OutboxMessage" SET status = 'SENDING', attempts = attempts + 1, "updatedAt" = now()
     WHERE id = ${id} AND status IN ('PENDING', 'RETRY')
    RETURNING id, "dedupeKey", platform::text AS platform, "tenantKey", target, "targetKind"::text AS "targetKind", kind, payload, "updateOfKey", "createdAt"`;
  return rows[0] ?? null;
}

/** For a card update: how many newer updates of the same card exist, and the card's platform id. */
export async function cardUpdateState(db: PrismaClient, ofKey: string, createdAt: Date): Promise<{ newer: number; original: string | null }> {
  const rows = await db.$queryRaw<Array<{ newer: number; original: string | null }>>`
    SELECT (SELECT count(*)::int FROM "OutboxMessage" n WHERE n."updateOfKey" = ${ofKey} AND n."createdAt" > ${createdAt}) AS newer,
           (SELECT o."platformMessageId" FROM "OutboxMessage" o WHERE o."dedupeKey" = ${ofKey}) AS original`;
  return rows[0] ?? { newer: 0, original: null };
}

export async function markSent(db: PrismaClient, id: string, platformMessageId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "OutboxMessage" SET status = 'SENT', "platformMessageId" = ${platformMessageId}, "sentAt" = now(), "lastError" = NULL, "updatedAt" = now()
     WHERE id = ${id}`;
}

export async function setOutboxStatus(db: PrismaClient, id: string, status: OutboxStatus): Promise<void> {
  await db.$executeRaw`UPDATE "OutboxMessage" SET status = ${status}::"OutboxStatus", "updatedAt" = now() WHERE id = ${id}`;
}

export interface DestinationRow {
  id: string;
  platform: Platform;
  tenantKey: string;
  target: string;
  targetKind: ChatKind;
  notBefore: Date;
  status: OutboxStatus;
  attempts: number;
}

/** Destinations of rows about to be queued (the rate limiter keys on them). */
export async function outboxDestinations(db: PrismaClient, ids: string[]): Promise<DestinationRow[]> {
  const rows: DestinationRow[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    rows.push(
      ...(await db.$queryRaw<DestinationRow[]>`
        SELECT id, platform::text AS platform, "tenantKey", target, "targetKind"::text AS "targetKind", "notBefore", status::text AS status, attempts
          FROM "OutboxMessage" WHERE id = ANY(${ids.slice(i, i + 5000)}::text[])`),
    );
  }
  return rows;
}
