// Cards and forms of 承诺践诺, and starting a campaign (shared by the chat command, its form card and
// the CLI). Member text only ever goes into card fields and form values (data the renderers
// escape), never into markdown.
import type { Card, CardForm, FormField } from '../card.js';
import type { Tx } from '../../db/client.js';
import type { Outbound } from '../types.js';
import type { TokenSigner } from '../token.js';
import { UserError } from '../context.js';
import { say } from '../wording.js';
import type { MemberInfo } from '../../domain/org.js';
import { canManage } from '../../domain/org.js';
import { h5Link } from '../../web/h5.js';
import {
  COMMENT_MAX_LENGTH,
  EVIDENCE_MAX_LENGTH,
  formatLocal,
  isSchedule,
  SCHEDULE_NAMES,
  type CampaignRules,
  type CampaignSpec,
  type Period,
} from '../../domain/pledges/rules.js';
import { audienceMembers, memberDestinations, type CampaignRow } from '../../domain/pledges/service.js';
import type { Platform } from '../../generated/prisma/enums.js';

export const A = {
  start: 'pledge.start',
  submit: 'pledge.submit',
  approve: 'pledge.approve',
  ret: 'pledge.return',
  report: 'pledge.report',
  reportApprove: 'pledge.report_approve',
  reportReturn: 'pledge.report_return',
  export: 'pledge.export',
} as const;

const DAY = 86_400;
/** Submit and report forms stay usable through the fulfilment year; the rules decide what is accepted. */
export function formTtl(c: { deadline: Date; reportUntil: Date | null }, now: Date): number {
  const end = Math.max(c.deadline.getTime(), c.reportUntil?.getTime() ?? 0, now.getTime());
  return Math.ceil((end - now.getTime()) / 1000) + 60 * DAY;
}
export const REVIEW_TTL = 90 * DAY;

export function requirementText(c: Pick<CampaignRules, 'mode' | 'minItems' | 'maxItems' | 'itemMaxLength'>): string {
  return c.mode === 'SINGLE_TEXT'
    ? say('pledge.req_single', { len: c.itemMaxLength })
    : say('pledge.req_items', { min: c.minItems, max: c.maxItems, len: c.itemMaxLength });
}

export function lateText(c: Pick<CampaignRules, 'lateRule'>): string {
  return c.lateRule === 'ACCEPT_MARKED' ? say('pledge.late_accept') : say('pledge.late_refuse');
}

export function scheduleText(c: Pick<CampaignRules, 'reportSchedule' | 'reportUntil'>): string {
  if (!isSchedule(c.reportSchedule)) return say('pledge.schedule_none');
  return say('pledge.schedule', { schedule: SCHEDULE_NAMES[c.reportSchedule], until: c.reportUntil ? formatLocal(c.reportUntil, false) : '—' });
}

export interface ItemView {
  position: number;
  category: string | null;
  content: string;
}

/** One field per item: the label names the position and category, the value is the member's text. */
export function itemFields(c: Pick<CampaignRules, 'mode'>, items: ItemView[]): Array<{ label: string; value: string }> {
  if (c.mode === 'SINGLE_TEXT') return items.slice(0, 1).map((it) => ({ label: say('pledge.field_text'), value: it.content }));
  return items.map((it) => ({ label: say('pledge.field_item', { n: it.position, category: it.category ?? '—' }), value: it.content }));
}

/** The submit form: 1..max items (category select + text), or one text; pre-filled with `items`. */
export function pledgeFormFields(c: CampaignRules, items: ItemView[]): FormField[] {
  if (c.mode === 'SINGLE_TEXT') {
    return [{ name: 'content1', label: say('pledge.field_text'), type: 'textarea', required: true, maxLength: c.itemMaxLength, value: items[0]?.content ?? '' }];
  }
  const fields: FormField[] = [];
  for (let i = 1; i <= c.maxItems; i++) {
    const it = items.find((x) => x.position === i);
    const required = i <= c.minItems;
    if (c.categories.length) {
      fields.push({
        name: `category${i}`,
        label: say('pledge.field_category', { n: i }),
        type: 'select',
        required,
        options: c.categories.map((x) => ({ value: x, label: x })),
        value: it?.category ?? '',
      });
    }
    fields.push({ name: `content${i}`, label: say('pledge.field_content', { n: i }), type: 'textarea', required, maxLength: c.itemMaxLength, value: it?.content ?? '' });
  }
  return fields;
}

export function pledgeForm(c: CampaignRules & { reportUntil: Date | null }, pledge: { id: string; memberId: string }, items: ItemView[], deps: { tokens: TokenSigner; publicUrl: string; now: Date }): CardForm {
  const token = deps.tokens.sign({ action: A.submit, target: pledge.id, member: pledge.memberId }, formTtl(c, deps.now), deps.now);
  return { actionId: A.submit, token, submitLabel: say('pledge.submit_label'), fields: pledgeFormFields(c, items), url: h5Link(deps.publicUrl, token) };
}

/** The card a member gets to fill in (or edit) their pledge. */
export function inviteCard(c: CampaignRow, pledge: { id: string; memberId: string }, items: ItemView[], deps: { tokens: TokenSigner; publicUrl: string; now: Date }, title = say('pledge.invite_title', { campaign: c.name })): Card {
  return {
    title,
    tone: 'red',
    fields: [
      { label: say('pledge.label_deadline'), value: formatLocal(c.deadline) },
      { label: say('pledge.label_requirement'), value: requirementText(c) },
      { label: say('pledge.label_late'), value: lateText(c) },
      { label: say('pledge.label_schedule'), value: scheduleText(c) },
    ],
    form: pledgeForm(c, pledge, items, deps),
    footer: say('pledge.invite_footer'),
  };
}

