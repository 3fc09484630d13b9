// Starting campaigns other ways: the form card, the unit-wide chat with a post filter (书记项目责任书,
// reviewed one level up), and the CLI (with a member who cannot be messaged).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { button, ChatDriver, direct, group, type ChatRef } from '../helpers/chat.js';

const SECRET = 'pledge-start-secret-0123456789abcdef01234';
let app: App;
let chat: ChatDriver;
let drop: () => Promise<void>;
let dbUrl: string;
const now = new Date('2027-01-10T02:00:00Z');
const unit: ChatRef = { kind: 'GROUP', id: 'unit' };

beforeAll(async () => {
  const db = await freshPostgres({ migrated: false });
  drop = db.drop;
  dbUrl = db.url;
  app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', APP_SECRET: SECRET }, { clock: () => now });
  chat = new ChatDriver(app);
  for (const c of ['m101', 'm102', 'm105', 'm107', 'm201', 'm301']) chat.watch(direct(c));
  chat.watch(group(1));
  chat.watch(unit);
});
afterAll(async () => {
  chat.close();
  await app.stop();
  await drop();
});

const p = () => app.db.prisma;
const field = (card: Card, label: string) => card.fields?.find((f) => f.label === label)?.value;

describe('starting a campaign', () => {
  it('from the form card: 发起承诺 alone opens it; a bad date is refused; a good form starts the campaign', async () => {
    await chat.say('m102', direct('m102'), '发起承诺');
    const { card } = await chat.waitForCard(direct('m102'), '发起承诺践诺');
    expect(card.form!.fields.map((f) => f.name)).toEqual(['name', 'scope', 'posts', 'mode', 'items', 'categories', 'deadline', 'late', 'report']);

    const values = { name: '2027年度党员个人突破清单', scope: 'branch', mode: 'ITEMS', items: '2-3', categories: '攻坚、创新', deadline: '2027-02-30', late: 'REFUSE', report: 'half' };
    await chat.click('m102', direct('m102'), card.form!, values);
    await chat.waitFor(direct('m102'), (e) => e.type === 'message' && e.text === '日期「2027-02-30」无法识别，请写成 2027年1月31日 或 2027-01-31。');
    expect(await p().pledgeCampaign.count()).toBe(0);

    await chat.click('m102', direct('m102'), card.form!, { ...values, deadline: '2027-02-28' });
    const started = await chat.waitForCard(direct('m102'), '已发起：2027年度党员个人突破清单');
    expect(field(started.card, '截止时间')).toBe('2027年2月28日 23:59');
    const c = await p().pledgeCampaign.findFirstOrThrow();
    expect([c.minItems, c.maxItems, c.categories, c.reportSchedule, c.lateRule]).toEqual([2, 3, ['攻坚', '创新'], 'half', 'REFUSE']);
    const invite = await chat.waitForCard(direct('m105'), '请填写：2027年度党员个人突破清单');
    expect(invite.card.form!.fields.filter((f) => f.name.startsWith('content')).map((f) => f.required)).toEqual([true, true, false]);
  });

  it('a member submits through the signed H5 page of the same form (platforms whose cards hold no forms)', async () => {
    const invite = await chat.waitForCard(direct('m105'), '请填写：2027年度党员个人突破清单');
    const url = new URL(invite.card.form!.url!);
    const t = url.searchParams.get('t')!;
    const page = await app.server.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="content3"');
    const post = (form: Record<string, string>) =>
      app.server.inject({ method: 'POST', url: '/h5/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ t, ...form }).toString() });
    const short = await post({ nonce: 'nonce-h5-0001', category1: '攻坚', content1: '只写一条' });
    expect(short.statusCode).toBe(422);
    // The page checks the required fields of the slots the campaign asks for before calling the service.
    expect(short.body).toMatch(/至少需要填写 2 条承诺|请填写「第2条 (承诺内容|类别)」/);
    const ok = await post({ nonce: 'nonce-h5-0002', category1: '攻坚', content1: '牵头攻坚一项难题', category2: '创新', content2: '提出一条创新建议' });
    expect(ok.statusCode).toBe(200);
    const pl = await p().pledge.findFirstOrThrow({ where: { member: { employeeNo: 'm105' } }, include: { items: { orderBy: { position: 'asc' } } } });
    expect([pl.status, pl.items.map((i) => i.content)]).toEqual(['SUBMITTED', ['牵头攻坚一项难题', '提出一条创新建议']]);
    await chat.waitForCard(direct('m101'), '承诺审核：陈静');
  });

  it('from the unit chat for 支部书记 only; a secretary’s own pledge goes to the 机关党委 for review', async () => {
    await chat.say('m101', unit, '发起承诺 2027年书记项目责任书 截止 2027年3月1日 支部书记');
    const { card } = await chat.waitForCard(unit, '已发起：2027年书记项目责任书');
    expect(field(card, '应提交')).toBe('3 人');
    const c = await p().pledgeCampaign.findFirstOrThrow({ where: { name: '2027年书记项目责任书' } });
    expect([c.mode, (c.audience as { scope: string }).scope]).toEqual(['SINGLE_TEXT', 'unit']);
    const owners = await p().pledge.findMany({ where: { campaignId: c.id }, select: { member: { select: { employeeNo: true } } } });
    expect(owners.map((o) => o.member.employeeNo).sort()).toEqual(['m101', 'm201', 'm301']);

    const invite = await chat.waitForCard(direct('m201'), '请填写：2027年书记项目责任书');
    await chat.click('m201', direct('m201'), invite.card.form!, { content1: '领办“规划项目审批提速”攻坚项目，年内办理时限压缩三成。' });
    // m201 is the branch secretary: the review goes to the 机关党委书记 (m101) and 专职副书记 (m107).
    const review = await chat.waitForCard(direct('m101'), '承诺审核：徐强');
    await chat.waitForCard(direct('m107'), '承诺审核：徐强');
    expect(await p().outboxMessage.count({ where: { dedupeKey: { startsWith: 'pledge:review:' }, target: 'm201' } })).toBe(0);
    await chat.click('m101', direct('m101'), button(review.card, '通过'));
    await chat.waitFor(direct('m201'), (e) => e.type === 'message' && !!e.text?.includes('已通过审核'));

    // m101 cannot approve a pledge of their own.
    const own = await chat.waitForCard(direct('m101'), '请填写：2027年书记项目责任书');
    await chat.click('m101', direct('m101'), own.card.form!, { content1: '领办机关党建品牌创建项目。' });
    const ownReview = await chat.waitForCard(direct('m107'), '承诺审核：王建国');
    await chat.click('m101', direct('m101'), button(ownReview.card, '通过'));
    await chat.waitFor(direct('m101'), (e) => e.type === 'message' && e.text === '不能审核自己的承诺或践诺情况，已由上级审核。');
    expect((await p().pledge.findFirstOrThrow({ where: { campaignId: c.id, member: { employeeNo: 'm101' } } })).status).toBe('SUBMITTED');
  });

  it('a branch committee member cannot start a unit-wide campaign', async () => {
    await chat.say('m202', group(2), '发起承诺 全机关承诺 截止 2027年3月1日 全机关');
    await chat.waitFor(group(2), (e) => e.type === 'message' && e.text === '只有机关党委书记、专职副书记或委员才能面向全机关发起承诺。');
    expect(await p().pledgeCampaign.count({ where: { name: '全机关承诺' } })).toBe(0);
  });

  it('from the CLI: writes the invitation cards to the outbox and names members who cannot be messaged', async () => {
    await p().platformIdentity.deleteMany({ where: { member: { employeeNo: 'm309' } } });
    const env = { ...process.env, DATABASE_URL: dbUrl, DATA_DIR: tempDataDir(), APP_SECRET: SECRET, NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    const run = promisify(execFile);
    const refused = await run('npx', ['tsx', 'src/cli.ts', 'pledge', 'start', '--by', 'm305', '第三支部承诺', '截止', '2099年1月31日'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in refused && refused.code).toBe(1);
    expect((refused as { stderr: string }).stderr).toContain('只有本支部的书记或组织委员才能发起承诺');

    const r = await run('npx', ['tsx', 'src/cli.ts', 'pledge', 'start', '--by', 'm301', '第三支部承诺', '截止', '2099年1月31日', '每人1-3条'], { env });
    expect(r.stdout).toMatch(/已发起「第三支部承诺」（ID \w+），截止 2099年1月31日 23:59，应提交 10 人，已写入 9 张私信填写卡片/);
    expect(r.stdout).toContain('未绑定、无法私信：邓洁');
    const c = await p().pledgeCampaign.findFirstOrThrow({ where: { name: '第三支部承诺' } });
    const rows = await p().outboxMessage.findMany({ where: { dedupeKey: { startsWith: `pledge:invite:${c.id}:` } }, select: { target: true, kind: true } });
    expect(rows.length).toBe(9);
    expect(rows.every((x) => x.kind === 'card' && x.target.startsWith('m3') && x.target !== 'm309')).toBe(true);
    expect(await p().auditLog.count({ where: { action: 'pledge.campaign_start', entityId: c.id } })).toBe(1);
  }, 60_000);
});
