// Presenters for the life area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerLifePresenters(presenters: Presenters): void {
  void presenters;
}
