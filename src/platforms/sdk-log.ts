// SDK loggers routed to pino (one JSON line each, never multi-line dumps on stdout). SDK messages
// may carry payloads or request configs with tokens: only strings, error messages and codes are
// kept, cut short, and nothing is logged above warn or below debug.
import type { Logger } from '../log.js';

/** One short line from an SDK's log arguments: strings as they are, errors by message, `{code, msg}` by their values. */
export function sdkLine(args: unknown[]): string {
  const parts: string[] = [];
  const add = (a: unknown, depth: number) => {
    if (typeof a === 'string') parts.push(a);
    else if (typeof a === 'number' || typeof a === 'boolean') parts.push(String(a));
    else if (a instanceof Error) parts.push(a.message);
    else if (Array.isArray(a) && depth < 2) for (const x of a) add(x, depth + 1);
    else if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      for (const k of ['message', 'code', 'msg', 'errcode', 'errmsg']) if (typeof o[k] === 'string' || typeof o[k] === 'number') parts.push(`${k}=${String(o[k])}`);
    }
  };
  for (const a of args) add(a, 0);
  return parts.join(' ').replace(/\s+/g, ' ').slice(0, 300);
}

export function sdkLogger(log: Logger) {
  const line = (level: 'debug' | 'warn') => (...args: unknown[]) => log[level]({ sdk: sdkLine(args) }, 'sdk');
  return { error: line('warn'), warn: line('debug'), info: line('debug'), debug: line('debug'), trace: line('debug') };
}
