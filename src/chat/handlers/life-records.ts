// Meeting records beyond the notice card: 签到情况 for managers (names, sent privately, never in the
// group), 补录 of meetings held before Zhibu (attendance and minutes, counting in compliance), and the
// choice of one of several meetings by date (修改通知 / 取消会议 in src/chat/handlers/life.ts).
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { TokenClaims } from '../token.js';
import { say } from '../wording.js';
import { fail } from '../../services/kernel.js';
import { DEFAULT_LIFE, type LifeOptions } from '../../domain/life/options.js';
import { findKindIn, splitNames } from '../../domain/life/notice.js';
import { parseWhen } from '../../domain/life/when.js';
import { toLocal } from '../../domain/life/time.js';
import type { SessionView } from '../../domain/life/sessions.js';
import { branchKinds } from '../../services/meetings.js';
import { rollCall } from '../../services/attendance.js';
import { backfillMeeting } from '../../services/backfill.js';
import { recordTarget } from '../../services/ledger.js';
import { RECORD_ACTION } from '../../web/ledger-files.js';
import { meetingTitle } from '../../domain/life/sessions.js';
import { backfilledCard, backfillForm, RECORD_ACTIONS, rollCallCard } from '../presenters/life-records.js';

// 12月18日 / 12月18号 / 2026年12月18日 / 12-18 / 12.18 / 12/18 (half- or full-width digits).
const DATE = /(?:(\d{4})\s*年\s*)?(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[./-](\d{1,2})(?!\d))/;
/** 改为 / 改到 … before the new time or place. */
export const CHANGE_WORD = /改为|改到|改成|改在|调整为|调整到|推迟到|提前到/;
// 改为 / 时间改成 / 时间：…: what follows is the change (not 地点改为: what follows that is a place only).
export const CHANGE_TO = new RegExp(`^(?:的?会议?)?\\s*(?:时间\\s*)?(?:${CHANGE_WORD.source})\\s*[:：]?\\s*|^(?:会议)?时间\\s*[:：]\\s*`);
const narrow = (s: string) => s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[．／－]/g, (c) => ({ '．': '.', '／': '/', '－': '-' })[c]!);

/**
 * Several meetings alike (two 主题党日 ahead): the one whose local date the text names first. Returns
 * the meetings left and the text without that date (and a following 改为/改到/改成).
 */
export function pickByDate(list: SessionView[], text: string, tz: string): { list: SessionView[]; rest: string } {
  const t = narrow(text);
  const m = DATE.exec(t);
  if (!m) return { list, rest: text };
  const month = Number(m[2]);
  const day = Number(m[3] ?? m[4]);
  const year = m[1] ? Number(m[1]) : null;
  const same = list.filter((s) => {
    const l = toLocal(s.startsAt, tz);
    return l.month === month && l.day === day && (year === null || l.year === year);
  });
  if (!same.length) return { list, rest: text };
  let rest = (t.slice(0, m.index) + t.slice(m.index + m[0].length)).trim();
  // 12月18日 15:00 改为 …: a clock time right after the date names the meeting too.
  rest = rest.replace(/^(?:\d{1,2}[:：]\d{2}|[上下]午\s*\d{1,2}\s*点(?:半|\d{1,2}分?)?)\s*/, '');
  rest = rest.replace(CHANGE_TO, '').trim();
  return { list: same, rest };
}

/**
 * A change of a picked meeting that gives a time but no day (改为 15:00, 两点半, 14:30-16:30) keeps the
 * meeting's day; what time-reading finds no day in is what gets it (14:30-16:30 is no date 30-16).
 */
export function onDayOf(s: SessionView, change: string, tz: string): string {
  const text = change.replace(CHANGE_TO, '').trim();
  const when = text ? parseWhen(text, s.startsAt, tz) : null;
  if (!when || when.ok || when.problem !== 'no_date') return text;
  const l = toLocal(s.startsAt, tz);
  return `${l.month}月${l.day}日 ${text}`;
}

// 张伟（出差）、李明 → names with the reason in brackets.
function namesWithReasons(text: string): Array<{ name: string; reason: string | null }> {
  const out: Array<{ name: string; reason: string | null }> = [];
  for (const m of (text ?? '').matchAll(/([^、，,；;\s（()）]+)\s*(?:[（(]([^）)]*)[）)])?/g)) out.push({ name: m[1]!, reason: m[2]?.trim() || null });
  return out;
}

async function rollCallText(ctx: Context, hint: string, o: LifeOptions): Promise<void> {
  const kind = hint.trim() ? findKindIn(await branchKinds(ctx.unit), hint) : null;
  if (hint.trim() && !kind) fail('meeting.roll_call_usage');
  const r = await rollCall(ctx.unit, { branchId: await ctx.chatBranchId(), kindId: kind?.id });
  const card = { kind: 'card' as const, card: rollCallCard(r, o.timezone) };
  if (ctx.inbound.chat.kind !== 'GROUP') return ctx.reply(card);
  // In the group only a line: the names go to the asker privately.
  if (await ctx.dm(ctx.me.id, card, `roll:${r.session.id}:${ctx.inbound.eventId}`)) ctx.reply(say('meeting.roll_sent_privately'));
  else ctx.reply(say('meeting.roll_no_direct_chat'));
}

