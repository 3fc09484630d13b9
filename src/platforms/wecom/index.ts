// WeCom AI bot (智能机器人) adapter: long connection by default, encrypted webhook as an option.
// Webhook mode sends only through the response_url of received messages (see webhook.ts).
import type { AdapterDeps, PlatformAdapter } from '../adapter.js';
import type { WeComConfig } from './config.js';
import { WeComReceiver } from './receiver.js';
import { WECOM_CAPABILITIES, wecomSender } from './sender.js';
import { wecomDownload } from './download.js';
import { ClickAnswers, WECOM_WEBHOOK_CAPABILITIES, WeComReplySlots, wecomWebhookSender } from './webhook.js';

export function createWeComAdapter(config: WeComConfig, deps: AdapterDeps): PlatformAdapter {
  const slots = new WeComReplySlots(deps.state);
  const answers = new ClickAnswers();
  const receiver = new WeComReceiver(config, deps, slots, answers);
  const webhook = config.mode === 'webhook';
  return {
    platform: 'WECOM',
    capabilities: webhook ? WECOM_WEBHOOK_CAPABILITIES : WECOM_CAPABILITIES,
    sender: {
      ...(webhook ? wecomWebhookSender(slots, answers, { retryAfterMs: 2000 }) : wecomSender(() => receiver.client, { retryAfterMs: 2000 })),
      download: wecomDownload({ encodingAesKey: webhook ? config.encodingAesKey : undefined, timeoutMs: 10_000 }),
    },
    receiver,
    routes: (server) => receiver.routes(server),
  };
}
