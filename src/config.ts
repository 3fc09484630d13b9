// The one place that reads process.env. Every variable is documented in .env.example and the README.
import fs from 'node:fs';
import { z } from 'zod';
import type { PlatformsConfig } from './platforms/config.js';
import { larkDomain } from './platforms/lark/config.js';
import { parseRateLimits } from '../jobs/rate-limit.js';
import { loadHolidayCalendar, type HolidayCalendar } from './domain/holidays.js';
import { cronProblem } from './domain/cron.js';

/** Secrets that may also be given as a file (Docker and Kubernetes secrets): NAME_FILE=/run/secrets/… */
export const FILE_VARIABLES = [
  'APP_SECRET', 'APP_SECRET_PREVIOUS', 'DATABASE_URL', 'QUEUE_DATABASE_URL', 'REDIS_URL', 'LARK_APP_SECRET', 'LARK_ENCRYPT_KEY',
  'LARK_VERIFICATION_TOKEN', 'DINGTALK_CLIENT_SECRET', 'WECOM_BOT_SECRET', 'WECOM_APP_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'LLM_API_KEY',
] as const;

/** Settings holding a cron pattern (checked with cron-parser in TIMEZONE). */
const CRON_VARIABLES = ['COMPLIANCE_SCAN_CRON', 'PLEDGE_REMIND_CRON', 'BACKUP_CRON'] as const;

/**
 * Read `.env` from the working directory into process.env with Node's own loader (variables already
 * set win). Entry points call it before loadConfig; tests never do.
 */
