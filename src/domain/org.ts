// Members and their posts: the member value type and its query, and the posts' names as written in
// lists and forms (duties and pledge imports match on them). Who may do what is src/access.
import type { PostTitle } from '../generated/prisma/enums.js';
import type { Tx } from '../db/client.js';

export interface MemberInfo {
  id: string;
  name: string;
  branchId: string;
  groupId: string | null;
  active: boolean;
  posts: Array<{ title: PostTitle; orgNodeId: string }>;
}

/**
 * Each post as it is written in imported lists and forms (责任清单, 承诺 audiences): data that services
 * match on, so it stays here rather than in prompts/ (services cannot read wording).
 */
export const POST_NAMES: Record<PostTitle, string> = {
  PARTY_GROUP_SECRETARY: '党组书记',
  PARTY_GROUP_MEMBER: '党组成员',
  ORGAN_SECRETARY: '机关党委书记',
  ORGAN_DEPUTY_SECRETARY: '专职副书记',
  ORGAN_COMMITTEE_MEMBER: '机关党委委员',
  BRANCH_SECRETARY: '支部书记',
  BRANCH_DEPUTY_SECRETARY: '支部副书记',
  ORGANIZING_MEMBER: '组织委员',
  PUBLICITY_MEMBER: '宣传委员',
  DISCIPLINE_MEMBER: '纪检委员',
  GROUP_LEADER: '党小组长',
  WORK_COMMITTEE_SECRETARY: '工委书记',
  WORK_COMMITTEE_DEPUTY_SECRETARY: '工委副书记',
  WORK_COMMITTEE_MEMBER: '工委委员',
  WORK_COMMITTEE_STAFF: '工委工作人员',
};

export const memberSelect = {
  id: true,
  name: true,
  branchId: true,
  groupId: true,
  active: true,
  posts: { where: { until: null }, select: { title: true, orgNodeId: true } },
} as const;

export async function findMember(tx: Tx, id: string): Promise<MemberInfo | null> {
  return tx.member.findUnique({ where: { id }, select: memberSelect });
}
