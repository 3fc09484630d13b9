// Moved to src/cli/pledges.ts (the CLI is a surface, not domain). Kept until src/cli.ts imports it from there.
export { pledgeCli, PLEDGE_USAGE, serviceSecret } from '../../cli/pledges.js';
