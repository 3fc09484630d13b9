// The record form opened from an obligation's line (issue 14 point 1), on real PostgreSQL and Redis
// through the console platform: which lines of 我的待办 and 完成情况 get a [记录 …] button, the form it
// opens (privately from a group, and as the H5 page), its submit meeting the obligation through the same
// recordDuty, and the refusals: a button bound to someone else, a forged or expired token, an item that
// is not the member's to record.
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Card } from '../../src/chat/card.js';
import type { HandleResult } from '../../src/chat/core.js';
import { DUTY_FORM_ACTIONS } from '../../src/chat/presenters/duty-forms.js';
import { computeObligations } from '../../src/domain/obligations/engine.js';
import { periodOf } from '../../src/domain/life/period.js';
import { button, ChatDriver, demoChatFor, direct, group } from '../helpers/chat.js';

// Thursday 3 December 2026, 10:00 in Shanghai.
const NOW = new Date('2026-12-03T02:00:00Z');
const TZ = 'Asia/Shanghai';
const labels = (card: Card) => (card.buttons ?? []).map((b) => b.label);
const ack = (r: HandleResult) => (r.status === 'processed' ? r.ack : {});

let app: App;
let chat: ChatDriver;
demoChatFor(NOW, (a, c) => ((app = a), (chat = c)));

/** The member's B-10 (党费) obligation for December 2026, as the engine computes it. */
async function duesStatus(employeeNo: string): Promise<string | undefined> {
  const p = app.db.prisma;
  const m = await p.member.findFirstOrThrow({ where: { employeeNo } });
  const r = await computeObligations(p, { rootId: m.branchId, period: periodOf('month', NOW, TZ), now: NOW, tz: TZ, itemCodes: ['B-10'] });
  return r.obligations.find((o) => o.holder.member?.id === m.id)?.status;
}

async function myDueCard(employeeNo: string): Promise<Card> {
  const before = chat.watch(direct(employeeNo)).length;
  await chat.say(employeeNo, direct(employeeNo), '我还有哪些没完成');
  const e = await chat.waitFor(direct(employeeNo), (x) => chat.watch(direct(employeeNo)).indexOf(x) >= before && !!x.card?.title.startsWith('我的待办'));
  return e.card!;
}

describe('[记录] buttons on the lines that list obligations', () => {
  it('我的待办: one button per open line of the member’s own duties, none for lines already past', async () => {
    const card = await myDueCard('m106');
    // The lines still open this month or year say how to record them; the past months (B-10 October) do not.
    const open = [...new Set([...card.markdown!.matchAll(/· (\S+) [^\n]*做好后发送/g)].map((m) => `记录 ${m[1]}`))];
    expect(open).toEqual(['记录 B-09', '记录 B-10', '记录 B-11', '记录 B-17', '记录 B-18', '记录 B-23']);
    expect(labels(card)).toEqual(open);
  });

  it('完成情况: the branch’s own duty (B-20) only for its managers; a member gets only their own share; never a meeting', async () => {
    await chat.say('m106', group(1), '本季度完成情况');
    const member = (await chat.waitForCard(group(1), '完成情况')).card;
    await chat.say('m101', direct('m101'), '本季度完成情况');
    const secretary = (await chat.waitForCard(direct('m101'), '完成情况')).card;
    expect(member.markdown).toContain('政治体检'); // the line is on both cards
    expect(labels(member)).not.toContain('记录 B-20');
    expect(labels(secretary)[0]).toBe('记录 B-20');
    // Meeting items (B-01 支部党员大会 …) are met by holding the meeting: no button for them.
    for (const l of [...labels(member), ...labels(secretary)]) expect(l).not.toMatch(/记录 B-0[1-8]$/);
    expect(labels(member)).toContain('记录 B-10');
  });
});

