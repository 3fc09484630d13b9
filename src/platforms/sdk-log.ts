// SDK loggers routed to pino at debug level (SDK messages may contain payloads: never at info).
import type { Logger } from '../log.js';

export function sdkLogger(log: Logger) {
  const line = (level: 'debug' | 'warn') => (...args: unknown[]) => log[level]({ sdk: args.filter((a) => typeof a === 'string').join(' ').slice(0, 300) }, 'sdk');
  return { error: line('warn'), warn: line('debug'), info: line('debug'), debug: line('debug'), trace: line('debug') };
}
