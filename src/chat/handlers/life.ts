// Organizational life in the chat: meeting notices (text or form), the group card with
// [签到] [请假], leave and 补签 with approval by the secretary, hand corrections, change and
// cancel, minutes (纪实, card form or H5 page), the ledger download link and compliance cards.
// Rules (time phrases, windows, periods, compliance) live in src/domain/life/.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import { UserError } from '../context.js';
import { say } from '../wording.js';
import type { Card, CardForm, FormField } from '../card.js';
import type { TokenClaims } from '../token.js';
import type { Tx } from '../../db/client.js';
import type { AttendanceStatus, RequestKind } from '../../generated/prisma/enums.js';
import { canManage } from '../../domain/org.js';
import { DEFAULT_LIFE, checkinWindow, lateEnd, type LifeOptions } from '../../domain/life/options.js';
import { findKindIn, matchKind, parseNotice, splitNames, type KindRef, type NoticeDraft } from '../../domain/life/notice.js';
import { parseWhen, type WhenProblem } from '../../domain/life/when.js';
import { formatDateTime, formatShort } from '../../domain/life/time.js';
import { parsePeriod, periodOf } from '../../domain/life/period.js';
import { computeCompliance, type ComplianceItem } from '../../domain/life/compliance.js';
import { cancelReminderPlan, reminderPlan, writeReminderPlan } from '../../domain/life/reminders.js';
import {
  attendanceCounts,
  BRANCH_COMMITTEE_POSTS,
  branchApprover,
  branchScope,
  cardUpdate,
  chatDestination,
  checkInFor,
  counterLine,
  loadSession,
  meetingTitle,
  memberDestination,
  noticeCard,
  sessionBranchId,
  sessionInclude,
  type SessionView,
} from '../../domain/life/sessions.js';
import { h5Forms, h5Link } from '../../web/h5.js';
import { LEDGER_ACTION, ledgerTarget } from '../../web/ledger-files.js';

export type LifeDeps = Partial<LifeOptions> & {
  publicUrl: string;
  /** Called (inside the transaction) when a reminder plan is written, so reminders due soon get their job at once (jobs/remind.ts). */
  onReminderPlan?: (plan: Array<{ key: string; dueAt: Date }>) => void;
};

/** Tell the jobs side about a (re)written reminder plan. */
const planWritten = (o: LifeOptions, s: Parameters<typeof reminderPlan>[0]) => (o as LifeOptions & Pick<LifeDeps, 'onReminderPlan'>).onReminderPlan?.(reminderPlan(s, o.timezone));

const LEDGER_LINK_TTL_SECONDS = 30 * 60;
const FORM_TTL_SECONDS = 7 * 86_400;
const REASON_MAX = 200;

// ───────────────────────── shared lookups ─────────────────────────


async function branchKinds(tx: Tx) {
  return tx.meetingKind.findMany({ where: { orgLevel: { in: ['BRANCH', 'GROUP'] } }, orderBy: { code: 'asc' } });
}

async function requireManager(ctx: Context, branchId: string, what: string): Promise<void> {
  if (!(await canManage(ctx.tx, ctx.me, branchId))) throw new UserError(say('errors.not_allowed', { what }));
}

/** Pick one session; a kind named in `hint` narrows the choice; more than one left → ask. */
async function pickOne(tx: Tx, sessions: SessionView[], hint: string, command: string, o: LifeOptions): Promise<SessionView | null> {
  let list = sessions;
  if (hint && list.length > 1) {
    const kind = findKindIn(await branchKinds(tx), hint);
    if (kind) list = list.filter((s) => s.kind.id === kind.id);
  }
  if (list.length <= 1) return list[0] ?? null;
  const lines = list.map((s) => `· ${s.kind.name}（${formatShort(s.startsAt, o.timezone)}）`).join('\n');
  throw new UserError(say('meeting.which', { list: lines, command, example: list[0]!.kind.name }));
}

function whenQuestion(problem: WhenProblem, at: Date | undefined, o: LifeOptions): string {
  switch (problem) {
    case 'no_date':
      return say('meeting.when_no_date');
    case 'no_time':
      return say('meeting.when_no_time');
    case 'ambiguous_hour':
      return say('meeting.when_ambiguous_hour');
    case 'invalid':
      return say('meeting.when_invalid');
    case 'past':
      return say('meeting.when_past', { time: at ? formatDateTime(at, o.timezone) : '' });
    default:
      return say('meeting.when_missing');
  }
}

/** Tell a member something: direct message on this platform, else the meeting's group chat. */
async function tell(ctx: Context, memberId: string, text: string, key: string, s: { chatId: string | null }): Promise<void> {
  if (await ctx.dm(memberId, text, key)) return;
  const chat = await chatDestination(ctx.tx, s.chatId);
  if (chat) ctx.send({ to: chat, body: { kind: 'text', text }, dedupeKey: key, memberId });
}

/** The meeting's group card shows the new counts: rendered once per batch, after every answer in it. */
function pushCard(ctx: Context, sessionId: string, o: LifeOptions): void {
  ctx.refresh(`meeting:${sessionId}`, (sql) => cardUpdate(sql, sessionId, ctx.tokens, ctx.now, o));
}

// ───────────────────────── notices ─────────────────────────

