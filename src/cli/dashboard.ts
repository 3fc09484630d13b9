// `npm run cli -- dashboard report --org <组织编码> --period 2026Q4 --out <文件.xlsx>`: the 驾驶舱's quarterly
// report workbook (季度工作报告制度) of a 工委, unit or 机关党委, as the operator (the system): the same
// figures as the page, from that quarter's frozen snapshot where one was taken.
import { writeFile } from 'node:fs/promises';
import type { PrismaClient } from '../generated/prisma/client.js';
import { SYSTEM } from '../access/index.js';
import { optionOf } from './options.js';
import { nodeByCode } from '../services/org.js';
import { quarterReport } from '../services/dashboard-report.js';
import { runService } from '../services/run.js';
import { DomainError } from '../services/kernel.js';
import { parsePeriod } from '../domain/life/period.js';
import { errorText } from '../chat/presenters/registry.js';
import { reportWorkbook } from '../chat/presenters/dashboard-workbook.js';

export const DASHBOARD_USAGE = `  npm run cli -- dashboard report --org <组织编码> --period <2026Q4> --out <文件.xlsx>
                                       导出工委、单位或机关党委的季度工作报告（Excel，已冻结的季度用快照数据）`;

/** Returns the process exit code. */
export async function dashboardCommand(
  args: string[],
  withPrisma: <T>(fn: (prisma: PrismaClient) => Promise<T>) => Promise<T>,
  o: { timezone: string; atRiskDays: number; now?: Date },
  out: { log(s: string): void; error(s: string): void } = console,
): Promise<number> {
  const opt = optionOf(args);
  const now = o.now ?? new Date();
  const [org, file] = [opt('org'), opt('out')];
  const period = parsePeriod(opt('period') ?? '', now, o.timezone);
  if (args[0] !== 'report' || !org || !file || !period) {
    out.error(`用法：\n${DASHBOARD_USAGE}`);
    return 1;
  }
  return withPrisma(async (prisma) => {
    const node = await nodeByCode(prisma, org);
    if (!node) {
      out.error(`找不到组织编码 ${org}`);
      return 1;
    }
    try {
      const { result: r } = await runService(prisma, SYSTEM, now, (u) => quarterReport(u, { nodeId: node.id, period }, o));
      await writeFile(file, await reportWorkbook(r, o.timezone, now));
      const frozen = r.summary.current.frozenAt ? '（已冻结的季度快照）' : '（实时数据）';
      out.log(`已导出 ${r.node.name} ${r.period.label} 季度工作报告${frozen}：${r.units.length} 个单位，写入 ${file}`);
      return 0;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      out.error(errorText(e, o.timezone));
      return 1;
    }
  });
}
