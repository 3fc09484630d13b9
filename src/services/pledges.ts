// 承诺践诺 services: starting a campaign, a member's pledge (submit, edit), its review, and what a
// member sees of their own pledges. Each takes the Unit (transaction, principal, time) and its input,
// checks access through src/access, and returns its result plus intents: invitation and review cards
// as notify intents with a view (rendered by src/chat/presenters/pledges.ts), review cards that
// changed as refresh intents. Fulfilment (践诺) is in pledges-fulfilment.ts; status, export and
// reminders in pledges-oversight.ts. Dates are read in `tz` (TIMEZONE).
import type { PledgeStatus } from '../generated/prisma/enums.js';
import { actingMember, authorize, can, managedBranchIds, organPostNodeIds } from '../access/index.js';
import { checkItems, checkSpec, currentFulfilmentPeriod, decideReview, decideSubmit, itemsFromForm, parseCampaignCommand, parseDeadline, type RawSpec } from '../domain/pledges/rules.js';
import { fail, type Unit } from './kernel.js';
import { audienceMembers, inAudience, loadPledge, orFail, reviewersOf, withoutIdentity, type CampaignRow, type LoadedPledge } from './pledges-audience.js';

export interface ItemView {
  position: number;
  category: string | null;
  content: string;
}

/** The views and shared cards of this area (names the presenters register). */
export const PLEDGE_VIEWS = {
  /** A member's card to fill in their pledge: { campaign, pledge, items, title?, comment? }. */
  invite: 'pledge.invite',
  /** A returned pledge, with the comment and the form again. */
  returned: 'pledge.returned',
  /** The card a reviewer decides on: { campaign, pledge, member, items, submittedAt, editOfApproved }. */
  review: 'pledge.review',
  /** A fulfilment report to review: { campaign, pledge, member, items, period, reports, target }. */
  reportReview: 'pledge.report_review',
  /** A returned report, with the comment and the form again. */
  reportReturned: 'pledge.report_returned',
  /** A reminder to submit: { campaign, deadline }. */
  remindSubmit: 'pledge.remind_submit',
} as const;

/** Shared cards a refresh intent names (their id is the dedupe key of the card sent). */
export const PLEDGE_CARDS = { review: 'pledge.review', reportReview: 'pledge.report_review' } as const;

export const reviewKey = (pledgeId: string, version: number, reviewerId: string) => `pledge:review:${pledgeId}:v${version}:${reviewerId}`;

// ───────────── starting ─────────────

/** Whether the principal may open the start form at all (a 机关党委 post, or some branch to manage). */
export async function mayStartCampaign(unit: Unit): Promise<void> {
  if (await can(unit.tx, unit.principal, 'organ.any')) return;
  if ((await managedBranchIds(unit.tx, unit.principal)).length) return;
  fail('errors.not_allowed', { what: { key: 'commands.pledge.start.what' } });
}

export interface StartInput {
  /** The node it is started for: a branch, or a 机关党委 (the whole unit). */
  nodeId: string;
  /** The command text (发起承诺 …), or the form's raw values with the deadline as typed. */
  text?: string;
  raw?: RawSpec & { deadlineText?: string };
  tz: string;
}

export interface StartResult {
  campaign: CampaignRow;
  asked: number;
  /** Names of members asked who have no platform identity (nobody can message them). */
  unreachable: string[];
}

function checkRaw({ deadlineText, ...raw }: RawSpec & { deadlineText?: string }, now: Date, tz: string) {
  if (deadlineText !== undefined) raw.deadline = orFail(parseDeadline(deadlineText, undefined, now, tz));
  return checkSpec(raw, now, tz);
}

/**
 * Create the campaign for a branch (scope branch) or for every branch of its 机关党委 (scope unit,
 * also whenever it is started for the 机关党委 itself), a DRAFT pledge per member asked, and an
 * invitation card to each of them.
 */
