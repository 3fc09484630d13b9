// The delivery worker's per-row statements in plain SQL: they run for every message sent, and a
// plain query costs a tenth of a Prisma call (src/db/sql.ts). Same SQL on PostgreSQL and PGlite.
// "updatedAt" is set here because Prisma's @updatedAt is client-side and the stuck-SENDING sweep
// reads it.
import type { OutboxStatus, Platform, ChatKind } from '../src/generated/prisma/enums.js';
import { asSql, type SqlLike } from '../src/db/sql.js';

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
  /** Attempts including this one. */
  attempts: number;
  /** For a card update: the platform's id of the card it edits (null until that card is sent). */
  original?: string | null;
}

/** What both claims return, of the claimed row `o`. */
const CLAIMED = `o.id, o."dedupeKey", o.platform::text AS platform, o."tenantKey", o.target, o."targetKind"::text AS "targetKind", o.kind, o.payload, o."updateOfKey", o.attempts`;

/**
 * PENDING/RETRY → SENDING for one row that is not a card update; null when another worker has it or
 * it is done. Card updates are claimed together (claimCardUpdates); a per-row job left for one by
 * an earlier version finds nothing here, and the sweep queues the row again.
 */
export async function claimOutbox(db: SqlLike, id: string): Promise<ClaimedRow | null> {
  const rows = await asSql(db).query<ClaimedRow>(
    `UPDATE "OutboxMessage" o SET status = 'SENDING', attempts = o.attempts + 1, "updatedAt" = now()
      WHERE o.id = $1 AND o.status IN ('PENDING', 'RETRY') AND o."updateOfKey" IS NULL
     RETURNING ${CLAIMED}`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The due card updates of every card, in one statement: per card the newest one → SENDING, the
 * others deleted (only the newest rendering matters, and deleting costs PostgreSQL a fraction of an
 * update that rewrites six index entries). An update older than one already sent goes too. At most
 * `limit` pending rows are looked at, oldest first.
 */
export async function claimCardUpdates(db: SqlLike, limit: number): Promise<ClaimedRow[]> {
  return asSql(db).query<ClaimedRow>(
    `WITH pending AS (
       SELECT id, seq, "updateOfKey" FROM "OutboxMessage"
        WHERE "updateOfKey" IS NOT NULL AND status IN ('PENDING', 'RETRY') AND "notBefore" <= now()
        ORDER BY seq LIMIT $1
        FOR UPDATE SKIP LOCKED
     ), newest AS (
       SELECT DISTINCT ON (p."updateOfKey") p.id FROM pending p
        WHERE NOT EXISTS (SELECT 1 FROM "OutboxMessage" s WHERE s."updateOfKey" = p."updateOfKey" AND s.status IN ('SENT', 'SENDING') AND s.seq > p.seq)
        ORDER BY p."updateOfKey", p.seq DESC
     ), older AS (
       DELETE FROM "OutboxMessage" o USING pending p WHERE o.id = p.id AND p.id NOT IN (SELECT id FROM newest)
     )
     UPDATE "OutboxMessage" o SET status = 'SENDING', attempts = o.attempts + 1, "updatedAt" = now()
       FROM newest n WHERE o.id = n.id
     RETURNING ${CLAIMED}, (SELECT c."platformMessageId" FROM "OutboxMessage" c WHERE c."dedupeKey" = o."updateOfKey") AS original`,
    [limit],
  );
}

/** A claimed row put back unsent (its destination has no free slot): due again at `until`, no attempt spent. */
export async function deferOutbox(db: SqlLike, id: string, until: Date): Promise<void> {
  await asSql(db).query(`UPDATE "OutboxMessage" SET status = 'PENDING', attempts = attempts - 1, "notBefore" = $2::timestamptz, "updatedAt" = now() WHERE id = $1`, [id, until]);
}

export async function markSent(db: SqlLike, id: string, platformMessageId: string): Promise<void> {
  await asSql(db).query(
    `UPDATE "OutboxMessage" SET status = 'SENT', "platformMessageId" = $1, "sentAt" = now(), "lastError" = NULL, "updatedAt" = now() WHERE id = $2`,
    [platformMessageId, id],
  );
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
  updateOfKey: string | null;
}

/** Destinations of rows about to be queued (the rate limiter keys on them). */
export async function outboxDestinations(db: SqlLike, ids: string[]): Promise<DestinationRow[]> {
  const rows: DestinationRow[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    rows.push(
      ...(await asSql(db).query<DestinationRow>(
        `SELECT id, platform::text AS platform, "tenantKey", target, "targetKind"::text AS "targetKind", "notBefore", status::text AS status, attempts, "updateOfKey"
           FROM "OutboxMessage" WHERE id = ANY($1::text[])`,
        [ids.slice(i, i + 5000)],
      )),
    );
  }
  return rows;
}
