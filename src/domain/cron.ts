// Cron patterns are checked with cron-parser (the parser BullMQ's schedulers use), so a value that
// would only fail at upsertJobScheduler is refused at start, naming the setting.
import { CronExpressionParser } from 'cron-parser';

/** Undefined when `pattern` is a valid 5- or 6-field cron pattern in `tz`; else a Chinese message. */
export function cronProblem(pattern: string, tz = 'Asia/Shanghai'): string | undefined {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return `应为 5 段 cron 表达式（分 时 日 月 周），例如 30 8 * * *，而不是 ${fields} 段`;
  try {
    CronExpressionParser.parse(pattern, { tz, strict: false });
    return undefined;
  } catch (e) {
    return `不是有效的 cron 表达式（${(e as Error).message}）`;
  }
}
