// Task prompts (工作提示): a 机关党委 post (书记, 专职副书记, 委员) sends a prompt to every branch chat
// under their 机关党委 and asks how far it got; scheduled prompts (templates in prompts/tasks/,
// fired by jobs/prompt.ts as the system) go to the chats of their audience, filled in per branch.
// Each sending is one PromptBroadcast with one message per chat carrying the broadcast id; the
// delivery report counts the outbox rows of that broadcast.
import type { Tx } from '../db/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { OrgKind } from '../generated/prisma/enums.js';
import { can, organPostNodeIds } from '../access/index.js';
import type { TaskTemplate } from '../domain/prompts/templates.js';
import { computeCompliance } from '../domain/life/compliance.js';
import { periodOf } from '../domain/life/period.js';
import { toLocal } from '../domain/life/time.js';
import { fail, type Unit } from './kernel.js';

/** Longest 工作提示, in characters. */
export const PROMPT_MAX = 1500;

/** Views of this area (src/chat/presenters/prompts.ts renders them). */
export const PROMPT_VIEWS = {
  /** An ad-hoc prompt as a card in a branch chat: AdhocPromptData. */
  adhoc: 'prompts.adhoc',
  /** A scheduled prompt filled in for one branch: ScheduledPromptData. */
  scheduled: 'prompts.scheduled',
} as const;

export interface AdhocPromptData {
  /** Null: the usual title (工作提示). */
  title: string | null;
  text: string;
}

/** The variables a template may use, as data (the presenter writes them out). */
export interface PromptVars {
  branch: string;
  nextMonth?: string;
  themeDayPlans?: Array<{ startsAt: Date; topic: string; place: string | null }>;
  quarter?: string;
  requirements?: Array<{ name: string; group: string | null; required: number; held: number }>;
}

export interface ScheduledPromptData {
  title: string;
  /** The template's body with {{variables}}. */
  body: string;
  vars: PromptVars;
}

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

/** Group chats bound to the audience's org nodes. */
async function targetChats(tx: Tx, audience: Audience) {
  return tx.chat.findMany({
    where: {
      kind: 'GROUP',
      orgNodeId: { not: null },
      ...(audience.orgNodeIds ? { orgNodeId: { in: audience.orgNodeIds } } : {}),
      ...(audience.orgKinds?.length ? { orgNode: { kind: { in: audience.orgKinds } } } : {}),
    },
    select: { id: true, orgNode: { select: { id: true, name: true } } },
    orderBy: { id: 'asc' },
  });
}

/**
 * The 机关党委 a principal sends for: a member's own (where they hold a 机关党委 post), or the one
 * they name among them; the system names one.
 */
async function organsFor(unit: Unit, organId: string | undefined): Promise<string[]> {
  const { tx, principal } = unit;
  if (principal.kind === 'system') {
    const organ = organId ? await tx.orgNode.findUnique({ where: { id: organId }, select: { kind: true } }) : null;
    if (!organ || organ.kind !== 'ORGAN_COMMITTEE') fail('prompts.no_organ');
    return [organId!];
  }
  if (!(await can(tx, principal, 'organ.any'))) fail('prompts.not_allowed');
  const ids = organPostNodeIds(principal);
  const organs = (await tx.orgNode.findMany({ where: { id: { in: ids }, kind: 'ORGAN_COMMITTEE' }, select: { id: true } })).map((o) => o.id);
  if (!organs.length || (organId && !organs.includes(organId))) fail('prompts.not_allowed');
  return organId ? [organId] : organs;
}

/** The prompt, its broadcast and one message per chat of the given branches. */
async function fanOut(unit: Unit, input: { text: string; branchIds: string[]; ref: string; title?: string }): Promise<{ broadcastId: string; chats: number }> {
  const { tx } = unit;
  const prompt = await tx.taskPrompt.create({
    data: { templateId: 'adhoc', title: input.title ?? '', body: input.text, audience: { orgNodeIds: input.branchIds }, schedule: null, createdById: unit.actorId },
  });
  const b = await tx.promptBroadcast.create({ data: { promptId: prompt.id, periodKey: input.ref, text: input.text } });
  const chats = await targetChats(tx, { orgNodeIds: input.branchIds });
  const data: AdhocPromptData = { title: input.title ?? null, text: input.text };
  for (const c of chats) unit.notify({ chat: c.id }, PROMPT_VIEWS.adhoc, data as unknown as Record<string, unknown>, `prompt:${b.id}:${c.id}`, { category: 'prompt', broadcastId: b.id });
  return { broadcastId: b.id, chats: chats.length };
}

/**
 * Send a 工作提示 to every branch chat under the principal's 机关党委 (or `organId`, which the
 * system must name). `ref` names the sending (the chat event, say); default: the time.
 */
export async function sendPrompt(unit: Unit, input: { text: string; organId?: string; ref?: string }): Promise<{ broadcastId: string; chats: number }> {
  const organs = await organsFor(unit, input.organId);
  const text = input.text.trim();
  if (!text) fail('prompts.usage');
  if ([...text].length > PROMPT_MAX) fail('prompts.too_long', { max: PROMPT_MAX });
  const branches = await unit.tx.orgNode.findMany({ where: { parentId: { in: organs }, kind: 'BRANCH' }, select: { id: true } });
  const r = await fanOut(unit, { text, branchIds: branches.map((b) => b.id), ref: input.ref ?? `adhoc:${unit.now.toISOString()}` });
  if (!r.chats) fail('prompts.no_chats');
  unit.audit({ action: 'prompt.broadcast', entityType: 'PromptBroadcast', entityId: r.broadcastId, detail: { chats: r.chats } });
  return r;
}

