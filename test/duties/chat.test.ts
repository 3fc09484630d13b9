// Responsibility lists in the chat, on real PostgreSQL and Redis through the console platform: questions in
// plain Chinese answered from the unit's active list (with 更多, the asker's own post first, a plain "not found"
// with topics the list covers), the template link and download, what is due for a member and for a branch,
// a newly imported version becoming active, and the optional model phrasing against a local fake endpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import type { ConsoleEvent } from '../../src/platforms/console/hub.js';
import { ListFileError } from '../../src/domain/duties/list-file.js';
import { parseListXlsx } from '../../src/domain/duties/list-xlsx.js';
import { importListFile } from '../../src/cli/duties.js';
import { freshPostgres, REDIS_URL, redisPrefix } from '../helpers/env.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { button, ChatDriver, direct, group } from '../helpers/chat.js';
import { FAKE_ANSWER, startFakeLlm, type FakeLlm } from './fake-llm.js';

// Wednesday 10 February 2027, 10:00 in Shanghai: the first quarter of 2027; the seeded list is for 2026.
const NOW = new Date('2027-02-10T02:00:00Z');

const textOf = (e: ConsoleEvent): string | undefined => (e.type === 'message' ? e.text : undefined);
/** Item codes of an answer card, in order: "出处：…（B-05）". */
const codesOf = (card: Card) => [...(card.markdown ?? '').matchAll(/（([A-Z]{1,3}-\d{1,4})）$/gm)].map((m) => m[1]!);
/** Posts of an answer card's items, in order: "**1. 支部书记** · …". */
const postsOf = (card: Card) => [...(card.markdown ?? '').matchAll(/^\*\*\d+\. (.+?)\*\* · /gm)].map((m) => m[1]!);

let app: App;
let chat: ChatDriver;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await freshPostgres();
  drop = db.drop;
  app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true' }, { clock: () => NOW });
  chat = new ChatDriver(app);
});
afterAll(async () => {
  chat?.close();
  await app?.stop();
  await drop?.();
});

async function item(code: string) {
  return app.db.prisma.responsibilityItem.findFirstOrThrow({ where: { code }, orderBy: { list: { importedAt: 'asc' } } });
}