async function backfillFormCard(ctx: Context): Promise<void> {
  const branchId = await ctx.chatBranchId();
  const kinds = await branchKinds(ctx.unit);
  const token = ctx.tokens.sign({ action: RECORD_ACTIONS.backfillSubmit, target: branchId, member: ctx.me.id }, 86_400, ctx.now);
  const card = { kind: 'card' as const, card: { title: say('meeting.backfill_title'), tone: 'blue' as const, markdown: say('meeting.backfill_intro'), form: backfillForm(kinds, token) } };
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, card, `backfill:${ctx.inbound.eventId}`))) ctx.reply(say('meeting.backfill_form_sent'));
  else ctx.reply(card);
}

async function backfillSubmit(ctx: Context, claims: TokenClaims, o: LifeOptions): Promise<void> {
  const kinds = await branchKinds(ctx.unit);
  const v = ctx.readForm(backfillForm(kinds, ''));
  const kind = kinds.find((k) => k.code === v.kind);
  if (!kind) fail('meeting.notice_no_kind', { kinds: kinds.map((k) => k.name).join('、') });
  const [start, end] = (v.time ?? '').split(/\s*(?:-|—|~|～|到|至)\s*/);
  const when = parseWhen(`${v.date} ${start}`, ctx.now, o.timezone);
  // A past time is what 补录 wants; a future one is refused by the service.
  const at = when.ok ? when.at : when.problem === 'past' ? when.at : undefined;
  if (!at) fail('meeting.backfill_bad_time');
  const r = await backfillMeeting(
    ctx.unit,
    {
      branchId: claims.target,
      kind,
      at,
      place: v.place?.trim() || null,
      topic: v.topic ?? '',
      host: v.host,
      recorder: v.recorder,
      present: splitNames(v.present ?? ''),
      leave: namesWithReasons(v.leave ?? ''),
      absent: namesWithReasons(v.absent ?? ''),
      observers: v.observers,
      lecturer: v.lecturer,
      endTime: end ?? null,
      summary: v.summary ?? '',
      resolutions: v.resolutions,
      attachments: v.attachments,
      untitled: (n) => say('meeting.minutes_attachment_n', { n }),
    },
    o,
  );
  ctx.reply({ kind: 'card', card: backfilledCard(r, o.timezone) });
  ctx.toast('success', say('meeting.backfilled_toast'));
}

const RECORD_LINK_TTL_SECONDS = 30 * 60;

/** 会议记录: a link to the printable record (会议记录 layout) of the latest meeting, sent privately and bound to the asker. */
async function recordLink(ctx: Context, hint: string): Promise<void> {
  const kind = hint.trim() ? findKindIn(await branchKinds(ctx.unit), hint) : null;
  if (hint.trim() && !kind) fail('meeting.record_usage');
  const s = await recordTarget(ctx.unit, { branchId: await ctx.chatBranchId(), kindId: kind?.id });
  const token = ctx.tokens.sign({ action: RECORD_ACTION, target: s.id, member: ctx.me.id }, RECORD_LINK_TTL_SECONDS, ctx.now);
  const url = `${ctx.presenters.options.publicUrl.replace(/\/$/, '')}/files/meeting-record?t=${encodeURIComponent(token)}`;
  const text = say('meeting.record_link', { title: meetingTitle(s), url, minutes: RECORD_LINK_TTL_SECONDS / 60 });
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, text, `record:${ctx.inbound.eventId}`))) ctx.reply(say('ledger.sent_privately'));
  else ctx.reply(text);
}

export function registerLifeRecords(router: Router, deps: Partial<LifeOptions> = {}): void {
  const o: LifeOptions = { ...DEFAULT_LIFE, ...Object.fromEntries(Object.entries(deps).filter(([, v]) => v !== undefined)) };
  router
    .command(
      { name: 'meeting.roll_call', keywords: ['签到情况', '签到名单', '未签到名单'], args: /^.{0,20}$/, guard: 'branch.manage', help: 'manager', examples: ['签到情况', '签到情况 主题党日'] },
      (ctx, m) => rollCallText(ctx, m[0], o),
    )
    .command({ name: 'meeting.record', keywords: ['打印会议记录', '会议记录'], args: /^.{0,20}$/, guard: 'branch.manage', help: 'manager', examples: ['会议记录', '会议记录 主题党日'] }, (ctx, m) => recordLink(ctx, m[0]))
    .command({ name: 'meeting.backfill', keywords: ['补录会议', '补录'], guard: 'branch.manage', help: 'manager', examples: ['补录会议'] }, (ctx) => backfillFormCard(ctx))
    .action(RECORD_ACTIONS.backfillSubmit, (ctx, c) => backfillSubmit(ctx, c, o));
}
