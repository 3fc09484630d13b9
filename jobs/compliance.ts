// Daily compliance scan: for every branch, 机关党委 and unit, the obligations of the current quarter that are at risk
// (src/services/reminders.ts complianceAlerts decides which deserve an alert and records it); the
// branch's secretary gets one direct message per obligation, period and threshold, written in the
// same transaction as the alert row, so re-runs and several instances send nothing more. Then the
// escalation (src/services/obligations.ts escalate): one summary per level above and period.
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { Presenters } from '../src/chat/presenters/index.js';
import { complianceAlerts, scannedBranches } from '../src/services/reminders.js';
import { escalate, memberReminders } from '../src/services/obligations.js';
import { freezeSnapshots } from '../src/services/dashboard.js';
import { periodOf, previousPeriod } from '../src/domain/life/period.js';
import type { Deliverer } from './deliver.js';
import { runAsSystem } from './run.js';

export interface ComplianceScanOptions {
  timezone: string;
  /** Days before a window ends at which to warn; each is its own alert (e.g. 10 and 3). */
  thresholds: number[];
  clock: () => Date;
  /** Days after a quarter ends at which the 驾驶舱 freezes its figures (DASHBOARD_SNAPSHOT_DAYS). */
  snapshotDays?: number;
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
  // Escalation: what is at risk or missed this quarter, and what the last quarter left missed, told once to the level above.
  const quarter = periodOf('quarter', now, o.timezone);
  let summaries = 0;
  for (const [period, only] of [[previousPeriod(quarter, o.timezone), 'missed'], [quarter, undefined]] as const) {
    const { result, ids } = await runAsSystem(db, presenters, now, (unit) => escalate(unit, { period, timezone: o.timezone, atRiskDays: Math.max(...o.thresholds), only }));
    summaries += result;
    await deliverer.enqueue(ids);
  }
  // Members' own duties about to fall due (党费, 双报到 …): one private message per member and day.
  const reminded = await runAsSystem(db, presenters, now, (unit) => memberReminders(unit, { timezone: o.timezone, atRiskDays: Math.min(...o.thresholds) }));
  await deliverer.enqueue(reminded.ids);
  // The 驾驶舱's last quarter, frozen once its days have passed (one snapshot per 工委, unit and 机关党委).
  const frozen = await runAsSystem(db, presenters, now, (unit) => freezeSnapshots(unit, { timezone: o.timezone, atRiskDays: Math.max(...o.thresholds), afterDays: o.snapshotDays ?? 5 }));
  if (frozen.result) log.info({ snapshots: frozen.result }, 'dashboard snapshots frozen');
  if (alerts || summaries || reminded.result) log.info({ alerts, summaries, members: reminded.result }, 'compliance alerts sent');
  return alerts;
}
