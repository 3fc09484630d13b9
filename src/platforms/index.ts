// Builds the enabled platform adapters from configuration: an adapter exists only when its
// credentials are set. Senders go to the Deliverer (through the degradation layer), receivers
// start and stop with the app, webhook routes mount on our HTTP server.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { AdapterDeps, PlatformAdapter } from './adapter.js';
import type { PlatformsConfig, WebLoginConfig } from './config.js';
import type { WebLogin } from './web-login.js';
import type { PlatformSender } from './types.js';
import { withDegradation } from './render.js';
import { settles } from '../util/timeout.js';

/** Test seams (e.g. a Wechaty puppet object instead of a puppet name). */
export interface PlatformHooks {
  wechatyPuppet?: unknown;
}

/**
 * The adapters of the configured platforms. Each platform's module (and its SDK: Wechaty alone
 * costs ~1.3 s of CPU and 80 MB to load) is imported only when its credentials are set.
 */
export async function buildAdapters(config: PlatformsConfig, deps: AdapterDeps, hooks: PlatformHooks = {}): Promise<PlatformAdapter[]> {
  const adapters: PlatformAdapter[] = [];
  if (config.lark) adapters.push((await import('./lark/index.js')).createLarkAdapter(config.lark, deps));
  if (config.dingtalk) adapters.push((await import('./dingtalk/index.js')).createDingTalkAdapter(config.dingtalk, deps));
  if (config.wecom) adapters.push((await import('./wecom/index.js')).createWeComAdapter(config.wecom, deps));
  if (config.wechaty) adapters.push((await import('./wechaty/index.js')).createWechatyAdapter(config.wechaty, deps, hooks.wechatyPuppet));
  return adapters;
}

/** The configured platforms' web sign-in to the 驾驶舱 (src/platforms/web-login.ts), each module imported only when configured. */
export async function buildWebLogins(config: WebLoginConfig, log: Logger): Promise<WebLogin[]> {
  const l = log.child({ component: 'web-login' });
  const out: WebLogin[] = [];
  if (config.lark) out.push((await import('./lark/login.js')).larkWebLogin(config.lark, l));
  if (config.dingtalk) out.push((await import('./dingtalk/login.js')).dingTalkWebLogin(config.dingtalk, l));
  if (config.wecom) out.push((await import('./wecom/login.js')).weComWebLogin(config.wecom, l));
  return out;
}

export function platformSenders(adapters: PlatformAdapter[], deps: AdapterDeps, config: PlatformsConfig): PlatformSender[] {
  return adapters.map((a) => withDegradation(a.sender, { tokens: deps.tokens, publicUrl: deps.publicUrl, formLinkTtlSeconds: config.formLinkTtlSeconds }));
}

export function mountPlatformRoutes(adapters: PlatformAdapter[], server: FastifyInstance): void {
  for (const a of adapters) a.routes?.(server);
}

/**
 * Start every receiver. A platform that cannot be reached at boot does not stop the app: after
 * `waitMs` it is logged and its SDK keeps reconnecting in the background.
 */
/** Start every receiver; `state` (if given) follows each platform: starting → connected or failed. */
export async function startReceivers(adapters: PlatformAdapter[], log: Logger, waitMs = 20_000, state?: Map<string, 'starting' | 'connected' | 'failed'>): Promise<void> {
  await Promise.all(
    adapters.map(async (a) => {
      state?.set(a.platform, 'starting');
      const start = a.receiver.start().then(
        () => (state?.set(a.platform, 'connected'), log.info({ platform: a.platform }, 'platform receiver started')),
        (e) => (state?.set(a.platform, 'failed'), log.error({ err: e, platform: a.platform }, 'platform receiver failed to start')),
      );
      if (!(await settles(start, waitMs))) log.warn({ platform: a.platform }, 'platform not connected yet; still trying in the background');
    }),
  );
}

export async function stopReceivers(adapters: PlatformAdapter[]): Promise<void> {
  await Promise.allSettled(adapters.map((a) => a.receiver.stop()));
}
