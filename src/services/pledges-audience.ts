// Database side of 承诺践诺 for the pledge services: audiences, who reviews, withdrawal of members
// who left, and the tallies the status card and the export read. All inside the caller's transaction.
import type { Prisma } from '../generated/prisma/client.js';
import type { PledgeStatus, PostTitle } from '../generated/prisma/enums.js';
import type { Tx } from '../db/client.js';
import { APPROVER_ORDER, ORGAN_MANAGER_POSTS } from '../access/index.js';
import { fail } from './kernel.js';
import type { Audience, Result } from '../domain/pledges/rules.js';

export type CampaignRow = Prisma.PledgeCampaignGetPayload<object>;

export function audienceOf(c: { audience: unknown; orgNodeId: string }): Audience {
  const a = (c.audience ?? {}) as Partial<Audience>;
  return {
    scope: a.scope === 'unit' ? 'unit' : 'branch',
    branchIds: Array.isArray(a.branchIds) && a.branchIds.length ? a.branchIds.map(String) : [c.orgNodeId],
    posts: Array.isArray(a.posts) && a.posts.length ? (a.posts as PostTitle[]) : undefined,
  };
}

export interface AudienceMember {
  id: string;
  name: string;
  branchId: string;
}

/** Who is asked now: active members of the audience's branches (holding one of its posts, if any). */
export async function audienceMembers(tx: Tx, c: { audience: unknown; orgNodeId: string }, branchIds?: string[]): Promise<AudienceMember[]> {
  const a = audienceOf(c);
  const branches = branchIds ? a.branchIds.filter((b) => branchIds.includes(b)) : a.branchIds;
  return tx.member.findMany({
    where: {
      active: true,
      branchId: { in: branches },
      ...(a.posts ? { posts: { some: { title: { in: a.posts }, until: null } } } : {}),
    },
    select: { id: true, name: true, branchId: true },
    orderBy: [{ branchId: 'asc' }, { employeeNo: 'asc' }, { name: 'asc' }],
  });
}

/** Is this member (still) asked by the campaign? */
export async function inAudience(tx: Tx, c: { audience: unknown; orgNodeId: string }, memberId: string): Promise<boolean> {
  const a = audienceOf(c);
  const m = await tx.member.findFirst({
    where: { id: memberId, active: true, branchId: { in: a.branchIds }, ...(a.posts ? { posts: { some: { title: { in: a.posts }, until: null } } } : {}) },
    select: { id: true },
  });
  return m !== null;
}

/**
 * Bring the campaign's pledges in line with its audience: a member who left the branch (or is no
 * longer active) gets WITHDRAWN with a system audit row; a member who joined while the campaign
 * is open gets a DRAFT pledge. Returns the member ids of both.
 */
export async function syncAudience(tx: Tx, c: CampaignRow, now: Date): Promise<{ withdrawn: string[]; added: string[] }> {
  const current = await audienceMembers(tx, c);
  const currentIds = new Set(current.map((m) => m.id));
  const pledges = await tx.pledge.findMany({ where: { campaignId: c.id }, select: { id: true, memberId: true, status: true } });
  const withdrawn = pledges.filter((p) => p.status !== 'WITHDRAWN' && !currentIds.has(p.memberId));
  if (withdrawn.length) {
    await tx.pledge.updateMany({ where: { id: { in: withdrawn.map((p) => p.id) } }, data: { status: 'WITHDRAWN' } });
    await tx.auditLog.createMany({
      data: withdrawn.map((p) => ({ actorId: null, action: 'pledge.withdraw', entityType: 'Pledge', entityId: p.id, detail: { from: p.status, reason: 'left_audience' } })),
    });
  }
  const open = !c.closedAt && (now.getTime() <= c.deadline.getTime() || c.lateRule === 'ACCEPT_MARKED');
  const have = new Set(pledges.map((p) => p.memberId));
  const added = open ? current.filter((m) => !have.has(m.id)) : [];
  if (added.length) await tx.pledge.createMany({ data: added.map((m) => ({ campaignId: c.id, memberId: m.id })), skipDuplicates: true });
  return { withdrawn: withdrawn.map((p) => p.memberId), added: added.map((m) => m.id) };
}

