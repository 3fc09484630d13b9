// Organizational life in the chat: parse what was said or clicked, call the services
// (src/services/{meetings,attendance,minutes,ledger,compliance}.ts), present the result
// (src/chat/presenters/life.ts). Rules live in the services; cards and wording in the presenters.
import type { Click, Router } from '../router.js';
import type { Context } from '../context.js';
import { say } from '../wording.js';
import type { TokenClaims } from '../token.js';
import { formLink, type FormPage } from '../forms.js';
import type { Unit } from '../../services/kernel.js';
import type { AttendanceStatus } from '../../generated/prisma/enums.js';
import { fail } from '../../services/kernel.js';
import { DEFAULT_LIFE, cardTokenTtlSeconds, type LifeOptions } from '../../domain/life/options.js';
import { STANDARD_MEETING_KINDS } from '../../domain/meeting-kinds.js';
import { asksSomething, findKindIn, matchKind, parseNotice, splitNames, type NoticeDraft } from '../../domain/life/notice.js';
import { parseWhen } from '../../domain/life/when.js';
import { formatDateTime, formatShort } from '../../domain/life/time.js';
import { parsePeriod, periodOf } from '../../domain/life/period.js';
import { loadSession, meetingTitle, type SessionView } from '../../domain/life/sessions.js';
import * as meetings from '../../services/meetings.js';
import * as attendance from '../../services/attendance.js';
import * as minutes from '../../services/minutes.js';
import { requestLedger } from '../../services/ledger.js';
import { complianceOf } from '../../services/compliance.js';
import {
  changedReply,
  complianceCard,
  leaveForm,
  MEETING_ACTIONS,
  minutesForm,
  minutesFormCard,
  minutesSavedCard,
  noticeForm,
  requestCard,
  requestWord,
  statusName,
  whichText,
} from '../presenters/life.js';
import { LEDGER_ACTION, ledgerTarget } from '../../web/ledger-files.js';
import { CHANGE_TO, CHANGE_WORD, onDayOf, pickByDate } from './life-records.js';
import { attachmentsOf } from './obligations.js';
import { withRecordButtons } from './duty-forms.js';
import { DUTY_CATEGORY } from '../../domain/life/compliance.js';
import { pickCard, RECORD_ACTIONS } from '../presenters/life-records.js';

export type LifeDeps = Partial<LifeOptions> & {
  publicUrl: string;
  /** Called (inside the transaction) when a reminder plan is written, so reminders due soon get their job at once (jobs/remind.ts). */
  onReminderPlan?: (plan: Array<{ key: string; dueAt: Date }>) => void;
};

const LEDGER_LINK_TTL_SECONDS = 30 * 60;
const FORM_TTL_SECONDS = 7 * 86_400;

// What may follow 签到 / 填写纪实 / a compliance question: a meeting kind (name or alias) only.
const KIND_WORDS = STANDARD_MEETING_KINDS.flatMap((k) => [k.name, ...k.aliases]).sort((a, b) => b.length - a.length);
const KIND = `(?:${KIND_WORDS.join('|')})`;
const KIND_HINT = new RegExp(`^${KIND}?$`);
/** A roll-call answer in a meeting's chat: 到, 已到, 已签到, 我到了 (checks in like 签到). */
const ROLL_CALL = /^(?:我?已?到了?|我?已签到了?|我已到场)[!！。.~～]*$/;
// 完成情况 of a period and/or a kind or category; any other prefix (承诺完成情况 …) is not compliance.
const PERIOD = String.raw`本月|这个月|上月|上个月|本季度|这个季度|上季度|上个季度|本年度?|今年|去年|全年|上半年|下半年|\d{4}\s*年?\s*(?:第?[一二三四1-4]季度|[Qq][1-4]|[上下]半年|[Hh][12]|\d{1,2}月|-\d{1,2})?度?`;
const SCOPE = `三会一课|组织生活会议|全部|会议|${KIND.slice(3, -1)}|组织生活`;
const COMPLIANCE = new RegExp(String.raw`^\s*(${PERIOD})?\s*的?\s*(${SCOPE})?\s*的?\s*完成情况\s*[?？]?$`);

