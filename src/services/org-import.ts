// Import of the organisation and the roster (组织与党员.xlsx, checked by src/domain/roster/file.ts): works out
// what changes against the database and, unless it is a dry run, applies it in the Unit's transaction.
// Incremental and idempotent: the second import of the same file changes nothing. Org nodes are matched by
// code and members by 工号: a member who moved keeps their id and so their history; a member of the file's
// organisations who is absent from the file is marked left (never deleted), is no longer expected at upcoming
// meetings and is not reminded (reminders and expected sets take active members only). Post changes, moves
// and departures write audit rows; the import itself one more.
import { randomUUID } from 'node:crypto';
import type { Unit } from './kernel.js';
import { fail } from './kernel.js';
import { can } from '../access/index.js';
import type { OrgKind, Platform, PostTitle } from '../generated/prisma/enums.js';
import type { Roster, RosterMember } from '../domain/roster/file.js';
import { installDefaultDutyLists, installMeetingKinds } from '../domain/norms.js';
import { withdrawFromUpcoming } from './attendance.js';

export type ImportStep = 'orgs' | 'members' | 'posts' | 'accounts';

export interface ImportRosterInput {
  roster: Roster;
  dryRun?: boolean;
  /** Called as the import advances (long imports show progress). */
  onProgress?: (step: ImportStep, done: number, total: number) => void;
}

export interface OrgLine {
  code: string;
  name: string;
  kind: OrgKind;
  /** For a changed node: what changed (name, kind, parent). */
  changes?: string[];
}

export interface MemberLine {
  employeeNo: string;
  name: string;
  /** Org names: where the member was and is (moves), or where they were (left). */
  from?: string;
  to?: string;
  /** Left: TRANSFERRED_OUT | SUSPENDED | NOT_ON_ROSTER; changed: the fields (name, mobile). */
  reason?: string;
  changes?: string[];
}

export interface PostLine {
  employeeNo: string;
  name: string;
  title: PostTitle;
  /** Name of the node the post is held at. */
  at: string;
}

export interface RosterDiff {
  dryRun: boolean;
  file: string;
  /** missing: org nodes under the file's top nodes that the file no longer lists (kept, not deleted). */
  orgs: { added: OrgLine[]; changed: OrgLine[]; missing: OrgLine[]; total: number };
  members: { added: MemberLine[]; changed: MemberLine[]; moved: MemberLine[]; left: MemberLine[]; rejoined: MemberLine[]; unchanged: number; total: number };
  posts: { added: PostLine[]; removed: PostLine[] };
  accounts: { added: number; changed: number; unchanged: number };
  /** Upcoming meetings' expected rows withdrawn (members who left or moved). */
  withdrawn: number;
  /** Units given the default responsibility list. */
  dutyLists: number;
}

interface NodeRow {
  id: string;
  code: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
}

interface MemberRow {
  id: string;
  employeeNo: string | null;
  name: string;
  branchId: string;
  groupId: string | null;
  active: boolean;
  mobile: string | null;
  leftReason: string | null;
}

const CHUNK = 2000;
const chunks = <T>(xs: T[]): T[][] => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

/** Who may import: the system (the operator's CLI), or an administrator (or a 机关党委 manager) of every top node of the file. */
async function authorizeImport(unit: Unit, roster: Roster, nodes: Map<string, NodeRow>): Promise<void> {
  if (unit.principal.kind === 'system') return;
  const tops = roster.orgs.filter((o) => !o.parentCode || !roster.orgs.some((p) => p.code === o.parentCode));
  for (const top of tops) {
    const node = nodes.get(top.code);
    if (!node || !((await can(unit.tx, unit.principal, 'org.admin', node.id)) || (await can(unit.tx, unit.principal, 'organ.manage', node.id)))) {
      fail('errors.not_allowed', { what: { key: 'roster.what_import' } });
    }
  }
}

