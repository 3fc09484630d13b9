// HTTP server: health and readiness now; platform webhooks, H5 forms and the console register here.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import { ackSeconds } from '../metrics.js';

export interface ReadinessCheck {
  name: string; // shown in the 503 body: "database", "queue"
  check(): Promise<void>;
}

/** A readiness failure whose message is written for the operator and safe to show (no raw error text). */
export class ReadinessProblem extends Error {}

export interface ServerOptions {
  log: Logger;
  checks: ReadinessCheck[];
  /** Things an operator should fix that do not make the service unready (e.g. a year without holiday data). */
  warnings?: () => string[];
  bodyLimit?: number;
}

export function createServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    // Per-request lines are info-level noise; warnings and errors still come through.
    loggerInstance: opts.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Long-polling/SSE clients must not keep shutdown waiting past the grace period.
    forceCloseConnections: 'idle',
  });

  // Ack latency per route (the platform's or the browser's wait), for /metrics.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    if (!route || route === '/metrics' || route === '/healthz' || route === '/readyz') return;
    ackSeconds.observe({ route, status: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(
      opts.checks.map(async (c) => {
        try {
          await c.check();
          return { name: c.name, ok: true as const };
        } catch (e) {
          // The cause goes to the log; the answer names the check only (no hosts, ports or stack text).
          opts.log.warn({ err: e, check: c.name }, 'readiness check failed');
          return { name: c.name, ok: false as const, error: e instanceof ReadinessProblem ? e.message : 'not answering' };
        }
      }),
    );
    const warnings = opts.warnings?.() ?? [];
    const extra = warnings.length ? { warnings } : {};
    const down = results.filter((r) => !r.ok);
    if (down.length) {
      return reply.code(503).send({ status: 'unavailable', down: down.map((d) => d.name), details: results, ...extra });
    }
    return { status: 'ready', checks: results.map((r) => r.name), ...extra };
  });

  // Errors answer in Chinese and never leak internals.
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = status === 413 ? '请求内容过大' : status === 400 ? '请求格式错误' : status === 404 ? '未找到' : status < 500 ? '请求无效' : '服务器内部错误，请稍后再试';
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: '未找到' }));
  return app;
}
