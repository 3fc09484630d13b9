// Who may do what, in one place, as scopes over the org tree. A post gives its holder a scope (a
// branch, a 党小组, a 机关党委 and everything under it, a 工委 and every unit under it); an ability
// holds for a node when one of the principal's scopes covers it. Chat routes declare the ability they
// need (src/chat/router.ts) and the core checks it; services check it again for other surfaces.
import type { OrgKind, PostTitle } from '../generated/prisma/enums.js';
import type { Tx } from '../db/client.js';
import type { MemberInfo } from '../domain/org.js';
import { fail } from '../services/kernel.js';
import type { Principal } from './principal.js';

export type { Principal } from './principal.js';
export { SYSTEM, memberPrincipal } from './principal.js';

/** Posts that run a branch's organizational life: notices, approvals, minutes, binding codes. */
export const BRANCH_MANAGER_POSTS: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER'];
/** The 支部委员会 (expected at 支委会; they see their branch's status). */
export const BRANCH_COMMITTEE_POSTS: PostTitle[] = [...BRANCH_MANAGER_POSTS, 'PUBLICITY_MEMBER', 'DISCIPLINE_MEMBER'];
/** Who receives a branch's approval cards, in order: the 支部书记, else a 副书记, else the 组织委员. */
export const APPROVER_ORDER: PostTitle[] = ['BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER'];
/** 机关党委 posts that may act for every branch under it. */
export const ORGAN_MANAGER_POSTS: PostTitle[] = ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY'];
/** 机关党委 posts that see every branch under it and issue 工作提示 and campaigns. */
export const ORGAN_POSTS: PostTitle[] = [...ORGAN_MANAGER_POSTS, 'ORGAN_COMMITTEE_MEMBER'];
/** 工委 posts: they see every unit under their work committee. */
export const WORK_COMMITTEE_POSTS: PostTitle[] = ['WORK_COMMITTEE_SECRETARY', 'WORK_COMMITTEE_DEPUTY_SECRETARY', 'WORK_COMMITTEE_MEMBER', 'WORK_COMMITTEE_STAFF'];

/**
 * What a principal may do, each over the node it is about:
 * - `member`: any bound member (node ignored);
 * - `branch.view`: see a branch's status (its 支委, its 机关党委 posts, the 工委 above);
 * - `branch.manage`: run its organizational life (branch managers, 机关党委 managers above it);
 * - `group.lead`: run a 党小组's meetings (its 党小组长, or whoever manages its branch);
 * - `organ.view` / `organ.manage`: a 机关党委's posts (view also for the 工委 above);
 * - `organ.any`: holds a 机关党委 post anywhere (node ignored): 工作提示, campaigns.
 * - `tree.view`: sees the node through any scope at or above it (工委 over its units).
 * - `org.admin`: an administrator over the node (an Administrator grant at or above it): imports the roster,
 *   binds group chats. An administrator also has every view ability in that scope (ADMIN_ABILITIES).
 */
export type Ability = 'member' | 'branch.view' | 'branch.manage' | 'group.lead' | 'organ.view' | 'organ.manage' | 'organ.any' | 'tree.view' | 'org.admin';

/** What an Administrator grant gives over its node and everything under it: administration and seeing. */
export const ADMIN_ABILITIES: Ability[] = ['org.admin', 'branch.view', 'organ.view', 'tree.view'];

/** The nodes (of those given) where the member holds an unrevoked Administrator grant. */
export async function adminGrantsAt(tx: Tx, memberId: string, nodeIds?: string[]): Promise<string[]> {
  const rows = await tx.administrator.findMany({
    where: { memberId, revokedAt: null, ...(nodeIds ? { orgNodeId: { in: nodeIds } } : {}) },
    select: { orgNodeId: true },
  });
  return rows.map((r) => r.orgNodeId);
}

export interface NodeRef {
  id: string;
  kind: OrgKind;
  parentId: string | null;
}

/** A node and its ancestors, nearest first. */
export async function pathOf(tx: Tx, nodeId: string): Promise<NodeRef[]> {
  return tx.$queryRawUnsafe<NodeRef[]>(
    `WITH RECURSIVE up AS (
       SELECT id, kind::text AS kind, "parentId", 0 AS depth FROM "OrgNode" WHERE id = $1
       UNION ALL
       SELECT o.id, o.kind::text, o."parentId", up.depth + 1 FROM "OrgNode" o JOIN up ON o.id = up."parentId" WHERE up.depth < 16)
     SELECT id, kind, "parentId" FROM up ORDER BY depth`,
    nodeId,
  );
}