async function createNotice(ctx: Context, o: LifeOptions, branchId: string, draft: NoticeDraft): Promise<void> {
  const tx = ctx.tx;
  const me = ctx.me;
  const kind = draft.kind;
  let orgNodeId = branchId;
  let expected: string[];

  if (kind.orgLevel === 'GROUP') {
    const groups = await tx.orgNode.findMany({ where: { parentId: branchId, kind: 'GROUP' }, select: { id: true, name: true } });
    const group = draft.groupName ? groups.find((g) => g.name === draft.groupName) : groups.find((g) => g.id === me.groupId);
    if (!group) throw new UserError(draft.groupName ? say('meeting.no_such_group', { name: draft.groupName }) : say('meeting.which_group', { groups: groups.map((g) => g.name).join('、') }));
    const leads = me.posts.some((p) => p.title === 'GROUP_LEADER' && p.orgNodeId === group.id);
    if (!leads) await requireManager(ctx, branchId, say('meeting.what_notice'));
    orgNodeId = group.id;
    expected = (await tx.member.findMany({ where: { groupId: group.id, active: true }, select: { id: true } })).map((m) => m.id);
  } else {
    await requireManager(ctx, branchId, say('meeting.what_notice'));
    const where = kind.code === 'branch_committee' ? { branchId, active: true, posts: { some: { orgNodeId: branchId, until: null, title: { in: BRANCH_COMMITTEE_POSTS } } } } : { branchId, active: true };
    expected = (await tx.member.findMany({ where, select: { id: true } })).map((m) => m.id);
  }
  if (draft.attendeeNames.length) {
    const found = await tx.member.findMany({ where: { branchId, active: true, name: { in: draft.attendeeNames } }, select: { id: true, name: true } });
    const missing = draft.attendeeNames.filter((n) => !found.some((f) => f.name === n));
    if (missing.length) throw new UserError(say('meeting.unknown_attendees', { names: missing.join('、') }));
    const twice = draft.attendeeNames.filter((n) => found.filter((f) => f.name === n).length > 1);
    if (twice.length) throw new UserError(say('meeting.ambiguous_attendees', { names: twice.join('、') }));
    expected = found.map((f) => f.id);
  }
  if (!expected.length) throw new UserError(say('meeting.nobody_expected'));

  const dup = await tx.meetingSession.findFirst({ where: { orgNodeId, kindId: kind.id, startsAt: draft.at, status: 'SCHEDULED' } });
  if (dup) throw new UserError(say('meeting.duplicate_notice', { kind: kind.name, time: formatDateTime(draft.at, o.timezone) }));

  // The card goes to the branch's work chat on this platform.
  const i = ctx.inbound;
  const chat = await tx.chat.findFirst({
    where: { platform: i.platform, tenantKey: i.tenantKey, kind: 'GROUP', orgNodeId: { in: [branchId, orgNodeId] } },
    orderBy: { createdAt: 'asc' },
  });
  const here = i.chat.kind === 'GROUP' ? await tx.chat.findUnique({ where: { platform_tenantKey_platformChatId: { platform: i.platform, tenantKey: i.tenantKey, platformChatId: i.chat.id } } }) : null;
  const target = here && (here.orgNodeId === branchId || here.orgNodeId === orgNodeId) ? here : chat;
  if (!target) throw new UserError(say('meeting.no_group_chat'));

  const w = checkinWindow(draft.at, o);
  const session = await tx.meetingSession.create({
    data: {
      kindId: kind.id,
      orgNodeId,
      chatId: target.id,
      topic: draft.topic,
      place: draft.place,
      startsAt: draft.at,
      checkinOpensAt: w.opensAt,
      checkinClosesAt: w.closesAt,
      createdById: me.id,
      attendances: { createMany: { data: expected.map((memberId) => ({ memberId })) } },
    },
  });
  const cardKey = `meeting:${session.id}:card`;
  await tx.meetingSession.update({ where: { id: session.id }, data: { cardMessageKey: cardKey } });
  const view = (await loadSession(tx, session.id))!;
  const card = noticeCard(view, await attendanceCounts(tx, session.id), ctx.tokens, ctx.now, o);
  ctx.send({ to: { platform: target.platform, tenantKey: target.tenantKey, target: target.platformChatId, targetKind: target.kind }, body: { kind: 'card', card }, dedupeKey: cardKey, category: 'notice' });
  await writeReminderPlan(tx, session, ctx.now, o.timezone);
  planWritten(o, session);
  ctx.audit({ action: 'meeting.notice', entityType: 'MeetingSession', entityId: session.id, detail: { kind: kind.code, startsAt: draft.at.toISOString(), expected: expected.length } });
  if (!here || here.id !== target.id) ctx.reply(say('meeting.notice_posted', { kind: kind.name, chat: target.title ?? target.platformChatId }));
  if (ctx.inbound.kind === 'action') ctx.toast('success', say('meeting.notice_posted_toast'));
}

async function noticeFromText(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  const kinds = await branchKinds(ctx.tx);
  const parsed = parseNotice(String(match[1] ?? ''), kinds, ctx.now, o.timezone);
  if (!parsed.ok) {
    if (parsed.problem === 'no_kind') throw new UserError(say('meeting.notice_no_kind', { kinds: kinds.map((k) => k.name).join('、') }));
    throw new UserError(whenQuestion(parsed.problem, parsed.at, o));
  }
  await createNotice(ctx, o, branchId, parsed.draft);
}

function noticeForm(kinds: KindRef[], token: string): CardForm {
  return {
    actionId: 'meeting.notice_submit',
    token,
    submitLabel: say('meeting.notice_form_submit'),
    fields: [
      { name: 'kind', label: say('meeting.form_kind'), type: 'select', required: true, options: kinds.map((k) => ({ value: k.code, label: k.name })) },
      { name: 'topic', label: say('meeting.field_topic'), type: 'text', required: true, maxLength: 100 },
      { name: 'date', label: say('meeting.form_date'), type: 'date', required: true },
      { name: 'time', label: say('meeting.form_time'), type: 'text', required: true, maxLength: 5, placeholder: '14:30' },
      { name: 'place', label: say('meeting.field_place'), type: 'text', maxLength: 60 },
      { name: 'attendees', label: say('meeting.form_attendees'), type: 'text', maxLength: 500, placeholder: say('meeting.form_attendees_hint') },
    ],
  };
}

async function noticeFormCard(ctx: Context): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('meeting.what_notice'));
  const token = ctx.tokens.sign({ action: 'meeting.notice_submit', target: branchId, member: ctx.me.id }, 86_400, ctx.now);
  ctx.reply({ kind: 'card', card: { title: say('meeting.notice_form_title'), tone: 'blue', markdown: say('meeting.notice_form_intro'), form: noticeForm(await branchKinds(ctx.tx), token) } });
}