describe('questions in plain Chinese', () => {
  it('answers 党课多久上一次 with the card: the right first item, its post, frequency and source', async () => {
    await chat.say('m107', group(1), '@支部助手 党课多久上一次');
    const { card } = await chat.waitForCard(group(1), '党课多久上一次');
    const b04 = await item('B-04');
    expect(codesOf(card)[0]).toBe('B-04');
    expect(card.markdown).toContain(`**1. ${b04.post}** · ${b04.frequency}\n${b04.content}\n出处：${b04.source}（B-04）`);
    expect(codesOf(card)).toContain('B-05');
    // The seeded list is for 2026: with no 2027 list yet, the latest year answers.
    expect(card.footer).toContain('示例市发展和改革委员会2026年责任清单（第 1 版）');
    expect(card.buttons ?? []).toEqual([]); // two items: nothing more to show
  });

  it('shows the next items on 更多, continuing the numbering without repeats', async () => {
    await chat.say('m307', direct('m307'), '支部每年要做什么？');
    const first = (await chat.waitForCard(direct('m307'), '支部每年要做什么')).card;
    const firstCodes = codesOf(first);
    expect(firstCodes).toHaveLength(3);
    const total = Number(/共 (\d+) 条/.exec(first.footer ?? '')?.[1]);
    expect(total).toBeGreaterThan(3);
    await chat.click('m307', direct('m307'), button(first, '更多'));
    const next = (await chat.waitForCard(direct('m307'), '（续）')).card;
    const nextCodes = codesOf(next);
    expect(nextCodes.length).toBe(Math.min(3, total - 3));
    expect(nextCodes.filter((c) => firstCodes.includes(c))).toEqual([]);
    expect(next.markdown).toMatch(/^\*\*4\. /);
    expect(next.footer).toContain(`第 4–${3 + nextCodes.length} 条，共 ${total} 条`);
  });

  it('ranks the asker’s own post first: 支部书记 items for a secretary, a different order for a member', async () => {
    await chat.say('m301', direct('m301'), '书记要做哪些工作');
    const secretary = (await chat.waitForCard(direct('m301'), '书记要做哪些工作')).card;
    expect(postsOf(secretary)).toEqual(['支部书记', '支部书记', '支部书记']);
    // A period question lists the secretary's items of that period first, then the branch's.
    await chat.say('m301', direct('m301'), '书记每季度要做什么');
    expect(postsOf((await chat.waitForCard(direct('m301'), '书记每季度要做什么')).card)[0]).toBe('支部书记');
    // An ordinary member has no secretary post: 书记 means any secretary, so other levels' secretaries rank in.
    await chat.say('m308', direct('m308'), '书记要做哪些工作');
    const member = (await chat.waitForCard(direct('m308'), '书记要做哪些工作')).card;
    expect(codesOf(member)).not.toEqual(codesOf(secretary));
    const all = await app.db.prisma.responsibilityItem.findMany({ where: { code: { in: codesOf(member) } }, select: { post: true } });
    expect(all.some((p) => p.post !== '支部书记')).toBe(true);
  });

  it('says plainly when the list has no answer, suggesting only topics the list covers, and mentions 帮助', async () => {
    await chat.say('m104', direct('m104'), '单位食堂几点开饭？');
    const e = await chat.waitFor(direct('m104'), (x) => !!textOf(x)?.includes('没有找到'));
    const text = textOf(e)!;
    expect(text).toMatch(/^责任清单里没有找到「单位食堂几点开饭？」的答案/);
    expect(text).toContain('「帮助」');
    const topics = [...(text.split('可以问问这些清单里有的内容：')[1] ?? '').matchAll(/「([^」]+)」/g)].map((m) => m[1]!).filter((t) => t !== '帮助');
    expect(topics.length).toBeGreaterThanOrEqual(3);
    const keywords = new Set((await app.db.prisma.responsibilityItem.findMany({ select: { keywords: true } })).flatMap((i) => i.keywords));
    for (const t of topics) expect(keywords.has(t)).toBe(true);
    expect(e.type === 'message' && e.card).toBeFalsy();
  });

  it('keeps the help card for text that is neither a question nor about the list', async () => {
    await chat.say('m105', direct('m105'), '帮我订一张去北京的机票');
    const { card } = await chat.waitForCard(direct('m105'), '使用说明');
    expect(card.markdown).toMatch(/^没有听懂「帮我订一张去北京的机票」/);
  });

  it('answers a question about a command the list does not cover with how the command is used', async () => {
    for (const [q, keyword, example] of [
      ['请假怎么请', '请假', '请假 出差在外'],
      ['导出台账怎么弄？', '导出台账', '导出台账 本季度'],
      ['签到情况怎么看', '签到情况', '签到情况'],
    ] as const) {
      await chat.say('m101', direct('m101'), q);
      const e = await chat.waitFor(direct('m101'), (x) => !!textOf(x)?.startsWith(`「${keyword}」的用法`));
      expect(textOf(e)).toContain(`发送「${example}」`);
    }
    // a notice that asks something is not posted
    await chat.say('m101', group(1), '通知 主题党日 明天下午3点开会吗？');
    await chat.waitFor(group(1), (x) => !!textOf(x)?.startsWith('这条消息像是在提问，没有发布通知。'));
    expect(await app.db.prisma.meetingSession.count()).toBe(0);
    // nothing was run: no leave asked, no ledger link sent
    expect(await app.db.prisma.attendanceRequest.count()).toBe(0);
    expect(chat.texts(direct('m101')).some((t) => t.includes('/files/ledger'))).toBe(false);
  });

  it('answers a bare topic that matches list items without a question word', async () => {
    await chat.say('m106', direct('m106'), '组织生活会');
    const { card } = await chat.waitForCard(direct('m106'), '组织生活会');
    expect(codesOf(card)).toContain('B-07');
  });
});

describe('the list template', () => {
  it('replies to 清单模板 with a link that downloads the workbook with its Chinese file name', async () => {
    await chat.say('m201', group(2), '清单模板');
    const e = await chat.waitFor(group(2), (x) => !!textOf(x)?.includes('/files/duty-template.xlsx'));
    const url = /(https?:\/\/\S+\/files\/duty-template\.xlsx)/.exec(textOf(e)!)![1]!;
    expect(url).toBe(`${app.config.publicUrl}/files/duty-template.xlsx`);
    const res = await fetch(`${app.url}/files/duty-template.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const disposition = res.headers.get('content-disposition') ?? '';
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('三级责任清单模板.xlsx')}`);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"/);
    // The template is itself a valid list in the import layout.
    const parsed = await parseListXlsx(Buffer.from(await res.arrayBuffer()), 'template.xlsx', { year: 2027 });
    expect(parsed.items.length).toBeGreaterThanOrEqual(2);
  });
});

