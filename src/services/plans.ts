// The work committee's (工委) plan lists: the monthly 主题党日 plan list and the quarterly requirements of
// organizational life (seed 001 "按月发布主题党日计划清单，按季度明确重点组织生活要求"), issued by a 工委 post
// to every 机关党委 and branch chat of every unit under it. Each chat answers [已收到] [已安排]
// (PromptAck, per node); the 工委 sees who has answered without chasing anyone: no reminder goes out.
// A plan list is a TaskPrompt (templateId plan_theme_day / plan_quarter) with one PromptBroadcast.
import type { OrgKind } from '../generated/prisma/enums.js';
import { can, WORK_COMMITTEE_POSTS } from '../access/index.js';
import { periodOf, type PeriodRange } from '../domain/life/period.js';
import { fail, type Unit } from './kernel.js';

export type PlanKind = 'theme_day' | 'quarter';
export type AckState = 'RECEIVED' | 'ARRANGED';

export const PLAN_VIEWS = {
  /** The plan list as a card with [已收到] [已安排]: PlanCardData. */
  card: 'plans.card',
} as const;

export interface PlanCardData {
  broadcastId: string;
  kind: PlanKind;
  /** 2027年1月 / 2027年第一季度 */
  period: string;
  from: string;
  text: string;
  /** The node of the chat it goes to: acks are per node. */
  nodeId: string;
}

export const PLAN_MAX = 3000;
const TEMPLATE: Record<PlanKind, string> = { theme_day: 'plan_theme_day', quarter: 'plan_quarter' };
const CHAT_KINDS: OrgKind[] = ['ORGAN_COMMITTEE', 'BRANCH'];

/** The 工委 a principal issues for: where they hold a 工委 post (the system names one). */
async function committeeOf(unit: Unit, committeeId?: string): Promise<{ id: string; name: string }> {
  const { tx, principal } = unit;
  let id = committeeId;
  if (principal.kind === 'member') {
    const mine = principal.member.posts.filter((p) => WORK_COMMITTEE_POSTS.includes(p.title)).map((p) => p.orgNodeId);
    if (!mine.length || (id && !mine.includes(id))) fail('plans.not_allowed');
    id = id ?? mine[0];
  } else if (principal.kind !== 'system') fail('plans.not_allowed');
  const node = id ? await tx.orgNode.findUnique({ where: { id }, select: { id: true, name: true, kind: true } }) : null;
  if (!node || node.kind !== 'WORK_COMMITTEE') fail('plans.not_allowed');
  return node;
}

/** Every 机关党委 and branch under the committee (through its units), by code. */
async function nodesUnder(unit: Unit, committeeId: string) {
  return unit.tx.$queryRawUnsafe<Array<{ id: string; name: string; kind: OrgKind }>>(
    `WITH RECURSIVE down AS (
       SELECT id, kind, name, code, 0 AS depth FROM "OrgNode" WHERE id = $1
       UNION ALL
       SELECT o.id, o.kind, o.name, o.code, down.depth + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.depth < 16)
     SELECT id, name, kind::text AS kind FROM down WHERE kind::text = ANY($2::text[]) ORDER BY code`,
    committeeId,
    CHAT_KINDS,
  );
}

/**
 * Issue a plan list for the next month (主题党日) or the current quarter (要求) — or `period` — to the group
 * chat of every 机关党委 and branch under the principal's 工委. Audited. Refused when nothing is bound.
 */
export async function issuePlan(unit: Unit, input: { kind: PlanKind; text: string; period?: PeriodRange; committeeId?: string; timezone: string }): Promise<{ broadcastId: string; chats: number; period: string }> {
  const committee = await committeeOf(unit, input.committeeId);
  const text = input.text.trim();
  if (!text) fail(input.kind === 'theme_day' ? 'plans.usage_theme_day' : 'plans.usage_quarter');
  if ([...text].length > PLAN_MAX) fail('plans.too_long', { max: PLAN_MAX });
  const { tx, now } = unit;
  const period = input.period ?? (input.kind === 'theme_day' ? periodOf('month', periodOf('month', now, input.timezone).end, input.timezone) : periodOf('quarter', now, input.timezone));
  const nodes = await nodesUnder(unit, committee.id);
  const chats = await tx.chat.findMany({ where: { kind: 'GROUP', orgNodeId: { in: nodes.map((n) => n.id) } }, select: { id: true, orgNodeId: true }, orderBy: { id: 'asc' } });
  if (!chats.length) fail('plans.no_chats');
  const prompt = await tx.taskPrompt.create({
    data: { templateId: TEMPLATE[input.kind], title: period.label, body: text, audience: { orgNodeIds: nodes.map((n) => n.id) }, schedule: null, createdById: unit.actorId },
  });
  const b = await tx.promptBroadcast.create({ data: { promptId: prompt.id, periodKey: period.key, text } });
  for (const c of chats) {
    const data: PlanCardData = { broadcastId: b.id, kind: input.kind, period: period.label, from: committee.name, text, nodeId: c.orgNodeId! };
    unit.notify({ chat: c.id }, PLAN_VIEWS.card, data as unknown as Record<string, unknown>, `plan:${b.id}:${c.id}`, { category: 'prompt', broadcastId: b.id });
  }
  unit.audit({ action: 'plan.issue', entityType: 'PromptBroadcast', entityId: b.id, detail: { kind: input.kind, period: period.key, chats: chats.length } });
  return { broadcastId: b.id, chats: chats.length, period: period.label };
}

