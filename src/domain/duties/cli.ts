// `npm run cli -- import-duties <file.yaml|xlsx> --unit <code> [--year 2027] [--dry-run]`: validate a list file
// and write it as the next version of the unit's list. Every problem is printed on its own line with its
// place in the file; the exit code is 1 and nothing is written when there is any.
import type { PrismaClient } from '../../generated/prisma/client.js';
import { ListFileError } from './list-file.js';
import { importListFile } from './store.js';

export const IMPORT_DUTIES_USAGE = '用法：npm run cli -- import-duties 责任清单.xlsx --unit demo-unit --year 2027 [--dry-run]';

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
  const valued = new Set(['--unit', '--year']);
  const file = args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
  const unitCode = opt('unit');
  const yearText = opt('year');
  if (!file || !unitCode || (yearText !== undefined && !/^\d{4}$/.test(yearText))) {
    out.error(IMPORT_DUTIES_USAGE);
    return 1;
  }
  const dryRun = args.includes('--dry-run');
  try {
    const r = await withPrisma((prisma) => importListFile(prisma, { file, unitCode, year: yearText ? Number(yearText) : undefined, dryRun }));
    out.log(
      r.dryRun
        ? `检查通过：${r.items} 条，没有发现错误；导入后将成为 ${r.unit} ${r.year} 年第 ${r.version} 版（--dry-run 未写入）。`
        : `已导入 ${r.unit} ${r.year} 年责任清单第 ${r.version} 版，共 ${r.items} 条；现在起按这一版回答问题。`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof ListFileError)) throw e;
    out.error(`清单有 ${e.problems.length} 处问题，没有写入：`);
    for (const p of e.problems) out.error(p);
    return 1;
  }
}
