// Platform identities bound to members: one-time binding codes issued by a secretary, and
// imported mappings. One member may hold identities on several platforms.
import { createHash, randomInt } from 'node:crypto';
import type { Platform } from '../generated/prisma/enums.js';
import type { Tx } from '../db/client.js';
import { memberSelect, type MemberInfo } from '../domain/org.js';

// No 0/O, 1/I/L: codes are read aloud and typed on phones.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const BINDING_CODE_TTL_HOURS = 72;

export function hashCode(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase()).digest('hex');
}

export async function issueBindingCode(tx: Tx, issuerId: string, memberId: string, now = new Date()): Promise<string> {
  const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  await tx.bindingCode.create({
    data: { codeHash: hashCode(code), memberId, issuedById: issuerId, expiresAt: new Date(now.getTime() + BINDING_CODE_TTL_HOURS * 3600_000) },
  });
  return code;
}

export type RedeemResult = { ok: true; member: MemberInfo } | { ok: false; reason: 'bad_code' };

/** Bind the platform user to the code's member. The code is used up atomically. */
export async function redeemBindingCode(
  tx: Tx,
  who: { platform: Platform; tenantKey: string; platformUserId: string; displayName?: string },
  code: string,
  now = new Date(),
): Promise<RedeemResult> {
  // A conditional update is the atomic "use once": two concurrent redeemers cannot both win.
  const used = await tx.bindingCode.updateManyAndReturn({
    where: { codeHash: hashCode(code), usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
    select: { memberId: true },
  });
  const memberId = used[0]?.memberId;
  if (!memberId) return { ok: false, reason: 'bad_code' };
  await tx.platformIdentity.upsert({
    where: { platform_tenantKey_platformUserId: { platform: who.platform, tenantKey: who.tenantKey, platformUserId: who.platformUserId } },
    create: { platform: who.platform, tenantKey: who.tenantKey, platformUserId: who.platformUserId, memberId, displayName: who.displayName },
    update: { memberId, displayName: who.displayName },
  });
  const member = await tx.member.findUniqueOrThrow({ where: { id: memberId }, select: memberSelect });
  return { ok: true, member };
}
