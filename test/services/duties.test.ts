// Responsibility-list services on PGlite, with no chat layer: answers from the active list, what is due for
// a member and for a branch (and who may see a branch's), and list imports as a new version.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/services/kernel.js';
import { askDuties, branchDue, dueHere, importDutyList, memberDue } from '../../src/services/duties.js';
import { readListFile } from '../../src/domain/duties/store.js';
import { ServiceHarness } from '../helpers/services.js';

let h: ServiceHarness;
// Wednesday 2 December 2026, 10:00 in Shanghai: the fourth quarter.
const NOW = new Date('2026-12-02T02:00:00Z');
const HOUR = 3600_000;
const TZ = 'Asia/Shanghai';
const DUE = { timezone: TZ, lateCheckinDays: 7 };
const refusal = (p: Promise<unknown>) => p.then(() => 'no refusal', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));
const node = async (code: string) => (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code } })).id;
const memberId = async (no: string) => (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: no } })).id;

/** A branch-1 meeting starting at `startsAt`, check-in closing two hours later, with m108's attendance. */
async function meeting(topic: string, startsAt: Date, status: 'PENDING' | 'ABSENT' | 'PRESENT') {
  const kind = await h.db.prisma.meetingKind.findFirstOrThrow({ where: { orgLevel: 'BRANCH' }, orderBy: { code: 'asc' } });
  const session = await h.db.prisma.meetingSession.create({
    data: {
      kindId: kind.id,
      orgNodeId: await node('demo-branch-1'),
      topic,
      startsAt,
      checkinOpensAt: new Date(startsAt.getTime() - HOUR),
      checkinClosesAt: new Date(startsAt.getTime() + 2 * HOUR),
      createdById: await memberId('m101'),
    },
  });
  await h.db.prisma.attendance.create({ data: { sessionId: session.id, memberId: await memberId('m108'), status } });
  return kind.name;
}

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('questions', () => {
  it('answers from the active list of the asker’s unit', async () => {
    const r = (await h.run(await h.member('m108'), NOW, (u) => askDuties(u, { question: '党课多久上一次', timezone: TZ }))).result;
    expect(r?.list.unitName).toBe('示例市发展和改革委员会');
    expect(r?.hits[0]?.item.code).toBe('B-04');
    const none = (await h.run(await h.member('m108'), NOW, (u) => askDuties(u, { question: '食堂几点开饭', timezone: TZ }))).result;
    expect(none?.hits).toEqual([]);
  });
});

describe('what is due', () => {
  it('lists a member’s missed, late-checkin and upcoming meetings of the quarter', async () => {
    const kind = await meeting('十月学习', new Date('2026-10-15T07:00:00Z'), 'ABSENT');
    await meeting('上周学习', new Date('2026-11-28T07:00:00Z'), 'PENDING');
    await meeting('下周学习', new Date('2026-12-09T07:00:00Z'), 'PENDING');
    await meeting('已签到', new Date('2026-11-20T07:00:00Z'), 'PRESENT');
    const due = (await h.run(await h.member('m108'), NOW, (u) => memberDue(u, DUE))).result;
    expect(due.member.name).toBe('黄丽');
    expect(due.period.label).toBe('2026年第四季度');
    expect(due.missed.map((m) => [m.topic, m.state])).toEqual([
      ['十月学习', 'absent'],
      ['上周学习', 'late_ok'],
    ]);
    expect(due.missed[0]?.kind).toBe(kind);
    expect(due.upcoming.map((m) => m.topic)).toEqual(['下周学习']);
    expect(due.pledges).toEqual([]);
    // A week after check-in closed, 补签 is no longer possible.
    const later = (await h.run(await h.member('m108'), new Date('2026-12-06T07:00:00Z'), (u) => memberDue(u, DUE))).result;
    expect(later.missed.find((m) => m.topic === '上周学习')?.state).toBe('pending');
  });

  it('shows another member’s list to whoever sees their branch only', async () => {
    const m108 = await memberId('m108');
    expect((await h.run(await h.member('m101'), NOW, (u) => memberDue(u, { ...DUE, memberId: m108 }))).result.member.name).toBe('黄丽');
    expect(await refusal(h.run(await h.member('m307'), NOW, (u) => memberDue(u, { ...DUE, memberId: m108 })))).toBe('errors.not_allowed');
  });

  it('gives the branch’s open obligations to its committee and the 机关党委, and refuses other members', async () => {
    const [b1, b2] = [await node('demo-branch-1'), await node('demo-branch-2')];
    const input = { branchId: b1, timezone: TZ, atRiskDays: 10 };
    const due = (await h.run(await h.member('m102'), NOW, (u) => branchDue(u, input))).result;
    expect(due.branch.name).toBe('第一党支部（办公室）');
    expect(due.period.label).toBe('2026年第四季度');
    expect(due.open.length).toBeGreaterThan(0);
    expect(due.open.every((i) => i.remaining > 0)).toBe(true);
    // Missed obligations come first.
    const firstOpen = due.open.findIndex((i) => i.status !== 'missed');
    expect(due.open.slice(firstOpen).some((i) => i.status === 'missed')).toBe(false);
    expect((await h.run(await h.member('m301'), NOW, (u) => branchDue(u, input))).result.branch.id).toBe(b1); // 机关党委委员
    expect(await refusal(h.run(await h.member('m307'), NOW, (u) => branchDue(u, input)))).toBe('errors.not_allowed'); // plain member of branch 3
    expect(await refusal(h.run(await h.member('m103'), NOW, (u) => branchDue(u, { ...input, branchId: b2 })))).toBe('errors.not_allowed'); // branch 1's 宣传委员
    expect(await refusal(h.run(await h.member('m108'), NOW, (u) => branchDue(u, input)))).toBe('errors.not_allowed'); // plain member of branch 1

    // Asking "what is still due here": the branch for its committee, their own list for a plain member.
    const here = { ...DUE, node: { id: b1, kind: 'BRANCH' }, atRiskDays: 10 };
    const committee = (await h.run(await h.member('m103'), NOW, (u) => dueHere(u, here))).result;
    expect('branches' in committee && committee.branches.map((b) => b.branch.id)).toEqual([b1]);
    const own = (await h.run(await h.member('m108'), NOW, (u) => dueHere(u, here))).result;
    expect('member' in own && own.member.member.name).toBe('黄丽');
  });

  it('answers in the 机关党委’s chat with every branch the asker may see', async () => {
    const organ = { ...DUE, node: { id: await node('demo-organ'), kind: 'ORGAN_COMMITTEE' }, atRiskDays: 10 };
    const branchesFor = async (code: string) => {
      const r = (await h.run(await h.member(code), NOW, (u) => dueHere(u, organ))).result;
      return 'branches' in r ? r.branches.map((b) => b.branch.name) : r.member.member.name;
    };
    const all = ['第一党支部（办公室）', '第二党支部（规划处）', '第三党支部（综合处）'];
    expect(await branchesFor('m101')).toEqual(all); // 机关党委书记
    expect(await branchesFor('m301')).toEqual(all); // 机关党委委员
    expect(await branchesFor('m103')).toEqual(['第一党支部（办公室）']); // a branch 宣传委员 sees their own branch
    expect(await branchesFor('m108')).toBe('黄丽'); // a plain member: their own list
  });
});

