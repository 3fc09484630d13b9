// Presenters for the basics area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerBasicsPresenters(presenters: Presenters): void {
  void presenters;
}
