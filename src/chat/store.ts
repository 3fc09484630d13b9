// The chat pipeline's own rows (inbound events, identities, outbox, audit) in plain SQL. These run
// on every event: Prisma's compiled nested queries cost about four times the CPU of one raw
// statement here (test/bench/inbound.bench.ts), so the hot path uses SQL. The same statements run
// on PostgreSQL and PGlite; domain handlers keep using the Prisma client.
import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.js';
import type { Platform, PostTitle } from '../generated/prisma/enums.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tx } from '../db/client.js';
import type { MemberInfo } from '../domain/org.js';
import type { Outbound } from './types.js';
import type { AuditEntry } from './context.js';

type Db = PrismaClient | Tx;

/** Store an inbound event; null when (platform, eventId) was seen before. */
export async function insertInbound(db: Db, platform: Platform, eventId: string, payload: unknown): Promise<string | null> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "InboundEvent" (id, platform, "eventId", payload)
    VALUES (${randomUUID()}, ${platform}::"Platform", ${eventId}, ${JSON.stringify(payload)}::jsonb)
    ON CONFLICT (platform, "eventId") DO NOTHING
    RETURNING id`;
  return rows[0]?.id ?? null;
}

export async function finishInbound(db: Db, id: string, status: 'DONE' | 'FAILED', now: Date, error?: string): Promise<void> {
  await db.$executeRaw`UPDATE "InboundEvent" SET status = ${status}::"InboundStatus", error = ${error ?? null}, "processedAt" = ${now} WHERE id = ${id}`;
}

/** The member bound to a platform account, with current posts; null when unbound. */
export async function findBoundMember(db: Db, platform: Platform, tenantKey: string, platformUserId: string): Promise<MemberInfo | null> {
  const rows = await db.$queryRaw<Array<Omit<MemberInfo, 'posts'> & { posts: Array<{ title: PostTitle; orgNodeId: string }> }>>`
    SELECT m.id, m.name, m."branchId", m."groupId", m.active,
           coalesce(json_agg(json_build_object('title', p.title, 'orgNodeId', p."orgNodeId")) FILTER (WHERE p.id IS NOT NULL), '[]'::json) AS posts
      FROM "PlatformIdentity" i
      JOIN "Member" m ON m.id = i."memberId"
      LEFT JOIN "Post" p ON p."memberId" = m.id AND p.until IS NULL
     WHERE i.platform = ${platform}::"Platform" AND i."tenantKey" = ${tenantKey} AND i."platformUserId" = ${platformUserId}
     GROUP BY m.id`;
  return rows[0] ?? null;
}

/** Insert outbox rows; a key already present is skipped (sent at most once per key). Returns new ids. */
export async function insertOutbox(db: Db, items: Outbound[]): Promise<string[]> {
  if (!items.length) return [];
  const values = items.map(
    (o) => Prisma.sql`(${randomUUID()}, ${o.dedupeKey}, ${o.to.platform}::"Platform", ${o.to.tenantKey}, ${o.to.target}, ${o.to.targetKind}::"ChatKind",
      ${o.body.kind}, ${o.category ?? 'reply'}, ${o.memberId ?? null}, ${JSON.stringify(o.body)}::jsonb,
      ${o.body.kind === 'card_update' ? o.body.ofKey : null}, ${o.broadcastId ?? null}, ${o.notBefore ?? new Date()}, now())`,
  );
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    INSERT INTO "OutboxMessage" (id, "dedupeKey", platform, "tenantKey", target, "targetKind", kind, category, "memberId", payload, "updateOfKey", "broadcastId", "notBefore", "updatedAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("dedupeKey") DO NOTHING
    RETURNING id`;
  return rows.map((r) => r.id);
}

export async function insertAudits(db: Db, actorId: string | null, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  const values = entries.map((a) => Prisma.sql`(${randomUUID()}, ${actorId}, ${a.action}, ${a.entityType}, ${a.entityId}, ${JSON.stringify(a.detail ?? {})}::jsonb)`);
  await db.$executeRaw`INSERT INTO "AuditLog" (id, "actorId", action, "entityType", "entityId", detail) VALUES ${Prisma.join(values)}`;
}