export function loadEnvFile(file = '.env'): boolean {
  if (!fs.existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: '必须是 true 或 false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `必须是以 ${protocols.map((p) => p + '//').join(' 或 ')} 开头的地址` },
  );

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test'], { message: '必须是 development、production 或 test' }).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number({ message: '必须是端口号' }).int('必须是整数').min(0, '必须在 0–65535 之间').max(65535, '必须在 0–65535 之间').default(3000),
    PUBLIC_URL: url(['http:', 'https:']).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    QUEUE_BACKEND: z.enum(['redis', 'postgres', 'embedded'], { message: '必须是 redis、postgres 或 embedded' }).optional(),
    QUEUE_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    QUEUE_PREFIX: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/, '只能包含小写字母、数字和下划线').default('zhibu'),
    APP_SECRET: z.string().min(32, '至少 32 个字符').optional(),
    APP_SECRET_PREVIOUS: z.string().min(32, '至少 32 个字符').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: '必须是 fatal/error/warn/info/debug/trace/silent 之一' }).default('info'),
    TIMEZONE: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('zh-CN', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, '不是有效的 IANA 时区名，例如 Asia/Shanghai')
      .default('Asia/Shanghai'),
    SEED_DEMO: bool.optional(),
    RUN_WORKERS: bool.default(true),
    CONSOLE_ENABLED: bool.optional(),
    QUEUE_START_TIMEOUT_MS: z.coerce.number().int().min(100, '至少 100 毫秒').max(120_000, '至多 120000 毫秒').default(10_000),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000, '至少 1000 毫秒').max(60_000, '至多 60000 毫秒').default(10_000),
    // ── Organizational life (issue 4): check-in window, 补签 period, compliance threshold ──
    CHECKIN_OPENS_BEFORE_MINUTES: z.coerce.number({ message: '必须是分钟数' }).int('必须是整数').min(0, '不能为负').max(1440, '至多 1440 分钟').default(30),
    CHECKIN_CLOSES_AFTER_MINUTES: z.coerce.number({ message: '必须是分钟数' }).int('必须是整数').min(10, '至少 10 分钟').max(1440, '至多 1440 分钟').default(120),
    LATE_CHECKIN_DAYS: z.coerce.number({ message: '必须是天数' }).int('必须是整数').min(0, '不能为负').max(60, '至多 60 天').default(7),
    COMPLIANCE_AT_RISK_DAYS: z.coerce.number({ message: '必须是天数' }).int('必须是整数').min(0, '不能为负').max(90, '至多 90 天').default(10),
    // ── 驾驶舱 (issue 16): a quarter's figures are frozen this many days after it ends ──
    DASHBOARD_SNAPSHOT_DAYS: z.coerce.number({ message: '必须是天数' }).int('必须是整数').min(0, '不能为负').max(90, '至多 90 天').default(5),
    // ── Pictures and files sent with records: stored by SHA-256 up to this size (issue 19) ──
    ATTACHMENT_MAX_BYTES: z.coerce.number({ message: '必须是字节数' }).int('必须是整数').min(1024, '至少 1024 字节').max(100 * 1024 * 1024, '至多 104857600 字节（100 MB，飞书可下载的上限）').default(20 * 1024 * 1024),
    // ── Platform adapters (issue 7): each starts only when its credentials are set ──
    LARK_APP_ID: z.string().optional(),
    LARK_APP_SECRET: z.string().optional(),
    LARK_DOMAIN: z.union([z.enum(['feishu', 'lark']), url(['http:', 'https:'])]).default('feishu'),
    LARK_MODE: z.enum(['ws', 'webhook'], { message: '必须是 ws 或 webhook' }).default('ws'),
    LARK_ENCRYPT_KEY: z.string().optional(),
    LARK_VERIFICATION_TOKEN: z.string().optional(),
    LARK_WEBHOOK_PATH: z.string().regex(/^\/[\w\-/]*$/, '必须是以 / 开头的路径').default('/webhooks/lark'),
    LARK_CARD_ACK_MS: z.coerce.number().int().min(100).max(2900, '飞书要求 3 秒内响应，至多 2900 毫秒').default(2500),
    DINGTALK_CLIENT_ID: z.string().optional(),
    DINGTALK_CLIENT_SECRET: z.string().optional(),
    DINGTALK_ROBOT_CODE: z.string().optional(),
    DINGTALK_API_BASE: url(['http:', 'https:']).default('https://api.dingtalk.com'),
    DINGTALK_OAPI_BASE: url(['http:', 'https:']).default('https://oapi.dingtalk.com'),
    DINGTALK_GATEWAY_URL: url(['http:', 'https:']).optional(),
    DINGTALK_CARD_TEMPLATE_ID: z.string().optional(),
    DINGTALK_CARD_ACK_MS: z.coerce.number().int().min(100).max(10_000).default(2500),
    DINGTALK_SESSION_WEBHOOK: bool.default(true),
    WECOM_BOT_ID: z.string().optional(),
    WECOM_BOT_SECRET: z.string().optional(),
    WECOM_MODE: z.enum(['ws', 'webhook'], { message: '必须是 ws 或 webhook' }).default('ws'),
    WECOM_WS_URL: url(['ws:', 'wss:']).default('wss://openws.work.weixin.qq.com'),
    WECOM_TOKEN: z.string().optional(),
    WECOM_ENCODING_AES_KEY: z.string().length(43, '必须是 43 个字符').optional(),
    WECOM_WEBHOOK_PATH: z.string().regex(/^\/[\w\-/]*$/, '必须是以 / 开头的路径').default('/webhooks/wecom'),
    WECOM_CARD_ACK_MS: z.coerce.number().int().min(100).max(4900, '企业微信要求 5 秒内响应，至多 4900 毫秒').default(4000),
    // ── 驾驶舱 web sign-in through a platform (issue 16): each optional ──
    LARK_WEB_LOGIN: bool.default(false),
    LARK_OAUTH_BASE: url(['http:', 'https:']).optional(),
    DINGTALK_WEB_LOGIN: bool.default(false),
    DINGTALK_LOGIN_BASE: url(['http:', 'https:']).default('https://login.dingtalk.com'),
    DINGTALK_CORP_ID: z.string().optional(),
    WECOM_CORP_ID: z.string().optional(),
    WECOM_AGENT_ID: z.string().regex(/^\d+$/, '必须是数字（应用的 AgentId）').optional(),
    WECOM_APP_SECRET: z.string().optional(),
    WECOM_API_BASE: url(['http:', 'https:']).default('https://qyapi.weixin.qq.com'),
    WECOM_OAUTH_BASE: url(['http:', 'https:']).default('https://open.weixin.qq.com'),
    WECHATY_PUPPET: z.string().optional(),
    WECHATY_PUPPET_OPTIONS: z
      .string()
      .refine((v) => {
        try {
          return typeof JSON.parse(v) === 'object';
        } catch {
          return false;
        }
      }, '必须是 JSON 对象，例如 {"token":"..."}')
      .optional(),
    WECHATY_NAME: z.string().default('zhibu'),
    // ── Jobs (issue 5): delivery limits and retries, reminder guardrails, compliance scan ──
    RATE_LIMITS: z.string().optional(),
    DELIVER_ATTEMPTS: z.coerce.number({ message: '必须是次数' }).int('必须是整数').min(1, '至少 1 次').max(50, '至多 50 次').default(8),
    DELIVER_CONCURRENCY: z.coerce.number({ message: '必须是数字' }).int('必须是整数').min(1, '至少 1').max(500, '至多 500').default(16),
    QUIET_HOURS: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d-([01]?\d|2[0-3]):[0-5]\d$/, '应为 开始-结束，例如 21:00-08:00').default('21:00-08:00'),
    WORK_MORNING: z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, '应为 HH:MM，例如 09:00').default('09:00'),
    NUDGE_DAILY_BUDGET: z.coerce.number({ message: '必须是次数' }).int('必须是整数').min(0, '不能为负').max(50, '至多 50').default(3),
    COMPLIANCE_SCAN_CRON: z.string().default('30 8 * * *'),
    PLEDGE_REMIND_CRON: z.string().default('30 9 * * *'),
    // ── Running it for years (issue 17): backups of the embedded data, metrics ──
    BACKUP_CRON: z.string().default('15 3 * * *'),
    BACKUP_KEEP: z.coerce.number({ message: '必须是份数' }).int('必须是整数').min(0, '不能为负（0 = 不做定时备份）').max(365, '至多 365 份').default(7),
    METRICS_ENABLED: bool.default(true),
    HOLIDAYS_FILE: z.string().min(1).default('holidays.yaml'),
    PLATFORM_AUTO_RECONNECT: bool.default(true),
    FORM_LINK_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
    // ── Responsibility-list answers (issue 6): optional model phrasing, off unless both are set ──
    LLM_BASE_URL: url(['http:', 'https:']).optional(),
    LLM_MODEL: z.string().min(1).max(200).optional(),
    LLM_API_KEY: z.string().optional(),
    LLM_TIMEOUT_MS: z.coerce.number({ message: '必须是毫秒数' }).int('必须是整数').min(500, '至少 500 毫秒').max(12_000, '至多 12000 毫秒').default(8000),
  })
  .superRefine((env, ctx) => {
    if (env.QUEUE_BACKEND === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['QUEUE_BACKEND'], message: '设为 redis 时必须同时设置 REDIS_URL' });
    }
    if (env.QUEUE_BACKEND === 'postgres' && !env.QUEUE_DATABASE_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['QUEUE_BACKEND'], message: '设为 postgres 时必须设置 QUEUE_DATABASE_URL 或 DATABASE_URL' });
    }
    // Platform adapters: a half-configured platform is a mistake, not "off".
    const pairs: Array<[keyof typeof env, keyof typeof env]> = [
      ['LARK_APP_ID', 'LARK_APP_SECRET'],
      ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET'],
      ['WECOM_BOT_ID', 'WECOM_BOT_SECRET'],
    ];
    for (const [a, b] of pairs) {
      if (!!env[a] !== !!env[b]) ctx.addIssue({ code: 'custom', path: [env[a] ? b : a], message: `与 ${env[a] ? a : b} 必须同时设置` });
    }
    if (env.LARK_APP_ID && env.LARK_MODE === 'webhook' && !env.LARK_ENCRYPT_KEY && !env.LARK_VERIFICATION_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['LARK_ENCRYPT_KEY'], message: 'LARK_MODE=webhook 时必须设置（或至少设置 LARK_VERIFICATION_TOKEN）' });
    }
    if (env.WECOM_MODE === 'webhook' && (env.WECOM_BOT_ID || env.WECOM_TOKEN) && (!env.WECOM_TOKEN || !env.WECOM_ENCODING_AES_KEY)) {
      ctx.addIssue({ code: 'custom', path: [env.WECOM_TOKEN ? 'WECOM_ENCODING_AES_KEY' : 'WECOM_TOKEN'], message: 'WECOM_MODE=webhook 时必须同时设置 WECOM_TOKEN 和 WECOM_ENCODING_AES_KEY' });
    }
    if (env.LARK_WEB_LOGIN && !env.LARK_APP_ID) ctx.addIssue({ code: 'custom', path: ['LARK_WEB_LOGIN'], message: '需要同时设置 LARK_APP_ID 和 LARK_APP_SECRET（同一应用开启网页应用能力）' });
    if (env.DINGTALK_WEB_LOGIN && !env.DINGTALK_CLIENT_ID) ctx.addIssue({ code: 'custom', path: ['DINGTALK_WEB_LOGIN'], message: '需要同时设置 DINGTALK_CLIENT_ID 和 DINGTALK_CLIENT_SECRET' });
    const wecomApp = [env.WECOM_CORP_ID, env.WECOM_AGENT_ID, env.WECOM_APP_SECRET];
    if (wecomApp.some(Boolean) && !wecomApp.every(Boolean)) {
      ctx.addIssue({ code: 'custom', path: [!env.WECOM_CORP_ID ? 'WECOM_CORP_ID' : !env.WECOM_AGENT_ID ? 'WECOM_AGENT_ID' : 'WECOM_APP_SECRET'], message: '企业微信网页登录需要同时设置 WECOM_CORP_ID、WECOM_AGENT_ID 和 WECOM_APP_SECRET' });
    }
    if (env.NODE_ENV === 'production' && !env.PUBLIC_URL && (env.LARK_WEB_LOGIN || env.DINGTALK_WEB_LOGIN || env.WECOM_CORP_ID)) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: '平台网页登录需要设置（平台登录后跳回的地址）' });
    }
    if (env.RATE_LIMITS) {
      try {
        parseRateLimits(env.RATE_LIMITS);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['RATE_LIMITS'], message: (err as Error).message });
      }
    }
    if (!!env.LLM_BASE_URL !== !!env.LLM_MODEL) {
      ctx.addIssue({ code: 'custom', path: [env.LLM_BASE_URL ? 'LLM_MODEL' : 'LLM_BASE_URL'], message: `与 ${env.LLM_BASE_URL ? 'LLM_BASE_URL' : 'LLM_MODEL'} 必须同时设置` });
    }
    for (const name of CRON_VARIABLES) {
      const problem = cronProblem(env[name], env.TIMEZONE);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
    if (env.APP_SECRET_PREVIOUS && env.APP_SECRET_PREVIOUS === env.APP_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['APP_SECRET_PREVIOUS'], message: '与 APP_SECRET 相同：轮换时填旧密钥，APP_SECRET 填新密钥' });
    }
    try {
      loadHolidayCalendar(env.HOLIDAYS_FILE);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['HOLIDAYS_FILE'], message: (err as Error).message });
    }
    if (env.NODE_ENV === 'production' && !env.APP_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['APP_SECRET'], message: '生产环境必须设置（用于签名卡片令牌和链接）' });
    }
  });

