// The bot's routes: every handler module registers here. Order matters for text commands
// (first match wins); the fallback answers anything else.
import type { GuardrailOptions } from '../domain/guardrails.js';
import { Router } from './router.js';
import { registerBasics } from './handlers/basics.js';
import { registerChats } from './handlers/chats.js';
import { registerPrompts } from './handlers/prompts.js';
import { registerLife, type LifeDeps } from './handlers/life.js';
import { registerLifeRecords } from './handlers/life-records.js';
import { registerDuties, type DutiesDeps } from './handlers/duties.js';
import { registerPledges } from './handlers/pledges.js';
import { registerObligations } from './handlers/obligations.js';
import { registerOrganizationalLife } from './handlers/organizational-life.js';
import { registerDutyForms } from './handlers/duty-forms.js';
import { registerAttachments } from './handlers/attachments.js';
import { registerDashboardCommands } from './handlers/dashboard.js';
import { registerPlans } from './handlers/plans.js';
import { buildPresenters } from './presenters/index.js';
import type { TokenSigner } from './token.js';
import { DEFAULT_TZ } from '../domain/life/time.js';

export interface BotDeps {
  /** Base URL for signed links (H5 forms, downloads). */
  publicUrl: string;
  /** Signs card buttons and links (presenters). */
  tokens: TokenSigner;
  /** Organizational life settings (time zone, check-in window …); defaults when absent. */
  life?: Omit<LifeDeps, 'publicUrl'>;
  /** Quiet hours and working days for reminders a person asks for (催交承诺); the defaults when absent. */
  guardrails?: GuardrailOptions;
  /** Responsibility-list answers (optional model phrasing, logger). */
  duties?: Pick<DutiesDeps, 'llm' | 'log'>;
}

export function buildRouter(deps: BotDeps): Router {
  const router = new Router(buildPresenters({ tokens: deps.tokens, timezone: deps.life?.timezone ?? DEFAULT_TZ, publicUrl: deps.publicUrl, life: deps.life }));
  registerBasics(router);
  registerChats(router);
  registerPrompts(router);
  registerLife(router, { ...deps.life, publicUrl: deps.publicUrl });
  registerLifeRecords(router, deps.life);
  registerPledges(router, { publicUrl: deps.publicUrl, guardrails: deps.guardrails });
  registerObligations(router, { timezone: deps.life?.timezone });
  registerOrganizationalLife(router, { timezone: deps.life?.timezone });
  registerDutyForms(router, { timezone: deps.life?.timezone });
  registerAttachments(router);
  registerDashboardCommands(router, deps.life);
  registerPlans(router, { timezone: deps.life?.timezone });
  registerDuties(router, { ...deps.life, ...deps.duties, publicUrl: deps.publicUrl }); // last: its fallback (questions, else help) replaces the basic one
  return router;
}