describe('what is due', () => {
  beforeAll(async () => {
    const p = app.db.prisma;
    const branch = await p.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } });
    const kind = (code: string) => p.meetingKind.findUniqueOrThrow({ where: { code } });
    const member = (code: string) => p.member.findUniqueOrThrow({ where: { employeeNo: code } });
    const [m101, m107, m108, m109] = await Promise.all(['m101', 'm107', 'm108', 'm109'].map(member));
    const session = async (kindCode: string, topic: string, startsAt: string, attendance: Array<[string, 'PENDING' | 'PRESENT' | 'ABSENT']>) => {
      const start = new Date(startsAt);
      await p.meetingSession.create({
        data: {
          kindId: (await kind(kindCode)).id,
          orgNodeId: branch.id,
          topic,
          startsAt: start,
          checkinOpensAt: new Date(start.getTime() - 30 * 60_000),
          checkinClosesAt: new Date(start.getTime() + 120 * 60_000),
          createdById: m101!.id,
          attendances: { create: attendance.map(([memberId, status]) => ({ memberId, status })) },
        },
      });
    };
    // Last quarter (not this quarter's business), this quarter's assembly (m107 came, m108 did not answer,
    // m109 was marked absent) and an upcoming 主题党日 nobody has answered yet.
    await session('branch_assembly', '2026年第四季度党员大会', '2026-12-10T06:30:00Z', [[m108!.id, 'PENDING']]);
    await session('branch_assembly', '学习全会精神', '2027-01-20T06:30:00Z', [[m107!.id, 'PRESENT'], [m108!.id, 'PENDING'], [m109!.id, 'ABSENT']]);
    await session('theme_day', '志愿服务进社区', '2027-02-20T06:30:00Z', [[m107!.id, 'PENDING'], [m108!.id, 'PENDING']]);
    const campaign = await p.pledgeCampaign.create({
      data: { orgNodeId: branch.id, name: '2027年度党员承诺践诺', deadline: new Date('2027-02-28T15:59:00Z'), createdById: m101!.id },
    });
    await p.pledge.create({ data: { campaignId: campaign.id, memberId: m108!.id, status: 'DRAFT' } });
    // A 2026 campaign reported quarterly: m108 has not reported this quarter yet, m107 has.
    const reporting = await p.pledgeCampaign.create({
      data: { orgNodeId: branch.id, name: '2026年度承诺践诺', deadline: new Date('2026-03-31T15:59:00Z'), reportSchedule: 'quarter', reportUntil: new Date('2027-12-31T15:59:00Z'), createdById: m101!.id },
    });
    for (const [m, reported] of [[m108!, false], [m107!, true]] as const) {
      const pledge = await p.pledge.create({ data: { campaignId: reporting.id, memberId: m.id, status: 'APPROVED', items: { create: [{ position: 1, content: '带头学习' }] } }, include: { items: true } });
      if (reported) await p.progressReport.create({ data: { pledgeItemId: pledge.items[0]!.id, period: '2027Q1', state: 'IN_PROGRESS', evidence: '已学习' } });
    }
  });

  it('lists a member’s missed meeting this quarter, the meeting not yet answered and the pledge due', async () => {
    await chat.say('m108', direct('m108'), '我还有哪些没完成');
    const { card } = await chat.waitForCard(direct('m108'), '我的待办');
    const md = card.markdown ?? '';
    expect(md).toContain('**本季度未参加的会议**（2027年第一季度）\n· 1月20日 14:30 支部党员大会「学习全会精神」：未签到也未请假');
    expect(md).toContain('**待回应的会议**\n· 2月20日 14:30 主题党日「志愿服务进社区」：还没有回应');
    expect(md).toContain('「2027年度党员承诺践诺」承诺书待提交，截止 2月28日 23:59（还剩 18 天）');
    expect(md).toContain('「2026年度承诺践诺」2027年第一季度的践诺情况待汇报');
    expect(md).not.toContain('第四季度党员大会');
  });

  it('does not list a meeting the member attended, and says so when nothing is open', async () => {
    await chat.say('m107', direct('m107'), '我的任务');
    const { card } = await chat.waitForCard(direct('m107'), '我的待办');
    expect(card.markdown).not.toContain('学习全会精神');
    expect(card.markdown).toContain('志愿服务进社区'); // still unanswered
    expect(card.markdown).not.toContain('「2026年度承诺践诺」'); // reported for this quarter
    await chat.say('m110', direct('m110'), '我的任务');
    const none = (await chat.waitForCard(direct('m110'), '我的待办')).card;
    // No meeting or pledge is open; what is left are 吴敏's own list duties of the quarter (党费, 双报到 …).
    expect(none.markdown).toMatch(/^\*\*责任清单\*\*\n/);
    expect(none.markdown).toContain('\n· B-10 按月交纳党费：2027年1月应完成 1 次，已完成 0 次，已过期\n');
    for (const heading of ['**本季度未参加的会议**', '**待回应的会议**', '**承诺践诺**']) expect(none.markdown).not.toContain(heading);
  });

  it('lists the branch’s obligations not yet met with days left, for the secretary', async () => {
    await chat.say('m101', group(1), '本支部本季度还差什么');
    const { card } = await chat.waitForCard(group(1), '季度还差什么');
    expect(card.title).toBe('第一党支部（办公室） · 2027年第一季度还差什么');
    const md = card.markdown ?? '';
    // 支委会 is monthly: January was missed, February has 18 days left (to 28 February), March follows.
    expect(md).toContain('支部委员会会议：2027年2月内还需 1 次，剩 18 天（2027年第一季度共还差 2 次）');
    expect(md).toContain('❌ 支部委员会会议：2027年1月 未完成，已错过');
    // 党课 is quarterly: 49 days to 31 March.
    expect(md).toContain('党课：2027年第一季度内还需 1 次，剩 49 天');
    // The assembly of 20 January had one of the three expected checked in: not more than half, so it is
    // not held (条例 第十一条) and the quarter still needs one.
    expect(md).toMatch(/支部党员大会：2027年第一季度内还需 1 次/);
  });

  it('answers in the 机关党委’s chat with every branch, for the 机关党委 secretary', async () => {
    const unitChat = { kind: 'GROUP' as const, id: 'unit' };
    await chat.say('m101', unitChat, '本季度还差什么');
    const { card } = await chat.waitForCard(unitChat, '各支部');
    expect(card.title).toBe('各支部 · 2027年第一季度还差什么');
    const md = card.markdown ?? '';
    for (const branch of ['第一党支部（办公室）', '第二党支部（规划处）', '第三党支部（综合处）']) expect(md).toContain(`**${branch}**`);
    expect(md).toContain('❌ 支部委员会会议：2027年1月 未完成，已错过');
  });

  it('gives an ordinary member their own view with a short note', async () => {
    await chat.say('m108', group(1), '本支部本季度还差什么');
    const { card } = await chat.waitForCard(group(1), '我的待办 · ');
    expect(card.markdown).toMatch(/^支部整体的完成情况由支部书记、组织委员查看/);
    expect(card.markdown).toContain('学习全会精神');
  });
});