const holds = (m: MemberInfo, nodeId: string, titles: PostTitle[]) => m.posts.some((p) => p.orgNodeId === nodeId && titles.includes(p.title));

/** Whether `member` has `ability` over `nodeId`, given the node's path (pathOf). Pure: no queries. */
export function allows(member: MemberInfo, ability: Ability, path: NodeRef[]): boolean {
  if (!member.active) return false;
  if (ability === 'member') return true;
  if (ability === 'organ.any') return member.posts.some((p) => ORGAN_POSTS.includes(p.title));
  const node = path[0];
  if (!node) return false;
  const above = (kind: OrgKind) => path.filter((n) => n.kind === kind);
  const workCommittee = above('WORK_COMMITTEE').some((n) => holds(member, n.id, WORK_COMMITTEE_POSTS));
  const organ = (titles: PostTitle[]) => above('ORGAN_COMMITTEE').some((n) => holds(member, n.id, titles));
  const branch = (titles: PostTitle[]) => above('BRANCH').some((n) => holds(member, n.id, titles));
  switch (ability) {
    case 'branch.manage':
      return branch(BRANCH_MANAGER_POSTS) || organ(ORGAN_MANAGER_POSTS);
    case 'group.lead':
      return (node.kind === 'GROUP' && holds(member, node.id, ['GROUP_LEADER'])) || branch(BRANCH_MANAGER_POSTS) || organ(ORGAN_MANAGER_POSTS);
    case 'branch.view':
      return branch(BRANCH_COMMITTEE_POSTS) || organ(ORGAN_POSTS) || workCommittee;
    case 'organ.manage':
      return organ(ORGAN_MANAGER_POSTS);
    case 'organ.view':
      return organ(ORGAN_POSTS) || workCommittee;
    case 'tree.view':
      return branch(BRANCH_COMMITTEE_POSTS) || organ(ORGAN_POSTS) || workCommittee || path.some((n) => member.posts.some((p) => p.orgNodeId === n.id));
    case 'org.admin':
      return false; // only through an Administrator grant (can)
  }
}

/** What stays inside a branch (民主评议 results): only its own managers see it, no post above the branch. */
export function seesBranchPrivate(principal: Principal, branchId: string): boolean {
  return principal.kind === 'member' && principal.member.active && holds(principal.member, branchId, BRANCH_MANAGER_POSTS);
}

/** Whether the principal may do `ability` over `nodeId`. The system (jobs) may do anything. */
export async function can(tx: Tx, principal: Principal, ability: Ability, nodeId?: string | null): Promise<boolean> {
  if (principal.kind === 'system') return true;
  if (principal.kind === 'guest') return false;
  const nodeless = ability === 'member' || ability === 'organ.any';
  if (nodeless) return allows(principal.member, ability, []);
  if (!nodeId) return false;
  const path = await pathOf(tx, nodeId);
  if (allows(principal.member, ability, path)) return true;
  // An administrator's grant covers its node and everything under it (one indexed query, only when posts do not allow).
  return principal.member.active && ADMIN_ABILITIES.includes(ability) && path.length > 0 && (await adminGrantsAt(tx, principal.member.id, path.map((n) => n.id))).length > 0;
}

/** Refuse (errors.not_allowed naming `what`, a wording key) unless the principal may. */
export async function authorize(tx: Tx, principal: Principal, ability: Ability, nodeId: string | null | undefined, what: string): Promise<void> {
  if (!(await can(tx, principal, ability, nodeId))) fail('errors.not_allowed', { what: { key: what } });
}

/** The acting member, or a refusal for the system (an operation only a person can do). */
export function actingMember(principal: Principal): MemberInfo {
  if (principal.kind !== 'member') fail('errors.internal');
  return principal.member;
}

/** Every branch the principal may manage (`branch.manage`): theirs for branch posts, all under an organ for organ managers. */
export async function managedBranchIds(tx: Tx, principal: Principal): Promise<string[]> {
  if (principal.kind !== 'member' || !principal.member.active) return [];
  return branchesUnder(tx, principal.member, BRANCH_MANAGER_POSTS, ORGAN_MANAGER_POSTS, []);
}

