// The help card is generated from the router's declared commands, by role: a plain member sees the member
// commands only, a branch secretary every declared manager command, a 机关党委 post the organ ones, a
// guest how to bind. Every command listed in help has its wording.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouter } from '../../src/chat/bot.js';
import { helpCard, helpReader, helpText } from '../../src/chat/help.js';
import { loadWording, say } from '../../src/chat/wording.js';
import { TokenSigner } from '../../src/chat/token.js';
import type { Audience, CommandSpec } from '../../src/chat/router.js';
import { ServiceHarness } from '../helpers/services.js';

let h: ServiceHarness;
const router = buildRouter({ publicUrl: 'http://localhost', tokens: new TokenSigner('help-test') });
const declared = router.declared();
const lineOf = (c: CommandSpec) => say('help.line', { example: say(`commands.${c.name}.example`), summary: say(`commands.${c.name}.summary`) });
const listedFor = (audience: Audience) => declared.filter((c) => c.help === audience);
const textFor = async (code: string) => helpText(declared, await helpReader(h.db.prisma as never, await h.member(code)));

beforeAll(async () => {
  h = await ServiceHarness.open();
});
afterAll(() => h?.close());

describe('generated help', () => {
  it('has summary and example wording for every command it lists', () => {
    const wording = loadWording();
    const missing = declared.filter((c) => c.help).flatMap((c) => ['summary', 'example'].map((k) => `commands.${c.name}.${k}`)).filter((k) => !wording.has(k));
    expect(missing).toEqual([]);
    expect(listedFor('member').length).toBeGreaterThan(0);
    expect(listedFor('manager').length).toBeGreaterThan(0);
  });

  it('shows a plain member the member commands and no manager or organ command', async () => {
    const text = await textFor('m108');
    for (const c of listedFor('member')) expect(text).toContain(lineOf(c));
    for (const c of [...listedFor('manager'), ...listedFor('organ')]) expect(text).not.toContain(lineOf(c));
    expect(text).not.toContain(say('help.heading_manager'));
  });

  it('shows a branch secretary every declared manager command, and the 机关党委 secretary the organ ones too', async () => {
    const secretary = await textFor('m201');
    for (const c of [...listedFor('member'), ...listedFor('manager')]) expect(secretary).toContain(lineOf(c));
    const organ = await textFor('m101');
    for (const c of [...listedFor('member'), ...listedFor('manager'), ...listedFor('organ')]) expect(organ).toContain(lineOf(c));
    const organiser = await textFor('m102'); // 组织委员: a branch manager without an organ post
    for (const c of listedFor('organ')) expect(organiser).not.toContain(lineOf(c));
  });

  it('tells a guest how to bind, under the usual title', async () => {
    const card = helpCard(declared, await helpReader(h.db.prisma as never, { kind: 'guest' }));
    expect(card.title).toBe('支部助手 · 使用说明');
    expect(card.markdown).toContain(say('help.guest'));
    expect(card.markdown).toContain(lineOf(declared.find((c) => c.name === 'bind')!));
    for (const c of listedFor('manager')) expect(card.markdown).not.toContain(lineOf(c));
  });
});
