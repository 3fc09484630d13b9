// The life forms as web pages (router.pages): what each page shows, and that its submit reads the
// values and calls the same service as the card form, as the member the link was made for, on PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouter } from '../../src/chat/bot.js';
import { TokenSigner } from '../../src/chat/token.js';
import { MEETING_ACTIONS } from '../../src/chat/presenters/life.js';
import { ServiceHarness } from '../helpers/services.js';

let h: ServiceHarness;
const router = buildRouter({ publicUrl: 'https://zhibu.example', tokens: new TokenSigner('t'.repeat(64)) });
const page = (action: string) => router.pages.get(action)!;
const NOW = new Date('2026-11-20T10:00:00+08:00');

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('life form pages', () => {
  let branchId: string;
  let sessionId: string;

  it('posts a notice from the notice page to the branch’s work chat', async () => {
    branchId = (await h.db.prisma.orgNode.findUniqueOrThrow({ where: { code: 'demo-branch-1' } })).id;
    const claims = { action: MEETING_ACTIONS.noticeSubmit, target: branchId };
    const spec = await page(MEETING_ACTIONS.noticeSubmit).spec(h.db.prisma, claims, NOW);
    expect(spec?.fields.map((f) => f.name)).toEqual(['kind', 'topic', 'date', 'time', 'place', 'attendees', 'host']);
    const values = { kind: 'theme_day', topic: '学习党章', date: '2026-12-05', time: '14:30', place: '三楼会议室', attendees: '' };
    const r = await h.run(await h.member('m101'), NOW, (u) => page(MEETING_ACTIONS.noticeSubmit).submit(u, claims, values));
    expect(r.result).toBe('通知已发布');
    expect(r.intents).toEqual([expect.objectContaining({ view: 'meeting.notice_card' })]);
    sessionId = (await h.db.prisma.meetingSession.findFirstOrThrow({ where: { topic: '学习党章' } })).id;
    // The time field reads what a secretary writes (issue 18): 两点半 is asked back, 下午两点半 and a range are taken.
    const m101 = await h.member('m101');
    const submit = (v: Record<string, string>) => h.run(m101, NOW, (u) => page(MEETING_ACTIONS.noticeSubmit).submit(u, claims, { ...values, ...v }));
    await expect(submit({ time: '两点半' })).rejects.toMatchObject({ code: 'meeting.when_ambiguous_hour' });
    await expect(submit({ time: '三楼' })).rejects.toMatchObject({ code: 'meeting.form_time_invalid' });
    await expect(submit({ time: '14:30 三楼' })).rejects.toMatchObject({ code: 'meeting.form_time_invalid' });
    await submit({ date: '2026-12-12', time: '下午两点半', topic: '学习条例' });
    await submit({ date: '2026-12-19', time: '14:30-16:30', topic: '学习准则' });
    const times = await h.db.prisma.meetingSession.findMany({ where: { topic: { in: ['学习条例', '学习准则'] } }, orderBy: { startsAt: 'asc' }, select: { startsAt: true, endsAt: true } });
    expect(times.map((t) => [t.startsAt.toISOString(), t.endsAt?.toISOString() ?? null])).toEqual([
      ['2026-12-12T06:30:00.000Z', null],
      ['2026-12-19T06:30:00.000Z', '2026-12-19T08:30:00.000Z'],
    ]);
    await expect(h.run(await h.member('m103'), NOW, (u) => page(MEETING_ACTIONS.noticeSubmit).submit(u, claims, values))).rejects.toMatchObject({ code: 'errors.not_allowed' });
  });

  it('files a leave request from the leave page', async () => {
    const claims = { action: MEETING_ACTIONS.leaveSubmit, target: sessionId };
    expect((await page(MEETING_ACTIONS.leaveSubmit).spec(h.db.prisma, claims, NOW))?.title).toBe('请假 · 主题党日「学习党章」');
    const r = await h.run(await h.member('m104'), NOW, (u) => page(MEETING_ACTIONS.leaveSubmit).submit(u, claims, { reason: '出差在外' }));
    expect(r.result).toBe('已提交 主题党日「学习党章」 的请假申请，等待 王建国 审批，结果会通知您。');
    expect(r.intents).toEqual([expect.objectContaining({ view: 'meeting.approval_request', category: 'approval' })]);
  });

  it('saves minutes from the minutes page, and shows them when reopened', async () => {
    const claims = { action: MEETING_ACTIONS.minutesSubmit, target: sessionId };
    const values = { summary: '学习党章', resolutions: '', speakers: '王建国', attachments: 'https://pan.example.cn/s/a' };
    const after = new Date('2026-12-05T18:00:00+08:00');
    const r = await h.run(await h.member('m101'), after, (u) => page(MEETING_ACTIONS.minutesSubmit).submit(u, claims, values));
    expect(r.result).toBe('纪实已保存');
    expect(r.audits).toEqual([expect.objectContaining({ action: 'meeting.minutes' })]);
    const spec = await page(MEETING_ACTIONS.minutesSubmit).spec(h.db.prisma, claims, after);
    expect(spec?.fields.find((f) => f.name === 'attachments')?.value).toBe('附件1 https://pan.example.cn/s/a');
    expect((await h.db.prisma.meetingSession.findUniqueOrThrow({ where: { id: sessionId } })).status).toBe('HELD');
  });
});