export type QueueBackendKind = 'redis' | 'postgres' | 'embedded';

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl?: string;
  queue: { backend: QueueBackendKind; redisUrl?: string; databaseUrl?: string; prefix: string };
  appSecret?: string;
  /** The secret before the last rotation: still accepted when verifying tokens and links, never used to sign. */
  appSecretPrevious?: string;
  logLevel: string;
  timezone: string;
  seedDemo: boolean;
  runWorkers: boolean;
  consoleEnabled: boolean;
  shutdownTimeoutMs: number;
  queueStartTimeoutMs: number;
  /** Organizational life: check-in window, 补签 period, compliance at-risk threshold. */
  life: { checkinOpensBeforeMinutes: number; checkinClosesAfterMinutes: number; lateCheckinDays: number; atRiskDays: number };
  /** 驾驶舱: days after a quarter ends at which its snapshot is frozen. */
  dashboard: { snapshotDays: number };
  /** Chat attachments kept with records: the largest file stored, bytes. */
  attachments: { maxBytes: number };
  /** Platform adapters; a platform is absent when its credentials are not set. */
  platforms: PlatformsConfig;
  /** Model phrasing of responsibility-list answers; absent (off) unless LLM_BASE_URL and LLM_MODEL are set. */
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number };
  /** Scheduled backups of the embedded database into DATA_DIR/backups (keep 0 = off). */
  backup: { cron: string; keep: number };
  metricsEnabled: boolean;
  /** Background jobs: delivery limits and retries, reminder guardrails, compliance scan. */
  jobs: {
    rateLimits?: string;
    deliverAttempts: number;
    deliverConcurrency: number;
    guardrails: { quietStart: string; quietEnd: string; workMorning: string; dailyNudgeBudget: number; calendar: HolidayCalendar };
    complianceCron: string;
    /** Daily pledge reminders (jobs/pledges.ts), cron in TIMEZONE. */
    pledgeRemindCron: string;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置错误 (invalid configuration):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set" (docker-compose and .env files produce them).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
  // NAME_FILE: the secret is the file's content (one trailing newline dropped).
  const fileProblems: string[] = [];
  for (const name of FILE_VARIABLES) {
    const file = cleaned[`${name}_FILE`];
    if (!file) continue;
    if (cleaned[name] !== undefined) fileProblems.push(`${name}_FILE: 与 ${name} 只能设置一个`);
    else {
      try {
        cleaned[name] = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        fileProblems.push(`${name}_FILE: 无法读取文件 ${file}（${(e as NodeJS.ErrnoException).code ?? (e as Error).message}）`);
      }
    }
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success || fileProblems.length) {
    throw new ConfigError([
      ...fileProblems,
      ...(parsed.success ? [] : parsed.error.issues).map((i) => {
        const name = String(i.path[0] ?? '');
        const shown = name && cleaned[name] !== undefined && !/SECRET|URL/.test(name) ? `（当前值 "${cleaned[name]}"）` : '';
        return `${name}: ${i.message}${shown}`;
      }),
    ]);
  }
  const e = parsed.data;
  const backend: QueueBackendKind = e.QUEUE_BACKEND ?? (e.REDIS_URL ? 'redis' : 'embedded');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    queue: {
      backend,
      redisUrl: e.REDIS_URL,
      databaseUrl: backend === 'postgres' ? (e.QUEUE_DATABASE_URL ?? e.DATABASE_URL) : undefined,
      prefix: e.QUEUE_PREFIX,
    },
    appSecret: e.APP_SECRET,
    appSecretPrevious: e.APP_SECRET_PREVIOUS,
    logLevel: e.LOG_LEVEL,
    timezone: e.TIMEZONE,
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV !== 'production',
    runWorkers: e.RUN_WORKERS,
    consoleEnabled: e.CONSOLE_ENABLED ?? e.NODE_ENV !== 'production',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    queueStartTimeoutMs: e.QUEUE_START_TIMEOUT_MS,
    life: {
      checkinOpensBeforeMinutes: e.CHECKIN_OPENS_BEFORE_MINUTES,
      checkinClosesAfterMinutes: e.CHECKIN_CLOSES_AFTER_MINUTES,
      lateCheckinDays: e.LATE_CHECKIN_DAYS,
      atRiskDays: e.COMPLIANCE_AT_RISK_DAYS,
    },
    dashboard: { snapshotDays: e.DASHBOARD_SNAPSHOT_DAYS },
    attachments: { maxBytes: e.ATTACHMENT_MAX_BYTES },
    platforms: platformsConfig(e),
    backup: { cron: e.BACKUP_CRON, keep: e.BACKUP_KEEP },
    metricsEnabled: e.METRICS_ENABLED,
    llm: e.LLM_BASE_URL && e.LLM_MODEL ? { baseUrl: e.LLM_BASE_URL.replace(/\/+$/, ''), model: e.LLM_MODEL, apiKey: e.LLM_API_KEY, timeoutMs: e.LLM_TIMEOUT_MS } : undefined,
    jobs: {
      rateLimits: e.RATE_LIMITS,
      deliverAttempts: e.DELIVER_ATTEMPTS,
      deliverConcurrency: e.DELIVER_CONCURRENCY,
      guardrails: { quietStart: e.QUIET_HOURS.split('-')[0]!, quietEnd: e.QUIET_HOURS.split('-')[1]!, workMorning: e.WORK_MORNING, dailyNudgeBudget: e.NUDGE_DAILY_BUDGET, calendar: loadHolidayCalendar(e.HOLIDAYS_FILE) },
      complianceCron: e.COMPLIANCE_SCAN_CRON,
      pledgeRemindCron: e.PLEDGE_REMIND_CRON,
    },
  };
}

