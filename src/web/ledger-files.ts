// Personal ledger links the bot sends privately (src/chat/handlers/life.ts):
//   GET /files/ledger?t=<token>          the ledger workbook of a branch or a 机关党委 (token action
//                                        ledger.download, target "<nodeId>|<period key>")
//   GET /files/meeting-record?t=<token>  one meeting's record as a print-styled 会议记录 page (token
//                                        action ledger.record, target the session id)
// Both are bound to the member they were sent to (src/web/personal-links.ts): someone else, or a
// client with no identity, gets the confirmation page or a refusal, never the content. The right to
// the ledger is checked again by the ledger service as that member.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import type { Presenters } from '../chat/presenters/registry.js';
import type { QueuedOutbox } from '../chat/types.js';
import { say } from '../chat/wording.js';
import { errorText } from '../chat/presenters/registry.js';
import { correctionLines, ledgerFileName, ledgerWorkbook, meetingStatus, percent, withReasons } from '../chat/presenters/ledger-workbook.js';
import { findMember } from '../domain/org.js';
import { formatRange } from '../domain/life/time.js';
import { parsePeriod } from '../domain/life/period.js';
import { DEFAULT_LIFE } from '../domain/life/options.js';
import { memberPrincipal } from '../access/principal.js';
import { DomainError, Unit } from '../services/kernel.js';
import { ledgerData, meetingRecord, type LedgerMeeting } from '../services/ledger.js';
import { isWebLink, type Attachment } from '../services/minutes.js';
import { escapeHtml } from './h5.js';
import { ATTACHMENT_LINK_TTL_SECONDS, attachmentLink } from './attachment-files.js';
import { htmlPage, PersonalLinks } from './personal-links.js';

export const LEDGER_ACTION = 'ledger.download';
export const RECORD_ACTION = 'ledger.record';

export function ledgerTarget(nodeId: string, periodKey: string): string {
  return `${nodeId}|${periodKey}`;
}

export interface LedgerFilesDeps {
  db: Database;
  tokens: TokenSigner;
  timezone: string;
  presenters?: Presenters;
  deliver?: (rows: QueuedOutbox[]) => void;
  clock?: () => Date;
}

