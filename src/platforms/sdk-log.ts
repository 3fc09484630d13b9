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

const routed = new WeakSet<Logger>();
let consoleRoutes: Array<{ marker: string; log: Logger }> = [];

/**
 * SDKs without a logger option (dingtalk-stream writes console.info("connect success") and
 * console.warn("ERROR", err) with the whole error object): their console calls — recognised by the
 * SDK's path in the caller's stack — go to pino as one short line; every other console call is
 * left as it was. Installed once per process; `marker` is the package's folder name.
 */
export function routeSdkConsole(marker: string, log: Logger): void {
  if (routed.has(log) && consoleRoutes.some((r) => r.marker === marker)) return;
  routed.add(log);
  consoleRoutes = [...consoleRoutes.filter((r) => r.marker !== marker), { marker, log }];
  const c = console as unknown as Record<string, ((...a: unknown[]) => void) & { sdkRouted?: boolean }>;
  for (const [method, level] of [['log', 'debug'], ['info', 'debug'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'warn']] as const) {
    const original = c[method]!;
    if (original.sdkRouted) continue;
    const wrapped = Object.assign(
      (...args: unknown[]) => {
        const stack = new Error().stack ?? '';
        const route = consoleRoutes.find((r) => stack.includes(`node_modules/${r.marker}/`));
        if (route) route.log[level]({ sdk: sdkLine(args), package: route.marker }, 'sdk');
        else original.apply(console, args);
      },
      { sdkRouted: true },
    );
    c[method] = wrapped;
  }
}
