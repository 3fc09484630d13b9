// 承诺践诺 in the chat: 发起承诺 (command or form card), the member's submit form, 我的承诺, the
// secretary's review cards (通过 / 退回 with a comment), 汇报践诺 and its review, 承诺提交情况,
// 导出承诺 (signed download link) and 催交承诺. Each handler reads the text or form, calls a pledge
// service (src/services/pledges*.ts) and presents the result (src/chat/presenters/pledges.ts).
import type { GuardrailOptions } from '../../domain/guardrails.js';
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { TokenClaims } from '../token.js';
import type { FormPage } from '../forms.js';
import { say } from '../wording.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { formatLocal, isSchedule, periodByKey } from '../../domain/pledges/rules.js';
import { mayStartCampaign, myPledges, reviewPledge, startCampaign, submitPledge } from '../../services/pledges.js';
import { myReportForms, reportForm, reviewReport, submitReport } from '../../services/pledges-fulfilment.js';
import { campaignStatus, closeCampaign, remindCampaign, requestExport } from '../../services/pledges-oversight.js';
import {
  A,
  exportLink,
  myPledgeCard,
  pledgeFormFields,
  rawSpecFromForm,
  reportCard,
  reportFormFields,
  reportReviewedCard,
  reportsFromForm,
  requirementText,
  returnForm,
  reviewedCard,
  startedCard,
  startFormCard,
  startFormFields,
  statusCard,
  submittedCard,
  submittedTitle,
} from '../presenters/pledges.js';

export interface PledgeDeps {
  publicUrl: string;
  /** Quiet hours and working days (催交承诺 keeps them like the scheduled reminders); the defaults when absent. */
  guardrails?: GuardrailOptions;
}

const tzOf = (ctx: Context) => ctx.presenters.options.timezone;
const env = (ctx: Context) => ctx.presenters.env(ctx.now);
const formValues = (ctx: Context) => (ctx.inbound.kind === 'action' ? (ctx.inbound.form ?? {}) : {});

/** A message for the acting member alone: here in a direct chat, else privately. */
function privately(ctx: Context, view: string, data: Record<string, unknown>, key: string): void {
  if (ctx.inbound.chat.kind === 'DIRECT') ctx.reply(say(view, data as Record<string, string>));
  else ctx.unit.notify({ member: ctx.me.id }, view, data, key, { category: 'reply' });
}

// ───────────── starting ─────────────

async function startCommand(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const node = await ctx.subject();
  const text = (match[1] ?? '').trim();
  if (!text) {
    await mayStartCampaign(ctx.unit);
    return ctx.reply({ kind: 'card', card: startFormCard(node.id, ctx.me.id, env(ctx)) });
  }
  await started(ctx, await startCampaign(ctx.unit, { nodeId: node.id, text, tz: tzOf(ctx) }));
}

async function startForm(ctx: Context, claims: TokenClaims): Promise<void> {
  const v = ctx.readForm({ actionId: A.start, token: '', submitLabel: '', fields: startFormFields() });
  const { raw, deadline } = rawSpecFromForm(v);
  await started(ctx, await startCampaign(ctx.unit, { nodeId: claims.target, raw: { ...raw, deadlineText: deadline }, tz: tzOf(ctx) }));
  ctx.toast('success', say('pledge.started_toast'));
}

async function started(ctx: Context, r: Awaited<ReturnType<typeof startCampaign>>): Promise<void> {
  ctx.reply({ kind: 'card', card: startedCard(r, env(ctx)) }, 'notice');
  if (r.unreachable.length) privately(ctx, 'pledge.unreachable_names', { names: r.unreachable.join('、') }, `pledge:unreachable:${r.campaign.id}`);
}

// ───────────── the member's pledge ─────────────

async function submit(ctx: Context, claims: TokenClaims): Promise<void> {
  const r = await submitPledge(ctx.unit, { pledgeId: claims.target, form: formValues(ctx), tz: tzOf(ctx) });
  if (r.outcome === 'unchanged') {
    ctx.toast('info', say('pledge.unchanged'));
    return ctx.reply(say('pledge.unchanged'));
  }
  ctx.reply({ kind: 'card', card: submittedCard(r) });
  ctx.toast('success', submittedTitle(r));
}

async function mine(ctx: Context): Promise<void> {
  const pledges = await myPledges(ctx.unit, { tz: tzOf(ctx) });
  if (!pledges.length) return ctx.reply(say('pledge.mine_none'));
  for (const m of pledges) ctx.reply({ kind: 'card', card: myPledgeCard(m, env(ctx)) });
}