export async function startCampaign(unit: Unit, input: StartInput): Promise<StartResult> {
  const { tx } = unit;
  const starter = actingMember(unit.principal);
  const spec = orFail(input.raw ? checkRaw(input.raw, unit.now, input.tz) : parseCampaignCommand(input.text ?? '', unit.now, input.tz));
  const node = await tx.orgNode.findUnique({ where: { id: input.nodeId }, select: { id: true, parentId: true, kind: true } });
  if (!node) fail('errors.not_allowed', { what: { key: 'commands.pledge.start.what' } });
  let orgNodeId = node.id;
  let branchIds = [node.id];
  const scope = node.kind === 'ORGAN_COMMITTEE' ? 'unit' : spec.scope;
  if (scope === 'unit') {
    const organId = node.kind === 'BRANCH' ? node.parentId : node.id;
    const organ = organId ? await tx.orgNode.findUnique({ where: { id: organId }, select: { id: true, kind: true } }) : null;
    if (!organ || organ.kind !== 'ORGAN_COMMITTEE' || !organPostNodeIds(unit.principal).includes(organ.id)) fail('pledge.unit_not_allowed');
    orgNodeId = organ.id;
    branchIds = (await tx.orgNode.findMany({ where: { parentId: organ.id, kind: 'BRANCH' }, select: { id: true }, orderBy: { code: 'asc' } })).map((b) => b.id);
  } else {
    await authorize(tx, unit.principal, 'branch.manage', node.id, 'commands.pledge.start.what');
  }

  const audience = { scope, branchIds, ...(spec.posts.length ? { posts: spec.posts } : {}) };
  const members = await audienceMembers(tx, { audience, orgNodeId });
  if (!members.length) fail('pledge.no_audience');
  const campaign = await tx.pledgeCampaign.create({
    data: {
      orgNodeId,
      name: spec.name,
      mode: spec.mode,
      minItems: spec.minItems,
      maxItems: spec.maxItems,
      itemMaxLength: spec.itemMaxLength,
      categories: spec.categories,
      audience,
      deadline: spec.deadline,
      lateRule: spec.lateRule,
      reportSchedule: spec.reportSchedule,
      reportUntil: spec.reportUntil,
      createdById: starter.id,
    },
  });
  await tx.pledge.createMany({ data: members.map((m) => ({ campaignId: campaign.id, memberId: m.id })) });
  const pledges = await tx.pledge.findMany({ where: { campaignId: campaign.id }, select: { id: true, memberId: true } });
  for (const p of pledges) {
    unit.notify({ member: p.memberId }, PLEDGE_VIEWS.invite, { campaign, pledge: p, items: [] }, `pledge:invite:${campaign.id}:${p.memberId}`, { category: 'notice' });
  }
  const missing = await withoutIdentity(tx, members.map((m) => m.id));
  const unreachable = members.filter((m) => missing.has(m.id)).map((m) => m.name);
  unit.audit({
    action: 'pledge.campaign_start',
    entityType: 'PledgeCampaign',
    entityId: campaign.id,
    detail: { asked: members.length, unreachable: unreachable.length, scope, via: unit.principal.kind === 'member' ? unit.principal.via : 'system' },
  });
  return { campaign, asked: members.length, unreachable };
}

// ───────────── the member's pledge ─────────────

const sameItems = (a: ItemView[], b: Array<{ category: string | null; content: string }>) =>
  a.length === b.length && a.every((x, i) => x.content === b[i]!.content && (x.category ?? null) === (b[i]!.category ?? null));

/** Only the member themselves works on their pledge. */
function ownPledge(unit: Unit, p: LoadedPledge): void {
  if (unit.actorId !== p.memberId) fail('pledge.not_yours');
}

export interface SubmitInput {
  pledgeId: string;
  /** Form values: category1/content1 … (content1 only for a single text). */
  form: Record<string, string>;
  tz: string;
}

export type SubmitResult =
  | { outcome: 'unchanged' }
  | { outcome: 'submitted'; campaign: CampaignRow; items: ItemView[]; late: boolean; editOfApproved: boolean; version: number; reviewersReached: boolean };

/** DRAFT/RETURNED/SUBMITTED/APPROVED → SUBMITTED (see decideSubmit); the reviewers get a review card. */
export async function submitPledge(unit: Unit, input: SubmitInput): Promise<SubmitResult> {
  const { tx } = unit;
  const p = await loadPledge(tx, input.pledgeId);
  ownPledge(unit, p);
  const c = p.campaign;
  if (p.status !== 'WITHDRAWN' && !(await inAudience(tx, c, p.memberId))) fail('pledge.withdrawn');
  const decision = orFail(decideSubmit(p, c, unit.now, input.tz));
  const items = orFail(checkItems(c, itemsFromForm(c, input.form)));
  if ((p.status === 'SUBMITTED' || p.status === 'APPROVED') && sameItems(p.items, items)) return { outcome: 'unchanged' };

  // Update items in place (their progress reports stay attached), add new positions, drop the rest.
  for (const [i, it] of items.entries()) {
    const position = i + 1;
    const old = p.items.find((x) => x.position === position);
    if (old) await tx.pledgeItem.update({ where: { id: old.id }, data: { category: it.category, content: it.content } });
    else await tx.pledgeItem.create({ data: { pledgeId: p.id, position, category: it.category, content: it.content } });
  }
  await tx.pledgeItem.deleteMany({ where: { pledgeId: p.id, position: { gt: items.length } } });
  const version = p.version + 1;
  await tx.pledge.update({ where: { id: p.id }, data: { status: 'SUBMITTED', late: decision.late, version, submittedAt: unit.now } });
  const { editOfApproved, resubmission, late } = decision;
  unit.audit({
    action: editOfApproved ? 'pledge.edit_after_approval' : resubmission ? 'pledge.resubmit' : 'pledge.submit',
    entityType: 'Pledge',
    entityId: p.id,
    detail: { version, late, items: items.length, from: p.status },
  });

  const fresh = items.map((it, i) => ({ position: i + 1, category: it.category, content: it.content }));
  const reviewers = await reviewersOf(tx, p.member.branchId, p.memberId);
  // An older card still waiting for a decision now shows that it was replaced.
  if (p.status === 'SUBMITTED') for (const r of reviewers) unit.refresh(PLEDGE_CARDS.review, reviewKey(p.id, p.version, r.id));
  const pledge = { id: p.id, memberId: p.memberId, version, late };
  for (const r of reviewers) {
    unit.notify({ member: r.id }, PLEDGE_VIEWS.review, { campaign: c, pledge, member: p.member, items: fresh, submittedAt: unit.now, editOfApproved }, reviewKey(p.id, version, r.id), { category: 'approval' });
  }
  const unreachable = await withoutIdentity(tx, reviewers.map((r) => r.id));
  return { outcome: 'submitted', campaign: c, items: fresh, late, editOfApproved, version, reviewersReached: reviewers.some((r) => !unreachable.has(r.id)) };
}

