// Obligations (src/domain/obligations/engine.ts) as services: the report over a node and everything
// below it for a period (operators, inspectors, the 机关党委 and the 工委 over what they may see), and
// records that meet the non-meeting items (记录 O-02 …) with their evidence. Meeting items are met by
// holding the meeting, never by a record.
import type { DutyLevel, OrgKind, PostTitle } from '../generated/prisma/enums.js';
import { authorize, can, pathOf, type NodeRef } from '../access/index.js';
import { activeListForBranch } from '../domain/duties/store.js';
import { computeObligations, holderKindOf, PAIR_KIND, POST_HOLDERS, windowsOf, type Obligation, type ObligationReport } from '../domain/obligations/engine.js';
import { periodOf, type PeriodRange } from '../domain/life/period.js';
import { localDay } from '../domain/life/time.js';
import { fail, type Unit } from './kernel.js';

/** The obligations of `nodeId` and every node below it (the whole tree for the system without a node). */
export async function obligationsOf(unit: Unit, input: { nodeId?: string; period: PeriodRange; timezone: string; atRiskDays?: number }): Promise<ObligationReport> {
  if (!input.nodeId && unit.principal.kind !== 'system') fail('errors.internal');
  if (input.nodeId) await authorize(unit.tx, unit.principal, 'tree.view', input.nodeId, 'obligations.what');
  return computeObligations(unit.tx, { rootId: input.nodeId, period: input.period, now: unit.now, tz: input.timezone, atRiskDays: input.atRiskDays });
}

// ───────────────────────── records ─────────────────────────

/** One piece of evidence: a link, or a photo or file sent in the chat (its stored url). */
export interface Evidence {
  kind: 'link' | 'image' | 'file';
  url: string;
  title?: string;
}

export interface RecordInput {
  /** The item: its code (O-02) or a word of it (党费, 述职) that names one item. */
  item: string;
  text: string;
  /** Photos and files sent with it. */
  attachments?: Evidence[];
  /** The org node the chat is about (src/access chatSubject); the acting member's branch when absent. */
  subjectId?: string;
  /** For per-member items, another member of a branch the principal manages. */
  memberId?: string;
  timezone: string;
}

export interface RecordResult {
  recordId: string;
  item: { code: string; content: string };
  node: { id: string; name: string };
  member: { id: string; name: string } | null;
  /** The obligation the record counts toward, after the record. */
  obligation: Pick<Obligation, 'window' | 'required' | 'met' | 'status'> | null;
}

const LEVEL_NODE: Record<DutyLevel, OrgKind> = { PARTY_GROUP: 'UNIT', ORGAN_COMMITTEE: 'ORGAN_COMMITTEE', BRANCH: 'BRANCH' };
const URL = /https?:\/\/[^\s，。；、]+/g;

/** A record's evidence: the links in its text, then the photos and files sent with it. */
export function evidenceOf(text: string, attachments: Evidence[] = []): Evidence[] {
  return [...[...text.matchAll(URL)].map((m) => ({ kind: 'link' as const, url: m[0] })), ...attachments];
}
const PARTY_GROUP_POSTS: PostTitle[] = ['PARTY_GROUP_SECRETARY', 'PARTY_GROUP_MEMBER'];

/** The list item a record names: exact code, else the one non-meeting item whose content or keywords hold the word. */
async function findItem(unit: Unit, branchId: string, word: string, year: number) {
  const list = await activeListForBranch(unit.tx, branchId, year);
  if (!list) fail('duties.no_list');
  const items = await unit.tx.responsibilityItem.findMany({ where: { listId: list.id }, orderBy: { code: 'asc' }, select: { code: true, level: true, post: true, content: true, rule: true, meetingKind: true, keywords: true } });
  const code = word.toUpperCase();
  const exact = items.find((i) => i.code === code);
  if (exact) return { list, item: exact };
  const named = items.filter((i) => i.keywords.includes(word));
  const hits = named.length === 1 ? named : items.filter((i) => !i.meetingKind && (i.content.includes(word) || i.keywords.some((k) => k.includes(word))));
  if (hits.length === 1) return { list, item: hits[0]! };
  if (!hits.length) fail('obligations.no_item', { item: word });
  fail('obligations.which_item', { item: word, list: hits.slice(0, 8).map((i) => `${i.code} ${i.content.slice(0, 24)}`).join('\n') });
}