describe('list import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhibu-duties-'));
  const file = path.join(dir, 'list.yaml');
  fs.writeFileSync(
    file,
    'year: 2027\nitems:\n  - id: B-01\n    level: 党支部\n    post: 党支部\n    content: 组织党员上党课\n    frequency: 一般每季度1次\n    source: 本单位2027年党建工作要点\n    keywords: [党课]\n',
  );

  it('writes the next version as the system or a 机关党委 manager of the unit, and refuses others', async () => {
    const unitId = await node('demo-unit');
    const list = await readListFile(file, 2027);
    const dry = (await h.run(h.system, NOW, (u) => importDutyList(u, { unitId, list, file: 'list.yaml', dryRun: true }))).result;
    expect(dry).toMatchObject({ version: 1, items: 1, listId: null, dryRun: true });
    expect(await h.db.prisma.responsibilityList.count({ where: { year: 2027 } })).toBe(0);

    const first = await h.run(h.system, NOW, (u) => importDutyList(u, { unitId, list, file: 'list.yaml' }));
    expect(first.result).toMatchObject({ unit: '示例市发展和改革委员会', year: 2027, version: 1, items: 1, dryRun: false });
    expect(first.audits).toEqual([expect.objectContaining({ action: 'duties.import', entityType: 'ResponsibilityList', entityId: first.result.listId })]);

    const second = (await h.run(await h.member('m107'), NOW, (u) => importDutyList(u, { unitId, list, file: 'list.yaml' }))).result; // 专职副书记
    expect(second.version).toBe(2);
    expect((await h.db.prisma.responsibilityList.findUniqueOrThrow({ where: { id: second.listId! } })).importedById).toBe(await memberId('m107'));

    expect(await refusal(h.run(await h.member('m201'), NOW, (u) => importDutyList(u, { unitId, list, file: 'list.yaml' })))).toBe('errors.not_allowed'); // 机关党委委员 only
    const b1 = await node('demo-branch-1');
    expect(await refusal(h.run(h.system, NOW, (u) => importDutyList(u, { unitId: b1, list, file: 'list.yaml' })))).toBe('duties.not_a_unit');
    expect(await h.db.prisma.responsibilityList.count({ where: { year: 2027 } })).toBe(2);

    // The new version answers at once.
    const r = (await h.run(await h.member('m108'), new Date('2027-02-10T02:00:00Z'), (u) => askDuties(u, { question: '党课多久上一次', timezone: TZ }))).result;
    expect(r?.list).toMatchObject({ year: 2027, version: 2 });
  });
});
