// Question engine over a responsibility list (责任清单): "支部书记每季度要做什么？" → the items that answer it.
// Pure and in-memory (callers pass the items): Chinese segmentation with jieba, BM25 ranking with MiniSearch,
// one table of domain synonyms, and refusal rules so that a question the list cannot answer gets no hits
// (and some topics the list does cover) instead of a near miss:
//  - every hit must cover enough of the question (IDF-weighted; synonyms, parts of words and passing mentions
//    in content count less), and a topic word that no item uses counts against every hit;
//  - a how-often / when question is answered only by items whose frequency says how often / when.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import MiniSearch, { type SearchResult } from 'minisearch';
import { pinyin } from 'pinyin-pro';
import type { ParsedList } from './list-file.js';

export type DutyLevelCode = 'PARTY_GROUP' | 'ORGAN_COMMITTEE' | 'BRANCH';

export interface DutyItem {
  code: string;
  level: DutyLevelCode;
  post: string;
  content: string;
  frequency: string;
  evidence: string;
  source: string;
  keywords: string[];
  meetingKind?: string | null;
}

export interface DutyHit {
  item: DutyItem;
  /** Relative relevance (BM25 × query coverage); only comparable within one answer. */
  score: number;
}

export interface DutyAnswer {
  /** Best first; empty when the list has no answer. */
  hits: DutyHit[];
  /** Topic words the list does cover, close to the question; filled only when `hits` is empty. */
  suggestions: string[];
  /** The question asks what proves the duty was done (材料, 佐证, 留痕): answers show each item's evidence. */
  evidence: boolean;
}

export interface AskOptions {
  /**
   * The asker's posts as written in lists (支部书记, 组织委员…; POST_NAMES in domain/org.ts, plus 党员): a bare
   * 书记/委员 in the question, or 我, means these first.
   */
  askerPosts?: string[];
  /** Most hits to return (default 5). */
  limit?: number;
}

/** The search view of a parsed list file (YAML or xlsx). */
export function dutyItemsFromList(list: Pick<ParsedList, 'items'>): DutyItem[] {
  return list.items.map((it) => ({
    code: it.id,
    level: it.levelEnum,
    post: it.post,
    content: it.content,
    frequency: it.frequency,
    evidence: it.evidence,
    source: it.source,
    keywords: it.keywords,
    meetingKind: it.meetingKind ?? null,
  }));
}

// ───────────────────────── Domain vocabulary ─────────────────────────

/** Names that mean the same thing: any of them finds items that use another. */
const EQUIVALENTS: readonly (readonly string[])[] = [
  ['支部委员会会议', '支委会', '支委会议', '支部委员会'],
  ['支部党员大会', '党员大会', '支部大会'],
  ['党小组会', '党小组会议', '小组会'],
  ['谈心谈话', '谈心', '谈话'],
  ['理论学习中心组', '中心组', '中心组学习'],
  ['主题党日', '党日', '党日活动', '党员活动日'],
  ['民主评议党员', '民主评议', '评议党员', '党员评议'],
  ['述职', '述职评议', '述职考核', '履职评议'],
  ['双报到', '进社区'],
  ['书记项目', '党建项目'],
  ['警示教育', '廉政教育', '廉政警示'],
  ['纪实', '台账'],
  ['交党费', '缴党费', '党费'],
  ['支委', '支部委员'],
  ['报告', '汇报', '上报'],
  ['审核', '审批', '审查'],
];

/** One-way expansions: the left term is shorthand for the right ones (but not the reverse). */
const EXPANSIONS: Readonly<Record<string, readonly string[]>> = {
  三会一课: ['支部党员大会', '支部委员会会议', '党小组会', '党课'],
  三会: ['支部党员大会', '支部委员会会议', '党小组会'],
  生活会: ['组织生活会'],
  评议: ['民主评议党员'],
  中心组: ['理论学习中心组'],
};

/**
 * Terms jieba must keep whole. Besides the synonym tables: meeting and campaign names whose parts are
 * ordinary words (民主生活会 must not fall apart into 民主/生活/会 and then match 组织生活会).
 */
const DOMAIN_TERMS: readonly string[] = [
  '民主生活会', '组织生活会', '三会一课', '党小组长', '支部书记', '党组书记', '机关党委书记', '机关党委委员',
  '机关党委', '专职副书记', '组织委员', '宣传委员', '纪检委员', '党组成员', '党支部', '党小组', '党课', '讲党课',
  '上党课', '领办', '一岗双责', '第一议题', '第一责任人', '先锋指数', '四互', '四个五', '五抓', '三个融合', '政治体检',
  '政治生日', '践诺', '突破清单', '整改台账', '电子台账', '问题清单', '责任清单', '三级责任清单',
  '思想动态', '意识形态', '换届选举', '党建工作', '书记项目', '轮训', '学时', '先锋岗', '以案四说', '办实事',
  '工作提示', '计划清单', '委员会议', '生活会',
  // Party-work terms a list may not cover; kept whole so that they are recognised as unknown topics
  // rather than matched by their parts (发展党员 is not 党员, 组织关系 is not 组织).
  '发展党员', '入党', '入党申请书', '入党积极分子', '预备党员', '转正', '组织关系', '组织关系转接', '党籍', '党员档案',
  '党务公开', '党内表彰',
  // Period words after normalisation (see PERIODS).
  '每月', '每季度', '每半年', '每年',
];

/** Period expressions → one canonical word each, so 一个月/每月/按月 match one another. */
const PERIODS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['每月', ['每一个月', '每个月', '一个月', '每一月', '每月', '按月', '月度', '逐月']],
  ['每季度', ['每一个季度', '每个季度', '一个季度', '每一季度', '每季度', '按季度', '每季', '按季', '季度']],
  ['每半年', ['每半年', '上半年', '下半年', '半年']],
  ['每年', ['每一年', '每年度', '每年', '一年', '全年', '年度', '按年', '一整年']],
];