type ListItem = Awaited<ReturnType<typeof findItem>>['item'];

/** Whose obligation a record of `item` by the acting member meets, and whether they may record it (access checked, nothing written). */
async function holderFor(unit: Unit, item: ListItem, input: { subjectId?: string; memberId?: string }): Promise<{ nodeId: string; member: { id: string; name: string } | null }> {
  const { tx, principal } = unit;
  if (principal.kind !== 'member') fail('errors.internal');
  const me = principal.member;
  const holder = holderKindOf(item);
  const path: NodeRef[] = await pathOf(tx, input.subjectId ?? me.branchId);
  const levelKind = LEVEL_NODE[item.level];
  if (holder === 'member') {
    if (input.memberId && input.memberId !== me.id) {
      const other = await tx.member.findUnique({ where: { id: input.memberId }, select: { id: true, name: true, branchId: true, active: true } });
      if (!other || !other.active) fail('duties.no_member');
      await authorize(tx, principal, 'branch.manage', other.branchId, 'obligations.what_other');
      return { nodeId: other.branchId, member: { id: other.id, name: other.name } };
    }
    return { nodeId: me.branchId, member: { id: me.id, name: me.name } };
  }
  if (holder === 'post') {
    const titles = POST_HOLDERS[item.post]!;
    const mine = me.posts.filter((p) => titles.includes(p.title));
    if (!mine.length) fail('obligations.not_holder', { code: item.code, post: item.post });
    const onPath = mine.find((p) => path.some((n) => n.id === p.orgNodeId)) ?? mine[0]!;
    return { nodeId: onPath.orgNodeId, member: { id: me.id, name: me.name } };
  }
  const node = path.find((n) => n.kind === levelKind) ?? (await pathOf(tx, me.branchId)).find((n) => n.kind === levelKind);
  if (!node) fail('obligations.no_node', { code: item.code });
  const allowed =
    levelKind === 'BRANCH'
      ? await can(tx, principal, 'branch.manage', node.id)
      : levelKind === 'ORGAN_COMMITTEE'
        ? await can(tx, principal, 'organ.manage', node.id)
        : me.posts.some((p) => p.orgNodeId === node.id && PARTY_GROUP_POSTS.includes(p.title)) || (await managesAnOrganUnder(unit, node.id));
  if (!allowed) fail('errors.not_allowed', { what: { key: 'obligations.what_record' } });
  return { nodeId: node.id, member: null };
}

/** One after another: the transaction's connection takes one query at a time (pg deprecates queueing them). */
async function managesAnOrganUnder(u: Unit, unitId: string): Promise<boolean> {
  const organs = await u.tx.orgNode.findMany({ where: { parentId: unitId, kind: 'ORGAN_COMMITTEE' }, select: { id: true } });
  for (const o of organs) if (await can(u.tx, u.principal, 'organ.manage', o.id)) return true;
  return false;
}

/** The item a record names, refused when it is a meeting (met by holding it). */
async function recordableItem(unit: Unit, word: string, timezone: string): Promise<ListItem> {
  if (unit.principal.kind !== 'member') fail('errors.internal');
  const { item } = await findItem(unit, unit.principal.member.branchId, word, localDay(unit.now, timezone).year);
  if (item.meetingKind && holderKindOf(item) !== 'member') fail('obligations.meeting_item', { code: item.code, content: item.content });
  return item;
}

