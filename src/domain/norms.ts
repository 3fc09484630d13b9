// Norms every organ gets, demo or real: the standard meeting kinds (with their frequency rules) and the
// default responsibility list (三级责任清单) as version 1 for each unit that has none. They are rules from
// the regulations, not demo data, so the service installs them on every start (only what is missing:
// an organ's own edits are kept) and the roster import gives each new unit the default list; an organ
// edits its list afterwards with `import-duties`.
import type { Tx } from '../db/client.js';
import { STANDARD_MEETING_KINDS } from './meeting-kinds.js';
import { readDefaultList } from './duties/list-file.js';
import { itemRows } from './duties/store.js';

/** Insert the standard meeting kinds that are missing (by code); returns how many were added. */
export async function installMeetingKinds(tx: Tx): Promise<number> {
  const r = await tx.meetingKind.createMany({
    data: STANDARD_MEETING_KINDS.map((k) => ({ ...k, frequency: { ...k.frequency } })),
    skipDuplicates: true,
  });
  return r.count;
}

/** Give each of these units without a responsibility list the default list as version 1; returns the units served. */
export async function installDefaultDutyLists(tx: Tx, unitIds: string[], year?: number): Promise<number> {
  if (!unitIds.length) return 0;
  const have = new Set((await tx.responsibilityList.findMany({ where: { unitId: { in: unitIds } }, select: { unitId: true } })).map((l) => l.unitId));
  const missing = unitIds.filter((id) => !have.has(id));
  if (!missing.length) return 0;
  const list = readDefaultList();
  const items = itemRows(list);
  for (const unitId of missing) {
    const row = await tx.responsibilityList.create({ data: { unitId, year: year ?? list.year, version: 1, sourceFile: 'prisma/seed/responsibility-list.yaml' }, select: { id: true } });
    await tx.responsibilityItem.createMany({ data: items.map((it) => ({ ...it, listId: row.id })) });
  }
  return missing.length;
}
