// 承诺践诺 in the chat: 发起承诺 (command or form card), the member's submit form, 我的承诺, the
// secretary's review cards (通过 / 退回 with a comment), 汇报践诺 and its review, 承诺提交情况,
// 导出承诺 (signed download link) and 催交承诺.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { UserError } from '../context.js';
import type { Card, CardForm } from '../card.js';
import type { TokenClaims } from '../token.js';
import { say } from '../wording.js';
import { h5Forms } from '../../web/h5.js';
import type { Tx } from '../../db/client.js';
import { canManage, managedBranchIds } from '../../domain/org.js';
import type { PostTitle } from '../../generated/prisma/enums.js';
import {
  checkItems,
  checkSpec,
  currentFulfilmentPeriod,
  decideReview,
  decideSubmit,
  dueFulfilmentPeriods,
  formatLocal,
  isSchedule,
  itemsFromForm,
  parseCampaignCommand,
  parseDeadline,
  periodByKey,
  STATUS_NAMES,
  type Problem,
  type RawSpec,
  type Schedule,
} from '../../domain/pledges/rules.js';
import { audienceOf, inAudience, memberDestinations, reviewersOf, syncAudience, tallyCampaign, type CampaignRow } from '../../domain/pledges/service.js';
import { pledgeReminderMessages } from '../../domain/pledges/reminders.js';
import { POST_NAMES } from '../../domain/org.js';
import {
  A,
  inviteCard,
  itemFields,
  pledgeFormFields,
  progressOptions,
  reportCard,
  reportFormFields,
  returnForm,
  requirementText,
  REVIEW_TTL,
  startCampaign,
  startedCard,
  type ItemView,
} from './pledge-cards.js';

export interface PledgeDeps {
  publicUrl: string;
}

const problem = (p: Problem): UserError => new UserError(say(p.key, p.vars ?? {}));

/** The branch a command is about: the branch the group chat is bound to, else the member's own. */
async function hereBranch(ctx: Context): Promise<string> {
  if (ctx.inbound.chat.kind === 'GROUP') {
    const chat = await ctx.tx.chat.findUnique({
      where: { platform_tenantKey_platformChatId: { platform: ctx.inbound.platform, tenantKey: ctx.inbound.tenantKey, platformChatId: ctx.inbound.chat.id } },
      select: { orgNode: { select: { id: true, kind: true } } },
    });
    if (chat?.orgNode?.kind === 'BRANCH' || chat?.orgNode?.kind === 'ORGAN_COMMITTEE') return chat.orgNode.id;
  }
  return ctx.me.branchId;
}

const dmOpts = (ctx: Context) => ({ platform: ctx.inbound.platform, tenantKey: ctx.inbound.tenantKey });
const deps = (ctx: Context, d: PledgeDeps) => ({ tokens: ctx.tokens, publicUrl: d.publicUrl, now: ctx.now });

/** Send to a member wherever they can be reached; false when they have no identity. */
async function toMember(ctx: Context, memberId: string, body: Card | string, dedupeKey: string, category: 'reply' | 'notice' | 'approval' = 'notice'): Promise<boolean> {
  const to = (await memberDestinations(ctx.tx, [memberId], dmOpts(ctx))).get(memberId);
  if (!to) return false;
  ctx.send({ to, body: typeof body === 'string' ? { kind: 'text', text: body } : { kind: 'card', card: body }, dedupeKey, category, memberId });
  return true;
}

/** Replace cards sent earlier under these keys (only those that were actually written). */
async function updateCards(ctx: Context, keys: string[], card: Card): Promise<void> {
  if (!keys.length) return;
  const sent = await ctx.tx.outboxMessage.findMany({ where: { dedupeKey: { in: keys } }, select: { dedupeKey: true, platform: true, tenantKey: true, target: true, targetKind: true, memberId: true } });
  for (const s of sent) {
    ctx.send({
      to: { platform: s.platform, tenantKey: s.tenantKey, target: s.target, targetKind: s.targetKind },
      body: { kind: 'card_update', ofKey: s.dedupeKey, card },
      dedupeKey: `${s.dedupeKey}:update:${ctx.inbound.platform}:${ctx.inbound.eventId}`,
      category: 'approval',
      memberId: s.memberId ?? undefined,
    });
  }
}

// ───────────── starting ─────────────

function startFormCard(ctx: Context, branchId: string): Card {
  const form: CardForm = {
    actionId: A.start,
    token: ctx.tokens.sign({ action: A.start, target: branchId, member: ctx.me.id }, 7 * 86_400, ctx.now),
    submitLabel: say('pledge.start_submit_label'),
    fields: startFormFields(),
  };
  return { title: say('pledge.start_form_title'), tone: 'red', form, footer: say('pledge.start_form_footer') };
}