/** Question filler: asks how/when/whether, says nothing about the topic. */
const STOP_WORDS = new Set(
  (
    '多久 几次 多少次 几回 一回 一次 两次 几个 多少 多长时间 长时间 时间 什么时候 时候 什么 怎么 怎么样 怎样 如何 为什么 ' +
    '要不要 是不是 能不能 有没有 需不需要 哪些 哪个 哪 几 谁 谁来 由谁 吗 呢 吧 啊 呀 嘛 么 了 的 地 得 是 有 要 需要 应该 ' +
    '应当 必须 都 也 还 还是 或 或者 和 与 及 跟 同 在 里 上 下 中 把 被 对 给 让 之间 分别 具体 指 主要 干 做 搞 弄 办 开 ' +
    '去 来 能 会 可以 一起 一般 至少 不少 不少于 一下 请问 问 我 我们 你 你们 他 她 它 他们 负责 要求 次数 规定 硬性 ' +
    '这 那 这个 那个 每 次 个 回 事 情况 内容 一 二 三 年 月 按 周期 频次 频率 ' +
    // Who is in charge (党课归谁管) and what proves it (要准备哪些材料) say what is asked, not about what.
    '归 管 归口 牵头 主抓 主管 负责人 抓 准备 材料 资料 东西 佐证 佐证材料 痕迹 留痕 凭证 凭据 归档 存档 ' +
    // What it means or how it goes (一岗双责是什么意思, 组织生活会的流程), and greetings around a question.
    '意思 含义 意义 定义 解释 理解 概念 内涵 指的是 标准 流程 步骤 环节 怎么弄 咋办 ' +
    '你好 您好 请问 麻烦 问一下 想问 助手 小助手 支部助手 谢谢 老师 ' +
    // Verbs of asking and doing that say nothing about the topic.
    '放在 放到 安排在 完成 缴纳 交纳 交给 还有 进行 举行 召开 开展 办理 处理 知道 了解 告诉 看看 查 查询 问问 ' +
    '有关 相关 涉及 包括 包含 属于 算 算是 叫 称为 做好 抓好 搞好 填写 填报 报送 执行 参与 弄好 注意 ' +
    // The asker's unit is the context of every question, not its topic.
    '单位 本单位 我们单位 部门'
  ).split(/\s+/),
);

/** A question about the evidence of a duty: the answer shows what each item expects as proof. */
const EVIDENCE = /材料|资料|佐证|留痕|痕迹|证明|凭证|凭据|归档|存档|台账要|要留|留什么|留哪些|准备什么|准备哪些|交什么|交哪些|提交什么|报什么|报哪些/;

/** 要什么证明 asks for the evidence; 党员证明 alone is a document the list does not cover. */
const PROOF_ASKED = /(?:什么|哪些|啥)证明/g;

/** Asking who is in charge (党课归谁管, 由谁牵头): what is asked, not the topic; taken out before the words are read. */
const WHO_APPROVES = /(?:交给|报给|报|找|给)?谁(?:来)?(?:审批|审核|审查|审|批准|批)/g;
const WHO = /(?:归|由|是|该|应该?|应当)?(?:谁|哪个|哪位|哪些人|什么人)(?:来|去)?(?:管|负责|牵头|组织|主抓|抓|主持|召集|分管|落实|具体负责|主讲|讲)?|归口|负责人|牵头人/g;

/** Is the question who is in charge (any of WHO, without its optional parts)? */
const WHO_ASKED = /谁|哪个|哪位|什么人|归口|负责人|牵头人/;
/** An amount or a head count (党费交多少, 比例, 多少人到会): only items that state a number answer it. */
const HOW_MUCH = /多少钱|(?:交|缴|缴纳|交纳)多少|标准是?多少|比例|几成|百分之|多少人|几个人|几人|人数|有几个|有多少个?|几名|多少名/;
const QUANTIFIED = /\d|%|％|[一二两三四五六七八九十百]+(?:个|人|名|本|次|篇|场|项|成)/;

/** A how-often question: only items with a period answer it. */
const HOW_OFTEN = /多久|几次|多少次|几回|一回|多长时间|频次|频率|周期|间隔|一次吗|每[^，。？?]{0,4}都要/;
/** A when question: only items whose frequency says when (a period or an occasion) answer it. */
const WHEN = /什么时候|啥时候|何时|哪天|几号|几月份/;
/** Item frequency text that states a period (every month/quarter/half/year, 定期). */
const PERIODIC = /每月|每季度|每半年|每年|每周|每天|每日|定期/;
/** Item frequency text that names an occasion (届满时, 每次组织生活后) rather than "as needed". */
const OCCASION = /时|后|前|届满/;
const NO_TIME = /^(按需|常态|经常|日常)/;

/**
 * A question that names only a period (这个月要做什么, 本季度要做什么, 年底前支部还要做哪些) lists the items of
 * that period. Checked in this order on the normalised question (半年 before 年).
 */
const PERIOD_ASKED: ReadonlyArray<readonly [string, RegExp]> = [
  ['每半年', /每半年|半年|年中/g],
  ['每季度', /(?:第?[一二三四1-4])?每季度|本季|这季|当季/g],
  ['每月', /每月|这个?月|本月|当月|下个?月|\d{1,2}月份?|[一二三四五六七八九十]{1,2}月份?/g],
  ['每年', /每年|今年|本年|明年|年底|年末|年内|年初|年度|全年/g],
];
/** Words naming a level of the list, longest first; 党小组 names the 党小组长's items. */
const LEVEL_WORDS: ReadonlyArray<readonly [string, DutyLevelCode]> = [
  ['机关党委', 'ORGAN_COMMITTEE'],
  ['党支部', 'BRANCH'],
  ['本支部', 'BRANCH'],
  ['支部', 'BRANCH'],
  ['党组', 'PARTY_GROUP'],
  ['党委', 'PARTY_GROUP'],
];
/** What a period question may say besides the period, a level or a post: "what is there to do". */
const LISTING_FILLER = new Set(
  '工作 事情 事儿 任务 事项 安排 重点 还要 还有 还需 还需要 剩下 剩余 还剩 剩 没做 没有 没 未 不 做完 做了 要干 要做 干什么 做什么 干啥 做啥 干嘛 啥 本 这 这个 当 今 每 些 完成 落实 开展 前 之前 以前 以内 内 底 底前 重要 主要 日常 党建 党建工作 活动 会议 职责 责任 义务 本职 须 得 该 必需'.split(' '),
);
/** Score of the first tier of a period list; each further tier and item ranks a little lower. */
const LIST_SCORE = 10;

/** Role words that, said bare, mean the asker's own post (书记 → 支部书记 for a branch secretary). */
const ROLE_WORDS = ['书记', '副书记', '委员', '组长', '小组长'];

