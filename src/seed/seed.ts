// Demo data: the org tree, members with posts, console identities and group chats, the standard
// meeting kinds and the default responsibility list. Runs on first start with an empty database
// and from `npm run seed [-- --reset]`.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { OrgKind, PostTitle } from '../generated/prisma/enums.js';
import { STANDARD_MEETING_KINDS } from '../domain/meeting-kinds.js';
import { installMeetingKinds } from '../domain/norms.js';
import { readDefaultList } from '../domain/duties/list-file.js';
import { itemRows } from '../domain/duties/store.js';
import { DEMO_MEMBERS, DEMO_ORG } from './demo-org.js';

export async function isEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.orgNode.count()) === 0;
}

/** Empty every application table (not the migration ledger). */
export async function truncateAll(prisma: PrismaClient): Promise<void> {
  const rows = await prisma.$queryRawUnsafe<Array<{ tablename: string }>>(
    `SELECT tablename::text AS tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'`,
  );
  if (rows.length === 0) return;
  await prisma.$executeRawUnsafe(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} CASCADE`);
}

export interface SeedSummary {
  orgNodes: number;
  members: number;
  meetingKinds: number;
  dutyItems: number;
}

export async function seedDemo(prisma: PrismaClient, opts: { reset?: boolean; year?: number } = {}): Promise<SeedSummary> {
  if (opts.reset) await truncateAll(prisma);
  else if (!(await isEmpty(prisma))) throw new Error('数据库里已有数据；要重建示例数据请使用 --reset');

  const list = readDefaultList();
  return prisma.$transaction(
    async (tx) => {
      const node = (code: string, name: string, kind: OrgKind, parentId?: string) =>
        tx.orgNode.create({ data: { code, name, kind, parentId } });
      const committee = await node(DEMO_ORG.committee.code, DEMO_ORG.committee.name, 'WORK_COMMITTEE');
      const unit = await node(DEMO_ORG.unit.code, DEMO_ORG.unit.name, 'UNIT', committee.id);
      const organ = await node(DEMO_ORG.organ.code, DEMO_ORG.organ.name, 'ORGAN_COMMITTEE', unit.id);
      const branches = [];
      const groups: string[][] = [];
      for (const [i, b] of DEMO_ORG.branches.entries()) {
        const branch = await node(b.code, b.name, 'BRANCH', organ.id);
        branches.push(branch);
        groups.push([
          (await node(`${b.code}-g1`, '第一党小组', 'GROUP', branch.id)).id,
          (await node(`${b.code}-g2`, '第二党小组', 'GROUP', branch.id)).id,
        ]);
        await tx.chat.create({
          data: { platform: 'CONSOLE', platformChatId: `branch-${i + 1}`, kind: 'GROUP', title: `${b.name}工作群`, orgNodeId: branch.id },
        });
      }
      await tx.chat.create({ data: { platform: 'CONSOLE', platformChatId: 'unit', kind: 'GROUP', title: `${DEMO_ORG.unit.name}党建工作群`, orgNodeId: organ.id } });

      for (const m of DEMO_MEMBERS) {
        const branch = branches[m.branch - 1]!;
        const groupId = groups[m.branch - 1]![m.group - 1]!;
        const at: Record<DemoPostAt, string> = { unit: unit.id, organ: organ.id, branch: branch.id, group: groupId };
        await tx.member.create({
          data: {
            name: m.name,
            employeeNo: m.code,
            branchId: branch.id,
            groupId,
            posts: { create: m.posts.map((p: { title: PostTitle; at: DemoPostAt }) => ({ title: p.title, orgNodeId: at[p.at] })) },
            identities: { create: { platform: 'CONSOLE', platformUserId: m.code, displayName: m.name } },
          },
        });
      }

      await installMeetingKinds(tx);

      await tx.responsibilityList.create({
        data: {
          unitId: unit.id,
          year: opts.year ?? list.year,
          version: 1,
          sourceFile: 'prisma/seed/responsibility-list.yaml',
          items: { create: itemRows(list) },
        },
      });

      return {
        orgNodes: 3 + branches.length * 3,
        members: DEMO_MEMBERS.length,
        meetingKinds: STANDARD_MEETING_KINDS.length,
        dutyItems: list.items.length,
      };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

type DemoPostAt = 'unit' | 'organ' | 'branch' | 'group';
