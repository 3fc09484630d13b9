// Presenters of 承诺践诺: the cards and forms of the pledge services' results and intents (invitation,
// review, report and status cards, reminders), the shared review cards that change after a decision,
// and the action ids their buttons and forms carry. Member text only ever goes into card fields and
// form values (data the renderers escape), never into markdown. Dates in the configured zone.
import type { Sql } from '../../db/sql.js';
import type { PostTitle } from '../../generated/prisma/enums.js';
import { POST_NAMES } from '../../domain/org.js';
import type { PledgeStatus } from '../../generated/prisma/enums.js';
import { COMMENT_MAX_LENGTH, EVIDENCE_MAX_LENGTH, formatLocal, isSchedule, periodByKey, type CampaignRules, type Period, type RawSpec, type Schedule } from '../../domain/pledges/rules.js';
import { PLEDGE_CARDS, PLEDGE_VIEWS, type ItemView, type MyPledge, type ReviewResult, type StartResult } from '../../services/pledges.js';
import type { ReportForm, ReportReviewResult } from '../../services/pledges-fulfilment.js';
import type { StatusResult } from '../../services/pledges-oversight.js';
import type { CampaignRow } from '../../services/pledges-audience.js';
import { fail } from '../../services/kernel.js';
import { formLink } from '../forms.js';
import type { Card, CardForm, FormField } from '../card.js';
import type { TokenSigner } from '../token.js';
import type { Destination, Outbound } from '../types.js';
import { say } from '../wording.js';
import type { PresentEnv, Presenters } from './registry.js';

/** Action ids of the pledge cards' buttons and forms (inside their signed tokens). */
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

/** What a card needs to sign tokens and links, and the zone to show dates in. */
export type CardEnv = Pick<PresentEnv, 'tokens' | 'publicUrl' | 'now' | 'timezone'>;

const DAY = 86_400;
/** How long forms outlive the campaign's dates, for what the rules still accept then (a returned
 *  pledge's resubmission, late submissions under ACCEPT_MARKED) and for their refusals in words. */
export const FORM_GRACE_DAYS = 60;

/**
 * Submit and report forms live as long as the campaign they serve (issue 17): through its deadline
 * or the end of its reporting (fulfilment) period, whichever is later, plus FORM_GRACE_DAYS; a
 * closed campaign (结束承诺) signs forms that are already expired, and the service refuses the
 * older ones with the reason.
 */
export function formTtl(c: { deadline: Date; reportUntil: Date | null; closedAt?: Date | null }, now: Date): number {
  if (c.closedAt) return 0;
  const end = Math.max(c.deadline.getTime(), c.reportUntil?.getTime() ?? 0, now.getTime());
  return Math.ceil((end - now.getTime()) / 1000) + FORM_GRACE_DAYS * DAY;
}
export const REVIEW_TTL = 90 * DAY;

export const SCHEDULE_NAMES: Record<Schedule, string> = { month: '每月', quarter: '每季度', half: '每半年', year: '每年' };
export const STATUS_NAMES: Record<PledgeStatus, string> = {
  DRAFT: '未提交',
  SUBMITTED: '待审核',
  APPROVED: '已通过',
  RETURNED: '已退回',
  WITHDRAWN: '已转出',
};

/** The export link is short-lived. */
export const EXPORT_TTL = 3600;

export const when = (d: Date, env: Pick<PresentEnv, 'timezone'>, withTime = true) => formatLocal(d, env.timezone, withTime);

export function requirementText(c: Pick<CampaignRules, 'mode' | 'minItems' | 'maxItems' | 'itemMaxLength'>): string {
  return c.mode === 'SINGLE_TEXT' ? say('pledge.req_single', { len: c.itemMaxLength }) : say('pledge.req_items', { min: c.minItems, max: c.maxItems, len: c.itemMaxLength });
}

function lateText(c: Pick<CampaignRules, 'lateRule'>): string {
  return c.lateRule === 'ACCEPT_MARKED' ? say('pledge.late_accept') : say('pledge.late_refuse');
}