const CORRECTION_WORDS: Array<[RegExp, AttendanceStatus]> = [
  [/^(出席|签到|到会|参加)$/, 'PRESENT'],
  [/^请假$/, 'LEAVE'],
  [/^缺席$/, 'ABSENT'],
  [/^补签$/, 'LATE'],
  [/^未响应$/, 'PENDING'],
];

/** Answer a card click with a toast, a text command with a reply. */
function answer(ctx: Context, type: 'success' | 'info', text: string): void {
  if (ctx.inbound.kind === 'action') ctx.toast(type, text);
  else ctx.reply(text);
}

/** One session of several: none → null; more than one → asks which (a reply) and returns undefined. */
function chooseOne(ctx: Context, list: SessionView[], command: string, o: LifeOptions): SessionView | null | undefined {
  if (list.length <= 1) return list[0] ?? null;
  ctx.reply(whichText(list, command, o.timezone));
  return undefined;
}

/** The kind a hint names (among the branch's kinds), if any. */
async function kindIn(ctx: Context, hint: string) {
  return hint ? findKindIn(await meetings.branchKinds(ctx.unit), hint) : null;
}

/** Where members' sessions are looked up: the chat's branch in a group, anywhere in a direct chat. */
async function memberScope(ctx: Context): Promise<string | null> {
  return ctx.inbound.chat.kind === 'GROUP' ? ctx.chatBranchId() : null;
}

// ───────────────────────── notices ─────────────────────────

function noticePosted(ctx: Context, r: meetings.NoticeResult): void {
  if (!r.postedHere) ctx.reply(say('meeting.notice_posted', { kind: r.session.kind.name, chat: r.chat.title ?? r.chat.platformChatId }));
  if (ctx.inbound.kind === 'action') ctx.toast('success', say('meeting.notice_posted_toast'));
}

const HOST_LABEL = /(?:^|\s|[，,。；;])主持人?\s*[:：]\s*([^\s，,。；;：:]{2,10})/;

async function noticeFromText(ctx: Context, text: string, o: LifeDeps & LifeOptions): Promise<void> {
  // In a 机关党委's or unit's chat the notice is about their own meetings (委员会议, 中心组学习 …).
  const subject = await ctx.subject();
  const branchId = subject.kind === 'ORGAN_COMMITTEE' || subject.kind === 'UNIT' ? subject.id : await ctx.chatBranchId();
  const kinds = await meetings.branchKinds(ctx.unit, subject);
  // 主持人：张伟 names the host (else the branch secretary); the rest is the notice.
  const host = HOST_LABEL.exec(text);
  if (host) text = text.replace(host[0], ' ').trim();
  const parsed = parseNotice(text, kinds, ctx.now, o.timezone);
  if (!parsed.ok) {
    if (parsed.problem === 'no_kind') fail('meeting.notice_no_kind', { kinds: kinds.map((k) => k.name).join('、') });
    if (parsed.problem === 'question') fail('meeting.notice_question');
    meetings.failWhen(parsed.problem, parsed);
  }
  const r = await meetings.createNotice(ctx.unit, { branchId, draft: parsed.draft, hostName: host?.[1] ?? null, origin: { ...ctx.origin, chat: ctx.inbound.chat } }, o);
  o.onReminderPlan?.(r.plan);
  noticePosted(ctx, r);
}

async function noticeFormCard(ctx: Context): Promise<void> {
  const branchId = await ctx.chatBranchId();
  const { kinds } = await meetings.noticeFormData(ctx.unit, { branchId });
  const token = ctx.tokens.sign({ action: MEETING_ACTIONS.noticeSubmit, target: branchId, member: ctx.me.id }, 86_400, ctx.now);
  ctx.reply({ kind: 'card', card: { title: say('meeting.notice_form_title'), tone: 'blue', markdown: say('meeting.notice_form_intro'), form: noticeForm(kinds, token) } });
}