/** Where the item stands for this holder in the window that contains now. */
async function standing(unit: Unit, item: ListItem, nodeId: string, member: { id: string } | null, timezone: string, partner: { id: string } | null = null): Promise<RecordResult['obligation']> {
  const rule = item.rule as { period: PeriodRange['kind']; atLeast: number } | null;
  if (!rule?.period) return null;
  const window = windowsOf(rule, periodOf(rule.period, unit.now, timezone), timezone)[0]!;
  const report = await computeObligations(unit.tx, { rootId: nodeId, period: window, now: unit.now, tz: timezone, itemCodes: [item.code] });
  const here = report.obligations.filter((o) => o.holder.node.id === nodeId);
  // A talk: the pair of the two 委员, else the holder among the two (the member who talked with a 委员).
  const involves = (o: Obligation, id: string) => o.holder.member?.id === id || o.holder.partner?.id === id;
  const ob = partner && member
    ? (here.find((o) => o.holder.kind === 'pair' && involves(o, member.id) && involves(o, partner.id)) ?? here.find((o) => o.holder.kind === 'member' && o.holder.member?.id === member.id) ?? here.find((o) => o.holder.kind === 'member' && o.holder.member?.id === partner.id))
    : here.find((o) => (member ? o.holder.member?.id === member.id : true));
  return ob ? { window: ob.window, required: ob.required, met: ob.met, status: ob.status } : null;
}

/**
 * What a record of `item` by the acting member would meet now, with the same checks as recordDuty and
 * nothing written (the record form opened from an obligation's line). `pair`: the record names a partner (谈心谈话).
 */
export async function dutyRecordTarget(unit: Unit, input: { item: string; subjectId?: string; timezone: string }): Promise<Omit<RecordResult, 'recordId'> & { pair: boolean }> {
  const item = await recordableItem(unit, input.item.trim(), input.timezone);
  const { nodeId, member } = await holderFor(unit, item, input);
  const node = await unit.tx.orgNode.findUniqueOrThrow({ where: { id: nodeId }, select: { id: true, name: true } });
  const obligation = await standing(unit, item, nodeId, member, input.timezone);
  return { item: { code: item.code, content: item.content }, node, member, obligation, pair: item.meetingKind === PAIR_KIND };
}

/**
 * Record that a non-meeting item was done, with its evidence (text, links in it, photos and files): for
 * a per-member item (党费, 双报到) the acting member's own (or, for a manager of their branch, another
 * member's); for a post's item (委员述职) a holder's own; for an item of a node (专题研究, 通报) by a
 * manager of that node, the node on the chat's path at the item's level. Audited.
 */
export async function recordDuty(unit: Unit, input: RecordInput): Promise<RecordResult> {
  const { tx, principal } = unit;
  if (principal.kind !== 'member') fail('errors.internal');
  const me = principal.member;
  const word = input.item.trim();
  const text = input.text.trim();
  if (!word) fail('obligations.usage');
  if ([...text].length > 1000) fail('obligations.too_long', { max: 1000 });
  const item = await recordableItem(unit, word, input.timezone);
  if (!text && !input.attachments?.length) fail('obligations.no_evidence');
  const { nodeId, member } = await holderFor(unit, item, input);

  const evidence = evidenceOf(text, input.attachments);
  // 谈心谈话 is with someone: 记录 谈心谈话 [与]张伟 … counts for both (a member of the same branch), each
  // row naming the other (the engine pairs them).
  let partner: { id: string; name: string } | null = null;
  if (item.meetingKind === PAIR_KIND && member) {
    const named = /^(与|和|同)?\s*([^\s，,。：:]+)/.exec(text);
    const found = named ? await tx.member.findMany({ where: { branchId: nodeId, active: true, name: named[2] }, select: { id: true, name: true } }) : [];
    if (found.length !== 1) fail(named?.[1] ? 'obligations.talk_partner_unknown' : 'obligations.talk_partner', { name: named?.[2] ?? '' });
    if (found[0]!.id === member.id) fail('obligations.talk_partner_unknown', { name: named![2]! });
    partner = found[0]!;
  }
  const row = await tx.dutyRecord.create({
    data: { itemCode: item.code, orgNodeId: nodeId, memberId: member?.id ?? null, partnerId: partner?.id ?? null, occurredAt: unit.now, text: text || '（见附件）', evidence: evidence as never, recordedById: me.id },
    select: { id: true },
  });
  if (partner) await tx.dutyRecord.create({ data: { itemCode: item.code, orgNodeId: nodeId, memberId: partner.id, partnerId: member!.id, occurredAt: unit.now, text: `与${member!.name}：${text}`, evidence: evidence as never, recordedById: me.id } });
  const node = await tx.orgNode.findUniqueOrThrow({ where: { id: nodeId }, select: { id: true, name: true } });
  unit.audit({ action: 'duty.record', entityType: 'DutyRecord', entityId: row.id, detail: { item: item.code, orgNodeId: nodeId, memberId: member?.id ?? null, partnerId: partner?.id ?? null, evidence: evidence.length } });
  const obligation = await standing(unit, item, nodeId, member, input.timezone, partner);
  return { recordId: row.id, item: { code: item.code, content: item.content }, node, member, obligation };
}

