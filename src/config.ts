// The one place that reads process.env. Every variable is documented in .env.example and the README.
import { z } from 'zod';

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
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000, '至少 1000 毫秒').max(60_000, '至多 60000 毫秒').default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.QUEUE_BACKEND === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['QUEUE_BACKEND'], message: '设为 redis 时必须同时设置 REDIS_URL' });
    }
    if (env.QUEUE_BACKEND === 'postgres' && !env.QUEUE_DATABASE_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['QUEUE_BACKEND'], message: '设为 postgres 时必须设置 QUEUE_DATABASE_URL 或 DATABASE_URL' });
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
  logLevel: string;
  timezone: string;
  seedDemo: boolean;
  runWorkers: boolean;
  consoleEnabled: boolean;
  shutdownTimeoutMs: number;
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
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        const shown = name && cleaned[name] !== undefined && !/SECRET|URL/.test(name) ? `（当前值 "${cleaned[name]}"）` : '';
        return `${name}: ${i.message}${shown}`;
      }),
    );
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
    logLevel: e.LOG_LEVEL,
    timezone: e.TIMEZONE,
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV !== 'production',
    runWorkers: e.RUN_WORKERS,
    consoleEnabled: e.CONSOLE_ENABLED ?? e.NODE_ENV !== 'production',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

/** Whether anything needs the embedded data directory (and so its lock). */
export function usesEmbeddedStorage(config: Config): boolean {
  return !config.databaseUrl || config.queue.backend === 'embedded';
}
