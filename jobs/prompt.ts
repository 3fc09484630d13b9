// Task prompts (工作提示): recurring templates from prompts/tasks/*.md as BullMQ Job Schedulers in
// their time zone, and ad-hoc prompts a committee writes in the chat or the CLI. Each firing is one
// PromptBroadcast (unique per prompt and period, so a duplicate firing sends nothing) with one outbox
// row per target chat carrying the broadcast id; the delivery report counts those rows.
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
import type { OrgKind } from '../src/generated/prisma/enums.js';
import { writeOutbox } from '../src/chat/core.js';
import { loadTemplates, renderTemplate, TASKS_DIR, type TaskTemplate } from '../src/domain/prompts/templates.js';
import { computeCompliance } from '../src/domain/life/compliance.js';
import { periodOf } from '../src/domain/life/period.js';
import { formatShort, toLocal } from '../src/domain/life/time.js';
import { say } from '../src/chat/wording.js';
import type { Deliverer } from './deliver.js';

export const PROMPT_QUEUE = 'prompt';
const SCHEDULER_PREFIX = 'prompt-';

export interface Audience {
  orgKinds?: OrgKind[];
  orgNodeIds?: string[];
}

export interface DeliveryReport {
  total: number;
  sent: number;
  failed: number;
  pending: number;
}

export interface PromptOptions {
  dir: string;
  timezone: string;
  clock: () => Date;
}

/** Group chats bound to the audience's org nodes. */
async function targetChats(tx: Tx, audience: Audience) {
  return tx.chat.findMany({
    where: {
      kind: 'GROUP',
      orgNodeId: { not: null },
      ...(audience.orgNodeIds?.length ? { orgNodeId: { in: audience.orgNodeIds } } : {}),
      ...(audience.orgKinds?.length ? { orgNode: { kind: { in: audience.orgKinds } } } : {}),
    },
    select: { id: true, platform: true, tenantKey: true, platformChatId: true, orgNode: { select: { id: true, name: true } } },
    orderBy: { id: 'asc' },
  });
}

/** Ad-hoc broadcast written in the caller's transaction: the broadcast row and its outbox messages. */
export async function adhocBroadcast(tx: Tx, input: { text: string; orgNodeIds: string[]; createdById: string | null; periodKey: string; title?: string }): Promise<{ broadcastId: string; messages: Outbound[] }> {
  const prompt = await tx.taskPrompt.create({
    data: { templateId: 'adhoc', title: input.title ?? say('prompts.adhoc_title'), body: input.text, audience: { orgNodeIds: input.orgNodeIds }, schedule: null, createdById: input.createdById },
  });
  const b = await tx.promptBroadcast.create({ data: { promptId: prompt.id, periodKey: input.periodKey, text: input.text } });
  const chats = await targetChats(tx, { orgNodeIds: input.orgNodeIds });
  const messages: Outbound[] = chats.map((c) => ({
    to: { platform: c.platform, tenantKey: c.tenantKey, target: c.platformChatId, targetKind: 'GROUP' },
    body: { kind: 'card', card: { title: prompt.title, tone: 'blue', markdown: input.text, footer: say('prompts.footer') } },
    dedupeKey: `prompt:${b.id}:${c.id}`,
    category: 'prompt',
    broadcastId: b.id,
  }));
  return { broadcastId: b.id, messages };
}

export async function deliveryReport(tx: Tx | Database['prisma'], broadcastId: string): Promise<DeliveryReport> {
  const rows = await tx.outboxMessage.groupBy({ by: ['status'], where: { broadcastId }, _count: { _all: true } });
  const r: DeliveryReport = { total: 0, sent: 0, failed: 0, pending: 0 };
  for (const g of rows) {
    r.total += g._count._all;
    if (g.status === 'SENT') r.sent += g._count._all;
    else if (g.status === 'DEAD' || g.status === 'CANCELLED') r.failed += g._count._all;
    else r.pending += g._count._all;
  }
  return r;
}

export class PromptService {
  private readonly queue;
  readonly opts: PromptOptions;

