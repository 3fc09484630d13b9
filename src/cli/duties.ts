// `npm run cli -- import-duties <file.yaml|xlsx> --unit <code> [--year 2027] [--dry-run] [--by <工号>]`: validate a
// list file and write it as the next version of the unit's list (src/services/duties.ts importDutyList, as the
// system, or as the member with that employee number). Every problem is printed on its own line with its place
// in the file; the exit code is 1 and nothing is written when there is any.
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import { memberPrincipal, SYSTEM, type Principal } from '../access/index.js';
import { DomainError } from '../services/kernel.js';
import { importDutyList, type ImportedList } from '../services/duties.js';
import { memberByEmployeeNo, nodeByCode } from '../services/org.js';
import { runService } from '../services/run.js';
import { ListFileError } from '../domain/duties/list-file.js';
import { readListFile } from '../domain/duties/store.js';

export const IMPORT_DUTIES_USAGE = '用法：npm run cli -- import-duties 责任清单.xlsx --unit demo-unit --year 2027 [--dry-run] [--by 工号]';

export interface ImportRequest {
  /** Path of a .yaml/.yml or .xlsx file. */
  file: string;
  /** OrgNode code of the UNIT the list belongs to. */
  unitCode: string;
  /** Required for xlsx; for YAML it must agree with the file's year when given. */
  year?: number;
  dryRun?: boolean;
  /** Who imports (default: the system, i.e. the operator). */
  by?: Principal;
}

/**
 * Find the unit, read and check the file, and import it. Throws ListFileError with every located problem
 * (the unit first, then the file); a refusal of the service (e.g. not allowed) as DomainError.
 */
export async function importListFile(prisma: PrismaClient, req: ImportRequest): Promise<ImportedList> {
  const name = path.basename(req.file);
  const unit = await nodeByCode(prisma, req.unitCode);
  if (!unit) throw new ListFileError([`${name}：找不到单位代码 ${req.unitCode}`]);
  if (unit.kind !== 'UNIT') throw new ListFileError([`${name}：${req.unitCode}（${unit.name}）不是单位，责任清单按单位导入`]);
  const list = await readListFile(req.file, req.year);
  const { result } = await runService(prisma, req.by ?? SYSTEM, new Date(), (u) => importDutyList(u, { unitId: unit.id, list, file: name, dryRun: req.dryRun }));
  return result;
}

/** Returns the process exit code. `withPrisma` opens the database only once the arguments are right. */
export async function importDutiesCommand(
  args: string[],
  withPrisma: <T>(fn: (prisma: PrismaClient) => Promise<T>) => Promise<T>,
  out: { log(s: string): void; error(s: string): void } = console,
): Promise<number> {
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const valued = new Set(['--unit', '--year', '--by']);
  const file = args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
  const unitCode = opt('unit');
  const yearText = opt('year');
  const byNo = opt('by');
  if (!file || !unitCode || (yearText !== undefined && !/^\d{4}$/.test(yearText)) || (args.includes('--by') && !byNo)) {
    out.error(IMPORT_DUTIES_USAGE);
    return 1;
  }
  const dryRun = args.includes('--dry-run');
  try {
    const r = await withPrisma(async (prisma) => {
      let by: Principal = SYSTEM;
      if (byNo) {
        const member = await memberByEmployeeNo(prisma, byNo);
        if (!member) throw new ListFileError([`找不到工号为 ${byNo} 的党员`]);
        by = memberPrincipal(member, 'cli');
      }
      return importListFile(prisma, { file, unitCode, year: yearText ? Number(yearText) : undefined, dryRun, by });
    });
    out.log(
      r.dryRun
        ? `检查通过：${r.items} 条，没有发现错误；导入后将成为 ${r.unit} ${r.year} 年第 ${r.version} 版（--dry-run 未写入）。`
        : `已导入 ${r.unit} ${r.year} 年责任清单第 ${r.version} 版，共 ${r.items} 条；现在起按这一版回答问题。`,
    );
    return 0;
  } catch (e) {
    if (e instanceof DomainError && e.code === 'errors.not_allowed') {
      out.error(`工号 ${byNo} 不是该单位机关党委的书记或副书记，不能导入责任清单，没有写入。`);
      return 1;
    }
    if (!(e instanceof ListFileError)) throw e;
    out.error(`清单有 ${e.problems.length} 处问题，没有写入：`);
    for (const p of e.problems) out.error(p);
    return 1;
  }
}
