// The demo organ seeded on first start: one unit with its 机关党委, three branches with two
// 党小组 each, 30 members with posts. Names are fictional.
import type { PostTitle } from '../generated/prisma/enums.js';

export interface DemoMember {
  code: string; // also the console user id
  name: string;
  branch: number; // 1..3
  group: number; // 1..2 within the branch
  posts: Array<{ title: PostTitle; at: 'unit' | 'organ' | 'branch' | 'group' }>;
}

const names = [
  ['王建国', '李秀英', '张伟', '刘洋', '陈静', '杨帆', '赵磊', '黄丽', '周涛', '吴敏'],
  ['徐强', '孙婷', '马超', '朱琳', '胡斌', '郭芳', '何勇', '高雪', '林峰', '罗娜'],
  ['郑凯', '梁燕', '谢鹏', '宋佳', '唐亮', '许倩', '韩冰', '冯宇', '邓洁', '曹阳'],
];

function postsFor(branch: number, i: number): DemoMember['posts'] {
  const posts: DemoMember['posts'] = [];
  if (i === 0) posts.push({ title: 'BRANCH_SECRETARY', at: 'branch' });
  if (i === 1) posts.push({ title: 'ORGANIZING_MEMBER', at: 'branch' });
  if (i === 2) posts.push({ title: 'PUBLICITY_MEMBER', at: 'branch' });
  if (i === 3) posts.push({ title: 'DISCIPLINE_MEMBER', at: 'branch' });
  if (i === 4 || i === 5) posts.push({ title: 'GROUP_LEADER', at: 'group' });
  // Unit and organ-committee posts held by members of the first branch.
  if (branch === 1 && i === 0) posts.push({ title: 'PARTY_GROUP_SECRETARY', at: 'unit' }, { title: 'ORGAN_SECRETARY', at: 'organ' });
  if (branch === 1 && i === 6) posts.push({ title: 'ORGAN_DEPUTY_SECRETARY', at: 'organ' });
  if (branch === 2 && i === 0) posts.push({ title: 'ORGAN_COMMITTEE_MEMBER', at: 'organ' }, { title: 'PARTY_GROUP_MEMBER', at: 'unit' });
  if (branch === 3 && i === 0) posts.push({ title: 'ORGAN_COMMITTEE_MEMBER', at: 'organ' });
  return posts;
}

export const DEMO_MEMBERS: DemoMember[] = names.flatMap((row, b) =>
  row.map((name, i) => ({
    code: `m${b + 1}${String(i + 1).padStart(2, '0')}`,
    name,
    branch: b + 1,
    // group leaders (i = 4, 5) lead groups 1 and 2; the others alternate
    group: i === 5 ? 2 : i === 4 ? 1 : (i % 2) + 1,
    posts: postsFor(b + 1, i),
  })),
);

export const DEMO_ORG = {
  committee: { code: 'demo-committee', name: '市直机关工委（示例）' },
  unit: { code: 'demo-unit', name: '示例市发展和改革委员会' },
  organ: { code: 'demo-organ', name: '示例市发展和改革委员会机关党委' },
  branches: [
    { code: 'demo-branch-1', name: '第一党支部（办公室）' },
    { code: 'demo-branch-2', name: '第二党支部（规划处）' },
    { code: 'demo-branch-3', name: '第三党支部（综合处）' },
  ],
};
