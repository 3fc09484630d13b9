// The obligation engine on the demo organ, on PGlite and on PostgreSQL: every item of the default list
// with a frequency yields obligations for its holders; held meetings (with the quorum and lecturer rules),
// check-ins and records meet them; the operator's `obligations` command lists them; a list naming an
// unknown meeting kind is refused at import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { computeCompliance } from '../../src/domain/life/compliance.js';
import { periodRange } from '../../src/domain/life/period.js';
import { ListFileError, parseListYaml, readDefaultList } from '../../src/domain/duties/list-file.js';
import { obligationLine, obligationsCommand } from '../../src/cli/obligations.js';
import { obligationsOf, recordDuty } from '../../src/services/obligations.js';
import { DomainError } from '../../src/services/kernel.js';
import { complianceCard } from '../../src/chat/presenters/life.js';
import { memberDueCard } from '../../src/chat/presenters/duties.js';
import { memberDue } from '../../src/services/duties.js';
import { buildPresenters } from '../../src/chat/presenters/index.js';
import { TokenSigner } from '../../src/chat/token.js';

const presenters = buildPresenters({ tokens: new TokenSigner('e'.repeat(64)), timezone: 'Asia/Shanghai', publicUrl: 'http://localhost' });

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';
const NOW = sh('2026-12-03T10:00');
const RULED = readDefaultList()
  .items.filter((i) => i.rule)
  .map((i) => i.id)
  .sort();

