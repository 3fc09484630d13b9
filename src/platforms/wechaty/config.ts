// Wechaty adapter settings (from src/config.ts): any puppet by name, with its options as JSON.
export interface WechatyConfig {
  /** Puppet package, e.g. wechaty-puppet-service (WorkPro for WeCom) or wechaty-puppet-mock. */
  puppet: string;
  puppetOptions: Record<string, unknown>;
  /** Wechaty instance name (its memory-card file). */
  name: string;
}