async function review(ctx: Context, claims: TokenClaims, approve: boolean): Promise<void> {
  const [pledgeId, version] = claims.target.split(':');
  const comment = approve ? null : ctx.readForm(returnForm(A.ret, claims.target, ctx.tokens, ctx.now)).comment;
  const r = await reviewPledge(ctx.unit, { pledgeId: pledgeId ?? '', version: Number(version), approve, comment });
  const done = reviewedCard({ ...r, memberName: r.member.name, mode: r.campaign.mode });
  ctx.showCard(done);
  ctx.toast('success', done.title);
}

// ───────────── fulfilment (践诺) ─────────────

async function reportStart(ctx: Context): Promise<void> {
  const forms = await myReportForms(ctx.unit, { tz: tzOf(ctx) });
  if (!forms.length) return ctx.reply(say('pledge.report_none'));
  for (const f of forms) ctx.reply({ kind: 'card', card: reportCard(f, env(ctx)) });
}

async function reportSubmit(ctx: Context, claims: TokenClaims): Promise<void> {
  const [pledgeId = '', periodKey = ''] = claims.target.split(':');
  const tz = tzOf(ctx);
  const form = await reportForm(ctx.unit, { pledgeId, periodKey, tz });
  const items = form?.items ?? [];
  const v = ctx.readForm({ actionId: A.report, token: '', submitLabel: '', fields: reportFormFields(items, new Map()) });
  const r = await submitReport(ctx.unit, { pledgeId, periodKey, reports: reportsFromForm(items, v), tz });
  if (r.outcome === 'unchanged') {
    ctx.toast('info', say('pledge.unchanged'));
    return ctx.reply(say('pledge.unchanged'));
  }
  const text = say('pledge.report_submitted', { period: r.period.label });
  ctx.reply(r.reviewersReached ? text : say('pledge.no_reviewer'));
  ctx.toast('success', text);
}

async function reportReview(ctx: Context, claims: TokenClaims, approve: boolean): Promise<void> {
  const [pledgeId = '', periodKey = '', version] = claims.target.split(':');
  const comment = approve ? null : ctx.readForm(returnForm(A.reportReturn, claims.target, ctx.tokens, ctx.now)).comment;
  const r = await reviewReport(ctx.unit, { pledgeId, periodKey, version: Number(version), approve, comment, tz: tzOf(ctx) });
  const done = reportReviewedCard({ ...r, memberName: r.member.name, periodLabel: r.period?.label ?? r.periodKey });
  ctx.showCard(done);
  ctx.toast('success', done.title);
}

// ───────────── secretary: status, export, reminders ─────────────

async function status(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const s = await campaignStatus(ctx.unit, { name: match[1], nodeId: (await ctx.subject()).id, tz: tzOf(ctx) });
  ctx.reply({ kind: 'card', card: statusCard(s, env(ctx)) });
}

async function exportCommand(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const { campaign } = await requestExport(ctx.unit, { name: match[1], nodeId: (await ctx.subject()).id });
  privately(ctx, 'pledge.export_link', { campaign: campaign.name, url: exportLink(campaign.id, ctx.me.id, env(ctx)) }, `pledge:export:${ctx.inbound.platform}:${ctx.inbound.eventId}`);
  if (ctx.inbound.chat.kind !== 'DIRECT') ctx.reply(say('pledge.export_sent_direct'));
}

async function remind(ctx: Context, match: RegExpMatchArray, guardrails: GuardrailOptions | undefined): Promise<void> {
  const r = await remindCampaign(ctx.unit, { name: match[1], nodeId: (await ctx.subject()).id, tz: tzOf(ctx), guardrails });
  if (!r.due) return ctx.reply(say('pledge.remind_nothing', { campaign: r.campaign.name }));
  if (r.deferredTo) return ctx.reply(say('pledge.remind_deferred', { campaign: r.campaign.name, n: r.sent, skipped: r.skipped, time: formatLocal(r.deferredTo, tzOf(ctx)) }));
  ctx.reply(say('pledge.remind_done', { campaign: r.campaign.name, n: r.sent, skipped: r.skipped }));
}

async function closeCommand(ctx: Context, match: RegExpMatchArray): Promise<void> {
  const r = await closeCampaign(ctx.unit, { name: match[1] });
  ctx.reply(say('pledge.campaign_closed', { campaign: r.campaign.name }));
}

// ───────────── form pages ─────────────

