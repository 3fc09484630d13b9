// Group chats bound to org nodes: a branch's (or 党小组's, 机关党委's) work group, where notices and
// meeting cards go. An administrator of the node, or whoever manages its branch (the 支部书记), binds
// and unbinds; the binding is audited. Chat rows are keyed by platform, tenant and platform chat id.
import { randomUUID } from 'node:crypto';
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { can } from '../access/index.js';
import type { ChatKind, OrgKind, Platform } from '../generated/prisma/enums.js';

export interface ChatRef {
  platform: Platform;
  tenantKey: string;
  platformChatId: string;
  kind?: ChatKind;
  title?: string | null;
}

export interface BoundNode {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentName: string | null;
}

const BINDABLE: OrgKind[] = ['BRANCH', 'GROUP', 'ORGAN_COMMITTEE', 'UNIT', 'WORK_COMMITTEE'];
const nodeSelect = { id: true, code: true, name: true, kind: true, parent: { select: { name: true } } } as const;
const view = (n: { id: string; code: string; name: string; kind: OrgKind; parent: { name: string } | null }): BoundNode => ({ id: n.id, code: n.code, name: n.name, kind: n.kind, parentName: n.parent?.name ?? null });

/** Whether the principal may bind a chat to this node: an administrator over it, or a manager of its branch. */
async function mayBind(unit: Unit, nodeId: string): Promise<boolean> {
  return (await can(unit.tx, unit.principal, 'org.admin', nodeId)) || (await can(unit.tx, unit.principal, 'branch.manage', nodeId)) || (await can(unit.tx, unit.principal, 'organ.manage', nodeId));
}

/**
 * The node `what` names (an org code, or a name: exact first, then the only one containing it), checked
 * for the right to bind. Refuses with chat.bind_unknown / chat.bind_ambiguous / chat.bind_not_allowed.
 */
export async function bindTarget(unit: Unit, input: { what: string }): Promise<BoundNode> {
  const what = input.what.trim();
  if (!what) fail('chat.bind_which');
  const byCode = await unit.tx.orgNode.findUnique({ where: { code: what }, select: nodeSelect });
  let node = byCode && BINDABLE.includes(byCode.kind) ? byCode : null;
  if (!node) {
    const exact = await unit.tx.orgNode.findMany({ where: { name: what, kind: { in: BINDABLE } }, select: nodeSelect, take: 5 });
    const found = exact.length ? exact : await unit.tx.orgNode.findMany({ where: { name: { contains: what }, kind: { in: BINDABLE } }, select: nodeSelect, take: 5 });
    if (!found.length) fail('chat.bind_unknown', { what });
    if (found.length > 1) fail('chat.bind_ambiguous', { what, names: found.map((n) => `${n.name}（${n.code}）`).join('、') });
    node = found[0]!;
  }
  if (!(await mayBind(unit, node.id))) fail('chat.bind_not_allowed');
  return view(node);
}

/** Bind the chat to the node (moving it from another node if it was bound). */
export async function bindChat(unit: Unit, input: { chat: ChatRef; nodeId: string }): Promise<{ node: BoundNode; previous: BoundNode | null; changed: boolean }> {
  const node = await unit.tx.orgNode.findUnique({ where: { id: input.nodeId }, select: nodeSelect });
  if (!node || !BINDABLE.includes(node.kind)) fail('chat.bind_unknown', { what: input.nodeId });
  if (!(await mayBind(unit, node.id))) fail('chat.bind_not_allowed');
  const c = input.chat;
  const key = { platform_tenantKey_platformChatId: { platform: c.platform, tenantKey: c.tenantKey, platformChatId: c.platformChatId } };
  const before = await unit.tx.chat.findUnique({ where: key, select: { id: true, orgNode: { select: nodeSelect } } });
  if (before?.orgNode?.id === node.id) return { node: view(node), previous: view(before.orgNode), changed: false };
  const row = await unit.tx.chat.upsert({
    where: key,
    create: { platform: c.platform, tenantKey: c.tenantKey, platformChatId: c.platformChatId, kind: c.kind ?? 'GROUP', title: c.title ?? null, orgNodeId: node.id },
    update: { orgNodeId: node.id, ...(c.title ? { title: c.title } : {}) },
  });
  unit.audit({ action: 'chat.bound', entityType: 'Chat', entityId: row.id, detail: { node: node.code, previous: before?.orgNode?.code ?? null } });
  return { node: view(node), previous: before?.orgNode ? view(before.orgNode) : null, changed: true };
}

/** Unbind the chat from its node (the chat row stays, unbound). Refuses when it is not bound. */
export async function unbindChat(unit: Unit, input: { chat: ChatRef }): Promise<BoundNode> {
  const c = input.chat;
  const row = await unit.tx.chat.findUnique({
    where: { platform_tenantKey_platformChatId: { platform: c.platform, tenantKey: c.tenantKey, platformChatId: c.platformChatId } },
    select: { id: true, orgNode: { select: nodeSelect } },
  });
  if (!row?.orgNode) fail('chat.not_bound');
  if (!(await mayBind(unit, row.orgNode.id))) fail('chat.bind_not_allowed');
  await unit.tx.chat.update({ where: { id: row.id }, data: { orgNodeId: null } });
  unit.audit({ action: 'chat.unbound', entityType: 'Chat', entityId: row.id, detail: { node: row.orgNode.code } });
  return view(row.orgNode);
}

/** What the chat is bound to (null: not bound). Anyone in the chat may ask. */
export async function chatBinding(unit: Unit, input: { chat: ChatRef }): Promise<BoundNode | null> {
  const c = input.chat;
  const row = await unit.tx.chat.findUnique({
    where: { platform_tenantKey_platformChatId: { platform: c.platform, tenantKey: c.tenantKey, platformChatId: c.platformChatId } },
    select: { orgNode: { select: nodeSelect } },
  });
  return row?.orgNode ? view(row.orgNode) : null;
}

/**
 * An unbound group chat is told how to bind once: the first time this returns true it records the chat
 * (unbound), so later messages there find a row and it returns false.
 */
export async function firstSightOfUnboundGroup(unit: Unit, input: { chat: ChatRef }): Promise<boolean> {
  const c = input.chat;
  const rows = await unit.sql.query<{ id: string }>(
    `INSERT INTO "Chat" (id, platform, "tenantKey", "platformChatId", kind, title) VALUES ($1, $2::"Platform", $3, $4, 'GROUP', $5)
     ON CONFLICT (platform, "tenantKey", "platformChatId") DO NOTHING RETURNING id`,
    [randomUUID(), c.platform, c.tenantKey, c.platformChatId, c.title ?? null],
  );
  return rows.length > 0;
}

export interface ChatListRow {
  platform: Platform;
  tenantKey: string;
  platformChatId: string;
  kind: ChatKind;
  title: string | null;
  node: { code: string; name: string } | null;
}

/** Every known chat and its binding (the operator's view). */
export async function listChats(unit: Unit): Promise<ChatListRow[]> {
  if (unit.principal.kind !== 'system') fail('chat.bind_not_allowed');
  const rows = await unit.tx.chat.findMany({
    where: { kind: 'GROUP' },
    orderBy: [{ platform: 'asc' }, { createdAt: 'asc' }],
    select: { platform: true, tenantKey: true, platformChatId: true, kind: true, title: true, orgNode: { select: { code: true, name: true } } },
  });
  return rows.map((r) => ({ platform: r.platform, tenantKey: r.tenantKey, platformChatId: r.platformChatId, kind: r.kind, title: r.title, node: r.orgNode }));
}