async function noticeSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const kinds = await branchKinds(ctx.tx);
  const values = ctx.readForm(noticeForm(kinds, ''));
  const kind = kinds.find((k) => k.code === values.kind)!;
  if (!/^\d{1,2}[:：]\d{2}$/.test(values.time!)) throw new UserError(say('meeting.when_invalid'));
  const when = parseWhen(`${values.date} ${values.time}`, ctx.now, o.timezone);
  if (!when.ok) throw new UserError(whenQuestion(when.problem === 'ambiguous_hour' ? 'ambiguous_hour' : when.problem, when.at, o));
  await createNotice(ctx, o, claims.target, { kind, at: when.at, place: values.place || null, topic: values.topic!, attendeeNames: splitNames(values.attendees ?? ''), groupName: null });
}

// ───────────────────────── change and cancel ─────────────────────────

/** Sessions of the chat's branch that can still be changed: not cancelled, check-in not closed. */
async function changeableSessions(ctx: Context, branchId: string): Promise<SessionView[]> {
  return ctx.tx.meetingSession.findMany({
    where: { orgNodeId: { in: await branchScope(ctx.tx, branchId) }, status: 'SCHEDULED', checkinClosesAt: { gt: ctx.now } },
    include: sessionInclude,
    orderBy: { startsAt: 'asc' },
  });
}

/** Members who answered (checked in, on leave, or with a request) — they are told of changes. */
async function responders(tx: Tx, sessionId: string): Promise<string[]> {
  const rows = await tx.attendance.findMany({
    where: { sessionId, OR: [{ status: { in: ['PRESENT', 'LATE', 'LEAVE'] } }, { requests: { some: {} } }] },
    select: { memberId: true },
  });
  return rows.map((r) => r.memberId);
}

async function changeNotice(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('meeting.what_change'));
  let text = String(match[1] ?? '').trim();
  if (!text) throw new UserError(say('meeting.change_usage'));
  const kinds = await branchKinds(ctx.tx);
  const named = matchKind(kinds, text);
  if (named) text = named.rest;
  let candidates = await changeableSessions(ctx, branchId);
  if (named) candidates = candidates.filter((s) => s.kind.id === named.kind.id);
  const s = await pickOne(ctx.tx, candidates, '', '修改通知', o);
  if (!s) throw new UserError(say('meeting.nothing_to_change'));

  const topicMatch = text.match(/(?:会议)?主题\s*[:：]\s*(.+)$/);
  const topic = topicMatch ? topicMatch[1]!.trim() : null;
  if (topicMatch) text = text.slice(0, topicMatch.index).trim();
  const when = text ? parseWhen(text, ctx.now, o.timezone) : null;
  let startsAt: Date | null = null;
  let place: string | null = null;
  if (when?.ok) {
    startsAt = when.at;
    place = when.rest.replace(/^(?:会议)?地点\s*[:：]\s*/, '') || null;
  } else if (when && when.problem !== 'missing') throw new UserError(whenQuestion(when.problem, when.at, o));
  else if (text) place = text.replace(/^(?:会议)?地点\s*[:：]\s*/, '') || null;
  if (!startsAt && !place && !topic) throw new UserError(say('meeting.change_usage'));

  const data: { startsAt?: Date; checkinOpensAt?: Date; checkinClosesAt?: Date; place?: string; topic?: string } = {};
  const changes: string[] = [];
  if (startsAt && startsAt.getTime() !== s.startsAt.getTime()) {
    const w = checkinWindow(startsAt, o);
    Object.assign(data, { startsAt, checkinOpensAt: w.opensAt, checkinClosesAt: w.closesAt });
    changes.push(say('meeting.change_time', { time: formatDateTime(startsAt, o.timezone) }));
  }
  if (place && place !== s.place) {
    data.place = place;
    changes.push(say('meeting.change_place', { place }));
  }
  if (topic && topic !== s.topic) {
    data.topic = topic;
    changes.push(say('meeting.change_topic', { topic }));
  }
  if (!changes.length) throw new UserError(say('meeting.change_nothing'));
  const updated = await ctx.tx.meetingSession.update({ where: { id: s.id }, data });
  if (data.startsAt) {
    await writeReminderPlan(ctx.tx, updated, ctx.now, o.timezone);
    planWritten(o, updated);
  }
  pushCard(ctx, s.id, o);
  const text2 = say('meeting.changed_notice', { title: meetingTitle(s), changes: changes.join('；') });
  for (const memberId of await responders(ctx.tx, s.id)) await tell(ctx, memberId, text2, `meeting:${s.id}:change:${updated.updatedAt.getTime()}:${memberId}`, s);
  ctx.audit({ action: 'meeting.change', entityType: 'MeetingSession', entityId: s.id, detail: { fields: Object.keys(data) } });
  ctx.reply(say('meeting.changed_reply', { title: meetingTitle(s), changes: changes.join('；') }));
}

async function cancelMeeting(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('meeting.what_cancel'));
  const s = await pickOne(ctx.tx, await changeableSessions(ctx, branchId), String(match[1] ?? ''), '取消会议', o);
  if (!s) throw new UserError(say('meeting.nothing_to_cancel'));
  await ctx.tx.meetingSession.update({ where: { id: s.id }, data: { status: 'CANCELLED' } });
  await cancelReminderPlan(ctx.tx, s.id);
  await ctx.tx.attendanceRequest.updateMany({ where: { attendance: { sessionId: s.id }, status: 'PENDING' }, data: { status: 'REJECTED', note: say('meeting.request_void_cancelled'), decidedAt: ctx.now } });
  pushCard(ctx, s.id, o);
  const text = say('meeting.cancelled_notice', { title: meetingTitle(s), time: formatDateTime(s.startsAt, o.timezone) });
  for (const memberId of await responders(ctx.tx, s.id)) await tell(ctx, memberId, text, `meeting:${s.id}:cancelled:${memberId}`, s);
  ctx.audit({ action: 'meeting.cancel', entityType: 'MeetingSession', entityId: s.id });
  ctx.reply(say('meeting.cancelled_reply', { title: meetingTitle(s) }));
}

// ───────────────────────── check-in ─────────────────────────