// ───────────────────────── escalation ─────────────────────────

/** Views of this area (src/chat/presenters/obligations.ts renders them). */
export const OBLIGATION_VIEWS = {
  /** One summary to the level above: EscalationData. */
  escalation: 'obligations.escalation',
  /** A member's own duties about to fall due: MemberReminderData. */
  memberReminder: 'obligations.member_reminder',
} as const;

export interface EscalationData {
  /** The node told (机关党委, 单位, 工委). */
  to: string;
  period: string;
  status: 'at_risk' | 'missed';
  /** Per node below (a branch, the 机关党委 …): each item with how many of its obligations are in that state. No names of people. */
  nodes: Array<{ name: string; items: Array<{ code: string; content: string; count: number; perPerson: boolean }> }>;
}

/** Who hears of the nodes below: the nearest 机关党委 above a branch or 党小组, the unit above a 机关党委, the 工委 above a unit. */
function levelAbove(path: NodeRef[]): NodeRef | null {
  const kind = path[0]?.kind;
  const want: OrgKind | null = kind === 'BRANCH' || kind === 'GROUP' ? 'ORGAN_COMMITTEE' : kind === 'ORGAN_COMMITTEE' ? 'UNIT' : kind === 'UNIT' ? 'WORK_COMMITTEE' : null;
  return (want && path.slice(1).find((n) => n.kind === want)) || null;
}

const TOLD_POSTS: Partial<Record<OrgKind, PostTitle[]>> = {
  ORGAN_COMMITTEE: ['ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY'],
  UNIT: ['PARTY_GROUP_SECRETARY'],
  WORK_COMMITTEE: ['WORK_COMMITTEE_SECRETARY', 'WORK_COMMITTEE_DEPUTY_SECRETARY', 'WORK_COMMITTEE_STAFF'],
};

/**
 * The daily escalation (the system): obligations of `period` (a quarter) that are at risk or missed tell
 * the level above once, as one summary per node above, period and state (EscalationNotice), sent privately
 * to that node's secretary (else deputy); never a message per item, never a member's name. Returns the
 * number of summaries.
 */
export async function escalate(unit: Unit, input: { period: PeriodRange; timezone: string; atRiskDays?: number; only?: 'missed' }): Promise<number> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const { tx } = unit;
  const report = await computeObligations(tx, { period: input.period, now: unit.now, tz: input.timezone, atRiskDays: input.atRiskDays });
  type Group = { above: NodeRef; status: 'at_risk' | 'missed'; byNode: Map<string, { name: string; items: Map<string, EscalationData['nodes'][number]['items'][number]> }> };
  const groups = new Map<string, Group>();
  const paths = new Map<string, NodeRef[]>();
  for (const o of report.obligations) {
    if (o.status !== 'missed' && (o.status !== 'at_risk' || input.only === 'missed')) continue;
    const nodeId = o.holder.node.id;
    if (!paths.has(nodeId)) paths.set(nodeId, await pathOf(tx, nodeId));
    const above = levelAbove(paths.get(nodeId)!);
    if (!above) continue;
    const key = `${above.id}:${o.status}`;
    const g = groups.get(key) ?? { above, status: o.status, byNode: new Map() };
    groups.set(key, g);
    const node = g.byNode.get(nodeId) ?? { name: o.holder.where, items: new Map() };
    g.byNode.set(nodeId, node);
    const item = node.items.get(o.itemCode) ?? { code: o.itemCode, content: o.content, count: 0, perPerson: o.holder.kind !== 'node' };
    item.count++;
    node.items.set(o.itemCode, item);
  }
  let sent = 0;
  for (const g of groups.values()) {
    const titles = TOLD_POSTS[g.above.kind] ?? [];
    const posts = await tx.post.findMany({ where: { orgNodeId: g.above.id, title: { in: titles }, until: null, member: { active: true } }, select: { title: true, memberId: true } });
    const to = titles.map((t) => posts.find((p) => p.title === t)).find(Boolean);
    if (!to) continue; // nobody to tell yet: told once someone holds the post
    const created = await tx.escalationNotice.createManyAndReturn({ data: [{ nodeId: g.above.id, periodKey: input.period.key, status: g.status, count: [...g.byNode.values()].reduce((a, n) => a + [...n.items.values()].reduce((b, i) => b + i.count, 0), 0) }], skipDuplicates: true, select: { id: true } });
    if (!created[0]) continue;
    const aboveNode = await tx.orgNode.findUniqueOrThrow({ where: { id: g.above.id }, select: { name: true } });
    const data: EscalationData = {
      to: aboveNode.name,
      period: input.period.label,
      status: g.status,
      nodes: [...g.byNode.values()].sort((a, b) => a.name.localeCompare(b.name)).map((n) => ({ name: n.name, items: [...n.items.values()].sort((a, b) => a.code.localeCompare(b.code)) })),
    };
    unit.notify({ member: to.memberId }, OBLIGATION_VIEWS.escalation, data as unknown as Record<string, unknown>, `escalation:${g.above.id}:${input.period.key}:${g.status}`, { category: 'notice' });
    sent++;
  }
  return sent;
}

