// The organizational-life loop through the console adapter, on real PostgreSQL and Redis, with a
// pinned clock: notice → check-in window → leave and 补签 with approval and refusal → corrections →
// minutes (card and H5) → ledger export → compliance, plus change, cancel and the edge cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import type { HandleResult } from '../../src/chat/core.js';
import { computeCompliance } from '../../src/domain/life/compliance.js';
import { parsePeriod } from '../../src/domain/life/period.js';
import { meetingReminderNotes } from '../../src/services/reminders.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { ledgerColumns } from '../../src/chat/presenters/ledger-workbook.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { button, ChatDriver, direct, group, type ChatRef } from '../helpers/chat.js';

let app: App;
let chat: ChatDriver;
let drop: () => Promise<void>;
let now = new Date('2026-11-20T10:00:00+08:00'); // a Friday
const setNow = (iso: string) => (now = new Date(iso));

beforeAll(async () => {
  const db = await freshPostgres();
  drop = db.drop;
  app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { clock: () => now });
  chat = new ChatDriver(app);
  for (const u of ['m101', 'm102', 'm103', 'm104', 'm105', 'm106', 'm107', 'm109', 'm110', 'm201']) chat.watch(direct(u));
});
afterAll(async () => {
  chat.close();
  await app.stop();
  await drop();
});

const p = () => app.db.prisma;
const toast = (r: HandleResult) => (r.status === 'processed' ? r.ack.toast : undefined);
const textIn = (c: ChatRef, pred: (t: string) => boolean) => chat.waitFor(c, (e) => e.type === 'message' && !!e.text && pred(e.text));