  constructor(
    private readonly db: Database,
    private readonly backend: QueueBackend,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    opts: Partial<PromptOptions> = {},
  ) {
    this.opts = { dir: TASKS_DIR, timezone: 'Asia/Shanghai', clock: () => new Date(), ...opts };
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

  startWorker() {
    return this.backend.createWorker(PROMPT_QUEUE, (job: Job) => this.fire(String(job.data.promptId)), { concurrency: 2 });
  }

  /** Render and broadcast a scheduled prompt for the current period; a second firing in the same period is a no-op. */
  async fire(promptId: string): Promise<{ broadcastId: string | null; chats: number }> {
    const now = this.opts.clock();
    const tz = this.opts.timezone;
    const templates = new Map(loadTemplates(this.opts.dir).map((t) => [t.id, t]));
    const result = await this.db.prisma.$transaction(
      async (tx) => {
        const prompt = await tx.taskPrompt.findUnique({ where: { id: promptId } });
        const template = prompt && templates.get(prompt.templateId);
        if (!prompt || !prompt.enabled || !template) return { broadcastId: null, ids: [] as string[], chats: 0 };
        const l = toLocal(now, tz);
        const periodKey = `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
        const created = await tx.promptBroadcast.createManyAndReturn({ data: [{ promptId, periodKey, text: template.body }], skipDuplicates: true, select: { id: true } });
        if (!created[0]) return { broadcastId: null, ids: [], chats: 0 };
        const broadcastId = created[0].id;
        const chats = await targetChats(tx, prompt.audience as Audience);
        const messages: Outbound[] = [];
        for (const c of chats) {
          const vars = await this.variables(tx, template, c.orgNode!, now);
          messages.push({
            to: { platform: c.platform, tenantKey: c.tenantKey, target: c.platformChatId, targetKind: 'GROUP' },
            body: { kind: 'card', card: { title: template.title, tone: 'blue', markdown: renderTemplate(template.body, vars), footer: say('prompts.footer') } },
            dedupeKey: `prompt:${broadcastId}:${c.id}`,
            category: 'prompt',
            broadcastId,
          });
        }
        return { broadcastId, ids: await writeOutbox(tx, messages), chats: chats.length };
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
    await this.deliverer.enqueue(result.ids);
    if (result.broadcastId) this.log.info({ promptId, broadcastId: result.broadcastId, chats: result.chats }, 'task prompt broadcast');
    return { broadcastId: result.broadcastId, chats: result.chats };
  }

  private async variables(tx: Tx, t: TaskTemplate, node: { id: string; name: string }, now: Date): Promise<Record<string, string>> {
    const tz = this.opts.timezone;
    const vars: Record<string, string> = { branch: node.name };
    const next = periodOf('month', periodOf('month', now, tz).end, tz);
    if (t.variables.includes('nextMonth')) vars.nextMonth = next.label;
    if (t.variables.includes('themeDayPlans')) {
      const plans = await tx.meetingSession.findMany({
        where: { orgNodeId: node.id, status: { not: 'CANCELLED' }, kind: { code: 'theme_day' }, startsAt: { gte: next.start, lt: next.end } },
        orderBy: { startsAt: 'asc' },
        select: { startsAt: true, topic: true, place: true },
      });
      vars.themeDayPlans = plans.length
        ? plans.map((s) => say('prompts.plan_line', { when: formatShort(s.startsAt, tz), topic: s.topic, place: s.place ?? say('prompts.place_tbd') })).join('\n')
        : say('prompts.no_plans');
    }
    if (t.variables.includes('quarter') || t.variables.includes('requirements')) {
      const quarter = periodOf('quarter', now, tz);
      vars.quarter = quarter.label;
      if (t.variables.includes('requirements')) {
        const report = await computeCompliance(tx, { orgNodeId: node.id, period: quarter, now, tz, includeDutyItems: false });
        vars.requirements = report.items.length
          ? report.items.map((i) => say('prompts.requirement_line', { name: i.group ? `${i.name}（${i.group.name}）` : i.name, required: i.required, held: i.held })).join('\n')
          : say('prompts.no_requirements');
      }
    }
    return vars;
  }
}
