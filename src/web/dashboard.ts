// 驾驶舱 pages (server-rendered, print-friendly, usable at 420 px):
//   GET  /dashboard/sign-in?t=<token>[&to=/dashboard/…]  the one-time link from chat (token action web.sign_in,
//                                        target the WebSession id, bound to its member): opens the session,
//                                        sets the cookie (8 hours) and goes to `to` (a /dashboard path) or home
//   GET  /dashboard[?p=2026Q4]           the signed-in member's home (工委, 机关党委 or branch)
//   GET  /dashboard/node/:id[?p=]        a unit, 机关党委 or branch (drill-down)
//   GET  /dashboard/node/:id/obligation?k=<key>&p=  one obligation of a branch with its meetings
//   GET  /dashboard/meeting/:id          one meeting's printable record (the branch's managers only)
//   GET  /dashboard/meeting/:id/file/:sha a picture or file of its minutes (纪实照片), to the same people
//   GET  /dashboard/record/:id/file/:sha  a picture or file kept as a record's evidence (the branch's managers)
//   GET  /dashboard/data/:id[?p=]        the same figures as JSON
//   GET  /dashboard/report/:id?p=2026Q4  the quarterly report workbook (xlsx) of a 工委, unit or 机关党委
//   POST /dashboard/sign-out             revoke this browser's session
//   GET  /dashboard/assets/echarts.min.js  ECharts from node_modules (intranets are air-gapped: no CDN)
// Access is the services' (src/services/dashboard.ts) as the signed-in member (memberPrincipal 'web').
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import { say } from '../chat/wording.js';
import { errorText } from '../chat/presenters/registry.js';
import { findMember } from '../domain/org.js';
import { formatDateTime, formatIso } from '../domain/life/time.js';
import { parsePeriod, periodOf, previousPeriod, type PeriodRange } from '../domain/life/period.js';
import type { Period } from '../domain/meeting-kinds.js';
import { memberPrincipal, type Principal } from '../access/principal.js';
import { DomainError, type Unit } from '../services/kernel.js';
import { runService } from '../services/run.js';
import { dashboardHome, dashboardView, obligationDetail, recordFile, snapshotOf, type RecordLine, type BranchFigures, type DashboardView, type Figures, type MeetingLine, type ObligationLine, type RollUp, type StatusCounts } from '../services/dashboard.js';
import { openSignIn, revokeSessions, sessionMember, SESSION_SECONDS } from '../services/web-sessions.js';
import { meetingRecord } from '../services/ledger.js';
import { quarterReport } from '../services/dashboard-report.js';
import { reportFileName, reportWorkbook } from '../chat/presenters/dashboard-workbook.js';
import { DEFAULT_LIFE } from '../domain/life/options.js';
import { escapeHtml } from './h5.js';
import { htmlPage } from './personal-links.js';
import { recordPage } from './ledger-files.js';
import { sendStoredFile } from './attachment-files.js';

export const SIGN_IN_ACTION = 'web.sign_in';
export const DASHBOARD_COOKIE = 'zhibu_dash';

export interface DashboardDeps {
  db: Database;
  tokens: TokenSigner;
  timezone: string;
  atRiskDays?: number;
  clock?: () => Date;
}

const e = escapeHtml;

