// Lark/Feishu adapter: long connection by default, HTTP callbacks as an option.
import type { AdapterDeps, PlatformAdapter } from '../adapter.js';
import type { LarkConfig } from './config.js';
import { LarkReceiver } from './receiver.js';
import { LARK_CAPABILITIES, LarkApi, larkSender } from './sender.js';

export function createLarkAdapter(config: LarkConfig, deps: AdapterDeps): PlatformAdapter {
  const api = new LarkApi(config, deps.log.child({ platform: 'LARK' }));
  const receiver = new LarkReceiver(config, api, deps);
  return {
    platform: 'LARK',
    capabilities: LARK_CAPABILITIES,
    sender: larkSender(api),
    receiver,
    routes: (server) => receiver.routes(server),
    listMembers: (chatId) => api.members(chatId),
  };
}