export async function importRoster(unit: Unit, input: ImportRosterInput): Promise<RosterDiff> {
  const { tx, now } = unit;
  const { roster } = input;
  const dryRun = !!input.dryRun;
  const progress = input.onProgress ?? (() => {});

  // ── org nodes ──
  const existing = await tx.orgNode.findMany({ where: { code: { in: roster.orgs.map((o) => o.code) } }, select: { id: true, code: true, name: true, kind: true, parentId: true } });
  const nodes = new Map<string, NodeRow>(existing.map((n) => [n.code, n]));
  await authorizeImport(unit, roster, nodes);
  const nameById = new Map(existing.map((n) => [n.id, n.name]));
  const idOf = new Map(existing.map((n) => [n.code, n.id]));
  for (const o of roster.orgs) if (!idOf.has(o.code)) idOf.set(o.code, randomUUID());
  const orgByCode = new Map(roster.orgs.map((o) => [o.code, o]));
  const depth = (code: string): number => {
    let d = 0;
    for (let o = orgByCode.get(code); o?.parentCode && d < 16; o = orgByCode.get(o.parentCode)) d++;
    return d;
  };
  const added: OrgLine[] = [];
  const changed: OrgLine[] = [];
  const newNodes: Array<{ id: string; code: string; name: string; kind: OrgKind; parentId: string | null }> = [];
  const nodeUpdates: Array<{ id: string; name: string; kind: OrgKind; parentId: string | null }> = [];
  for (const o of [...roster.orgs].sort((a, b) => depth(a.code) - depth(b.code))) {
    const parentId = o.parentCode ? idOf.get(o.parentCode)! : null;
    const before = nodes.get(o.code);
    if (!before) {
      newNodes.push({ id: idOf.get(o.code)!, code: o.code, name: o.name, kind: o.kind, parentId });
      added.push({ code: o.code, name: o.name, kind: o.kind });
      continue;
    }
    const changes = [before.name !== o.name && 'name', before.kind !== o.kind && 'kind', before.parentId !== parentId && 'parent'].filter((c): c is string => !!c);
    if (changes.length) {
      changed.push({ code: o.code, name: o.name, kind: o.kind, changes });
      nodeUpdates.push({ id: before.id, name: o.name, kind: o.kind, parentId });
    }
  }
  for (const o of roster.orgs) nameById.set(idOf.get(o.code)!, o.name);
  const nodeName = (id: string | null) => (id ? (nameById.get(id) ?? id) : '');

  // ── members ──
  // The file's scope: every node under its top nodes as they are in the database now, and the file's own.
  const topIds = roster.orgs.filter((o) => !o.parentCode).map((o) => idOf.get(o.code)!).filter((id) => existing.some((n) => n.id === id));
  const scope = new Set<string>(roster.orgs.map((o) => idOf.get(o.code)!));
  if (topIds.length) {
    const down = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `WITH RECURSIVE down AS (
         SELECT id, 0 AS depth FROM "OrgNode" WHERE id = ANY($1::text[])
         UNION ALL SELECT o.id, down.depth + 1 FROM "OrgNode" o JOIN down ON o."parentId" = down.id WHERE down.depth < 16)
       SELECT id FROM down`,
      topIds,
    );
    down.forEach((r) => scope.add(r.id));
  }
  const listed = new Set(roster.orgs.map((o) => o.code));
  const missingNodes = await tx.orgNode.findMany({ where: { id: { in: [...scope] }, code: { notIn: [...listed] } }, select: { code: true, name: true, kind: true }, orderBy: { code: 'asc' } });
  const memberColumns = `id, "employeeNo", name, "branchId", "groupId", active, mobile, "leftReason"`;
  const dbMembers = await unit.sql.query<MemberRow>(`SELECT ${memberColumns} FROM "Member" WHERE "employeeNo" = ANY($1::text[])`, [roster.members.map((m) => m.employeeNo)]);
  const inScope = await unit.sql.query<MemberRow>(`SELECT ${memberColumns} FROM "Member" WHERE "branchId" = ANY($1::text[]) AND active`, [[...scope]]);
  const byNo = new Map(dbMembers.map((m) => [m.employeeNo!, m]));
  const fileNos = new Set(roster.members.map((m) => m.employeeNo));

  const diff: RosterDiff = {
    dryRun,
    file: roster.file,
    orgs: { added, changed, missing: [], total: roster.orgs.length },
    members: { added: [], changed: [], moved: [], left: [], rejoined: [], unchanged: 0, total: roster.members.length },
    posts: { added: [], removed: [] },
    accounts: { added: 0, changed: 0, unchanged: 0 },
    withdrawn: 0,
    dutyLists: 0,
  };
  diff.orgs.missing = missingNodes.map((n) => ({ code: n.code, name: n.name, kind: n.kind }));
  const memberId = new Map<string, string>();
  const creates: Array<{ id: string; employeeNo: string; name: string; branchId: string; groupId: string | null; active: boolean; mobile: string | null; leftReason: string | null; leftAt: Date | null }> = [];
  const updates: Array<{ id: string; name: string; branchId: string; groupId: string | null; active: boolean; mobile: string | null; leftReason: string | null; leftAt: Date | null }> = [];
  const withdraw: Array<{ id: string; keep: string[] }> = [];
  const line = (m: RosterMember, more: Partial<MemberLine> = {}): MemberLine => ({ employeeNo: m.employeeNo, name: m.name, ...more });

  for (const m of roster.members) {
    const branchId = idOf.get(m.branchCode)!;
    const groupId = m.groupCode ? idOf.get(m.groupCode)! : null;
    const active = m.status === 'ACTIVE';
    const leftReason = active ? null : m.status;
    const before = byNo.get(m.employeeNo);
    if (!before) {
      const id = randomUUID();
      memberId.set(m.employeeNo, id);
      creates.push({ id, employeeNo: m.employeeNo, name: m.name, branchId, groupId, active, mobile: m.mobile, leftReason, leftAt: active ? null : now });
      diff.members.added.push(line(m, { to: nodeName(groupId ?? branchId) }));
      continue;
    }
    memberId.set(m.employeeNo, before.id);
    let touched = false;
    if (before.active && !active) {
      diff.members.left.push(line(m, { from: nodeName(before.groupId ?? before.branchId), reason: m.status }));
      withdraw.push({ id: before.id, keep: [] });
      touched = true;
    } else if (!before.active && active) {
      diff.members.rejoined.push(line(m, { to: nodeName(groupId ?? branchId) }));
      touched = true;
    }
    if (before.branchId !== branchId || before.groupId !== groupId) {
      if (before.branchId !== branchId && active) {
        diff.members.moved.push(line(m, { from: nodeName(before.branchId), to: nodeName(branchId) }));
        if (before.active) withdraw.push({ id: before.id, keep: [branchId, ...(groupId ? [groupId] : [])] });
      } else if (active && !touched) diff.members.changed.push(line(m, { changes: ['group'], from: nodeName(before.groupId ?? before.branchId), to: nodeName(groupId ?? branchId) }));
      touched = true;
    }
    const fields = [before.name !== m.name && 'name', (before.mobile ?? null) !== m.mobile && 'mobile'].filter((c): c is string => !!c);
    if (fields.length && !touched) diff.members.changed.push(line(m, { changes: fields }));
    if (!active && !before.active && before.leftReason !== leftReason) fields.push('status');
    if (touched || fields.length) {
      updates.push({ id: before.id, name: m.name, branchId, groupId, active, mobile: m.mobile, leftReason, leftAt: active ? null : before.active ? now : null });
    } else diff.members.unchanged++;
  }
  const leftIds: string[] = [];
  for (const m of inScope) {
    if (m.employeeNo && fileNos.has(m.employeeNo)) continue;
    leftIds.push(m.id);
    withdraw.push({ id: m.id, keep: [] });
    diff.members.left.push({ employeeNo: m.employeeNo ?? '', name: m.name, from: nodeName(m.groupId ?? m.branchId), reason: 'NOT_ON_ROSTER' });
  }

  // ── posts ──
  const wanted = new Map<string, { memberId: string; orgNodeId: string; title: PostTitle; m: RosterMember }>();
  for (const m of roster.members) {
    if (m.status !== 'ACTIVE') continue;
    for (const p of m.posts) {
      const row = { memberId: memberId.get(m.employeeNo)!, orgNodeId: idOf.get(p.orgCode)!, title: p.title, m };
      wanted.set(`${row.memberId}|${row.orgNodeId}|${row.title}`, row);
    }
  }
  const known = [...new Set([...dbMembers.map((m) => m.id), ...leftIds])];
  const current = await unit.sql.query<{ id: string; memberId: string; orgNodeId: string; title: PostTitle; until: Date | null }>(
    `SELECT id, "memberId", "orgNodeId", title::text AS title, until FROM "Post" WHERE "memberId" = ANY($1::text[])`,
    [known],
  );
  const currentByKey = new Map(current.map((p) => [`${p.memberId}|${p.orgNodeId}|${p.title}`, p]));
  const who = new Map<string, { employeeNo: string; name: string }>([...dbMembers, ...inScope].map((m) => [m.id, { employeeNo: m.employeeNo ?? '', name: m.name }]));
  for (const m of roster.members) who.set(memberId.get(m.employeeNo)!, { employeeNo: m.employeeNo, name: m.name });
  const postCreates: Array<{ memberId: string; orgNodeId: string; title: PostTitle; since: Date }> = [];
  const postReopen: string[] = [];
  const postClose: string[] = [];
  for (const [key, w] of wanted) {
    const p = currentByKey.get(key);
    if (p && p.until === null) continue;
    if (p) postReopen.push(p.id);
    else postCreates.push({ memberId: w.memberId, orgNodeId: w.orgNodeId, title: w.title, since: now });
    diff.posts.added.push({ employeeNo: w.m.employeeNo, name: w.m.name, title: w.title, at: nodeName(w.orgNodeId) });
  }
  for (const p of current) {
    if (p.until !== null || wanted.has(`${p.memberId}|${p.orgNodeId}|${p.title}`)) continue;
    postClose.push(p.id);
    const m = who.get(p.memberId)!;
    diff.posts.removed.push({ employeeNo: m.employeeNo, name: m.name, title: p.title, at: nodeName(p.orgNodeId) });
  }

  // ── platform accounts ──
  const accountRows = roster.accounts.map((a) => ({ platform: a.platform as Platform, tenantKey: a.tenantKey, platformUserId: a.platformUserId, memberId: memberId.get(a.employeeNo)! }));
  const boundNow = new Map<string, { id: string; memberId: string }>();
  if (accountRows.length) {
    const rows = await unit.sql.query<{ id: string; platform: string; tenantKey: string; platformUserId: string; memberId: string }>(
      `SELECT id, platform::text AS platform, "tenantKey", "platformUserId", "memberId" FROM "PlatformIdentity" WHERE "platformUserId" = ANY($1::text[])`,
      [accountRows.map((a) => a.platformUserId)],
    );
    rows.forEach((r) => boundNow.set(`${r.platform}|${r.tenantKey}|${r.platformUserId}`, r));
  }
  const accountCreates: typeof accountRows = [];
  const accountMoves: Array<{ id: string; memberId: string }> = [];
  for (const a of accountRows) {
    const b = boundNow.get(`${a.platform}|${a.tenantKey}|${a.platformUserId}`);
    if (!b) (accountCreates.push(a), diff.accounts.added++);
    else if (b.memberId !== a.memberId) (accountMoves.push({ id: b.id, memberId: a.memberId }), diff.accounts.changed++);
    else diff.accounts.unchanged++;
  }

  if (dryRun) return diff;

  // ── apply ──
  await installMeetingKinds(tx);
  progress('orgs', 0, newNodes.length + nodeUpdates.length);
  for (const part of chunks(newNodes)) await tx.orgNode.createMany({ data: part });
  for (const u of nodeUpdates) await tx.orgNode.update({ where: { id: u.id }, data: { name: u.name, kind: u.kind, parentId: u.parentId } });
  for (const o of added) unit.audit({ action: 'org.added', entityType: 'OrgNode', entityId: idOf.get(o.code)!, detail: { code: o.code, name: o.name, kind: o.kind } });
  for (const o of changed) unit.audit({ action: 'org.changed', entityType: 'OrgNode', entityId: idOf.get(o.code)!, detail: { code: o.code, changes: o.changes ?? [] } });
  progress('orgs', newNodes.length + nodeUpdates.length, newNodes.length + nodeUpdates.length);
  const units = roster.orgs.filter((o) => o.kind === 'UNIT').map((o) => idOf.get(o.code)!);
  diff.dutyLists = await installDefaultDutyLists(tx, units);

  const memberTotal = creates.length + updates.length + leftIds.length;
  let done = 0;
  progress('members', 0, memberTotal);
  // Plain SQL with arrays: one statement per chunk (Prisma's createMany costs ~1 s per 2,000 rows here).
  for (const part of chunks(creates)) {
    await unit.sql.query(
      `INSERT INTO "Member" (id, "employeeNo", name, "branchId", "groupId", active, mobile, "leftReason", "leftAt", "joinedAt")
       SELECT v.id, v.no, v.name, v.b, v.g, v.active, v.mobile, v.reason, v."leftAt", $10::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[], $9::timestamptz[]) AS v(id, no, name, b, g, active, mobile, reason, "leftAt")`,
      [part.map((c) => c.id), part.map((c) => c.employeeNo), part.map((c) => c.name), part.map((c) => c.branchId), part.map((c) => c.groupId), part.map((c) => c.active), part.map((c) => c.mobile), part.map((c) => c.leftReason), part.map((c) => c.leftAt), now],
    );
    progress('members', (done += part.length), memberTotal);
  }
  for (const part of chunks(updates)) {
    await unit.sql.query(
      `UPDATE "Member" m SET name = v.name, "branchId" = v.b, "groupId" = v.g, active = v.active, mobile = v.mobile, "leftReason" = v.reason,
              "leftAt" = CASE WHEN v.active THEN NULL WHEN m.active THEN $8::timestamptz ELSE m."leftAt" END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[]) AS v(id, name, b, g, active, mobile, reason)
        WHERE m.id = v.id`,
      [part.map((u) => u.id), part.map((u) => u.name), part.map((u) => u.branchId), part.map((u) => u.groupId), part.map((u) => u.active), part.map((u) => u.mobile), part.map((u) => u.leftReason), now],
    );
    progress('members', (done += part.length), memberTotal);
  }
  if (leftIds.length) {
    for (const part of chunks(leftIds)) await tx.member.updateMany({ where: { id: { in: part } }, data: { active: false, leftAt: now, leftReason: 'NOT_ON_ROSTER' } });
    progress('members', (done += leftIds.length), memberTotal);
  }
  for (const m of diff.members.moved) unit.audit({ action: 'member.moved', entityType: 'Member', entityId: memberId.get(m.employeeNo)!, detail: { from: m.from ?? '', to: m.to ?? '' } });
  for (const m of diff.members.left) unit.audit({ action: 'member.left', entityType: 'Member', entityId: memberId.get(m.employeeNo) ?? inScope.find((x) => x.employeeNo === m.employeeNo)?.id ?? m.employeeNo, detail: { reason: m.reason ?? '' } });
  for (const m of diff.members.rejoined) unit.audit({ action: 'member.rejoined', entityType: 'Member', entityId: memberId.get(m.employeeNo)!, detail: {} });
  diff.withdrawn = await withdrawFromUpcoming(unit, { members: withdraw });

  const postTotal = postCreates.length + postReopen.length + postClose.length;
  progress('posts', 0, postTotal);
  for (const part of chunks(postCreates)) await tx.post.createMany({ data: part });
  for (const part of chunks(postReopen)) await tx.post.updateMany({ where: { id: { in: part } }, data: { until: null, since: now } });
  for (const part of chunks(postClose)) await tx.post.updateMany({ where: { id: { in: part } }, data: { until: now } });
  for (const p of diff.posts.added) unit.audit({ action: 'post.added', entityType: 'Member', entityId: memberId.get(p.employeeNo)!, detail: { title: p.title, at: p.at } });
  for (const p of diff.posts.removed) {
    const id = memberId.get(p.employeeNo) ?? inScope.find((x) => x.employeeNo === p.employeeNo)?.id ?? p.employeeNo;
    unit.audit({ action: 'post.removed', entityType: 'Member', entityId: id, detail: { title: p.title, at: p.at } });
  }
  progress('posts', postTotal, postTotal);

  progress('accounts', 0, accountCreates.length + accountMoves.length);
  for (const part of chunks(accountCreates)) {
    await unit.sql.query(
      `INSERT INTO "PlatformIdentity" (id, platform, "tenantKey", "platformUserId", "memberId")
       SELECT v.id, v.platform::"Platform", v.tenant, v.uid, v.mid FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, platform, tenant, uid, mid)`,
      [part.map(() => randomUUID()), part.map((a) => a.platform), part.map((a) => a.tenantKey), part.map((a) => a.platformUserId), part.map((a) => a.memberId)],
    );
  }
  for (const a of accountMoves) await tx.platformIdentity.update({ where: { id: a.id }, data: { memberId: a.memberId } });
  progress('accounts', accountCreates.length + accountMoves.length, accountCreates.length + accountMoves.length);

  const top = roster.orgs.find((o) => !o.parentCode) ?? roster.orgs[0];
  unit.audit({
    action: 'roster.import',
    entityType: 'OrgNode',
    entityId: top ? idOf.get(top.code)! : '',
    detail: {
      file: roster.file,
      orgsAdded: added.length,
      orgsChanged: changed.length,
      membersAdded: diff.members.added.length,
      moved: diff.members.moved.length,
      left: diff.members.left.length,
      postsAdded: diff.posts.added.length,
      postsRemoved: diff.posts.removed.length,
    },
  });
  return diff;
}
