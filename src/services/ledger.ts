// The ledger (电子台账) export: who may have a branch's ledger and for which period. The download
// link is signed by the surface that hands it out (chat: src/chat/handlers/life.ts); the file is
// served by src/web/ledger-files.ts, which checks the right again through ledgerAccess.
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { authorize } from '../access/index.js';
import { parsePeriod, periodOf, type PeriodRange } from '../domain/life/period.js';
import { DEFAULT_LIFE, type LifeOptions } from '../domain/life/options.js';

/**
 * Ask for a branch's ledger: `phrase` names the period (本季度, 2026年第四季度, 2026年12月 …; default
 * this quarter). Returns the branch and period the link is for.
 */
export async function requestLedger(unit: Unit, input: { branchId: string; phrase?: string }, o: LifeOptions = DEFAULT_LIFE): Promise<{ branch: { id: string; name: string }; period: PeriodRange }> {
  await ledgerAccess(unit, input.branchId);
  const phrase = (input.phrase ?? '').trim();
  const period = phrase ? parsePeriod(phrase, unit.now, o.timezone) : periodOf('quarter', unit.now, o.timezone);
  if (!period) fail('ledger.bad_period', { text: [...phrase].slice(0, 20).join('') });
  const branch = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: input.branchId }, select: { id: true, name: true } });
  unit.audit({ action: 'ledger.export', entityType: 'OrgNode', entityId: branch.id, detail: { period: period.key } });
  return { branch, period };
}

/** Refuses unless the principal may have this branch's ledger (its managers). */
export async function ledgerAccess(unit: Unit, branchId: string): Promise<void> {
  await authorize(unit.tx, unit.principal, 'branch.manage', branchId, 'ledger.what');
}