export interface ReviewInput {
  pledgeId: string;
  /** The version the review card showed. */
  version: number;
  approve: boolean;
  /** Required to return. */
  comment?: string | null;
}

export interface ReviewResult {
  approve: boolean;
  member: { id: string; name: string };
  campaign: CampaignRow;
  items: ItemView[];
  comment: string | null;
  reviewer: string;
}

/** SUBMITTED → APPROVED or RETURNED (with a comment), by a manager of the member's branch who is not the member. */
export async function reviewPledge(unit: Unit, input: ReviewInput): Promise<ReviewResult> {
  const { tx } = unit;
  const me = actingMember(unit.principal);
  const p = await loadPledge(tx, input.pledgeId);
  await authorize(tx, unit.principal, 'branch.manage', p.member.branchId, 'pledge.what_review');
  if (p.memberId === me.id) fail('pledge.review_own');
  if (p.version !== input.version) fail('pledge.review_stale');
  orFail(decideReview(p.status));
  const comment = input.approve ? null : (input.comment ?? '').trim();
  if (comment === '') fail('pledge.comment_missing');
  const status: PledgeStatus = input.approve ? 'APPROVED' : 'RETURNED';
  await tx.pledge.update({ where: { id: p.id }, data: { status } });
  await tx.pledgeReview.create({ data: { pledgeId: p.id, reviewerId: me.id, decision: input.approve ? 'APPROVED' : 'REJECTED', comment } });
  unit.audit({ action: input.approve ? 'pledge.approve' : 'pledge.return', entityType: 'Pledge', entityId: p.id, detail: { version: p.version } });

  // Every reviewer's card of this version shows the decision.
  const reviewers = await reviewersOf(tx, p.member.branchId, p.memberId);
  for (const id of new Set([...reviewers.map((r) => r.id), me.id])) unit.refresh(PLEDGE_CARDS.review, reviewKey(p.id, p.version, id));
  if (input.approve) {
    unit.notify({ member: p.memberId }, 'pledge.approved_notice', { campaign: p.campaign.name }, `pledge:approved:${p.id}:v${p.version}`, { category: 'notice' });
  } else {
    unit.notify({ member: p.memberId }, PLEDGE_VIEWS.returned, { campaign: p.campaign, pledge: { id: p.id, memberId: p.memberId }, items: p.items, comment }, `pledge:returned:${p.id}:v${p.version}`, { category: 'notice' });
  }
  return { approve: input.approve, member: { id: p.member.id, name: p.member.name }, campaign: p.campaign, items: p.items, comment, reviewer: me.name };
}

export interface MyPledge {
  campaign: CampaignRow;
  pledge: { id: string; memberId: string; status: PledgeStatus; late: boolean };
  items: ItemView[];
  /** The comment of the last review when the pledge was returned. */
  comment: string | null;
  /** The member may still submit or edit it. */
  editable: boolean;
  /** An approved pledge with a fulfilment period open for reporting. */
  reportDue: boolean;
}

/** The member's pledges in open campaigns (newest three). */
export async function myPledges(unit: Unit, input: { tz: string }): Promise<MyPledge[]> {
  const me = actingMember(unit.principal);
  const pledges = await unit.tx.pledge.findMany({
    where: { memberId: me.id, status: { not: 'WITHDRAWN' }, campaign: { closedAt: null } },
    include: { campaign: true, items: { orderBy: { position: 'asc' } }, reviews: { where: { pledgeId: { not: null } }, orderBy: { createdAt: 'desc' }, take: 1 } },
    orderBy: { campaign: { createdAt: 'desc' } },
    take: 3,
  });
  const out: MyPledge[] = [];
  for (const p of pledges) {
    const c = p.campaign;
    const editable = decideSubmit(p, c, unit.now, input.tz).ok && (await inAudience(unit.tx, c, p.memberId));
    out.push({
      campaign: c,
      pledge: { id: p.id, memberId: p.memberId, status: p.status, late: p.late },
      items: p.items,
      comment: p.status === 'RETURNED' ? (p.reviews[0]?.comment ?? null) : null,
      editable,
      reportDue: p.status === 'APPROVED' && currentFulfilmentPeriod(c, unit.now, input.tz) !== null,
    });
  }
  return out;
}
