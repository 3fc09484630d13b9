// Organisational-life fixes a first-time user needed, through the chat core on PostgreSQL (with Redis)
// and on embedded PGlite: 修改通知 / 取消会议 pick the right one of two meetings of one kind (by
// date, or from a choice card); 签到情况 lists names privately, never in the group; the secretary's
// own leave and 补签 go to another manager; a 补录 meeting counts in compliance and in the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import { Unit } from '../../src/services/kernel.js';
import { findMember } from '../../src/domain/org.js';
import { memberPrincipal } from '../../src/access/principal.js';
import { decide } from '../../src/services/attendance.js';
import { complianceOf } from '../../src/services/compliance.js';
import { ledgerData } from '../../src/services/ledger.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { parsePeriod } from '../../src/domain/life/period.js';
import { startDemoOn } from '../helpers/app.js';
import { ChatDriver, direct, group } from '../helpers/chat.js';

describe.each(['postgres', 'pglite'] as const)('meeting records on %s', (kind) => {
  let app: App;
  let chat: ChatDriver;
  let drop: (() => Promise<void>) | undefined;
  let now = new Date('2026-11-20T10:00:00+08:00');
  const p = () => app.db.prisma;
  const text = (e: { type: string; text?: string }) => (e.type === 'message' ? (e.text ?? '') : '');
  const said = (c: ReturnType<typeof group>, pred: (t: string) => boolean) => chat.waitFor(c, (e) => pred(text(e)));
  const asMember = async <T>(code: string, fn: (u: Unit) => Promise<T>): Promise<T> => {
    const m = await p().member.findFirstOrThrow({ where: { employeeNo: code } });
    const principal = memberPrincipal((await findMember(p(), m.id))!, 'cli');
    return app.db.transaction((scope) => fn(new Unit(scope, principal, now)));
  };

  beforeAll(async () => {
    ({ app, drop } = await startDemoOn(kind, { clock: () => now }));
    chat = new ChatDriver(app);
    for (const u of ['m101', 'm102', 'm103', 'm107']) chat.watch(direct(u));
    await chat.say('m101', group(1), '通知 主题党日 12月12日 15:00 三楼会议室 主题：学习党章');
    await chat.say('m101', group(1), '通知 主题党日 12月18日 15:00 三楼会议室 主题：重温入党誓词');
    expect(await p().meetingSession.count({ where: { status: 'SCHEDULED' } })).toBe(2);
  }, 120_000);
  afterAll(async () => {
    chat?.close();
    await app?.stop();
    await drop?.();
  });

  const sessionOn = async (day: number) =>
    (await p().meetingSession.findMany({ include: { kind: true } })).find((s) => s.kind.code === 'theme_day' && s.startsAt.getTime() === new Date(`2026-12-${day}T15:00:00+08:00`).getTime())!;

  it('修改通知 picks the meeting by the date written first, and the change after it', async () => {
    await chat.say('m101', group(1), '修改通知 主题党日 12月18日 改为 12月19日 9:30 四楼会议室');
    await said(group(1), (t) => t.startsWith('已修改'));
    const moved = await p().meetingSession.findMany({ where: { status: 'SCHEDULED' }, orderBy: { startsAt: 'asc' } });
    expect(moved.map((s) => [s.topic, s.startsAt.toISOString(), s.place])).toEqual([
      ['学习党章', new Date('2026-12-12T15:00:00+08:00').toISOString(), '三楼会议室'],
      ['重温入党誓词', new Date('2026-12-19T09:30:00+08:00').toISOString(), '四楼会议室'],
    ]);
    // a place only, for the one on the 12th
    await chat.say('m101', group(1), '修改通知 主题党日 12月12日 五楼会议室');
    await said(group(1), (t) => t.includes('五楼会议室'));
    expect((await sessionOn(12)).place).toBe('五楼会议室');
  });

  it('修改通知 keeps the day for a time or range alone, takes 地点改为 as a place, and changes nothing for a question', async () => {
    await chat.say('m101', group(1), '修改通知 主题党日 12月19日 改为 14:30-16:30');
    await said(group(1), (t) => t.startsWith('已修改') && t.includes('14:30'));
    let s = await p().meetingSession.findFirstOrThrow({ where: { topic: '重温入党誓词' } });
    expect([s.startsAt.toISOString(), s.endsAt?.toISOString()]).toEqual([new Date('2026-12-19T14:30:00+08:00').toISOString(), new Date('2026-12-19T16:30:00+08:00').toISOString()]);
    await chat.say('m101', group(1), '修改通知 主题党日 12月19日 地点改为3号教室');
    await said(group(1), (t) => t.startsWith('已修改') && t.includes('3号教室'));
    await chat.say('m101', group(1), '修改通知 主题党日 12月19日 时间改成上午10:30');
    await said(group(1), (t) => t.startsWith('已修改') && t.includes('10:30'));
    s = await p().meetingSession.findFirstOrThrow({ where: { topic: '重温入党誓词' } });
    expect([s.startsAt.toISOString(), s.place]).toEqual([new Date('2026-12-19T10:30:00+08:00').toISOString(), '3号教室']);
    // what a change would touch (jobs may bump other columns meanwhile)
    const sessions = async () => (await p().meetingSession.findMany({ orderBy: { startsAt: 'asc' } })).map((x) => [x.id, x.startsAt.getTime(), x.endsAt?.getTime(), x.place, x.topic, x.status]);
    const before = await sessions();
    const n = chat.texts(group(1)).length;
    for (const q of ['修改通知 主题党日 12月19日 改到下午3点吗？', '修改通知 主题党日 怎么改？']) await chat.say('m101', group(1), q);
    await expect.poll(() => chat.texts(group(1)).slice(n).filter((t) => t.startsWith('这条消息像是在提问，会议没有修改。')).length).toBe(2);
    expect(chat.texts(group(1)).slice(n).filter((t) => t.startsWith('已修改'))).toEqual([]);
    expect(await sessions()).toEqual(before);
  });

  it('取消会议 without a date answers with one button per meeting, and the button cancels that one', async () => {
    await chat.say('m101', group(1), '取消会议 主题党日');
    const { card } = await chat.waitForCard(group(1), '要取消哪一个会议？');
    expect(card.buttons!.map((b) => b.label)).toHaveLength(2);
    expect(await p().meetingSession.count({ where: { status: 'CANCELLED' } })).toBe(0);
    // an ordinary member cannot use the button
    const b = card.buttons!.find((x) => x.label.includes('19日'))!;
    await chat.click('m103', group(1), b);
    expect(await p().meetingSession.count({ where: { status: 'CANCELLED' } })).toBe(0);
    await chat.click('m101', group(1), b);
    const left = await p().meetingSession.findMany({ where: { status: { not: 'CANCELLED' } } });
    expect(left.map((s) => s.topic)).toEqual(['学习党章']);
  });

  it('取消会议 with a date cancels that one only', async () => {
    await chat.say('m101', group(1), '通知 主题党日 12月26日 15:00 三楼会议室 主题：年终学习');
    await chat.say('m101', group(1), '取消会议 主题党日 12月26日');
    await said(group(1), (t) => t.startsWith('已取消 主题党日「年终学习」'));
    expect((await p().meetingSession.findMany({ where: { status: 'SCHEDULED' } })).map((s) => s.topic)).toEqual(['学习党章']);
  });

  it("sends the secretary's own leave and 补签 to another manager, who alone may decide it", async () => {
    await chat.say('m101', group(1), '请假 到市里开会');
    await said(group(1), (t) => t.includes('等待 李秀英 审批'));
    const approval = await chat.waitForCard(direct('m102'), '请假');
    expect(approval.card.title).toBe('请假申请 · 王建国');
    const req = await p().attendanceRequest.findFirstOrThrow({ where: { attendance: { member: { employeeNo: 'm101' } } } });
    await expect(asMember('m101', (u) => decide(u, { requestId: req.id, approved: true }))).rejects.toMatchObject({ code: 'meeting.no_self_approval' });
    await asMember('m102', (u) => decide(u, { requestId: req.id, approved: true }));
    expect((await p().attendance.findUniqueOrThrow({ where: { id: req.attendanceId } })).status).toBe('LEAVE');
  });

  it('签到情况 sends the names privately and never lists them in the group', async () => {
    now = new Date('2026-12-12T14:50:00+08:00');
    await chat.say('m103', group(1), '签到');
    await said(group(1), (t) => t.includes('张伟 已签到') || t.includes('张伟已签到'));
    const before = chat.texts(group(1)).length;
    await chat.say('m102', group(1), '签到情况');
    await said(group(1), (t) => t === '签到情况已私信发给您。');
    const { card } = await chat.waitForCard(direct('m102'), '签到情况');
    const field = (label: string) => card.fields!.find((f) => f.label === label)!.value;
    expect(field('已签到')).toBe('张伟');
    expect(field('请假')).toBe('王建国');
    expect(field('未响应').split('、')).toHaveLength(8);
    // the group got one line and no names; 签到情况 did not check the asker in
    const after = chat.texts(group(1)).slice(before);
    expect(after).toEqual(['签到情况已私信发给您。']);
    expect(chat.watch(group(1)).filter((e) => e.card?.title.startsWith('签到情况'))).toEqual([]);
    expect((await p().attendance.findFirstOrThrow({ where: { member: { employeeNo: 'm102' }, session: { topic: '学习党章' } } })).status).toBe('PENDING');
    // a plain member may not ask
    await chat.say('m104', group(1), '签到情况');
    await said(group(1), (t) => t.includes('才能查看签到情况'));
  });

  it('minutes saved while check-in is still open call nobody absent who has not answered yet', async () => {
    const s = await sessionOn(12);
    const r = await asMember('m102', (u) => saveMinutes(u, { sessionId: s.id, summary: '学习党章。', untitled: (n) => `附件${n}` }));
    expect(r.names).toEqual({ present: ['张伟'], leave: ['王建国'], absent: [] });
  });

  it('补录 enters a meeting held before Zhibu with its attendance and minutes; it counts in compliance and the ledger', async () => {
    now = new Date('2026-12-13T10:00:00+08:00');
    const q4 = parsePeriod('2026Q4', now)!;
    const b1 = (await p().orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    const octoberHeld = async () => (await asMember('m101', (u) => complianceOf(u, { nodeId: b1, period: q4, kindCodes: ['theme_day'] }))).items[0]!.parts.find((x) => x.key === '2026-10')!.held;
    expect(await octoberHeld()).toBe(0);

    await chat.say('m101', group(1), '补录会议');
    await said(group(1), (t) => t === '补录表单已私信发给您。');
    const { card } = await chat.waitForCard(direct('m101'), '补录会议');
    const form = {
      kind: 'theme_day', date: '2026-10-16', time: '14:30-16:00', place: '三楼会议室', topic: '学习二十届四中全会精神', host: '', recorder: '李秀英',
      present: '王建国、李秀英、张伟、陈静、杨帆、赵磊、周涛', leave: '刘洋（出差）', absent: '黄丽（病假未请）、吴敏', observers: '', lecturer: '',
      summary: '集体学习并交流体会。', resolutions: '', attachments: '会议照片 https://example.org/oct.jpg',
    };
    // a future time is refused and nothing is written
    await chat.click('m101', direct('m101'), { token: card.form!.token }, { ...form, date: '2026-12-20' });
    expect(await p().meetingSession.count({ where: { backfilled: true } })).toBe(0);
    await chat.click('m101', direct('m101'), { token: card.form!.token }, form);
    const saved = await chat.waitForCard(direct('m101'), '已补录 · 主题党日');
    expect(saved.card.footer).toBe('应到 10 · 出席 7 · 请假 1 · 缺席 2');
    expect(await octoberHeld()).toBe(1);
    const ledger = await asMember('m101', (u) => ledgerData(u, { nodeId: b1, period: q4 }));
    const m = ledger.meetings.find((x) => x.backfilled)!;
    expect([m.host, m.recorder, m.endsAt?.toISOString(), m.present.length, m.leave, m.absent]).toEqual([
      '王建国', '李秀英', new Date('2026-10-16T16:00:00+08:00').toISOString(), 7, [{ name: '刘洋', reason: '出差' }], [{ name: '黄丽', reason: '病假未请' }, { name: '吴敏', reason: null }],
    ]);
    expect(ledger.plan.find((r) => r.kindCode === 'theme_day' && r.part.key === '2026-10')!.held).toBe(1);
    expect(await p().auditLog.count({ where: { action: 'meeting.backfill' } })).toBe(1);
  });

  it('会议记录 sends the printable record of the latest meeting privately, as a link bound to the asker', async () => {
    await chat.say('m101', group(1), '会议记录 主题党日');
    await said(group(1), (t) => t === '下载链接已私信发给您。');
    const dm = await said(direct('m101'), (t) => t.includes('会议记录（可打印）'));
    const url = /(\/files\/meeting-record\?t=\S+)/.exec(text(dm))![1]!;
    expect(text(dm)).toContain('主题党日「学习党章」');
    const res = await fetch(`${app.url}${url}`);
    expect(res.status).toBe(401); // no identity: the confirmation page, not the record
    expect(await res.text()).not.toContain('学习党章。');
  });

  it('a notice names its 主持人 (主持人：…), else the branch secretary hosts', async () => {
    await chat.say('m101', group(1), '通知 党课 12月20日 09:00 三楼会议室 主持人：李秀英 主题：新时代党的建设');
    await chat.waitForCard(group(1), '会议通知 · 党课');
    const s = await p().meetingSession.findFirstOrThrow({ where: { kind: { code: 'party_lecture' } } });
    expect([s.topic, s.hostId]).toEqual(['新时代党的建设', (await p().member.findFirstOrThrow({ where: { employeeNo: 'm102' } })).id]);
    expect((await sessionOn(12)).hostId).toBe((await p().member.findFirstOrThrow({ where: { employeeNo: 'm101' } })).id);
  });

  it('导出台账 in the 机关党委 chat links the workbook covering every branch, privately', async () => {
    await chat.say('m101', { kind: 'GROUP', id: 'unit' }, '导出台账 本季度');
    const dm = await said(direct('m101'), (t) => t.includes('机关党委 2026年第四季度 组织生活台账'));
    expect(text(dm)).toMatch(/\/files\/ledger\?t=/);
  });
});