describe.each(['pglite', 'postgres'] as const)('obligations on %s', (backend) => {
  let h: ServiceHarness;
  const node = (code: string) => h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } });
  const member = (code: string) => h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: code } });

  /** A held session of `kind` at `nodeCode` with one attendance row per member of the branch, `present` of them checked in. */
  async function session(kind: string, nodeCode: string, startsAt: Date, present: number, extra: { lecturerCode?: string; expected?: number } = {}) {
    const p = h.db.prisma;
    const n = await node(nodeCode);
    const branchId = n.kind === 'BRANCH' ? n.id : undefined;
    const k = await p.meetingKind.findUniqueOrThrow({ where: { code: kind } });
    const creator = await member('m101');
    const s = await p.meetingSession.create({
      data: {
        kindId: k.id, orgNodeId: n.id, topic: `${k.name}测试`, startsAt, checkinOpensAt: startsAt, checkinClosesAt: new Date(startsAt.getTime() + 7_200_000), createdById: creator.id, status: 'HELD',
        lecturerId: extra.lecturerCode ? (await member(extra.lecturerCode)).id : null,
      },
    });
    const people = branchId ? await p.member.findMany({ where: { branchId }, orderBy: { employeeNo: 'asc' }, take: extra.expected }) : [];
    await p.attendance.createMany({ data: people.map((m, i) => ({ sessionId: s.id, memberId: m.id, status: i < present ? 'PRESENT' : 'ABSENT' })) });
    return s;
  }

  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
  });
  afterAll(() => h?.close());

  it('leaves no item of the default list with a frequency untracked, and gives each holder its own', async () => {
    expect(RULED).toHaveLength(33);
    const r = await computeObligations(h.db.prisma as never, { period: periodRange('year', 2026, 1), now: NOW });
    expect(r.untracked).toEqual([]);
    expect([...new Set(r.obligations.map((o) => o.itemCode))].sort()).toEqual(RULED);
    const count = (code: string) => r.obligations.filter((o) => o.itemCode === code).length;
    expect(count('B-02')).toBe(3 * 12); // three branches, monthly
    expect(count('B-03')).toBe(6 * 12); // six 党小组, monthly
    expect(count('B-10')).toBe(30 * 12); // every member, monthly (党费)
    expect(count('B-11')).toBe(30); // every member, 4 a year (双报到)
    expect(count('O-02')).toBe(4 * 2); // each 机关党委委员 (书记, 专职副书记, two 委员), half-yearly
    expect(count('B-09')).toBe(3 * (6 + 6)); // 谈心谈话: per branch the 6 pairs of its 4 委员 and its 6 other members, once a year
    expect(count('P-03')).toBe(1); // the 党组's 中心组学习, 12 a year
    expect(r.obligations.find((o) => o.itemCode === 'P-03')!.required).toBe(12);
    // Nothing has been done in the demo: the first half's are missed, December's open.
    expect(r.obligations.find((o) => o.key === 'B-02@demo-branch-1:2026-06')!.status).toBe('missed');
    expect(r.obligations.find((o) => o.key === 'B-02@demo-branch-1:2026-12')!.status).toBe('open');
    expect(r.obligations.find((o) => o.key === 'O-02@demo-organ:m101:2026H1')!.holder.member!.name).toBe('王建国');
  });

  it('prints every item id with a frequency from `obligations --period 2026`, and filters by --org', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => errors.push(s) };
    const code = await obligationsCommand(['--period', '2026'], (fn) => fn(h.db.prisma), { timezone: TZ, now: NOW }, out);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const ids = new Set(lines.slice(1, -1).map((l) => l.split('  ')[0]));
    expect([...ids].sort()).toEqual(RULED);
    expect(lines[0]).toMatch(/^2026年：共 \d+ 项义务，来自 33 个有频次的清单条目$/);
    expect(lines).toContain('B-02  第一党支部（办公室）  2026年12月  截止 2026-12-31  进行中 0/1  —');
    expect(lines.at(-1)).toMatch(/^已完成 \d+，进行中 \d+，有风险 \d+，未完成 \d+$/);

    const branch: string[] = [];
    await obligationsCommand(['--org', 'demo-branch-2', '--period', '2026Q4', '--status', 'missed'], (fn) => fn(h.db.prisma), { timezone: TZ, now: NOW }, { log: (s) => branch.push(s), error: (s) => errors.push(s) });
    const shown = branch.slice(1, -1);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((l) => l.includes('第二党支部') && l.includes('未完成'))).toBe(true);
    expect(shown.some((l) => l.startsWith('B-10  第二党支部（规划处） · 徐强  2026年10月'))).toBe(true);
    expect(await obligationsCommand(['--period', '明年'], (fn) => fn(h.db.prisma), { timezone: TZ, now: NOW }, out)).toBe(1);
  });

  it('does not count a 党员大会 attended by half or fewer of those expected, and compliance says why', async () => {
    const q3 = periodRange('quarter', 2026, 3);
    const branch = await node('demo-branch-2');
    await session('branch_assembly', 'demo-branch-2', sh('2026-08-12T14:30'), 1);
    await session('branch_assembly', 'demo-branch-2', sh('2026-08-20T14:30'), 5); // exactly half: not more than half
    const before = await computeCompliance(h.db.prisma as never, { orgNodeId: branch.id, period: q3, now: NOW });
    const assembly = before.items.find((i) => i.obligationKey === 'branch_assembly')!;
    expect(assembly.status).toBe('missed');
    expect(assembly.held).toBe(0);
    expect(assembly.notCounted.map((n) => [n.reason, n.attended, n.expected])).toEqual([
      ['quorum', 1, 10],
      ['quorum', 5, 10],
    ]);
    // The card says why.
    const card = complianceCard(before, q3, '', TZ);
    expect(card.markdown).toContain('❌ 支部党员大会：应开 1 次，已开 0 次，2026年第三季度 未完成\n　· 8月12日 14:30 的支部党员大会到会 1/10 人，未过半数，不计为已召开\n　· 8月20日 14:30 的支部党员大会到会 5/10 人，未过半数，不计为已召开');
    expect(card.markdown).toMatch(/❌ 按月交纳党费：应完成 30 次，已完成 0 次，.*（0\/10 人已全部完成）/);
    await session('branch_assembly', 'demo-branch-2', sh('2026-09-02T14:30'), 6);
    const after = await computeCompliance(h.db.prisma as never, { orgNodeId: branch.id, period: q3, now: NOW });
    expect(after.items.find((i) => i.obligationKey === 'branch_assembly')!.status).toBe('done');
    // The engine agrees: B-01 of branch 2 in Q3 is met by the 6-of-10 meeting only.
    const r = await computeObligations(h.db.prisma as never, { rootId: branch.id, period: q3, now: NOW, itemCodes: ['B-01'] });
    expect(r.obligations[0]!.metBy.map((m) => m.at)).toEqual([sh('2026-09-02T14:30')]);
    expect(r.obligations[0]!.notCounted).toHaveLength(2);
  });

  it('counts the yearly 书记讲党课 only when the secretary gave the 党课', async () => {
    const year = periodRange('year', 2026, 1);
    const branch = await node('demo-branch-3');
    const b05 = async () => (await computeCompliance(h.db.prisma as never, { orgNodeId: branch.id, period: year, now: NOW })).items.find((i) => i.itemCode === 'B-05')!;
    await session('party_lecture', 'demo-branch-3', sh('2026-04-10T14:30'), 8, { lecturerCode: 'm303' });
    const other = await b05();
    expect(other.held).toBe(0);
    expect(other.notCounted.map((n) => n.reason)).toEqual(['lecturer']);
    // The quarterly 党课 itself is met by that lecture.
    const r = await computeObligations(h.db.prisma as never, { rootId: branch.id, period: periodRange('quarter', 2026, 2), now: NOW, itemCodes: ['B-04'] });
    expect(r.obligations[0]!.status).toBe('done');
    // The minutes name the secretary (郑凯) as lecturer: that 党课 counts.
    const given = await session('party_lecture', 'demo-branch-3', sh('2026-11-10T14:30'), 8);
    expect((await b05()).status).not.toBe('done');
    await h.db.prisma.minutes.create({ data: { sessionId: given.id, summary: '书记讲党课', recordedById: (await member('m301')).id, lecturer: '郑凯' } });
    expect((await b05()).status).toBe('done');
  });

  it('tracks 委员述职 for each 委员, met by a record with a photo sent in chat', async () => {
    const h2 = periodRange('half', 2026, 2);
    const organ = await node('demo-organ');
    const at = sh('2026-12-03T11:00');
    // 郑凯 (m301) is a 机关党委委员: his record meets his own O-02 only.
    const { result, audits } = await h.run(await h.member('m301'), at, (u) =>
      recordDuty(u, { item: 'O-02', text: '下半年述职已完成，述职报告见 https://example.com/o02', attachments: [{ kind: 'image', url: 'lark:img_v3_abc', title: '述职现场.jpg' }], subjectId: organ.id, timezone: TZ }),
    );
    expect(result.item.code).toBe('O-02');
    expect(result.node.name).toBe('示例市发展和改革委员会机关党委');
    expect(result.obligation).toMatchObject({ required: 1, met: 1, status: 'done' });
    expect(audits).toEqual([expect.objectContaining({ action: 'duty.record', entityType: 'DutyRecord' })]);
    const row = await h.db.prisma.dutyRecord.findUniqueOrThrow({ where: { id: result.recordId } });
    expect(row.evidence).toEqual([
      { kind: 'link', url: 'https://example.com/o02' },
      { kind: 'image', url: 'lark:img_v3_abc', title: '述职现场.jpg' },
    ]);
    const r = await h.run(h.system, at, (u) => obligationsOf(u, { nodeId: organ.id, period: h2, timezone: TZ }));
    const o02 = r.result.obligations.filter((o) => o.itemCode === 'O-02');
    expect(o02.map((o) => [o.holder.member!.name, o.status]).sort()).toEqual([
      ['徐强', 'open'],
      ['王建国', 'open'],
      ['赵磊', 'open'],
      ['郑凯', 'done'],
    ].sort());
    // The organ's compliance lists O-02 with 1 of 4 委员 done.
    const c = await computeCompliance(h.db.prisma as never, { orgNodeId: organ.id, period: periodRange('quarter', 2026, 4), now: at });
    expect(c.items.find((i) => i.itemCode === 'O-02')).toMatchObject({ category: '责任清单', required: 4, held: 1, holders: { kind: 'post', total: 4, done: 1 } });
  });

  it('refuses records that are not the recorder’s to make, and changes nothing', async () => {
    const at = sh('2026-12-03T11:00');
    const refused = async (code: string, item: string, text = '已完成') => {
      const e = await h.run(await h.member(code), at, (u) => recordDuty(u, { item, text, timezone: TZ })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DomainError);
      return (e as DomainError).code;
    };
    const before = await h.db.prisma.dutyRecord.count();
    expect(await refused('m105', 'O-02')).toBe('obligations.not_holder'); // not a 委员
    expect(await refused('m105', 'B-01')).toBe('obligations.meeting_item'); // held by meeting
    expect(await refused('m105', 'P-01')).toBe('errors.not_allowed'); // the 党组's 专题研究
    expect(await refused('m105', '不存在的事')).toBe('obligations.no_item');
    expect(await refused('m105', 'B-10', '')).toBe('obligations.no_evidence');
    expect(await h.db.prisma.dutyRecord.count()).toBe(before);
    // 党费 by name: the member's own, this month.
    const { result } = await h.run(await h.member('m105'), at, (u) => recordDuty(u, { item: '党费', text: '12月党费已交', timezone: TZ }));
    expect(result).toMatchObject({ item: { code: 'B-10' }, member: { name: '陈静' }, obligation: { status: 'done', window: { key: '2026-12' } } });
  });

  it('tracks 谈心谈话 as 委员 pairs and each member’s talk with a 委员, met by a talk recorded with the partner', async () => {
    const at = sh('2026-12-03T11:00');
    const b09 = async () => (await computeObligations(h.db.prisma as never, { rootId: (await node('demo-branch-1')).id, period: periodRange('year', 2026, 1), now: at, itemCodes: ['B-09'] })).obligations;
    const pairKey = 'B-09@demo-branch-1:m101+m102:2026';
    const before = await b09();
    expect(before.filter((o) => o.holder.kind === 'pair').map((o) => `${o.holder.member!.name}、${o.holder.partner!.name}`)).toEqual(['王建国、李秀英', '王建国、张伟', '王建国、刘洋', '李秀英、张伟', '李秀英、刘洋', '张伟、刘洋']);
    expect(before.filter((o) => o.holder.kind === 'member').map((o) => o.holder.member!.name)).toEqual(['陈静', '杨帆', '赵磊', '黄丽', '周涛', '吴敏']);
    expect(before.find((o) => o.key === pairKey)!.status).toBe('open');
    // A 委员 (李秀英) with a member (陈静, no 与 needed): 陈静's talk with a 委员 is done.
    const { result } = await h.run(await h.member('m102'), at, (u) => recordDuty(u, { item: '谈心谈话', text: '陈静 交流思想和工作', timezone: TZ }));
    expect(result).toMatchObject({ item: { code: 'B-09' }, member: { name: '李秀英' }, obligation: { status: 'done' } });
    expect((await b09()).filter((o) => o.status === 'done').map((o) => o.holder.member!.name)).toEqual(['陈静']);
    // Two 委员: their pair is done, and only theirs.
    const pair = await h.run(await h.member('m101'), at, (u) => recordDuty(u, { item: 'B-09', text: '与李秀英 谈支部工作', timezone: TZ }));
    expect(pair.result.obligation).toMatchObject({ status: 'done', met: 1 });
    const after = await b09();
    expect(after.find((o) => o.key === pairKey)!.status).toBe('done');
    expect(after.filter((o) => o.holder.kind === 'pair' && o.status === 'done')).toHaveLength(1);
    // Two ordinary members (陈静, 杨帆): recorded, but 杨帆 still has to talk with a 委员.
    const plain = await h.run(await h.member('m106'), at, (u) => recordDuty(u, { item: 'B-09', text: '与陈静 交流', timezone: TZ }));
    expect(plain.result.obligation).toMatchObject({ status: 'open' });
    expect(after.find((o) => o.holder.member?.name === '杨帆')!.status).toBe('open');
    // The operator's list names the pair; the branch's compliance counts pairs and members.
    expect(obligationLine(after.find((o) => o.key === pairKey)!, TZ)).toMatch(/^B-09  第一党支部（办公室） · 王建国、李秀英  2026年  截止 2026-12-31  已完成 1\/1  2026-12-03 记录：与李秀英 谈支部工作$/);
    const c = await computeCompliance(h.db.prisma as never, { orgNodeId: (await node('demo-branch-1')).id, period: periodRange('quarter', 2026, 4), now: at });
    expect(c.items.find((i) => i.itemCode === 'B-09')!.holders).toEqual({ kind: 'member', total: 6, done: 1, pairs: { total: 6, done: 1 } });
    const refused = async (text: string) => ((await h.run(await h.member('m102'), at, (u) => recordDuty(u, { item: 'B-09', text, timezone: TZ })).catch((e: unknown) => e)) as DomainError).code;
    expect(await refused('交流思想')).toBe('obligations.talk_partner');
    expect(await refused('与徐强 交流')).toBe('obligations.talk_partner_unknown'); // another branch
    expect(await refused('与李秀英 交流')).toBe('obligations.talk_partner_unknown'); // oneself
  });

  it('shows a member their own list duties in 我还有哪些没完成, until they record them', async () => {
    const at = sh('2026-12-03T11:00');
    const me = await h.member('m106');
    const due = async () => (await h.run(me, at, (u) => memberDue(u, { timezone: TZ, lateCheckinDays: 7 }))).result;
    const before = await due();
    const dues = before.duties.filter((d) => d.code === 'B-10');
    expect(dues.map((d) => [d.window, d.status])).toEqual([
      ['2026年10月', 'missed'],
      ['2026年11月', 'missed'],
      ['2026年12月', 'open'],
    ]);
    expect(before.duties.map((d) => d.code)).toEqual(expect.arrayContaining(['B-11', 'B-17', 'B-18', 'B-23']));
    expect(before.duties.every((d) => !d.code.startsWith('O-') && !d.code.startsWith('P-'))).toBe(true); // 杨帆 holds no 机关党委 or 党组 post
    const card = memberDueCard(presenters.env(at), before);
    expect(card.markdown).toContain('**责任清单**\n');
    expect(card.markdown).toContain('· B-10 按月交纳党费：2026年12月应完成 1 次，已完成 0 次（还剩 28 天），做好后发送「记录 B-10 做了什么」登记');
    await h.run(me, at, (u) => recordDuty(u, { item: 'B-10', text: '12月党费已交', timezone: TZ }));
    expect((await due()).duties.filter((d) => d.code === 'B-10').map((d) => d.window)).toEqual(['2026年10月', '2026年11月']);
  });
});

describe('list import', () => {
  it('refuses an item naming an unknown meeting kind, with its item and line', () => {
    const yaml = ['year: 2026', 'items:', '  - id: B-11', '    level: 党支部', '    post: 党员', '    content: 双报到', '    frequency: 每年不少于4次', '    rule: 每年不少于4次', '    meetingKind: foo', '    source: seed 001'].join('\n');
    let err: unknown;
    try {
      parseListYaml(yaml, '清单.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ListFileError);
    expect((err as ListFileError).problems).toEqual([expect.stringMatching(/^清单\.yaml：第 1 项（第 9 行）：meetingKind（会议类型）：未知的会议类型“foo”/)]);
    // The default list's 双报到 names a kind that now exists.
    expect(readDefaultList().items.find((i) => i.id === 'B-11')?.meetingKind).toBe('community_service');
  });
});