export const DASHBOARD_STYLE = `*{box-sizing:border-box}body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0 auto;max-width:1200px;padding:12px;color:#222;background:#f6f7f9;font-size:14px}
h1{font-size:20px;color:#b00;margin:4px 0 8px}h2{font-size:16px;margin:18px 0 8px;border-left:4px solid #b00;padding-left:8px}
nav{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}nav a,nav span{padding:4px 10px;border-radius:14px;background:#fff;border:1px solid #ddd;color:#333;text-decoration:none}nav span.on{background:#b00;color:#fff;border-color:#b00}
.summary{background:#fff;border-radius:6px;padding:10px 12px;margin:8px 0}.muted{color:#777}img.evidence{max-width:160px;max-height:120px;vertical-align:middle;margin:2px}
.table{overflow-x:auto;background:#fff;border-radius:6px}table{border-collapse:collapse;width:100%;min-width:640px}th,td{border-bottom:1px solid #eee;padding:6px 8px;text-align:left;vertical-align:top}th{background:#fafafa;font-weight:600;white-space:nowrap}
.bar{display:inline-block;width:90px;height:8px;background:#eee;border-radius:4px;vertical-align:middle;margin-right:6px}.bar i{display:block;height:8px;border-radius:4px;background:#c33}
.st{padding:1px 6px;border-radius:8px;font-size:12px;white-space:nowrap}.st-done{background:#e6f4ea;color:#1e7b34}.st-open{background:#eef;color:#335}.st-at_risk{background:#fff4e0;color:#a35a00}.st-missed{background:#fde8e8;color:#b00}
td.name{min-width:9em}td.items{min-width:14em;max-width:28em;font-size:13px}
.chart{background:#fff;border-radius:6px;margin:8px 0;padding:6px}
.tools{display:flex;justify-content:space-between;align-items:center;gap:8px}.tools form{margin:0}button{padding:4px 10px;border:1px solid #ccc;background:#fff;border-radius:4px}
@media (max-width:480px){body{padding:8px;font-size:13px}table{min-width:0}.wide{display:none}.bar{width:56px}}
@media print{body{background:#fff;max-width:none}nav,.tools button,.tools form{display:none}.table{overflow:visible}table{min-width:0}th{background:none}a{color:#000;text-decoration:none}}`;

const pct = (n: number, d: number) => (d ? `${Math.round((n / d) * 1000) / 10}%` : say('dashboard.none'));
const bar = (n: number, d: number) => `<span class="bar" aria-hidden="true"><i style="width:${d ? Math.round((n / d) * 100) : 0}%"></i></span>`;
const share = (n: number, d: number) => `${bar(n, d)}${e(say('dashboard.share', { done: n, total: d, percent: pct(n, d) }))}`;
const STATUS_WORDS: Record<keyof StatusCounts, string> = { done: 'dashboard.status.done', open: 'dashboard.status.open', at_risk: 'dashboard.status.at_risk', missed: 'dashboard.status.missed' };
const status = (s: keyof StatusCounts) => `<span class="st st-${s}">${e(say(STATUS_WORDS[s]))}</span>`;
const STATUS_KEYS = ['done', 'open', 'at_risk', 'missed'] as const;
const counts = (c: StatusCounts) => STATUS_KEYS.map((k) => `${c[k]}`).join(' / ');

/** ECharts' browser build from the installed package (read once). */
let echartsJs: Buffer | undefined;
function echartsFile(): Buffer {
  // The package's entry lies inside it (its exports do not list dist/): its root is the last …/echarts/ of that path.
  const entry = createRequire(import.meta.url).resolve('echarts');
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}echarts${path.sep}`) + `${path.sep}echarts`.length);
  echartsJs ??= fs.readFileSync(path.join(root, 'dist', 'echarts.min.js'));
  return echartsJs;
}

/**
 * A stacked bar chart of obligation statuses per row (branches or units, in the roster's order, never
 * sorted by a figure), drawn by ECharts when it loads; the tables below hold the same figures.
 */
function statusChart(rows: Array<{ name: string; counts: StatusCounts }>): string {
  if (!rows.length) return '';
  const data = {
    names: rows.map((r) => r.name),
    series: STATUS_KEYS.map((k) => ({ name: say(STATUS_WORDS[k]), key: k, data: rows.map((r) => r.counts[k]) })),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const height = 60 + rows.length * 34;
  return `<div id="chart" class="chart" style="height:${height}px"></div><script type="application/json" id="chart-data">${json}</script>