function scheduleText(c: Pick<CampaignRules, 'reportSchedule' | 'reportUntil'>, env: Pick<PresentEnv, 'timezone'>): string {
  if (!isSchedule(c.reportSchedule)) return say('pledge.schedule_none');
  return say('pledge.schedule', { schedule: SCHEDULE_NAMES[c.reportSchedule], until: c.reportUntil ? when(c.reportUntil, env, false) : '—' });
}

/** The campaign's rules as card fields. */
function rulesFields(c: CampaignRow, env: Pick<PresentEnv, 'timezone'>): Array<{ label: string; value: string }> {
  return [
    { label: say('pledge.label_deadline'), value: when(c.deadline, env) },
    { label: say('pledge.label_requirement'), value: requirementText(c) },
    { label: say('pledge.label_late'), value: lateText(c) },
    { label: say('pledge.label_schedule'), value: scheduleText(c, env) },
  ];
}

/** One field per item: the label names the position and category, the value is the member's text. */
export function itemFields(c: Pick<CampaignRules, 'mode'>, items: ItemView[]): Array<{ label: string; value: string }> {
  if (c.mode === 'SINGLE_TEXT') return items.slice(0, 1).map((it) => ({ label: say('pledge.field_text'), value: it.content }));
  return items.map((it) => ({ label: say('pledge.field_item', { n: it.position, category: it.category ?? '—' }), value: it.content }));
}

// ───────────── starting ─────────────

export function startFormFields(): FormField[] {
  const schedules: Schedule[] = ['month', 'quarter', 'half', 'year'];
  return [
    { name: 'name', label: say('pledge.form_name'), type: 'text', required: true, maxLength: 50, placeholder: say('pledge.form_name_placeholder') },
    { name: 'scope', label: say('pledge.form_scope'), type: 'select', required: true, value: 'branch', options: [{ value: 'branch', label: say('pledge.scope_branch') }, { value: 'unit', label: say('pledge.scope_unit') }] },
    { name: 'posts', label: say('pledge.form_posts'), type: 'text', maxLength: 100, placeholder: say('pledge.form_posts_placeholder') },
    { name: 'mode', label: say('pledge.form_mode'), type: 'select', required: true, value: 'ITEMS', options: [{ value: 'ITEMS', label: say('pledge.mode_items') }, { value: 'SINGLE_TEXT', label: say('pledge.mode_single') }] },
    { name: 'items', label: say('pledge.form_items'), type: 'text', maxLength: 10, placeholder: '1-5' },
    { name: 'categories', label: say('pledge.form_categories'), type: 'text', maxLength: 300, placeholder: say('pledge.form_categories_placeholder') },
    { name: 'deadline', label: say('pledge.form_deadline'), type: 'date', required: true },
    { name: 'late', label: say('pledge.form_late'), type: 'select', required: true, value: 'REFUSE', options: [{ value: 'REFUSE', label: say('pledge.late_refuse') }, { value: 'ACCEPT_MARKED', label: say('pledge.late_accept') }] },
    {
      name: 'report',
      label: say('pledge.form_report'),
      type: 'select',
      required: true,
      value: 'quarter',
      options: [{ value: 'none', label: say('pledge.schedule_none') }, ...schedules.map((s) => ({ value: s, label: say('pledge.schedule_option', { schedule: SCHEDULE_NAMES[s] }) }))],
    },
  ];
}

export function startFormCard(nodeId: string, memberId: string, env: CardEnv): Card {
  const form: CardForm = {
    actionId: A.start,
    token: env.tokens.sign({ action: A.start, target: nodeId, member: memberId }, 7 * DAY, env.now),
    submitLabel: say('pledge.start_submit_label'),
    fields: startFormFields(),
  };
  return { title: say('pledge.start_form_title'), tone: 'red', form, footer: say('pledge.start_form_footer') };
}