/** The submit and report forms as web pages (platforms without card forms): what a page shows, and a submit that calls the same service. */
function registerPages(router: Router, tz: string): void {
  const pages: Array<[string, FormPage]> = [
    [
      A.submit,
      {
        spec: async (tx, claims) => {
          const p = await tx.pledge.findUnique({ where: { id: claims.target }, include: { campaign: true, items: { orderBy: { position: 'asc' } } } });
          if (!p) return null;
          const intro = `${say('pledge.label_deadline')}：${formatLocal(p.campaign.deadline, tz)}\n${say('pledge.label_requirement')}：${requirementText(p.campaign)}`;
          return { title: say('pledge.invite_title', { campaign: p.campaign.name }), intro, fields: pledgeFormFields(p.campaign, p.items), submitLabel: say('pledge.submit_label') };
        },
        submit: async (unit, claims, values) => {
          const r = await submitPledge(unit, { pledgeId: claims.target, form: values, tz });
          return r.outcome === 'unchanged' ? say('pledge.unchanged') : submittedTitle(r);
        },
      },
    ],
    [
      A.report,
      {
        spec: async (tx, claims) => {
          const [pledgeId, periodKey] = claims.target.split(':');
          const p = await tx.pledge.findUnique({ where: { id: pledgeId ?? '' }, include: { campaign: true, items: { orderBy: { position: 'asc' }, include: { reports: true } } } });
          if (!p || !isSchedule(p.campaign.reportSchedule)) return null;
          const period = periodByKey(p.campaign.reportSchedule, periodKey ?? '', tz);
          if (!period) return null;
          const existing = new Map(p.items.flatMap((it) => it.reports.filter((r) => r.period === period.key).map((r) => [it.position, { state: r.state as string, evidence: r.evidence }] as const)));
          const intro = p.items.map((it) => `${it.position}. ${it.content}`).join('\n');
          return { title: say('pledge.report_title', { campaign: p.campaign.name, period: period.label }), intro, fields: reportFormFields(p.items, existing), submitLabel: say('pledge.report_submit_label') };
        },
        submit: async (unit, claims, values) => {
          const [pledgeId = '', periodKey = ''] = claims.target.split(':');
          const form = await reportForm(unit, { pledgeId, periodKey, tz });
          const r = await submitReport(unit, { pledgeId, periodKey, reports: reportsFromForm(form?.items ?? [], values), tz });
          return r.outcome === 'unchanged' ? say('pledge.unchanged') : say('pledge.report_submitted', { period: r.period.label });
        },
      },
    ],
  ];
  for (const [actionId, page] of pages) router.pages.register(actionId, page);
}

// What may follow 承诺提交情况 / 导出承诺 / 催交承诺: a campaign name, never a question (承诺完成情况怎么查).
const CAMPAIGN_NAME = /^(?![\s\S]*(?:吗|么|呢|怎|如何|哪|[?？]))([\s\S]*)$/;

export function registerPledges(router: Router, d: PledgeDeps): void {
  registerPages(router, router.presenters?.options.timezone ?? DEFAULT_TZ);
  router
    .command({ name: 'pledge.start', keywords: ['发起承诺'], args: /^([\s\S]*)$/, changes: true, help: 'manager', examples: ['发起承诺', '发起承诺 2027年度党员承诺践诺 截止 2027年1月31日 每人1-5条'] }, startCommand)
    .command({ name: 'pledge.mine', keywords: ['我的承诺', '查看承诺', '修改承诺', '填写承诺'], help: 'member', examples: ['我的承诺', '填写承诺'] }, mine)
    .command({ name: 'pledge.report', keywords: ['汇报践诺', '践诺汇报', '填写践诺', '我的践诺'], help: 'member', examples: ['汇报践诺', '我的践诺'] }, reportStart)
    .command(
      { name: 'pledge.status', keywords: ['承诺提交情况', '承诺情况', '承诺完成情况', '践诺完成情况', '践诺情况'], args: CAMPAIGN_NAME, help: 'manager', examples: ['承诺提交情况', '承诺完成情况', '践诺完成情况', '承诺情况 2027年度党员承诺践诺'] },
      status,
    )
    .command({ name: 'pledge.export', keywords: ['导出承诺'], args: CAMPAIGN_NAME, help: 'manager', examples: ['导出承诺', '导出承诺 2027年度党员承诺践诺'] }, exportCommand)
    .command({ name: 'pledge.remind', keywords: ['催交承诺'], args: CAMPAIGN_NAME, changes: true, help: 'manager', examples: ['催交承诺', '催交承诺 2027年度党员承诺践诺'] }, (ctx, m) => remind(ctx, m, d.guardrails))
    .command({ name: 'pledge.close', keywords: ['结束承诺', '关闭承诺', '结束承诺活动'], args: CAMPAIGN_NAME, changes: true, help: 'manager', examples: ['结束承诺', '结束承诺 2027年度党员承诺践诺'] }, closeCommand)
    .action(A.start, startForm)
    .action(A.submit, submit)
    .action(A.approve, (ctx, c) => review(ctx, c, true))
    .action(A.ret, (ctx, c) => review(ctx, c, false))
    .action(A.report, reportSubmit)
    .action(A.reportApprove, (ctx, c) => reportReview(ctx, c, true))
    .action(A.reportReturn, (ctx, c) => reportReview(ctx, c, false));
}