/** loadConfig for entry points: on a bad value, print the problems in Chinese and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n请修改上述环境变量后重新启动（见 .env.example 和 README）。\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Whether anything needs the embedded data directory (and so its lock). */
export function usesEmbeddedStorage(config: Config): boolean {
  return !config.databaseUrl || config.queue.backend === 'embedded';
}

/** Platform adapter settings (issue 7). */
function platformsConfig(e: z.infer<typeof schema>): PlatformsConfig {
  const reconnect = e.PLATFORM_AUTO_RECONNECT;
  const p = adapterConfigs(e, reconnect);
  return {
    ...p,
    webLogin: {
      lark: e.LARK_WEB_LOGIN && p.lark ? { ...p.lark, oauthBase: e.LARK_OAUTH_BASE?.replace(/\/$/, '') } : undefined,
      dingtalk: e.DINGTALK_WEB_LOGIN && p.dingtalk ? { ...p.dingtalk, loginBase: e.DINGTALK_LOGIN_BASE.replace(/\/$/, ''), corpId: e.DINGTALK_CORP_ID } : undefined,
      wecom: e.WECOM_CORP_ID && e.WECOM_AGENT_ID && e.WECOM_APP_SECRET
        ? { corpId: e.WECOM_CORP_ID, agentId: e.WECOM_AGENT_ID, secret: e.WECOM_APP_SECRET, apiBase: e.WECOM_API_BASE.replace(/\/$/, ''), oauthBase: e.WECOM_OAUTH_BASE.replace(/\/$/, '') }
        : undefined,
    },
  };
}