/** The start form's values as the rules' raw spec (the deadline still to be read: `deadline`). */
export function rawSpecFromForm(v: Record<string, string>): { raw: RawSpec; deadline: string } {
  const raw: RawSpec = {
    name: v.name,
    scope: v.scope === 'unit' ? 'unit' : 'branch',
    mode: v.mode === 'SINGLE_TEXT' ? 'SINGLE_TEXT' : 'ITEMS',
    lateRule: v.late === 'ACCEPT_MARKED' ? 'ACCEPT_MARKED' : 'REFUSE',
    reportSchedule: isSchedule(v.report) ? v.report : null,
  };
  if (v.items) {
    const m = v.items.match(/^(\d{1,2})(?:\s*[-–—~～至到]\s*(\d{1,2}))?$/);
    if (!m) fail('pledge.bad_item_count', { max: 10 });
    raw.minItems = m[2] ? Number(m[1]) : 1;
    raw.maxItems = Number(m[2] ?? m[1]);
  }
  if (v.categories) raw.categories = v.categories.split(/[、,，/;；\s]+/).filter(Boolean);
  if (v.posts) {
    const byName = new Map(Object.entries(POST_NAMES).map(([k, n]) => [n, k as PostTitle]));
    const names = v.posts.split(/[、,，\s]+/).filter(Boolean);
    const bad = names.find((n) => !byName.has(n));
    if (bad) fail('pledge.unknown_word', { word: bad });
    raw.posts = names.map((n) => byName.get(n)!);
  }
  return { raw, deadline: v.deadline ?? '' };
}

export function startedCard(r: StartResult, env: Pick<PresentEnv, 'timezone'>): Card {
  const fields = [...rulesFields(r.campaign, env), { label: say('pledge.label_asked'), value: say('pledge.count_people', { n: r.asked }) }];
  if (r.unreachable.length) fields.push({ label: say('pledge.label_unreachable'), value: say('pledge.count_people', { n: r.unreachable.length }) });
  return { title: say('pledge.started_title', { campaign: r.campaign.name }), tone: 'red', fields, footer: say('pledge.started_footer') };
}


// ───────────── the member's pledge ─────────────

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
      fields.push({ name: `category${i}`, label: say('pledge.field_category', { n: i }), type: 'select', required, options: c.categories.map((x) => ({ value: x, label: x })), value: it?.category ?? '' });
    }
    fields.push({ name: `content${i}`, label: say('pledge.field_content', { n: i }), type: 'textarea', required, maxLength: c.itemMaxLength, value: it?.content ?? '' });
  }
  return fields;
}

function pledgeForm(c: CampaignRow, pledge: { id: string; memberId: string }, items: ItemView[], env: CardEnv): CardForm {
  const token = env.tokens.sign({ action: A.submit, target: pledge.id, member: pledge.memberId }, formTtl(c, env.now), env.now);
  return { actionId: A.submit, token, submitLabel: say('pledge.submit_label'), fields: pledgeFormFields(c, items), url: formLink(env.publicUrl, token) };
}

/** The card a member gets to fill in (or edit) their pledge. */
export function inviteCard(c: CampaignRow, pledge: { id: string; memberId: string }, items: ItemView[], env: CardEnv, title = say('pledge.invite_title', { campaign: c.name })): Card {
  return { title, tone: 'red', fields: rulesFields(c, env), form: pledgeForm(c, pledge, items, env), footer: say('pledge.invite_footer') };
}

function returnedCard(c: CampaignRow, pledge: { id: string; memberId: string }, items: ItemView[], comment: string, env: CardEnv): Card {
  const card = inviteCard(c, pledge, items, env, say('pledge.returned_title', { campaign: c.name }));
  return { ...card, fields: [{ label: say('pledge.label_comment'), value: comment }, ...(card.fields ?? [])], footer: say('pledge.returned_footer') };
}

export function submittedCard(r: { campaign: CampaignRow; items: ItemView[]; late: boolean; editOfApproved: boolean; reviewersReached: boolean }): Card {
  return {
    title: submittedTitle(r),
    tone: 'green',
    fields: [...itemFields(r.campaign, r.items), ...(r.late ? [{ label: say('pledge.label_late_mark'), value: say('pledge.late_mark') }] : [])],
    footer: r.reviewersReached ? say('pledge.submitted_footer') : say('pledge.no_reviewer'),
  };
}

