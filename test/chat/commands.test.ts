// The declared text commands of the real bot (src/chat/bot.ts): each command's examples reach it and
// no other (no command shadows another), each listed command has its help wording, and questions
// about a command do not run it (issue 12, point 4).
import { describe, expect, it } from 'vitest';
import { buildRouter } from '../../src/chat/bot.js';
import { TokenSigner } from '../../src/chat/token.js';
import { loadWording } from '../../src/chat/wording.js';
import { REFUSALS } from '../../src/chat/core.js';

const router = buildRouter({ publicUrl: 'https://zhibu.example', tokens: new TokenSigner('t'.repeat(64)) });
const commands = router.declared();
const wording = loadWording();

/** Names of every command whose form `text` has. */
const reaching = (text: string) => router.matchAll(text).map((m) => m.route.name);

describe('declared commands', () => {
  it('are declared, each with at least one example', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.filter((c) => !c.examples?.length).map((c) => c.name), 'commands without examples').toEqual([]);
  });

  it("each take their own examples, and only they do", () => {
    const wrong = commands.flatMap((c) =>
      (c.examples ?? []).flatMap((text) => {
        const got = reaching(text);
        return got.length === 1 && got[0] === c.name ? [] : [`${c.name} example「${text}」reaches [${got.join(', ')}]`];
      }),
    );
    expect(wrong).toEqual([]);
  });

  // The shadowing test proper: for every pair (a, b), none of a's examples has b's form.
  it('never shadow one another', () => {
    const shadows: string[] = [];
    for (const a of commands) {
      for (const b of commands) {
        if (a === b) continue;
        for (const text of a.examples ?? []) {
          if (router.matchAll(text).some((m) => m.route === b)) shadows.push(`${b.name} shadows ${a.name} on「${text}」`);
        }
      }
    }
    expect(shadows).toEqual([]);
  });

  it('have their help wording (summary and example when listed; what when guarded by an ability)', () => {
    const missing = commands.flatMap((c) => {
      const keys = [
        ...(c.help ? ['summary', 'example'] : []),
        // The core's refusal names what was refused: the guard's refusal with commands.<name>.what.
        ...(c.guard && c.guard !== 'anyone' && c.guard !== 'member' ? ['what'] : []),
      ].map((k) => `commands.${c.name}.${k}`);
      return keys.filter((k) => !wording.has(k));
    });
    expect(missing).toEqual([]);
  });

  it('are refused in words that name who may: one refusal per guard, each in the wording', () => {
    expect(Object.values(REFUSALS).filter((k) => !wording.has(k))).toEqual([]);
    expect(new Set(Object.values(REFUSALS)).size).toBe(Object.keys(REFUSALS).length);
  });

  it('own every commands.* wording key (none left from a renamed or removed command)', () => {
    const names = new Set(commands.map((c) => c.name));
    const orphans = [...wording.keys()].filter((k) => k.startsWith('commands.') && !names.has(k.slice('commands.'.length, k.lastIndexOf('.'))));
    expect(orphans).toEqual([]);
  });

  it('have unique names', () => {
    const names = commands.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describe('questions about a command do not run it', () => {
  // The commands that change state or answer with a report, by declared name.
  const CHECKIN = 'meeting.checkin';
  const LEAVE = 'meeting.leave';
  const NOTICE = 'meeting.notice';
  const isCompliance = (name: string) => name === 'compliance' || name.startsWith('compliance.');

  it('names the commands it guards (a rename must update this test)', () => {
    const names = commands.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining([CHECKIN, LEAVE, NOTICE]));
    expect(names.some(isCompliance), 'a compliance command is declared').toBe(true);
  });

  const PHRASES = ['签到情况', '签到了吗', '签到怎么弄', '请假条模板', '通知书怎么写', '承诺完成情况怎么查'];
  it.each(PHRASES)('「%s」reaches neither 签到, 请假, 通知 nor compliance', (text) => {
    const forbidden = (name: string) => [CHECKIN, LEAVE, NOTICE].includes(name) || isCompliance(name);
    expect(reaching(text).filter(forbidden)).toEqual([]);
    expect(forbidden(router.matchCommand(text)?.route.name ?? '')).toBe(false);
  });

  // A question asked right after the keyword is about the command; one inside a free-text argument set off
  // from the keyword is part of what the command sends (issue 18).
  const CHANGING = () => commands.filter((c) => c.changes).map((c) => c.name);
  it.each(['请假要找谁批？', '请假吗', '签到怎么签', '补签怎么弄', '通知明天开会吗', '工作提示怎么发？', '发起承诺有什么要求', '更正签到怎么操作', '请假找谁', '补签的话找谁', '请假的同志请私聊', '结束承诺是啥意思'])(
    '「%s」runs no command that changes anything',
    (text) => {
      expect(reaching(text).filter((n) => CHANGING().includes(n))).toEqual([]);
      expect(CHANGING()).not.toContain(router.matchCommand(text)?.route.name);
    },
  );
  it.each([
    ['工作提示 请各支部组织学习全会精神，大家学习了吗？', 'prompts.send'],
    ['工作提示：本周五前报送主题党日计划，有什么问题请联系组织科', 'prompts.send'],
    ['请假 孩子发烧要去医院，不知道能否赶回来？', 'meeting.leave'],
    ['通知 主题党日 12月5日 14:30 三楼会议室 主题：我们为什么要学习党章', 'meeting.notice'],
    ['补签 会上手机没电了，怎么办只好补签', 'meeting.late'],
  ])('「%s」still reaches its command although its text asks something', (text, name) => {
    expect(reaching(text)).toEqual([name]);
  });
  // Chatter that starts with a command word is not the command (it reaches the question engine or help).
  it.each(['通知收到了', '通知已读', '工作提示收到', '工作提示已阅'])('「%s」runs no command that changes anything', (text) => {
    expect(reaching(text).filter((n) => CHANGING().includes(n))).toEqual([]);
  });
  it.each([
    ['通知主题党日12月5日14:30三楼会议室', 'meeting.notice'],
    ['工作提示请各支部于本周五前报送主题党日计划', 'prompts.send'],
  ])('「%s」written on at once still reaches its command', (text, name) => {
    expect(reaching(text)).toEqual([name]);
  });
  // A command that changes nothing takes no question after its keyword: its arguments name a period or a meeting.
  it.each(['导出台账怎么弄', '导出台账 怎么用？', '签到情况怎么看？', '会议记录是什么意思', '会议记录 在哪里'])('「%s」reaches no command (the question engine or help)', (text) => {
    expect(reaching(text)).toEqual([]);
  });
  it.each([['导出台账 本季度', 'ledger.export'], ['签到情况 主题党日', 'meeting.roll_call'], ['会议记录 主题党日', 'meeting.record'], ['签到情况？', 'meeting.roll_call'], ['我的任务？', 'duties_mine']])('「%s」still reaches its command', (text, name) => {
    expect(reaching(text)).toEqual([name]);
  });
  it.each(['到', '到！', '已到', '已签到', '我到了', '我已签到'])('the roll-call answer「%s」checks in', (text) => {
    expect(router.matchCommand(text)?.route.name).toBe(CHECKIN);
  });
  it.each(['收到', '到了吗', '到哪里签到', '签到了吗？'])('「%s」does not check in', (text) => {
    expect(router.matchCommand(text)?.route.name).not.toBe(CHECKIN);
  });

  it.each(['承诺完成情况', '践诺完成情况'])('「%s」is not compliance (三会一课)', (text) => {
    expect(reaching(text).filter(isCompliance)).toEqual([]);
    expect(isCompliance(router.matchCommand(text)?.route.name ?? '')).toBe(false);
  });
});