// Traditional → simplified for the ~1,000 most frequent convertible characters (OpenCC t2s, ordered
// by jieba dictionary frequency) plus those in the default list; applied to items and questions alike.
const T2S_PAIRS =
  '丟丢並并乾干亂乱亞亚佈布佔占併并來来侷局係系俠侠俬私倆俩倉仓個个們们倖幸倫伦偉伟側侧偵侦偽伪傑杰備备傢家傳传債债傷伤傾倾僅仅僑侨僕仆僞伪價价儀仪儁俊億亿儘尽償偿' +
  '優优儲储兇凶兌兑兒儿內内兩两冊册凈净凍冻凱凯別别則则剋克剛刚剝剥創创劃划劇剧劉刘劍剑劑剂勁劲動动務务勝胜勞劳勢势勵励勸劝匯汇區区協协卻却卽即厤历厲厉參参叢丛吳吴' +
  '呂吕員员唸念問问啓启啟启喚唤喪丧喫吃喬乔單单嗎吗嘆叹嘗尝噁恶噴喷噸吨噹当嚇吓嚐尝嚥咽嚮向嚴严囌苏國国圍围園园圓圆圖图團团垻坝埰采執执堅坚報报場场塊块塗涂塵尘墰坛' +
  '墻墙壇坛壓压壜坛壞坏壩坝壯壮壽寿夠够夢梦夥伙夾夹奧奥奪夺奬奖奮奋姦奸婦妇媽妈孃娘孫孙學学宮宫寀采實实寧宁審审寫写寬宽寶宝將将專专尋寻對对導导屆届屍尸層层屬属岡冈' +
  '峯峰島岛峽峡崑昆崗岗嵗岁嶺岭嶽岳巖岩帥帅師师帳帐帶带幣币幫帮幹干幾几庫库廟庙廠厂廢废廣广廳厅弔吊張张強强彆别彈弹彌弥彎弯彔录彙汇彫雕彿佛後后徑径從从復复徵征徹彻' +
  '恆恒悅悦悶闷惡恶惱恼愛爱態态慘惨慣惯慮虑慶庆慾欲憂忧憐怜憑凭憤愤憲宪憶忆應应懞蒙懲惩懷怀懸悬懼惧戀恋戰战戲戏戶户拋抛捨舍捲卷掃扫掙挣掛挂採采揚扬換换揮挥損损搖摇' +
  '搶抢摺折撐撑撥拨撫抚撲扑擁拥擇择擊击擋挡擔担據据擠挤擬拟擴扩擺摆擾扰攔拦攜携攝摄攤摊敎教敗败敘叙敵敌數数斬斩斷断於于旂旗旣既昇升時时晉晋暈晕暢畅暫暂曆历曉晓曏向' +
  '書书會会朮术東东枴拐柺拐査查桿杆條条棄弃棊棋棲栖楊杨業业極极榘矩榦干榪杩榮荣構构槍枪樂乐樑梁樓楼標标樞枢樣样樸朴樹树橋桥機机橫横檔档檢检檯台欄栏權权欽钦歎叹歐欧' +
  '歡欢歲岁歷历歸归殘残殺杀殻壳殼壳毀毁氣气氾泛汎泛汙污決决沒没沖冲況况泝溯洩泄涼凉淚泪淨净淩凌淺浅減减測测渾浑湧涌湯汤準准溝沟溫温溼湿滅灭滙汇滾滚滿满漁渔漢汉漲涨' +
  '漸渐漿浆潔洁潛潜潤润澤泽濃浓濕湿濛蒙濟济濱滨瀋沈瀰弥灘滩灣湾災灾為为烏乌無无煉炼煙烟煩烦熱热燈灯燒烧營营燬毁爐炉爛烂爭争爲为爺爷爾尔牀床牆墙牽牵狀状狹狭猶犹獃呆' +
  '獄狱獅狮獎奖獨独獲获獵猎獸兽獻献現现琱雕瑤瑶瑪玛環环產产産产甦苏甯宁畝亩畢毕畫画異异畵画當当疊叠痠酸瘋疯療疗癒愈癥症發发皺皱盃杯盜盗盡尽監监盤盘盧卢盪荡眞真眾众' +
  '睏困睜睁矇蒙硃朱確确碼码磚砖礎础礙碍礦矿祕秘禍祸禎祯禦御禮礼稅税稟禀種种稱称穀谷積积穩稳穫获窩窝窮穷競竞筆笔箇个節节範范築筑簡简簽签籃篮籌筹籠笼籤签糧粮糰团糾纠' +
  '紀纪約约紅红紋纹納纳紐纽純纯紗纱紙纸級级紛纷紡纺紮扎細细紹绍終终絃弦組组結结絕绝絡络給给統统絲丝絶绝綉绣經经綜综綠绿綫线維维綱纲網网綵彩綿绵緊紧緑绿緒绪線线緣缘' +
  '編编緩缓緯纬練练緻致縣县縫缝縮缩縱纵縴纤總总績绩織织繞绕繡绣繩绳繪绘繫系繳缴繼继續续纍累纏缠纔才纖纤罈坛罎坛罰罚罵骂罷罢羅罗羣群義义習习翫玩聖圣聞闻聯联聰聪聲声' +
  '職职聽听肅肃脅胁脈脉脣唇脩修脫脱脹胀腎肾腦脑腫肿腳脚腸肠膚肤膠胶膽胆臉脸臘腊臟脏臥卧臨临臺台與与興兴舉举舊旧舘馆艙舱艦舰艱艰艷艳荊荆莊庄華华菸烟萊莱萬万葉叶葯药' +
  '蒐搜蒼苍蓆席蓋盖蓮莲蔔卜蔘参蔣蒋蕩荡蕭萧薦荐薩萨藍蓝藝艺藥药蘆芦蘇苏蘭兰處处虛虚號号虧亏蝕蚀蟲虫蠻蛮衆众術术衕同衚胡衛卫衝冲裏里補补裝装裡里製制複复襬摆襲袭覈核' +
  '見见規规視视親亲覺觉覽览觀观觸触訂订計计訊讯討讨訓训託托記记訪访設设許许訴诉診诊註注証证詔诏評评詞词詢询試试詩诗話话該该詳详誇夸誌志認认誕诞誘诱語语誠诚誤误說说' +
  '説说誰谁課课調调談谈請请論论諮咨諸诸諾诺謀谋謂谓謙谦講讲謝谢謹谨證证識识譜谱譭毁譯译議议護护譽誉讀读變变讓让讚赞豈岂豐丰豔艳豬猪貓猫貝贝貞贞負负財财貢贡貧贫貨货' +
  '貪贪貫贯責责貴贵買买貸贷費费貼贴貿贸賀贺資资賈贾賊贼賓宾賜赐賞赏賠赔賢贤賣卖賦赋質质賬账賴赖購购賽赛贊赞贏赢趕赶趙赵趨趋跡迹踐践蹟迹蹤踪躍跃車车軌轨軍军軒轩軟软' +
  '軸轴較较載载輔辅輕轻輛辆輝辉輩辈輪轮輯辑輸输輻辐輿舆轄辖轉转轎轿轟轰辦办辭辞辯辩農农迴回這这連连週周進进遊游運运過过達达違违遙遥遞递遠远遡溯適适遲迟遷迁選选遺遗' +
  '遼辽邁迈還还邊边邏逻郵邮鄉乡鄖郧鄧邓鄭郑鄰邻醜丑醣糖醫医釋释釐厘針针釦扣鈡钟鉅巨鉆钻銀银銅铜銜衔銳锐銷销鋒锋鋪铺鋭锐鋼钢錄录錛锛錢钱錦锦錫锡錯错録录錶表鍊炼鍋锅' +
  '鍵键鍼针鍾钟鎊镑鎖锁鎭镇鎮镇鏇旋鏈链鏡镜鐘钟鐵铁鑄铸鑑鉴鑒鉴鑽钻長长門门閃闪閉闭開开閑闲閒闲間间閣阁閤合閥阀閱阅閲阅闆板闇暗闊阔闖闯關关闢辟陝陕陞升陣阵陰阴陳陈' +
  '陸陆陽阳隊队階阶際际隨随險险隱隐隸隶隻只雖虽雙双雜杂雞鸡離离難难雲云電电霧雾靈灵靜静鞦秋韆千韋韦韓韩響响頁页頂顶頃顷項项順顺須须預预頑顽頒颁頓顿頗颇領领頭头頸颈' +
  '頻频顆颗題题額额顏颜顔颜願愿類类顧顾顫颤顯显風风颱台飄飘飛飞飯饭飲饮飽饱飾饰餅饼養养餓饿餘余館馆餬糊饋馈馬马馮冯馳驰駐驻駕驾駛驶駡骂騎骑騙骗騰腾驅驱驗验驚惊髒脏' +
  '體体髮发鬆松鬍胡鬚须鬥斗鬧闹鬱郁魚鱼魯鲁鮮鲜鳥鸟鳳凤鳴鸣鴨鸭鴻鸿鵝鹅鵬鹏鵰雕鶴鹤鷄鸡鷹鹰鹹咸鹼碱鹽盐麗丽麥麦麪面麫面麯曲麴曲麵面麼么麽么黃黄點点黨党鼕冬齊齐齋斋' +
  '齒齿齡龄齣出龍龙龐庞';