/** The notice form's values → the notice (card form and web page alike). */
async function submitNotice(unit: Unit, claims: TokenClaims, values: Record<string, string>, o: LifeDeps & LifeOptions, origin?: meetings.NoticeInput['origin']): Promise<meetings.NoticeResult> {
  const kinds = await meetings.branchKinds(unit);
  const kind = kinds.find((k) => k.code === values.kind);
  if (!kind) fail('meeting.notice_no_kind', { kinds: kinds.map((k) => k.name).join('、') });
  // The time field is read like a notice's time (14:30, 下午两点半, 14:30-16:30); anything else in it is refused.
  const when = parseWhen(`${values.date} ${values.time ?? ''}`, unit.now, o.timezone);
  if (when.rest || (!when.ok && ['missing', 'no_time', 'no_date', 'invalid'].includes(when.problem))) fail('meeting.form_time_invalid');
  if (!when.ok) meetings.failWhen(when.problem, when);
  const draft = { kind, at: when.at, end: when.end ?? null, place: values.place || null, topic: values.topic ?? '', attendeeNames: splitNames(values.attendees ?? ''), groupName: null };
  const r = await meetings.createNotice(unit, { branchId: claims.target, draft, hostName: values.host || null, origin }, o);
  o.onReminderPlan?.(r.plan);
  return r;
}

async function noticeSubmit(ctx: Context, claims: TokenClaims, o: LifeDeps & LifeOptions): Promise<void> {
  const values = ctx.readForm(noticeForm(await meetings.branchKinds(ctx.unit), ''));
  const r = await submitNotice(ctx.unit, claims, values, o, { ...ctx.origin, chat: ctx.inbound.chat });
  noticePosted(ctx, r);
}

// ───────────────────────── change and cancel ─────────────────────────

const PLACE_LABEL = /^(?:会议)?地点\s*[:：]\s*/;

async function changeNotice(ctx: Context, rest: string, o: LifeDeps & LifeOptions): Promise<void> {
  let text = rest.trim();
  if (!text) fail('meeting.change_usage');
  const named = matchKind(await meetings.branchKinds(ctx.unit), text);
  if (named) text = named.rest;
  refuseQuestion(text);
  let candidates = await meetings.changeableSessions(ctx.unit, { branchId: await ctx.chatBranchId() });
  if (named) candidates = candidates.filter((s) => s.kind.id === named.kind.id);
  if (!candidates.length) fail('meeting.nothing_to_change');
  if (candidates.length > 1) {
    // Several alike: the date written first names the meeting (修改通知 党课 12月24日 改为 12月25日 15:00).
    const picked = pickByDate(candidates, text, o.timezone);
    if (picked.list.length > 1) return ctx.reply({ kind: 'card', card: pickCard(picked.list, 'change', text, ctx.tokens, ctx.now, o.timezone) });
    return applyChange(ctx, picked.list[0]!, onDayOf(picked.list[0]!, picked.rest, o.timezone), o);
  }
  // One meeting: with 改为 its date may be written first (12月21日 改为 …), and 改为 10:00 keeps its day.
  const one = candidates[0]!;
  if (!CHANGE_WORD.test(text)) return applyChange(ctx, one, text, o);
  return applyChange(ctx, one, onDayOf(one, pickByDate([one], text, o.timezone).rest.replace(CHANGE_TO, ''), o.timezone), o);
}

/** 地点改为 …: what follows is the new place only. */
const PLACE_CHANGE = new RegExp(`^(?:会议)?地点\\s*(?:${CHANGE_WORD.source}|[:：])\\s*[:：]?\\s*`);
/** What is asked in a change (改到下午3点吗？, 怎么改？) changes nothing; 主题：… may ask what it likes. */
function refuseQuestion(change: string): void {
  if (asksSomething(change.replace(/(?:会议)?主题\s*[:：][\s\S]*$/, ''))) fail('meeting.change_question');
}

/** The change written after the meeting (a new time, place or 主题：…) applied to `s`. */
async function applyChange(ctx: Context, s: SessionView, change: string, o: LifeDeps & LifeOptions): Promise<void> {
  let text = change.trim();
  const topicMatch = text.match(/(?:会议)?主题\s*[:：]\s*(.+)$/);
  const topic = topicMatch ? topicMatch[1]!.trim() : null;
  if (topicMatch) text = text.slice(0, topicMatch.index).trim();
  refuseQuestion(text);
  const placeOnly = PLACE_CHANGE.exec(text);
  const when = text && !placeOnly ? parseWhen(text, ctx.now, o.timezone) : null;
  let startsAt: Date | null = null;
  let endsAt: Date | null = null;
  let place: string | null = null;
  if (placeOnly) place = text.slice(placeOnly[0].length).trim() || null;
  else if (when?.ok) {
    startsAt = when.at;
    endsAt = when.end ?? null;
    place = when.rest.replace(PLACE_LABEL, '') || null;
  } else if (when && when.problem !== 'missing') meetings.failWhen(when.problem, when);
  else if (text) place = text.replace(PLACE_LABEL, '') || null;
  if (!startsAt && !place && !topic) fail('meeting.change_usage');

  const r = await meetings.changeNotice(ctx.unit, { sessionId: s.id, startsAt, endsAt, place, topic }, o);
  if (r.plan) o.onReminderPlan?.(r.plan);
  ctx.reply(changedReply(r.session, r.changes, o.timezone));
}