<script src="/dashboard/assets/echarts.min.js"></script><script>(function(){var el=document.getElementById('chart');if(!window.echarts||!el)return;var d=JSON.parse(document.getElementById('chart-data').textContent);
var colors={done:'#1e7b34',open:'#8a94c8',at_risk:'#e0a030',missed:'#c33'};var c=echarts.init(el,null,{renderer:'svg'});
c.setOption({animation:false,grid:{left:8,right:16,top:30,bottom:8,containLabel:true},legend:{top:0},tooltip:{trigger:'axis',axisPointer:{type:'shadow'}},
xAxis:{type:'value',minInterval:1},yAxis:{type:'category',inverse:true,data:d.names,axisLabel:{width:110,overflow:'truncate'}},
series:d.series.map(function(s){return{name:s.name,type:'bar',stack:'all',data:s.data,itemStyle:{color:colors[s.key]}}})});
window.addEventListener('resize',function(){c.resize()});el.setAttribute('data-ready','1');})();</script>`;
}

function page(title: string, body: string): string {
  return htmlPage(title, body, DASHBOARD_STYLE);
}

function periodNav(base: string, p: PeriodRange, tz: string, now: Date): string {
  const kinds: Array<[Period, string]> = [
    ['month', say('dashboard.period_kinds.month')],
    ['quarter', say('dashboard.period_kinds.quarter')],
    ['half', say('dashboard.period_kinds.half')],
    ['year', say('dashboard.period_kinds.year')],
  ];
  const links = kinds.map(([k, label]) => {
    const q = periodOf(k, now, tz);
    return q.key === p.key ? `<span class="on">${e(label)}</span>` : `<a href="${base}?p=${q.key}">${e(label)}</a>`;
  });
  const prev = previousPeriod(p, tz);
  links.push(`<a href="${base}?p=${prev.key}">${e(say('dashboard.previous', { period: prev.label }))}</a>`);
  return `<nav>${links.join('')}</nav>`;
}

/** The columns every level shows for a set of branches' figures. */
function figureCells(f: Figures): string {
  return [
    `<td>${share(f.records.withMinutes, f.records.held)}</td>`,
    `<td class="wide">${e(pct(f.records.withHost, f.records.held))}</td>`,
    `<td>${bar(f.attendance.attended, f.attendance.expected)}${e(pct(f.attendance.attended, f.attendance.expected))}</td>`,
    `<td class="wide">${e(pct(f.attendance.leave, f.attendance.expected))}</td>`,
    `<td class="wide">${f.pledges.submitted} / ${f.pledges.approved} / ${f.pledges.reported}（${f.pledges.audience}）</td>`,
    `<td class="wide">${f.prompts.acknowledged} / ${f.prompts.delivered}</td>`,
  ].join('');
}
const figureHeads = () =>
  [
    `<th>${e(say('dashboard.col.records'))}</th>`,
    `<th class="wide">${e(say('dashboard.col.host'))}</th>`,
    `<th>${e(say('dashboard.col.attendance'))}</th>`,
    `<th class="wide">${e(say('dashboard.col.leave'))}</th>`,
    `<th class="wide">${e(say('dashboard.col.pledges'))}</th>`,
    `<th class="wide">${e(say('dashboard.col.prompts'))}</th>`,
  ].join('');

function summaryLine(r: RollUp): string {
  return e(say('dashboard.summary', { branches: r.branches, done: r.branchesAllDone, missed: r.missed }));
}

function linesTable(lines: ObligationLine[], link?: (l: ObligationLine) => string): string {
  if (!lines.length) return `<p class="muted">${e(say('dashboard.own_none'))}</p>`;
  const rows = lines.map((l) => {
    const name = link ? `<a href="${link(l)}">${e(l.name)}</a>` : e(l.name);
    return `<tr><td>${name}</td><td>${status(l.status)}</td><td>${l.held}/${l.required}</td><td>${e(l.missedParts.join('、') || say('dashboard.none'))}</td></tr>`;
  });
  return `<div class="table"><table><tr><th>${e(say('dashboard.col.item'))}</th><th>${e(say('dashboard.col.state'))}</th><th></th><th>${e(say('dashboard.col.missing'))}</th></tr>${rows.join('')}</table></div>`;
}

/** Records that met the item (only the branch's managers get any), with their evidence: links, and kept pictures and files. */
function recordsTable(records: RecordLine[], tz: string): string {
  const evidence = (r: RecordLine) =>
    r.evidence
      .map((x, i) => {
        const title = x.title ?? say('dashboard.evidence_n', { n: i + 1 });
        if (x.sha256) {
          const href = `/dashboard/record/${encodeURIComponent(r.id)}/file/${x.sha256}`;
          return x.kind === 'image' ? `<a href="${href}"><img class="evidence" src="${href}" alt="${e(title)}"></a>` : `<a href="${href}">${e(title)}</a>`;
        }
        return x.url && /^https?:\/\//.test(x.url) ? `<a href="${e(x.url)}" rel="noopener noreferrer">${e(title === say('dashboard.evidence_n', { n: i + 1 }) ? x.url : title)}</a>` : e(title);
      })
      .join(' ');
  const rows = records.map((r) => `<tr><td>${e(formatDateTime(r.at, tz))}</td><td>${e(r.member ?? '')}</td><td>${e(r.text)}</td><td>${evidence(r)}</td></tr>`);
  return `<table><thead><tr><th>${e(say('dashboard.col.record_at'))}</th><th>${e(say('dashboard.col.record_member'))}</th><th>${e(say('dashboard.col.record_text'))}</th><th>${e(say('dashboard.col.record_evidence'))}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function meetingsTable(meetings: MeetingLine[], tz: string, names: boolean): string {
  if (!meetings.length) return `<p class="muted">${e(say('dashboard.no_meetings'))}</p>`;
  const rows = meetings.map((m) => {
    const who = m.names
      ? `<div class="muted">${e(say('dashboard.names_attended'))}：${e(m.names.attended.join('、') || say('dashboard.none'))}；${e(say('dashboard.names_leave'))}：${e(m.names.leave.join('、') || say('dashboard.none'))}；${e(say('dashboard.names_absent'))}：${e(m.names.absent.join('、') || say('dashboard.none'))}</div>`
      : '';
    const record = names ? ` <a href="/dashboard/meeting/${encodeURIComponent(m.sessionId)}">${e(say('dashboard.record_link'))}</a>` : '';
    return `<tr><td>${e(formatDateTime(m.startsAt, tz))}</td><td>${e(m.kindName)}${m.orgNodeName ? `<div class="muted">${e(m.orgNodeName)}</div>` : ''}</td><td>${e(m.topic)}${who}</td><td>${m.attended}/${m.expected}</td><td>${e(m.counted ? say('dashboard.counted_yes') : say('dashboard.counted_no'))}</td><td>${e(m.hasMinutes ? say('dashboard.minutes_yes') : say('dashboard.minutes_no'))}${record}</td></tr>`;
  });
  return `<div class="table"><table><tr><th>${e(say('dashboard.col.time'))}</th><th>${e(say('dashboard.col.kind'))}</th><th>${e(say('dashboard.col.topic'))}</th><th>${e(say('dashboard.col.attended'))}</th><th>${e(say('dashboard.col.counted'))}</th><th></th></tr>${rows.join('')}</table></div>`;
}

