// Task prompts (工作提示) on a schedule: recurring templates from prompts/tasks/*.md as BullMQ Job
// Schedulers in their time zone. A firing runs fireScheduledPrompt (src/services/prompts.ts, which
// also holds the ad-hoc prompts a committee sends from the chat or the CLI) as the system: one
// PromptBroadcast per prompt and period (a duplicate firing sends nothing), one message per chat.
//
// Schedulers are reconciled from the TaskPrompt table at start: templates on disk are synced into
// the table (a template whose file or schedule is gone is disabled), every enabled scheduled prompt
// gets `upsertJobScheduler(prompt-<id>)` (an upsert: restarts create no duplicates), and schedulers
// of prompts no longer enabled are removed.
import type { Job } from 'bullmq';
import type { Database, Tx } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { QueueBackend } from '../src/queue/backend.js';
import type { Outbound } from '../src/chat/types.js';
import type { Presenters } from '../src/chat/presenters/index.js';
import { asSql } from '../src/db/sql.js';
import { SYSTEM } from '../src/access/index.js';
import { Unit } from '../src/services/kernel.js';
import { broadcastToBranches, fireScheduledPrompt } from '../src/services/prompts.js';
import { loadTemplates, TASKS_DIR, type TaskTemplate } from '../src/domain/prompts/templates.js';
import type { Deliverer } from './deliver.js';
import { jobPresenters, runAsSystem } from './run.js';

// For the operator CLI (jobs/cli.ts).
export { deliveryReport } from '../src/services/prompts.js';

export const PROMPT_QUEUE = 'prompt';
const SCHEDULER_PREFIX = 'prompt-';

export interface PromptOptions {
  dir: string;
  timezone: string;
  clock: () => Date;
  /** Renders the prompts (plain ones when absent, see jobs/run.ts). */
  presenters?: Presenters;
}

/**
 * The operator CLI's sending (jobs/cli.ts) to branches it picked, in its transaction: the broadcast
 * and its messages, for the CLI to write. Kept for the CLI until it calls sendPrompt
 * (src/services/prompts.ts) with the system principal.
 */
export async function adhocBroadcast(tx: Tx, input: { text: string; orgNodeIds: string[]; createdById: null; periodKey: string; title?: string }): Promise<{ broadcastId: string; messages: Outbound[] }> {
  const now = new Date();
  const unit = new Unit({ tx, sql: asSql(tx), mark: () => 0, changedSince: () => true }, SYSTEM, now);
  const { broadcastId } = await broadcastToBranches(unit, { text: input.text, branchIds: input.orgNodeIds, ref: input.periodKey, title: input.title });
  const { outbox } = await jobPresenters({ timezone: 'Asia/Shanghai', publicUrl: '' }).outbound(tx, unit.intents, now);
  return { broadcastId, messages: outbox };
}

export class PromptService {
  private readonly queue;
  private readonly presenters: Presenters;
  readonly opts: PromptOptions;

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    opts: Partial<PromptOptions> = {},
  ) {
    this.opts = { dir: TASKS_DIR, timezone: 'Asia/Shanghai', clock: () => new Date(), ...opts };
    this.presenters = jobPresenters({ presenters: this.opts.presenters, timezone: this.opts.timezone, publicUrl: '' });
    this.queue = backend.createQueue(PROMPT_QUEUE);
  }

  /** Templates on disk → TaskPrompt rows. */
  async syncTemplates(templates: TaskTemplate[] = loadTemplates(this.opts.dir)): Promise<void> {
    const p = this.db.prisma;
    for (const t of templates) {
      await p.taskPrompt.upsert({
        where: { templateId_schedule: { templateId: t.id, schedule: t.cron } },
        create: { templateId: t.id, title: t.title, schedule: t.cron, tz: t.tz, audience: t.audience, enabled: true },
        update: { title: t.title, tz: t.tz, audience: t.audience, enabled: true },
      });
    }
    const keep = new Set(templates.map((t) => `${t.id}|${t.cron}`));
    const existing = await p.taskPrompt.findMany({ where: { templateId: { not: 'adhoc' }, enabled: true }, select: { id: true, templateId: true, schedule: true } });
    const gone = existing.filter((e) => !keep.has(`${e.templateId}|${e.schedule}`)).map((e) => e.id);
    if (gone.length) await p.taskPrompt.updateMany({ where: { id: { in: gone } }, data: { enabled: false } });
  }

  /** TaskPrompt rows → Job Schedulers (upsert each, remove the rest). */
  async reconcile(): Promise<{ active: number; removed: number }> {
    const prompts = await this.db.prisma.taskPrompt.findMany({ where: { enabled: true, schedule: { not: null } }, select: { id: true, schedule: true, tz: true } });
    const wanted = new Set<string>();
    for (const p of prompts) {
      const id = `${SCHEDULER_PREFIX}${p.id}`;
      wanted.add(id);
      await this.queue.upsertJobScheduler(id, { pattern: p.schedule!, tz: p.tz }, { name: 'prompt', data: { promptId: p.id }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
    }
    let removed = 0;
    for (const s of await this.queue.getJobSchedulers(0, -1)) {
      if (s.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(s.key)) {
        await this.queue.removeJobScheduler(s.key);
        removed++;
      }
    }
    return { active: wanted.size, removed };
  }

  /** Schedulers of enabled prompts that the queue backend does not have (emptied Redis). */
  async missingSchedulers(): Promise<string[]> {
    const prompts = await this.db.prisma.taskPrompt.findMany({ where: { enabled: true, schedule: { not: null } }, select: { id: true } });
    const have = new Set((await this.queue.getJobSchedulers(0, -1)).map((s) => s.key));
    return prompts.map((p) => `${SCHEDULER_PREFIX}${p.id}`).filter((id) => !have.has(id));
  }

  startWorker() {
    return this.backend.createWorker(PROMPT_QUEUE, (job: Job) => this.fire(String(job.data.promptId)), { concurrency: 2 });
  }

  /** Broadcast a scheduled prompt for the current period (src/services/prompts.ts); a second firing in the same period is a no-op. */
  async fire(promptId: string): Promise<{ broadcastId: string | null; chats: number }> {
    const templates = loadTemplates(this.opts.dir);
    const { result, ids } = await runAsSystem(this.db, this.presenters, this.opts.clock(), (unit) => fireScheduledPrompt(unit, { promptId, templates, timezone: this.opts.timezone }));
    await this.deliverer.enqueue(ids);
    if (result.broadcastId) this.log.info({ promptId, broadcastId: result.broadcastId, chats: result.chats }, 'task prompt broadcast');
    return result;
  }
}
