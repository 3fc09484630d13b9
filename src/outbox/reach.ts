// Where to reach a member or a chat: the destinations outbox rows are addressed to.
import type { Tx } from '../db/client.js';
import { asSql, type SqlLike } from '../db/sql.js';
import type { Platform } from '../generated/prisma/enums.js';
import type { Destination } from '../chat/types.js';

/** A chat row `c` as a delivery Destination (null when there is no row). */
export const CHAT_DESTINATION = `CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('platform', c.platform, 'tenantKey', c."tenantKey", 'target', c."platformChatId", 'targetKind', c.kind) END`;

export async function chatDestination(db: SqlLike, chatId: string | null): Promise<Destination | null> {
  if (!chatId) return null;
  const rows = await asSql(db).query<{ to: Destination }>(`SELECT ${CHAT_DESTINATION} AS "to" FROM "Chat" c WHERE c.id = $1`, [chatId]);
  return rows[0]?.to ?? null;
}

/**
 * Where to message each member directly: an identity on `prefer` (the platform the command came
 * from), else on the platform of their branch's work chat, else their first bound identity.
 */
export async function memberDestinations(tx: Tx, memberIds: string[], prefer?: { platform: Platform; tenantKey: string }): Promise<Map<string, Destination>> {
  const out = new Map<string, Destination>();
  if (!memberIds.length) return out;
  const identities = await tx.platformIdentity.findMany({
    where: { memberId: { in: memberIds } },
    select: { memberId: true, platform: true, tenantKey: true, platformUserId: true, member: { select: { branchId: true } } },
    orderBy: { boundAt: 'asc' },
  });
  const branchIds = [...new Set(identities.map((i) => i.member.branchId))];
  const chats = await tx.chat.findMany({ where: { orgNodeId: { in: branchIds }, kind: 'GROUP' }, select: { orgNodeId: true, platform: true, tenantKey: true } });
  const score = (i: (typeof identities)[number]) =>
    prefer && i.platform === prefer.platform && i.tenantKey === prefer.tenantKey ? 0 : chats.some((c) => c.orgNodeId === i.member.branchId && c.platform === i.platform && c.tenantKey === i.tenantKey) ? 1 : 2;
  for (const id of memberIds) {
    const mine = identities.filter((i) => i.memberId === id).sort((a, b) => score(a) - score(b));
    const best = mine[0];
    if (best) out.set(id, { platform: best.platform, tenantKey: best.tenantKey, target: best.platformUserId, targetKind: 'DIRECT' });
  }
  return out;
}
