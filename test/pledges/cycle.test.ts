// 承诺践诺 end to end through the console adapter, real PostgreSQL and Redis, with a pinned clock:
// start, member cards, submit, review (通过 / 退回 with comment), resubmit, edit after approval,
// late submission under both rules, a member leaving mid-campaign, limits, inert HTML, reminders,
// fulfilment report and its review, status card, export (opened again with exceljs), CLI.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import { SYSTEM } from '../../src/access/principal.js';
import { Unit } from '../../src/services/kernel.js';
import { activeCampaignIds, campaignReminders } from '../../src/services/pledges-oversight.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';
import type { Outbound } from '../../src/chat/types.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { button, ChatDriver, direct, group, type ChatRef } from '../helpers/chat.js';

let app: App;
let chat: ChatDriver;
let drop: () => Promise<void>;
let dbUrl: string;
let dataDir: string;
let now = new Date('2027-01-10T02:00:00Z'); // 10:00 in Shanghai

beforeAll(async () => {
  const db = await freshPostgres({ migrated: false });
  drop = db.drop;
  dbUrl = db.url;
  dataDir = tempDataDir();
  app = await startTestApp(
    { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: dataDir, SEED_DEMO: 'true', APP_SECRET: 'pledge-test-secret-0123456789abcdef0123' },
    { clock: () => now },
  );
  chat = new ChatDriver(app);
  // Record every direct chat from the start: cards delivered before watching would be missed.
  for (const code of ['m101', 'm102', 'm103', 'm104', 'm105', 'm106', 'm108', 'm110', 'm201', 'm202', 'm203']) chat.watch(direct(code));
  for (const n of [1, 2]) chat.watch(group(n));
});
afterAll(async () => {
  chat.close();
  await app.stop();
  await drop();
});

const p = () => app.db.prisma;

