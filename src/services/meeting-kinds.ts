// The meeting kinds an organ tracks (三会一课, 主题党日 …) with their frequency rules. They are installed as
// norms on every start (src/domain/norms.ts) and an organ may change them: the name, the rule
// (每月1次, 每季度至少1次 …) and the words its secretaries type. Only the operator (the system) changes them;
// every change is audited with what it was before.
import type { Prisma } from '../generated/prisma/client.js';
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import type { FrequencyRule } from '../domain/meeting-kinds.js';

export interface MeetingKindView {
  code: string;
  name: string;
  category: string;
  frequency: FrequencyRule;
  aliases: string[];
}

const select = { id: true, code: true, name: true, category: true, frequency: true, aliases: true } as const;
const view = (k: { code: string; name: string; category: string; frequency: Prisma.JsonValue; aliases: string[] }): MeetingKindView => ({
  code: k.code,
  name: k.name,
  category: k.category,
  frequency: k.frequency as unknown as FrequencyRule,
  aliases: k.aliases,
});

export async function listMeetingKinds(unit: Unit): Promise<MeetingKindView[]> {
  return (await unit.tx.meetingKind.findMany({ select, orderBy: [{ category: 'asc' }, { code: 'asc' }] })).map(view);
}

/** Change a kind's name, rule or aliases; refuses an unknown code. Returns it as it is now, and whether anything changed. */
export async function updateMeetingKind(
  unit: Unit,
  input: { code: string; name?: string; frequency?: FrequencyRule; aliases?: string[] },
): Promise<{ kind: MeetingKindView; changed: boolean }> {
  if (unit.principal.kind !== 'system') fail('errors.not_allowed', { what: { key: 'meeting_kind.what_edit' } });
  const before = await unit.tx.meetingKind.findUnique({ where: { code: input.code }, select });
  if (!before) fail('meeting_kind.unknown', { code: input.code });
  const data: Prisma.MeetingKindUpdateInput = {};
  if (input.name !== undefined && input.name !== before.name) data.name = input.name;
  if (input.frequency && JSON.stringify(input.frequency) !== JSON.stringify(before.frequency)) data.frequency = { ...input.frequency };
  if (input.aliases && input.aliases.join('、') !== before.aliases.join('、')) data.aliases = input.aliases;
  if (!Object.keys(data).length) return { kind: view(before), changed: false };
  const after = await unit.tx.meetingKind.update({ where: { id: before.id }, data, select });
  unit.audit({ action: 'meeting_kind.updated', entityType: 'MeetingKind', entityId: before.id, detail: { code: before.code, before: view(before) as unknown as Prisma.InputJsonValue, after: view(after) as unknown as Prisma.InputJsonValue } });
  return { kind: view(after), changed: true };
}