// ───────────────────────── Segmentation ─────────────────────────

const LEXICON = new Set<string>([...DOMAIN_TERMS, ...EQUIVALENTS.flat(), ...Object.keys(EXPANSIONS), ...Object.values(EXPANSIONS).flat()]);

let jieba: Jieba | undefined;
let t2s: Map<string, string> | undefined;
let periodRe: RegExp | undefined;
const periodOf = new Map<string, string>();

/** The jieba segmenter with the domain terms; built on first use (~180 ms), shared by all indexes. */
function segmenter(): Jieba {
  if (!jieba) {
    const j = Jieba.withDict(dict);
    // High frequency so that the domain term wins over splits of it, not so high that it eats neighbours.
    j.loadDict(Buffer.from([...LEXICON].map((w) => `${w} 50000 nz`).join('\n')));
    jieba = j;
  }
  return jieba;
}

/** Whether jieba cuts `text` into single characters over [at, at + n). */
function singleCharacters(text: string, at: number, n: number): boolean {
  let pos = 0;
  for (const w of segmenter().cut(text, false)) {
    const end = pos + w.length;
    if (end > at && pos < at + n && w.length > 1) return false;
    if (pos >= at + n) break;
    pos = end;
  }
  return true;
}

/** Load the dictionary now (e.g. at start-up) instead of on the first question. */
export function warmUpDutySearch(): void {
  segmenter();
}

/** NFKC, lower case, traditional → simplified, period expressions → canonical words (一个月 → 每月). */
export function normalizeQuestion(text: string): string {
  if (!t2s || !periodRe) {
    t2s = new Map();
    const chars = [...T2S_PAIRS];
    for (let i = 0; i + 1 < chars.length; i += 2) t2s.set(chars[i]!, chars[i + 1]!);
    for (const [canon, forms] of PERIODS) for (const f of forms) periodOf.set(f, canon);
    periodRe = new RegExp([...periodOf.keys()].sort((a, b) => b.length - a.length).join('|'), 'g');
  }
  const map = t2s;
  let s = '';
  for (const ch of text.normalize('NFKC').toLowerCase()) s += map.get(ch) ?? ch;
  return s.replace(periodRe, (m) => periodOf.get(m) ?? m);
}

const NOISE = /^[\p{P}\p{S}\p{Z}\s\d.]*$/u;
const PERIOD_WORDS = new Set(PERIODS.map(([c]) => c));
/** Index terms for a word found only inside a longer word (书记 inside 支部书记) carry this prefix. */
const PART = '~';
/** Index terms for a whole keyword that segments into several words (读一本书) carry this prefix. */
const PHRASE = '#';
const KEYWORD_SEPARATOR = '、';

function isContentWord(w: string): boolean {
  return !NOISE.test(w) && !STOP_WORDS.has(w);
}

const subWordCache = new Map<string, string[]>();

/** Dictionary words inside a longer word: 支部书记 → 支部, 书记. */
function subWords(w: string): string[] {
  let subs = subWordCache.get(w);
  if (!subs) {
    subs = [...new Set(segmenter().cutForSearch(w, false))].filter((s) => s !== w && s.length >= 2 && isContentWord(s));
    if (subWordCache.size > 50_000) subWordCache.clear();
    subWordCache.set(w, subs);
  }
  return subs;
}

/** Index terms of a field: its words, plus their parts marked as parts (a part match is a weaker match). */
function indexTerms(text: string): string[] {
  const out: string[] = [];
  for (const w of segmenter().cut(normalizeQuestion(text), false)) {
    if (!isContentWord(w)) continue;
    out.push(w);
    if (w.length >= 3) for (const s of subWords(w)) out.push(PART + s);
  }
  return out;
}

// ───────────────────────── Index ─────────────────────────

interface Doc {
  id: number;
  post: string;
  content: string;
  keywords: string;
  frequency: string;
  evidence: string;
}

const FIELD_BOOST = { keywords: 3, post: 3, content: 1, frequency: 1, evidence: 0.5 };

