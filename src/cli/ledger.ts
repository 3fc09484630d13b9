// export-ledger: write the ledger workbook of a branch or a 机关党委 (by code) and a period (2026Q4,
// 2026-12, 2026 …) to a file, as the system (the operator's own command).
import { writeFile } from 'node:fs/promises';
import type { Database } from '../db/client.js';
import { SYSTEM } from '../access/index.js';
import { Unit } from '../services/kernel.js';
import { ledgerData } from '../services/ledger.js';
import { parsePeriod } from '../domain/life/period.js';
import { DEFAULT_LIFE } from '../domain/life/options.js';
import { DEFAULT_TZ } from '../domain/life/time.js';
import { ledgerWorkbook } from '../chat/presenters/ledger-workbook.js';

export async function exportLedgerFile(db: Database, opts: { code: string; period: string; out: string; timezone?: string; now?: Date }): Promise<{ scope: string; period: string; meetings: number }> {
  const tz = opts.timezone ?? DEFAULT_TZ;
  const now = opts.now ?? new Date();
  const node = await db.prisma.orgNode.findUnique({ where: { code: opts.code }, select: { id: true, kind: true } });
  if (!node || (node.kind !== 'BRANCH' && node.kind !== 'ORGAN_COMMITTEE')) throw new Error(`没有代码为「${opts.code}」的党支部或机关党委`);
  const period = parsePeriod(opts.period, now, tz);
  if (!period) throw new Error(`期间「${opts.period}」无效，例如 2026Q4、2026-12、2026`);
  const data = await db.transaction((scope) => ledgerData(new Unit(scope, SYSTEM, now), { nodeId: node.id, period }, { ...DEFAULT_LIFE, timezone: tz }));
  await writeFile(opts.out, await ledgerWorkbook(data, tz));
  return { scope: data.scope.name, period: period.label, meetings: data.meetings.length };
}