export const submittedTitle = (r: { campaign: CampaignRow; editOfApproved: boolean }) => say(r.editOfApproved ? 'pledge.edited_title' : 'pledge.submitted_title', { campaign: r.campaign.name });

/** 我的承诺: the form again while it can be edited, else the pledge as it stands. */
export function myPledgeCard(m: MyPledge, env: CardEnv): Card {
  const c = m.campaign;
  const fields = [{ label: say('pledge.label_status'), value: STATUS_NAMES[m.pledge.status] + (m.pledge.late ? `（${say('pledge.late_mark')}）` : '') }, ...itemFields(c, m.items)];
  if (m.comment) fields.push({ label: say('pledge.label_comment'), value: m.comment });
  const title = say('pledge.mine_title', { campaign: c.name });
  if (m.editable) {
    const card = inviteCard(c, m.pledge, m.items, env, title);
    return { ...card, fields: [...fields, ...(card.fields ?? [])], footer: say('pledge.mine_footer_editable') };
  }
  return { title, tone: 'blue', fields: [{ label: say('pledge.label_deadline'), value: when(c.deadline, env) }, ...fields], footer: say(m.reportDue ? 'pledge.mine_footer_report' : 'pledge.mine_footer_locked') };
}

// ───────────── review ─────────────

export function returnForm(action: string, target: string, tokens: TokenSigner, now: Date): CardForm {
  return {
    actionId: action,
    token: tokens.sign({ action, target }, REVIEW_TTL, now),
    submitLabel: say('pledge.return_label'),
    fields: [{ name: 'comment', label: say('pledge.field_comment'), type: 'textarea', required: true, maxLength: COMMENT_MAX_LENGTH, placeholder: say('pledge.comment_placeholder') }],
  };
}

interface ReviewData {
  campaign: CampaignRow;
  pledge: { id: string; version: number; late: boolean };
  member: { name: string };
  items: ItemView[];
  submittedAt: Date;
  editOfApproved: boolean;
}

function reviewCard(d: ReviewData, env: CardEnv): Card {
  const target = `${d.pledge.id}:${d.pledge.version}`;
  const fields = [{ label: say('pledge.label_member'), value: d.member.name }, ...itemFields(d.campaign, d.items), { label: say('pledge.label_submitted_at'), value: when(d.submittedAt, env) }];
  if (d.pledge.late) fields.push({ label: say('pledge.label_late_mark'), value: say('pledge.late_mark') });
  if (d.editOfApproved) fields.push({ label: say('pledge.label_note'), value: say('pledge.edit_after_approval_note') });
  return {
    title: say('pledge.review_title', { name: d.member.name, campaign: d.campaign.name }),
    tone: 'orange',
    fields,
    buttons: [{ actionId: A.approve, label: say('pledge.approve_label'), style: 'primary', token: env.tokens.sign({ action: A.approve, target }, REVIEW_TTL, env.now) }],
    form: returnForm(A.ret, target, env.tokens, env.now),
    footer: say('pledge.review_footer'),
  };
}

/** A decided review card (the clicked one, and every reviewer's copy). */
export function reviewedCard(r: Pick<ReviewResult, 'approve' | 'comment' | 'reviewer' | 'items'> & { memberName: string; mode: CampaignRules['mode'] }): Card {
  return {
    title: say(r.approve ? 'pledge.reviewed_approved_title' : 'pledge.reviewed_returned_title', { name: r.memberName }),
    tone: r.approve ? 'green' : 'grey',
    fields: [...itemFields({ mode: r.mode }, r.items), ...(r.comment ? [{ label: say('pledge.label_comment'), value: r.comment }] : []), { label: say('pledge.label_reviewer'), value: r.reviewer }],
  };
}

// ───────────── fulfilment (践诺) ─────────────

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