const refuse = (reply: FastifyReply, status: number, text: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(htmlPage(text, `<h1>${escapeHtml(text)}</h1>`));

export function registerLedgerFiles(server: FastifyInstance, deps: LedgerFilesDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const links = new PersonalLinks(deps);
  links.register(server);

  /** The verified claims of a personal link, and its member; null when it has answered already. */
  async function open(req: { query: unknown; url: string }, reply: FastifyReply, action: string) {
    const now = clock();
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), now);
    if (!check.ok) return void (await refuse(reply, check.reason === 'expired' ? 410 : 403, say(check.reason === 'expired' ? 'ledger.link_expired' : 'ledger.link_invalid')));
    const { target, member: memberId } = check.claims;
    if (check.claims.action !== action || !memberId) return void (await refuse(reply, 403, say('ledger.link_invalid')));
    if (!(await links.guard(req as never, reply, memberId, req.url))) return null;
    const member = await findMember(deps.db.prisma, memberId);
    if (!member?.active) return void (await refuse(reply, 403, say('ledger.not_allowed')));
    return { now, target, memberId, principal: memberPrincipal(member, 'web') };
  }

  async function asMember<T>(reply: FastifyReply, o: { now: Date; principal: ReturnType<typeof memberPrincipal> }, fn: (u: Unit) => Promise<T>): Promise<T | undefined> {
    try {
      return await deps.db.transaction((scope) => fn(new Unit(scope, o.principal, o.now)));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      await refuse(reply, e.code === 'errors.not_allowed' ? 403 : 404, errorText(e, deps.timezone));
      return undefined;
    }
  }

  server.get('/files/ledger', async (req, reply) => {
    const o = await open(req, reply, LEDGER_ACTION);
    if (!o) return reply;
    const [nodeId, periodKey] = o.target.split('|');
    const period = periodKey ? parsePeriod(periodKey, o.now, deps.timezone) : null;
    if (!nodeId || !period) return refuse(reply, 403, say('ledger.link_invalid'));
    const data = await asMember(reply, o, (u) => ledgerData(u, { nodeId, period }, defaults(deps)));
    if (!data) return reply;
    const file = await ledgerWorkbook(data, deps.timezone);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="ledger-${period.key}.xlsx"; filename*=UTF-8''${encodeURIComponent(ledgerFileName(data))}`)
      .header('cache-control', 'no-store')
      .send(file);
  });

  server.get('/files/meeting-record', async (req, reply) => {
    const o = await open(req, reply, RECORD_ACTION);
    if (!o) return reply;
    const r = await asMember(reply, o, (u) => meetingRecord(u, { sessionId: o.target }, defaults(deps)));
    if (!r) return reply;
    // Pictures and files kept from chat: links bound to the viewer, who holds the /files identity cookie.
    const stored = (sha256: string) => attachmentLink(deps.tokens, '', sha256, o.memberId, ATTACHMENT_LINK_TTL_SECONDS, o.now);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(recordPage(r.branch.name, r.meeting, deps.timezone, stored));
  });
}

const defaults = (deps: LedgerFilesDeps) => ({ ...DEFAULT_LIFE, timezone: deps.timezone });

const PRINT_STYLE = `@page{size:A4;margin:18mm 16mm}
body{font-family:"SimSun","Songti SC","Noto Serif CJK SC","WenQuanYi Micro Hei",serif;color:#000;background:#fff;max-width:760px;margin:0 auto;padding:16px;font-size:15px;line-height:1.7}
h1{text-align:center;font-size:22px;letter-spacing:2px;margin:8px 0 16px}
table{width:100%;border-collapse:collapse}th,td{border:1px solid #000;padding:6px 8px;vertical-align:top;text-align:left}
th{width:7em;font-weight:bold;background:#f3f3f3;white-space:nowrap}td.text{white-space:pre-wrap;min-height:8em}
.sign{display:flex;justify-content:space-between;margin-top:28px}.note{font-size:13px;color:#333}
figure{margin:6px 0;break-inside:avoid}figure img{max-width:100%;max-height:120mm}figcaption{font-size:13px}
.tools{text-align:right;margin-bottom:8px}@media print{.tools{display:none}th{background:none}}`;

/** A typed link as a link; a picture kept from chat shown (it prints), another file linked; one not stored yet by its title. */
function attachmentHtml(a: Attachment, e: (s: string) => string, stored?: (sha256: string) => string): string {
  if (isWebLink(a)) return `<a href="${e(a.url)}">${e(a.title)}</a>`;
  if (!a.sha256 || !stored) return e(a.title);
  const href = e(stored(a.sha256));
  return a.kind === 'image' ? `<figure><img src="${href}" alt="${e(a.title)}"><figcaption>${e(a.title)}</figcaption></figure>` : `<a href="${href}">${e(a.title)}</a>`;
}

/** One meeting's record in the usual 会议记录 layout, print-styled (A4). */
export function recordPage(branchName: string, m: LedgerMeeting, tz: string, stored?: (sha256: string) => string): string {
  const e = (s: string | null | undefined) => escapeHtml(s ?? '');
  const attended = m.present.length + m.late.length;
  const time = formatRange(m.startsAt, m.endsAt, tz);
  const row = (key: string, value: string, cls = '') => `<tr><th>${e(say(key))}</th><td colspan="3"${cls ? ` class="${cls}"` : ''}>${value}</td></tr>`;
  const rows = [
    `<tr><th>${e(say('ledger.print.time'))}</th><td>${e(time)}</td><th>${e(say('ledger.print.place'))}</th><td>${e(m.place)}</td></tr>`,
    `<tr><th>${e(say('ledger.print.host'))}</th><td>${e(m.host)}</td><th>${e(say('ledger.print.recorder'))}</th><td>${e(m.recorder)}</td></tr>`,
    m.lecturer ? row('ledger.print.lecturer', e(m.lecturer)) : '',
    row('ledger.print.topic', e(m.topic)),
    `<tr><td colspan="4">${e(say('ledger.print.counts', { expected: m.expected, attended, leave: m.leave.length, absent: m.absent.length, rate: percent(m.rate) }))}</td></tr>`,
    row('ledger.print.present', e(m.present.join('、'))),
    m.late.length ? row('ledger.print.late', e(withReasons(m.late))) : '',
    row('ledger.print.leave', e(withReasons(m.leave))),
    row('ledger.print.absent', e(withReasons(m.absent))),
    row('ledger.print.observers', e(m.observers.join('、'))),
    row('ledger.print.summary', e(m.minutes?.summary), 'text'),
    row('ledger.print.resolutions', e(m.minutes?.resolutions), 'text'),
    m.minutes?.speakers.length ? row('ledger.print.speakers', e(m.minutes.speakers.join('、'))) : '',
    m.minutes?.attachments.length
      ? row('ledger.print.attachments', m.minutes.attachments.map((a) => attachmentHtml(a, e, stored)).join('<br>'))
      : '',
    m.corrections.length ? row('ledger.print.corrections', correctionLines(m, tz).map(e).join('<br>')) : '',
  ].join('');
  const heading = say('ledger.print.heading', { branch: m.orgNodeName === branchName ? branchName : `${branchName}${m.orgNodeName}`, kind: m.kindName });
  const body = `<div class="tools"><button onclick="window.print()">${e(say('ledger.print.print'))}</button></div>
<h1>${e(heading)}</h1><table>${rows}</table>
<p class="note">${e(meetingStatus(m))}${m.backfilled ? ` ${e(say('ledger.print.backfilled'))}` : ''}</p>
<div class="sign"><span>${e(say('ledger.print.sign_host'))}</span><span>${e(say('ledger.print.sign_recorder'))}</span></div>`;
  return htmlPage(say('ledger.print.title'), body, PRINT_STYLE);
}