/** The page for a view. Names of people appear only in a branch view's meetings, and only when the view carries them. */
export function renderView(v: DashboardView, tz: string, now: Date, snapshot?: { takenAt: Date; shown: boolean }): string {
  const base = `/dashboard/node/${encodeURIComponent(v.node.id)}`;
  const p = `?p=${encodeURIComponent(v.period.key)}`;
  const periodRange = parsePeriod(v.period.key, now, tz)!;
  // Above the branch, a quarter's view offers its report workbook (季度工作报告制度).
  const report = v.level !== 'branch' && periodRange.kind === 'quarter' ? `<a href="/dashboard/report/${encodeURIComponent(v.node.id)}${p}">${e(say('dashboard_report.download'))}</a> ` : '';
  const head = `<div class="tools"><h1>${e(v.node.name)}</h1><div>${report}<button onclick="window.print()">${e(say('dashboard.print'))}</button></div></div>${periodNav(base, periodRange, tz, now)}`;
  const date = snapshot ? formatIso(new Date(snapshot.takenAt), tz).slice(0, 10) : '';
  const frozen = !snapshot
    ? ''
    : snapshot.shown
      ? `<p class="summary">${e(say('dashboard.snapshot', { date }))} <a href="${base}${p}&live=1">${e(say('dashboard.live_link'))}</a></p>`
      : `<p class="summary muted"><a href="${base}${p}">${e(say('dashboard.snapshot_link', { date }))}</a></p>`;
  let body = '';
  if (v.level === 'committee') {
    const rows = v.units.map(
      (u) =>
        `<tr><td class="name"><a href="/dashboard/node/${encodeURIComponent(u.id)}${p}">${e(u.name)}</a></td><td>${share(u.rollUp.branchesAllDone, u.rollUp.branches)}<div class="muted">${e(say('dashboard.col.previous'))} ${e(pct(u.previous.branchesAllDone, u.previous.branches))}</div></td><td>${u.rollUp.missed}</td><td class="wide">${counts(u.own)}</td>${figureCells(u.rollUp)}</tr>`,
    );
    body = `<h2>${e(say('dashboard.level_committee', { period: v.period.label }))}</h2><p class="summary">${summaryLine(v.rollUp)}<br><span class="muted">${e(say('dashboard.col.previous'))}（${e(v.previous.label)}）：${summaryLine(v.previousRollUp)}</span></p>
${statusChart(v.units.map((u) => ({ name: u.name, counts: u.rollUp.obligations })))}
<div class="table"><table><tr><th>${e(say('dashboard.col.unit'))}</th><th>${e(say('dashboard.col.all_done'))}</th><th>${e(say('dashboard.col.missed'))}</th><th class="wide">${e(say('dashboard.own'))} ${e(say('dashboard.col.status'))}</th>${figureHeads()}</tr>${rows.join('')}</table></div>`;
  } else if (v.level === 'organ') {
    const rows = v.organ.branches.map((b: BranchFigures) => `<tr><td class="name"><a href="/dashboard/node/${encodeURIComponent(b.id)}${p}">${e(b.name)}</a></td><td>${counts(b.obligations)}</td><td class="items">${e(b.lines.filter((l) => l.status === 'missed').map((l) => l.name).join('、') || say('dashboard.none'))}</td>${figureCells(b)}</tr>`);
    body = `<h2>${e(say('dashboard.level_organ', { period: v.period.label }))}</h2><p class="summary">${summaryLine(v.organ.rollUp)}<br><span class="muted">${e(say('dashboard.col.previous'))}（${e(v.previous.label)}）：${summaryLine(v.previousRollUp)}</span></p>
${statusChart(v.organ.branches.map((b) => ({ name: b.name, counts: b.obligations })))}
<div class="table"><table><tr><th>${e(say('dashboard.col.branch'))}</th><th>${e(say('dashboard.col.status'))}</th><th>${e(say('dashboard.col.missed'))}</th>${figureHeads()}</tr>${rows.join('')}</table></div>
<h2>${e(say('dashboard.own'))}</h2>${linesTable(v.organ.own)}`;
  } else {
    const b = v.branch;
    body = `<h2>${e(say('dashboard.level_branch', { period: v.period.label }))}</h2>
<div class="table"><table><tr><th>${e(say('dashboard.col.status'))}</th>${figureHeads()}</tr><tr><td>${counts(b.obligations)}</td>${figureCells(b)}</tr><tr><td class="muted">${e(say('dashboard.col.previous'))} ${counts(v.previousBranch.obligations)}</td>${figureCells(v.previousBranch)}</tr></table></div>
${linesTable(b.lines, (l) => `${base}/obligation?k=${encodeURIComponent(l.key)}&p=${encodeURIComponent(v.period.key)}`)}
<h2>${e(say('dashboard.col.meetings'))}</h2>${meetingsTable(v.meetings, tz, v.names)}`;
  }
  const foot = `<form method="post" action="/dashboard/sign-out" class="tools"><span class="muted">${e(say('dashboard.title'))}</span><button type="submit">${e(say('dashboard.sign_out'))}</button></form>`;
  return page(`${say('dashboard.title')} · ${v.node.name}`, `${head}${frozen}${body}${foot}`);
}

