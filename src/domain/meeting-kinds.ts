// The standard meeting kinds and their frequency rules (DOMAIN.md, from the seeds and the
// branch work regulations 《中国共产党支部工作条例(试行)》). Held as data in MeetingKind rows.
import type { OrgKind } from '../generated/prisma/enums.js';

export type Period = 'month' | 'quarter' | 'half' | 'year';
export interface FrequencyRule {
  period: Period;
  atLeast: number;
}

export interface MeetingKindSpec {
  code: string;
  name: string;
  category: string;
  orgLevel: OrgKind;
  frequency: FrequencyRule;
  aliases: string[];
  source: string;
  /** Held only when more than this share of those expected attended (null/absent: one is enough). */
  quorum?: number | null;
}

const regulations = '《中国共产党支部工作条例(试行)》；DOMAIN.md';

export const STANDARD_MEETING_KINDS: MeetingKindSpec[] = [
  { code: 'branch_assembly', name: '支部党员大会', category: '三会一课', orgLevel: 'BRANCH', frequency: { period: 'quarter', atLeast: 1 }, aliases: ['党员大会', '支部大会'], source: `${regulations}（第十一条：半数以上有表决权的党员到会）`, quorum: 0.5 },
  { code: 'branch_committee', name: '支部委员会会议', category: '三会一课', orgLevel: 'BRANCH', frequency: { period: 'month', atLeast: 1 }, aliases: ['支委会', '支部委员会'], source: `${regulations}（第十二条：须有半数以上委员到会方可进行）`, quorum: 0.5 },
  { code: 'group_meeting', name: '党小组会', category: '三会一课', orgLevel: 'GROUP', frequency: { period: 'month', atLeast: 1 }, aliases: ['小组会'], source: regulations },
  { code: 'party_lecture', name: '党课', category: '三会一课', orgLevel: 'BRANCH', frequency: { period: 'quarter', atLeast: 1 }, aliases: ['上党课', '讲党课'], source: regulations },
  { code: 'theme_day', name: '主题党日', category: '组织生活', orgLevel: 'BRANCH', frequency: { period: 'month', atLeast: 1 }, aliases: ['党日', '主题党日活动'], source: `${regulations}；seed 001 按月发布主题党日计划清单` },
  { code: 'life_meeting', name: '组织生活会', category: '组织生活', orgLevel: 'BRANCH', frequency: { period: 'year', atLeast: 1 }, aliases: ['生活会'], source: regulations },
  { code: 'member_review', name: '民主评议党员', category: '组织生活', orgLevel: 'BRANCH', frequency: { period: 'year', atLeast: 1 }, aliases: ['民主评议', '评议党员'], source: regulations },
  { code: 'heart_talk', name: '谈心谈话', category: '组织生活', orgLevel: 'BRANCH', frequency: { period: 'year', atLeast: 1 }, aliases: ['谈心', '谈话'], source: regulations },
  { code: 'organ_committee', name: '机关党委委员会议', category: '机关党委', orgLevel: 'ORGAN_COMMITTEE', frequency: { period: 'quarter', atLeast: 1 }, aliases: ['委员会议', '机关党委会'], source: 'seed 001；DOMAIN.md' },
  { code: 'center_group_study', name: '理论学习中心组学习', category: '党组', orgLevel: 'UNIT', frequency: { period: 'year', atLeast: 12 }, aliases: ['中心组学习', '中心组'], source: 'seed 001 二、(一)「全年开展中心组学习不少于12次」（工委“下一步工作打算”）；DOMAIN.md' },
  { code: 'thought_analysis', name: '党员干部思想动态分析', category: '机关党委', orgLevel: 'ORGAN_COMMITTEE', frequency: { period: 'quarter', atLeast: 1 }, aliases: ['思想动态分析'], source: 'DOMAIN.md' },
  { code: 'integrity_education', name: '廉政警示教育', category: '机关党委', orgLevel: 'ORGAN_COMMITTEE', frequency: { period: 'quarter', atLeast: 1 }, aliases: ['警示教育', '廉政教育'], source: 'DOMAIN.md' },
  // Per member: the list item (B-11, post 党员) makes it a duty of each member, met by their check-ins.
  { code: 'community_service', name: '双报到服务', category: '双报到', orgLevel: 'BRANCH', frequency: { period: 'year', atLeast: 4 }, aliases: ['双报到', '进社区', '社区服务'], source: 'seed 001「组织机关党员进社区开展双报到服务不少于4次」；DOMAIN.md' },
];