// The busiest action of all (everyone clicks 签到 when a meeting starts): plain SQL throughout.
async function checkIn(ctx: Context, sessionId: string, o: LifeOptions): Promise<void> {
  const sql = ctx.sql;
  const s = await checkInFor(sql, sessionId, ctx.me.id, ctx.now);
  if (!s) throw new UserError(say('meeting.not_found'));
  if (s.status === 'CANCELLED') throw new UserError(say('meeting.is_cancelled', { title: meetingTitle(s) }));
  const att = s.attendance;
  if (!att) throw new UserError(say('meeting.not_expected', { title: meetingTitle(s) }));
  if (ctx.now < s.checkinOpensAt) throw new UserError(say('meeting.checkin_not_open', { opens: formatDateTime(s.checkinOpensAt, o.timezone) }));
  if (ctx.now >= s.checkinClosesAt) throw new UserError(say('meeting.checkin_closed', { until: formatDateTime(lateEnd(s.checkinClosesAt, o), o.timezone) }));
  if (!s.checkedIn) {
    const text = say('meeting.already_checked_in', { title: meetingTitle(s) });
    if (ctx.inbound.kind === 'action') ctx.toast('info', text);
    else ctx.reply(text);
    return;
  }
  if (att.pendingRequest) {
    await sql.query(`UPDATE "AttendanceRequest" SET status = 'REJECTED', note = $2, "decidedAt" = $3::timestamptz WHERE "attendanceId" = $1 AND status = 'PENDING'`, [
      att.id,
      say('meeting.request_void_checked_in'),
      ctx.now,
    ]);
  }
  ctx.audit({ action: 'attendance.checkin', entityType: 'Attendance', entityId: att.id, detail: { sessionId, from: att.status } });
  pushCard(ctx, sessionId, o);
  const text = att.status === 'LEAVE' ? say('meeting.checked_in_leave_revoked', { name: ctx.me.name, title: meetingTitle(s) }) : say('meeting.checked_in', { name: ctx.me.name, title: meetingTitle(s) });
  if (ctx.inbound.kind === 'action') ctx.toast('success', text);
  else ctx.reply(text);
}

/** Sessions of the chat's branch (or anywhere, in a direct chat) where the member is expected. */
async function mySessions(ctx: Context): Promise<SessionView[]> {
  const where =
    ctx.inbound.chat.kind === 'GROUP' ? { orgNodeId: { in: await branchScope(ctx.tx, await ctx.chatBranchId()) } } : {};
  return ctx.tx.meetingSession.findMany({
    where: { ...where, status: { not: 'CANCELLED' }, attendances: { some: { memberId: ctx.me.id } } },
    include: sessionInclude,
    orderBy: { startsAt: 'asc' },
  });
}

async function checkInText(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const hint = String(match[1] ?? '');
  const mine = await mySessions(ctx);
  const open = mine.filter((s) => s.status === 'SCHEDULED' && ctx.now >= s.checkinOpensAt && ctx.now < s.checkinClosesAt);
  const s = await pickOne(ctx.tx, open, hint, '签到', o);
  if (s) return checkIn(ctx, s.id, o);
  const upcoming = mine.find((x) => x.status === 'SCHEDULED' && ctx.now < x.checkinOpensAt);
  if (upcoming) throw new UserError(say('meeting.checkin_not_open_for', { title: meetingTitle(upcoming), opens: formatDateTime(upcoming.checkinOpensAt, o.timezone) }));
  const closed = [...mine].reverse().find((x) => ctx.now >= x.checkinClosesAt && ctx.now < lateEnd(x.checkinClosesAt, o));
  if (closed) throw new UserError(say('meeting.checkin_closed', { until: formatDateTime(lateEnd(closed.checkinClosesAt, o), o.timezone) }));
  throw new UserError(say('meeting.nothing_to_check_in'));
}

// ───────────────────────── leave and 补签 ─────────────────────────

function requestCard(kind: RequestKind, who: string, s: SessionView, reason: string, o: LifeOptions, decided?: { approved: boolean; by: string }): Card {
  const card: Card = {
    title: say(kind === 'LEAVE' ? 'meeting.approval_title_leave' : 'meeting.approval_title_late', { name: who }),
    tone: decided ? (decided.approved ? 'green' : 'grey') : 'orange',
    fields: [
      { label: say('meeting.field_meeting'), value: meetingTitle(s) },
      { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) },
      { label: say('meeting.field_reason'), value: reason },
    ],
  };
  if (decided) card.footer = say(decided.approved ? 'meeting.approval_done_approved' : 'meeting.approval_done_rejected', { by: decided.by });
  return card;
}

async function submitRequest(ctx: Context, s: SessionView, kind: RequestKind, reasonRaw: string, o: LifeOptions): Promise<void> {
  const tx = ctx.tx;
  const reason = reasonRaw.trim();
  if (!reason) throw new UserError(say(kind === 'LEAVE' ? 'meeting.leave_needs_reason' : 'meeting.late_needs_reason'));
  if ([...reason].length > REASON_MAX) throw new UserError(say('meeting.reason_too_long', { max: REASON_MAX }));
  if (s.status === 'CANCELLED') throw new UserError(say('meeting.is_cancelled', { title: meetingTitle(s) }));
  const att = await tx.attendance.findUnique({ where: { sessionId_memberId: { sessionId: s.id, memberId: ctx.me.id } }, include: { requests: { where: { status: 'PENDING' } } } });
  if (!att) throw new UserError(say('meeting.not_expected', { title: meetingTitle(s) }));
  if (ctx.now >= lateEnd(s.checkinClosesAt, o)) throw new UserError(say('meeting.request_too_late', { title: meetingTitle(s) }));
  if (att.status === 'PRESENT' || att.status === 'LATE') throw new UserError(say('meeting.already_present', { title: meetingTitle(s) }));
  if (att.status === 'LEAVE') throw new UserError(say('meeting.already_on_leave', { title: meetingTitle(s) }));
  if (att.requests.length) throw new UserError(say('meeting.request_pending'));
  if (kind === 'LATE' && ctx.now < s.checkinClosesAt) {
    throw new UserError(ctx.now >= s.checkinOpensAt ? say('meeting.late_not_needed') : say('meeting.checkin_not_open', { opens: formatDateTime(s.checkinOpensAt, o.timezone) }));
  }
  const req = await tx.attendanceRequest.create({ data: { attendanceId: att.id, kind, reason } });
  const approver = await branchApprover(tx, sessionBranchId(s));
  const ttl = Math.ceil((lateEnd(s.checkinClosesAt, o).getTime() - ctx.now.getTime()) / 1000) + 30 * 86_400;
  const card = requestCard(kind, ctx.me.name, s, reason, o);
  card.buttons = [
    { actionId: 'meeting.approve', label: say('meeting.button_approve'), style: 'primary', token: ctx.tokens.sign({ action: 'meeting.approve', target: req.id }, ttl, ctx.now) },
    { actionId: 'meeting.reject', label: say('meeting.button_reject'), style: 'danger', token: ctx.tokens.sign({ action: 'meeting.reject', target: req.id }, ttl, ctx.now) },
  ];
  const i = ctx.inbound;
  const to = (approver && (await memberDestination(tx, approver.id, i.platform, i.tenantKey))) ?? (await chatDestination(tx, s.chatId)) ?? ctx.here;
  ctx.send({ to, body: { kind: 'card', card }, dedupeKey: `meeting:req:${req.id}:approval`, category: 'approval', memberId: approver?.id });
  ctx.audit({ action: kind === 'LEAVE' ? 'attendance.leave_request' : 'attendance.late_request', entityType: 'AttendanceRequest', entityId: req.id, detail: { sessionId: s.id } });
  const text = say(kind === 'LEAVE' ? 'meeting.leave_submitted' : 'meeting.late_submitted', { title: meetingTitle(s), approver: approver?.name ?? say('meeting.the_secretary') });
  if (ctx.inbound.kind === 'action') ctx.toast('success', text);
  ctx.reply(text);
}