describe('a new list version', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-duties-'));
  const listFile = (name: string, extra: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      `year: 2027
items:
  - id: B-01
    level: 党支部
    post: 党支部
    content: 组织党员上党课
    frequency: 一般每季度1次
    rule: 每季度至少1次
    source: 本单位2027年党建工作要点
    keywords: [党课, 上党课]
${extra}`,
    );
    return file;
  };

  it('becomes the active list as soon as it is imported; a bad file writes nothing', async () => {
    const unit = 'demo-unit';
    const r1 = await importListFile(app.db.prisma, {
      file: listFile('v1.yaml', `  - id: B-30\n    level: 党支部\n    post: 党支部\n    content: 每月举办一次读书分享会\n    frequency: 每月1次\n    source: 本单位2027年党建工作要点\n    keywords: [读书分享会]\n`),
      unitCode: unit,
      year: 2027,
    });
    expect(r1.version).toBe(1);
    await chat.say('m102', direct('m102'), '读书分享会多久办一次');
    const a1 = (await chat.waitForCard(direct('m102'), '读书分享会多久办一次')).card;
    expect(codesOf(a1)[0]).toBe('B-30');
    expect(a1.footer).toContain('2027年责任清单（第 1 版）');

    const before = await app.db.prisma.responsibilityList.count();
    const bad = listFile('bad.yaml', `  - id: B-31\n    level: 党总支\n    post: 党支部\n    content: 读书分享会\n    frequency: 每月1次\n`);
    const err = await importListFile(app.db.prisma, { file: bad, unitCode: unit, year: 2027 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListFileError);
    expect((err as ListFileError).problems).toEqual([
      'bad.yaml：第 2 项（第 12 行）：level（层级）：层级必须是 党组(党委)、机关党委 或 党支部',
      'bad.yaml：第 2 项（第 11 行）：source（出处）：不能为空',
    ]);
    expect(await app.db.prisma.responsibilityList.count()).toBe(before);

    // Version 2 drops B-30: the next question is answered from it, without a restart.
    const r2 = await importListFile(app.db.prisma, { file: listFile('v2.yaml', ''), unitCode: unit, year: 2027 });
    expect(r2.version).toBe(2);
    await chat.say('m102', direct('m102'), '党课多久上一次呢');
    const a2 = (await chat.waitForCard(direct('m102'), '党课多久上一次呢')).card;
    expect(codesOf(a2)).toEqual(['B-01']);
    expect(a2.footer).toContain('2027年责任清单（第 2 版）');
    expect(await app.db.prisma.auditLog.count({ where: { action: 'duties.import', entityType: 'ResponsibilityList' } })).toBe(2);
  });
});

