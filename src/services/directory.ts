// Matching members to platform accounts through a platform's contacts (src/platforms/directory.ts, called
// by the surface): which members still need an account there (active, with a mobile number, none bound on
// that platform and tenant), and writing the matches found, refusing an account bound to someone else.
// The operator runs it (the system); one audit row for the run.
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import type { Platform } from '../generated/prisma/enums.js';

export interface Unmatched {
  employeeNo: string;
  name: string;
  mobile: string;
}

export async function membersToMatch(unit: Unit, input: { platform: Platform; tenantKey: string }): Promise<Array<Unmatched & { id: string }>> {
  if (unit.principal.kind !== 'system') fail('errors.not_allowed', { what: { key: 'identity.what_import' } });
  const rows = await unit.tx.member.findMany({
    where: { active: true, mobile: { not: null }, identities: { none: { platform: input.platform, tenantKey: input.tenantKey } } },
    select: { id: true, employeeNo: true, name: true, mobile: true },
    orderBy: { employeeNo: 'asc' },
  });
  return rows.map((r) => ({ id: r.id, employeeNo: r.employeeNo ?? '', name: r.name, mobile: r.mobile! }));
}

export interface DirectoryMatch {
  bound: Array<{ employeeNo: string; name: string; userId: string }>;
  /** Found in the directory, but that account is already bound to another member. */
  conflicts: Array<{ employeeNo: string; name: string; userId: string }>;
  unmatched: Unmatched[];
}

/** Bind each member whose mobile the directory knew (`found`: mobile → platform user id). */
export async function bindDirectoryMatches(unit: Unit, input: { platform: Platform; tenantKey: string; found: Map<string, string>; dryRun?: boolean }): Promise<DirectoryMatch> {
  const members = await membersToMatch(unit, input);
  const userIds = [...input.found.values()];
  const taken = new Map(
    (await unit.tx.platformIdentity.findMany({ where: { platform: input.platform, tenantKey: input.tenantKey, platformUserId: { in: userIds } }, select: { platformUserId: true, memberId: true } })).map((i) => [i.platformUserId, i.memberId]),
  );
  const out: DirectoryMatch = { bound: [], conflicts: [], unmatched: [] };
  const create: Array<{ platform: Platform; tenantKey: string; platformUserId: string; memberId: string }> = [];
  for (const m of members) {
    const userId = input.found.get(m.mobile);
    const line = { employeeNo: m.employeeNo, name: m.name };
    if (!userId) out.unmatched.push({ ...line, mobile: m.mobile });
    else if (taken.has(userId) && taken.get(userId) !== m.id) out.conflicts.push({ ...line, userId });
    else {
      taken.set(userId, m.id);
      create.push({ platform: input.platform, tenantKey: input.tenantKey, platformUserId: userId, memberId: m.id });
      out.bound.push({ ...line, userId });
    }
  }
  if (!input.dryRun && create.length) {
    await unit.tx.platformIdentity.createMany({ data: create, skipDuplicates: true });
    unit.audit({ action: 'identity.directory_match', entityType: 'PlatformIdentity', entityId: input.platform, detail: { tenantKey: input.tenantKey, bound: out.bound.length, conflicts: out.conflicts.length, unmatched: out.unmatched.length } });
  }
  return out;
}
