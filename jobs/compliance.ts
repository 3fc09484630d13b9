// Daily compliance scan: for every branch, the obligations of the current quarter (from the meeting
// kinds' frequency rules, via src/domain/life/compliance.ts) that are at risk; the branch's secretary
// gets one direct message per obligation, period and threshold (a ComplianceAlert unique row is
// written in the same transaction as the message, so re-runs and several instances send nothing more).
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { Outbound } from '../src/chat/types.js';
import { writeOutbox } from '../src/chat/core.js';
import { say } from '../src/chat/wording.js';
import { computeCompliance } from '../src/domain/life/compliance.js';
import { periodOf } from '../src/domain/life/period.js';
import { branchApprover, memberDestination } from '../src/domain/life/sessions.js';
import type { Deliverer } from './deliver.js';

export interface ComplianceScanOptions {
  timezone: string;
  /** Days before a window ends at which to warn; each is its own alert (e.g. 10 and 3). */
  thresholds: number[];
  clock: () => Date;
}

/** The threshold an item with `daysLeft` falls under now (the tightest), or null. */
export function crossedThreshold(daysLeft: number, thresholds: number[]): number | null {
  const hit = thresholds.filter((t) => daysLeft <= t);
  return hit.length ? Math.min(...hit) : null;
}

export async function complianceScan(db: Database, deliverer: Deliverer, log: Logger, o: ComplianceScanOptions): Promise<number> {
  const now = o.clock();
  const period = periodOf('quarter', now, o.timezone);
  const branches = await db.prisma.orgNode.findMany({ where: { kind: 'BRANCH' }, select: { id: true, name: true } });
  let alerts = 0;
  for (const branch of branches) {
    const ids = await db.prisma.$transaction(
      async (tx) => {
        const report = await computeCompliance(tx, { orgNodeId: branch.id, period, now, tz: o.timezone, atRiskDays: Math.max(...o.thresholds) });
        const secretary = await branchApprover(tx, branch.id);
        if (!secretary) return [];
        const chat = await tx.chat.findFirst({ where: { orgNodeId: branch.id, kind: 'GROUP' }, select: { platform: true, tenantKey: true } });
        const to = chat && (await memberDestination(tx, secretary.id, chat.platform, chat.tenantKey));
        if (!to) return [];
        const out: Outbound[] = [];
        for (const item of report.items.filter((i) => i.atRisk)) {
          const threshold = crossedThreshold(item.daysLeft, o.thresholds);
          if (threshold === null) continue;
          const key = { orgNodeId: branch.id, obligationKey: item.obligationKey, periodKey: item.window.key, threshold: `d${threshold}` };
          const created = await tx.complianceAlert.createManyAndReturn({ data: [key], skipDuplicates: true, select: { id: true } });
          // Record the looser thresholds too: a first scan at 2 days left must not warn "10 days" later.
          await tx.complianceAlert.createMany({ data: o.thresholds.filter((t) => t > threshold).map((t) => ({ ...key, threshold: `d${t}` })), skipDuplicates: true });
          if (!created[0]) continue;
          out.push({
            to,
            body: { kind: 'text', text: say('jobs.compliance_alert', { branch: branch.name, name: item.name, period: item.window.label, days: item.daysLeft, required: item.required, held: item.held }) },
            dedupeKey: `compliance:${branch.id}:${item.obligationKey}:${item.window.key}:d${threshold}`,
            category: 'notice',
            memberId: secretary.id,
          });
        }
        return writeOutbox(tx, out);
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
    alerts += ids.length;
    await deliverer.enqueue(ids);
  }
  if (alerts) log.info({ alerts }, 'compliance alerts sent');
  return alerts;
}
