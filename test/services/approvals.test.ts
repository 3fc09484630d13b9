// Who decides a secretary's own 请假 and 补签, on PGlite and PostgreSQL: never himself. The next
// branch manager (组织委员) when there is one, else a manager of the 机关党委 above; and a request is
// never decided by the member who made it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceHarness } from '../helpers/services.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { decide, requestLate, requestLeave } from '../../src/services/attendance.js';

const at = (iso: string) => new Date(iso);

describe.each(['pglite', 'postgres'] as const)('approvers on %s', (kind) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await ServiceHarness.on(kind);
  }, 60_000);
  afterAll(() => h?.close());

  const notice = async (secretary: string, branch: string, iso: string, topic: string) => {
    const kinds = (await h.run(h.system, at('2026-11-20T10:00:00+08:00'), (u) => branchKinds(u))).result;
    const branchId = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: branch } })).id;
    const draft = { kind: kinds.find((k) => k.code === 'theme_day')!, at: at(iso), place: '会议室', topic, attendeeNames: [], groupName: null };
    return (await h.run(await h.member(secretary), at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId, draft }))).result.session.id;
  };
  const endPost = (code: string, title: 'ORGANIZING_MEMBER') => h.db.prisma.post.updateMany({ where: { member: { employeeNo: code }, title }, data: { until: at('2026-11-21T00:00:00+08:00') } });

  it("sends a secretary's own 补签 to the 组织委员, and refuses his deciding it himself", async () => {
    const s = await notice('m201', 'demo-branch-2', '2026-12-03T15:00:00+08:00', '学习党章');
    const late = await h.run(await h.member('m201'), at('2026-12-04T09:00:00+08:00'), (u) => requestLate(u, { sessionId: s, reason: '主持会议，忘记签到' }));
    expect(late.result.approver?.name).toBe('孙婷');
    expect(late.intents).toEqual([expect.objectContaining({ view: 'meeting.approval_request', to: expect.objectContaining({ member: (await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm202' } })).id }) })]);
    await expect(h.run(await h.member('m201'), at('2026-12-04T10:00:00+08:00'), (u) => decide(u, { requestId: late.result.requestId, approved: true }))).rejects.toMatchObject({ code: 'meeting.no_self_approval' });
    const ok = await h.run(await h.member('m202'), at('2026-12-04T10:00:00+08:00'), (u) => decide(u, { requestId: late.result.requestId, approved: true }));
    expect(ok.result.approved).toBe(true);
  });

  it('goes to the 机关党委 when the branch has no other manager, never back to the secretary', async () => {
    // branch 2 without its 组织委员: the 机关党委书记 (王建国) decides
    await endPost('m202', 'ORGANIZING_MEMBER');
    const s2 = await notice('m201', 'demo-branch-2', '2026-12-10T15:00:00+08:00', '专题学习');
    const r2 = await h.run(await h.member('m201'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s2, reason: '外出调研' }));
    expect(r2.result.approver?.name).toBe('王建国');
    // branch 1, whose secretary is also the 机关党委书记: the 机关党委副书记 (赵磊)
    await endPost('m102', 'ORGANIZING_MEMBER');
    const s1 = await notice('m101', 'demo-branch-1', '2026-12-10T15:00:00+08:00', '专题学习');
    const r1 = await h.run(await h.member('m101'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s1, reason: '到市里开会' }));
    expect(r1.result.approver?.name).toBe('赵磊');
    // an ordinary member's request still goes to the secretary
    const r3 = await h.run(await h.member('m103'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s1, reason: '出差' }));
    expect(r3.result.approver?.name).toBe('王建国');
  });

  it("sends leave from a 机关党委 meeting to the 机关党委书记, and the 书记's own to the 专职副书记", async () => {
    const organ = await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-organ' } });
    const kinds = (await h.run(h.system, at('2026-11-20T10:00:00+08:00'), (u) => branchKinds(u, { kind: 'ORGAN_COMMITTEE' }))).result;
    const draft = { kind: kinds.find((k) => k.code === 'organ_committee')!, at: at('2026-12-15T09:00:00+08:00'), place: '机关党委会议室', topic: '研究年终考核', attendeeNames: [], groupName: null };
    const s = (await h.run(await h.member('m101'), at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId: organ.id, draft }))).result.session.id;
    const committee = await h.db.prisma.post.findFirstOrThrow({ where: { orgNodeId: organ.id, title: 'ORGAN_COMMITTEE_MEMBER', until: null }, select: { member: { select: { employeeNo: true } } } });
    const theirs = await h.run(await h.member(committee.member.employeeNo!), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s, reason: '外出开会' }));
    expect(theirs.result.approver?.name).toBe('王建国');
    const own = await h.run(await h.member('m101'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s, reason: '到省里汇报' }));
    const deputy = await h.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm107' } });
    expect(own.result.approver?.name).toBe(deputy.name);
    const ok = await h.run(await h.member('m107'), at('2026-12-01T10:00:00+08:00'), (u) => decide(u, { requestId: own.result.requestId, approved: true }));
    expect(ok.result.approved).toBe(true);
  });

  it("sends leave from a 党组 meeting (中心组学习) to the 党组书记", async () => {
    const unit = await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-unit' } });
    const kinds = (await h.run(h.system, at('2026-11-20T10:00:00+08:00'), (u) => branchKinds(u, { kind: 'UNIT' }))).result;
    const draft = { kind: kinds.find((k) => k.code === 'center_group_study')!, at: at('2026-12-16T09:00:00+08:00'), place: '党组会议室', topic: '专题学习', attendeeNames: [], groupName: null };
    const s = (await h.run(await h.member('m101'), at('2026-11-20T10:00:00+08:00'), (u) => createNotice(u, { branchId: unit.id, draft }))).result.session.id;
    const leave = await h.run(await h.member('m201'), at('2026-12-01T09:00:00+08:00'), (u) => requestLeave(u, { sessionId: s, reason: '外出调研' }));
    expect(leave.result.approver?.name).toBe('王建国');
  });
});
