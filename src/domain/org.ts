// Members, posts and who may do what. Secretary-only actions are checked here, in one place.
import type { PostTitle } from '../generated/prisma/enums.js';
import type { Tx } from '../db/client.js';

export interface MemberInfo {
  id: string;
  name: string;
  branchId: string;
  groupId: string | null;
  active: boolean;
  posts: Array<{ title: PostTitle; orgNodeId: string }>;
}

export const POST_NAMES: Record<PostTitle, string> = {
  PARTY_GROUP_SECRETARY: '党组书记',
  PARTY_GROUP_MEMBER: '党组成员',
  ORGAN_SECRETARY: '机关党委书记',
  ORGAN_DEPUTY_SECRETARY: '专职副书记',
  ORGAN_COMMITTEE_MEMBER: '机关党委委员',
  BRANCH_SECRETARY: '支部书记',
  BRANCH_DEPUTY_SECRETARY: '支部副书记',
  ORGANIZING_MEMBER: '组织委员',
  PUBLICITY_MEMBER: '宣传委员',
  DISCIPLINE_MEMBER: '纪检委员',
  GROUP_LEADER: '党小组长',
  WORK_COMMITTEE_SECRETARY: '工委书记',
  WORK_COMMITTEE_DEPUTY_SECRETARY: '工委副书记',
  WORK_COMMITTEE_MEMBER: '工委委员',
};

/** Posts that run a branch's organizational life: notices, approvals, minutes, binding codes. */
const BRANCH_MANAGERS: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER'];
/** Organ-committee posts that may act for every branch under their 机关党委. */
const ORGAN_MANAGERS: PostTitle[] = ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY'];

export const memberSelect = {
  id: true,
  name: true,
  branchId: true,
  groupId: true,
  active: true,
  posts: { where: { until: null }, select: { title: true, orgNodeId: true } },
} as const;

export async function findMember(tx: Tx, id: string): Promise<MemberInfo | null> {
  return tx.member.findUnique({ where: { id }, select: memberSelect });
}

/** May `member` manage branch `branchId` (whose parent 机关党委 is `organId`)? */
export function canManageBranch(member: MemberInfo, branchId: string, organId: string | null): boolean {
  if (!member.active) return false;
  return member.posts.some(
    (p) => (p.orgNodeId === branchId && BRANCH_MANAGERS.includes(p.title)) || (organId !== null && p.orgNodeId === organId && ORGAN_MANAGERS.includes(p.title)),
  );
}

/** The branches `member` may manage: their own branch for branch posts, all of an organ's for organ posts. */
export async function managedBranchIds(tx: Tx, member: MemberInfo): Promise<string[]> {
  const ids = new Set<string>();
  for (const p of member.posts) {
    if (BRANCH_MANAGERS.includes(p.title)) ids.add(p.orgNodeId);
    if (ORGAN_MANAGERS.includes(p.title)) {
      const branches = await tx.orgNode.findMany({ where: { parentId: p.orgNodeId, kind: 'BRANCH' }, select: { id: true } });
      branches.forEach((b) => ids.add(b.id));
    }
  }
  return [...ids];
}

export async function canManage(tx: Tx, member: MemberInfo, branchId: string): Promise<boolean> {
  const branch = await tx.orgNode.findUnique({ where: { id: branchId }, select: { parentId: true } });
  return canManageBranch(member, branchId, branch?.parentId ?? null);
}

export function postNames(member: MemberInfo): string[] {
  return member.posts.map((p) => POST_NAMES[p.title]);
}