/**
 * A chat's answer to a plan list, for its node: whoever may see the branch (its 支委) or the 机关党委 (its
 * posts). 已安排 also counts as 已收到. Pressing again changes nothing. Audited when it records something.
 */
export async function ackPlan(unit: Unit, input: { broadcastId: string; nodeId: string; state: AckState }): Promise<{ node: string; state: AckState; already: boolean }> {
  const { tx, principal } = unit;
  if (principal.kind !== 'member') fail('errors.internal');
  const b = await tx.promptBroadcast.findUnique({ where: { id: input.broadcastId }, select: { id: true, prompt: { select: { templateId: true, audience: true } } } });
  const audience = (b?.prompt.audience ?? {}) as { orgNodeIds?: string[] };
  if (!b || !Object.values(TEMPLATE).includes(b.prompt.templateId) || !audience.orgNodeIds?.includes(input.nodeId)) fail('errors.token_expired');
  const node = await tx.orgNode.findUniqueOrThrow({ where: { id: input.nodeId }, select: { id: true, name: true, kind: true } });
  if (!(await can(tx, principal, node.kind === 'BRANCH' ? 'branch.view' : 'organ.view', node.id))) fail('errors.not_allowed', { what: { key: 'plans.what_ack' } });
  const states: AckState[] = input.state === 'ARRANGED' ? ['RECEIVED', 'ARRANGED'] : ['RECEIVED'];
  const created = await tx.promptAck.createManyAndReturn({ data: states.map((state) => ({ broadcastId: b.id, orgNodeId: node.id, state, byId: principal.member.id })), skipDuplicates: true, select: { id: true, state: true } });
  const already = !created.some((c) => c.state === input.state);
  if (!already) unit.audit({ action: 'plan.ack', entityType: 'PromptBroadcast', entityId: b.id, detail: { orgNodeId: node.id, state: input.state } });
  return { node: node.name, state: input.state, already };
}

export interface PlanReport {
  broadcastId: string;
  kind: PlanKind;
  period: string;
  text: string;
  /** Every 机关党委 and branch it went to, with how far it answered (names of organisations, never of people). */
  nodes: Array<{ id: string; name: string; kind: OrgKind; state: AckState | null }>;
  counts: { total: number; received: number; arranged: number; none: number };
}

/** Who has answered the latest plan list of the principal's 工委 (or `broadcastId`). Null when there is none. */
export async function planReport(unit: Unit, input: { broadcastId?: string; committeeId?: string } = {}): Promise<PlanReport | null> {
  const committee = await committeeOf(unit, input.committeeId);
  const { tx } = unit;
  const nodes = await nodesUnder(unit, committee.id);
  const ids = nodes.map((n) => n.id);
  const candidates = await tx.promptBroadcast.findMany({
    where: { ...(input.broadcastId ? { id: input.broadcastId } : {}), prompt: { templateId: { in: Object.values(TEMPLATE) } } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, periodKey: true, text: true, prompt: { select: { templateId: true, title: true, audience: true } }, acks: { select: { orgNodeId: true, state: true } } },
    take: 50,
  });
  const b = candidates.find((c) => ((c.prompt.audience ?? {}) as { orgNodeIds?: string[] }).orgNodeIds?.some((id) => ids.includes(id)));
  if (!b) return null;
  const audience = new Set(((b.prompt.audience ?? {}) as { orgNodeIds?: string[] }).orgNodeIds ?? []);
  const rows = nodes
    .filter((n) => audience.has(n.id))
    .map((n) => {
      const mine = b.acks.filter((a) => a.orgNodeId === n.id).map((a) => a.state);
      const state: AckState | null = mine.includes('ARRANGED') ? 'ARRANGED' : mine.includes('RECEIVED') ? 'RECEIVED' : null;
      return { id: n.id, name: n.name, kind: n.kind, state };
    });
  const kind = (Object.entries(TEMPLATE).find(([, t]) => t === b.prompt.templateId)?.[0] ?? 'theme_day') as PlanKind;
  return {
    broadcastId: b.id,
    kind,
    period: b.prompt.title,
    text: b.text,
    nodes: rows,
    counts: { total: rows.length, received: rows.filter((r) => r.state === 'RECEIVED').length, arranged: rows.filter((r) => r.state === 'ARRANGED').length, none: rows.filter((r) => !r.state).length },
  };
}
