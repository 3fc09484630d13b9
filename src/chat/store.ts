// The chat pipeline's own rows (inbound events, identities, outbox, audit) in plain SQL: these run
// on every event, and a Prisma call costs ten times a plain query here (src/db/sql.ts). The same
// statements run on PostgreSQL and PGlite; domain handlers keep using the Prisma client.
import { randomUUID } from 'node:crypto';
import type { Platform } from '../generated/prisma/enums.js';
import { asSql, keyed, type SqlLike } from '../db/sql.js';
import type { MemberInfo } from '../domain/org.js';
import type { QueuedOutbox } from './types.js';
import { OUTBOX_INSERT, OUTBOX_INSERT_PARAMS, insertedRows, outboxInsertParams } from '../outbox/store.js';
import type { AuditEntry } from './context.js';

const INSERT_INBOUND = keyed(`INSERT INTO "InboundEvent" (id, platform, "eventId", payload)
     SELECT id, platform::"Platform", "eventId", payload::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, platform, "eventId", payload)
     ON CONFLICT (platform, "eventId") DO NOTHING
     RETURNING id`);

/** Store inbound events in one statement; returns the new row id per event, null for one seen before. */
export async function insertInbound(db: SqlLike, events: Array<{ platform: Platform; eventId: string; json: string }>): Promise<Array<string | null>> {
  if (!events.length) return [];
  const ids = events.map(() => randomUUID());
  const rows = await asSql(db).query<{ id: string }>(INSERT_INBOUND, [ids, events.map((e) => e.platform), events.map((e) => e.eventId), events.map((e) => e.json)]);
  const inserted = new Set(rows.map((r) => r.id));
  return ids.map((id) => (inserted.has(id) ? id : null));
}

// Keyed (src/db/sql.ts): every lookup goes through a unique key (the identity, the member, the
// member's posts by the leading column of Post's unique key), and it runs for every batch of events.
const BOUND_MEMBERS = keyed(`SELECT i.platform::text AS platform, i."tenantKey", i."platformUserId" AS "userId",
            m.id, m.name, m."branchId", m."groupId", m.active,
            coalesce(json_agg(json_build_object('title', p.title, 'orgNodeId', p."orgNodeId")) FILTER (WHERE p.id IS NOT NULL), '[]'::json) AS posts
       FROM unnest($1::text[], $2::text[], $3::text[]) AS a(platform, "tenantKey", "userId")
       JOIN "PlatformIdentity" i ON i.platform = a.platform::"Platform" AND i."tenantKey" = a."tenantKey" AND i."platformUserId" = a."userId"
       JOIN "Member" m ON m.id = i."memberId"
       LEFT JOIN "Post" p ON p."memberId" = m.id AND p.until IS NULL
      GROUP BY i.platform, i."tenantKey", i."platformUserId", m.id`);

/** The members bound to platform accounts, with current posts, keyed by memberKey(); unbound accounts are absent. */
export async function findBoundMembers(db: SqlLike, accounts: Array<{ platform: Platform; tenantKey: string; userId: string }>): Promise<Map<string, MemberInfo>> {
  if (!accounts.length) return new Map();
  const rows = await asSql(db).query<MemberInfo & { platform: Platform; tenantKey: string; userId: string }>(BOUND_MEMBERS, [
    accounts.map((a) => a.platform),
    accounts.map((a) => a.tenantKey),
    accounts.map((a) => a.userId),
  ]);
  return new Map(rows.map(({ platform, tenantKey, userId, ...member }) => [memberKey({ platform, tenantKey, userId }), member]));
}

export const memberKey = (a: { platform: Platform; tenantKey: string; userId: string }) => `${a.platform}/${a.tenantKey}/${a.userId}`;

/**
 * Which of these platform tenants (Lark tenant_key, DingTalk corpId) the database knows: some member's
 * account is stored under it (chats follow the events, so they never make a tenant known by themselves).
 * One query; keys are `platform/tenantKey`.
 */
export async function knownTenants(db: SqlLike, tenants: Array<{ platform: Platform; tenantKey: string }>): Promise<Set<string>> {
  if (!tenants.length) return new Set();
  const rows = await asSql(db).query<{ platform: Platform; tenantKey: string }>(
    `SELECT v.platform, v."tenantKey" FROM unnest($1::text[], $2::text[]) AS v(platform, "tenantKey")
      WHERE EXISTS (SELECT 1 FROM "PlatformIdentity" i WHERE i.platform = v.platform::"Platform" AND i."tenantKey" = v."tenantKey")`,
    [tenants.map((t) => t.platform), tenants.map((t) => t.tenantKey)],
  );
  return new Set(rows.map((r) => `${r.platform}/${r.tenantKey}`));
}

/**
 * A processed batch's rows in one statement: its outbox rows (returned as delivery needs them), its
 * audit rows, and each event's outcome.
 */
export async function recordBatch(
  db: SqlLike,
  batch: { outbox: Parameters<typeof outboxInsertParams>[0]; audits: Array<AuditEntry & { actorId: string | null }>; events: Array<{ id: string; status: 'DONE' | 'FAILED'; error?: string }>; now: Date },
): Promise<QueuedOutbox[]> {
  const { outbox, audits, events, now } = batch;
  // Delivery runs on the wall clock; `now` is the events' processing time (a test may pin it).
  const sendFrom = new Date();
  const col = <T, R>(list: T[], f: (x: T) => R) => list.map(f);
  // This statement's own parameters come after the outbox insert's.
  const $ = (n: number) => `$${OUTBOX_INSERT_PARAMS + n}`;
  const rows = await asSql(db).query<{ id: string; dedupeKey: string }>(
    `WITH audit AS (
       INSERT INTO "AuditLog" (id, "actorId", action, "entityType", "entityId", detail)
       SELECT id, "actorId", action, "entityType", "entityId", detail::jsonb
         FROM unnest(${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[]) AS t(id, "actorId", action, "entityType", "entityId", detail)
     ), outcome AS (
       UPDATE "InboundEvent" e SET status = t.status::"InboundStatus", error = t.error, "processedAt" = ${$(10)}::timestamptz
         FROM unnest(${$(7)}::text[], ${$(8)}::text[], ${$(9)}::text[]) AS t(id, status, error) WHERE e.id = t.id
     )
     ${OUTBOX_INSERT}`,
    [
      ...outboxInsertParams(outbox, sendFrom),
      col(audits, () => randomUUID()),
      col(audits, (a) => a.actorId),
      col(audits, (a) => a.action),
      col(audits, (a) => a.entityType),
      col(audits, (a) => a.entityId),
      col(audits, (a) => JSON.stringify(a.detail ?? {})),
      col(events, (e) => e.id),
      col(events, (e) => e.status),
      col(events, (e) => e.error ?? null),
      now,
    ],
  );
  return insertedRows(outbox, rows, sendFrom);
}