// How much a matched index term counts towards covering a question word.
const CREDIT_SYNONYM = 0.9;
const CREDIT_EXPANSION = 1; // 生活会 means 组织生活会
const CREDIT_QUERY_PART = 0.6; // a part of an unknown question word (普通党员 → 党员)
const CREDIT_INDEX_PART = 0.5; // the word only inside a longer item word (体检 in 政治体检)
/** A word found only in content or evidence, not in keywords, post or frequency, may be a passing mention (P-11 names 民主生活会). */
const CONTENT_ONLY = 0.75;

/** Question words of these parts of speech say little about the topic (adverbs, pronouns, numerals…). */
const FUNCTION_TAGS = /^(d|ad|r|m|q|p|c|u|y|f|t|e|o|x|uj|ul)$/;
const FUNCTION_WEIGHT = 0.3;
/** Part-of-speech tag given to a keyword found whole in a question. */
const PHRASE_TAG = 'kw';
const SINGLE_CHAR_WEIGHT = 0.5;
/** A topic word no item uses weighs more than a matched one: 单位停车位 is not answered by an item naming 单位. */
const UNKNOWN_WEIGHT = 2;
const UNKNOWN_DF_SHARE = 0.01;
/** An unknown verb weighs this share of an unknown noun. */
const UNKNOWN_VERB_SHARE = 0.7;

/** A hit must cover this share of the question (IDF- and credit-weighted). */
const MIN_COVERAGE = 0.45;
/** Hits below this share of the best hit's score are noise. */
const MIN_RELATIVE = 0.3;
const OWN_POST_BOOST = 1.6;
/**
 * A question that names no post (党课多久上一次) is about what the asker takes part in: items of the collective
 * posts (党支部, 机关党委, 党组(党委), 党员) and of the asker's own posts go slightly ahead of another post's duty
 * on the same topic (支部书记讲党课).
 */
const GENERAL_BOOST = 1.1;
const COLLECTIVE_POSTS = new Set(['党支部', '机关党委', '党组(党委)', '党组（党委）', '党员']);
/** BM25's best this many are checked for coverage; further down nothing would pass the relative threshold. */
const CANDIDATES = 100;

interface Concept {
  word: string;
  /** index term → credit */
  alts: Map<string, number>;
  /** idf × part-of-speech weight */
  weight: number;
  /** Says what the question is about (not only 每年 or an adverb). */
  topical: boolean;
}

interface Topic {
  text: string;
  norm: string;
  count: number;
}

export class DutyIndex {
  private readonly items: DutyItem[];
  private readonly engine: MiniSearch<Doc>;
  /** Items containing each index term, over all fields. */
  private readonly df = new Map<string, number>();
  private readonly posts: Set<string>;
  private readonly periodic: boolean[];
  /** The period words (每月…) of each item's frequency. */
  private readonly periods: Array<Set<string>>;
  private readonly occasional: boolean[];
  /** Items whose content states a number (for amount questions; a frequency counts times, not amounts). */
  private readonly quantified: boolean[];
  private readonly topics: Topic[];
  private readonly topicsByBigram = new Map<string, number[]>();
  /** Keywords that segment into several words, by first character, to find them whole in a question. */
  private readonly phrasesByChar = new Map<string, string[]>();
  /** Terms a typo is corrected to (domain terms, keywords, posts), normalised, longest first. */
  private readonly vocabulary: string[];
  private readonly vocabularySet: Set<string>;
  /** Posts, longest first, and the levels each appears at. */
  private readonly postLevels = new Map<string, Set<DutyLevelCode>>();

  constructor(items: DutyItem[]) {
    this.items = [...items];
    this.engine = new MiniSearch<Doc>({
      fields: ['post', 'content', 'keywords', 'frequency', 'evidence'],
      tokenize: (text, field) => (field === 'keywords' ? keywordTerms(text) : indexTerms(text)),
      processTerm: (t) => t,
      searchOptions: { tokenize: (q) => q.split(' '), processTerm: (t) => t, prefix: false, fuzzy: false, boost: FIELD_BOOST },
    });
    const docs: Doc[] = this.items.map((it, id) => ({
      id,
      post: it.post,
      content: it.content,
      keywords: it.keywords.join(KEYWORD_SEPARATOR),
      frequency: it.frequency,
      evidence: it.evidence,
    }));
    const topics = new Map<string, Topic>();
    for (const d of docs) {
      const terms = new Set<string>();
      for (const f of [d.post, d.content, d.frequency, d.evidence]) for (const t of indexTerms(f)) terms.add(t);
      for (const t of keywordTerms(d.keywords)) terms.add(t);
      for (const t of terms) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      for (const k of this.items[d.id]!.keywords) {
        const text = k.trim();
        const norm = normalizeQuestion(text);
        if (norm.length < 2) continue;
        const topic = topics.get(norm) ?? { text, norm, count: 0 };
        topic.count++;
        topics.set(norm, topic);
        if (this.df.has(PHRASE + norm)) {
          const list = this.phrasesByChar.get(norm[0]!) ?? [];
          if (!list.includes(norm)) list.push(norm);
          this.phrasesByChar.set(norm[0]!, list);
        }
      }
    }
    this.engine.addAll(docs);
    this.posts = new Set(this.items.map((it) => it.post));
    this.periodic = this.items.map((it) => PERIODIC.test(normalizeQuestion(it.frequency)));
    this.periods = this.items.map((it) => {
      const f = normalizeQuestion(it.frequency);
      return new Set([...PERIOD_WORDS].filter((w) => f.includes(w)));
    });
    this.occasional = this.items.map((it) => OCCASION.test(it.frequency) && !NO_TIME.test(it.frequency.trim()));
    this.quantified = this.items.map((it) => QUANTIFIED.test(it.content));
    this.topics = [...topics.values()].sort((a, b) => b.count - a.count || a.norm.localeCompare(b.norm));
    for (const it of this.items) {
      const levels = this.postLevels.get(it.post) ?? new Set<DutyLevelCode>();
      levels.add(it.level);
      this.postLevels.set(it.post, levels);
    }
    const vocab = new Set<string>([...LEXICON].map(normalizeQuestion));
    for (const t of this.topics) vocab.add(t.norm);
    for (const p of this.posts) vocab.add(normalizeQuestion(p));
    this.vocabularySet = vocab;
    this.vocabulary = [...vocab].filter((w) => [...w].length >= 2 && /^\p{Script=Han}+$/u.test(w)).sort((a, b) => b.length - a.length);
    this.topics.forEach((t, i) => {
      for (const bg of bigrams(t.norm)) {
        const list = this.topicsByBigram.get(bg) ?? [];
        list.push(i);
        this.topicsByBigram.set(bg, list);
      }
    });
  }