async function cancelMeeting(ctx: Context, hint: string, o: LifeOptions): Promise<void> {
  let list = await meetings.changeableSessions(ctx.unit, { branchId: await ctx.chatBranchId() });
  let text = hint.trim();
  const named = list.length > 1 && text ? matchKind(await meetings.branchKinds(ctx.unit), text) : null;
  if (named) {
    list = list.filter((s) => s.kind.id === named.kind.id);
    text = named.rest;
  }
  if (list.length > 1) list = pickByDate(list, text, o.timezone).list;
  if (list.length > 1) return ctx.reply({ kind: 'card', card: pickCard(list, 'cancel', '', ctx.tokens, ctx.now, o.timezone) });
  const s = list[0];
  if (!s) fail('meeting.nothing_to_cancel');
  const r = await meetings.cancelMeeting(ctx.unit, { sessionId: s.id });
  ctx.reply(say('meeting.cancelled_reply', { title: meetingTitle(r.session) }));
}

/** A button of the choice card: the meeting meant, and the change typed with the command. */
async function picked(ctx: Context, claims: TokenClaims, o: LifeDeps & LifeOptions): Promise<void> {
  const [op, sessionId, ...rest] = claims.target.split('\n');
  const s = await loadSession(ctx.unit.tx, sessionId ?? '');
  if (!s) fail('meeting.not_found');
  if (op === 'cancel') {
    const r = await meetings.cancelMeeting(ctx.unit, { sessionId: s.id });
    return answer(ctx, 'success', say('meeting.cancelled_reply', { title: meetingTitle(r.session) }));
  }
  // The change was typed for several meetings: a time without a date keeps the chosen one's day.
  await applyChange(ctx, s, onDayOf(s, pickByDate([s], rest.join('\n'), o.timezone).rest, o.timezone), o);
}

// ───────────────────────── check-in ─────────────────────────

async function checkIn(ctx: Context, sessionId: string, o: LifeOptions): Promise<void> {
  checkedIn(ctx, await attendance.checkIn(ctx.unit, { sessionId }, o));
}

/** The [签到] button: the clicks that arrive together check in together. */
async function checkInClicks(clicks: Click[], o: LifeOptions): Promise<Array<Error | void>> {
  const results = await attendance.checkInAll(clicks.map(({ ctx, claims }) => ({ unit: ctx.unit, sessionId: claims.target })), o);
  return results.map((r, i) => (r.ok ? checkedIn(clicks[i]!.ctx, r.value) : r.error));
}

function checkedIn(ctx: Context, r: attendance.CheckInResult): void {
  const title = meetingTitle(r.session);
  if (!r.checkedIn) return answer(ctx, 'info', say('meeting.already_checked_in', { title }));
  answer(ctx, 'success', say(r.leaveRevoked ? 'meeting.checked_in_leave_revoked' : 'meeting.checked_in', { name: ctx.me.name, title }));
}

async function checkInText(ctx: Context, hint: string, o: LifeOptions): Promise<void> {
  const kind = await kindIn(ctx, hint);
  const open = await attendance.checkInChoices(ctx.unit, { branchId: await memberScope(ctx), kindId: kind?.id }, o);
  const s = chooseOne(ctx, open, '签到', o);
  if (s) await checkIn(ctx, s.id, o);
}

// ───────────────────────── leave and 补签 ─────────────────────────

/** A kind named at the start of the reason picks among the member's meetings (请假 党课 外出培训). */
async function narrowByKind(ctx: Context, list: SessionView[], reason: string): Promise<{ list: SessionView[]; reason: string }> {
  const named = matchKind(await meetings.branchKinds(ctx.unit), reason);
  if (named && list.some((s) => s.kind.id === named.kind.id)) return { list: list.filter((s) => s.kind.id === named.kind.id), reason: named.rest };
  return { list, reason };
}