/** Every branch the principal may see (`branch.view`), through the 支委, a 机关党委 post or a 工委 post. */
export async function viewableBranchIds(tx: Tx, principal: Principal): Promise<string[]> {
  if (principal.kind !== 'member' || !principal.member.active) return [];
  return branchesUnder(tx, principal.member, BRANCH_COMMITTEE_POSTS, ORGAN_POSTS, WORK_COMMITTEE_POSTS, await adminGrantsAt(tx, principal.member.id));
}

async function branchesUnder(tx: Tx, m: MemberInfo, branchPosts: PostTitle[], organPosts: PostTitle[], wcPosts: PostTitle[], adminRoots: string[] = []): Promise<string[]> {
  const roots = [...m.posts.filter((p) => organPosts.includes(p.title) || wcPosts.includes(p.title)).map((p) => p.orgNodeId), ...adminRoots];
  const ids = new Set(m.posts.filter((p) => branchPosts.includes(p.title)).map((p) => p.orgNodeId));
  if (roots.length) {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `WITH RECURSIVE down AS (
         SELECT id, kind, 0 AS depth FROM "OrgNode" WHERE id = ANY($1::text[])
         UNION ALL
         SELECT o.id, o.kind, down.depth + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.depth < 16)
       SELECT DISTINCT id FROM down WHERE kind = 'BRANCH'`,
      roots,
    );
    rows.forEach((r) => ids.add(r.id));
  }
  return [...ids];
}

/** The 机关党委 nodes where the principal holds an organ post. */
export function organPostNodeIds(principal: Principal): string[] {
  if (principal.kind !== 'member' || !principal.member.active) return [];
  return principal.member.posts.filter((p) => ORGAN_POSTS.includes(p.title)).map((p) => p.orgNodeId);
}

/**
 * Which org node a chat is about, the one rule for every command: the node its group chat is bound
 * to (a 党小组's chat is about its branch), else the member's own branch.
 */
export async function chatSubject(tx: Tx, chat: { platform: string; tenantKey: string; id: string; kind: 'GROUP' | 'DIRECT' }, member: MemberInfo | null): Promise<{ id: string; kind: OrgKind } | null> {
  if (chat.kind === 'GROUP') {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; kind: OrgKind; parentId: string | null }>>(
      `SELECT o.id, o.kind::text AS kind, o."parentId" FROM "Chat" c JOIN "OrgNode" o ON o.id = c."orgNodeId"
        WHERE c.platform = $1::"Platform" AND c."tenantKey" = $2 AND c."platformChatId" = $3`,
      chat.platform,
      chat.tenantKey,
      chat.id,
    );
    const node = rows[0];
    if (node?.kind === 'GROUP' && node.parentId) return { id: node.parentId, kind: 'BRANCH' };
    if (node) return { id: node.id, kind: node.kind };
  }
  return member ? { id: member.branchId, kind: 'BRANCH' } : null;
}

/** Who answers for a node (approves its members' requests, is told about its obligations), in order. */
const ANSWERABLE: Partial<Record<OrgKind, PostTitle[]>> = {
  BRANCH: APPROVER_ORDER,
  ORGAN_COMMITTEE: ORGAN_MANAGER_POSTS,
  UNIT: ['PARTY_GROUP_SECRETARY'],
  WORK_COMMITTEE: ['WORK_COMMITTEE_SECRETARY', 'WORK_COMMITTEE_DEPUTY_SECRETARY'],
};

/**
 * Who receives a node's approval requests: a branch's 书记, else a 副书记, else the 组织委员; a
 * 机关党委's 书记, else its 专职副书记; a unit's 党组书记; a 工委's 书记, else a 副书记 (the first
 * active holder). With `except` (the requester), never that member: the next one in that order,
 * else the first of the levels above who can. Null when nobody is left.
 */
export async function approverOf(tx: Tx, nodeId: string, opts: { except?: string } = {}): Promise<{ id: string; name: string } | null> {
  const not = opts.except ? { id: { not: opts.except } } : {};
  const path = (await pathOf(tx, nodeId)).filter((n) => ANSWERABLE[n.kind]);
  const levels = opts.except ? path : path.slice(0, 1);
  for (const node of levels) {
    const order = ANSWERABLE[node.kind]!;
    const posts = await tx.post.findMany({
      where: { orgNodeId: node.id, title: { in: order }, until: null, member: { active: true, ...not } },
      select: { title: true, member: { select: { id: true, name: true } } },
    });
    const post = order.map((t) => posts.find((p) => p.title === t)).find(Boolean);
    if (post) return post.member;
  }
  return null;
}
