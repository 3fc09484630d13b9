// The 驾驶舱 test organ: the demo organ on PostgreSQL plus a second unit under the same 工委 (its 机关党委
// secretary b01, a branch secretary b02) and a 工委 secretary w01; branch 1 held a 主题党日 in November
// with minutes and six of ten at it. Clock at 2026-12-10 (Q4). Shared by the service and Chromium tests.
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.js';
import { ChatDriver } from './chat.js';
import { runUnit } from '../../src/chat/effects.js';
import { findMember } from '../../src/domain/org.js';
import { memberPrincipal } from '../../src/access/principal.js';
import type { Unit } from '../../src/services/kernel.js';
import { branchKinds, createNotice } from '../../src/services/meetings.js';
import { checkIn } from '../../src/services/attendance.js';
import { saveMinutes } from '../../src/services/minutes.js';
import { freshPostgres, REDIS_URL, redisPrefix } from './env.js';
import { startTestApp, tempDataDir } from './app.js';

export interface DashboardOrgan {
  app: App;
  drop: () => Promise<void>;
  /** Member ids by employee number, node ids by code, every member's name. */
  ids: Record<string, string>;
  node: Record<string, string>;
  names: string[];
  /** The 主题党日 held in branch 1. */
  sessionId: string;
  clock: { now: Date };
}

export async function startDashboardOrgan(): Promise<DashboardOrgan> {
  const clock = { now: new Date('2026-11-01T10:00:00+08:00') };
  const db = await freshPostgres();
  const app = await startTestApp({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: redisPrefix(), DATA_DIR: tempDataDir(), SEED_DEMO: 'true', RUN_WORKERS: 'false' }, { clock: () => clock.now });
  const p = app.db.prisma;
  const node: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const n of await p.orgNode.findMany({ select: { id: true, code: true } })) node[n.code] = n.id;
  const unitB = await p.orgNode.create({ data: { code: 'b-unit', kind: 'UNIT', name: '示例市财政局', parentId: node['demo-committee']! } });
  const organB = await p.orgNode.create({ data: { code: 'b-organ', kind: 'ORGAN_COMMITTEE', name: '示例市财政局机关党委', parentId: unitB.id } });
  const branchB = await p.orgNode.create({ data: { code: 'b-branch-1', kind: 'BRANCH', name: '财政局第一党支部', parentId: organB.id } });
  Object.assign(node, { 'b-unit': unitB.id, 'b-organ': organB.id, 'b-branch-1': branchB.id });
  const people: Array<[string, string, Array<[string, string]>]> = [
    ['b01', '钱多多', [['ORGAN_SECRETARY', organB.id]]],
    ['b02', '孙有余', [['BRANCH_SECRETARY', branchB.id]]],
    ['w01', '周工委', [['WORK_COMMITTEE_SECRETARY', node['demo-committee']!]]],
  ];
  for (const [code, name, posts] of people) {
    const m = await p.member.create({ data: { name, employeeNo: code, branchId: branchB.id, posts: { create: posts.map(([title, orgNodeId]) => ({ title: title as never, orgNodeId })) } } });
    await p.platformIdentity.create({ data: { platform: 'CONSOLE', tenantKey: '', platformUserId: code, memberId: m.id } });
  }
  for (const m of await p.member.findMany({ select: { id: true, employeeNo: true } })) ids[m.employeeNo!] = m.id;
  const names = (await p.member.findMany({ select: { name: true } })).map((m) => m.name);

  const as = async <T>(code: string, at: string, fn: (u: Unit) => Promise<T>): Promise<T> => {
    clock.now = new Date(at);
    const member = (await findMember(p, ids[code]!))!;
    return (await runUnit(app.db, memberPrincipal(member, 'chat'), clock.now, app.core.presenters, fn)).result;
  };
  const b1 = node['demo-branch-1']!;
  const kind = (await as('m101', '2026-11-01T10:00:00+08:00', (u) => branchKinds(u))).find((k) => k.code === 'theme_day')!;
  const draft = { kind, at: new Date('2026-11-05T14:30:00+08:00'), place: '三楼会议室', topic: '学习贯彻四中全会精神', attendeeNames: [], groupName: null };
  const sessionId = (await as('m101', '2026-11-01T10:00:00+08:00', (u) => createNotice(u, { branchId: b1, draft }))).session.id;
  for (const code of ['m101', 'm102', 'm103', 'm104', 'm105', 'm106']) await as(code, '2026-11-05T14:10:00+08:00', (u) => checkIn(u, { sessionId }));
  await as('m102', '2026-11-05T17:00:00+08:00', (u) => saveMinutes(u, { sessionId, summary: '集体学习四中全会公报。', resolutions: '', speakers: '', attachments: '', untitled: (n) => `附件${n}`, recorder: '李秀英', observers: '', endsAt: null }));
  clock.now = new Date('2026-12-10T10:00:00+08:00');
  return { app, drop: db.drop, ids, node, names, sessionId, clock };
}

/** What the bot last sent to `code` privately (text or card), as JSON text. */
export async function lastDm(app: App, code: string): Promise<string> {
  const row = await app.db.prisma.outboxMessage.findFirstOrThrow({ where: { target: code, targetKind: 'DIRECT' }, orderBy: { seq: 'desc' } });
  return JSON.stringify(row.payload);
}

/** The first 驾驶舱 sign-in link (path and query) in a text. */
export function signInPath(text: string): string {
  const m = /(\/dashboard\/sign-in\?t=[^\s"\\)]+)/.exec(text);
  if (!m) throw new Error(`no sign-in link in ${text.slice(0, 400)}`);
  return m[1]!;
}

/** The 驾驶舱 test organ with a chat driver, for one test file: started before its tests (`use` receives them), stopped after. */
export function dashboardOrganFor(use: (o: DashboardOrgan, chat: ChatDriver) => void): void {
  let o: DashboardOrgan | undefined;
  let chat: ChatDriver | undefined;
  beforeAll(async () => {
    o = await startDashboardOrgan();
    chat = new ChatDriver(o.app);
    use(o, chat);
  }, 180_000);
  afterAll(async () => {
    chat?.close();
    await o?.app.stop();
    await o?.drop();
  });
}