function adapterConfigs(e: z.infer<typeof schema>, reconnect: boolean): Omit<PlatformsConfig, 'webLogin'> {
  return {
    formLinkTtlSeconds: e.FORM_LINK_TTL_HOURS * 3600,
    lark: e.LARK_APP_ID && e.LARK_APP_SECRET
      ? {
          appId: e.LARK_APP_ID,
          appSecret: e.LARK_APP_SECRET,
          domain: larkDomain(e.LARK_DOMAIN),
          mode: e.LARK_MODE,
          encryptKey: e.LARK_ENCRYPT_KEY,
          verificationToken: e.LARK_VERIFICATION_TOKEN,
          webhookPath: e.LARK_WEBHOOK_PATH,
          cardAckMs: e.LARK_CARD_ACK_MS,
          autoReconnect: reconnect,
        }
      : undefined,
    dingtalk: e.DINGTALK_CLIENT_ID && e.DINGTALK_CLIENT_SECRET
      ? {
          clientId: e.DINGTALK_CLIENT_ID,
          clientSecret: e.DINGTALK_CLIENT_SECRET,
          robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
          apiBase: e.DINGTALK_API_BASE.replace(/\/$/, ''),
          oapiBase: e.DINGTALK_OAPI_BASE.replace(/\/$/, ''),
          gatewayUrl: e.DINGTALK_GATEWAY_URL ?? `${e.DINGTALK_API_BASE.replace(/\/$/, '')}/v1.0/gateway/connections/open`,
          cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID,
          cardAckMs: e.DINGTALK_CARD_ACK_MS,
          useSessionWebhook: e.DINGTALK_SESSION_WEBHOOK,
          autoReconnect: reconnect,
        }
      : undefined,
    wecom: (e.WECOM_BOT_ID && e.WECOM_BOT_SECRET) || (e.WECOM_MODE === 'webhook' && e.WECOM_TOKEN && e.WECOM_ENCODING_AES_KEY)
      ? {
          botId: e.WECOM_BOT_ID ?? '',
          secret: e.WECOM_BOT_SECRET ?? '',
          mode: e.WECOM_MODE,
          wsUrl: e.WECOM_WS_URL,
          token: e.WECOM_TOKEN,
          encodingAesKey: e.WECOM_ENCODING_AES_KEY,
          webhookPath: e.WECOM_WEBHOOK_PATH,
          cardAckMs: e.WECOM_CARD_ACK_MS,
          autoReconnect: reconnect,
        }
      : undefined,
    wechaty: e.WECHATY_PUPPET
      ? { puppet: e.WECHATY_PUPPET, puppetOptions: e.WECHATY_PUPPET_OPTIONS ? (JSON.parse(e.WECHATY_PUPPET_OPTIONS) as Record<string, unknown>) : {}, name: e.WECHATY_NAME }
      : undefined,
  };
}