  get size(): number {
    return this.items.length;
  }

  ask(question: string, opts: AskOptions = {}): DutyAnswer {
    const limit = opts.limit ?? 5;
    const norm = this.correct(normalizeQuestion(question));
    const evidence = EVIDENCE.test(norm);
    const listed = this.periodList(norm, opts.askerPosts ?? []);
    if (listed) return { hits: listed.slice(0, limit), suggestions: [], evidence };
    // 交给谁审 asks who reviews it: the items about 审核.
    const { concepts, unknown, ownPosts } = this.concepts(norm.replace(WHO_APPROVES, ' 审核 ').replace(WHO, ' ').replace(PROOF_ASKED, ' '), opts.askerPosts ?? []);
    const none = (): DutyAnswer => ({ hits: [], suggestions: this.suggest(norm, unknown.length ? unknown : concepts.map((c) => c.word)), evidence });
    if (!concepts.some((c) => c.topical && c.alts.size > 0)) return none();

    // Periods (每年…) are checked on the candidates' frequencies, not searched: they occur in most items, and
    // searching them would score thousands of items in a large list.
    const boost = new Map<string, number>();
    for (const c of concepts) {
      if (PERIOD_WORDS.has(c.word)) continue;
      for (const [t, credit] of c.alts) boost.set(t, Math.max(boost.get(t) ?? 0, credit));
    }
    const general = new Set([...COLLECTIVE_POSTS, ...(opts.askerPosts ?? [])]);
    const results = this.engine.search([...boost.keys()].join(' '), {
      boostTerm: (t) => boost.get(t) ?? 1,
      boostDocument: ownPosts.size > 0 ? (id: number) => (ownPosts.has(this.items[id]!.post) ? OWN_POST_BOOST : 1) : this.namesPost(norm) ? undefined : (id: number) => (general.has(this.items[id]!.post) ? GENERAL_BOOST : 1),
    });

    // The frequency field answers how often / when; an item without one cannot answer those questions
    // even if it mentions the topic (P-11 names 民主生活会 but does not say when it is held).
    const howOften = HOW_OFTEN.test(norm);
    const howMuch = HOW_MUCH.test(norm);
    const who = WHO_ASKED.test(norm);
    const when = WHEN.test(norm);
    const total = concepts.reduce((s, c) => s + c.weight, 0);
    const scored: Array<DutyHit & { full: boolean }> = [];
    let considered = 0;
    for (const r of results) {
      const id = r.id as number;
      if ((howOften || when) && !this.periodic[id] && !this.occasional[id]) continue;
      if (++considered > CANDIDATES) break;
      if (howMuch && !this.quantified[id]) continue;
      let covered = 0;
      let topical = false;
      let strong = false;
      for (const c of concepts) {
        const credit = PERIOD_WORDS.has(c.word) ? (this.periods[id]!.has(c.word) ? 1 : 0) : bestCredit(c, r);
        covered += c.weight * credit;
        if (credit > 0 && c.topical) topical = true;
        if (c.topical && !PERIOD_WORDS.has(c.word) && bestCredit(c, r, true) > 0) strong = true;
      }
      const coverage = covered / total;
      if (!topical || coverage < MIN_COVERAGE) continue;
      // Only an item about the question's topic answers it: a topic word in its keywords, post or frequency.
      // One that mentions the topic in passing does not (P-11 names 民主生活会 but says nothing of how it is
      // held or who takes part). An item without keywords is judged by its content.
      if (!strong && this.items[id]!.keywords.length > 0) continue;
      // MiniSearch multiplies by the number of matched terms, which synonyms would inflate; coverage replaces it.
      scored.push({ item: this.items[id]!, score: (r.score / Math.max(1, r.queryTerms.length)) * coverage ** 2, full: coverage > 0.999 });
    }
    scored.sort((a, b) => b.score - a.score);
    const best = scored[0]?.score ?? 0;
    // An item matching every word of the question strongly is an answer however its BM25 compares
    // ("支部书记要做什么" lists all of the secretary's items).
    const hits = scored
      .filter((h) => h.full || h.score >= best * MIN_RELATIVE)
      .slice(0, limit)
      .map(({ item, score }) => ({ item, score }));
    return hits.length > 0 ? { hits, suggestions: [], evidence } : none();
  }

  /**
   * Homophone typos (民主平议 → 民主评议, 组织生活回 → 组织生活会): a span of the question that is no known word
   * and differs from a term of the list in one character with the same sound (pinyin without tones) is
   * read as that term. Terms of three characters or more only.
   */
  private correct(norm: string): string {
    let out = norm;
    for (const term of this.vocabulary) {
      const len = term.length;
      if (len > out.length || out.includes(term)) continue;
      for (let i = 0; i + len <= out.length; i++) {
        let diff = -1;
        for (let k = 0; k < len; k++) {
          if (out[i + k] === term[k]) continue;
          if (diff >= 0) {
            diff = -2;
            break;
          }
          diff = k;
        }
        if (diff < 0) continue;
        const span = out.slice(i, i + len);
        if (this.vocabularySet.has(span) || this.df.has(span) || !sameSound(out[i + diff]!, term[diff]!)) continue;
        // Two characters are corrected only where the question falls apart into single characters there
        // (党棵 → 党课): not a word of its own (当日), nor across words (组织委员 holds no 支委).
        if (len === 2 && !singleCharacters(out, i, 2)) continue;
        out = out.slice(0, i) + term + out.slice(i + len);
        break;
      }
    }
    return out;
  }