/** Wait until the card `messageId` in `c` shows `footer` (updates arrive through delivery). */
async function footerBecomes(c: ChatRef, messageId: string, footer: string): Promise<Card> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { card } = chat.currentCard(c, messageId);
    if (card.footer === footer) return card;
    if (Date.now() > deadline) throw new Error(`footer is "${card.footer}", expected "${footer}"`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a theme day from notice to ledger', () => {
  let notice: { messageId: string; card: Card };
  let sessionId: string;

  it('refuses notices whose time is missing, ambiguous or past, and creates nothing', async () => {
    const cases: Array<[string, string]> = [
      ['通知 主题党日 改天再说 三楼会议室', '没有看到会议时间，这次没有发布。'],
      ['通知 主题党日 下周五 三楼会议室 主题：学习', '还缺具体几点几分，这次没有发布。'],
      ['通知 主题党日 12月5日下午 三楼会议室', '还缺具体几点几分，这次没有发布。'],
      ['通知 主题党日 明天两点半 三楼会议室', '没有写明上午还是下午，这次没有发布。如果是 2026年11月21日（周六）14:30'],
      ['通知 主题党日 11月10日 14:30 三楼会议室', '这个时间（2026年11月10日（周二）14:30）已经过去了'],
      ['通知 联欢会 12月5日 14:30', '请在「通知」后写明会议类型'],
    ];
    for (const [text, answer] of cases) {
      await chat.say('m101', group(1), `@支部助手 ${text}`);
      await textIn(group(1), (t) => t.startsWith(answer));
    }
    expect(await p().meetingSession.count()).toBe(0);
    expect(await p().reminder.count()).toBe(0);
  });

  it('refuses a notice from an ordinary member', async () => {
    await chat.say('m103', group(1), '通知 主题党日 12月5日 14:30 三楼会议室 主题：学习');
    await textIn(group(1), (t) => t === '只有本支部的书记或组织委员才能发布会议通知。');
    expect(await p().meetingSession.count()).toBe(0);
  });

  it('posts one card with the counter and writes the reminder plan', async () => {
    await chat.say('m101', group(1), '@支部助手 通知 主题党日 12月5日 14:30 三楼会议室 主题：学习贯彻四中全会精神');
    notice = await chat.waitForCard(group(1), '会议通知 · 主题党日');
    expect(notice.card.fields).toEqual([
      { label: '主题', value: '学习贯彻四中全会精神' },
      { label: '时间', value: '2026年12月5日（周六）14:30' },
      { label: '地点', value: '三楼会议室' },
      { label: '签到时间', value: '12月5日 14:00 至 12月5日 16:30' },
    ]);
    expect(notice.card.footer).toBe('应到 10 · 已签到 0 · 请假 0 · 未响应 10');
    const s = await p().meetingSession.findFirstOrThrow({ include: { kind: true } });
    sessionId = s.id;
    expect(s.kind.code).toBe('theme_day');
    expect(s.startsAt.toISOString()).toBe('2026-12-05T06:30:00.000Z');
    expect(s.cardMessageKey).toBe(`meeting:${s.id}:card`);
    const reminders = await p().reminder.findMany({ where: { sessionId }, orderBy: { dueAt: 'asc' } });
    expect(reminders.map((r) => [r.key, r.dueAt.toISOString(), r.status])).toEqual([
      [`remind:${sessionId}:day_before`, '2026-12-04T01:00:00.000Z', 'PLANNED'],
      [`remind:${sessionId}:hour_before`, '2026-12-05T05:30:00.000Z', 'PLANNED'],
      [`remind:${sessionId}:start`, '2026-12-05T06:00:00.000Z', 'PLANNED'],
      [`remind:${sessionId}:after_end`, '2026-12-05T08:30:00.000Z', 'PLANNED'],
    ]);
    expect(await p().auditLog.count({ where: { action: 'meeting.notice', entityId: sessionId } })).toBe(1);
  });

  it('tells a member who checks in too early when check-in opens', async () => {
    const r = await chat.click('m103', group(1), button(notice.card, '签到'));
    expect(toast(r)?.text).toBe('签到尚未开始，将于 2026年12月5日（周六）14:00 开启。');
    await chat.say('m103', group(1), '签到');
    await textIn(group(1), (t) => t === '主题党日「学习贯彻四中全会精神」 的签到尚未开始，将于 2026年12月5日（周六）14:00 开启。');
    expect(await p().attendance.count({ where: { sessionId, status: 'PRESENT' } })).toBe(0);
  });

  it('needs a reason for leave, sends it to the secretary, and approval moves the counter', async () => {
    await chat.say('m104', group(1), '请假');
    await textIn(group(1), (t) => t === '请假需要写明原因，例如「请假 出差在外」。');
    expect(await p().attendanceRequest.count()).toBe(0);

    await chat.say('m104', group(1), '请假 出差在外');
    await textIn(group(1), (t) => t.startsWith('已提交 主题党日「学习贯彻四中全会精神」 的请假申请，等待 王建国 审批'));
    const approval = await chat.waitForCard(direct('m101'), '请假申请 · 刘洋');
    expect(approval.card.fields?.find((f) => f.label === '原因')?.value).toBe('出差在外');

    await chat.say('m104', group(1), '请假 还是出差');
    await textIn(group(1), (t) => t === '您的申请已提交，正在等待书记审批，请勿重复提交。');

    // an ordinary member cannot approve, even holding the button
    const refused = await chat.click('m105', direct('m105'), button(approval.card, '批准'));
    expect(toast(refused)?.text).toBe('只有本支部的书记或组织委员才能审批请假和补签。');
    expect(await p().attendanceRequest.count({ where: { status: 'PENDING' } })).toBe(1);

    const ok = await chat.click('m101', direct('m101'), button(approval.card, '批准'));
    expect(toast(ok)?.text).toBe('已批准 刘洋 的请假申请');
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 0 · 请假 1 · 未响应 9');
    await textIn(direct('m104'), (t) => t === '您的请假申请已获批准：主题党日「学习贯彻四中全会精神」（审批人 王建国）。');
    await footerBecomes(direct('m101'), approval.messageId, '已由 王建国 批准');

    const again = await chat.click('m101', direct('m101'), button(approval.card, '驳回'));
    expect(toast(again)?.text).toBe('这份申请已处理（已批准），无需重复操作。');
  });

  it('sends the leave form privately from the card button and refuses a leave it then rejects', async () => {
    const r = await chat.click('m106', group(1), button(notice.card, '请假'));
    expect(toast(r)?.text).toBe('已私信发送请假表单，请在私聊中填写原因。');
    const form = await chat.waitForCard(direct('m106'), '请假 · 主题党日');
    expect(form.card.form?.url).toMatch(/\/h5\/form\?t=/);
    const empty = await chat.click('m106', direct('m106'), form.card.form!, { reason: '  ' });
    expect(toast(empty)?.text).toBe('表单没有提交成功：请填写「原因」');
    await chat.click('m106', direct('m106'), form.card.form!, { reason: '家中有事' });
    const approval = await chat.waitForCard(direct('m101'), '请假申请 · 杨帆');
    const rejected = await chat.click('m101', direct('m101'), button(approval.card, '驳回'));
    expect(toast(rejected)?.text).toBe('已驳回 杨帆 的请假申请');
    await textIn(direct('m106'), (t) => t.startsWith('您的请假申请未获批准：主题党日「学习贯彻四中全会精神」'));
    const a = await p().attendance.findFirstOrThrow({ where: { sessionId, member: { name: '杨帆' } } });
    expect(a.status).toBe('PENDING');
  });

  it('lists in the reminder only those who have not answered', async () => {
    const r = await p().reminder.findUniqueOrThrow({ where: { key: `remind:${sessionId}:day_before` } });
    const at = new Date('2026-12-04T09:00:00+08:00');
    const notes = (await p().$transaction((tx) => meetingReminderNotes(tx, [r], at))).get(r.id)!;
    const targets = notes.map((m) => m.to.target).sort();
    // m104 is on approved leave: never reminded. m106's leave was refused: still owes an answer.
    expect(targets).toEqual(['m101', 'm102', 'm103', 'm105', 'm106', 'm107', 'm108', 'm109', 'm110']);
    expect(notes.every((m) => m.dedupeKey.startsWith(`remind:${sessionId}:day_before:`))).toBe(true);
    const presenters = buildPresenters({ tokens: app.tokens, timezone: 'Asia/Shanghai', publicUrl: app.url });
    expect(presenters.body(notes[0]!, at)).toEqual({ kind: 'text', text: '明天有会：主题党日「学习贯彻四中全会精神」，2026年12月5日（周六）14:30，地点 三楼会议室。不能参加请发送「请假 原因」。' });
    // an hour-before reminder fired after the start sends nothing
    const late = await p().reminder.findUniqueOrThrow({ where: { key: `remind:${sessionId}:hour_before` } });
    expect((await p().$transaction((tx) => meetingReminderNotes(tx, [late], new Date('2026-12-05T15:00:00+08:00')))).get(late.id)).toEqual([]);
  });

  it('checks members in once, however often they click, and updates the counter', async () => {
    setNow('2026-12-05T14:10:00+08:00');
    const first = await chat.click('m103', group(1), button(notice.card, '签到'));
    expect(toast(first)).toEqual({ type: 'success', text: '张伟 已签到：主题党日「学习贯彻四中全会精神」。' });
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 1 · 请假 1 · 未响应 8');

    // same button again (a new event id), and the same event delivered twice
    const second = await chat.click('m103', group(1), button(notice.card, '签到'));
    expect(toast(second)).toEqual({ type: 'info', text: '您已签到过 主题党日「学习贯彻四中全会精神」，无需重复签到。' });
    const dupA = await chat.click('m107', group(1), button(notice.card, '签到'), undefined, 'same-event-1');
    const dupB = await chat.click('m107', group(1), button(notice.card, '签到'), undefined, 'same-event-1');
    expect([dupA.status, dupB.status]).toEqual(['processed', 'duplicate']);
    // two clicks at the same moment
    await Promise.all([chat.click('m108', group(1), button(notice.card, '签到')), chat.click('m108', group(1), button(notice.card, '签到'))]);

    expect(await p().attendance.count({ where: { sessionId, status: 'PRESENT' } })).toBe(3);
    expect(await p().auditLog.count({ where: { action: 'attendance.checkin' } })).toBe(3);
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 3 · 请假 1 · 未响应 6');
  });

  it('lets a member on approved leave check in after all, which ends the leave', async () => {
    const r = await chat.click('m104', group(1), button(notice.card, '签到'));
    expect(toast(r)?.text).toBe('刘洋 已签到：主题党日「学习贯彻四中全会精神」（原请假已撤销）。');
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 4 · 请假 0 · 未响应 6');
  });

  it('refuses a member of another branch and an unbound user', async () => {
    const other = await chat.click('m201', group(1), button(notice.card, '签到'));
    expect(toast(other)?.text).toBe('您不在 主题党日「学习贯彻四中全会精神」 的应到名单中，无需签到。如有疑问请联系支部书记。');
    const stranger = await chat.click('wx-stranger', group(1), button(notice.card, '签到'));
    expect(toast(stranger)?.text).toMatch(/^您还没有绑定党员身份/);
    expect(await p().attendance.count({ where: { sessionId } })).toBe(10);
    expect(await p().attendance.count({ where: { sessionId, status: 'PRESENT' } })).toBe(4);
  });

  it('checks in by text in the group', async () => {
    await chat.say('m102', group(1), '签到');
    await textIn(group(1), (t) => t === '李秀英 已签到：主题党日「学习贯彻四中全会精神」。');
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 5 · 请假 0 · 未响应 5');
  });

  it('after the window, takes 补签 requests through approval and refusal', async () => {
    setNow('2026-12-05T17:00:00+08:00');
    const closed = await chat.click('m109', group(1), button(notice.card, '签到'));
    expect(toast(closed)?.text).toBe('签到已结束。如确已参加，可在 2026年12月12日（周六）16:30 前发送「补签 原因」申请补签。');

    await chat.say('m109', group(1), '补签 会上手机没电，未能签到');
    const a1 = await chat.waitForCard(direct('m101'), '补签申请 · 周涛');
    await chat.click('m101', direct('m101'), button(a1.card, '批准'));
    await textIn(direct('m109'), (t) => t.startsWith('您的补签申请已获批准'));
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 6 · 请假 0 · 未响应 4 · 含补签 1');

    await chat.say('m110', direct('m110'), '补签 忘了');
    const a2 = await chat.waitForCard(direct('m101'), '补签申请 · 吴敏');
    await chat.click('m101', direct('m101'), button(a2.card, '驳回'));
    await textIn(direct('m110'), (t) => t.startsWith('您的补签申请未获批准'));
    expect((await p().attendance.findFirstOrThrow({ where: { sessionId, member: { name: '吴敏' } } })).status).toBe('PENDING');
  });

  it('lets the secretary correct attendance by hand, with an audit row', async () => {
    await chat.say('m103', group(1), '更正签到 吴敏 出席');
    await textIn(group(1), (t) => t === '只有本支部的书记或组织委员才能更正签到。');
    await chat.say('m101', group(1), '更正签到 吴敏 缺席');
    await textIn(group(1), (t) => t === '已将 吴敏 在 主题党日「学习贯彻四中全会精神」（12月5日 14:30）的签到更正为「缺席」。');
    const a = await p().attendance.findFirstOrThrow({ where: { sessionId, member: { name: '吴敏' } } });
    expect(a.status).toBe('ABSENT');
    const audit = await p().auditLog.findFirstOrThrow({ where: { action: 'attendance.correct', entityId: a.id } });
    expect(audit.detail).toMatchObject({ from: 'PENDING', to: 'ABSENT' });
    await footerBecomes(group(1), notice.messageId, '应到 10 · 已签到 6 · 请假 0 · 未响应 3 · 含补签 1 · 缺席 1');
  });

  it('records the minutes from the card form, with attendance from the check-ins', async () => {
    await chat.say('m101', group(1), '填写纪实');
    const form = await chat.waitForCard(group(1), '填写会议纪实 · 主题党日');
    const bad = await chat.click('m101', group(1), form.card.form!, { summary: '学习了全会精神', attachments: '会议照片 没有链接' });
    expect(toast(bad)?.text).toBe('附件「会议照片 没有链接」里没有有效的链接（应以 http:// 或 https:// 开头）。');
    await chat.click('m101', group(1), form.card.form!, {
      summary: '集体学习党的二十届四中全会公报，交流学习体会。',
      resolutions: '各党小组于12月底前完成专题研讨',
      speakers: '王建国、李秀英',
      attachments: '会议照片 https://pan.example.cn/s/abc\nhttps://pan.example.cn/s/def',
    });
    const saved = await chat.waitForCard(group(1), '会议纪实已保存 · 主题党日');
    const names = (label: string) => (saved.card.fields?.find((f) => f.label === label)?.value ?? '').split('、').sort();
    expect(names('出席')).toEqual(['刘洋', '周涛', '张伟', '李秀英', '赵磊', '黄丽'].sort());
    expect(names('请假')).toEqual(['无']);
    expect(saved.card.fields?.find((f) => f.label === '缺席')?.value).toContain('吴敏');
    const m = await p().minutes.findUniqueOrThrow({ where: { sessionId } });
    expect(m.speakers).toEqual(['王建国', '李秀英']);
    expect(m.attachments).toEqual([
      { title: '会议照片', url: 'https://pan.example.cn/s/abc' },
      { title: '附件2', url: 'https://pan.example.cn/s/def' },
    ]);
    expect((await p().meetingSession.findUniqueOrThrow({ where: { id: sessionId } })).status).toBe('HELD');
  });

  it('serves the same form as an H5 page that escapes what it shows and submits through the same action', async () => {
    await chat.say('m101', direct('m101'), '填写纪实');
    const form = await chat.waitForCard(direct('m101'), '填写会议纪实 · 主题党日');
    const link = new URL(form.card.form!.url!);
    const page = await fetch(`${app.url}${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('集体学习党的二十届四中全会公报');
    const t = link.searchParams.get('t')!;
    const nonce = /name="nonce" value="([^"]+)"/.exec(html)![1]!;
    const body = new URLSearchParams({ t, nonce, summary: '<script>alert(1)</script>补充：会后开展了志愿服务。', resolutions: '', speakers: '王建国', attachments: '' });
    const post = await fetch(`${app.url}/h5/form`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('纪实已保存');
    const again = await fetch(`${app.url}/h5/form`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await again.text()).toContain('已经提交过了');
    expect((await p().minutes.findUniqueOrThrow({ where: { sessionId } })).summary).toMatch(/^<script>/);
    const reopened = await (await fetch(`${app.url}${link.pathname}${link.search}`)).text();
    expect(reopened).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(reopened).not.toContain('<script>alert');
    expect((await fetch(`${app.url}/h5/form?t=forged.token`)).status).toBe(403);
    expect(await p().auditLog.count({ where: { action: 'meeting.minutes', entityId: sessionId } })).toBe(2);
  });

  it('exports the ledger as a signed link to an xlsx laid out for inspection', async () => {
    await chat.say('m103', group(1), '导出台账 本季度');
    await textIn(group(1), (t) => t === '只有本支部的书记或组织委员才能导出台账。');
    await chat.say('m101', group(1), '导出台账 2026年上世纪');
    await textIn(group(1), (t) => t.startsWith('没有看懂「2026年上世纪」是哪个期间'));

    await chat.say('m101', group(1), '导出台账 2026年第四季度');
    await textIn(group(1), (t) => t === '下载链接已私信发给您。');
    const msg = await textIn(direct('m101'), (t) => t.includes('组织生活台账'));
    const t = /[?&]t=([^\s]+)/.exec(msg.type === 'message' ? msg.text! : '')![1]!;
    // bound to m101: with no identity only the confirmation page; the code goes to m101 privately
    const url = `/files/ledger?t=${t}`;
    const bare = await fetch(`${app.url}${url}`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain('这个链接只供 王** 本人使用');
    const form = (body: Record<string, string>) => fetch(`${app.url}/files/identity`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await form({ link: url, step: 'send' })).status).toBe(200);
    const dm = await textIn(direct('m101'), (x) => x.includes('验证码'));
    const code = /验证码：(\d{6})/.exec(dm.type === 'message' ? dm.text! : '')![1]!;
    const verified = await form({ link: url, step: 'verify', code });
    expect(verified.status).toBe(303);
    const cookie = verified.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${app.url}${url}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '应开实开', '主题党日', '更正记录']);
    const ws = wb.getWorksheet('主题党日')!;
    expect(ws.getCell('A1').value).toBe('第一党支部（办公室） 主题党日台账（2026年第四季度）');
    const head = (ws.getRow(2).values as string[]).slice(1);
    expect(head).toEqual(ledgerColumns());
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const row = ws.getRow(3);
    const cell = (name: string) => row.getCell(head.indexOf(name) + 1);
    expect((cell('开始时间').value as Date).toISOString()).toBe('2026-12-05T14:30:00.000Z'); // local wall clock
    expect(cell('开始时间').numFmt).toBe('yyyy-mm-dd hh:mm');
    expect(['会议主题', '地点', '主持人', '应到', '实到', '请假', '缺席'].map((c) => cell(c).value)).toEqual(['学习贯彻四中全会精神', '三楼会议室', '王建国', 10, 6, 0, 4]);
    expect(cell('补签人员及原因').value).toMatch(/^周涛/);
    expect(cell('状态').value).toBe('已召开');
    expect(ws.getRow(4).getCell(1).value).toBe('合计');
    expect(ws.getRow(4).getCell(head.indexOf('应到') + 1).value).toBe(10);

    // the link is short-lived and cannot be edited
    expect((await fetch(`${app.url}/files/ledger?t=${t.slice(0, -3)}abc`)).status).toBe(403);
    const saved = now;
    setNow(new Date(saved.getTime() + 31 * 60_000).toISOString());
    expect((await fetch(`${app.url}/files/ledger?t=${t}`)).status).toBe(410);
    now = saved;
  });

  it('reports compliance before and after a meeting', async () => {
    const q4 = parsePeriod('2026Q4', now)!;
    const branch1 = await p().orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
    const report = await computeCompliance(p(), { orgNodeId: branch1.id, period: q4, now, kindCodes: ['theme_day', 'branch_assembly'] });
    const theme = report.items.find((i) => i.obligationKey === 'theme_day')!;
    expect({ required: theme.required, held: theme.held, status: theme.status }).toEqual({ required: 3, held: 1, status: 'missed' });
    expect(theme.parts.map((x) => [x.key, x.held])).toEqual([['2026-10', 0], ['2026-11', 0], ['2026-12', 1]]);

    await chat.say('m101', group(1), '本季度党员大会完成情况');
    const before = await chat.waitForCard(group(1), '第一党支部（办公室） · 2026年第四季度支部党员大会完成情况');
    expect(before.card.markdown).toBe('⭕ 支部党员大会：应开 1 次，已开 0 次，还差 1 次（距2026年第四季度结束 26 天）');

    await chat.say('m101', group(1), '通知 党员大会 12月8日 上午9点 党员活动室 主题：讨论年度工作');
    const card = await chat.waitForCard(group(1), '会议通知 · 支部党员大会');
    setNow('2026-12-08T09:05:00+08:00');
    await chat.click('m105', group(1), button(card.card, '签到'));
    await footerBecomes(group(1), card.messageId, '应到 10 · 已签到 1 · 请假 0 · 未响应 9');
    await chat.say('m103', group(1), '本季度三会一课完成情况');
    const after = await chat.waitForCard(group(1), /2026年第四季度三会一课完成情况/);
    // One of ten checked in: not more than half, so not held (条例 第十一条), and the card says why.
    expect(after.card.markdown).toContain('⭕ 支部党员大会：应开 1 次，已开 0 次');
    expect(after.card.markdown).toContain('　· 12月8日 09:00 的支部党员大会到会 1/10 人，未过半数，不计为已召开');
    expect(after.card.markdown).toContain('党小组会（第一党小组）');
    expect(after.card.markdown).toContain('支部书记为党员讲党课'); // responsibility-list item with its own yearly rule
  });
});

describe('change and cancel', () => {
  it('tells everyone who answered about a change and a cancellation', async () => {
    setNow('2026-12-10T10:00:00+08:00');
    await chat.say('m101', group(1), '通知 党课 12月20日 9:00 二楼报告厅 主题：党章学习');
    const card = await chat.waitForCard(group(1), '会议通知 · 党课');
    await chat.say('m103', group(1), '请假 党课 外出培训');
    await chat.waitForCard(direct('m101'), '请假申请 · 张伟');

    await chat.say('m101', group(1), '修改通知 党课 12月21日 上午9点 四楼会议室');
    await textIn(group(1), (t) => t.startsWith('已修改 党课「党章学习」：时间改为 2026年12月21日（周一）09:00；地点改为 四楼会议室'));
    await textIn(direct('m103'), (t) => t === '会议通知有变更：党课「党章学习」，时间改为 2026年12月21日（周一）09:00；地点改为 四楼会议室。请留意。');
    const s = await p().meetingSession.findFirstOrThrow({ where: { topic: '党章学习' } });
    const hour = await p().reminder.findUniqueOrThrow({ where: { key: `remind:${s.id}:hour_before` } });
    expect(hour.dueAt.toISOString()).toBe('2026-12-21T00:00:00.000Z');
    const updated = await chat.waitFor(group(1), (e) => e.type === 'card_update' && e.messageId === card.messageId && e.card.fields?.some((f) => f.value === '四楼会议室') === true);
    expect(updated.type).toBe('card_update');
    // 改到 before the change is not part of the place; a time alone keeps the meeting's day (issue 18).
    await chat.say('m101', group(1), '修改通知 党课 改到 10:00 五楼会议室');
    await textIn(group(1), (t) => t.startsWith('已修改 党课「党章学习」：时间改为 2026年12月21日（周一）10:00；地点改为 五楼会议室'));

    await chat.say('m101', group(1), '取消会议 党课');
    await textIn(group(1), (t) => t === '已取消 党课「党章学习」，已回应的党员会收到取消提醒。');
    await textIn(direct('m103'), (t) => t === '会议已取消：党课「党章学习」（原定 2026年12月21日（周一）10:00）。');
    await chat.waitFor(group(1), (e) => e.type === 'card_update' && e.messageId === card.messageId && e.card.title === '会议已取消 · 党课' && !e.card.buttons);
    expect((await p().reminder.findMany({ where: { sessionId: s.id } })).map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect((await p().attendanceRequest.findFirstOrThrow({ where: { attendance: { sessionId: s.id } } })).status).toBe('REJECTED');

    setNow('2026-12-21T08:50:00+08:00');
    const r = await chat.click('m104', group(1), button(card.card, '签到'));
    expect(toast(r)?.text).toBe('党课「党章学习」 已取消，无需签到或请假。');
    expect(await p().attendance.count({ where: { sessionId: s.id, status: 'PRESENT' } })).toBe(0);
    const q4 = parsePeriod('2026Q4', now)!;
    const branch1 = await p().orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
    const report = await computeCompliance(p(), { orgNodeId: branch1.id, period: q4, now, kindCodes: ['party_lecture'], includeDutyItems: false });
    expect(report.items[0]!.held).toBe(0); // a cancelled meeting never counts
  });
});

describe('the quarter boundary at midnight Asia/Shanghai', () => {
  it('counts a meeting at 23:59 on 31 December in Q4 and one at 00:00 on 1 January in Q1', async () => {
    setNow('2026-12-31T12:00:00+08:00');
    // Named attendees, so that the check-ins below are more than half of those expected (the quorum).
    await chat.say('m201', group(2), '通知 党员大会 12月31日 23:59 会议室 主题：跨年之前 参加：马超');
    const late = await chat.waitForCard(group(2), '会议通知 · 支部党员大会');
    await chat.say('m201', group(2), '通知 党员大会 2027-01-01 00:00 会议室 主题：新年第一会 参加：马超、朱琳');
    const firstEvent = await chat.waitFor(group(2), (e) => e.type === 'message' && e.card?.fields?.[0]?.value === '新年第一会');
    const first = chat.currentCard(group(2), firstEvent.messageId).card;

    setNow('2026-12-31T23:59:30+08:00');
    expect(toast(await chat.click('m203', group(2), button(late.card, '签到')))?.type).toBe('success');
    expect(toast(await chat.click('m203', group(2), button(first, '签到')))?.type).toBe('success');
    setNow('2027-01-01T00:05:00+08:00');
    expect(toast(await chat.click('m204', group(2), button(first, '签到')))?.type).toBe('success');
    const sessions = await p().meetingSession.findMany({ where: { orgNode: { code: 'demo-branch-2' } }, orderBy: { startsAt: 'asc' } });
    expect(sessions.map((x) => x.startsAt.toISOString())).toEqual(['2026-12-31T15:59:00.000Z', '2026-12-31T16:00:00.000Z']);

    const branch2 = await p().orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-2' } });
    const held = async (period: string) =>
      (await computeCompliance(p(), { orgNodeId: branch2.id, period: parsePeriod(period, now)!, now, kindCodes: ['branch_assembly'], includeDutyItems: false })).items[0]!.held;
    expect(await held('2026Q4')).toBe(1);
    expect(await held('2027Q1')).toBe(1);

    await chat.say('m201', group(2), '上季度党员大会完成情况');
    const q4 = await chat.waitForCard(group(2), '2026年第四季度支部党员大会完成情况');
    expect(q4.card.markdown).toBe('✅ 支部党员大会：应开 1 次，已开 1 次');
    await chat.say('m201', group(2), '本季度党员大会完成情况');
    const q1 = await chat.waitForCard(group(2), '2027年第一季度支部党员大会完成情况');
    expect(q1.card.markdown).toBe('✅ 支部党员大会：应开 1 次，已开 1 次');
  });
});
