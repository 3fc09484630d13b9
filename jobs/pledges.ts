// Daily pledge reminders (承诺践诺, issue 8 item 4): a maintenance Job Scheduler (PLEDGE_REMIND_CRON,
// default 09:30 in TIMEZONE) runs `run()`, which for every active campaign reminds the members who
// have not submitted, whose pledge was returned, or whose 践诺 report is due (the pledge service
// campaignReminders, src/services/pledges-oversight.ts, run as the system and rendered by the
// presenters), through the same guardrails as meeting reminders:
// - Only at a sendable time (src/domain/guardrails.ts): a working day (Chinese public holidays are
//   off, 调休 make-up weekend days are on) outside quiet hours. A run at any other time sends
//   nothing and queues a one-off run at the next working morning (one delayed job per instant, so
//   repeated holds collapse); that run re-reads who is still missing, so whoever submitted over the
//   holiday is not reminded.
// - The daily nudge budget, counted against the outbox exactly as for meeting reminders
//   (applyNudgeBudget in jobs/remind.ts).
// - Nobody who left the audience: the campaign's audience is synced first (WITHDRAWN with a system
//   audit row, as the manual 催交承诺 does), and the service only asks for current members.
// - At most one reminder per member, campaign, kind and local day (dedupe keys): running twice in a
//   day sends nothing new, and on the deadline day the morning run reminds again.
// A deadline on a non-working day gets no reminder that day; the working days before it had theirs.
import { randomBytes } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import { DEFAULT_GUARDRAILS, isSendableTime, nextWorkingMorning, type GuardrailOptions } from '../src/domain/guardrails.js';
import { SYSTEM } from '../src/access/principal.js';
import { Unit } from '../src/services/kernel.js';
import { activeCampaignIds, campaignReminders } from '../src/services/pledges-oversight.js';
import { buildPresenters, type Presenters } from '../src/chat/presenters/index.js';
import { TokenSigner } from '../src/chat/token.js';
import type { Deliverer } from './deliver.js';
import { applyNudgeBudget, insertReminderOutbox } from './remind.js';

/** Job name on the maintenance queue, for the scheduler's runs and held runs alike. */
export const PLEDGE_REMIND_JOB = 'pledge-remind';
/** The maintenance queue's Job Scheduler id. */
export const PLEDGE_REMIND_SCHEDULER = 'pledge-reminders';

export function heldJobId(at: Date): string {
  return `${PLEDGE_REMIND_JOB}|${at.getTime()}`;
}

export interface PledgeReminderOptions {
  /** Quiet hours, holidays, nudge budget; its `timezone` is the zone reminders are counted and shown in. */
  guardrails: GuardrailOptions;
  clock: () => Date;
  /** The bot's presenters (jobs/index.ts deps.presenters); plain ones for the guardrails' zone when absent (reminders are text, no signed links). */
  presenters?: Presenters;
}

export interface PledgeReminderRun {
  /** Set when nothing was sent because of the time: the run queued for then. */
  heldUntil?: Date;
  campaigns: number;
  /** Outbox rows written (handed to delivery). */
  sent: number;
  /** Reminders already sent today (same dedupe key), not sent again. */
  already: number;
  /** Recipients over their daily nudge budget. */
  overBudget: number;
}

export class PledgeReminders {
  readonly opts: PledgeReminderOptions;
  private readonly presenters: Presenters;

  constructor(
    private readonly db: Database,
    /** The maintenance queue: held runs are added to it as delayed `pledge-remind` jobs. */
    private readonly queue: Queue,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    opts: Partial<PledgeReminderOptions> = {},
  ) {
    this.opts = { guardrails: DEFAULT_GUARDRAILS, clock: () => new Date(), ...opts };
    this.presenters = this.opts.presenters ?? buildPresenters({ tokens: new TokenSigner(randomBytes(32).toString('hex')), timezone: this.opts.guardrails.timezone, publicUrl: '' });
  }

  /** The maintenance worker's handler: a held job carries its instant and never runs before it. */
  process(job: Job): Promise<PledgeReminderRun> {
    const at = Number(job.data?.at);
    const now = this.opts.clock();
    return this.run(Number.isFinite(at) && at > now.getTime() ? new Date(at) : now);
  }

  async run(now: Date = this.opts.clock()): Promise<PledgeReminderRun> {
    const g = this.opts.guardrails;
    if (!isSendableTime(now, g)) {
      const at = nextWorkingMorning(now, g);
      await this.queue.add(PLEDGE_REMIND_JOB, { at: at.getTime() }, { jobId: heldJobId(at), delay: Math.max(0, at.getTime() - this.opts.clock().getTime()), removeOnComplete: true, removeOnFail: { count: 50 } });
      this.log.info({ heldUntil: at.toISOString() }, 'pledge reminders held: not a working day or quiet hours');
      return { heldUntil: at, campaigns: 0, sent: 0, already: 0, overBudget: 0 };
    }
    const result: PledgeReminderRun = { campaigns: 0, sent: 0, already: 0, overBudget: 0 };
    const tz = g.timezone;
    const campaignIds = await this.db.transaction((scope) => activeCampaignIds(new Unit(scope, SYSTEM, now)));
    for (const campaignId of campaignIds) {
      const r = await this.db.transaction(async (scope) => {
        const unit = new Unit(scope, SYSTEM, now);
        if (!(await campaignReminders(unit, { campaignId, tz }))) return { ids: [] as string[], already: 0, overBudget: 0 };
        const { tx } = scope;
        const { outbox: messages } = await this.presenters.outbound(tx, unit.intents, now);
        const existing = messages.length
          ? new Set((await tx.outboxMessage.findMany({ where: { dedupeKey: { in: messages.map((m) => m.dedupeKey) } }, select: { dedupeKey: true } })).map((x) => x.dedupeKey))
          : new Set<string>();
        // Only new reminders spend the budget.
        const fresh = messages.filter((m) => !existing.has(m.dedupeKey));
        const budgeted = await applyNudgeBudget(tx, fresh, now, g);
        const ids = await insertReminderOutbox(tx, budgeted.send, now);
        return { ids, already: existing.size, overBudget: budgeted.skipped.length };
      });
      result.campaigns++;
      result.sent += r.ids.length;
      result.already += r.already;
      result.overBudget += r.overBudget;
      await this.deliverer.enqueue(r.ids).catch((e) => this.log.error({ err: e, campaignId }, 'handing pledge reminders to delivery failed; the sweep will retry'));
    }
    if (result.sent || result.overBudget) this.log.info({ ...result }, 'pledge reminders sent');
    return result;
  }
}
