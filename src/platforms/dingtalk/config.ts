// DingTalk adapter settings (from src/config.ts). Base URLs are configurable for 专有钉钉 / 浙政钉.
export interface DingTalkConfig {
  /** AppKey (Client ID) of the internal app with the robot. */
  clientId: string;
  clientSecret: string;
  /** The robot's code; the same as the AppKey for an app robot. */
  robotCode: string;
  /** New-style Open API base (token, robot messages, cards): https://api.dingtalk.com. */
  apiBase: string;
  /** Legacy Open API base (gettoken fallback): https://oapi.dingtalk.com. */
  oapiBase: string;
  /** Stream gateway (POST → {endpoint, ticket}); https://api.dingtalk.com/v1.0/gateway/connections/open by default. */
  gatewayUrl: string;
  /** Card template id from the card builder; unset → markdown / actionCard messages instead. */
  cardTemplateId?: string;
  /** Time the card-callback ack may wait for processing. */
  cardAckMs: number;
  /** Answer in a chat through the sessionWebhook of its last message while it is valid (saves API quota). */
  useSessionWebhook: boolean;
  autoReconnect: boolean;
}