/**
 * The system's sending to chosen branches (operator tools pick them): no access rule beyond being
 * the system, no audit row (the tool writes its own), and no refusal when no chat is bound
 * (`chats` is 0: the tool decides).
 */
export async function broadcastToBranches(unit: Unit, input: { text: string; branchIds: string[]; ref: string; title?: string }): Promise<{ broadcastId: string; chats: number }> {
  if (unit.principal.kind !== 'system') fail('prompts.not_allowed');
  return fanOut(unit, input);
}

/** Counts of a broadcast's messages: sent, failed (dead letters, cancelled), pending (anything else). */
export async function deliveryReport(tx: Tx | PrismaClient, broadcastId: string): Promise<DeliveryReport> {
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

/**
 * How far a 工作提示 got: a member's own latest one (they must hold a 机关党委 post); the system's
 * `broadcastId`, else the latest of anyone. Null when there is none.
 */
export async function promptReport(unit: Unit, input: { broadcastId?: string } = {}): Promise<{ broadcastId: string; text: string; createdAt: Date; counts: DeliveryReport } | null> {
  const { tx, principal } = unit;
  let where;
  if (principal.kind === 'system') where = input.broadcastId ? { id: input.broadcastId } : { prompt: { templateId: 'adhoc' } };
  else {
    if (!(await can(tx, principal, 'organ.any'))) fail('prompts.not_allowed');
    where = { prompt: { templateId: 'adhoc', createdById: unit.actorId } };
  }
  const last = await tx.promptBroadcast.findFirst({ where, orderBy: { createdAt: 'desc' }, select: { id: true, text: true, createdAt: true } });
  if (!last) return null;
  return { broadcastId: last.id, text: last.text, createdAt: last.createdAt, counts: await deliveryReport(tx, last.id) };
}

/**
 * A scheduled prompt's firing (the system): one broadcast per prompt and local day (a second firing
 * that day sends nothing), one message per chat of its audience, filled in for the chat's node.
 * Nothing for a disabled prompt or one whose template (among `templates`, prompts/tasks/) is gone.
 */
export async function fireScheduledPrompt(unit: Unit, input: { promptId: string; templates: TaskTemplate[]; timezone: string }): Promise<{ broadcastId: string | null; chats: number }> {
  if (unit.principal.kind !== 'system') fail('prompts.not_allowed');
  const { tx, now } = unit;
  const tz = input.timezone;
  const prompt = await tx.taskPrompt.findUnique({ where: { id: input.promptId } });
  const template = prompt && input.templates.find((t) => t.id === prompt.templateId);
  if (!prompt || !prompt.enabled || !template) return { broadcastId: null, chats: 0 };
  const l = toLocal(now, tz);
  const periodKey = `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
  const created = await tx.promptBroadcast.createManyAndReturn({ data: [{ promptId: prompt.id, periodKey, text: template.body }], skipDuplicates: true, select: { id: true } });
  if (!created[0]) return { broadcastId: null, chats: 0 };
  const broadcastId = created[0].id;
  const chats = await targetChats(tx, prompt.audience as Audience);
  for (const c of chats) {
    const data: ScheduledPromptData = { title: template.title, body: template.body, vars: await variables(tx, template, c.orgNode!, now, tz) };
    unit.notify({ chat: c.id }, PROMPT_VIEWS.scheduled, data as unknown as Record<string, unknown>, `prompt:${broadcastId}:${c.id}`, { category: 'prompt', broadcastId });
  }
  return { broadcastId, chats: chats.length };
}

async function variables(tx: Tx, t: TaskTemplate, node: { id: string; name: string }, now: Date, tz: string): Promise<PromptVars> {
  const vars: PromptVars = { branch: node.name };
  const next = periodOf('month', periodOf('month', now, tz).end, tz);
  if (t.variables.includes('nextMonth')) vars.nextMonth = next.label;
  if (t.variables.includes('themeDayPlans')) {
    vars.themeDayPlans = await tx.meetingSession.findMany({
      where: { orgNodeId: node.id, status: { not: 'CANCELLED' }, kind: { code: 'theme_day' }, startsAt: { gte: next.start, lt: next.end } },
      orderBy: { startsAt: 'asc' },
      select: { startsAt: true, topic: true, place: true },
    });
  }
  if (t.variables.includes('quarter') || t.variables.includes('requirements')) {
    const quarter = periodOf('quarter', now, tz);
    vars.quarter = quarter.label;
    if (t.variables.includes('requirements')) {
      const report = await computeCompliance(tx, { orgNodeId: node.id, period: quarter, now, tz, includeDutyItems: false });
      vars.requirements = report.items.map((i) => ({ name: i.name, group: i.group?.name ?? null, required: i.required, held: i.held }));
    }
  }
  return vars;
}
