// The 驾驶舱's kept figures (src/services/dashboard-figures.ts) on PostgreSQL and PGlite: after every kind of
// change the figures read (a check-in through the service's plain SQL, minutes, a record, a member leaving,
// a pledge, a 工作提示 delivered and acknowledged, the lists, a campaign), a view reading kept rows equals one
// computed from nothing; only the nodes a change touches are computed again; a meeting starting, a new day
// and a change the computation's snapshot did not see make a row stale; pruning drops what no row needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { runUnit } from '../../src/chat/effects.js';
import { memberPrincipal, SYSTEM } from '../../src/access/principal.js';
import { findMember } from '../../src/domain/org.js';
import { periodOf } from '../../src/domain/life/period.js';
import { Unit } from '../../src/services/kernel.js';
import { dashboardView } from '../../src/services/dashboard.js';
import { forgetKeptFigures, pruneKeptFigures } from '../../src/services/dashboard-figures.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { checkIn } from '../../src/services/attendance.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { startDemoOn } from '../helpers/app.js';

const TZ = 'Asia/Shanghai';
const o = { timezone: TZ, atRiskDays: 10 };

describe.each(['postgres', 'pglite'] as const)('kept 驾驶舱 figures on %s', (kind) => {
  let app: App;
  let drop: () => Promise<void>;
  const node: Record<string, string> = {};
  const member: Record<string, string> = {};
  let sessionId = '';

  const at = (s: string) => new Date(`${s}+08:00`);
  const period = periodOf('quarter', at('2026-12-10T10:00:00'), TZ);
  const as = async <T>(code: string, now: Date, fn: (u: Unit) => Promise<T>): Promise<T> =>
    (await runUnit(app.db, memberPrincipal((await findMember(app.db.prisma, member[code]!))!, 'chat'), now, app.core.presenters, fn)).result;
  /** The 工委's and the 机关党委's views as the system sees them at `now`. */
  const views = (now: Date) =>
    app.db.transaction(async (scope) => [
      await dashboardView(new Unit(scope, SYSTEM, now), { nodeId: node['demo-committee']!, period }, o),
      await dashboardView(new Unit(scope, SYSTEM, now), { nodeId: node['demo-organ']!, period }, o),
    ]);
  const fresh = async (now: Date) => {
    await forgetKeptFigures(app.db.sql);
    return views(now);
  };
  /** When each node's kept row for the current quarter was computed. */
  const asOf = async (): Promise<Record<string, number>> => {
    const rows = await app.db.sql.query<{ nodeId: string; asOf: Date }>(`SELECT "nodeId", "asOf" FROM "NodeFigures" WHERE "periodKey" = $1`, [period.key]);
    return Object.fromEntries(rows.map((r) => [r.nodeId, new Date(r.asOf).getTime()]));
  };

  beforeAll(async () => {
    ({ app, drop } = await startDemoOn(kind, { clock: () => at('2026-12-01T09:00:00') }, { RUN_WORKERS: 'false' }));
    for (const n of await app.db.prisma.orgNode.findMany({ select: { id: true, code: true } })) node[n.code] = n.id;
    for (const m of await app.db.prisma.member.findMany({ select: { id: true, employeeNo: true } })) member[m.employeeNo!] = m.id;
    const day = (await as('m101', at('2026-12-01T09:00:00'), (u) => branchKinds(u))).find((k) => k.code === 'theme_day')!;
    const draft = { kind: day, at: at('2026-12-10T10:30:00'), place: '三楼会议室', topic: '主题党日', attendeeNames: [], groupName: null };
    sessionId = (await as('m101', at('2026-12-01T09:00:00'), (u) => createNotice(u, { branchId: node['demo-branch-1']!, draft }))).session.id;
  }, 180_000);
  afterAll(async () => {
    await app?.stop();
    await drop?.();
  });

  // Each step: a change, the time of the next view, and which branches must be computed again (null: every node).
  const b1 = () => node['demo-branch-1']!;
  const b2 = () => node['demo-branch-2']!;
  // `still`: a change that moves no figure (the others must move one, so that the comparison is not between two equal views).
  const still = ['check-ins before the start (the service)', 'a phone number (nothing the figures read)', 'a campaign (its audience\'s branches)'];
  const steps: Array<{ name: string; now: string; touched: () => string[] | null; change: (now: Date) => Promise<unknown> }> = [
    { name: 'check-ins before the start (the service)', now: '2026-12-10T10:20:00', touched: () => [b1()], change: async (now) => {
      for (const code of ['m101', 'm102', 'm103', 'm104', 'm105', 'm106']) await as(code, now, (u) => checkIn(u, { sessionId }));
    } },
    { name: 'the meeting starts (no write)', now: '2026-12-10T10:40:00', touched: () => [b1()], change: async () => {} },
    { name: 'minutes saved (the service)', now: '2026-12-10T15:00:00', touched: () => [b1()], change: (now) =>
      as('m102', now, (u) => saveMinutes(u, { sessionId, summary: '集体学习。', resolutions: '', speakers: '', attachments: '', untitled: (n) => `附件${n}`, recorder: '李秀英', observers: '', endsAt: null })) },
    { name: 'a phone number (nothing the figures read)', now: '2026-12-10T15:10:00', touched: () => [], change: () => app.db.prisma.member.update({ where: { id: member['m201']! }, data: { mobile: '13800000000' } }) },
    { name: 'a member leaves', now: '2026-12-10T15:20:00', touched: () => [b2()], change: () => app.db.prisma.member.update({ where: { id: member['m203']! }, data: { active: false, leftAt: at('2026-12-10T15:00:00') } }) },
    { name: 'a record of 党费', now: '2026-12-10T15:30:00', touched: () => [b2()], change: async (now) => {
      const item = await app.db.prisma.responsibilityItem.findFirstOrThrow({ where: { post: '党员', meetingKind: null, rule: { not: { equals: null } } }, select: { code: true } });
      await app.db.prisma.dutyRecord.create({ data: { itemCode: item.code, orgNodeId: b2(), memberId: member['m201']!, occurredAt: now, text: '缴纳党费' } });
    } },
    { name: 'a campaign (its audience\'s branches)', now: '2026-12-10T15:40:00', touched: () => [b1(), b2()], change: () =>
      app.db.prisma.pledgeCampaign.create({ data: { orgNodeId: node['demo-organ']!, audience: { branchIds: [b1(), b2()] }, name: '岗位承诺', categories: [], deadline: at('2026-12-31T00:00:00'), createdById: member['m101']! } }) },
    { name: 'a pledge submitted', now: '2026-12-10T15:50:00', touched: () => [b1()], change: async () => {
      const c = await app.db.prisma.pledgeCampaign.findFirstOrThrow({ select: { id: true } });
      await app.db.prisma.pledge.create({ data: { campaignId: c.id, memberId: member['m102']!, status: 'SUBMITTED', submittedAt: at('2026-12-10T15:45:00') } });
    } },
    { name: 'a 工作提示 delivered and acknowledged', now: '2026-12-10T16:00:00', touched: () => [b1()], change: async () => {
      const p = await app.db.prisma.taskPrompt.create({ data: { templateId: 'adhoc', title: '学习提示', body: '请组织学习。' } });
      const b = await app.db.prisma.promptBroadcast.create({ data: { promptId: p.id, periodKey: 'adhoc-1', text: '请组织学习。', createdAt: at('2026-12-10T15:55:00') } });
      const c = await app.db.prisma.chat.findFirstOrThrow({ where: { orgNodeId: b1(), kind: 'GROUP' } });
      const m = await app.db.prisma.outboxMessage.create({ data: { dedupeKey: 'kept-figures-1', platform: c.platform, tenantKey: c.tenantKey, target: c.platformChatId, targetKind: 'GROUP', kind: 'text', category: 'prompt', payload: {}, broadcastId: b.id } });
      await app.db.prisma.outboxMessage.update({ where: { id: m.id }, data: { status: 'SENT', sentAt: at('2026-12-10T15:56:00') } });
      await app.db.prisma.promptAck.create({ data: { broadcastId: b.id, orgNodeId: b1(), state: 'RECEIVED', byId: member['m101']! } });
    } },
    { name: 'a rule of the list changed (every node)', now: '2026-12-10T16:10:00', touched: () => null, change: () =>
      app.db.prisma.responsibilityItem.updateMany({ where: { meetingKind: 'branch_committee' }, data: { rule: { period: 'month', atLeast: 2 } } }) },
    { name: 'a later day (no write)', now: '2026-12-22T08:00:00', touched: () => null, change: async () => {} },
  ];

  it('after each kind of change, kept figures equal figures computed from nothing, and only what a change touched is computed again', async () => {
    let previous = await fresh(at('2026-12-10T10:00:00'));
    for (const step of steps) {
      const now = at(step.now);
      const before = await asOf();
      await step.change(now);
      const kept = await views(now);
      const after = await asOf();
      const touched = step.touched() ?? Object.keys(before);
      for (const id of Object.keys(before)) {
        // Computed again (at this step's time) exactly when the change touched the node.
        expect([step.name, id, after[id] === now.getTime()]).toEqual([step.name, id, touched.includes(id)]);
      }
      const computed = await fresh(now);
      expect(kept, step.name).toEqual(computed);
      expect([step.name, JSON.stringify(computed) !== JSON.stringify(previous)]).toEqual([step.name, !still.includes(step.name)]);
      previous = computed;
    }
  }, 120_000);

  it('a row whose computation began before a change committed is stale', async () => {
    const now = at('2026-12-22T09:00:00');
    await views(now);
    // As if the rows had been computed while the change below was being made: their reading began before it.
    const [{ snapshot }] = (await app.db.sql.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`)) as [{ snapshot: string }];
    await app.db.prisma.member.update({ where: { id: member['m104']! }, data: { name: '赵四' } });
    await app.db.sql.query(`UPDATE "NodeFigures" SET snapshot = $1::pg_snapshot, "asOf" = $2`, [snapshot, at('2026-12-22T08:59:00')]);
    const later = at('2026-12-22T09:05:00');
    await views(later);
    const after = await asOf();
    expect(after[b1()]).toBe(later.getTime());
    expect(after[b2()]).toBe(at('2026-12-22T08:59:00').getTime());
  });

  it('every other table the figures read tells the node a change touches (a 党小组 its branch; lists and kinds every node)', async () => {
    const p = app.db.prisma;
    const touched = async (change: () => Promise<unknown>): Promise<string[]> => {
      const [{ last }] = (await app.db.sql.query<{ last: string }>(`SELECT coalesce(max(id), 0)::text AS last FROM "FiguresChange"`)) as [{ last: string }];
      await change();
      const rows = await app.db.sql.query<{ nodeId: string }>(`SELECT DISTINCT "nodeId" FROM "FiguresChange" WHERE id > $1::bigint ORDER BY 1`, [last]);
      return rows.map((r) => r.nodeId);
    };
    const m = member['m202']!;
    const pledge = await p.pledge.create({ data: { campaignId: (await p.pledgeCampaign.findFirstOrThrow()).id, memberId: m, status: 'APPROVED', items: { create: [{ position: 1, content: '带头学习' }] } }, include: { items: true } });
    const cases: Array<[string, () => Promise<unknown>, string[]]> = [
      ['a post', () => p.post.create({ data: { memberId: m, orgNodeId: b2(), title: 'PUBLICITY_MEMBER' } }), [b2()]],
      ['a 民主评议 result', () => p.memberReview.create({ data: { branchId: b2(), memberId: m, year: 2026, result: 'EXCELLENT', recordedById: m } }), [b2()]],
      ['a 组织生活会 step', () => p.lifeMeetingStep.create({ data: { branchId: b2(), year: 2026, step: 'consult', text: '征求意见', recordedById: m } }), [b2()]],
      ['a 践诺 report', () => p.progressReport.create({ data: { pledgeItemId: pledge.items[0]!.id, period: '2026Q4', state: 'DONE', evidence: '已完成' } }), [b2()]],
      ['a new 党小组', () => p.orgNode.create({ data: { code: 'kept-g', kind: 'GROUP', name: '第三党小组', parentId: b2() } }), [b2()]],
      ['a group chat bound', async () => {
        const c = await p.chat.create({ data: { platform: 'CONSOLE', platformChatId: 'kept-figures-chat', kind: 'GROUP' } });
        await p.chat.update({ where: { id: c.id }, data: { orgNodeId: b2() } });
      }, [b2()]],
      ['a campaign of a branch (no audience named)', () => p.pledgeCampaign.create({ data: { orgNodeId: b2(), name: '支部承诺', categories: [], deadline: at('2026-12-31T00:00:00'), createdById: m } }), [b2()]],
      ["a campaign closed (its audience's branches)", () => p.pledgeCampaign.updateMany({ where: { name: '岗位承诺' }, data: { closedAt: at('2026-12-20T00:00:00') } }), [b1(), b2()].sort()],
      ['a meeting kind', () => p.meetingKind.updateMany({ where: { code: 'theme_day' }, data: { name: '主题党日' } }), ['*']],
      ['a member moved', () => p.member.update({ where: { id: m }, data: { branchId: b1() } }), [b1(), b2()].sort()],
    ];
    for (const [name, change, nodes] of cases) expect([name, await touched(change)]).toEqual([name, nodes]);
  });

  // Changes whose figures live on another node than the row's own (a post above the branch, a session other
  // branches' members attended, a 党小组's name in its branch's lines, a campaign asked of another branch).
  it('a change read through another node makes that node stale too', async () => {
    const p = app.db.prisma;
    const group = await p.orgNode.findFirstOrThrow({ where: { parentId: b1(), kind: 'GROUP' }, select: { id: true } });
    const kindId = (await p.meetingKind.findFirstOrThrow({ where: { code: 'community_service' }, select: { id: true } })).id;
    let serviceId = '';
    const cases: Array<{ name: string; setup?: () => Promise<unknown>; change: () => Promise<unknown> }> = [
      // The 机关党委's 委员 duties count its posts' active holders (an import marks a member left with the post still listed).
      { name: 'a 机关党委 post holder leaves', change: () => p.member.update({ where: { id: member['m107']! }, data: { active: false } }) },
      { name: 'a 党小组 renamed (its branch lines name it)', change: () => p.orgNode.update({ where: { id: group.id }, data: { name: '第一党小组（机要）' } }) },
      { name: "a 双报到 session another branch's member attended is cancelled", setup: async () => {
        const s = await p.meetingSession.create({ data: { kindId, orgNodeId: b1(), topic: '社区服务', startsAt: at('2026-12-23T08:00:00'), checkinOpensAt: at('2026-12-23T07:30:00'), checkinClosesAt: at('2026-12-23T09:00:00'), createdById: member['m101']! } });
        serviceId = s.id;
        await p.attendance.create({ data: { sessionId: s.id, memberId: member['m201']!, status: 'PRESENT' } });
      }, change: () => p.meetingSession.update({ where: { id: serviceId }, data: { status: 'CANCELLED' } }) },
      { name: 'a 党费 record where a member moved in with a pledge of his old branch', setup: async () => {
        const c = await p.pledgeCampaign.create({ data: { orgNodeId: node['demo-organ']!, audience: { branchIds: [b1()] }, name: '书记承诺', categories: [], deadline: at('2026-12-31T00:00:00'), createdById: member['m101']! } });
        await p.pledge.create({ data: { campaignId: c.id, memberId: member['m106']!, status: 'APPROVED', submittedAt: at('2026-12-20T10:00:00') } });
        await p.member.update({ where: { id: member['m106']! }, data: { branchId: b2() } });
      }, change: async () => {
        const item = await p.responsibilityItem.findFirstOrThrow({ where: { post: '党员', meetingKind: null, rule: { not: { equals: null } } }, select: { code: true } });
        await p.dutyRecord.create({ data: { itemCode: item.code, orgNodeId: b2(), memberId: member['m204']!, occurredAt: at('2026-12-23T09:30:00'), text: '缴纳党费' } });
      } },
      // Chat ids are the platform's (and the tenant's): another platform's chat of the same id is another chat.
      { name: "a 工作提示 delivered to a chat whose id another platform's chat of another branch also has", setup: () =>
        p.chat.create({ data: { platform: 'LARK', tenantKey: 't1', platformChatId: 'branch-1', kind: 'GROUP', orgNodeId: b2() } }), change: async () => {
        const t = await p.taskPrompt.create({ data: { templateId: 'adhoc', title: '学习提示', body: '请组织学习。' } });
        const b = await p.promptBroadcast.create({ data: { promptId: t.id, periodKey: 'adhoc-2', text: '请组织学习。', createdAt: at('2026-12-23T09:00:00') } });
        const c = await p.chat.findFirstOrThrow({ where: { platform: 'CONSOLE', platformChatId: 'branch-1' } });
        const m = await p.outboxMessage.create({ data: { dedupeKey: 'kept-figures-2', platform: c.platform, tenantKey: c.tenantKey, target: c.platformChatId, targetKind: 'GROUP', kind: 'text', category: 'prompt', payload: {}, broadcastId: b.id } });
        await p.outboxMessage.update({ where: { id: m.id }, data: { status: 'SENT', sentAt: at('2026-12-23T09:01:00') } });
      } },
    ];
    let hour = 10;
    for (const c of cases) {
      await c.setup?.();
      const before = await fresh(at(`2026-12-23T${hour}:00:00`));
      await c.change();
      const now = at(`2026-12-23T${hour}:10:00`);
      const kept = await views(now);
      const computed = await fresh(now);
      expect([c.name, JSON.stringify(computed) !== JSON.stringify(before)]).toEqual([c.name, true]);
      expect(kept, c.name).toEqual(computed);
      hour++;
    }
  });

  it('pruning keeps every row an unpruned change makes stale, however slow its statements', async () => {
    const now = at('2026-12-24T10:00:00');
    await views(now);
    const [{ last }] = (await app.db.sql.query<{ last: string }>(`SELECT coalesce(max(id), 0)::text AS last FROM "FiguresChange"`)) as [{ last: string }];
    await app.db.prisma.dutyRecord.create({ data: { itemCode: (await app.db.prisma.responsibilityItem.findFirstOrThrow({ where: { post: '党员', meetingKind: null, rule: { not: { equals: null } } }, select: { code: true } })).code, orgNodeId: b2(), memberId: member['m205']!, occurredAt: at('2026-12-24T09:00:00'), text: '缴纳党费' } });
    // The change was made just under ten minutes before the prune starts; the prune's statements take a second each.
    await app.db.sql.query(`UPDATE "FiguresChange" SET at = now() - interval '10 minutes' + interval '500 milliseconds' WHERE id > $1::bigint`, [last]);
    const slow = { query: async <T>(text: string, params?: unknown[]) => {
      const r = await app.db.sql.query<T>(text, params);
      await new Promise((ok) => setTimeout(ok, 1000));
      return r;
    } };
    await pruneKeptFigures(slow);
    const later = at('2026-12-24T10:05:00');
    expect(await views(later)).toEqual(await fresh(later));
  });

  // Two sessions at once: PostgreSQL only (PGlite runs one transaction at a time, so a prune never meets a computation).
  it.skipIf(kind === 'pglite')('a prune while figures are being computed waits for the next hour, and drops nothing', async () => {
    await forgetKeptFigures(app.db.sql);
    await app.db.sql.query(`INSERT INTO "FiguresChange" ("nodeId", at) VALUES ($1, now() - interval '1 hour')`, [b2()]);
    const count = async () => ((await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "FiguresChange" WHERE at < now() - interval '10 minutes'`))[0]!.n);
    // The computation's transaction stays open while the prune runs from outside it (another connection).
    let release!: () => void;
    let computed!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = new Promise<void>((r) => (computed = r));
    const computing = app.db.transaction(async (scope) => {
      await dashboardView(new Unit(scope, SYSTEM, at('2026-12-22T11:00:00')), { nodeId: node['demo-organ']!, period }, o);
      computed();
      await held;
    });
    await ready;
    const old = await count();
    try {
      expect(old).toBeGreaterThan(0);
      await pruneKeptFigures(app.db.sql);
      expect(await count()).toBe(old);
    } finally {
      release();
      await computing;
    }
    await pruneKeptFigures(app.db.sql);
    expect(await count()).toBe(0);
  });

  it('pruning drops rows an old change made stale, then the old changes', async () => {
    await views(at('2026-12-22T10:00:00'));
    await app.db.sql.query(`INSERT INTO "FiguresChange" ("nodeId", at) VALUES ($1, now() - interval '1 hour')`, [b2()]);
    await pruneKeptFigures(app.db.sql);
    const left = await app.db.sql.query<{ nodeId: string }>(`SELECT DISTINCT "nodeId" FROM "NodeFigures"`);
    expect(left.map((r) => r.nodeId)).toContain(b1());
    expect(left.map((r) => r.nodeId)).not.toContain(b2());
    const old = await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "FiguresChange" WHERE at < now() - interval '10 minutes'`);
    expect(old[0]!.n).toBe(0);
  });
});