/** The report form's values by item position. */
export function reportsFromForm(items: ItemView[], v: Record<string, string>): Map<number, { state: string; evidence: string }> {
  return new Map(items.map((it) => [it.position, { state: v[`state${it.position}`] ?? '', evidence: v[`evidence${it.position}`] ?? '' }]));
}

export function reportCard(f: ReportForm, env: CardEnv, title = say('pledge.report_title', { campaign: f.campaign.name, period: f.period.label })): Card {
  const token = env.tokens.sign({ action: A.report, target: `${f.pledge.id}:${f.period.key}`, member: f.pledge.memberId }, formTtl(f.campaign, env.now), env.now);
  return {
    title,
    tone: 'blue',
    fields: itemFields(f.campaign, f.items),
    form: { actionId: A.report, token, submitLabel: say('pledge.report_submit_label'), fields: reportFormFields(f.items, f.existing), url: formLink(env.publicUrl, token) },
    footer: say('pledge.report_footer'),
  };
}

interface ReportReviewData {
  campaign: CampaignRow;
  member: { name: string };
  items: ItemView[];
  period: Period;
  reports: Record<number, { state: string; evidence: string }>;
  target: string;
}

function reportReviewCard(d: ReportReviewData, env: CardEnv): Card {
  const names = Object.fromEntries(progressOptions().map((o) => [o.value, o.label]));
  const fields = [{ label: say('pledge.label_member'), value: d.member.name }, ...itemFields(d.campaign, d.items)];
  for (const it of d.items) {
    const r = d.reports[it.position];
    if (r) fields.push({ label: say('pledge.field_report', { n: it.position, state: names[r.state] ?? r.state }), value: r.evidence });
  }
  return {
    title: say('pledge.report_review_title', { name: d.member.name, period: d.period.label }),
    tone: 'orange',
    fields,
    buttons: [{ actionId: A.reportApprove, label: say('pledge.approve_label'), style: 'primary', token: env.tokens.sign({ action: A.reportApprove, target: d.target }, REVIEW_TTL, env.now) }],
    form: returnForm(A.reportReturn, d.target, env.tokens, env.now),
    footer: say('pledge.review_footer'),
  };
}

export function reportReviewedCard(r: Pick<ReportReviewResult, 'approve' | 'comment' | 'reviewer'> & { memberName: string; periodLabel: string }): Card {
  return {
    title: say(r.approve ? 'pledge.report_reviewed_approved_title' : 'pledge.report_reviewed_returned_title', { name: r.memberName, period: r.periodLabel }),
    tone: r.approve ? 'green' : 'grey',
    fields: [...(r.comment ? [{ label: say('pledge.label_comment'), value: r.comment }] : []), { label: say('pledge.label_reviewer'), value: r.reviewer }],
  };
}

// ───────────── status ─────────────

const names = (list: Array<{ name: string }>) => (list.length ? list.map((x) => x.name).join('、') : say('pledge.none'));

export function statusCard(s: StatusResult, env: Pick<PresentEnv, 'timezone'>): Card {
  const c = s.campaign;
  const by = s.tally.byStatus;
  const line = (key: string, list: Array<{ name: string }>) => ({ label: say(key, { n: list.length }), value: names(list) });
  const fields = [
    { label: say('pledge.label_deadline'), value: when(c.deadline, env) + (s.deadlinePassed ? say('pledge.deadline_passed_suffix') : '') },
    { label: say('pledge.label_expected'), value: say('pledge.count_people', { n: s.tally.expected }) },
    line('pledge.status_submitted', by.SUBMITTED),
    line('pledge.status_approved', by.APPROVED),
    line('pledge.status_returned', by.RETURNED),
    line('pledge.status_missing', by.DRAFT),
  ];
  const late = [...by.SUBMITTED, ...by.APPROVED, ...by.RETURNED].filter((x) => x.late);
  if (late.length) fields.push(line('pledge.status_late', late));
  if (by.WITHDRAWN.length) fields.push(line('pledge.status_withdrawn', by.WITHDRAWN));
  const f = s.fulfilment;
  if (f) {
    fields.push(
      { label: say('pledge.status_report_done', { period: f.period.label, n: f.approved.length }), value: names(f.approved) },
      { label: say('pledge.status_report_pending', { n: f.pending.length }), value: names(f.pending) },
      { label: say('pledge.status_report_missing', { n: f.missing.length }), value: names(f.missing) },
    );
  }
  return { title: say('pledge.status_title', { campaign: c.name }), tone: 'blue', fields, footer: say('pledge.status_footer') };
}