function startFormFields(): CardForm['fields'] {
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
      options: [{ value: 'none', label: say('pledge.schedule_none') }, ...(['month', 'quarter', 'half', 'year'] as Schedule[]).map((s) => ({ value: s, label: say('pledge.schedule_option', { schedule: { month: '每月', quarter: '每季度', half: '每半年', year: '每年' }[s] }) }))],
    },
  ];
}

async function finishStart(ctx: Context, d: PledgeDeps, raw: ReturnType<typeof checkSpec>, branchId: string): Promise<void> {
  if (!raw.ok) throw problem(raw);
  const r = await startCampaign(ctx.tx, raw.value, ctx.me, branchId, { ...deps(ctx, d), prefer: dmOpts(ctx) });
  r.outbound.forEach((o) => ctx.send(o));
  ctx.audit({ action: 'pledge.campaign_start', entityType: 'PledgeCampaign', entityId: r.campaign.id, detail: { asked: r.asked, unreachable: r.unreachable.length, scope: raw.value.scope } });
  ctx.reply({ kind: 'card', card: startedCard(r) }, 'notice');
  if (r.unreachable.length) {
    const text = say('pledge.unreachable_names', { names: r.unreachable.join('、') });
    if (ctx.inbound.chat.kind === 'DIRECT') ctx.reply(text);
    else await ctx.dm(ctx.me.id, text, `pledge:unreachable:${r.campaign.id}`);
  }
}

