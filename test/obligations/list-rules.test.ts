// Frequency rules per organ, on PGlite and on PostgreSQL: a unit's responsibility list item naming a meeting
// kind replaces the kind's deployment default (meeting-kinds) for that unit's nodes, in the 完成情况 report
// and in the obligation engine alike; a unit whose list does not name the kind keeps the default; a 党课
// item naming its lecturer (书记讲党课) is an obligation beside the 党课 rule, never instead of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { computeCompliance } from '../../src/domain/life/compliance.js';
import { periodRange } from '../../src/domain/life/period.js';
import { readDefaultList, type ParsedList } from '../../src/domain/duties/list-file.js';
import { importDutyList } from '../../src/services/duties.js';
import { updateMeetingKind } from '../../src/services/meeting-kinds.js';
import { complianceCard } from '../../src/chat/presenters/life.js';
import { meetingKindsCommand } from '../../src/cli/org.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';
const NOW = sh('2026-12-03T10:00');
const Q4 = periodRange('quarter', 2026, 4);
const YEAR = periodRange('year', 2026, 1);

describe.each(['pglite', 'postgres'] as const)('frequency rules per unit on %s', (backend) => {
  let h: ServiceHarness;
  const node = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;
  const report = async (code: string, period = Q4) => computeCompliance(h.db.prisma as never, { orgNodeId: await node(code), period, now: NOW, tz: TZ });
  const engine = async (code: string, itemCodes: string[], period = Q4) => (await computeObligations(h.db.prisma as never, { rootId: await node(code), period, now: NOW, tz: TZ, itemCodes })).obligations;

  /** A unit under the demo 工委 with a 机关党委, one branch and one member, and `list` as its list for 2026. */
  async function unitWith(prefix: string, list: ParsedList) {
    const p = h.db.prisma;
    const committee = await node('demo-committee');
    const unit = await p.orgNode.create({ data: { code: `${prefix}-unit`, kind: 'UNIT', name: `${prefix}单位`, parentId: committee } });
    const organ = await p.orgNode.create({ data: { code: `${prefix}-organ`, kind: 'ORGAN_COMMITTEE', name: `${prefix}机关党委`, parentId: unit.id } });
    const branch = await p.orgNode.create({ data: { code: `${prefix}-branch`, kind: 'BRANCH', name: `${prefix}第一党支部`, parentId: organ.id } });
    await p.member.create({ data: { name: `${prefix}书记`, employeeNo: `${prefix}01`, branchId: branch.id, posts: { create: [{ title: 'BRANCH_SECRETARY', orgNodeId: branch.id }] } } });
    await h.run(h.system, NOW, (u) => importDutyList(u, { unitId: unit.id, list, file: `${prefix}.yaml` }));
  }

  /** A 主题党日 held (minutes, one check-in) at the branch `code`. */
  async function themeDay(code: string, startsAt: Date) {
    const p = h.db.prisma;
    const kind = await p.meetingKind.findUniqueOrThrow({ where: { code: 'theme_day' } });
    const member = await p.member.findFirstOrThrow({ where: { branchId: await node(code) } });
    await p.meetingSession.create({
      data: {
        kindId: kind.id, orgNodeId: await node(code), topic: '主题党日', startsAt, checkinOpensAt: startsAt, checkinClosesAt: new Date(startsAt.getTime() + 7_200_000), createdById: member.id, status: 'HELD',
        attendances: { create: [{ memberId: member.id, status: 'PRESENT' }] },
      },
    });
  }

  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
    const base = readDefaultList();
    // Unit q: 主题党日 once a quarter (its own B-06). Unit d: a list naming neither 主题党日 nor the branch's 党课,
    // only 书记讲党课 (B-05).
    await unitWith('q', { year: 2026, items: base.items.map((i) => (i.id === 'B-06' ? { ...i, frequency: '每季度1次', rule: { period: 'quarter', atLeast: 1 } } : i)) });
    await unitWith('d', { year: 2026, items: base.items.filter((i) => i.id !== 'B-06' && i.id !== 'B-04') });
  });
  afterAll(() => h?.close());

  it('a unit whose list says 主题党日 每季度1次 has one 主题党日 per quarter; the demo unit and a list without it stay monthly', async () => {
    const q = await report('q-branch');
    const theme = q.items.filter((i) => i.kindCode === 'theme_day');
    // Once, with the list's rule and item code, in place of the monthly default.
    expect(theme.map((i) => [i.obligationKey, i.itemCode, i.rule, i.parts.length, i.required])).toEqual([['theme_day', 'B-06', { period: 'quarter', atLeast: 1 }, 1, 1]]);
    expect((await report('q-branch', YEAR)).items.find((i) => i.kindCode === 'theme_day')!.required).toBe(4);
    expect((await engine('q-branch', ['B-06'], YEAR)).map((o) => o.window.key)).toEqual(['2026Q1', '2026Q2', '2026Q3', '2026Q4']);
    // Also where the list's other items are left out (the ledger's 应开实开, 季度要求): the list's rule, no extra lines.
    const bare = await computeCompliance(h.db.prisma as never, { orgNodeId: await node('q-branch'), period: Q4, now: NOW, tz: TZ, includeDutyItems: false });
    expect(bare.items.find((i) => i.kindCode === 'theme_day')!.rule).toEqual({ period: 'quarter', atLeast: 1 });
    expect(bare.items.filter((i) => i.itemCode && i.obligationKey.startsWith('item:'))).toEqual([]);

    // The demo unit's default list restates the kind's rule: monthly, with its item code.
    const demo = (await report('demo-branch-1')).items.filter((i) => i.kindCode === 'theme_day');
    expect(demo.map((i) => [i.obligationKey, i.itemCode, i.rule, i.required])).toEqual([['theme_day', 'B-06', { period: 'month', atLeast: 1 }, 3]]);
    // A list that does not name 主题党日 keeps the deployment default (monthly), with no item code.
    const d = (await report('d-branch')).items.filter((i) => i.kindCode === 'theme_day');
    expect(d.map((i) => [i.obligationKey, i.itemCode, i.rule, i.required])).toEqual([['theme_day', null, { period: 'month', atLeast: 1 }, 3]]);
  });

  it('the 完成情况 line and the engine agree for the quarterly 主题党日', async () => {
    await themeDay('q-branch', sh('2026-10-15T14:30'));
    const line = (await report('q-branch')).items.find((i) => i.kindCode === 'theme_day')!;
    const [ob, ...more] = await engine('q-branch', ['B-06']);
    expect(more).toEqual([]);
    expect([line.window.key, line.status, line.held, line.required]).toEqual([ob!.window.key, ob!.status, ob!.met, ob!.required]);
    expect([line.window.key, line.status, line.held, line.required]).toEqual(['2026Q4', 'done', 1, 1]);
    const card = complianceCard(await report('q-branch'), Q4, '', TZ).markdown;
    expect(card).toContain('✅ 主题党日：应开 1 次，已开 1 次');
    // One October meeting would leave November and December missing under the monthly default.
    await themeDay('d-branch', sh('2026-10-15T14:30'));
    const d = (await report('d-branch')).items.find((i) => i.kindCode === 'theme_day')!;
    expect([d.required, d.held, d.status]).toEqual([3, 1, 'missed']);
  });

  it('a 党课 item naming its lecturer adds its own obligation beside the 党课 rule', async () => {
    const lectures = (r: Awaited<ReturnType<typeof report>>) => r.items.filter((i) => i.kindCode === 'party_lecture').map((i) => [i.obligationKey, i.itemCode, i.rule]);
    const quarter = { period: 'quarter', atLeast: 1 };
    const yearly = { period: 'year', atLeast: 1 };
    expect(lectures(await report('q-branch', YEAR))).toEqual([['party_lecture', 'B-04', quarter], ['item:B-05', 'B-05', yearly]]);
    // Unit d's list names only 书记讲党课: the 党课 keeps the default, and B-05 stands beside it.
    expect(lectures(await report('d-branch', YEAR))).toEqual([['party_lecture', null, quarter], ['item:B-05', 'B-05', yearly]]);
    expect((await engine('d-branch', ['B-05'], YEAR)).map((o) => [o.window.key, o.required])).toEqual([['2026', 1]]);
  });

  it('changing the deployment default reaches only units whose list does not name the kind; meeting-kinds list says so', async () => {
    await h.run(h.system, NOW, (u) => updateMeetingKind(u, { code: 'theme_day', frequency: { period: 'half', atLeast: 1 } }));
    const rule = async (code: string) => (await report(code, YEAR)).items.find((i) => i.kindCode === 'theme_day')!.rule;
    expect(await rule('d-branch')).toEqual({ period: 'half', atLeast: 1 });
    expect(await rule('q-branch')).toEqual({ period: 'quarter', atLeast: 1 });
    expect(await rule('demo-branch-1')).toEqual({ period: 'month', atLeast: 1 });
    const out: string[] = [];
    expect(await meetingKindsCommand(['list'], (f) => f(h.db.prisma as never), { log: (s) => out.push(s), error: (s) => out.push(s) })).toBe(0);
    expect(out).toContain('theme_day  主题党日（组织生活）  每半年1次  也可写作：党日、主题党日活动');
    expect(out.at(-1)).toContain('单位的责任清单中写明某会议类型频次的条目，取代该单位各组织的默认频次');
  });
});