/** The signed download link of a campaign's workbook (web/pledge-files.ts checks it again). */
export function exportLink(campaignId: string, memberId: string, env: CardEnv): string {
  const token = env.tokens.sign({ action: A.export, target: campaignId, member: memberId }, EXPORT_TTL, env.now);
  return `${env.publicUrl.replace(/\/$/, '')}/files/pledges?t=${encodeURIComponent(token)}`;
}

// ───────────── review cards that changed (refresh intents) ─────────────

/** Where the card with this dedupe key was sent, and to whom; null when it never was. */
async function sentCard(sql: Sql, key: string): Promise<{ to: Destination; memberId: string | null } | null> {
  const rows = await sql.query<{ to: Destination; memberId: string | null }>(
    `SELECT json_build_object('platform', o.platform, 'tenantKey', o."tenantKey", 'target', o.target, 'targetKind', o."targetKind") AS "to", o."memberId"
       FROM "OutboxMessage" o WHERE o."dedupeKey" = $1 AND o.kind = 'card'`,
    [key],
  );
  return rows[0] ?? null;
}

const update = (sent: { to: Destination; memberId: string | null }, key: string, state: string, card: Card): Outbound => ({
  to: sent.to,
  body: { kind: 'card_update', ofKey: key, card },
  dedupeKey: `${key}:update:${state}`,
  category: 'approval',
  memberId: sent.memberId ?? undefined,
});

/** A pledge review card (`pledge:review:<pledge>:v<version>:<reviewer>`) as it should look now: replaced, or decided. */
async function renderReviewCard(sql: Sql, key: string): Promise<Outbound | null> {
  const m = key.match(/^pledge:review:([^:]+):v(\d+):[^:]+$/);
  if (!m) return null;
  const [, pledgeId, v] = m;
  const sent = await sentCard(sql, key);
  if (!sent) return null;
  const [p] = await sql.query<{ version: number; status: string; member: string; mode: CampaignRules['mode'] }>(
    `SELECT p.version, p.status::text AS status, m.name AS member, c.mode::text AS mode FROM "Pledge" p JOIN "Member" m ON m.id = p."memberId" JOIN "PledgeCampaign" c ON c.id = p."campaignId" WHERE p.id = $1`,
    [pledgeId],
  );
  if (!p) return null;
  if (p.version > Number(v)) {
    return update(sent, key, 'superseded', { title: say('pledge.review_superseded_title', { name: p.member }), tone: 'grey', footer: say('pledge.review_superseded') });
  }
  if (p.status !== 'APPROVED' && p.status !== 'RETURNED') return null;
  const items = await sql.query<ItemView>(`SELECT position, category, content FROM "PledgeItem" WHERE "pledgeId" = $1 ORDER BY position`, [pledgeId]);
  const [review] = await sql.query<{ comment: string | null; reviewer: string }>(
    `SELECT r.comment, m.name AS reviewer FROM "PledgeReview" r JOIN "Member" m ON m.id = r."reviewerId" WHERE r."pledgeId" = $1 ORDER BY r."createdAt" DESC LIMIT 1`,
    [pledgeId],
  );
  const approve = p.status === 'APPROVED';
  return update(sent, key, approve ? 'approved' : 'returned', reviewedCard({ approve, comment: review?.comment ?? null, reviewer: review?.reviewer ?? '', items, memberName: p.member, mode: p.mode }));
}

