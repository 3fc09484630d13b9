// `npm run cli -- obligations [--org <组织编码>] --period <2026Q4|2026-12|2026H2|2026> [--status missed,at_risk]`:
// every obligation of the node and the nodes below it (the whole tree without --org) for the period, one
// line each: list item id, holder, due date, status and what met it (src/services/obligations.ts, as
// the system). The last lines count them by status and name any item with a frequency left untracked.
import type { PrismaClient } from '../generated/prisma/client.js';
import { SYSTEM } from '../access/index.js';
import { optionOf } from './options.js';
import { nodeByCode } from '../services/org.js';
import { obligationsOf } from '../services/obligations.js';
import { runService } from '../services/run.js';
import { parsePeriod } from '../domain/life/period.js';
import { formatIso } from '../domain/life/time.js';
import type { Obligation, ObligationStatus } from '../domain/obligations/engine.js';

export const OBLIGATIONS_USAGE = `  npm run cli -- obligations [--org <组织编码>] --period <2026Q4|2026-12|2026H2|2026> [--status missed,at_risk]
                                       列出该组织及下级的全部责任清单义务：条目、责任主体、截止日期、状态、完成依据`;

/** 2026-12-31 */
const formatDate = (d: Date, tz: string) => formatIso(d, tz).slice(0, 10);

const STATUS: Record<ObligationStatus, string> = { done: '已完成', open: '进行中', at_risk: '有风险', missed: '未完成' };
const REASON = { quorum: '到会未过半数', lecturer: '非规定主讲人' } as const;

function holderText(o: Obligation): string {
  const node = o.holder.where;
  if (o.holder.kind === 'node') return node;
  if (o.holder.partner) return `${node} · ${o.holder.member!.name}、${o.holder.partner.name}`;
  return `${node} · ${o.holder.member ? o.holder.member.name : `${o.post}（空缺）`}`;
}

export function obligationLine(o: Obligation, tz: string): string {
  const due = formatDate(new Date(o.window.end.getTime() - 1), tz);
  const met = o.metBy.map((m) => `${formatDate(m.at, tz)} ${m.kind === 'record' ? `记录：${m.what.slice(0, 30)}` : `${m.what}${m.topic ? `「${m.topic}」` : ''}`}`);
  const refused = o.notCounted.map((r) => `${formatDate(r.startsAt, tz)} ${r.kindName}不计入（${REASON[r.reason]}${r.reason === 'quorum' ? ` ${r.attended}/${r.expected}` : ''}）`);
  return [o.itemCode, holderText(o), o.window.label, `截止 ${due}`, `${STATUS[o.status]} ${o.met}/${o.required}`, [...met, ...refused].join('；') || '—'].join('  ');
}

/** Returns the process exit code. */
export async function obligationsCommand(
  args: string[],
  withPrisma: <T>(fn: (prisma: PrismaClient) => Promise<T>) => Promise<T>,
  o: { timezone: string; atRiskDays?: number; now?: Date },
  out: { log(s: string): void; error(s: string): void } = console,
): Promise<number> {
  const opt = optionOf(args);
  const now = o.now ?? new Date();
  const period = parsePeriod(opt('period') ?? '', now, o.timezone);
  const org = opt('org');
  const statuses = opt('status')?.split(',').filter(Boolean);
  if (!period || (args.includes('--org') && !org) || statuses?.some((s) => !(s in STATUS))) {
    out.error(`用法：\n${OBLIGATIONS_USAGE}`);
    return 1;
  }
  return withPrisma(async (prisma) => {
    let nodeId: string | undefined;
    if (org) {
      const node = await nodeByCode(prisma, org);
      if (!node) {
        out.error(`找不到组织编码 ${org}`);
        return 1;
      }
      nodeId = node.id;
    }
    const { result: r } = await runService(prisma, SYSTEM, now, (u) => obligationsOf(u, { nodeId, period, timezone: o.timezone, atRiskDays: o.atRiskDays }));
    const shown = statuses ? r.obligations.filter((x) => statuses.includes(x.status)) : r.obligations;
    out.log(`${period.label}${org ? ` · ${org}` : ''}：共 ${r.obligations.length} 项义务，来自 ${new Set(r.obligations.map((i) => i.itemCode)).size} 个有频次的清单条目`);
    for (const x of shown) out.log(obligationLine(x, o.timezone));
    const count = (s: ObligationStatus) => r.obligations.filter((x) => x.status === s).length;
    out.log(`已完成 ${count('done')}，进行中 ${count('open')}，有风险 ${count('at_risk')}，未完成 ${count('missed')}`);
    for (const u of r.untracked) out.error(`未能跟踪：${u.itemCode}（${u.reason === 'unknown_kind' ? '会议类型不存在' : '没有对应的组织'}）`);
    return r.untracked.length ? 1 : 0;
  });
}