/** Where a sign-in may land: a 驾驶舱 page of ours (never a sign-in or login page), else home. */
export function dashboardTarget(to: string): string {
  return /^\/dashboard(\/[A-Za-z0-9_\-/]*)?(\?[A-Za-z0-9_=&%\-.]*)?$/.test(to) && !to.startsWith('/dashboard/sign') && !to.startsWith('/dashboard/login') ? to : '/dashboard';
}

export function registerDashboard(server: FastifyInstance, deps: DashboardDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const o = { timezone: deps.timezone, atRiskDays: deps.atRiskDays ?? DEFAULT_LIFE.atRiskDays };
  const html = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const refuse = (reply: FastifyReply, code: number, text: string) => html(reply, code, page(say('dashboard.title'), `<h1>${e(say('dashboard.title'))}</h1><p class="summary">${e(text)}</p>`));

  /** The signed-in member as a web principal; null when it has answered (sign in first). */
  async function principal(req: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; now: Date } | null> {
    const now = clock();
    const cookie = parseCookie(req.headers.cookie ?? '')[DASHBOARD_COOKIE] ?? '';
    const s = cookie ? await sessionMember(deps.db.prisma as never, cookie, now) : null;
    const member = s ? await findMember(deps.db.prisma, s.memberId) : null;
    if (!member?.active) {
      // The platform sign-in page (src/web/platform-login.ts) is one click away.
      await html(reply, 401, page(say('dashboard.title'), `<h1>${e(say('dashboard.title'))}</h1><p class="summary">${e(say('dashboard.sign_in_needed'))}</p><p><a href="/dashboard/login?to=${encodeURIComponent(dashboardTarget(req.url))}">${e(say('web_login.other_ways'))}</a></p>`));
      return null;
    }
    return { principal: memberPrincipal(member, 'web'), now };
  }

  async function run<T>(reply: FastifyReply, who: { principal: Principal; now: Date }, fn: (u: Unit) => Promise<T>): Promise<T | undefined> {
    try {
      // These services tell nobody anything; what a person changed is audited.
      return (await runService(deps.db, who.principal, who.now, fn)).result;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await refuse(reply, err.code.endsWith('not_allowed') || err.code === 'dashboard.link_used' ? 403 : 404, errorText(err, deps.timezone));
      return undefined;
    }
  }

  /** The page's period (`p`, this quarter when absent); null when it has answered (a `p` it cannot read). */
  const periodFrom = (req: FastifyRequest, reply: FastifyReply, now: Date) => {
    const raw = String((req.query as { p?: string }).p ?? '').trim();
    if (!raw) return periodOf('quarter', now, deps.timezone);
    const period = parsePeriod(raw, now, deps.timezone);
    if (!period) void refuse(reply, 400, say('dashboard.bad_period', { text: [...raw].slice(0, 20).join('') }));
    return period;
  };

  server.get('/dashboard/sign-in', async (req, reply) => {
    const now = clock();
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), now);
    if (!check.ok) return refuse(reply, check.reason === 'expired' ? 410 : 403, say(check.reason === 'expired' ? 'dashboard.link_expired' : 'dashboard.link_invalid'));
    if (check.claims.action !== SIGN_IN_ACTION || !check.claims.member) return refuse(reply, 403, say('dashboard.link_invalid'));
    const member = await findMember(deps.db.prisma, check.claims.member);
    if (!member) return refuse(reply, 403, say('dashboard.link_invalid'));
    const opened = await run(reply, { principal: memberPrincipal(member, 'web'), now }, (u) => openSignIn(u, { sessionId: check.claims.target, memberId: check.claims.member! }));
    if (!opened) return reply;
    const to = String((req.query as { to?: string }).to ?? '');
    const next = dashboardTarget(to);
    return reply
      .code(303)
      .header('set-cookie', stringifySetCookie({ name: DASHBOARD_COOKIE, value: opened.cookie, httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', path: '/dashboard', maxAge: SESSION_SECONDS }))
      .header('cache-control', 'no-store')
      .header('location', next)
      .send();
  });

  server.get('/dashboard/assets/echarts.min.js', async (_req, reply) => reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(echartsFile()));

  server.post('/dashboard/sign-out', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    await run(reply, who, async (u) => {
      const cookie = parseCookie(req.headers.cookie ?? '')[DASHBOARD_COOKIE] ?? '';
      const s = await sessionMember(u.tx, cookie, who.now);
      if (s) await revokeSessions(u, { sessionId: s.sessionId });
    });
    return html(reply.header('set-cookie', stringifySetCookie({ name: DASHBOARD_COOKIE, value: '', httpOnly: true, sameSite: 'lax', path: '/dashboard', maxAge: 0 })), 200, page(say('dashboard.title'), `<h1>${e(say('dashboard.title'))}</h1><p class="summary">${e(say('dashboard.signed_out'))}</p>`));
  });

  const show = async (req: FastifyRequest, reply: FastifyReply, nodeId: string | null, json: boolean) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const period = periodFrom(req, reply, who.now);
    if (!period) return reply;
    const live = (req.query as { live?: string }).live === '1';
    // A quarter frozen for inspection shows its snapshot, with the live view a click away (and the reverse).
    const r = await run(reply, who, async (u) => {
      const id = nodeId ?? (await dashboardHome(u)).id;
      const snap = period.kind === 'quarter' ? await snapshotOf(u, { nodeId: id, periodKey: period.key }) : null;
      const view = snap && !live ? snap.view : await dashboardView(u, { nodeId: id, period }, o);
      return { view, snapshot: snap ? { takenAt: snap.takenAt, shown: !live } : undefined };
    });
    if (!r) return reply;
    if (json) return reply.header('cache-control', 'no-store').send(r.snapshot?.shown ? { ...r.view, snapshot: { takenAt: r.snapshot.takenAt } } : r.view);
    return html(reply, 200, renderView(r.view, deps.timezone, who.now, r.snapshot));
  };

  server.get('/dashboard', (req, reply) => show(req, reply, null, false));
  server.get('/dashboard/node/:id', (req, reply) => show(req, reply, (req.params as { id: string }).id, false));
  server.get('/dashboard/data/:id', (req, reply) => show(req, reply, (req.params as { id: string }).id, true));

  server.get('/dashboard/report/:id', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const period = periodFrom(req, reply, who.now);
    if (!period) return reply;
    const r = await run(reply, who, (u) => quarterReport(u, { nodeId: (req.params as { id: string }).id, period }, o));
    if (!r) return reply;
    const file = await reportWorkbook(r, deps.timezone, who.now);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="report-${r.period.key}.xlsx"; filename*=UTF-8''${encodeURIComponent(reportFileName(r))}`)
      .send(file);
  });

  server.get('/dashboard/node/:id/obligation', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const period = periodFrom(req, reply, who.now);
    if (!period) return reply;
    const key = String((req.query as { k?: string }).k ?? '');
    const d = await run(reply, who, (u) => obligationDetail(u, { branchId: (req.params as { id: string }).id, key, period }, o));
    if (!d) return reply;
    const back = `/dashboard/node/${encodeURIComponent(d.branch.id)}?p=${encodeURIComponent(period.key)}`;
    const body = `<div class="tools"><h1>${e(d.branch.name)}</h1><button onclick="window.print()">${e(say('dashboard.print'))}</button></div><nav><a href="${back}">${e(say('dashboard.back'))}</a></nav>
${linesTable([d.line])}<h2>${e(say('dashboard.col.meetings'))}</h2>${meetingsTable(d.meetings, deps.timezone, d.names)}${d.records.length ? `<h2>${e(say('dashboard.records_title'))}</h2>${recordsTable(d.records, deps.timezone)}` : ''}`;
    return html(reply, 200, page(`${say('dashboard.title')} · ${d.line.name}`, body));
  });

  server.get('/dashboard/meeting/:id', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const id = (req.params as { id: string }).id;
    const r = await run(reply, who, (u) => meetingRecord(u, { sessionId: id }, { ...DEFAULT_LIFE, timezone: deps.timezone }));
    if (!r) return reply;
    return html(reply, 200, recordPage(r.branch.name, r.meeting, deps.timezone, (sha) => `/dashboard/meeting/${encodeURIComponent(id)}/file/${sha}`));
  });

  // A picture or file kept as a record's evidence (记录 … with a photo), to the branch's managers.
  server.get('/dashboard/record/:id/file/:sha', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const { id, sha } = req.params as { id: string; sha: string };
    const kept = await run(reply, who, (u) => recordFile(u, { recordId: id, sha256: sha }));
    return kept ? sendStoredFile(reply, deps.db, kept) : reply;
  });

  // A picture or file kept with the meeting's minutes (纪实照片), to those who may open its record.
  server.get('/dashboard/meeting/:id/file/:sha', async (req, reply) => {
    const who = await principal(req, reply);
    if (!who) return reply;
    const { id, sha } = req.params as { id: string; sha: string };
    const r = await run(reply, who, (u) => meetingRecord(u, { sessionId: id }, { ...DEFAULT_LIFE, timezone: deps.timezone }));
    if (!r) return reply;
    if (!r.meeting.minutes?.attachments.some((a) => a.sha256 === sha)) return refuse(reply, 404, say('attachments.gone'));
    return sendStoredFile(reply, deps.db, sha);
  });
}