const requestedText = (r: attendance.RequestResult, late: boolean) =>
  say(late ? 'meeting.late_submitted' : 'meeting.leave_submitted', { title: meetingTitle(r.session), approver: r.approver?.name ?? say('meeting.the_secretary') });

function requested(ctx: Context, r: attendance.RequestResult, late: boolean): void {
  const text = requestedText(r, late);
  if (ctx.inbound.kind === 'action') ctx.toast('success', text);
  ctx.reply(text);
}

async function leaveText(ctx: Context, rest: string, o: LifeOptions): Promise<void> {
  const mine = await attendance.leaveChoices(ctx.unit, { branchId: await memberScope(ctx) });
  const { list, reason } = await narrowByKind(ctx, mine, rest.trim());
  const s = chooseOne(ctx, list, '请假', o);
  if (!s) return;
  requested(ctx, await attendance.requestLeave(ctx.unit, { sessionId: s.id, reason }, o), false);
}

async function lateText(ctx: Context, rest: string, o: LifeOptions): Promise<void> {
  const mine = await attendance.lateChoices(ctx.unit, { branchId: await memberScope(ctx) }, o);
  const { list, reason } = await narrowByKind(ctx, mine, rest.trim());
  const s = chooseOne(ctx, list, '补签', o);
  if (!s) return;
  requested(ctx, await attendance.requestLate(ctx.unit, { sessionId: s.id, reason }, o), true);
}

/** The [请假] button: a reason form, sent privately when possible. */
async function leaveButton(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const s = await attendance.leaveFormFor(ctx.unit, { sessionId: claims.target });
  const token = ctx.tokens.sign({ action: MEETING_ACTIONS.leaveSubmit, target: s.id, member: ctx.me.id }, Math.min(FORM_TTL_SECONDS, cardTokenTtlSeconds(s.checkinClosesAt, ctx.now, o)), ctx.now);
  const form = leaveForm(token);
  form.url = formLink(o.publicUrl, token);
  const card = { title: say('meeting.leave_form_title', { title: meetingTitle(s) }), tone: 'blue' as const, fields: [{ label: say('meeting.field_time'), value: formatDateTime(s.startsAt, o.timezone) }], form };
  const key = `meeting:${s.id}:leaveform:${ctx.me.id}:${ctx.inbound.eventId}`;
  if (await ctx.dm(ctx.me.id, { kind: 'card', card }, key)) ctx.toast('info', say('meeting.leave_form_sent'));
  else ctx.reply({ kind: 'card', card });
}

/** The leave form's values → the request (card form and web page alike). */
function submitLeave(unit: Unit, claims: TokenClaims, values: Record<string, string>, o: LifeOptions): Promise<attendance.RequestResult> {
  return attendance.requestLeave(unit, { sessionId: claims.target, reason: values.reason ?? '' }, o);
}

async function leaveSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  requested(ctx, await submitLeave(ctx.unit, claims, ctx.readForm(leaveForm('')), o), false);
}

async function decide(ctx: Context, claims: TokenClaims, approved: boolean, o: LifeOptions): Promise<void> {
  const r = await attendance.decide(ctx.unit, { requestId: claims.target, approved });
  // The clicked approval card shows the decision (in the ack where the platform allows, else as an update).
  const card = requestCard(r.request.kind, r.request.member.name, r.session, r.request.reason, o.timezone, { approved, by: r.by });
  ctx.showCard(card);
  ctx.send({ to: ctx.here, body: { kind: 'card_update', ofKey: `meeting:req:${r.request.id}:approval`, card }, dedupeKey: `meeting:req:${r.request.id}:approval:decided`, category: 'approval' });
  ctx.toast('success', say(approved ? 'meeting.approved_toast' : 'meeting.rejected_toast', { name: r.request.member.name, what: requestWord(r.request.kind) }));
}

// ───────────────────────── hand corrections ─────────────────────────