async function startCommand(ctx: Context, match: RegExpMatchArray, d: PledgeDeps): Promise<void> {
  const branchId = await hereBranch(ctx);
  const args = (match[1] ?? '').trim();
  if (!args) {
    const organPost = ctx.me.posts.some((p) => ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER'].includes(p.title));
    if (!organPost && !(await managedBranchIds(ctx.tx, ctx.me)).length) throw new UserError(say('errors.not_allowed', { what: '发起承诺' }));
    return ctx.reply({ kind: 'card', card: startFormCard(ctx, branchId) });
  }
  await finishStart(ctx, d, parseCampaignCommand(args, ctx.now), branchId);
}

async function startForm(ctx: Context, claims: TokenClaims, d: PledgeDeps): Promise<void> {
  const v = ctx.readForm({ actionId: A.start, token: '', submitLabel: '', fields: startFormFields() });
  const deadline = parseDeadline(v.deadline!, undefined, ctx.now);
  if (!deadline.ok) throw problem(deadline);
  const raw: RawSpec = {
    name: v.name,
    scope: v.scope === 'unit' ? 'unit' : 'branch',
    mode: v.mode === 'SINGLE_TEXT' ? 'SINGLE_TEXT' : 'ITEMS',
    deadline: deadline.value,
    lateRule: v.late === 'ACCEPT_MARKED' ? 'ACCEPT_MARKED' : 'REFUSE',
    reportSchedule: isSchedule(v.report) ? v.report : null,
  };
  if (v.items) {
    const m = v.items.match(/^(\d{1,2})(?:\s*[-–—~～至到]\s*(\d{1,2}))?$/);
    if (!m) throw new UserError(say('pledge.bad_item_count', { max: 10 }));
    raw.minItems = m[2] ? Number(m[1]) : 1;
    raw.maxItems = Number(m[2] ?? m[1]);
  }
  if (v.categories) raw.categories = v.categories.split(/[、,，/;；\s]+/).filter(Boolean);
  if (v.posts) {
    const byName = new Map(Object.entries(POST_NAMES).map(([k, n]) => [n, k as PostTitle]));
    const names = v.posts.split(/[、,，\s]+/).filter(Boolean);
    const bad = names.find((n) => !byName.has(n));
    if (bad) throw new UserError(say('pledge.unknown_word', { word: bad }));
    raw.posts = names.map((n) => byName.get(n)!);
  }
  await finishStart(ctx, d, checkSpec(raw, ctx.now), claims.target);
  ctx.toast('success', say('pledge.started_toast'));
}

// ───────────── the member's pledge ─────────────

async function loadPledge(tx: Tx, id: string) {
  const p = await tx.pledge.findUnique({ where: { id }, include: { campaign: true, items: { orderBy: { position: 'asc' } }, member: { select: { id: true, name: true, branchId: true } } } });
  if (!p) throw new UserError(say('pledge.not_found'));
  return p;
}

const sameItems = (a: ItemView[], b: Array<{ category: string | null; content: string }>) =>
  a.length === b.length && a.every((x, i) => x.content === b[i]!.content && (x.category ?? null) === (b[i]!.category ?? null));

function reviewCard(p: Awaited<ReturnType<typeof loadPledge>>, version: number, editOfApproved: boolean, ctx: Context): Card {
  const target = `${p.id}:${version}`;
  const fields = [{ label: say('pledge.label_member'), value: p.member.name }, ...itemFields(p.campaign, p.items), { label: say('pledge.label_submitted_at'), value: formatLocal(ctx.now) }];
  if (p.late) fields.push({ label: say('pledge.label_late_mark'), value: say('pledge.late_mark') });
  if (editOfApproved) fields.push({ label: say('pledge.label_note'), value: say('pledge.edit_after_approval_note') });
  return {
    title: say('pledge.review_title', { name: p.member.name, campaign: p.campaign.name }),
    tone: 'orange',
    fields,
    buttons: [{ actionId: A.approve, label: say('pledge.approve_label'), style: 'primary', token: ctx.tokens.sign({ action: A.approve, target }, REVIEW_TTL, ctx.now) }],
    form: returnForm(A.ret, target, ctx.tokens, ctx.now),
    footer: say('pledge.review_footer'),
  };
}

const reviewKey = (pledgeId: string, version: number, reviewerId: string) => `pledge:review:${pledgeId}:v${version}:${reviewerId}`;

async function submit(ctx: Context, claims: TokenClaims, d: PledgeDeps): Promise<void> {
  const p = await loadPledge(ctx.tx, claims.target);
  const c = p.campaign;
  if (p.status !== 'WITHDRAWN' && !(await inAudience(ctx.tx, c, p.memberId))) throw new UserError(say('pledge.withdrawn'));
  const decision = decideSubmit(p, c, ctx.now);
  if (!decision.ok) throw problem(decision);
  const checked = checkItems(c, itemsFromForm(c, ctx.inbound.kind === 'action' ? (ctx.inbound.form ?? {}) : {}));
  if (!checked.ok) throw problem(checked);
  const items = checked.value;
  if ((p.status === 'SUBMITTED' || p.status === 'APPROVED') && sameItems(p.items, items)) {
    ctx.toast('info', say('pledge.unchanged'));
    return ctx.reply(say('pledge.unchanged'));
  }

  // Update items in place (their progress reports stay attached), add new positions, drop the rest.
  for (const [i, it] of items.entries()) {
    const position = i + 1;
    const old = p.items.find((x) => x.position === position);
    if (old) await ctx.tx.pledgeItem.update({ where: { id: old.id }, data: { category: it.category, content: it.content } });
    else await ctx.tx.pledgeItem.create({ data: { pledgeId: p.id, position, category: it.category, content: it.content } });
  }
  await ctx.tx.pledgeItem.deleteMany({ where: { pledgeId: p.id, position: { gt: items.length } } });
  const version = p.version + 1;
  await ctx.tx.pledge.update({ where: { id: p.id }, data: { status: 'SUBMITTED', late: decision.value.late, version, submittedAt: ctx.now } });
  const { editOfApproved, resubmission, late } = decision.value;
  ctx.audit({
    action: editOfApproved ? 'pledge.edit_after_approval' : resubmission ? 'pledge.resubmit' : 'pledge.submit',
    entityType: 'Pledge',
    entityId: p.id,
    detail: { version, late, items: items.length, from: p.status },
  });

  const fresh = await loadPledge(ctx.tx, p.id);
  const reviewers = await reviewersOf(ctx.tx, p.member.branchId, p.memberId);
  // An older card still waiting for a decision now shows that it was replaced.
  if (p.status === 'SUBMITTED') {
    await updateCards(ctx, reviewers.map((r) => reviewKey(p.id, p.version, r.id)), { title: say('pledge.review_superseded_title', { name: p.member.name }), tone: 'grey', footer: say('pledge.review_superseded') });
  }
  let reached = 0;
  for (const r of reviewers) if (await toMember(ctx, r.id, reviewCard(fresh, version, editOfApproved, ctx), reviewKey(p.id, version, r.id), 'approval')) reached++;

  const card: Card = {
    title: say(editOfApproved ? 'pledge.edited_title' : 'pledge.submitted_title', { campaign: c.name }),
    tone: 'green',
    fields: [...itemFields(c, fresh.items), ...(late ? [{ label: say('pledge.label_late_mark'), value: say('pledge.late_mark') }] : [])],
    footer: reached ? say('pledge.submitted_footer') : say('pledge.no_reviewer'),
  };
  ctx.reply({ kind: 'card', card });
  ctx.toast('success', say(editOfApproved ? 'pledge.edited_title' : 'pledge.submitted_title', { campaign: c.name }));
}

async function mine(ctx: Context, d: PledgeDeps): Promise<void> {
  const pledges = await ctx.tx.pledge.findMany({
    where: { memberId: ctx.me.id, status: { not: 'WITHDRAWN' }, campaign: { closedAt: null } },
    include: { campaign: true, items: { orderBy: { position: 'asc' } }, reviews: { where: { pledgeId: { not: null } }, orderBy: { createdAt: 'desc' }, take: 1 } },
    orderBy: { campaign: { createdAt: 'desc' } },
    take: 3,
  });
  if (!pledges.length) return ctx.reply(say('pledge.mine_none'));
  for (const p of pledges) {
    const c = p.campaign;
    const fields = [{ label: say('pledge.label_status'), value: STATUS_NAMES[p.status] + (p.late ? `（${say('pledge.late_mark')}）` : '') }, ...itemFields(c, p.items)];
    const last = p.reviews[0];
    if (p.status === 'RETURNED' && last?.comment) fields.push({ label: say('pledge.label_comment'), value: last.comment });
    const editable = decideSubmit(p, c, ctx.now).ok && (await inAudience(ctx.tx, c, p.memberId));
    const title = say('pledge.mine_title', { campaign: c.name });
    if (editable) {
      const card = inviteCard(c, p, p.items, deps(ctx, d), title);
      card.fields = [...fields, ...(card.fields ?? [])];
      card.footer = say('pledge.mine_footer_editable');
      ctx.reply({ kind: 'card', card });
    } else {
      const due = p.status === 'APPROVED' && currentFulfilmentPeriod(c, ctx.now);
      ctx.reply({ kind: 'card', card: { title, tone: 'blue', fields: [{ label: say('pledge.label_deadline'), value: formatLocal(c.deadline) }, ...fields], footer: say(due ? 'pledge.mine_footer_report' : 'pledge.mine_footer_locked') } });
    }
  }
}

// ───────────── review ─────────────

async function review(ctx: Context, claims: TokenClaims, approve: boolean, d: PledgeDeps): Promise<void> {
  const [pledgeId, v] = claims.target.split(':');
  const p = await loadPledge(ctx.tx, pledgeId ?? '');
  if (!(await canManage(ctx.tx, ctx.me, p.member.branchId))) throw new UserError(say('errors.not_allowed', { what: '审核承诺' }));
  if (p.memberId === ctx.me.id) throw new UserError(say('pledge.review_own'));
  if (p.version !== Number(v)) throw new UserError(say('pledge.review_stale'));
  const ok = decideReview(p.status);
  if (!ok.ok) throw problem(ok);
  let comment: string | null = null;
  if (!approve) comment = ctx.readForm(returnForm(A.ret, claims.target, ctx.tokens, ctx.now)).comment!;
  await ctx.tx.pledge.update({ where: { id: p.id }, data: { status: approve ? 'APPROVED' : 'RETURNED' } });
  await ctx.tx.pledgeReview.create({ data: { pledgeId: p.id, reviewerId: ctx.me.id, decision: approve ? 'APPROVED' : 'REJECTED', comment } });
  ctx.audit({ action: approve ? 'pledge.approve' : 'pledge.return', entityType: 'Pledge', entityId: p.id, detail: { version: p.version } });

  const done: Card = {
    title: say(approve ? 'pledge.reviewed_approved_title' : 'pledge.reviewed_returned_title', { name: p.member.name }),
    tone: approve ? 'green' : 'grey',
    fields: [...itemFields(p.campaign, p.items), ...(comment ? [{ label: say('pledge.label_comment'), value: comment }] : []), { label: say('pledge.label_reviewer'), value: ctx.me.name }],
  };
  ctx.showCard(done);
  const reviewers = await reviewersOf(ctx.tx, p.member.branchId, p.memberId);
  await updateCards(ctx, [...new Set([...reviewers.map((r) => r.id), ctx.me.id])].map((id) => reviewKey(p.id, p.version, id)), done);
  ctx.toast('success', done.title);

  if (approve) {
    await toMember(ctx, p.memberId, say('pledge.approved_notice', { campaign: p.campaign.name }), `pledge:approved:${p.id}:v${p.version}`);
  } else {
    const card = inviteCard(p.campaign, p, p.items, deps(ctx, d), say('pledge.returned_title', { campaign: p.campaign.name }));
    card.fields = [{ label: say('pledge.label_comment'), value: comment! }, ...(card.fields ?? [])];
    card.footer = say('pledge.returned_footer');
    await toMember(ctx, p.memberId, card, `pledge:returned:${p.id}:v${p.version}`);
  }
}

// ───────────── fulfilment (践诺) ─────────────

async function reportStart(ctx: Context, d: PledgeDeps): Promise<void> {
  const pledges = await ctx.tx.pledge.findMany({
    where: { memberId: ctx.me.id, status: 'APPROVED', campaign: { closedAt: null } },
    include: { campaign: true, items: { orderBy: { position: 'asc' }, include: { reports: true } } },
    orderBy: { campaign: { createdAt: 'desc' } },
    take: 5,
  });
  let sent = 0;
  for (const p of pledges) {
    const period = currentFulfilmentPeriod(p.campaign, ctx.now);
    if (!period) continue;
    const existing = new Map(p.items.flatMap((it) => it.reports.filter((r) => r.period === period.key).map((r) => [it.position, { state: r.state as string, evidence: r.evidence }] as const)));
    ctx.reply({ kind: 'card', card: reportCard(p.campaign, p, p.items, period, existing, deps(ctx, d)) });
    sent++;
  }
  if (!sent) ctx.reply(say('pledge.report_none'));
}

function reportReviewCard(p: Awaited<ReturnType<typeof loadPledge>>, periodLabel: string, reports: Map<number, { state: string; evidence: string }>, target: string, ctx: Context): Card {
  const names = Object.fromEntries(progressOptions().map((o) => [o.value, o.label]));
  const fields = [{ label: say('pledge.label_member'), value: p.member.name }];
  for (const f of itemFields(p.campaign, p.items)) fields.push(f);
  for (const it of p.items) {
    const r = reports.get(it.position);
    if (r) fields.push({ label: say('pledge.field_report', { n: it.position, state: names[r.state] ?? r.state }), value: r.evidence });
  }
  return {
    title: say('pledge.report_review_title', { name: p.member.name, period: periodLabel }),
    tone: 'orange',
    fields,
    buttons: [{ actionId: A.reportApprove, label: say('pledge.approve_label'), style: 'primary', token: ctx.tokens.sign({ action: A.reportApprove, target }, REVIEW_TTL, ctx.now) }],
    form: returnForm(A.reportReturn, target, ctx.tokens, ctx.now),
    footer: say('pledge.review_footer'),
  };
}

const reportReviewKey = (target: string, reviewerId: string) => `pledge:report-review:${target}:${reviewerId}`;

async function reportSubmit(ctx: Context, claims: TokenClaims): Promise<void> {
  const [pledgeId, periodKey] = claims.target.split(':');
  const p = await loadPledge(ctx.tx, pledgeId ?? '');
  const c = p.campaign;
  if (p.status === 'WITHDRAWN' || !(await inAudience(ctx.tx, c, p.memberId))) throw new UserError(say('pledge.withdrawn'));
  if (p.status !== 'APPROVED') throw new UserError(say('pledge.report_not_approved'));
  const period = isSchedule(c.reportSchedule) ? periodByKey(c.reportSchedule, periodKey ?? '') : null;
  if (!period || !dueFulfilmentPeriods(c, ctx.now).some((x) => x.key === period.key)) throw new UserError(say('pledge.report_period_closed'));
  const v = ctx.readForm({ actionId: A.report, token: '', submitLabel: '', fields: reportFormFields(p.items, new Map()) });
  const existing = await ctx.tx.progressReport.findMany({ where: { period: period.key, pledgeItemId: { in: p.items.map((i) => i.id) } } });
  const unchanged =
    existing.length === p.items.length &&
    existing.every((r) => r.reviewStatus !== 'REJECTED') &&
    p.items.every((it) => {
      const r = existing.find((x) => x.pledgeItemId === it.id);
      return r && r.state === v[`state${it.position}`] && r.evidence === v[`evidence${it.position}`];
    });
  if (unchanged) {
    ctx.toast('info', say('pledge.unchanged'));
    return ctx.reply(say('pledge.unchanged'));
  }
  const version = Math.max(0, ...existing.map((r) => r.version)) + 1;
  for (const it of p.items) {
    const data = { state: v[`state${it.position}`] as 'IN_PROGRESS' | 'DONE', evidence: v[`evidence${it.position}`]!, reviewStatus: 'PENDING' as const, submittedAt: ctx.now, version };
    await ctx.tx.progressReport.upsert({ where: { pledgeItemId_period: { pledgeItemId: it.id, period: period.key } }, create: { pledgeItemId: it.id, period: period.key, ...data }, update: data });
  }
  ctx.audit({ action: existing.length ? 'pledge.report_resubmit' : 'pledge.report', entityType: 'Pledge', entityId: p.id, detail: { period: period.key, items: p.items.length, version } });

  const target = `${p.id}:${period.key}:${version}`;
  const reports = new Map(p.items.map((it) => [it.position, { state: v[`state${it.position}`]!, evidence: v[`evidence${it.position}`]! }]));
  let reached = 0;
  for (const r of await reviewersOf(ctx.tx, p.member.branchId, p.memberId)) if (await toMember(ctx, r.id, reportReviewCard(p, period.label, reports, target, ctx), reportReviewKey(target, r.id), 'approval')) reached++;
  ctx.reply(reached ? say('pledge.report_submitted', { period: period.label }) : say('pledge.no_reviewer'));
  ctx.toast('success', say('pledge.report_submitted', { period: period.label }));
}

async function reportReview(ctx: Context, claims: TokenClaims, approve: boolean, d: PledgeDeps): Promise<void> {
  const [pledgeId, periodKey, version] = claims.target.split(':');
  const p = await loadPledge(ctx.tx, pledgeId ?? '');
  if (!(await canManage(ctx.tx, ctx.me, p.member.branchId))) throw new UserError(say('errors.not_allowed', { what: '审核践诺情况' }));
  if (p.memberId === ctx.me.id) throw new UserError(say('pledge.review_own'));
  if (p.status === 'WITHDRAWN') throw new UserError(say('pledge.review_withdrawn'));
  const reports = await ctx.tx.progressReport.findMany({ where: { period: periodKey, pledgeItemId: { in: p.items.map((i) => i.id) } }, include: { pledgeItem: { select: { position: true } } } });
  if (!reports.length || reports.some((r) => String(r.version) !== version)) throw new UserError(say('pledge.review_stale'));
  if (reports.some((r) => r.reviewStatus !== 'PENDING')) throw new UserError(say('pledge.review_not_pending'));
  let comment: string | null = null;
  if (!approve) comment = ctx.readForm(returnForm(A.reportReturn, claims.target, ctx.tokens, ctx.now)).comment!;
  await ctx.tx.progressReport.updateMany({ where: { id: { in: reports.map((r) => r.id) } }, data: { reviewStatus: approve ? 'APPROVED' : 'REJECTED' } });
  await ctx.tx.pledgeReview.createMany({ data: reports.map((r) => ({ progressReportId: r.id, reviewerId: ctx.me.id, decision: approve ? ('APPROVED' as const) : ('REJECTED' as const), comment })) });
  ctx.audit({ action: approve ? 'pledge.report_approve' : 'pledge.report_return', entityType: 'Pledge', entityId: p.id, detail: { period: periodKey ?? '' } });

  const period = isSchedule(p.campaign.reportSchedule) ? periodByKey(p.campaign.reportSchedule, periodKey ?? '') : null;
  const label = period?.label ?? periodKey ?? '';
  const done: Card = {
    title: say(approve ? 'pledge.report_reviewed_approved_title' : 'pledge.report_reviewed_returned_title', { name: p.member.name, period: label }),
    tone: approve ? 'green' : 'grey',
    fields: [...(comment ? [{ label: say('pledge.label_comment'), value: comment }] : []), { label: say('pledge.label_reviewer'), value: ctx.me.name }],
  };
  ctx.showCard(done);
  const reviewers = await reviewersOf(ctx.tx, p.member.branchId, p.memberId);
  await updateCards(ctx, [...new Set([...reviewers.map((r) => r.id), ctx.me.id])].map((id) => reportReviewKey(claims.target, id)), done);
  ctx.toast('success', done.title);
  if (approve) {
    await toMember(ctx, p.memberId, say('pledge.report_approved_notice', { campaign: p.campaign.name, period: label }), `pledge:report-approved:${claims.target}`);
  } else if (period) {
    const existing = new Map(reports.map((r) => [r.pledgeItem.position, { state: r.state as string, evidence: r.evidence }]));
    const card = reportCard(p.campaign, p, p.items, period, existing, deps(ctx, d), say('pledge.report_returned_title', { campaign: p.campaign.name, period: label }));
    card.fields = [{ label: say('pledge.label_comment'), value: comment! }, ...(card.fields ?? [])];
    await toMember(ctx, p.memberId, card, `pledge:report-returned:${claims.target}`);
  }
}

// ───────────── secretary: status, export, reminders ─────────────

/** The campaign a secretary means: by name, else the newest open one covering a branch they manage. */
async function campaignFor(ctx: Context, name: string | undefined, what: string): Promise<{ c: CampaignRow; branches: string[] }> {
  const managed = await managedBranchIds(ctx.tx, ctx.me);
  if (!managed.length) throw new UserError(say('errors.not_allowed', { what }));
  const q = name?.trim();
  const campaigns = await ctx.tx.pledgeCampaign.findMany({
    where: { closedAt: null, ...(q ? { name: { contains: q } } : {}) },
    orderBy: { createdAt: 'desc' },
    take: 100,
  });
  // An organ secretary manages many branches: campaigns covering the branch of this chat (or their
  // own) come first, then the newest of the rest.
  const here = await hereBranch(ctx);
  const covering = (c: CampaignRow) => audienceOf(c).branchIds.includes(here) || c.orgNodeId === here;
  for (const c of [...campaigns.filter(covering), ...campaigns.filter((x) => !covering(x))]) {
    const branches = audienceOf(c).branchIds.filter((b) => managed.includes(b));
    if (branches.length) return { c, branches };
  }
  throw new UserError(q ? say('pledge.campaign_not_found', { name: q }) : say('pledge.no_campaign'));
}

const names = (list: Array<{ name: string }>) => (list.length ? list.map((x) => x.name).join('、') : say('pledge.none'));

async function status(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const { c, branches } = await campaignFor(ctx, match[1], '查看承诺提交情况');
  const sync = await syncAudience(ctx.tx, c, ctx.now);
  if (sync.added.length) ctx.audit({ action: 'pledge.audience_sync', entityType: 'PledgeCampaign', entityId: c.id, detail: { added: sync.added.length, withdrawn: sync.withdrawn.length } });
  const t = await tallyCampaign(ctx.tx, c.id, branches);
  const s = t.byStatus;
  const line = (key: string, list: Array<{ name: string }>) => ({ label: say(key, { n: list.length }), value: names(list) });
  const fields = [
    { label: say('pledge.label_deadline'), value: formatLocal(c.deadline) + (ctx.now > c.deadline ? say('pledge.deadline_passed_suffix') : '') },
    { label: say('pledge.label_expected'), value: say('pledge.count_people', { n: t.expected }) },
    line('pledge.status_submitted', s.SUBMITTED),
    line('pledge.status_approved', s.APPROVED),
    line('pledge.status_returned', s.RETURNED),
    line('pledge.status_missing', s.DRAFT),
  ];
  const late = [...s.SUBMITTED, ...s.APPROVED, ...s.RETURNED].filter((x) => x.late);
  if (late.length) fields.push(line('pledge.status_late', late));
  if (s.WITHDRAWN.length) fields.push(line('pledge.status_withdrawn', s.WITHDRAWN));
  const period = currentFulfilmentPeriod(c, ctx.now);
  if (period && s.APPROVED.length) {
    const items = await ctx.tx.pledgeItem.findMany({
      where: { pledge: { campaignId: c.id, status: 'APPROVED', memberId: { in: s.APPROVED.map((x) => x.memberId) } } },
      select: { pledge: { select: { memberId: true } }, reports: { where: { period: period.key }, select: { reviewStatus: true } } },
    });
    const state = new Map<string, 'none' | 'pending' | 'approved' | 'returned'>();
    for (const it of items) {
      const r = it.reports[0];
      const st = !r ? 'none' : r.reviewStatus === 'PENDING' ? 'pending' : r.reviewStatus === 'APPROVED' ? 'approved' : 'returned';
      const prev = state.get(it.pledge.memberId);
      const rank = { none: 3, returned: 2, pending: 1, approved: 0 };
      if (!prev || rank[st] > rank[prev]) state.set(it.pledge.memberId, st);
    }
    const who = (st: string) => s.APPROVED.filter((x) => state.get(x.memberId) === st);
    fields.push(
      { label: say('pledge.status_report_done', { period: period.label, n: who('approved').length }), value: names(who('approved')) },
      { label: say('pledge.status_report_pending', { n: who('pending').length }), value: names(who('pending')) },
      { label: say('pledge.status_report_missing', { n: who('none').length + who('returned').length }), value: names([...who('none'), ...who('returned')]) },
    );
  }
  ctx.reply({ kind: 'card', card: { title: say('pledge.status_title', { campaign: c.name }), tone: 'blue', fields, footer: say('pledge.status_footer') } });
}

async function exportLink(ctx: Context, match: RegExpMatchArray, d: PledgeDeps): Promise<void> {
  const { c } = await campaignFor(ctx, match[1], '导出承诺');
  const token = ctx.tokens.sign({ action: A.export, target: c.id, member: ctx.me.id }, 3600, ctx.now);
  const url = `${d.publicUrl.replace(/\/$/, '')}/files/pledges?t=${encodeURIComponent(token)}`;
  ctx.audit({ action: 'pledge.export', entityType: 'PledgeCampaign', entityId: c.id });
  const text = say('pledge.export_link', { campaign: c.name, url });
  if (ctx.inbound.chat.kind === 'DIRECT') return ctx.reply(text);
  await ctx.dm(ctx.me.id, text, `pledge:export:${ctx.inbound.platform}:${ctx.inbound.eventId}`);
  ctx.reply(say('pledge.export_sent_direct'));
}

async function remind(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const { c, branches } = await campaignFor(ctx, match[1], '催交承诺');
  await syncAudience(ctx.tx, c, ctx.now);
  const messages = await pledgeReminderMessages(ctx.tx, c.id, ctx.now, branches);
  const already = new Set((await ctx.tx.outboxMessage.findMany({ where: { dedupeKey: { in: messages.map((m) => m.dedupeKey) } }, select: { dedupeKey: true } })).map((r) => r.dedupeKey));
  const fresh = messages.filter((m) => !already.has(m.dedupeKey));
  fresh.forEach((m) => ctx.send(m));
  ctx.audit({ action: 'pledge.remind', entityType: 'PledgeCampaign', entityId: c.id, detail: { sent: fresh.length, skipped: already.size } });
  if (!messages.length) return ctx.reply(say('pledge.remind_nothing', { campaign: c.name }));
  ctx.reply(say('pledge.remind_done', { campaign: c.name, n: fresh.length, skipped: already.size }));
}

// ───────────── H5 forms ─────────────

function registerH5Forms(): void {
  h5Forms.register(A.submit, async (tx, claims) => {
    const p = await tx.pledge.findUnique({ where: { id: claims.target }, include: { campaign: true, items: { orderBy: { position: 'asc' } } } });
    if (!p) return null;
    return { title: say('pledge.invite_title', { campaign: p.campaign.name }), intro: `${say('pledge.label_deadline')}：${formatLocal(p.campaign.deadline)}\n${say('pledge.label_requirement')}：${requirementText(p.campaign)}`, fields: pledgeFormFields(p.campaign, p.items), submitLabel: say('pledge.submit_label') };
  });
  h5Forms.register(A.report, async (tx, claims) => {
    const [pledgeId, periodKey] = claims.target.split(':');
    const p = await tx.pledge.findUnique({ where: { id: pledgeId ?? '' }, include: { campaign: true, items: { orderBy: { position: 'asc' }, include: { reports: true } } } });
    if (!p || !isSchedule(p.campaign.reportSchedule)) return null;
    const period = periodByKey(p.campaign.reportSchedule, periodKey ?? '');
    if (!period) return null;
    const existing = new Map(p.items.flatMap((it) => it.reports.filter((r) => r.period === period.key).map((r) => [it.position, { state: r.state as string, evidence: r.evidence }] as const)));
    const intro = p.items.map((it) => `${it.position}. ${it.content}`).join('\n');
    return { title: say('pledge.report_title', { campaign: p.campaign.name, period: period.label }), intro, fields: reportFormFields(p.items, existing), submitLabel: say('pledge.report_submit_label') };
  });
}


export function registerPledges(router: Router, d: PledgeDeps): void {
  registerH5Forms();
  router
    .command({ name: 'pledge.start', patterns: [/^发起承诺(?:\s+|[:：]\s*)?([\s\S]*)$/] }, (ctx, m) => startCommand(ctx, m, d))
    .command({ name: 'pledge.mine', patterns: [/^(?:我的承诺|查看承诺|修改承诺|填写承诺)$/] }, (ctx) => mine(ctx, d))
    .command({ name: 'pledge.report', patterns: [/^(?:汇报践诺|践诺汇报|填写践诺|我的践诺)$/] }, (ctx) => reportStart(ctx, d))
    .command({ name: 'pledge.status', patterns: [/^承诺(?:提交)?情况(?:\s+(.+))?$/] }, status)
    .command({ name: 'pledge.export', patterns: [/^导出承诺(?:\s+(.+))?$/] }, (ctx, m) => exportLink(ctx, m, d))
    .command({ name: 'pledge.remind', patterns: [/^催交承诺(?:\s+(.+))?$/] }, remind)
    .action(A.start, (ctx, c) => startForm(ctx, c, d))
    .action(A.submit, (ctx, c) => submit(ctx, c, d))
    .action(A.approve, (ctx, c) => review(ctx, c, true, d))
    .action(A.ret, (ctx, c) => review(ctx, c, false, d))
    .action(A.report, (ctx, c) => reportSubmit(ctx, c))
    .action(A.reportApprove, (ctx, c) => reportReview(ctx, c, true, d))
    .action(A.reportReturn, (ctx, c) => reportReview(ctx, c, false, d));
}