class Rollback extends Error {}
/** What the reminder job would send for a campaign now, as outbox rows; nothing is kept (the audience sync rolls back). */
async function pledgeReminderMessages(campaignId: string, at: Date): Promise<Outbound[]> {
  let out: Outbound[] = [];
  await app.db
    .transaction(async (scope) => {
      const unit = new Unit(scope, SYSTEM, at);
      await campaignReminders(unit, { campaignId, tz: 'Asia/Shanghai' });
      const presenters = buildPresenters({ tokens: new TokenSigner('unused'), timezone: 'Asia/Shanghai', publicUrl: '' });
      out = (await presenters.outbound(scope.tx, unit.intents, at)).outbox;
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return out;
}
const titleMatches = (card: Card, t: string | RegExp) => (typeof t === 'string' ? card.title.includes(t) : t.test(card.title));

/** Index to wait after: only what arrives later counts. */
const mark = (c: ChatRef) => chat.watch(c).length;

async function cardAfter(c: ChatRef, from: number, title: string | RegExp): Promise<{ messageId: string; card: Card }> {
  const list = chat.watch(c);
  const e = await chat.waitFor(c, (x) => list.indexOf(x) >= from && x.type === 'message' && !!x.card && titleMatches(x.card, title));
  return chat.currentCard(c, e.messageId);
}

async function textAfter(c: ChatRef, from: number, match: string | RegExp): Promise<string> {
  const list = chat.watch(c);
  const e = await chat.waitFor(c, (x) => list.indexOf(x) >= from && x.type === 'message' && !!x.text && (typeof match === 'string' ? x.text.includes(match) : match.test(x.text)));
  return e.type === 'message' ? e.text! : '';
}

async function memberId(code: string): Promise<string> {
  return (await p().member.findUniqueOrThrow({ where: { employeeNo: code }, select: { id: true } })).id;
}

async function pledgeOf(code: string, campaignId: string) {
  return p().pledge.findUniqueOrThrow({ where: { campaignId_memberId: { campaignId, memberId: await memberId(code) } }, include: { items: { orderBy: { position: 'asc' } } } });
}

const field = (card: Card, label: string | RegExp) => card.fields?.find((f) => (typeof label === 'string' ? f.label === label : label.test(f.label)))?.value;

const HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>加强学习';
const FORMULA = '=HYPERLINK("http://evil.example","点我")';

let campaignId: string;
let soloId: string;
const cards: Record<string, Card> = {};

describe('a campaign from start to fulfilment', () => {
  it('a secretary starts a campaign in the group; every member gets a direct card with the form', async () => {
    const g = mark(group(1));
    const d103 = mark(direct('m103'));
    await chat.say('m101', group(1), '@支部助手 发起承诺 2027年度党员承诺践诺 截止 2027年1月31日 每人1-5条 逾期标注 每季度汇报');
    const { card } = await cardAfter(group(1), g, '已发起：2027年度党员承诺践诺');
    expect(field(card, '截止时间')).toBe('2027年1月31日 23:59');
    expect(field(card, '应提交')).toBe('10 人');
    expect(field(card, '逾期提交')).toBe('逾期可以补交，标注为逾期');

    const c = await p().pledgeCampaign.findFirstOrThrow({ where: { name: '2027年度党员承诺践诺' } });
    campaignId = c.id;
    expect(await p().pledge.count({ where: { campaignId, status: 'DRAFT' } })).toBe(10);
    expect(await p().auditLog.count({ where: { action: 'pledge.campaign_start', entityId: campaignId } })).toBe(1);

    const invite = await cardAfter(direct('m103'), d103, '请填写：2027年度党员承诺践诺');
    const form = invite.card.form!;
    expect(form.fields.filter((f) => f.name.startsWith('content')).length).toBe(5);
    expect(form.fields.find((f) => f.name === 'content1')).toMatchObject({ required: true, maxLength: 200, type: 'textarea' });
    expect(form.fields.find((f) => f.name === 'category1')?.options?.map((o) => o.value)).toContain('岗位建功');
    expect(form.url).toMatch(/\/h5\/form\?t=/);
    cards.m103 = invite.card;
    for (const code of ['m104', 'm105', 'm106', 'm110']) cards[code] = (await cardAfter(direct(code), 0, '请填写：2027年度党员承诺践诺')).card;
  });

  it('refuses a campaign from a member without a secretary post', async () => {
    const d = mark(group(1));
    await chat.say('m108', group(1), '发起承诺 我的活动 截止 2027年3月1日');
    await textAfter(group(1), d, '只有本支部的书记或组织委员才能发起承诺');
    expect(await p().pledgeCampaign.count({ where: { name: '我的活动' } })).toBe(0);
  });

  it('a member submits; the secretary gets a review card and approves; the member is told', async () => {
    const d103 = mark(direct('m103'));
    const d101 = mark(direct('m101'));
    await chat.click('m103', direct('m103'), cards.m103!.form!, { category1: '学习提升', content1: '每月精读一本理论著作并写心得', category2: '岗位建功', content2: '牵头完成年度规划中期评估' });
    const mine = await cardAfter(direct('m103'), d103, '承诺已提交');
    expect(mine.card.fields?.map((f) => f.value)).toEqual(['每月精读一本理论著作并写心得', '牵头完成年度规划中期评估']);

    const review = await cardAfter(direct('m101'), d101, '承诺审核：张伟');
    expect(field(review.card, '第1条 · 学习提升')).toBe('每月精读一本理论著作并写心得');
    expect((await pledgeOf('m103', campaignId)).status).toBe('SUBMITTED');

    // A member who is not a secretary cannot use the button.
    const d107 = mark(direct('m108'));
    await chat.click('m108', direct('m108'), button(review.card, '通过'));
    await textAfter(direct('m108'), d107, '只有本支部的书记或组织委员才能审核承诺');
    expect((await pledgeOf('m103', campaignId)).status).toBe('SUBMITTED');

    await chat.click('m101', direct('m101'), button(review.card, '通过'));
    await textAfter(direct('m103'), d103, '已通过审核');
    await chat.waitFor(direct('m101'), (e) => e.type === 'card_update' && e.messageId === review.messageId && e.card.title.includes('已通过'));
    const pl = await pledgeOf('m103', campaignId);
    expect(pl.status).toBe('APPROVED');
    expect(await p().pledgeReview.count({ where: { pledgeId: pl.id, decision: 'APPROVED' } })).toBe(1);
    expect(await p().auditLog.findMany({ where: { entityId: pl.id }, select: { action: true }, orderBy: { createdAt: 'asc' } })).toEqual([{ action: 'pledge.submit' }, { action: 'pledge.approve' }]);

    // The same click again changes nothing.
    const d101b = mark(direct('m101'));
    await chat.click('m101', direct('m101'), button(review.card, '通过'));
    await textAfter(direct('m101'), d101b, '已经审核过了');
    expect(await p().pledgeReview.count({ where: { pledgeId: pl.id } })).toBe(1);
  });

  it('HTML and a formula-looking text are kept verbatim as data, never as markdown; the secretary returns with a comment; the member resubmits', async () => {
    const d101 = mark(direct('m101'));
    const d104 = mark(direct('m104'));
    await chat.click('m104', direct('m104'), cards.m104!.form!, { category1: '学习提升', content1: HTML, category2: '其他', content2: FORMULA });
    const review = await cardAfter(direct('m101'), d101, '承诺审核：刘洋');
    expect(review.card.fields?.map((f) => f.value)).toContain(HTML);
    expect(review.card.fields?.map((f) => f.value)).toContain(FORMULA);
    expect(JSON.stringify([review.card.title, review.card.markdown ?? '', review.card.footer ?? ''])).not.toMatch(/<script|HYPERLINK/);

    // The H5 page of the same form shows the text inert (escaped), inside the textarea.
    const h5 = new URL(cards.m104!.form!.url!);
    const page = await app.server.inject({ method: 'GET', url: `${h5.pathname}${h5.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;加强学习');

    // 退回 needs a comment.
    const d101b = mark(direct('m101'));
    await chat.click('m101', direct('m101'), review.card.form!, { comment: '  ' });
    await textAfter(direct('m101'), d101b, '请填写「退回意见」');
    expect((await pledgeOf('m104', campaignId)).status).toBe('SUBMITTED');

    await chat.click('m101', direct('m101'), review.card.form!, { comment: '第一条请写明具体措施' });
    const returned = await cardAfter(direct('m104'), d104, '承诺被退回修改');
    expect(field(returned.card, '退回意见')).toBe('第一条请写明具体措施');
    expect(returned.card.form!.fields.find((f) => f.name === 'content1')?.value).toBe(HTML); // pre-filled
    let pl = await pledgeOf('m104', campaignId);
    expect(pl.status).toBe('RETURNED');
    expect(await p().pledgeReview.findFirst({ where: { pledgeId: pl.id }, select: { decision: true, comment: true } })).toEqual({ decision: 'REJECTED', comment: '第一条请写明具体措施' });

    const d101c = mark(direct('m101'));
    await chat.click('m104', direct('m104'), returned.card.form!, { category1: '学习提升', content1: HTML, category2: '其他', content2: FORMULA, category3: '服务群众', content3: '每季度到社区报到服务一次' });
    const second = await cardAfter(direct('m101'), d101c, '承诺审核：刘洋');
    expect(second.card.fields?.map((f) => f.value)).toContain('每季度到社区报到服务一次');
    pl = await pledgeOf('m104', campaignId);
    expect([pl.status, pl.version, pl.items.length]).toEqual(['SUBMITTED', 2, 3]);

    // The first card is stale now.
    const d101d = mark(direct('m101'));
    await chat.click('m101', direct('m101'), button(review.card, '通过'));
    await textAfter(direct('m101'), d101d, '请审核最新的卡片');
    await chat.click('m101', direct('m101'), button(second.card, '通过'));
    await textAfter(direct('m104'), d104, '已通过审核');
    expect((await pledgeOf('m104', campaignId)).status).toBe('APPROVED');
    expect((await p().auditLog.findMany({ where: { entityId: pl.id }, orderBy: { createdAt: 'asc' }, select: { action: true } })).map((a) => a.action)).toEqual([
      'pledge.submit',
      'pledge.return',
      'pledge.resubmit',
      'pledge.approve',
    ]);
  });

  it('refuses text over the limit, a missing category and too many characters in a clear message; nothing changes', async () => {
    const d = mark(direct('m105'));
    await chat.click('m105', direct('m105'), cards.m105!.form!, { category1: '学习提升', content1: '学'.repeat(201) });
    await textAfter(direct('m105'), d, '第1条承诺有 201 字，超过了 200 字的上限');
    await chat.click('m105', direct('m105'), cards.m105!.form!, { content1: '没有类别' });
    await textAfter(direct('m105'), d, '第1条请选择类别');
    await chat.click('m105', direct('m105'), cards.m105!.form!, {});
    await textAfter(direct('m105'), d, '至少需要填写 1 条承诺');
    const pl = await pledgeOf('m105', campaignId);
    expect([pl.status, pl.items.length, pl.version]).toEqual(['DRAFT', 0, 0]);
    expect(await p().auditLog.count({ where: { entityId: pl.id } })).toBe(0);
  });

  it('editing an approved pledge (我的承诺) sends it back to review', async () => {
    const d103 = mark(direct('m103'));
    await chat.say('m103', direct('m103'), '我的承诺');
    const mine = await cardAfter(direct('m103'), d103, '我的承诺：2027年度党员承诺践诺');
    expect(field(mine.card, '状态')).toBe('已通过');
    expect(mine.card.form!.fields.find((f) => f.name === 'content2')?.value).toBe('牵头完成年度规划中期评估');

    // Submitting the same content changes nothing.
    await chat.click('m103', direct('m103'), mine.card.form!, { category1: '学习提升', content1: '每月精读一本理论著作并写心得', category2: '岗位建功', content2: '牵头完成年度规划中期评估' });
    await textAfter(direct('m103'), d103, '没有变化');
    expect((await pledgeOf('m103', campaignId)).status).toBe('APPROVED');

    const d101 = mark(direct('m101'));
    await chat.click('m103', direct('m103'), mine.card.form!, { category1: '学习提升', content1: '每月精读一本理论著作并写心得', category2: '岗位建功', content2: '牵头完成年度规划中期评估和年终总结' });
    await cardAfter(direct('m103'), d103, '承诺已修改');
    const review = await cardAfter(direct('m101'), d101, '承诺审核：张伟');
    expect(field(review.card, '说明')).toBe('已通过的承诺被本人修改，需要重新审核。');
    const pl = await pledgeOf('m103', campaignId);
    expect(pl.status).toBe('SUBMITTED');
    expect(await p().auditLog.count({ where: { entityId: pl.id, action: 'pledge.edit_after_approval' } })).toBe(1);
    await chat.click('m101', direct('m101'), button(review.card, '通过'));
    await textAfter(direct('m103'), d103, '已通过审核');
    expect((await pledgeOf('m103', campaignId)).status).toBe('APPROVED');
  });

  it('a member who leaves the branch mid-campaign is withdrawn: not counted, not reminded, cannot submit', async () => {
    const id = await memberId('m110');
    await p().member.update({ where: { id }, data: { active: false, leftAt: now } });
    const d = mark(direct('m110'));
    await chat.click('m110', direct('m110'), cards.m110!.form!, { category1: '其他', content1: '迟到的承诺' });
    await textAfter(direct('m110'), d, '您已不在这次承诺活动的范围内');
    expect((await pledgeOf('m110', campaignId)).items.length).toBe(0);

    const messages = await pledgeReminderMessages(campaignId, now);
    const targets = messages.map((m) => m.to.target).sort();
    // Not submitted yet: m101 m102 m105 m106 m107 m108 m109 — not m103/m104 (approved), not m110 (left).
    expect(targets).toEqual(['m101', 'm102', 'm105', 'm106', 'm107', 'm108', 'm109']);
    expect(messages.every((m) => m.category === 'reminder' && m.to.targetKind === 'DIRECT' && m.body.kind === 'text' && m.body.text.includes('截止时间 2027年1月31日 23:59'))).toBe(true);
  });

  it('承诺提交情况 shows counts and names for the secretary, no ranking, and is refused to a member', async () => {
    const g = mark(group(1));
    await chat.say('m101', group(1), '承诺提交情况');
    const { card } = await cardAfter(group(1), g, '承诺提交情况：2027年度党员承诺践诺');
    expect(field(card, '应交')).toBe('9 人');
    expect(field(card, '已通过（2 人）')).toBe('张伟、刘洋');
    expect(field(card, '未提交（7 人）')).toBe('王建国、李秀英、陈静、杨帆、赵磊、黄丽、周涛');
    expect(field(card, '已转出（1 人，不计入应交）')).toBe('吴敏');
    expect(JSON.stringify(card.fields)).not.toMatch(/排名|第\d+名|名次/);
    const pl = await pledgeOf('m110', campaignId);
    expect(pl.status).toBe('WITHDRAWN');
    expect(await p().auditLog.findFirst({ where: { entityId: pl.id, action: 'pledge.withdraw' }, select: { actorId: true } })).toEqual({ actorId: null });

    const d = mark(direct('m108'));
    await chat.say('m108', direct('m108'), '承诺提交情况');
    await textAfter(direct('m108'), d, '只有本支部的书记或组织委员才能查看承诺提交情况');
  });

  it('催交承诺 reminds non-submitters now, once a day', async () => {
    const d105 = mark(direct('m105'));
    const d101 = mark(direct('m101'));
    await chat.say('m101', direct('m101'), '催交承诺');
    await textAfter(direct('m101'), d101, '已私信提醒 7 人');
    await textAfter(direct('m105'), d105, '「2027年度党员承诺践诺」的承诺还没有提交');
    await chat.say('m101', direct('m101'), '催交承诺');
    await textAfter(direct('m101'), d101, '已私信提醒 0 人（「2027年度党员承诺践诺」）；今天已提醒过的 7 人');
    expect(await p().outboxMessage.count({ where: { category: 'reminder', dedupeKey: { startsWith: `pledge:remind:${campaignId}:` } } })).toBe(7);
  });

  it('a second campaign (政治忠诚承诺书, one text, late refused) in branch 2', async () => {
    const d = mark(direct('m202'));
    await chat.say('m201', group(2), '发起承诺 政治忠诚承诺书 截止 2027年1月20日');
    const c = await (async () => {
      await cardAfter(group(2), 0, '已发起：政治忠诚承诺书');
      return p().pledgeCampaign.findFirstOrThrow({ where: { name: '政治忠诚承诺书' } });
    })();
    soloId = c.id;
    expect([c.mode, c.lateRule, c.reportSchedule]).toEqual(['SINGLE_TEXT', 'REFUSE', null]);
    const invite = await cardAfter(direct('m202'), d, '请填写：政治忠诚承诺书');
    expect(invite.card.form!.fields.map((f) => [f.name, f.maxLength])).toEqual([['content1', 1000]]);
    cards.m202 = invite.card;
    cards.m203 = (await cardAfter(direct('m203'), 0, '请填写：政治忠诚承诺书')).card;
    await chat.click('m202', direct('m202'), invite.card.form!, { content1: '我郑重承诺：坚定理想信念，对党忠诚老实。' });
    await cardAfter(direct('m202'), d, '承诺已提交');
  });

  it('after the deadline: REFUSE turns away first submissions and edits; ACCEPT_MARKED accepts and marks late', async () => {
    now = new Date('2027-02-02T02:00:00Z');
    const d203 = mark(direct('m203'));
    await chat.click('m203', direct('m203'), cards.m203!.form!, { content1: '我郑重承诺……' });
    await textAfter(direct('m203'), d203, '提交截止时间 2027年1月20日 23:59 已过，按本次活动规定不再接收逾期提交');
    const d202 = mark(direct('m202'));
    await chat.click('m202', direct('m202'), cards.m202!.form!, { content1: '改一改' });
    await textAfter(direct('m202'), d202, '已提交的承诺不能再修改');
    expect((await pledgeOf('m202', soloId)).items.map((i) => i.content)).toEqual(['我郑重承诺：坚定理想信念，对党忠诚老实。']);
    expect((await pledgeOf('m203', soloId)).status).toBe('DRAFT');

    const d106 = mark(direct('m106'));
    const d101 = mark(direct('m101'));
    await chat.click('m106', direct('m106'), cards.m106!.form!, { category1: '服务群众', content1: '结对帮扶一户困难群众' });
    const mine = await cardAfter(direct('m106'), d106, '承诺已提交');
    expect(field(mine.card, '逾期')).toBe('逾期提交');
    const review = await cardAfter(direct('m101'), d101, '承诺审核：杨帆');
    expect(field(review.card, '逾期')).toBe('逾期提交');
    const pl = await pledgeOf('m106', campaignId);
    expect([pl.status, pl.late]).toEqual(['SUBMITTED', true]);
  });

  it('fulfilment: the member reports per item, the secretary returns then approves', async () => {
    now = new Date('2027-03-20T02:00:00Z');
    const d103 = mark(direct('m103'));
    await chat.say('m103', direct('m103'), '汇报践诺');
    const report = await cardAfter(direct('m103'), d103, '践诺汇报：2027年度党员承诺践诺 · 2027年第一季度');
    expect(report.card.form!.fields.map((f) => f.name)).toEqual(['state1', 'evidence1', 'state2', 'evidence2']);

    // The reminders now ask approved members for their report.
    const due = await pledgeReminderMessages(campaignId, now);
    expect(due.filter((m) => m.dedupeKey.includes(':report:2027Q1:')).map((m) => m.to.target).sort()).toEqual(['m103', 'm104']);
    // The single-text campaign (deadline passed, late refused, no reports) has nothing left to remind.
    expect(await app.db.transaction((scope) => activeCampaignIds(new Unit(scope, SYSTEM, now)))).toEqual([campaignId]);

    const d = mark(direct('m103'));
    await chat.click('m103', direct('m103'), report.card.form!, { state1: 'DONE', evidence1: '已读完三本，心得三篇' });
    await textAfter(direct('m103'), d, '请填写「第2条 进展」');

    const d101 = mark(direct('m101'));
    await chat.click('m103', direct('m103'), report.card.form!, { state1: 'DONE', evidence1: '已读完三本，心得三篇', state2: 'IN_PROGRESS', evidence2: '评估报告初稿完成' });
    await textAfter(direct('m103'), d, '已提交2027年第一季度践诺情况');
    const review = await cardAfter(direct('m101'), d101, '践诺审核：张伟 · 2027年第一季度');
    expect(field(review.card, '第1条 践诺（已完成）')).toBe('已读完三本，心得三篇');
    await chat.click('m101', direct('m101'), review.card.form!, { comment: '第二条请附评估报告链接' });
    const returned = await cardAfter(direct('m103'), d, '践诺情况被退回');
    expect(field(returned.card, '退回意见')).toBe('第二条请附评估报告链接');
    expect(returned.card.form!.fields.find((f) => f.name === 'evidence2')?.value).toBe('评估报告初稿完成');

    const d101b = mark(direct('m101'));
    await chat.click('m103', direct('m103'), returned.card.form!, { state1: 'DONE', evidence1: '已读完三本，心得三篇', state2: 'IN_PROGRESS', evidence2: '评估报告初稿完成，见内网共享盘' });
    const second = await cardAfter(direct('m101'), d101b, '践诺审核：张伟');
    await chat.click('m101', direct('m101'), button(second.card, '通过'));
    await textAfter(direct('m103'), d, '2027年第一季度的践诺情况已通过审核');
    const reports = await p().progressReport.findMany({ where: { pledgeItem: { pledge: { campaignId, member: { employeeNo: 'm103' } } } }, orderBy: { pledgeItem: { position: 'asc' } } });
    expect(reports.map((r) => [r.period, r.state, r.reviewStatus])).toEqual([
      ['2027Q1', 'DONE', 'APPROVED'],
      ['2027Q1', 'IN_PROGRESS', 'APPROVED'],
    ]);
    expect(await p().pledgeReview.count({ where: { progressReportId: { in: reports.map((r) => r.id) } } })).toBe(4); // returned + approved, per item

    const g = mark(group(1));
    await chat.say('m101', group(1), '承诺提交情况');
    const status = await cardAfter(group(1), g, '承诺提交情况');
    expect(field(status.card, '2027年第一季度践诺已通过（1 人）')).toBe('张伟');
    expect(field(status.card, '践诺未汇报或被退回（1 人）')).toBe('刘洋');
    expect(field(status.card, '逾期提交（1 人）')).toBe('杨帆');
  });

  it('导出承诺 sends a signed link privately; the workbook has Chinese headers, one row per item, and member text as plain text', async () => {
    const g = mark(group(1));
    const d101 = mark(direct('m101'));
    await chat.say('m101', group(1), '导出承诺');
    await textAfter(group(1), g, '下载链接已私信发给您');
    const text = await textAfter(direct('m101'), d101, '明细表下载链接');
    const url = new URL(text.match(/https?:\/\/\S+/)![0]);
    const res = await app.server.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('承诺清单')!;
    expect(sheet.getRow(1).values).toEqual([undefined, '支部', '姓名', '状态', '是否逾期', '提交时间', '序号', '类别', '承诺内容', '退回意见']);
    const rows = sheet.getSheetValues().slice(2) as unknown[][];
    const of = (name: string) => rows.filter((r) => r[2] === name);
    expect(of('张伟').map((r) => [r[3], r[6], r[7], r[8]])).toEqual([
      ['已通过', 1, '学习提升', '每月精读一本理论著作并写心得'],
      ['已通过', 2, '岗位建功', '牵头完成年度规划中期评估和年终总结'],
    ]);
    expect(of('刘洋').length).toBe(3);
    expect(of('陈静').map((r) => [r[3], r[8]])).toEqual([['未提交', undefined]]);
    expect(of('杨帆')[0]![4]).toBe('逾期提交');
    expect(of('吴敏')[0]![3]).toBe('已转出');

    // HTML and formula-looking text are string cells, not formulas.
    let htmlCell: ExcelJS.Cell | undefined;
    let formulaCell: ExcelJS.Cell | undefined;
    sheet.eachRow((row) => row.eachCell((cell) => {
      if (cell.value === HTML) htmlCell = cell;
      if (cell.value === FORMULA) formulaCell = cell;
    }));
    expect(htmlCell?.type).toBe(ExcelJS.ValueType.String);
    expect(formulaCell?.type).toBe(ExcelJS.ValueType.String);
    expect(formulaCell?.formula).toBeUndefined();

    const fulfil = wb.getWorksheet('践诺情况')!;
    const frows = (fulfil.getSheetValues().slice(2) as unknown[][]).map((r) => [r[2], r[3], r[5], r[6], r[7], r[9]]);
    expect(frows).toEqual([
      ['张伟', 1, '2027Q1', '已完成', '已读完三本，心得三篇', '已通过'],
      ['张伟', 2, '2027Q1', '进行中', '评估报告初稿完成，见内网共享盘', '已通过'],
    ]);

    // The link is bound to the secretary: a tampered token is refused.
    const bad = await app.server.inject({ method: 'GET', url: `${url.pathname}?t=${encodeURIComponent(url.searchParams.get('t')!.slice(0, -2) + 'xx')}` });
    expect(bad.statusCode).toBe(403);
  });

  it('the CLI exports the same campaign and lists campaigns', async () => {
    const out = path.join(os.tmpdir(), `pledges-${Date.now()}.xlsx`);
    const env = { ...process.env, DATABASE_URL: dbUrl, DATA_DIR: tempDataDir(), APP_SECRET: 'pledge-test-secret-0123456789abcdef0123', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    const run = promisify(execFile);
    const r = await run('npx', ['tsx', 'src/cli.ts', 'pledge', 'export', '--campaign', '2027年度党员承诺践诺', '--out', out], { env, cwd: process.cwd() });
    expect(r.stdout).toContain('已导出「2027年度党员承诺践诺」明细表');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    // The CLI exports every branch of the campaign: the same ten members.
    const names = new Set((wb.getWorksheet('承诺清单')!.getSheetValues().slice(2) as unknown[][]).map((row) => row[2]));
    expect(names.size).toBe(10);
    fs.rmSync(out);
    const list = await run('npx', ['tsx', 'src/cli.ts', 'pledge', 'list'], { env, cwd: process.cwd() });
    expect(list.stdout).toMatch(/2027年度党员承诺践诺 +截止 2027年1月31日 23:59 +应交 9：待审核 1，已通过 2，已退回 0，未提交 6，已转出 1/);
  }, 60_000);
});
