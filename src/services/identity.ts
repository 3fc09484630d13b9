// Identity: platform accounts bound to members. A manager issues a one-time binding code for a member
// of a branch they manage; whoever holds the code binds their account with it (a guest may); an
// operator imports account-to-member mappings in bulk. One member may hold accounts on several platforms.
import { createHash, randomInt } from 'node:crypto';
import type { Platform } from '../generated/prisma/enums.js';
import { actingMember, authorize } from '../access/index.js';
import { memberSelect, type MemberInfo } from '../domain/org.js';
import { fail, type Unit } from './kernel.js';

// No 0/O, 1/I/L: codes are read aloud and typed on phones.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const BINDING_CODE_TTL_HOURS = 72;

/** Only a code's hash is stored. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase()).digest('hex');
}

/** An account on a chat platform. */
export interface PlatformAccount {
  platform: Platform;
  tenantKey: string;
  platformUserId: string;
  displayName?: string;
}

export interface IssuedCode {
  member: { id: string; name: string };
  code: string;
  hours: number;
}

/**
 * A one-time code for the member of `branchId` named `who` (name or employee number). Only a manager of
 * the branch may issue one (refused `errors.not_allowed`). Keeping the code out of group chats is the
 * chat surface's rule.
 */
export async function issueBindingCode(unit: Unit, input: { branchId: string; who: string }): Promise<IssuedCode> {
  const who = input.who.trim();
  if (!who) fail('binding.issue_usage');
  const issuer = actingMember(unit.principal);
  await authorize(unit.tx, unit.principal, 'branch.manage', input.branchId, 'commands.bind_code.what');
  const candidates = await unit.tx.member.findMany({
    where: { branchId: input.branchId, active: true, OR: [{ name: who }, { employeeNo: who }] },
    select: { id: true, name: true },
  });
  if (candidates.length === 0) fail('binding.issue_no_member', { name: who });
  if (candidates.length > 1) fail('binding.issue_ambiguous', { name: who, count: candidates.length });
  const member = candidates[0]!;
  const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  await unit.tx.bindingCode.create({
    data: { codeHash: hashCode(code), memberId: member.id, issuedById: issuer.id, expiresAt: new Date(unit.now.getTime() + BINDING_CODE_TTL_HOURS * 3600_000) },
  });
  unit.audit({ action: 'identity.issue_code', entityType: 'Member', entityId: member.id });
  return { member, code, hours: BINDING_CODE_TTL_HOURS };
}

/**
 * Bind `account` to the member a code was issued for. The code is used up atomically (two redeemers
 * cannot both win); a wrong, used or expired code is refused `binding.bad_code`. An account already
 * bound is refused `binding.already`.
 */
export async function bindWithCode(unit: Unit, input: { account: PlatformAccount; code: string }): Promise<{ member: MemberInfo }> {
  if (unit.principal.kind === 'member') fail('binding.already', { name: unit.principal.member.name });
  const code = input.code.trim();
  if (!code) fail('binding.code_missing');
  const used = await unit.tx.bindingCode.updateManyAndReturn({
    where: { codeHash: hashCode(code), usedAt: null, expiresAt: { gt: unit.now } },
    data: { usedAt: unit.now },
    select: { memberId: true },
  });
  const memberId = used[0]?.memberId;
  if (!memberId) fail('binding.bad_code');
  const a = input.account;
  await unit.tx.platformIdentity.upsert({
    where: { platform_tenantKey_platformUserId: { platform: a.platform, tenantKey: a.tenantKey, platformUserId: a.platformUserId } },
    create: { platform: a.platform, tenantKey: a.tenantKey, platformUserId: a.platformUserId, memberId, displayName: a.displayName },
    update: { memberId, displayName: a.displayName },
  });
  const member = await unit.tx.member.findUniqueOrThrow({ where: { id: memberId }, select: memberSelect });
  unit.audit({ action: 'identity.bind', entityType: 'Member', entityId: member.id, detail: { platform: a.platform } });
  return { member };
}

/** One checked row of an identity mapping: the account and the member it belongs to. */
export interface IdentityRow {
  line: number;
  platform: Platform;
  tenantKey: string;
  platformUserId: string;
  memberId: string;
}

/**
 * Bind every row's account to its member (rows already checked by the surface that read the file).
 * The system (operator) may import any row; a member only rows of members of branches they manage.
 */
export async function importIdentities(unit: Unit, input: { rows: IdentityRow[]; file: string }): Promise<{ bound: number; unchanged: number }> {
  if (unit.principal.kind !== 'system') {
    const members = await unit.tx.member.findMany({ where: { id: { in: [...new Set(input.rows.map((r) => r.memberId))] } }, select: { branchId: true } });
    for (const branchId of new Set(members.map((m) => m.branchId))) await authorize(unit.tx, unit.principal, 'branch.manage', branchId, 'identity.what_import');
  }
  let bound = 0;
  let unchanged = 0;
  for (const r of input.rows) {
    const where = { platform_tenantKey_platformUserId: { platform: r.platform, tenantKey: r.tenantKey, platformUserId: r.platformUserId } };
    const existing = await unit.tx.platformIdentity.findUnique({ where, select: { memberId: true } });
    if (existing?.memberId === r.memberId) {
      unchanged++;
      continue;
    }
    await unit.tx.platformIdentity.upsert({ where, create: { platform: r.platform, tenantKey: r.tenantKey, platformUserId: r.platformUserId, memberId: r.memberId }, update: { memberId: r.memberId } });
    unit.audit({ action: 'identity.import', entityType: 'Member', entityId: r.memberId, detail: { platform: r.platform, file: input.file, line: r.line } });
    bound++;
  }
  return { bound, unchanged };
}