async function correct(ctx: Context, rest: string, o: LifeOptions): Promise<void> {
  const [name, word, ...more] = rest.trim().split(/\s+/).filter(Boolean);
  const status = word ? CORRECTION_WORDS.find(([re]) => re.test(word))?.[1] : undefined;
  if (!name || !status) fail('meeting.correct_usage');
  const kind = await kindIn(ctx, more.join(' '));
  const r = await attendance.correct(ctx.unit, { branchId: await ctx.chatBranchId(), kindId: kind?.id, memberName: name, status, note: kind ? '' : more.join(' ') });
  ctx.reply(say('meeting.corrected', { name, title: meetingTitle(r.session), time: formatShort(r.session.startsAt, o.timezone), status: statusName(r.status) }));
}

// ───────────────────────── minutes (纪实) ─────────────────────────

function showMinutesForm(ctx: Context, r: Awaited<ReturnType<typeof minutes.minutesOf>>, o: LifeOptions): void {
  const token = ctx.tokens.sign({ action: MEETING_ACTIONS.minutesSubmit, target: r.session.id, member: ctx.me.id }, FORM_TTL_SECONDS, ctx.now);
  ctx.reply({ kind: 'card', card: minutesFormCard(r.session, r.counts, minutesForm(token, r.minutes, formLink(o.publicUrl, token)), o.timezone) });
}

async function minutesText(ctx: Context, hint: string, o: LifeOptions): Promise<void> {
  const kind = await kindIn(ctx, hint);
  showMinutesForm(ctx, await minutes.minutesTarget(ctx.unit, { branchId: await ctx.chatBranchId(), kindId: kind?.id }), o);
}

/** 纪实照片 [类型] with pictures or files: they join the latest meeting's minutes (kept after the ack: handlers/attachments.ts). */
async function minutesFiles(ctx: Context, hint: string): Promise<void> {
  const kind = await kindIn(ctx, hint);
  const files = attachmentsOf(ctx);
  const r = await minutes.addMinutesFiles(ctx.unit, { branchId: await ctx.chatBranchId(), kindId: kind?.id, files, untitled: (n) => say('meeting.minutes_attachment_n', { n }) });
  ctx.reply(say(r.added ? 'meeting.minutes_files_added' : 'meeting.minutes_files_known', { title: meetingTitle(r.session), added: r.added, total: r.total }));
}

/** The minutes form's values → saved minutes (card form and web page alike). */
function submitMinutes(unit: Unit, claims: TokenClaims, v: Record<string, string>, o: LifeOptions = DEFAULT_LIFE): Promise<minutes.SavedMinutes> {
  return minutes.saveMinutes(unit, {
    sessionId: claims.target,
    summary: v.summary ?? '',
    resolutions: v.resolutions,
    speakers: v.speakers,
    attachments: v.attachments,
    untitled: (n) => say('meeting.minutes_attachment_n', { n }),
    host: v.host,
    recorder: v.recorder,
    endTime: v.end,
    observers: v.observers,
    lecturer: v.lecturer,
  }, o);
}

async function minutesSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const r = await submitMinutes(ctx.unit, claims, ctx.readForm(minutesForm('', null)), o);
  ctx.reply({ kind: 'card', card: minutesSavedCard(r.session, r.names, r.counts, o.timezone) });
  ctx.toast('success', say('meeting.minutes_saved_toast'));
}

// ───────────────────────── ledger ─────────────────────────

async function exportLedger(ctx: Context, phrase: string, o: LifeDeps & LifeOptions): Promise<void> {
  // In a 机关党委's chat: the workbook covering every branch under it; else the chat's branch.
  const subject = await ctx.subject();
  const nodeId = subject.kind === 'ORGAN_COMMITTEE' ? subject.id : await ctx.chatBranchId();
  const { scope, period } = await requestLedger(ctx.unit, { nodeId, phrase }, o);
  const token = ctx.tokens.sign({ action: LEDGER_ACTION, target: ledgerTarget(scope.id, period.key), member: ctx.me.id }, LEDGER_LINK_TTL_SECONDS, ctx.now);
  const url = `${o.publicUrl.replace(/\/$/, '')}/files/ledger?t=${encodeURIComponent(token)}`;
  const text = say('ledger.link', { branch: scope.name, period: period.label, url, minutes: LEDGER_LINK_TTL_SECONDS / 60 });
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, text, `ledger:${ctx.inbound.eventId}`))) ctx.reply(say('ledger.sent_privately'));
  else ctx.reply(text);
}

// ───────────────────────── compliance ─────────────────────────

