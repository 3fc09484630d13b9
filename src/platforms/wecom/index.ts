// WeCom AI bot (智能机器人) adapter: long connection by default, encrypted webhook as an option.
import type { AdapterDeps, PlatformAdapter } from '../adapter.js';
import type { WeComConfig } from './config.js';
import { WeComReceiver } from './receiver.js';
import { WECOM_CAPABILITIES, wecomSender } from './sender.js';

export function createWeComAdapter(config: WeComConfig, deps: AdapterDeps): PlatformAdapter {
  const receiver = new WeComReceiver(config, deps);
  return {
    platform: 'WECOM',
    capabilities: WECOM_CAPABILITIES,
    sender: wecomSender(() => receiver.client, { retryAfterMs: 2000 }),
    receiver,
    routes: (server) => receiver.routes(server),
  };
}
