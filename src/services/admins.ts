// Administrators: members (IT staff, the 机关党委's office) granted an org node and everything under it.
// They import the roster, bind group chats and see every branch in scope (src/access ADMIN_ABILITIES).
// The first administrator is granted by the operator (the CLI, as the system); after that an
// administrator may grant and revoke within their own scope. Every grant and revocation is audited.
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { authorize } from '../access/index.js';
import type { OrgKind } from '../generated/prisma/enums.js';

export interface AdminGrantView {
  employeeNo: string;
  name: string;
  scope: { code: string; name: string; kind: OrgKind };
  grantedAt: Date;
}

async function target(unit: Unit, input: { employeeNo: string; scopeCode: string }) {
  const member = await unit.tx.member.findFirst({ where: { employeeNo: input.employeeNo, active: true }, select: { id: true, name: true, employeeNo: true } });
  if (!member) fail('admin.no_member', { employeeNo: input.employeeNo });
  const node = await unit.tx.orgNode.findUnique({ where: { code: input.scopeCode }, select: { id: true, code: true, name: true, kind: true } });
  if (!node) fail('admin.no_scope', { code: input.scopeCode });
  // The system (the operator's CLI) may always; a member only within a scope they administer.
  await authorize(unit.tx, unit.principal, 'org.admin', node.id, 'admin.what_grant');
  return { member, node };
}

/** Grant `employeeNo` administration of `scopeCode` and everything under it. Granting it twice changes nothing. */
export async function grantAdmin(unit: Unit, input: { employeeNo: string; scopeCode: string }): Promise<{ grant: AdminGrantView; created: boolean; first: boolean }> {
  const { member, node } = await target(unit, input);
  const first = (await unit.tx.administrator.count({ where: { revokedAt: null } })) === 0;
  const have = await unit.tx.administrator.findFirst({ where: { memberId: member.id, orgNodeId: node.id, revokedAt: null } });
  const grantedAt = have?.grantedAt ?? unit.now;
  if (!have) {
    const row = await unit.tx.administrator.create({ data: { memberId: member.id, orgNodeId: node.id, grantedById: unit.actorId, grantedAt: unit.now } });
    unit.audit({ action: 'admin.granted', entityType: 'Administrator', entityId: row.id, detail: { memberId: member.id, scope: node.code } });
  }
  return { grant: { employeeNo: member.employeeNo ?? input.employeeNo, name: member.name, scope: { code: node.code, name: node.name, kind: node.kind }, grantedAt }, created: !have, first: first && !have };
}

/** Revoke the grant (kept, with the time); refuses when there is none. */
export async function revokeAdmin(unit: Unit, input: { employeeNo: string; scopeCode: string }): Promise<AdminGrantView> {
  const { member, node } = await target(unit, input);
  const have = await unit.tx.administrator.findFirst({ where: { memberId: member.id, orgNodeId: node.id, revokedAt: null } });
  if (!have) fail('admin.no_grant', { name: member.name, scope: node.name });
  await unit.tx.administrator.update({ where: { id: have.id }, data: { revokedAt: unit.now } });
  unit.audit({ action: 'admin.revoked', entityType: 'Administrator', entityId: have.id, detail: { memberId: member.id, scope: node.code } });
  return { employeeNo: member.employeeNo ?? input.employeeNo, name: member.name, scope: { code: node.code, name: node.name, kind: node.kind }, grantedAt: have.grantedAt };
}

/** Every unrevoked grant (the operator's view). */
export async function listAdmins(unit: Unit): Promise<AdminGrantView[]> {
  if (unit.principal.kind !== 'system') fail('errors.not_allowed', { what: { key: 'admin.what_grant' } });
  const rows = await unit.tx.administrator.findMany({
    where: { revokedAt: null },
    orderBy: { grantedAt: 'asc' },
    select: { grantedAt: true, member: { select: { employeeNo: true, name: true } }, orgNode: { select: { code: true, name: true, kind: true } } },
  });
  return rows.map((r) => ({ employeeNo: r.member.employeeNo ?? '', name: r.member.name, scope: r.orgNode, grantedAt: r.grantedAt }));
}