async function complianceText(ctx: Context, m: RegExpMatchArray, o: LifeOptions): Promise<void> {
  const phrase = (m[1] ?? '').replace(/\s+/g, '');
  const scope = m[2] ?? '';
  const period = phrase ? parsePeriod(phrase, ctx.now, o.timezone) : periodOf('quarter', ctx.now, o.timezone);
  if (!period) fail('compliance.usage');
  let categories: string[] | undefined;
  let kind: { code: string; name: string } | null = null;
  if (scope === '三会一课' || scope === '组织生活') categories = [scope];
  else if (scope && scope !== '全部' && scope !== '会议' && scope !== '组织生活会议') {
    kind = await kindIn(ctx, scope);
    if (!kind) fail('compliance.usage');
  }
  const report = await complianceOf(ctx.unit, { nodeId: await ctx.chatBranchId(), subject: await ctx.subject(), period, categories, kindCodes: kind ? [kind.code] : undefined }, o);
  // Lines met by records that the asker may record now get a [记录 …] button (the form that records it):
  // the node's own duties first, then the asker's share of per-person ones (a card holds six buttons).
  const lines = report.items.filter((i) => i.itemCode && i.category === DUTY_CATEGORY && i.status !== 'done');
  const recordable = [...lines.filter((i) => !i.holders), ...lines.filter((i) => i.holders)].map((i) => i.itemCode!);
  ctx.reply({ kind: 'card', card: await withRecordButtons(ctx, complianceCard(report, period, categories?.[0] ?? kind?.name ?? '', o.timezone), recordable, o.timezone, report.orgNode.id) });
}

// ───────────────────────── registration ─────────────────────────