async function leaveText(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  let reason = String(match[1] ?? '').trim();
  const mine = (await mySessions(ctx)).filter((s) => s.status === 'SCHEDULED' && ctx.now < s.checkinClosesAt);
  let list = mine;
  const named = matchKind(await branchKinds(ctx.tx), reason);
  if (named && mine.some((s) => s.kind.id === named.kind.id)) {
    list = mine.filter((s) => s.kind.id === named.kind.id);
    reason = named.rest;
  }
  const s = await pickOne(ctx.tx, list, '', '请假', o);
  if (!s) throw new UserError(say('meeting.nothing_to_leave'));
  await submitRequest(ctx, s, 'LEAVE', reason, o);
}

async function lateText(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  let reason = String(match[1] ?? '').trim();
  const mine = (await mySessions(ctx)).filter((s) => ctx.now >= s.checkinClosesAt && ctx.now < lateEnd(s.checkinClosesAt, o));
  let list = mine;
  const named = matchKind(await branchKinds(ctx.tx), reason);
  if (named && mine.some((s) => s.kind.id === named.kind.id)) {
    list = mine.filter((s) => s.kind.id === named.kind.id);
    reason = named.rest;
  }
  const s = await pickOne(ctx.tx, list, '', '补签', o);
  if (!s) {
    const open = (await mySessions(ctx)).find((x) => x.status === 'SCHEDULED' && ctx.now >= x.checkinOpensAt && ctx.now < x.checkinClosesAt);
    throw new UserError(open ? say('meeting.late_not_needed') : say('meeting.nothing_to_late'));
  }
  await submitRequest(ctx, s, 'LATE', reason, o);
}

function leaveForm(token: string): CardForm {
  return {
    actionId: 'meeting.leave_submit',
    token,
    submitLabel: say('meeting.leave_form_submit'),
    fields: [{ name: 'reason', label: say('meeting.field_reason'), type: 'textarea', required: true, maxLength: REASON_MAX, placeholder: say('meeting.leave_form_hint') }],
  };
}

/** The [请假] button: a reason form, sent privately when possible. */
async function leaveButton(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const s = await loadSession(ctx.tx, claims.target);
  if (!s) throw new UserError(say('meeting.not_found'));
  if (s.status === 'CANCELLED') throw new UserError(say('meeting.is_cancelled', { title: meetingTitle(s) }));
  const att = await ctx.tx.attendance.findUnique({ where: { sessionId_memberId: { sessionId: s.id, memberId: ctx.me.id } } });
  if (!att) throw new UserError(say('meeting.not_expected', { title: meetingTitle(s) }));
  if (att.status === 'LEAVE') throw new UserError(say('meeting.already_on_leave', { title: meetingTitle(s) }));
  if (att.status === 'PRESENT' || att.status === 'LATE') throw new UserError(say('meeting.already_present', { title: meetingTitle(s) }));
  const token = ctx.tokens.sign({ action: 'meeting.leave_submit', target: s.id, member: ctx.me.id }, FORM_TTL_SECONDS, ctx.now);
  const form = leaveForm(token);
  form.url = h5Link(o.publicUrl, token);
  const card: Card = { title: say('meeting.leave_form_title', { title: meetingTitle(s) }), tone: 'blue', fields: [{ label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) }], form };
  const key = `meeting:${s.id}:leaveform:${ctx.me.id}:${ctx.inbound.eventId}`;
  if (await ctx.dm(ctx.me.id, { kind: 'card', card }, key)) ctx.toast('info', say('meeting.leave_form_sent'));
  else ctx.reply({ kind: 'card', card });
}

async function leaveSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const s = await loadSession(ctx.tx, claims.target);
  if (!s) throw new UserError(say('meeting.not_found'));
  const values = ctx.readForm(leaveForm(''));
  await submitRequest(ctx, s, 'LEAVE', values.reason ?? '', o);
}