// ───────────────────────── reminders to members ─────────────────────────

export interface MemberReminderData {
  /** `with`: the other 委员 of a 谈心谈话 pair. */
  items: Array<{ code: string; content: string; window: string; daysLeft: number; with?: string }>;
}

/**
 * The daily reminder of a member's own list duties (党费, 双报到, 承诺 …; the system): obligations held by a
 * member that are at risk now get one private message per member and day listing them, each obligation
 * only once (a ComplianceAlert row per obligation and window, threshold `member`). Returns how many members.
 */
export async function memberReminders(unit: Unit, input: { timezone: string; atRiskDays: number }): Promise<number> {
  if (unit.principal.kind !== 'system') fail('errors.internal');
  const { tx, now } = unit;
  const quarter = periodOf('quarter', now, input.timezone);
  const report = await computeObligations(tx, { period: quarter, now, tz: input.timezone, atRiskDays: input.atRiskDays });
  const byMember = new Map<string, Obligation[]>();
  for (const o of report.obligations) {
    if (o.status !== 'at_risk' || (o.holder.kind !== 'member' && o.holder.kind !== 'pair') || !o.holder.member) continue;
    // A 谈心谈话 pair reminds both 委员.
    for (const m of [o.holder.member, o.holder.partner]) if (m) byMember.set(m.id, [...(byMember.get(m.id) ?? []), o]);
  }
  // One statement records every obligation told about (in chunks); only those new today are sent.
  const all = [...new Map([...byMember.values()].flat().map((o) => [o.key, o])).values()];
  const fresh = new Set<string>();
  for (let i = 0; i < all.length; i += 5000) {
    const rows = all.slice(i, i + 5000).map((o) => ({ orgNodeId: o.holder.node.id, obligationKey: o.key, periodKey: o.window.key, threshold: 'member' }));
    for (const c of await tx.complianceAlert.createManyAndReturn({ data: rows, skipDuplicates: true, select: { obligationKey: true } })) fresh.add(c.obligationKey);
  }
  const day = localDay(now, input.timezone);
  let sent = 0;
  for (const [memberId, obs] of byMember) {
    const items = obs.filter((o) => fresh.has(o.key));
    if (!items.length) continue;
    const other = (o: Obligation) => o.holder.partner && (o.holder.partner.id === memberId ? o.holder.member! : o.holder.partner);
    const data: MemberReminderData = { items: items.map((o) => ({ code: o.itemCode, content: o.content, window: o.window.label, daysLeft: o.daysLeft, ...(other(o) ? { with: other(o)!.name } : {}) })) };
    unit.notify({ member: memberId }, OBLIGATION_VIEWS.memberReminder, data as unknown as Record<string, unknown>, `duties:${memberId}:${day.year}-${day.month}-${day.day}`, { category: 'reminder' });
    sent++;
  }
  return sent;
}
