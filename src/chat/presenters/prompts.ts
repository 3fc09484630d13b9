// Presenters for the prompts area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerPromptsPresenters(presenters: Presenters): void {
  void presenters;
}