async function decide(ctx: Context, claims: TokenClaims, approved: boolean, o: LifeOptions): Promise<void> {
  const tx = ctx.tx;
  const req = await tx.attendanceRequest.findUnique({ where: { id: claims.target }, include: { attendance: { include: { member: { select: { id: true, name: true } } } } } });
  if (!req) throw new UserError(say('meeting.not_found'));
  const s = (await loadSession(tx, req.attendance.sessionId))!;
  await requireManager(ctx, sessionBranchId(s), say('meeting.what_approve'));
  const done = await tx.attendanceRequest.updateMany({ where: { id: req.id, status: 'PENDING' }, data: { status: approved ? 'APPROVED' : 'REJECTED', decidedById: ctx.me.id, decidedAt: ctx.now } });
  if (done.count === 0) {
    const now = await tx.attendanceRequest.findUniqueOrThrow({ where: { id: req.id } });
    throw new UserError(say('meeting.request_already_decided', { status: say(now.status === 'APPROVED' ? 'meeting.status_approved' : 'meeting.status_rejected') }));
  }
  if (approved) {
    const to: AttendanceStatus = req.kind === 'LEAVE' ? 'LEAVE' : 'LATE';
    await tx.attendance.updateMany({ where: { id: req.attendanceId, status: { in: ['PENDING', 'ABSENT'] } }, data: { status: to, checkedInAt: to === 'LATE' ? ctx.now : undefined } });
    pushCard(ctx, s.id, o);
  }
  const card = requestCard(req.kind, req.attendance.member.name, s, req.reason, o, { approved, by: ctx.me.name });
  ctx.showCard(card);
  ctx.send({ to: ctx.here, body: { kind: 'card_update', ofKey: `meeting:req:${req.id}:approval`, card }, dedupeKey: `meeting:req:${req.id}:approval:decided`, category: 'approval' });
  const what = say(req.kind === 'LEAVE' ? 'meeting.word_leave' : 'meeting.word_late');
  const text = say(approved ? 'meeting.decision_approved' : 'meeting.decision_rejected', { title: meetingTitle(s), what, by: ctx.me.name });
  await tell(ctx, req.attendance.member.id, text, `meeting:req:${req.id}:decision`, s);
  ctx.audit({ action: approved ? 'attendance.approve' : 'attendance.reject', entityType: 'AttendanceRequest', entityId: req.id, detail: { kind: req.kind, sessionId: s.id } });
  ctx.toast('success', say(approved ? 'meeting.approved_toast' : 'meeting.rejected_toast', { name: req.attendance.member.name, what }));
}

// ───────────────────────── hand corrections ─────────────────────────

const CORRECTION_WORDS: Array<[RegExp, AttendanceStatus]> = [
  [/^(出席|签到|到会|参加)$/, 'PRESENT'],
  [/^请假$/, 'LEAVE'],
  [/^缺席$/, 'ABSENT'],
  [/^补签$/, 'LATE'],
  [/^未响应$/, 'PENDING'],
];

async function correct(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('meeting.what_correct'));
  const words = String(match[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const [name, word, ...more] = words;
  const status = word ? CORRECTION_WORDS.find(([re]) => re.test(word))?.[1] : undefined;
  if (!name || !status) throw new UserError(say('meeting.correct_usage'));
  const started = await ctx.tx.meetingSession.findMany({
    where: { orgNodeId: { in: await branchScope(ctx.tx, branchId) }, status: { not: 'CANCELLED' }, checkinOpensAt: { lte: ctx.now } },
    include: sessionInclude,
    orderBy: { startsAt: 'desc' },
    take: 20,
  });
  const kind = more.length ? findKindIn(await branchKinds(ctx.tx), more.join(' ')) : null;
  const s = (kind ? started.filter((x) => x.kind.id === kind.id) : started)[0];
  if (!s) throw new UserError(say('meeting.nothing_to_correct'));
  const att = await ctx.tx.attendance.findMany({ where: { sessionId: s.id, member: { name } }, include: { member: { select: { name: true } } } });
  if (att.length === 0) throw new UserError(say('meeting.correct_not_listed', { name, title: meetingTitle(s) }));
  if (att.length > 1) throw new UserError(say('meeting.ambiguous_attendees', { names: name }));
  const a = att[0]!;
  if (a.status === status) throw new UserError(say('meeting.correct_same', { name, status: statusName(status) }));
  await ctx.tx.attendance.update({ where: { id: a.id }, data: { status, checkedInAt: status === 'PRESENT' || status === 'LATE' ? (a.checkedInAt ?? ctx.now) : null } });
  const note = kind ? '' : more.join(' ');
  ctx.audit({ action: 'attendance.correct', entityType: 'Attendance', entityId: a.id, detail: { sessionId: s.id, from: a.status, to: status, note } });
  pushCard(ctx, s.id, o);
  ctx.reply(say('meeting.corrected', { name, title: meetingTitle(s), time: formatShort(s.startsAt, o.timezone), status: statusName(status) }));
}

function statusName(s: AttendanceStatus): string {
  switch (s) {
    case 'PRESENT':
      return say('meeting.status_present');
    case 'LEAVE':
      return say('meeting.status_leave');
    case 'ABSENT':
      return say('meeting.status_absent');
    case 'LATE':
      return say('meeting.status_late');
    default:
      return say('meeting.status_pending');
  }
}

// ───────────────────────── minutes (纪实) ─────────────────────────

const MINUTES_MAX = 5000;

function minutesFields(existing: { summary: string; resolutions: string | null; speakers: string[]; attachments: unknown } | null): FormField[] {
  const links = (existing?.attachments as Array<{ title: string; url: string }> | undefined) ?? [];
  return [
    { name: 'summary', label: say('meeting.minutes_summary'), type: 'textarea', required: true, maxLength: MINUTES_MAX, value: existing?.summary },
    { name: 'resolutions', label: say('meeting.minutes_resolutions'), type: 'textarea', maxLength: 2000, value: existing?.resolutions ?? undefined },
    { name: 'speakers', label: say('meeting.minutes_speakers'), type: 'text', maxLength: 300, placeholder: say('meeting.minutes_speakers_hint'), value: existing?.speakers.join('、') || undefined },
    { name: 'attachments', label: say('meeting.minutes_attachments'), type: 'textarea', maxLength: 3000, placeholder: say('meeting.minutes_attachments_hint'), value: links.map((l) => `${l.title} ${l.url}`).join('\n') || undefined },
  ];
}

async function minutesFormCard(ctx: Context, s: SessionView, o: LifeOptions): Promise<void> {
  await requireManager(ctx, sessionBranchId(s), say('meeting.what_minutes'));
  const existing = await ctx.tx.minutes.findUnique({ where: { sessionId: s.id } });
  const token = ctx.tokens.sign({ action: 'meeting.minutes_submit', target: s.id, member: ctx.me.id }, FORM_TTL_SECONDS, ctx.now);
  const c = await attendanceCounts(ctx.tx, s.id);
  ctx.reply({
    kind: 'card',
    card: {
      title: say('meeting.minutes_form_title', { kind: s.kind.name }),
      tone: 'blue',
      fields: [
        { label: say('meeting.field_topic'), value: s.topic },
        { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) },
      ],
      markdown: say('meeting.minutes_form_intro'),
      form: { actionId: 'meeting.minutes_submit', token, submitLabel: say('meeting.minutes_submit'), fields: minutesFields(existing), url: h5Link(o.publicUrl, token) },
      footer: counterLine(c),
    },
  });
}