describe('model phrasing (OpenAI-compatible endpoint, local fake)', () => {
  let llmApp: App;
  let llmChat: ChatDriver;
  let fake: FakeLlm;
  let dropLlm: () => Promise<void>;

  beforeAll(async () => {
    fake = await startFakeLlm();
    const db = await freshPostgres();
    dropLlm = db.drop;
    llmApp = await startTestApp(
      { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-model', LLM_API_KEY: 'sk-test', LLM_TIMEOUT_MS: '800' },
      { clock: () => NOW },
    );
    llmChat = new ChatDriver(llmApp);
  });
  afterAll(async () => {
    llmChat?.close();
    await llmApp?.stop();
    await fake?.close();
    await dropLlm?.();
  });

  it('writes the answer with the model, strictly from the retrieved items, keeping their citations', async () => {
    fake.mode = 'cite';
    fake.requests.length = 0;
    await llmChat.say('m107', direct('m107'), '党课多久上一次');
    const { card } = await llmChat.waitForCard(direct('m107'), '党课多久上一次');
    expect(card.markdown).toMatch(new RegExp(`^${FAKE_ANSWER} \\[B-04\\]。\\n\\n\\*\\*依据条目\\*\\*\\n\\[B-04\\] 党支部 · 一般每季度1次 · 出处：《中国共产党支部工作条例`));
    expect(card.markdown).not.toContain('[B-05]'); // not cited by the model: not listed as its basis
    expect(card.footer).toMatch(/^以上由模型依据清单条目整理/);
    // What the service sent: the prompt file's system text, the question and the retrieved items only.
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('fake-model');
    expect(req.body.messages[0]!.content).toContain('只能使用下面提供的清单条目回答');
    const user = req.body.messages[1]!.content;
    expect(user).toContain('问题：党课多久上一次');
    expect([...user.matchAll(/^\[([A-Z]-\d+)\]/gm)].map((m) => m[1])).toEqual(['B-04', 'B-05']);
  });

  it('falls back to the plain card when the model cites an item it was not given, or none', async () => {
    const questions = { fabricate: '党课多久上一次呀', uncited: '党课多久上一次嘛', error: '党课多久上一次吧' } as const;
    for (const mode of ['fabricate', 'uncited', 'error'] as const) {
      fake.mode = mode;
      const q = questions[mode];
      await llmChat.say('m108', direct('m108'), q);
      const { card } = await llmChat.waitForCard(direct('m108'), q);
      expect(card.markdown, mode).toMatch(/^\*\*1\. 党支部\*\* · 一般每季度1次\n组织党员上党课/);
      expect(card.markdown, mode).not.toContain(FAKE_ANSWER);
      expect(card.footer, mode).toContain('责任清单（第 1 版）');
    }
  });

  it('falls back to the plain card when the model does not answer in time', async () => {
    fake.mode = 'slow';
    fake.delayMs = 3000;
    const t0 = Date.now();
    await llmChat.say('m109', direct('m109'), '党课多久上一次啊');
    const { card } = await llmChat.waitForCard(direct('m109'), '党课多久上一次啊');
    const took = Date.now() - t0;
    expect(card.markdown).toMatch(/^\*\*1\. 党支部\*\*/);
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(2900);
  });
});