/** A report review card (`pledge:report-review:<pledge>:<period>:<version>:<reviewer>`) once decided. */
async function renderReportReviewCard(sql: Sql, key: string, env: PresentEnv): Promise<Outbound | null> {
  const m = key.match(/^pledge:report-review:([^:]+):([^:]+):(\d+):[^:]+$/);
  if (!m) return null;
  const [, pledgeId, periodKey, v] = m;
  const sent = await sentCard(sql, key);
  if (!sent) return null;
  const rows = await sql.query<{ status: string; version: number; comment: string | null; reviewer: string | null; member: string; schedule: string | null }>(
    `SELECT r."reviewStatus"::text AS status, r.version, rv.comment, rm.name AS reviewer, m.name AS member, c."reportSchedule" AS schedule
       FROM "ProgressReport" r JOIN "PledgeItem" i ON i.id = r."pledgeItemId" JOIN "Pledge" p ON p.id = i."pledgeId"
       JOIN "Member" m ON m.id = p."memberId" JOIN "PledgeCampaign" c ON c.id = p."campaignId"
       LEFT JOIN LATERAL (SELECT comment, "reviewerId" FROM "PledgeReview" WHERE "progressReportId" = r.id ORDER BY "createdAt" DESC LIMIT 1) rv ON true
       LEFT JOIN "Member" rm ON rm.id = rv."reviewerId"
      WHERE i."pledgeId" = $1 AND r.period = $2 ORDER BY i.position LIMIT 1`,
    [pledgeId, periodKey],
  );
  const r = rows[0];
  if (!r || r.version !== Number(v) || (r.status !== 'APPROVED' && r.status !== 'REJECTED')) return null;
  const approve = r.status === 'APPROVED';
  const periodLabel = (isSchedule(r.schedule) && periodByKey(r.schedule, periodKey!, env.timezone)?.label) || periodKey!;
  return update(sent, key, approve ? 'approved' : 'returned', reportReviewedCard({ approve, comment: r.comment, reviewer: r.reviewer ?? '', memberName: r.member, periodLabel }));
}

// ───────────── registration ─────────────

const data = <T>(d: Record<string, unknown>) => d as unknown as T;

export function registerPledgesPresenters(presenters: Presenters): void {
  presenters
    .view(PLEDGE_VIEWS.invite, (d, env) => ({ kind: 'card', card: inviteCard(d.campaign as CampaignRow, d.pledge as { id: string; memberId: string }, d.items as ItemView[], env) }))
    .view(PLEDGE_VIEWS.returned, (d, env) => ({ kind: 'card', card: returnedCard(d.campaign as CampaignRow, d.pledge as { id: string; memberId: string }, d.items as ItemView[], String(d.comment), env) }))
    .view(PLEDGE_VIEWS.review, (d, env) => ({ kind: 'card', card: reviewCard(data<ReviewData>(d), env) }))
    .view(PLEDGE_VIEWS.reportReview, (d, env) => ({ kind: 'card', card: reportReviewCard(data<ReportReviewData>(d), env) }))
    .view(PLEDGE_VIEWS.reportReturned, (d, env) => {
      const f = data<ReportForm & { existing: Record<number, { state: string; evidence: string }>; comment: string }>(d);
      const form: ReportForm = { ...f, existing: new Map(Object.entries(f.existing).map(([k, v]) => [Number(k), v])) };
      const card = reportCard(form, env, say('pledge.report_returned_title', { campaign: f.campaign.name, period: f.period.label }));
      return { kind: 'card', card: { ...card, fields: [{ label: say('pledge.label_comment'), value: f.comment }, ...(card.fields ?? [])] } };
    })
    .view(PLEDGE_VIEWS.remindSubmit, (d, env) => ({ kind: 'text', text: say('pledge.remind_submit', { campaign: String(d.campaign), deadline: when(d.deadline as Date, env) }) }))
    .card(PLEDGE_CARDS.review, (sql, id) => renderReviewCard(sql, id))
    .card(PLEDGE_CARDS.reportReview, (sql, id, env) => renderReportReviewCard(sql, id, env));
}