async function minutesText(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('meeting.what_minutes'));
  const started = await ctx.tx.meetingSession.findMany({
    where: { orgNodeId: { in: await branchScope(ctx.tx, branchId) }, status: { not: 'CANCELLED' }, startsAt: { lte: ctx.now } },
    include: sessionInclude,
    orderBy: { startsAt: 'desc' },
    take: 20,
  });
  const hint = String(match[1] ?? '');
  const kind = hint ? findKindIn(await branchKinds(ctx.tx), hint) : null;
  const s = (kind ? started.filter((x) => x.kind.id === kind.id) : started)[0];
  if (!s) throw new UserError(say('meeting.nothing_to_record'));
  await minutesFormCard(ctx, s, o);
}

function parseAttachments(text: string): Array<{ title: string; url: string }> {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const m = line.match(/https?:\/\/[^\s<>"']+/);
      if (!m) throw new UserError(say('meeting.minutes_bad_link', { line: [...line].slice(0, 30).join('') }));
      try {
        new URL(m[0]);
      } catch {
        throw new UserError(say('meeting.minutes_bad_link', { line: [...line].slice(0, 30).join('') }));
      }
      const title = line.replace(m[0], '').replace(/[:：\s]+$/, '').trim();
      return { title: title || say('meeting.minutes_attachment_n', { n: i + 1 }), url: m[0] };
    });
}

async function minutesSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const tx = ctx.tx;
  const s = await loadSession(tx, claims.target);
  if (!s) throw new UserError(say('meeting.not_found'));
  if (s.status === 'CANCELLED') throw new UserError(say('meeting.is_cancelled', { title: meetingTitle(s) }));
  await requireManager(ctx, sessionBranchId(s), say('meeting.what_minutes'));
  const form: CardForm = { actionId: 'meeting.minutes_submit', token: '', submitLabel: '', fields: minutesFields(null) };
  const v = ctx.readForm(form);
  const attachments = parseAttachments(v.attachments ?? '');
  const data = { summary: v.summary!, resolutions: v.resolutions || null, speakers: splitNames(v.speakers ?? ''), attachments, recordedById: ctx.me.id };
  await tx.minutes.upsert({ where: { sessionId: s.id }, create: { sessionId: s.id, ...data }, update: data });
  await tx.meetingSession.update({ where: { id: s.id }, data: { status: 'HELD', recorderId: s.recorderId ?? ctx.me.id } });
  pushCard(ctx, s.id, o);
  ctx.audit({ action: 'meeting.minutes', entityType: 'MeetingSession', entityId: s.id, detail: { attachments: attachments.length } });

  const rows = await tx.attendance.findMany({ where: { sessionId: s.id }, include: { member: { select: { name: true } } }, orderBy: { member: { name: 'asc' } } });
  const names = (st: AttendanceStatus[]) => rows.filter((r) => st.includes(r.status)).map((r) => r.member.name).join('、') || say('meeting.none');
  const c = await attendanceCounts(tx, s.id);
  ctx.reply({
    kind: 'card',
    card: {
      title: say('meeting.minutes_saved_title', { kind: s.kind.name }),
      tone: 'green',
      fields: [
        { label: say('meeting.field_topic'), value: s.topic },
        { label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) },
        { label: say('meeting.minutes_present'), value: names(['PRESENT', 'LATE']) },
        { label: say('meeting.minutes_leave'), value: names(['LEAVE']) },
        { label: say('meeting.minutes_absent'), value: names(['ABSENT', 'PENDING']) },
      ],
      footer: counterLine(c),
    },
  });
  ctx.toast('success', say('meeting.minutes_saved_toast'));
}

// ───────────────────────── ledger ─────────────────────────

async function exportLedger(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const branchId = await ctx.chatBranchId();
  await requireManager(ctx, branchId, say('ledger.what'));
  const phrase = String(match[1] ?? '').trim();
  const period = phrase ? parsePeriod(phrase, ctx.now, o.timezone) : periodOf('quarter', ctx.now, o.timezone);
  if (!period) throw new UserError(say('ledger.bad_period', { text: [...phrase].slice(0, 20).join('') }));
  const token = ctx.tokens.sign({ action: LEDGER_ACTION, target: ledgerTarget(branchId, period.key), member: ctx.me.id }, LEDGER_LINK_TTL_SECONDS, ctx.now);
  const url = `${o.publicUrl.replace(/\/$/, '')}/files/ledger?t=${encodeURIComponent(token)}`;
  const branch = await ctx.tx.orgNode.findUniqueOrThrow({ where: { id: branchId }, select: { name: true } });
  const text = say('ledger.link', { branch: branch.name, period: period.label, url, minutes: LEDGER_LINK_TTL_SECONDS / 60 });
  ctx.audit({ action: 'ledger.export', entityType: 'OrgNode', entityId: branchId, detail: { period: period.key } });
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, text, `ledger:${ctx.inbound.eventId}`))) ctx.reply(say('ledger.sent_privately'));
  else ctx.reply(text);
}

// ───────────────────────── compliance ─────────────────────────

const PERIOD_PREFIX = /^(本月|这个月|上月|上个月|本季度|这个季度|上季度|上个季度|本年度?|今年|去年|全年|上半年|下半年|\d{4}\s*年?\s*(?:第?[一二三四1-4]季度|[Qq][1-4]|[上下]半年|[Hh][12]|\d{1,2}月|-\d{1,2})?(?:度)?)/;

function complianceLine(it: ComplianceItem): string {
  const name = it.group ? `${it.name}（${it.group.name}）` : it.name;
  const vars = { name, required: it.required, held: it.held, remaining: it.remaining, days: it.daysLeft, window: it.window.label };
  switch (it.status) {
    case 'done':
      return say('compliance.line_done', vars);
    case 'missed': {
      const missed = it.parts.filter((p) => p.held < p.required).map((p) => p.label).join('、');
      return say('compliance.line_missed', { ...vars, missed });
    }
    case 'at_risk':
      return say('compliance.line_at_risk', vars);
    default:
      return say('compliance.line_open', vars);
  }
}

