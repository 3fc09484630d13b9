// Presenters for the duties area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerDutiesPresenters(presenters: Presenters): void {
  void presenters;
}