export const progressOptions = () => [
  { value: 'IN_PROGRESS', label: say('pledge.progress_in_progress') },
  { value: 'DONE', label: say('pledge.progress_done') },
];

export function reportFormFields(items: ItemView[], existing: Map<number, { state: string; evidence: string }>): FormField[] {
  return items.flatMap((it) => [
    { name: `state${it.position}`, label: say('pledge.field_state', { n: it.position }), type: 'select' as const, required: true, options: progressOptions(), value: existing.get(it.position)?.state ?? '' },
    { name: `evidence${it.position}`, label: say('pledge.field_evidence', { n: it.position }), type: 'textarea' as const, required: true, maxLength: EVIDENCE_MAX_LENGTH, value: existing.get(it.position)?.evidence ?? '' },
  ]);
}

export function reportCard(
  c: CampaignRow,
  pledge: { id: string; memberId: string },
  items: ItemView[],
  period: Period,
  existing: Map<number, { state: string; evidence: string }>,
  deps: { tokens: TokenSigner; publicUrl: string; now: Date },
  title = say('pledge.report_title', { campaign: c.name, period: period.label }),
): Card {
  const token = deps.tokens.sign({ action: A.report, target: `${pledge.id}:${period.key}`, member: pledge.memberId }, formTtl(c, deps.now), deps.now);
  return {
    title,
    tone: 'blue',
    fields: itemFields(c, items),
    form: { actionId: A.report, token, submitLabel: say('pledge.report_submit_label'), fields: reportFormFields(items, existing), url: h5Link(deps.publicUrl, token) },
    footer: say('pledge.report_footer'),
  };
}

export function returnForm(action: string, target: string, tokens: TokenSigner, now: Date): CardForm {
  return {
    actionId: action,
    token: tokens.sign({ action, target }, REVIEW_TTL, now),
    submitLabel: say('pledge.return_label'),
    fields: [{ name: 'comment', label: say('pledge.field_comment'), type: 'textarea', required: true, maxLength: COMMENT_MAX_LENGTH, placeholder: say('pledge.comment_placeholder') }],
  };
}

// ───────────── starting a campaign ─────────────

const ORGAN_POSTS = new Set(['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER']);

export interface StartResult {
  campaign: CampaignRow;
  outbound: Outbound[];
  asked: number;
  unreachable: string[];
}

/**
 * Create the campaign for `branchId` (scope branch) or for every branch of its 机关党委 (scope unit),
 * a DRAFT pledge per member asked, and a direct invitation card to each reachable member.
 */
export async function startCampaign(
  tx: Tx,
  spec: CampaignSpec,
  starter: MemberInfo,
  branchId: string,
  deps: { tokens: TokenSigner; publicUrl: string; now: Date; prefer?: { platform: Platform; tenantKey: string } },
): Promise<StartResult> {
  let orgNodeId = branchId;
  let branchIds = [branchId];
  const branch = await tx.orgNode.findUnique({ where: { id: branchId }, select: { parentId: true, kind: true } });
  // Started in the unit-wide chat (bound to the 机关党委): the whole unit is meant.
  const scope = branch?.kind === 'ORGAN_COMMITTEE' ? 'unit' : spec.scope;
  if (scope === 'unit') {
    const organId = branch?.kind === 'BRANCH' ? branch.parentId : branchId;
    const organ = organId ? await tx.orgNode.findUnique({ where: { id: organId }, select: { id: true, kind: true } }) : null;
    if (!organ || organ.kind !== 'ORGAN_COMMITTEE' || !starter.active || !starter.posts.some((p) => p.orgNodeId === organ.id && ORGAN_POSTS.has(p.title))) {
      throw new UserError(say('pledge.unit_not_allowed'));
    }
    orgNodeId = organ.id;
    branchIds = (await tx.orgNode.findMany({ where: { parentId: organ.id, kind: 'BRANCH' }, select: { id: true }, orderBy: { code: 'asc' } })).map((b) => b.id);
  } else if (!(await canManage(tx, starter, branchId))) {
    throw new UserError(say('errors.not_allowed', { what: '发起承诺' }));
  }

  const audience = { scope, branchIds, ...(spec.posts.length ? { posts: spec.posts } : {}) };
  const members = await audienceMembers(tx, { audience, orgNodeId });
  if (!members.length) throw new UserError(say('pledge.no_audience'));
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
  const destinations = await memberDestinations(tx, members.map((m) => m.id), deps.prefer);
  const outbound: Outbound[] = [];
  const unreachable: string[] = [];
  for (const p of pledges) {
    const to = destinations.get(p.memberId);
    if (!to) {
      unreachable.push(members.find((m) => m.id === p.memberId)!.name);
      continue;
    }
    outbound.push({ to, body: { kind: 'card', card: inviteCard(campaign, p, [], deps) }, dedupeKey: `pledge:invite:${campaign.id}:${p.memberId}`, category: 'notice', memberId: p.memberId });
  }
  return { campaign, outbound, asked: members.length, unreachable };
}

export function startedCard(r: StartResult): Card {
  const c = r.campaign;
  const fields = [
    { label: say('pledge.label_deadline'), value: formatLocal(c.deadline) },
    { label: say('pledge.label_requirement'), value: requirementText(c) },
    { label: say('pledge.label_late'), value: lateText(c) },
    { label: say('pledge.label_schedule'), value: scheduleText(c) },
    { label: say('pledge.label_asked'), value: say('pledge.count_people', { n: r.asked }) },
  ];
  if (r.unreachable.length) fields.push({ label: say('pledge.label_unreachable'), value: say('pledge.count_people', { n: r.unreachable.length }) });
  return { title: say('pledge.started_title', { campaign: c.name }), tone: 'red', fields, footer: say('pledge.started_footer') };
}
