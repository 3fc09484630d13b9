// All presenters of the bot, per area. Chat, jobs and web pages render service results through them.
import type { TokenSigner } from '../token.js';
import type { LifeOptions } from '../../domain/life/options.js';
import { Presenters } from './registry.js';
import { registerBasicsPresenters } from './basics.js';
import { registerDutiesPresenters } from './duties.js';
import { registerLifePresenters } from './life.js';
import { registerPledgesPresenters } from './pledges.js';
import { registerPromptsPresenters } from './prompts.js';
import { registerObligationsPresenters } from './obligations.js';
import { registerPlansPresenters } from './plans.js';
import { registerRemindersPresenters } from './reminders.js';

export { Presenters } from './registry.js';

export function buildPresenters(options: { tokens: TokenSigner; timezone: string; publicUrl: string; life?: Partial<LifeOptions> }): Presenters {
  const presenters = new Presenters(options);
  registerBasicsPresenters(presenters);
  registerLifePresenters(presenters, options.life);
  registerRemindersPresenters(presenters);
  registerPledgesPresenters(presenters);
  registerPromptsPresenters(presenters);
  registerDutiesPresenters(presenters);
  registerObligationsPresenters(presenters);
  registerPlansPresenters(presenters);
  return presenters;
}
