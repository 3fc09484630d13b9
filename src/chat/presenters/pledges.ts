// Presenters for the pledges area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerPledgesPresenters(presenters: Presenters): void {
  void presenters;
}