  /**
   * A question that names a period and nothing else to look for (这个月要做什么, 本季度要干啥, 每半年要干什么,
   * 年底前支部还要做哪些, 支部书记每季度要做什么): the items whose frequency has that period, for the post or
   * level named, else for the asker: their own posts' items first, then those of their levels' collective
   * (党支部, 机关党委, 党组(党委)) and of every 党员; items of other levels only when those have none. Null when
   * the question is not of this kind.
   */
  private periodList(norm: string, askerPosts: string[]): DutyHit[] | null {
    let rest = norm;
    let period: string | null = null;
    for (const [canon, re] of PERIOD_ASKED) {
      if (re.test(rest)) {
        period ??= canon;
        rest = rest.replace(re, ' ');
      }
      re.lastIndex = 0;
    }
    if (!period) return null;
    const named = new Set<string>();
    for (const p of [...this.posts].sort((a, b) => b.length - a.length)) {
      const n = normalizeQuestion(p);
      if (COLLECTIVE_POSTS.has(p) || !rest.includes(n)) continue;
      named.add(p);
      rest = rest.split(n).join(' ');
    }
    // 普通党员 names the 党员 post (a bare 党员 may be part of 党员大会 and is left to the search).
    if (/(?:普通|一般)党员/.test(rest) && this.posts.has('党员')) {
      named.add('党员');
      rest = rest.replace(/(?:普通|一般)党员/g, ' ');
    }
    if (rest.includes('党小组')) {
      for (const p of this.posts) if (p.startsWith('党小组')) named.add(p);
      rest = rest.split('党小组').join(' ');
    }
    let level: DutyLevelCode | null = null;
    for (const [w, lv] of LEVEL_WORDS) {
      if (!rest.includes(w)) continue;
      level ??= lv;
      rest = rest.split(w).join(' ');
    }
    for (const w of [...ROLE_WORDS].sort((a, b) => b.length - a.length)) {
      if (!rest.includes(w)) continue;
      // A bare 书记: the asker's own secretary post, else the one at the level named (the branch's by default).
      const own = askerPosts.filter((p) => p.includes(w) && this.posts.has(p));
      const atLevel = [...this.posts].filter((p) => p.includes(w) && !COLLECTIVE_POSTS.has(p) && this.postLevels.get(p)?.has(level ?? 'BRANCH'));
      for (const p of own.length ? own : atLevel) named.add(p);
      rest = rest.split(w).join(' ');
    }
    rest = rest.replace(/我们?|咱们?|大家|本人/g, ' ');
    if (segmenter().cut(rest, false).some((w) => isContentWord(w) && !LISTING_FILLER.has(w))) return null;

    const ids = this.items.map((_, i) => i).filter((i) => this.periods[i]!.has(period));
    const collective = (i: number) => COLLECTIVE_POSTS.has(this.items[i]!.post);
    let tiers: number[][];
    if (named.size) {
      const levels = new Set([...named].flatMap((p) => [...(this.postLevels.get(p) ?? [])]));
      tiers = [ids.filter((i) => named.has(this.items[i]!.post)), ids.filter((i) => collective(i) && this.items[i]!.post !== '党员' && levels.has(this.items[i]!.level))];
    } else if (level) {
      const at = ids.filter((i) => this.items[i]!.level === level);
      tiers = [at.filter(collective), at.filter((i) => !collective(i))];
    } else {
      const own = new Set(askerPosts.filter((p) => this.posts.has(p) && !COLLECTIVE_POSTS.has(p)));
      const levels = new Set<DutyLevelCode>(['BRANCH', ...[...own].flatMap((p) => [...(this.postLevels.get(p) ?? [])])]);
      // Their own posts, then what every 党员 does, then their levels' collective duties.
      const mine = [ids.filter((i) => own.has(this.items[i]!.post)), ids.filter((i) => this.items[i]!.post === '党员'), ids.filter((i) => collective(i) && this.items[i]!.post !== '党员' && levels.has(this.items[i]!.level))];
      tiers = mine.some((t) => t.length) ? mine : [ids];
    }
    const hits: DutyHit[] = [];
    const seen = new Set<number>();
    tiers.forEach((tier, t) => {
      for (const i of tier) {
        if (seen.has(i)) continue;
        seen.add(i);
        hits.push({ item: this.items[i]!, score: LIST_SCORE - t - hits.length / 1000 });
      }
    });
    return hits.length ? hits : null;
  }

  /** Does the question name a post or a role (书记, 委员, 组织委员 …)? */
  private namesPost(norm: string): boolean {
    if (ROLE_WORDS.some((w) => norm.includes(w))) return true;
    for (const p of this.posts) if (!COLLECTIVE_POSTS.has(p) && norm.includes(normalizeQuestion(p))) return true;
    return false;
  }

