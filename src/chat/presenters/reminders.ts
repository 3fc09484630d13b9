// Presenters for the reminders area: views (notify intents) and shared cards, wording from prompts/replies/.
import type { Presenters } from './registry.js';

export function registerRemindersPresenters(presenters: Presenters): void {
  void presenters;
}
