// Small organisation lookups that surfaces need before they call a service: an org node by its code
// (the CLI's --unit / --branch), a member by employee number (the CLI's --by, which becomes a principal).
import type { Tx } from '../db/client.js';
import type { OrgKind } from '../generated/prisma/enums.js';
import { memberSelect, type MemberInfo } from '../domain/org.js';

export interface OrgNodeRef {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
}

export async function nodeByCode(tx: Tx, code: string): Promise<OrgNodeRef | null> {
  return tx.orgNode.findUnique({ where: { code }, select: { id: true, code: true, name: true, kind: true, parentId: true } });
}

/** An active member by employee number (工号). */
export async function memberByEmployeeNo(tx: Tx, employeeNo: string): Promise<MemberInfo | null> {
  return tx.member.findFirst({ where: { employeeNo, active: true }, select: memberSelect });
}