async function complianceCard(ctx: Context, match: RegExpMatchArray, o: LifeOptions): Promise<void> {
  let text = String(match[1] ?? '').replace(/\s+/g, '').replace(/的$/, '');
  const p = text.match(PERIOD_PREFIX);
  const period = p ? parsePeriod(p[1]!, ctx.now, o.timezone) : periodOf('quarter', ctx.now, o.timezone);
  if (!period) throw new UserError(say('compliance.usage'));
  if (p) text = text.slice(p[0].length);
  text = text.replace(/^的/, '');
  const kinds = await branchKinds(ctx.tx);
  let categories: string[] | undefined;
  let kindCodes: string[] | undefined;
  if (text === '三会一课' || text === '组织生活') categories = [text];
  else if (text && text !== '全部' && text !== '会议' && text !== '组织生活会议') {
    const k = findKindIn(kinds, text);
    if (!k) throw new UserError(say('compliance.usage'));
    kindCodes = [k.code];
  }
  const branchId = await ctx.chatBranchId();
  const report = await computeCompliance(ctx.tx, { orgNodeId: branchId, period, now: ctx.now, tz: o.timezone, atRiskDays: o.atRiskDays, categories, kindCodes });
  const filter = categories?.[0] ?? (kindCodes ? kinds.find((k) => k.code === kindCodes![0])!.name : '');
  const lines = report.items.map(complianceLine);
  const missing = report.items.filter((i) => i.remaining > 0).length;
  ctx.reply({
    kind: 'card',
    card: {
      title: say('compliance.title', { branch: report.orgNode.name, period: period.label, filter }),
      tone: report.items.some((i) => i.status === 'missed') ? 'red' : report.items.some((i) => i.atRisk) ? 'orange' : missing ? 'blue' : 'green',
      markdown: lines.length ? lines.join('\n') : say('compliance.none'),
      footer: say('compliance.footer'),
    },
  });
}

// ───────────────────────── registration ─────────────────────────

export function registerLife(router: Router, deps: LifeDeps): void {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)) };

  h5Forms.register('meeting.minutes_submit', async (tx, claims) => {
    const s = await loadSession(tx, claims.target);
    if (!s || s.status === 'CANCELLED') return null;
    const existing = await tx.minutes.findUnique({ where: { sessionId: s.id } });
    return { title: say('meeting.minutes_form_title', { kind: s.kind.name }), intro: `${s.topic}\n${formatDateTime(s.startsAt, o.timezone)}`, fields: minutesFields(existing), submitLabel: say('meeting.minutes_submit') };
  });
  h5Forms.register('meeting.notice_submit', async (tx) => {
    const f = noticeForm(await branchKinds(tx), '');
    return { title: say('meeting.notice_form_title'), intro: say('meeting.notice_form_intro'), fields: f.fields, submitLabel: f.submitLabel };
  });
  h5Forms.register('meeting.leave_submit', async (tx, claims) => {
    const s = await loadSession(tx, claims.target);
    if (!s || s.status === 'CANCELLED') return null;
    const f = leaveForm('');
    return { title: say('meeting.leave_form_title', { title: meetingTitle(s) }), intro: formatDateTime(s.startsAt, o.timezone), fields: f.fields, submitLabel: f.submitLabel };
  });

  router
    .command({ name: 'meeting.notice_form', patterns: [/^(?:发布通知|新建通知|通知表单)$/] }, (ctx) => noticeFormCard(ctx))
    .command({ name: 'meeting.notice', patterns: [/^(?:会议)?通知\s*[:：]?\s*([\s\S]+)$/] }, (ctx, m) => noticeFromText(ctx, m, o))
    .command({ name: 'meeting.change', patterns: [/^修改(?:会议)?通知\s*[:：]?\s*([\s\S]*)$/] }, (ctx, m) => changeNotice(ctx, m, o))
    .command({ name: 'meeting.cancel', patterns: [/^取消(?:会议通知|会议|通知)\s*([\s\S]*)$/] }, (ctx, m) => cancelMeeting(ctx, m, o))
    .command({ name: 'meeting.checkin', patterns: [/^签到\s*(.{0,20})$/] }, (ctx, m) => checkInText(ctx, m, o))
    .command({ name: 'meeting.leave', patterns: [/^请假\s*[:：]?\s*([\s\S]*)$/] }, (ctx, m) => leaveText(ctx, m, o))
    .command({ name: 'meeting.late', patterns: [/^补签\s*[:：]?\s*([\s\S]*)$/] }, (ctx, m) => lateText(ctx, m, o))
    .command({ name: 'meeting.correct', patterns: [/^更正签到\s*([\s\S]*)$/] }, (ctx, m) => correct(ctx, m, o))
    .command({ name: 'meeting.minutes', patterns: [/^填写纪实\s*(.{0,20})$/] }, (ctx, m) => minutesText(ctx, m, o))
    .command({ name: 'ledger.export', patterns: [/^导出台账\s*(.{0,30})$/] }, (ctx, m) => exportLedger(ctx, m, o))
    .command({ name: 'compliance.status', patterns: [/^(.{0,30}?)完成情况[?？]?$/] }, (ctx, m) => complianceCard(ctx, m, o))
    .action('meeting.checkin', (ctx, c) => checkIn(ctx, c.target, o))
    .action('meeting.leave', (ctx, c) => leaveButton(ctx, c, o))
    .action('meeting.leave_submit', (ctx, c) => leaveSubmit(ctx, c, o))
    .action('meeting.approve', (ctx, c) => decide(ctx, c, true, o))
    .action('meeting.reject', (ctx, c) => decide(ctx, c, false, o))
    .action('meeting.notice_submit', (ctx, c) => noticeSubmit(ctx, c, o))
    .action('meeting.minutes_form', async (ctx, c) => {
      const s = await loadSession(ctx.tx, c.target);
      if (!s) throw new UserError(say('meeting.not_found'));
      await minutesFormCard(ctx, s, o);
    })
    .action('meeting.minutes_submit', (ctx, c) => minutesSubmit(ctx, c, o));
}