export function registerLife(router: Router, deps: LifeDeps): void {
  const o: LifeDeps & LifeOptions = { ...DEFAULT_LIFE, ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)) };

  // The same forms as web pages (long minutes, platforms without card forms): what a page shows, and
  // its submit, which reads the values and calls the same service as the card action.
  const pages: Array<[string, FormPage]> = [
    [
      MEETING_ACTIONS.minutesSubmit,
      {
        spec: async (tx, claims) => {
          const s = await loadSession(tx, claims.target);
          if (!s || s.status === 'CANCELLED') return null;
          const form = minutesForm('', await minutes.minutesRecord(tx, s.id));
          return { title: say('meeting.minutes_form_title', { kind: s.kind.name }), intro: `${s.topic}\n${formatDateTime(s.startsAt, o.timezone)}`, fields: form.fields, submitLabel: form.submitLabel };
        },
        submit: async (unit, claims, values) => (await submitMinutes(unit, claims, values, o), say('meeting.minutes_saved_toast')),
      },
    ],
    [
      MEETING_ACTIONS.noticeSubmit,
      {
        spec: async (tx) => {
          const f = noticeForm(await tx.meetingKind.findMany({ where: { orgLevel: { in: ['BRANCH', 'GROUP'] } }, orderBy: { code: 'asc' } }), '');
          return { title: say('meeting.notice_form_title'), intro: say('meeting.notice_form_intro'), fields: f.fields, submitLabel: f.submitLabel };
        },
        submit: async (unit, claims, values) => (await submitNotice(unit, claims, values, o), say('meeting.notice_posted_toast')),
      },
    ],
    [
      MEETING_ACTIONS.leaveSubmit,
      {
        spec: async (tx, claims) => {
          const s = await loadSession(tx, claims.target);
          if (!s || s.status === 'CANCELLED') return null;
          const f = leaveForm('');
          return { title: say('meeting.leave_form_title', { title: meetingTitle(s) }), intro: formatDateTime(s.startsAt, o.timezone), fields: f.fields, submitLabel: f.submitLabel };
        },
        submit: async (unit, claims, values) => requestedText(await submitLeave(unit, claims, values, o), false),
      },
    ],
  ];
  for (const [actionId, page] of pages) router.pages.register(actionId, page);

  const rest = (m: RegExpMatchArray) => m[0];
  router
    .command(
      { name: 'meeting.notice_form', keywords: ['发布通知', '新建通知', '通知表单'], guard: 'branch.manage', help: 'manager', examples: ['发布通知'] },
      (ctx) => noticeFormCard(ctx),
    )
    .command(
      { name: 'meeting.notice', keywords: ['会议通知', '通知'], args: /^[\s\S]+$/, attached: new RegExp(`^${KIND}[\\s\\S]*$`), changes: true, help: 'manager', examples: ['通知 主题党日 12月5日 14:30 三楼会议室 主题：学习党章'] },
      (ctx, m) => noticeFromText(ctx, rest(m), o),
    )
    .command(
      { name: 'meeting.change', keywords: ['修改会议通知', '修改通知'], args: /^[\s\S]*$/, guard: 'branch.manage', changes: true, help: 'manager', examples: ['修改通知 党课 12月21日 上午9点 四楼会议室'] },
      (ctx, m) => changeNotice(ctx, rest(m), o),
    )
    .command(
      { name: 'meeting.cancel', keywords: ['取消会议通知', '取消会议', '取消通知'], args: /^[\s\S]{0,30}$/, guard: 'branch.manage', changes: true, help: 'manager', examples: ['取消会议 党课'] },
      (ctx, m) => cancelMeeting(ctx, rest(m), o),
    )
    .command(
      { name: 'meeting.checkin', keywords: ['签到'], args: KIND_HINT, patterns: [ROLL_CALL], changes: true, help: 'member', examples: ['签到', '签到 主题党日', '到', '已签到', '我到了'] },
      (ctx, m) => checkInText(ctx, ROLL_CALL.test(m[0]) ? '' : rest(m), o),
    )
    .command({ name: 'meeting.leave', keywords: ['请假'], args: /^[\s\S]*$/, changes: true, help: 'member', examples: ['请假 出差在外', '请假 党课 外出培训'] }, (ctx, m) => leaveText(ctx, rest(m), o))
    .command({ name: 'meeting.late', keywords: ['补签'], args: /^[\s\S]*$/, changes: true, help: 'member', examples: ['补签 会上手机没电，未能签到'] }, (ctx, m) => lateText(ctx, rest(m), o))
    .command(
      { name: 'meeting.correct', keywords: ['更正签到'], args: /^[\s\S]*$/, guard: 'branch.manage', changes: true, help: 'manager', examples: ['更正签到 张伟 出席'] },
      (ctx, m) => correct(ctx, rest(m), o),
    )
    .command({ name: 'meeting.minutes', keywords: ['填写纪实'], args: KIND_HINT, guard: 'branch.manage', help: 'manager', examples: ['填写纪实', '填写纪实 主题党日'] }, (ctx, m) => minutesText(ctx, rest(m), o))
    .command(
      { name: 'meeting.minutes_files', keywords: ['纪实照片', '会议照片', '纪实附件'], args: KIND_HINT, guard: 'branch.manage', changes: true, help: 'manager', examples: ['纪实照片', '纪实照片 主题党日'] },
      (ctx, m) => minutesFiles(ctx, rest(m)),
    )
    .command({ name: 'ledger.export', keywords: ['导出台账'], args: /^.{0,30}$/, guard: 'branch.manage', help: 'manager', examples: ['导出台账 本季度'] }, (ctx, m) => exportLedger(ctx, rest(m), o))
    .command(
      { name: 'compliance.status', patterns: [COMPLIANCE], help: 'member', examples: ['本季度三会一课完成情况', '2026年第四季度完成情况', '上季度党员大会完成情况'] },
      (ctx, m) => complianceText(ctx, m, o),
    )
    .action(RECORD_ACTIONS.pick, (ctx, c) => picked(ctx, c, o))
    .batchAction(MEETING_ACTIONS.checkin, (clicks) => checkInClicks(clicks, o))
    .action(MEETING_ACTIONS.leave, (ctx, c) => leaveButton(ctx, c, o))
    .action(MEETING_ACTIONS.leaveSubmit, (ctx, c) => leaveSubmit(ctx, c, o))
    .action(MEETING_ACTIONS.approve, (ctx, c) => decide(ctx, c, true, o))
    .action(MEETING_ACTIONS.reject, (ctx, c) => decide(ctx, c, false, o))
    .action(MEETING_ACTIONS.noticeSubmit, (ctx, c) => noticeSubmit(ctx, c, o))
    .action(MEETING_ACTIONS.minutesForm, async (ctx, c) => showMinutesForm(ctx, await minutes.minutesOf(ctx.unit, { sessionId: c.target }), o))
    .action(MEETING_ACTIONS.minutesSubmit, (ctx, c) => minutesSubmit(ctx, c, o));
}
