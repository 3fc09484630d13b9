// Daily compliance scan: for every branch, the obligations of the current quarter that are at risk
// (src/services/reminders.ts complianceAlerts decides which deserve an alert and records it); the
// branch's secretary gets one direct message per obligation, period and threshold, written in the
// same transaction as the alert row, so re-runs and several instances send nothing more.
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { Presenters } from '../src/chat/presenters/index.js';
import { complianceAlerts, scannedBranches } from '../src/services/reminders.js';
import type { Deliverer } from './deliver.js';
import { runAsSystem } from './run.js';

export interface ComplianceScanOptions {
  timezone: string;
  /** Days before a window ends at which to warn; each is its own alert (e.g. 10 and 3). */
  thresholds: number[];
  clock: () => Date;
}

/** One transaction per branch; the alerts of each are handed to delivery as soon as they are written. */
export async function complianceScan(db: Database, presenters: Presenters, deliverer: Deliverer, log: Logger, o: ComplianceScanOptions): Promise<number> {
  const now = o.clock();
  let alerts = 0;
  for (const branch of await scannedBranches(db.prisma)) {
    const { result, ids } = await runAsSystem(db, presenters, now, (unit) => complianceAlerts(unit, { branch, thresholds: o.thresholds, timezone: o.timezone }));
    alerts += result;
    await deliverer.enqueue(ids);
  }
  if (alerts) log.info({ alerts }, 'compliance alerts sent');
  return alerts;
}
