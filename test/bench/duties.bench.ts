// Benchmark of the responsibility-list question engine: a 5,000-item list (the default items plus generated
// variants), index build time, and question latency over ~2,000 chat questions.
// Standalone: npx tsx test/bench/duties.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { readDefaultList } from '../../src/domain/duties/list-file.js';
import { DutyIndex, dutyItemsFromList, warmUpDutySearch, type DutyItem, type DutyLevelCode } from '../../src/domain/duties/search.js';

const ITEMS = 5000;
const QUESTIONS = 2000;
const WARM_UP = 200;
const TARGET_P99_MS = 20;
const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/duty-questions.yaml');

// Vocabulary of real lists (seeds 000–004, DOMAIN.md), recombined so that the index has realistic term statistics.
const POSTS: Array<[DutyLevelCode, string]> = [
  ['PARTY_GROUP', '党组(党委)'],
  ['PARTY_GROUP', '党组书记'],
  ['PARTY_GROUP', '党组成员'],
  ['ORGAN_COMMITTEE', '机关党委'],
  ['ORGAN_COMMITTEE', '机关党委书记'],
  ['ORGAN_COMMITTEE', '专职副书记'],
  ['ORGAN_COMMITTEE', '机关党委委员'],
  ['BRANCH', '党支部'],
  ['BRANCH', '支部书记'],
  ['BRANCH', '支部副书记'],
  ['BRANCH', '组织委员'],
  ['BRANCH', '宣传委员'],
  ['BRANCH', '纪检委员'],
  ['BRANCH', '党小组长'],
  ['BRANCH', '党员'],
];
const VERBS = ['组织开展', '召开', '落实', '研究部署', '督促检查', '学习贯彻', '制定', '报送', '审核', '推进', '总结', '通报', '参加', '建立健全', '统筹'];
const OBJECTS = [
  '理论学习', '专题党课', '主题党日活动', '党员教育培训', '党风廉政建设', '意识形态工作', '谈心谈话', '志愿服务', '党费收缴',
  '组织生活会', '民主评议党员', '党建述职', '调查研究', '警示教育', '模范机关创建', '党建品牌', '台账管理', '结对共建',
  '青年理论学习小组', '精神文明建设', '统一战线工作', '保密教育', '网络舆情研判', '党务公开', '作风建设', '书记项目',
  '先锋指数积分', '承诺践诺', '问题整改', '支部标准化建设', '换届选举', '党员信息采集', '党内关怀帮扶', '基层党建调研',
];
const MODIFIERS = ['围绕中心工作', '结合业务实际', '按照上级部署', '聚焦重点任务', '面向全体党员', '针对青年党员', '对照27条工作规范', '以“四互”考评为抓手', ''];
const FREQUENCIES = ['每月1次', '一般每月1次', '每季度至少1次', '每季度1次', '每半年1次', '每年1次', '每年不少于4次', '每年至少2次', '常态', '按需', '每次活动后', '届满时'];
const EVIDENCE = ['会议通知、签到表、会议记录', '工作方案、总结', '台账记录', '照片和活动记录', '报告及批复', ''];

/** Small deterministic PRNG (mulberry32) so every run measures the same list. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildBenchList(size = ITEMS): DutyItem[] {
  const items = dutyItemsFromList(readDefaultList());
  const rand = prng(20260601);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const base = [...items];
  for (let n = items.length; n < size; n++) {
    const [level, post] = pick(POSTS);
    const object = pick(OBJECTS);
    const other = pick(OBJECTS);
    // Every fifth item is a reworded default item, so the real topics also occur many times.
    const seed = n % 5 === 0 ? pick(base) : undefined;
    const content = seed ? `${pick(MODIFIERS)}${seed.content}` : `${pick(MODIFIERS)}${pick(VERBS)}${object}，${pick(VERBS)}${other}`;
    items.push({
      code: `G-${String(n).padStart(4, '0')}`,
      level: seed?.level ?? level,
      post: seed?.post ?? post,
      content,
      frequency: seed?.frequency ?? pick(FREQUENCIES),
      evidence: pick(EVIDENCE),
      source: `生成的测试条目 ${n}`,
      keywords: seed ? seed.keywords.slice(0, 2) : [object, other],
      meetingKind: null,
    });
  }
  return items;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchDuties(): Promise<void> {
  const items = buildBenchList();
  const questions = (parse(fs.readFileSync(FIXTURE, 'utf8')) as Array<{ q: string }>).map((x) => x.q);

  // The jieba dictionary is loaded once per process, not per index: timed apart.
  const tDict = performance.now();
  warmUpDutySearch();
  const dictMs = performance.now() - tDict;

  const t0 = performance.now();
  const index = new DutyIndex(items);
  const buildMs = performance.now() - t0;

  const ask = (i: number) => index.ask(questions[i % questions.length]!, i % 3 === 0 ? { askerPosts: ['支部书记'] } : undefined);
  for (let i = 0; i < WARM_UP; i++) ask(i);
  const latencies: number[] = [];
  // CPU time as well: on a busy machine wall-clock tails measure the scheduler more than the engine.
  const cpu: number[] = [];
  for (let i = 0; i < QUESTIONS; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    ask(i);
    latencies.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  latencies.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`duties: jieba dictionary loaded in ${dictMs.toFixed(0)} ms`);
  console.log(
    `duties: ${items.length} items, index built in ${buildMs.toFixed(0)} ms; question latency p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (target p99 < ${TARGET_P99_MS} ms)`,
  );
  console.log(`duties: CPU time per question p50 ${percentile(cpu, 50).toFixed(2)} ms, p99 ${percentile(cpu, 99).toFixed(2)} ms; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchDuties().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
