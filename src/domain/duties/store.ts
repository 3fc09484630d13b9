// Responsibility lists in the database: one ResponsibilityList row per (unit, year, version), items below it.
// An import never changes an existing version: it writes the next one, which becomes the active list
// (the write is src/services/duties.ts importDutyList; reading and checking a file is here).
// The active list for a member is the latest version of their unit's list for the current year, or, when
// that year has none yet, of the latest earlier year (then of any year).
import fs from 'node:fs';
import path from 'node:path';
import type { Tx } from '../../db/client.js';
import type { OrgKind } from '../../generated/prisma/enums.js';
import { ListFileError, parseListYaml, type ParsedList } from './list-file.js';
import { parseListXlsx } from './list-xlsx.js';
// The search module (jieba, MiniSearch, pinyin-pro) loads with the first question, not at start.
import type { DutyIndex, DutyItem } from './search.js';

export interface ActiveList {
  id: string;
  unitId: string;
  unitName: string;
  year: number;
  version: number;
}

/** The UNIT an org node belongs to (a branch's 机关党委's unit), or null above or outside a unit. */
export async function unitOf(tx: Tx, orgNodeId: string): Promise<{ id: string; name: string } | null> {
  let id: string | null = orgNodeId;
  for (let i = 0; id && i < 6; i++) {
    const n: { id: string; name: string; kind: OrgKind; parentId: string | null } | null = await tx.orgNode.findUnique({
      where: { id },
      select: { id: true, name: true, kind: true, parentId: true },
    });
    if (!n) return null;
    if (n.kind === 'UNIT') return { id: n.id, name: n.name };
    id = n.parentId;
  }
  return null;
}

/** The list that answers questions for a unit in `year`: its latest version, falling back to the latest year available. */
export async function activeList(tx: Tx, unitId: string, year: number): Promise<ActiveList | null> {
  const select = { id: true, unitId: true, year: true, version: true, unit: { select: { name: true } } } as const;
  const row =
    (await tx.responsibilityList.findFirst({ where: { unitId, year: { lte: year } }, orderBy: [{ year: 'desc' }, { version: 'desc' }], select })) ??
    (await tx.responsibilityList.findFirst({ where: { unitId }, orderBy: [{ year: 'desc' }, { version: 'desc' }], select }));
  return row ? { id: row.id, unitId: row.unitId, unitName: row.unit.name, year: row.year, version: row.version } : null;
}

/** The active list of the unit a member's branch belongs to. */
export async function activeListForBranch(tx: Tx, branchId: string, year: number): Promise<ActiveList | null> {
  const unit = await unitOf(tx, branchId);
  return unit ? activeList(tx, unit.id, year) : null;
}

export async function listItems(tx: Tx, listId: string): Promise<DutyItem[]> {
  const rows = await tx.responsibilityItem.findMany({ where: { listId }, orderBy: { code: 'asc' } });
  return rows.map((r) => ({
    code: r.code,
    level: r.level,
    post: r.post,
    content: r.content,
    frequency: r.frequency,
    evidence: r.evidence,
    source: r.source,
    keywords: r.keywords,
    meetingKind: r.meetingKind,
  }));
}

/**
 * Search indexes by list id, built on first use. A list version never changes once written, so an entry
 * never goes stale: an import makes a new list id, and the old version's index ages out (least recently used).
 */
export class DutyIndexCache {
  private readonly entries = new Map<string, Promise<DutyIndex>>();

  constructor(private readonly max = 16) {}

  get(tx: Tx, listId: string): Promise<DutyIndex> {
    let entry = this.entries.get(listId);
    if (entry) {
      // Refresh its place in the LRU order.
      this.entries.delete(listId);
      this.entries.set(listId, entry);
      return entry;
    }
    entry = Promise.all([listItems(tx, listId), import('./search.js')]).then(([items, search]) => new search.DutyIndex(items));
    entry.catch(() => this.entries.delete(listId));
    this.entries.set(listId, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  has(listId: string): boolean {
    return this.entries.has(listId);
  }
}

// ───────────────────────── Import ─────────────────────────

/** Read and validate a list file; throws ListFileError with every located problem. */
export async function readListFile(file: string, year: number | undefined): Promise<ParsedList> {
  const name = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.xlsx'].includes(ext)) throw new ListFileError([`${name}：文件类型应为 .yaml、.yml 或 .xlsx`]);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    throw new ListFileError([`${name}：无法读取文件（${file}）`]);
  }
  if (ext === '.xlsx') {
    if (year === undefined) throw new ListFileError([`${name}：Excel 清单里没有年度，请用 --year 指定，例如 --year 2027`]);
    return parseListXlsx(data, name, { year });
  }
  const list = parseListYaml(data.toString('utf8'), name);
  if (year !== undefined && list.year !== year) throw new ListFileError([`${name}：year（年度）：文件中为 ${list.year}，与 --year ${year} 不一致`]);
  return list;
}

/** A parsed list's items as ResponsibilityItem rows (import and seed write them the same way). */
export function itemRows(list: ParsedList) {
  return list.items.map((it) => ({
    code: it.id,
    level: it.levelEnum,
    post: it.post,
    content: it.content,
    frequency: it.frequency,
    rule: it.rule ? { ...it.rule } : undefined,
    meetingKind: it.meetingKind,
    evidence: it.evidence,
    source: it.source,
    keywords: it.keywords,
  }));
}