describe('the form a button opens', () => {
  it('opens privately from the group, records through recordDuty, and the obligation is done', async () => {
    expect(await duesStatus('m106')).toBe('open');
    await chat.say('m106', group(1), '本季度完成情况');
    const { card } = await chat.waitForCard(group(1), '完成情况');
    const opened = await chat.click('m106', group(1), button(card, '记录 B-10'));
    expect(ack(opened).toast?.text).toBe('记录表单已私信发给您。');
    const form = (await chat.waitForCard(direct('m106'), '记录 B-10')).card;
    expect(form.markdown).toContain('B-10「按月交纳党费」');
    expect(form.markdown).toContain('2026年12月：已完成 0/1 次');
    expect(form.markdown).toContain('照片和文件请在聊天中发送');
    expect(form.form!.fields.map((f) => f.name)).toEqual(['text']);

    // Someone else's form is refused and changes nothing.
    const other = await chat.click('m105', direct('m105'), form.form!, { text: '代交' });
    expect(ack(other).toast?.text).toBe('这个按钮只能由 杨帆 本人操作。');
    expect(await duesStatus('m106')).toBe('open');

    const done = await chat.click('m106', direct('m106'), form.form!, { text: '12月党费已交 https://pay.example/r/9' });
    expect(ack(done).card?.title).toBe('已记录 B-10');
    expect(ack(done).card?.markdown).toBe('已记录 B-10「按月交纳党费」（杨帆）。\n2026年12月：已完成 1/1 次，已达到要求。');
    expect(await duesStatus('m106')).toBe('done');
    const m106 = await app.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm106' } });
    const row = await app.db.prisma.dutyRecord.findFirstOrThrow({ where: { itemCode: 'B-10', memberId: m106.id } });
    expect(row.evidence).toEqual([{ kind: 'link', url: 'https://pay.example/r/9' }]);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'duty.record', entityId: row.id } })).toBe(1);
    // The line is met: no button for it any more.
    expect(labels(await myDueCard('m106'))).not.toContain('记录 B-10');
  });

  it('the same form as an H5 page (platforms whose cards hold no form) records too; a 谈心谈话 form asks for the partner', async () => {
    const card = await myDueCard('m107');
    await chat.click('m107', direct('m107'), button(card, '记录 B-10'));
    const form = (await chat.waitForCard(direct('m107'), '记录 B-10')).card;
    const url = new URL(form.form!.url!);
    const page = await app.server.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('按月交纳党费');
    const post = await app.server.inject({
      method: 'POST',
      url: '/h5/form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ t: url.searchParams.get('t')!, nonce: 'h5-record-form-1', text: '12月党费已交' }).toString(),
    });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('已记录 B-10「按月交纳党费」');
    expect(await duesStatus('m107')).toBe('done');
    // A 谈心谈话 (B-09) is with someone: the form asks for the partner first, on the card and on the page.
    await chat.click('m107', direct('m107'), button(card, '记录 B-09'));
    const talk = (await chat.waitForCard(direct('m107'), '记录 B-09')).card;
    expect(talk.form!.fields[0]!.placeholder).toContain('与张伟');
    const talkUrl = new URL(talk.form!.url!);
    expect((await app.server.inject({ method: 'GET', url: `${talkUrl.pathname}${talkUrl.search}` })).body).toContain('与张伟');
  });

  it('refuses a forged or expired button, and an item that is not the member’s to record', async () => {
    const card = await myDueCard('m108');
    const b = button(card, '记录 B-10');
    const forged = await chat.click('m108', direct('m108'), { token: `${b.token.slice(0, -3)}abc` });
    expect(ack(forged).toast?.text).toBe('这张卡片的按钮无效，请使用群里最新的卡片。');
    const m108 = await app.db.prisma.member.findFirstOrThrow({ where: { employeeNo: 'm108' } });
    const expired = app.tokens.sign({ action: DUTY_FORM_ACTIONS.open, target: JSON.stringify({ i: 'B-10' }), member: m108.id }, 60, new Date(NOW.getTime() - 3_600_000));
    expect(ack(await chat.click('m108', direct('m108'), { token: expired })).toast?.text).toBe('这张卡片已过期，请使用群里最新的卡片。');
    // A validly signed button for the branch's own duty, which only its managers record (a member who lost the post).
    const notTheirs = app.tokens.sign({ action: DUTY_FORM_ACTIONS.open, target: JSON.stringify({ i: 'B-20', s: m108.branchId }), member: m108.id }, 600, NOW);
    const refused = await chat.click('m108', direct('m108'), { token: notTheirs });
    expect(ack(refused).toast?.text).toBe('只有本支部的书记或组织委员才能为本组织记录这项工作。');
    const submitted = app.tokens.sign({ action: DUTY_FORM_ACTIONS.submit, target: JSON.stringify({ i: 'B-20', s: m108.branchId }), member: m108.id }, 600, NOW);
    const refusedSubmit = await chat.click('m108', direct('m108'), { token: submitted }, { text: '已开展政治体检' });
    expect(ack(refusedSubmit).toast?.text).toBe('只有本支部的书记或组织委员才能为本组织记录这项工作。');
    expect(await app.db.prisma.dutyRecord.count({ where: { itemCode: 'B-20' } })).toBe(0);
  });
});
