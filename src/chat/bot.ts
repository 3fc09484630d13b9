// The bot's routes: every handler module registers here. Order matters for text commands
// (first match wins); the fallback answers anything else.
import { Router } from './router.js';
import { registerBasics } from './handlers/basics.js';

export interface BotDeps {
  /** Base URL for signed links (H5 forms, downloads). */
  publicUrl: string;
}

export function buildRouter(_deps: BotDeps): Router {
  const router = new Router();
  registerBasics(router);
  return router;
}