/**
 * Who reviews a member's pledges and reports: the branch's 支部书记 (else 副书记 / 组织委员); for the
 * 支部书记's own pledge (e.g. 书记项目责任书), the 机关党委书记 / 专职副书记 above the branch. Never
 * the member themselves.
 */
export async function reviewersOf(tx: Tx, branchId: string, memberId?: string): Promise<Array<{ id: string; name: string }>> {
  const find = (orgNodeId: string, titles: PostTitle[]) =>
    tx.member.findMany({
      where: { active: true, ...(memberId ? { id: { not: memberId } } : {}), posts: { some: { orgNodeId, title: { in: titles }, until: null } } },
      select: { id: true, name: true },
      orderBy: { id: 'asc' },
    });
  const isSecretary = memberId ? (await tx.post.count({ where: { memberId, orgNodeId: branchId, title: APPROVER_ORDER[0], until: null } })) > 0 : false;
  if (!isSecretary) {
    // The approver order's first post (支部书记), else all holders of the others together.
    for (const titles of [APPROVER_ORDER.slice(0, 1), APPROVER_ORDER.slice(1)]) {
      const found = await find(branchId, titles);
      if (found.length) return found;
    }
  }
  const branch = await tx.orgNode.findUnique({ where: { id: branchId }, select: { parentId: true } });
  return branch?.parentId ? find(branch.parentId, ORGAN_MANAGER_POSTS) : [];
}

export interface Tally {
  expected: number;
  byStatus: Record<PledgeStatus, Array<{ memberId: string; name: string; branchId: string; late: boolean }>>;
}

/** Pledges of a campaign grouped by status, limited to some branches (a secretary sees their own). */
export async function tallyCampaign(tx: Tx, campaignId: string, branchIds?: string[]): Promise<Tally> {
  const pledges = await tx.pledge.findMany({
    // A member who moved to another branch has WITHDRAWN here; their former branch still sees them.
    where: { campaignId, ...(branchIds ? { OR: [{ member: { branchId: { in: branchIds } } }, { status: 'WITHDRAWN' }] } : {}) },
    select: { memberId: true, status: true, late: true, member: { select: { name: true, branchId: true, employeeNo: true } } },
    orderBy: [{ member: { branchId: 'asc' } }, { member: { employeeNo: 'asc' } }],
  });
  const byStatus: Tally['byStatus'] = { DRAFT: [], SUBMITTED: [], APPROVED: [], RETURNED: [], WITHDRAWN: [] };
  for (const p of pledges) byStatus[p.status].push({ memberId: p.memberId, name: p.member.name, branchId: p.member.branchId, late: p.late });
  return { expected: pledges.length - byStatus.WITHDRAWN.length, byStatus };
}

/** The value of a rule's result, or its problem as a coded error. */
export function orFail<T>(r: Result<T>): T {
  if (!r.ok) fail(r.key, r.vars ?? {});
  return r.value;
}

/** Members among `ids` with no platform identity: nobody can message them privately. */
export async function withoutIdentity(tx: Tx, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const have = await tx.platformIdentity.findMany({ where: { memberId: { in: ids } }, select: { memberId: true }, distinct: ['memberId'] });
  const reached = new Set(have.map((h) => h.memberId));
  return new Set(ids.filter((id) => !reached.has(id)));
}

/** A pledge with its campaign, items (in order) and member. */
export async function loadPledge(tx: Tx, id: string) {
  const p = await tx.pledge.findUnique({ where: { id }, include: { campaign: true, items: { orderBy: { position: 'asc' } }, member: { select: { id: true, name: true, branchId: true } } } });
  if (!p) fail('pledge.not_found');
  return p;
}
export type LoadedPledge = Awaited<ReturnType<typeof loadPledge>>;
