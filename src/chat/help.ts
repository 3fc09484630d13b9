// The help card, generated from the router's declared commands (src/chat/router.ts): each command with a
// `help` audience is listed with its wording `commands.<name>.example` and `.summary`. Every member sees
// the 'member' commands; whoever manages a branch also the 'manager' ones; 机关党委 posts also the
// 'organ' ones. Someone not yet bound sees how to bind (the commands open to anyone).
import type { Tx } from '../db/client.js';
import { can, managedBranchIds, type Principal } from '../access/index.js';
import type { Audience, CommandSpec } from './router.js';
import type { Card } from './card.js';
import { say } from './wording.js';

/** Who the help is for: the audiences a principal sees, or 'guest' for someone not bound yet. */
export type HelpReader = Audience[] | 'guest';

export async function helpReader(tx: Tx, principal: Principal): Promise<HelpReader> {
  if (principal.kind !== 'member') return principal.kind === 'system' ? ['member', 'manager', 'organ'] : 'guest';
  const audiences: Audience[] = ['member'];
  if ((await managedBranchIds(tx, principal)).length) audiences.push('manager');
  if (await can(tx, principal, 'organ.any')) audiences.push('organ');
  return audiences;
}

/** `· **example**：summary`, or null when the command has no help wording (it is then not listed). */
function line(c: CommandSpec): string | null {
  try {
    return say('help.line', { example: say(`commands.${c.name}.example`), summary: say(`commands.${c.name}.summary`) });
  } catch {
    return null;
  }
}

/** How a command is used, for a question about it (请假怎么请), or null when it has no help wording. */
export function commandHint(c: CommandSpec, keyword: string): string | null {
  if (!line(c)) return null;
  return say('help.command_hint', { keyword, example: say(`commands.${c.name}.example`), summary: say(`commands.${c.name}.summary`) });
}

const HEADINGS: Record<Audience, string> = { member: 'help.heading_member', manager: 'help.heading_manager', organ: 'help.heading_organ' };

/** The help card's text for `reader`, from the declared commands, in declaration order. */
export function helpText(commands: readonly CommandSpec[], reader: HelpReader): string {
  const listed = (audience: Audience, only?: (c: CommandSpec) => boolean) =>
    commands.filter((c) => c.help === audience && (!only || only(c))).flatMap((c) => line(c) ?? []);
  if (reader === 'guest') return [say('help.guest'), ...listed('member', (c) => c.guard === 'anyone')].join('\n');
  const sections: string[] = [];
  for (const audience of ['member', 'manager', 'organ'] as const) {
    if (!reader.includes(audience)) continue;
    const lines = listed(audience);
    if (audience === 'member') lines.push(say('help.questions'));
    if (lines.length) sections.push([say(HEADINGS[audience]), ...lines].join('\n'));
  }
  return sections.join('\n');
}

/** The help card; `intro` goes first (e.g. "did not understand …"). The title stays 支部助手 · 使用说明. */
export function helpCard(commands: readonly CommandSpec[], reader: HelpReader, intro?: string): Card {
  const body = helpText(commands, reader);
  return { title: say('help.title'), tone: 'blue', markdown: intro ? `${intro}\n\n${body}` : body, footer: say('help.footer') };
}
