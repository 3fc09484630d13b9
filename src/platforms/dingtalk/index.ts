// DingTalk adapter: Stream mode for robot messages and card callbacks, a small Open API client for
// sends. Template cards (update in place) when DINGTALK_CARD_TEMPLATE_ID is set, otherwise
// markdown / actionCard messages answered by numbered replies (no in-place update then).
import type { AdapterDeps, PlatformAdapter } from '../adapter.js';
import { NumberedCards } from '../numbered.js';
import { routeSdkConsole } from '../sdk-log.js';
import { DingTalkApi } from './api.js';
import type { DingTalkConfig } from './config.js';
import { DingTalkReceiver } from './receiver.js';
import { DingTalkState, dingtalkCapabilities, dingtalkSender } from './sender.js';

export function createDingTalkAdapter(config: DingTalkConfig, deps: AdapterDeps): PlatformAdapter {
  const api = new DingTalkApi(config, deps.log.child({ platform: 'DINGTALK' }));
  // dingtalk-stream has no logger option: its console output goes to pino (sdk-log.ts).
  routeSdkConsole('dingtalk-stream', deps.log.child({ platform: 'DINGTALK' }));
  const state = new DingTalkState(deps.state);
  const numbered = new NumberedCards(deps, 'DINGTALK');
  return {
    platform: 'DINGTALK',
    capabilities: dingtalkCapabilities(!!config.cardTemplateId),
    sender: dingtalkSender(api, state, numbered),
    receiver: new DingTalkReceiver(config, deps, state, numbered),
  };
}
