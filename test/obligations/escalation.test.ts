// Escalation and the scan of every node kind, on PGlite and PostgreSQL: obligations at risk or missed tell
// the level above once per period, as one summary per node above (never per item, never a member's name);
// the daily compliance scan also looks at the 机关党委 and the unit and tells their secretary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { escalate, memberReminders, OBLIGATION_VIEWS, recordDuty, type EscalationData, type MemberReminderData } from '../../src/services/obligations.js';
import { complianceAlerts, scannedBranches } from '../../src/services/reminders.js';
import { escalationText, memberReminderText } from '../../src/chat/presenters/obligations.js';
import { periodRange } from '../../src/domain/life/period.js';
import { DEMO_MEMBERS } from '../../src/seed/demo-org.js';
import type { NotifyIntent } from '../../src/services/kernel.js';

const sh = (local: string) => new Date(`${local}+08:00`);
const TZ = 'Asia/Shanghai';

describe.each(['pglite', 'postgres'] as const)('escalation on %s', (backend) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await ServiceHarness.on(backend);
  });
  afterAll(() => h?.close());

  it('tells the 机关党委 once, as one summary, about the missed obligations of its branches', async () => {
    const q3 = periodRange('quarter', 2026, 3);
    const now = sh('2026-10-08T09:00');
    const m101 = (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm101' } })).id;
    const organ = await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-organ' } });
    const first = await h.run(h.system, now, (u) => escalate(u, { period: q3, timezone: TZ, only: 'missed' }));
    const notes = first.intents.filter((i): i is NotifyIntent => i.type === 'notify');
    // One to the 机关党委 (its 书记, privately) about the branches, one to the unit's 党组书记 about the 机关党委; the demo 工委 has no one.
    expect(notes.map((n) => n.key).sort()).toEqual([`escalation:${organ.id}:2026Q3:missed`, `escalation:${organ.parentId}:2026Q3:missed`].sort());
    expect(notes.every((n) => n.view === OBLIGATION_VIEWS.escalation && 'member' in n.to && n.to.member === m101)).toBe(true);
    const toOrgan = notes.find((n) => n.key.startsWith(`escalation:${organ.id}`))!.data as unknown as EscalationData;
    expect(toOrgan.status).toBe('missed');
    const branch1 = toOrgan.nodes.find((n) => n.name === '第一党支部（办公室）')!;
    expect(branch1.items.find((i) => i.code === 'B-01')).toEqual({ code: 'B-01', content: expect.any(String), count: 1, perPerson: false });
    expect(branch1.items.find((i) => i.code === 'B-02')!.count).toBe(3); // July, August, September
    expect(branch1.items.find((i) => i.code === 'B-10')).toMatchObject({ count: 30, perPerson: true }); // 10 members × 3 months, counted, not named
    expect(toOrgan.nodes.map((n) => n.name)).toContain('第二党支部（规划处）第一党小组');
    const text = escalationText(toOrgan);
    expect(text.split('\n')[0]).toBe(`示例市发展和改革委员会机关党委：2026年第三季度有 ${toOrgan.nodes.length} 个下级组织的责任清单工作已过期未完成：`);
    expect(text).toContain('B-10 按月交纳党费（30 人次）');
    for (const m of DEMO_MEMBERS) expect(JSON.stringify(toOrgan)).not.toContain(m.name);
    // Once: the next day's scan sends nothing for the same period and state.
    const again = await h.run(h.system, sh('2026-10-09T09:00'), (u) => escalate(u, { period: q3, timezone: TZ, only: 'missed' }));
    expect(again.result).toBe(0);
    expect(again.intents).toEqual([]);
    expect(await h.db.prisma.escalationNotice.count({ where: { periodKey: '2026Q3' } })).toBe(2);
  });

  it('reminds each member once, in one message, of their own duties about to fall due', async () => {
    const at = sh('2026-12-29T09:00'); // three days left in December, the quarter and the year
    const m106 = (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm106' } })).id;
    const m107 = (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm107' } })).id;
    await h.run(await h.member('m107'), sh('2026-12-28T09:00'), (u) => recordDuty(u, { item: 'B-10', text: '12月党费已交', timezone: TZ }));
    const first = await h.run(h.system, at, (u) => memberReminders(u, { timezone: TZ, atRiskDays: 3 }));
    const notes = first.intents.filter((i): i is NotifyIntent => i.type === 'notify');
    expect(first.result).toBe(30);
    expect(notes.every((n) => n.view === OBLIGATION_VIEWS.memberReminder && 'member' in n.to && n.category === 'reminder')).toBe(true);
    const codes = (id: string) => (notes.find((n) => 'member' in n.to && n.to.member === id)!.data as unknown as MemberReminderData).items.map((i) => i.code);
    expect(codes(m106)).toEqual(expect.arrayContaining(['B-10', 'B-11', 'B-17', 'B-18', 'B-23']));
    expect(codes(m107)).not.toContain('B-10'); // recorded
    const text = memberReminderText(notes.find((n) => 'member' in n.to && n.to.member === m106)!.data as unknown as MemberReminderData);
    expect(text).toContain('· B-10 按月交纳党费（2026年12月，还剩 2 天）');
    // The next day: nothing again for the same obligations.
    const again = await h.run(h.system, sh('2026-12-30T09:00'), (u) => memberReminders(u, { timezone: TZ, atRiskDays: 3 }));
    expect(again.result).toBe(0);
  });

  it('scans the 机关党委 and the unit too, and tells their secretary', async () => {
    const nodes = await scannedBranches(h.db.prisma as never);
    expect(nodes.map((n) => n.kind).sort()).toEqual(['BRANCH', 'BRANCH', 'BRANCH', 'ORGAN_COMMITTEE', 'UNIT']);
    const organ = nodes.find((n) => n.kind === 'ORGAN_COMMITTEE')!;
    // 2026-12-25: ten days or fewer left in Q4, no 机关党委委员会议 held.
    const r = await h.run(h.system, sh('2026-12-25T09:00'), (u) => complianceAlerts(u, { branch: organ, thresholds: [10, 3], timezone: TZ }));
    const notes = r.intents.filter((i): i is NotifyIntent => i.type === 'notify');
    expect(notes.map((n) => (n.data as { name: string }).name)).toEqual(expect.arrayContaining(['机关党委委员会议', '党员干部思想动态分析', '廉政警示教育']));
    const m101 = (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm101' } })).id;
    expect(notes.every((n) => 'member' in n.to && n.to.member === m101)).toBe(true);
  });
});