  /** The question's words, each with the index terms that count as finding it. */
  private concepts(norm: string, askerPosts: string[]): { concepts: Concept[]; unknown: string[]; ownPosts: Set<string> } {
    const concepts: Concept[] = [];
    const unknown: string[] = [];
    const ownPosts = new Set<string>();
    const seen = new Set<string>();
    const n = this.items.length;
    const idfOf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5)); // as BM25
    const idf = (t: string) => idfOf(this.df.get(t) ?? 1);
    const words = this.words(norm);
    for (const { word, tag } of words) {
      if (!isContentWord(word) || seen.has(word)) continue;
      seen.add(word);
      const alts = new Map<string, number>();
      const add = (t: string, credit: number) => {
        for (const [term, c] of [[t, credit], [PART + t, credit * CREDIT_INDEX_PART]] as const) {
          if (this.df.has(term) && (alts.get(term) ?? 0) < c) alts.set(term, c);
        }
      };
      // A shorthand means its expansion first (评议 → 民主评议党员 before 相互评议).
      add(word, EXPANSIONS[word] ? CREDIT_SYNONYM : 1);
      if (tag === PHRASE_TAG) {
        // The keyword whole, or any of its words as a partial match (承诺践诺 → 践诺).
        add(PHRASE + word, 1);
        for (const t of wholeTerms(word)) add(t, CREDIT_INDEX_PART);
      }
      for (const group of EQUIVALENTS) if (group.includes(word)) for (const t of group) add(t, CREDIT_SYNONYM);
      for (const t of EXPANSIONS[word] ?? []) {
        add(t, CREDIT_EXPANSION);
        for (const group of EQUIVALENTS) if (group.includes(t)) for (const g of group) add(g, CREDIT_SYNONYM);
      }
      if (ROLE_WORDS.includes(word)) {
        // A bare 书记 means the asker's own secretary post first.
        for (const p of askerPosts) {
          if (!p.includes(word) || !this.posts.has(p)) continue;
          ownPosts.add(p);
          for (const t of wholeTerms(p)) add(t, 1);
        }
      }
      // An unknown general compound may end in a known head word (普通党员 → 党员); not 会议室 → 会议, and a
      // domain term stays whole.
      if (alts.size === 0 && word.length >= 3 && !LEXICON.has(word)) {
        for (const s of subWords(word)) if (word.endsWith(s)) add(s, CREDIT_QUERY_PART);
      }
      // jieba tags 每月 as a pronoun; a period is not filler.
      const functional = FUNCTION_TAGS.test(tag) && !PERIOD_WORDS.has(word);
      const posWeight = (functional ? FUNCTION_WEIGHT : 1) * (word.length === 1 ? SINGLE_CHAR_WEIGHT : 1);
      if (alts.size === 0) {
        if (isDistinctive(word, tag)) {
          unknown.push(word);
          concepts.push({ word, alts, weight: 0, topical: false }); // weighed below
        } else if (isTopicalVerb(word, tag)) {
          // 退休, 出国, 转正: a verb no item uses says what the question is about, a little less surely than a noun.
          concepts.push({ word, alts, weight: -UNKNOWN_VERB_SHARE, topical: false });
        }
        continue;
      }
      const weight = posWeight * Math.max(...[...alts.keys()].map(idf));
      concepts.push({ word, alts, weight, topical: !functional && word.length >= 2 && !PERIOD_WORDS.has(word) });
    }
    // How rare an unknown word is cannot be measured (df 0); count it as a word found in 1 % of the items, so
    // that its weight does not grow without bound with the size of the list.
    const unknownIdf = idfOf(Math.max(1, n * UNKNOWN_DF_SHARE));
    for (const c of concepts) if (c.alts.size === 0) c.weight = UNKNOWN_WEIGHT * unknownIdf * (c.weight < 0 ? -c.weight : 1);
    if (/我/.test(norm)) {
      // 我 stands for the asker's posts: "我每个月要做什么" asks about the items of those posts.
      const alts = new Map<string, number>();
      for (const p of askerPosts) {
        if (!this.posts.has(p)) continue;
        ownPosts.add(p);
        for (const t of wholeTerms(p)) if (this.df.has(t)) alts.set(t, 1);
      }
      if (alts.size > 0) concepts.push({ word: '我', alts, weight: Math.max(...[...alts.keys()].map(idf)), topical: true });
    }
    return { concepts, unknown, ownPosts };
  }

  /** The question's words; a keyword of the list found whole replaces the words it spans (读/一/本书 → 读一本书). */
  private words(norm: string): Array<{ word: string; tag: string }> {
    const spans: Array<[number, number]> = [];
    for (let i = 0; i < norm.length; i++) {
      let longest = '';
      for (const p of this.phrasesByChar.get(norm[i]!) ?? []) if (p.length > longest.length && norm.startsWith(p, i)) longest = p;
      if (longest) {
        spans.push([i, i + longest.length]);
        i += longest.length - 1;
      }
    }
    const tagged = segmenter().tag(norm, false);
    if (spans.length === 0) return tagged;
    const out: Array<{ word: string; tag: string }> = spans.map(([a, b]) => ({ word: norm.slice(a, b), tag: PHRASE_TAG }));
    let at = 0;
    for (const w of tagged) {
      const start = at;
      at += w.word.length;
      if (!spans.some(([a, b]) => start >= a && at <= b)) out.push(w);
    }
    return out;
  }

  /** 3–5 topic words the list covers: those sharing most character pairs with the question, then the commonest. */
  private suggest(norm: string, words: string[]): string[] {
    const grams = new Set<string>([...bigrams(norm), ...words.flatMap(bigrams)]);
    const overlap = new Map<number, number>();
    for (const g of grams) for (const i of this.topicsByBigram.get(g) ?? []) overlap.set(i, (overlap.get(i) ?? 0) + 1);
    const close = [...overlap.entries()]
      .map(([i, o]) => ({ i, sim: (2 * o) / (grams.size + bigrams(this.topics[i]!.norm).length) }))
      .filter((x) => x.sim >= 0.2)
      .sort((a, b) => b.sim - a.sim || a.i - b.i)
      .map((x) => x.i);
    const out: string[] = [];
    const taken: string[] = [];
    for (const i of [...close, ...this.topics.keys()]) {
      const t = this.topics[i]!;
      if (taken.some((x) => x.includes(t.norm) || t.norm.includes(x))) continue;
      taken.push(t.norm);
      out.push(t.text);
      if (out.length >= 5) break;
    }
    return out;
  }
}

/** The words of a text as indexed, without parts (党组(党委) → 党组, 党委). */
function wholeTerms(text: string): string[] {
  return indexTerms(text).filter((t) => !t.startsWith(PART));
}

/** Index terms of the keywords field: each keyword's words, and the keyword whole when it has several. */
function keywordTerms(text: string): string[] {
  const out: string[] = [];
  for (const k of text.split(KEYWORD_SEPARATOR)) {
    const terms = indexTerms(k);
    out.push(...terms);
    if (terms.filter((t) => !t.startsWith(PART)).length > 1) out.push(PHRASE + normalizeQuestion(k.trim()));
  }
  return out;
}

/** A verb of two characters or more that is not question filler (the generic ones are STOP_WORDS). */
function isTopicalVerb(word: string, tag: string): boolean {
  return word.length >= 2 && /^v[di]?$/.test(tag);
}

/** Nouns and domain terms carry the topic of a question. */
function isDistinctive(word: string, tag: string): boolean {
  return word.length >= 2 && (/^n/.test(tag) || tag === 'vn' || LEXICON.has(word));
}

/** The best credit any of the concept's terms earns in this result, lowered for content-only mentions (none with `strongOnly`). */
function bestCredit(c: Concept, r: SearchResult, strongOnly = false): number {
  let best = 0;
  for (const [term, credit] of c.alts) {
    const fields = (r.match as Record<string, string[] | undefined>)[term];
    if (!fields) continue;
    const strong = fields.includes('keywords') || fields.includes('post') || fields.includes('frequency');
    if (strongOnly && !strong) continue;
    best = Math.max(best, credit * (strong ? 1 : CONTENT_ONLY));
  }
  return best;
}

const soundCache = new Map<string, string[]>();

/** Two Han characters that can be read alike (pinyin without tones, any reading of either). */
function sameSound(a: string, b: string): boolean {
  if (!/\p{Script=Han}/u.test(a) || !/\p{Script=Han}/u.test(b)) return false;
  const read = (c: string) => {
    let r = soundCache.get(c);
    if (!r) {
      r = pinyin(c, { toneType: 'none', type: 'array', multiple: true });
      soundCache.set(c, r);
    }
    return r;
  };
  const rb = read(b);
  return read(a).some((x) => rb.includes(x));
}

function bigrams(s: string): string[] {
  const chars = [...s].filter((c) => /\p{Script=Han}|[a-z0-9]/u.test(c));
  if (chars.length === 1) return [chars[0]!];
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}
